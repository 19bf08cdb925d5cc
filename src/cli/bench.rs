//! `unmask bench`: forward-pass latency per canvas length and end-to-end generation speed.

use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;

use crate::generate::{GenerateRequest, generate};
use crate::model::config::RecommendedDecoding;

use super::{ModelArgs, SamplerArgs};

/// `unmask bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Canvas lengths to time a forward pass at (capped at the model's context).
    #[arg(long, value_delimiter = ',', default_values_t = vec![64usize, 128, 256, 512])]
    pub lengths: Vec<usize>,
    /// Timed repetitions per length (the median is reported; one warm-up run is not counted).
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Generation lengths of the prose runs (after the app's default arithmetic run).
    #[arg(long, value_delimiter = ',', default_values_t = vec![64usize, 256])]
    pub gen_lengths: Vec<usize>,
    /// Prompt for the end-to-end runs.
    #[arg(long, default_value = "It was a bright morning in the village, and")]
    pub prompt: String,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Instead of a model folder, time a random-weight model of a real model's size
    /// (llada-8b, dream-7b, qwen3-0.6b, qwen2.5-coder-0.5b): forward passes and whole runs at each --gen-lengths, one token per
    /// step versus threshold decoding. Use --device cuda and --dtype bf16 on a GPU.
    #[arg(long, conflicts_with = "model")]
    pub shape: Option<String>,
    /// With --shape: quantise the random weights as `unmask quantize --type` would (q4k, q4_0,
    /// q8_0; activations f32) instead of using --dtype. To time a quantised model folder, run
    /// `unmask quantize DIR OUT.gguf` and bench `--model OUT.gguf`.
    #[arg(long, requires = "shape", value_parser = crate::model::gguf::QuantType::parse)]
    pub quant: Option<crate::model::gguf::QuantType>,
    /// Print one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// Median milliseconds of one forward pass at each canvas length (half masked, half ordinary
/// tokens: a mid-run canvas), printed as a table and returned as JSON rows.
fn time_forwards(
    denoiser: &mut dyn crate::model::Denoiser,
    lengths: &[usize],
    repeats: usize,
    mask_id: u32,
    vocab_size: usize,
    max_context: usize,
) -> Result<Vec<serde_json::Value>> {
    println!("{:>8} {:>12} {:>10}", "length", "forward ms", "steps/s");
    let mut forward = Vec::new();
    for &len in lengths {
        if len > max_context || len == 0 {
            println!("{len:>8} {:>12} {:>10}", "skipped", "(context)");
            continue;
        }
        let tokens: Vec<u32> = (0..len as u32)
            .map(|i| {
                if i % 2 == 0 {
                    mask_id
                } else {
                    (i * 7919) % vocab_size as u32
                }
            })
            .collect();
        let rows: Vec<u32> = (0..len as u32).step_by(2).collect();
        denoiser.logits(&tokens, &rows)?;
        let mut times = Vec::new();
        for _ in 0..repeats {
            let t = Instant::now();
            denoiser.logits(&tokens, &rows)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let ms = median(times);
        println!("{len:>8} {ms:>12.2} {:>10.1}", 1e3 / ms);
        forward.push(serde_json::json!({"length": len, "forward_ms": ms, "steps_per_s": 1e3 / ms}));
    }
    Ok(forward)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Run the benchmark and print a table.
pub fn bench_cmd(args: BenchArgs) -> Result<()> {
    if args.repeats == 0 {
        bail!("--repeats must be at least 1");
    }
    if let Some(shape) = &args.shape {
        return shape_bench(&args, shape);
    }
    let (model_id, mut model) = args.model.load()?;
    let info = model.info.clone();
    println!(
        "model {} ({}, {:.2} M params, {}), {} rayon threads",
        model_id,
        info.family,
        info.n_params as f64 / 1e6,
        info.dtype,
        rayon_threads()
    );
    let forward = time_forwards(
        model.denoiser.as_mut(),
        &args.lengths,
        args.repeats,
        info.mask_token_id,
        info.vocab_size,
        info.max_context,
    )?;
    let mut runs = Vec::new();
    println!(
        "\n{:<22} {:>7} {:>7} {:>11} {:>10} {:>9}   settings: {}",
        "run",
        "tokens",
        "steps",
        "elapsed ms",
        "tokens/s",
        "tok/step",
        describe(&args.sampler, info.recommended_decoding.as_ref())
    );
    let mut scenarios: Vec<(String, String, String)> = vec![(
        "app default (arith)".into(),
        crate::generate::DEFAULT_PROMPT.into(),
        crate::sampler::presets::REASONING_FIRST_TEMPLATE.into(),
    )];
    for &gen_length in &args.gen_lengths {
        scenarios.push((
            format!("prose, {gen_length} masks"),
            args.prompt.clone(),
            format!("{{{gen_length}}}"),
        ));
    }
    for (label, prompt, template) in scenarios {
        let masks = super::template_masks(&template)?;
        let req = GenerateRequest {
            prompt,
            template,
            params: args
                .sampler
                .params(masks, info.recommended_decoding.as_ref())?,
            raw_prompt: false,
        };
        // Median of `repeats` whole runs (the runs are deterministic, so each repeats the same work).
        let mut samples = Vec::new();
        let mut steps = 0;
        for _ in 0..args.repeats {
            let trace = match generate(&mut model, &model_id, &req) {
                Ok(t) => t,
                Err(e) => {
                    println!("{label:<22} skipped: {e}");
                    break;
                }
            };
            let Some(summary) = trace.summary.clone() else {
                bail!("the run {label} ended without a summary");
            };
            steps = trace.steps.len();
            samples.push(summary.elapsed_ms);
        }
        if samples.is_empty() {
            continue;
        }
        let elapsed_ms = median(samples);
        let tokens_per_s = masks as f64 / (elapsed_ms / 1e3);
        println!(
            "{label:<22} {masks:>7} {steps:>7} {elapsed_ms:>11.1} {tokens_per_s:>10.0} {:>9.2}",
            masks as f64 / steps.max(1) as f64
        );
        runs.push(serde_json::json!({
            "run": label, "tokens": masks, "steps": steps, "elapsed_ms": elapsed_ms,
            "tokens_per_s": tokens_per_s,
        }));
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({"model": model_id, "forward": forward, "generate": runs})
        );
    }
    Ok(())
}

fn describe(s: &SamplerArgs, recommended: Option<&RecommendedDecoding>) -> String {
    if let Some(r) = recommended.filter(|_| !s.has_count_rule()) {
        return format!(
            "{} (the model's recommendation), {}",
            r.describe(),
            s.remasking
        );
    }
    match (s.threshold, s.factor, s.steps) {
        (Some(t), _, _) => format!("threshold {t}, {}", s.remasking),
        (_, Some(f), _) => format!("factor {f}, {}", s.remasking),
        (_, _, Some(n)) => format!("{n} steps {}, {}", s.schedule, s.remasking),
        _ => format!(
            "threshold {} (default), {}",
            crate::sampler::DEFAULT_THRESHOLD,
            s.remasking
        ),
    }
}

fn rayon_threads() -> String {
    std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| {
        std::thread::available_parallelism()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into())
    })
}

/// The weights' type as the bench names it (`f32`, `q4k`…).
fn weights_name(args: &BenchArgs) -> String {
    match args.quant {
        Some(q) => q.name().to_string(),
        None => args.model.dtype.to_string(),
    }
}

/// Memory this machine can still give (`MemAvailable` in /proc/meminfo), when it says.
fn available_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuse a shape whose weights need more memory than is available (unknown: allowed).
fn check_memory(shape: &str, weights: &str, needed: u64, available: Option<u64>) -> Result<()> {
    let gb = |b: u64| b as f64 / 1e9;
    match available {
        Some(free) if needed > free => bail!(
            "--shape {shape} needs about {:.1} GB for its {weights} weights and this machine has {:.1} GB available: try --quant q4k or --dtype bf16, or a GPU (--device cuda)",
            gb(needed),
            gb(free)
        ),
        _ => Ok(()),
    }
}

/// `--shape`: a random-weight model at a real model's size, timed on token ids (no tokenizer).
fn shape_bench(args: &BenchArgs, shape: &str) -> Result<()> {
    use crate::canvas::{Canvas, plain_template};
    use crate::model::{Denoiser, TransformerDenoiser, random};
    use crate::sampler::Sampler;
    use rand::{Rng, SeedableRng};

    let Some(spec) = random::shape_spec(shape) else {
        let names: Vec<&str> = random::SHAPES.iter().map(|(n, _)| *n).collect();
        bail!("unknown --shape {shape:?}: use one of {}", names.join(", "));
    };
    let spec = spec?;
    let dtype = args.model.dtype.to_candle();
    let device = args.model.device.open()?;
    if device.is_cpu() {
        // Checked before the weights are made: an 8 B model in f32 needs 32 GB.
        let bits = match args.quant {
            Some(crate::model::gguf::QuantType::Q8_0) => 8.5,
            Some(_) => 4.5,
            None => 8.0 * dtype.size_in_bytes() as f64,
        };
        let needed = (spec.arch.n_params() as f64 * bits / 8.0) as u64;
        check_memory(shape, &weights_name(args), needed, available_memory_bytes())?;
    }
    let t_init = Instant::now();
    let net = match args.quant {
        Some(q) => random::random_quantized_transformer(&spec, q, &device)?,
        None => random::random_transformer(&spec, dtype, &device)?,
    };
    let weights = weights_name(args);
    let n_params = spec.arch.n_params();
    device.synchronize()?;
    println!(
        "random-weight {shape} ({}, {:.2} B params, {weights}, {}) made in {:.1} s",
        spec.family.name(),
        n_params as f64 / 1e9,
        args.model.device.name(),
        t_init.elapsed().as_secs_f64()
    );
    let mut denoiser = TransformerDenoiser { net };
    let vocab = spec.arch.rows;
    let max_len = spec.arch.max_len;
    // A mask id inside the vocabulary (the A2D Qwen tokenizers append theirs after it).
    let mask = spec.mask_token_id.unwrap_or(vocab as u32 - 1);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let prompt: Vec<u32> = (0..32).map(|_| rng.random_range(0..mask)).collect();

    let forward = time_forwards(
        &mut denoiser,
        &args.lengths,
        args.repeats,
        mask,
        vocab,
        max_len,
    )?;

    println!(
        "\n{:<26} {:>7} {:>7} {:>11} {:>12} {:>10} {:>9}",
        "run (prompt 32 tokens)",
        "tokens",
        "steps",
        "elapsed ms",
        "forward ms",
        "tokens/s",
        "tok/step"
    );
    let mut runs = Vec::new();
    for &gen_length in &args.gen_lengths {
        let settings = [
            ("one token per step", Some(gen_length), None),
            (
                "threshold 0.9",
                None,
                Some(crate::sampler::DEFAULT_THRESHOLD),
            ),
        ];
        for (label, steps, threshold) in settings {
            let sampler_args = SamplerArgs {
                steps,
                threshold,
                factor: None,
                ..args.sampler.clone()
            };
            let params = sampler_args.params(gen_length, None)?;
            let mut canvas =
                Canvas::build(&prompt, &plain_template(gen_length), mask, max_len, |_| {
                    Err("no text in a shape benchmark".into())
                })?;
            let mut sampler = Sampler::new(params, &canvas, vocab)?;
            let started = Instant::now();
            let mut forward_ms = 0.0;
            let mut n_steps = 0usize;
            while !sampler.is_done(&canvas) {
                let rows = canvas.still_masked();
                let t = Instant::now();
                let logits = denoiser.logits(&canvas.tokens, &rows)?;
                forward_ms += t.elapsed().as_secs_f64() * 1e3;
                sampler.step(&mut canvas, &logits)?;
                n_steps += 1;
            }
            let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
            let tokens_per_s = gen_length as f64 / (elapsed_ms / 1e3);
            let name = format!("{gen_length} masks, {label}");
            println!(
                "{name:<26} {gen_length:>7} {n_steps:>7} {elapsed_ms:>11.0} {forward_ms:>12.0} {tokens_per_s:>10.1} {:>9.2}",
                gen_length as f64 / n_steps.max(1) as f64
            );
            runs.push(serde_json::json!({
                "run": name, "tokens": gen_length, "steps": n_steps, "elapsed_ms": elapsed_ms,
                "forward_ms": forward_ms, "tokens_per_s": tokens_per_s,
            }));
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({"shape": shape, "device": args.model.device.name(),
                "dtype": weights, "n_params": n_params,
                "forward": forward, "generate": runs})
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_too_big_for_the_memory_left_is_refused_before_it_is_made() {
        let err = check_memory("llada-8b", "f32", 32_000_000_000, Some(20_000_000_000))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("needs about 32.0 GB") && err.contains("20.0 GB available"),
            "{err}"
        );
        assert!(check_memory("llada-8b", "q4k", 4_500_000_000, Some(20_000_000_000)).is_ok());
        assert!(check_memory("llada-8b", "f32", 32_000_000_000, None).is_ok());
    }
}
