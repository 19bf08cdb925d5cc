//! The headless face of Unmask: argument parsing (clap) and the subcommands, all calling the library.

pub mod bench;
pub mod download;
pub mod export;
pub mod quantize;
pub mod terminal;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::generate::{GenerateRequest, ResponsePiece, response_pieces};
use crate::hub::ModelRef;
use crate::model::{
    DeviceChoice, LoadOptions, LoadedModel, OpenProgress, WeightDtype, load_model, open_model,
};
use crate::sampler::{Order, Remasking, SamplerParams, Schedule};
use crate::trace::{RunOutcome, Trace};
use crate::worker::{WorkerCommand, WorkerEvent, WorkerHandle};

/// Watch masked-diffusion language models write text.
#[derive(Debug, Parser)]
#[command(name = "unmask", version, about)]
pub struct Cli {
    /// What to do; without one, the desktop app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Desktop app options (used when no subcommand is given).
    #[command(flatten)]
    pub gui: GuiArgs,
}

/// Flags of the desktop app (`unmask` without a subcommand).
#[derive(Debug, Args, Clone, Default)]
pub struct GuiArgs {
    /// Model to load in the app: a folder, or a hub id ORG/NAME[@REVISION] (downloaded into the
    /// hub cache on first use); default: the embedded model.
    #[arg(long = "model", value_name = "DIR|ORG/NAME")]
    pub gui_model: Option<String>,
    /// Start without loading any model (replay traces only).
    #[arg(long)]
    pub no_model: bool,
    /// Trace file to open in the app (repeat for the compare screenshot).
    #[arg(long = "trace", value_name = "FILE")]
    pub gui_traces: Vec<PathBuf>,
    /// Open a prepared view for screenshots: main, hover, compare, decode-order or models (prints
    /// UNMASK_DEMO_READY when it is on screen; settings are not read or saved).
    #[arg(long, value_name = "SCENE", hide = true)]
    pub demo_screenshot: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate text headlessly and print it (or animate it with --show-steps).
    Generate(GenerateArgs),
    /// Play a saved trace in the terminal.
    Replay(ReplayArgs),
    /// Describe a model folder: family, size, vocabulary, mask id, context.
    Inspect(InspectArgs),
    /// Measure forward-pass and generation speed.
    Bench(bench::BenchArgs),
    /// Measure a model on held-out arithmetic problems (and, with --prose, held-out prose).
    Eval(EvalArgs),
    /// Train a small LLaDA-format model on the project's data (arithmetic + Jane Austen).
    Train(TrainArgs),
    /// Export a saved run as an animated GIF, PNG frames, an HTML player or CSV tables.
    Export(export::ExportArgs),
    /// Write a model as one quantised GGUF file (q4k, q4_0, q8_0) that --model can run.
    Quantize(quantize::QuantizeArgs),
}

/// `unmask eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Held-out problems to decode.
    #[arg(long, default_value_t = 100)]
    pub n: usize,
    /// Operations per problem (2–4).
    #[arg(long, default_value_t = 3)]
    pub ops: usize,
    /// Canvas layout: reasoning-first or answer-first.
    #[arg(long, default_value = "reasoning-first")]
    pub layout: String,
    /// Run the teaching table: both layouts × (reasoning first, answer first, left to right, free
    /// order).
    #[arg(long, conflicts_with = "thresholds")]
    pub table: bool,
    /// One row per confidence threshold τ, e.g. 0.5,0.9,0.99,1: what committing many tokens
    /// per step costs in accuracy, and buys in speed (same problems, layout and order each row).
    #[arg(long, value_delimiter = ',', value_name = "LIST",
          conflicts_with_all = ["threshold", "factor", "steps"])]
    pub thresholds: Vec<f32>,
    /// Also report masked-token accuracy on this many held-out prose windows.
    #[arg(long)]
    pub prose: Option<usize>,
    /// After each row (and its `misses:` count by kind), print up to this many problems the model
    /// got wrong: the first wrong clause and its kind, the question, what it wrote, and the right
    /// working (also in --json, as each run's "wrong").
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub show_wrong: usize,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Print one JSON object on the last line of stdout.
    #[arg(long)]
    pub json: bool,
}

/// `unmask train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Size and schedule: smoke (CI, under a minute), small (the v1 model, 2 h on a CPU) or base
    /// (the shipped model, trained on a GPU).
    #[arg(long, default_value = "small")]
    pub preset: String,
    /// Output model folder; checkpoints and the optimiser state go to OUT/checkpoint.
    #[arg(long)]
    pub out: PathBuf,
    /// Continue the run saved in OUT/checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Seed of tokenizer data, initial weights, data order and masks.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the preset's number of optimiser steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Override the preset's batch size.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Override the preset's warm-up steps.
    #[arg(long)]
    pub warmup_steps: Option<usize>,
    /// Override the preset's peak learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Override the preset's share of arithmetic examples (the rest is prose), 0 to 1.
    #[arg(long)]
    pub arith_fraction: Option<f32>,
    /// Fewest operations of a training problem, 1 to 4 (default 2, the standard range; 1 adds
    /// single-clause problems, which show the arithmetic with fewer copies of each number).
    #[arg(long)]
    pub min_ops: Option<usize>,
    /// Most operations of a training problem, min-ops to 4 (default 4; 1 trains on single clauses
    /// only, e.g. a leg that teaches the addition and subtraction themselves).
    #[arg(long)]
    pub max_ops: Option<usize>,
    /// Share of numbers in training problems drawn as multiples of ten, 0 to 1 (default 0). Gives
    /// the model a reward for looking up each operand's units digit on its own (the units digit of
    /// `a ± b` is the other operand's when one is round); held-out problems stay uniform.
    #[arg(long)]
    pub round_share: Option<f64>,
    /// Share of operations in training problems drawn so that the units column carries (an add
    /// with a₀ + b₀ ≥ 10) or borrows (a subtract with b₀ > a₀), 0 to 1 (default 0: uniform, about
    /// 45 %); trains the tens digit where a carry comes in. Held-out problems stay uniform.
    #[arg(long)]
    pub carry_share: Option<f64>,
    /// Share of operations in training problems drawn so that the result has another number of
    /// digits than the value it starts from (95 + 7 = 102, 33 - 24 = 9), 0 to 1 (default 0:
    /// uniform); trains a result's length. Held-out problems stay uniform.
    #[arg(long)]
    pub length_share: Option<f64>,
    /// Share of arithmetic examples in which computed numbers are hidden wherever they are written
    /// (a clause's result, its repeat as the next clause's first operand, the answer; each such
    /// value with probability 1/2, at least one), 0 to 1 (default 0): trains the state decoding
    /// meets, operands known and a result still to work out.
    #[arg(long)]
    pub hide_results: Option<f64>,
    /// Share of examples masked from a random cut to the end of the response (what is written so
    /// far visible, everything after it masked), 0 to 1 (default 0): trains the state
    /// left-to-right and block decoding meet, which uniform masking almost never shows.
    #[arg(long)]
    pub prefix_share: Option<f64>,
    /// Layouts of the arithmetic examples, comma-separated: reasoning-first, answer-first, plain
    /// (default all three; `plain` alone drills the arithmetic in the shortest sequences).
    #[arg(long, value_delimiter = ',', value_parser = crate::eval::parse_layout)]
    pub layouts: Option<Vec<crate::data::Layout>>,
    /// Write a checkpoint (and the model folder) every this many steps (default: the preset's).
    #[arg(long)]
    pub checkpoint_every: Option<usize>,
    /// Use this tokenizer.json instead of training one (keeps token ids equal across models).
    #[arg(long, conflicts_with_all = ["resume", "init_from"])]
    pub tokenizer: Option<PathBuf>,
    /// Prose corpus (gzip or plain text, blank-line separated paragraphs).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Continue training from this model folder's weights and tokenizer (new schedule, fresh optimiser).
    #[arg(long, conflicts_with = "resume")]
    pub init_from: Option<PathBuf>,
    /// Stop after this many steps (with a checkpoint), keeping the schedule; continue with --resume.
    #[arg(long)]
    pub stop_after: Option<usize>,
    /// Where to train: cpu, or cuda / metal in a build with that feature.
    #[arg(long, default_value = "cpu")]
    pub device: DeviceChoice,
    /// No progress bar (for logs).
    #[arg(long)]
    pub quiet: bool,
    /// Print one JSON object with the run's summary on the last line.
    #[arg(long)]
    pub json: bool,
}

/// Model selection shared by subcommands.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// Model: a folder (config.json + safetensors + tokenizer), a .gguf file made by `unmask
    /// quantize`, or a hub id ORG/NAME[@REVISION]
    /// downloaded into the hub cache (HF_HOME) on first use and reused offline after that
    /// (HF_HUB_OFFLINE=1 forbids the network); an existing folder always wins. Default: the
    /// embedded model.
    #[arg(long, value_name = "DIR|ORG/NAME")]
    pub model: Option<String>,
    /// Weight dtype: f32 (fastest on CPU), bf16, f16.
    #[arg(long, default_value = "f32")]
    pub dtype: WeightDtype,
    /// Where the model runs: cpu, or cuda[:N] / metal[:N] in a build with that feature.
    #[arg(long, default_value = "cpu")]
    pub device: DeviceChoice,
}

impl ModelArgs {
    /// The model to load: `--model` read by [`ModelRef::parse`], else the embedded model.
    pub fn source(&self) -> Result<ModelRef> {
        match &self.model {
            Some(arg) => Ok(ModelRef::parse(arg)?),
            None => Ok(ModelRef::Folder(default_model_dir()?)),
        }
    }

    /// Load options from the flags.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            dtype: self.dtype,
            device: self.device,
        }
    }

    /// Load the model in this thread (downloading a hub model first, with a progress bar).
    pub fn load(&self) -> Result<(String, LoadedModel)> {
        let source = self.source()?;
        let mut bar = download::DownloadBar::new();
        let model = open_model(&source, &self.options(), None, &mut |p| {
            if let OpenProgress::Download(p) = p {
                bar.progress(p)
            }
        })?;
        Ok((source.to_string(), model))
    }
}

/// The embedded model shipped in `assets/model`.
pub fn default_model_dir() -> Result<PathBuf> {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/model"),
        PathBuf::from("assets/model"),
    ];
    candidates
        .iter()
        .find(|p| p.join("config.json").is_file())
        .cloned()
        .with_context(|| {
            format!(
                "the embedded model is missing from {}: restore assets/model from git, or pass --model DIR",
                candidates[0].display()
            )
        })
}

/// Threshold used when no schedule flag is given: parallel decoding, Fast-dLLM's default.
pub const DEFAULT_THRESHOLD: f32 = 0.9;

/// Sampler flags (shared by generate, bench and eval).
#[derive(Debug, Args, Clone)]
pub struct SamplerArgs {
    /// Total denoising steps (quota/timestep schedules); default: one per generated token.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Masks per semi-autoregressive block (default: one block).
    #[arg(long)]
    pub block_length: Option<usize>,
    /// How many tokens to commit per step: quota (LLaDA) or timestep (Dream).
    #[arg(long, default_value = "quota", value_parser = ["quota", "timestep"])]
    pub schedule: String,
    /// Which masks to commit first.
    #[arg(long, default_value = "low-confidence", value_parser = ["low-confidence", "random", "margin", "entropy"])]
    pub remasking: String,
    /// Confidence threshold τ: commit every mask at least this sure (Fast-dLLM); at least one per step.
    /// This is the default (τ = 0.9) unless --steps or --factor is given.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Fast-dLLM factor f: commit the longest run with c_r ≥ 1 − f/(r+1).
    #[arg(long)]
    pub factor: Option<f32>,
    /// Sampling temperature (0 = most likely token).
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Nucleus filtering.
    #[arg(long)]
    pub top_p: Option<f32>,
    /// Keep only the k most likely tokens.
    #[arg(long)]
    pub top_k: Option<usize>,
    /// Sample positions from softmax(score / alg_temp) instead of taking the surest.
    #[arg(long)]
    pub alg_temp: Option<f32>,
    /// Classifier-free guidance scale (0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub cfg: f32,
    /// free, left-to-right, or regions:A,B (finish region A before B).
    #[arg(long, default_value = "free")]
    pub order: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Never write end-of-sequence: the model's EOS/EOT logits are set to −∞ at every masked
    /// position, so every response cell gets content instead of EOS padding.
    #[arg(long)]
    pub suppress_eos: bool,
    /// Print the response only up to EOS: each masked span ends at its first EOS/EOT, and the rest
    /// is summarised as "⟨eos: N cells cut⟩" (decoding is unchanged; the trace keeps every cell).
    #[arg(long)]
    pub stop_at_eos: bool,
    /// Decide where each span ends last: a cell whose guess is EOS/EOT is committed only once
    /// every cell before it in its span is written (the padding cannot fix a length early).
    #[arg(long)]
    pub eos_last: bool,
}

impl SamplerArgs {
    /// Turn flags into params; `gen_masks` is the number of masks in the canvas (default steps).
    pub fn params(&self, gen_masks: usize) -> Result<SamplerParams> {
        let schedule = match self.schedule.as_str() {
            "timestep" => Schedule::Timestep { eps: 1e-3 },
            _ => Schedule::Quota,
        };
        let remasking = match self.remasking.as_str() {
            "random" => Remasking::Random,
            "margin" => Remasking::Margin,
            "entropy" => Remasking::Entropy,
            _ => Remasking::LowConfidence,
        };
        let default_threshold =
            (self.steps.is_none() && self.factor.is_none()).then_some(DEFAULT_THRESHOLD);
        Ok(SamplerParams {
            steps: self.steps.unwrap_or(gen_masks.max(1)),
            block_length: self.block_length,
            schedule,
            remasking,
            threshold: self.threshold.or(default_threshold),
            factor: self.factor,
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            alg_temp: self.alg_temp,
            cfg_scale: self.cfg,
            order: Order::parse(&self.order).map_err(anyhow::Error::msg)?,
            seed: self.seed,
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            eos_last: self.eos_last,
            ..SamplerParams::default()
        })
    }
}

/// `unmask generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// The prompt.
    #[arg(long)]
    pub prompt: String,
    /// Response template, e.g. "Answer: {answer:4} Because: {reasoning:40}".
    #[arg(long)]
    pub template: Option<String>,
    /// Masks after the prompt when no template is given.
    #[arg(long, default_value_t = 64)]
    pub gen_length: usize,
    /// Use the prompt as-is, without the model's prompt/chat format.
    #[arg(long)]
    pub raw_prompt: bool,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Save the run's trace to this file.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Animate the run in the terminal.
    #[arg(long)]
    pub show_steps: bool,
    /// Print one JSON object on the last line of stdout.
    #[arg(long)]
    pub json: bool,
}

/// `unmask replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The trace file.
    pub file: PathBuf,
    /// Delay between frames, milliseconds.
    #[arg(long, default_value_t = 150)]
    pub delay_ms: u64,
    /// Print only this frame (0 = the initial canvas).
    #[arg(long)]
    pub frame: Option<usize>,
}

/// `unmask inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Model folder or .gguf file (default: the embedded model).
    pub dir: Option<PathBuf>,
}

/// Count of masks a template holds.
pub fn template_masks(template: &str) -> Result<usize> {
    let parts = crate::canvas::parse_template(template)?;
    Ok(parts
        .iter()
        .map(|p| match p {
            crate::canvas::TemplatePart::Span { len, .. } => *len,
            crate::canvas::TemplatePart::Text(_) => 0,
        })
        .sum())
}

/// Run the CLI; `Ok(true)` when the GUI should open instead.
pub fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        None => Ok(true),
        Some(Command::Generate(args)) => generate_cmd(args).map(|_| false),
        Some(Command::Replay(args)) => replay_cmd(args).map(|_| false),
        Some(Command::Inspect(args)) => inspect_cmd(args).map(|_| false),
        Some(Command::Bench(args)) => bench::bench_cmd(args).map(|_| false),
        Some(Command::Train(args)) => train_cmd(args).map(|_| false),
        Some(Command::Eval(args)) => eval_cmd(args).map(|_| false),
        Some(Command::Export(args)) => export::export_cmd(args).map(|_| false),
        Some(Command::Quantize(args)) => quantize::quantize_cmd(args).map(|_| false),
    }
}

fn generate_cmd(args: GenerateArgs) -> Result<()> {
    let template = args
        .template
        .clone()
        .unwrap_or_else(|| format!("{{{}}}", args.gen_length));
    let masks = template_masks(&template)?;
    let request = GenerateRequest {
        prompt: args.prompt.clone(),
        template,
        params: args.sampler.params(masks)?,
        raw_prompt: args.raw_prompt,
    };
    let worker = WorkerHandle::spawn(None).context("cannot start the worker thread")?;
    worker.send(WorkerCommand::LoadModel {
        source: args.model.source()?,
        options: args.model.options(),
    });
    let mut trace: Option<Trace> = None;
    let mut model_ready = false;
    let mut painter = args.show_steps.then(terminal::Painter::new);
    let mut bar = download::DownloadBar::new();
    loop {
        let Some(event) = worker.recv_timeout(Duration::from_secs(3600)) else {
            bail!("the worker stopped answering");
        };
        match event {
            WorkerEvent::LoadProgress { stage, fraction } => bar.stage(&stage, fraction),
            WorkerEvent::LoadFailed(e) => {
                bar.finish();
                bail!("{e}")
            }
            WorkerEvent::ModelLoaded(_) if !model_ready => {
                bar.finish();
                model_ready = true;
                worker.send(WorkerCommand::Generate {
                    run_id: 1,
                    request: Box::new(request.clone()),
                });
            }
            WorkerEvent::ModelLoaded(_) => {}
            WorkerEvent::RunRejected { error, .. } => bail!("{error}"),
            WorkerEvent::RunStarted { header, tokens, .. } => {
                let t = Trace::new(*header, tokens);
                if let Some(p) = painter.as_mut() {
                    p.draw(&t, 0)?;
                }
                trace = Some(t);
            }
            WorkerEvent::Step { record, .. } => {
                let t = trace.as_mut().context("step before start")?;
                t.push_step(*record)?;
                if let Some(p) = painter.as_mut() {
                    p.draw(t, t.steps.len())?;
                }
            }
            WorkerEvent::RunEnded { summary, .. } => {
                let mut t = trace.take().context("run ended before it started")?;
                let outcome = summary.outcome.clone();
                t.finish(summary);
                if let Some(path) = &args.trace {
                    t.save(path)?;
                }
                if let RunOutcome::Failed(e) = outcome {
                    bail!("generation failed: {e}");
                }
                print_result(&t, args.json, painter.is_some())?;
                return Ok(());
            }
        }
    }
}

fn print_result(trace: &Trace, json: bool, animated: bool) -> Result<()> {
    use std::io::IsTerminal;
    let summary = trace.summary.as_ref().context("trace has no summary")?;
    let text = trace.text();
    let pieces = response_pieces(trace, trace.header.params.stop_at_eos);
    if !animated {
        // EOS runs are shown, dimmed on a terminal, never silently dropped.
        let tty = std::io::stdout().is_terminal();
        let shown: String = pieces
            .iter()
            .map(|p| match p {
                ResponsePiece::Text(t) => t.clone(),
                marker if tty => format!("\x1b[2m{}\x1b[0m", marker.plain()),
                marker => marker.plain(),
            })
            .collect();
        println!("{shown}");
    }
    let eos_cells = trace
        .output_ids()
        .iter()
        .filter(|id| trace.header.eos_token_ids.contains(id))
        .count();
    eprintln!(
        "{} steps, {:.0} ms, {:.1} tokens/s",
        trace.steps.len(),
        summary.elapsed_ms,
        summary.tokens_per_s
    );
    if json {
        let prompt_ids: Vec<u32> =
            trace.header.canvas.tokens[..trace.header.canvas.prompt_len].to_vec();
        let obj = serde_json::json!({
            "prompt_ids": prompt_ids,
            "output_ids": trace.output_ids(),
            "text": text,
            "shown": pieces.iter().map(ResponsePiece::plain).collect::<String>(),
            "eos_cells": eos_cells,
            "steps": trace.steps.len(),
            "elapsed_ms": summary.elapsed_ms,
            "tokens_per_s": summary.tokens_per_s,
            "seed": trace.header.params.seed,
        });
        println!("{obj}");
    }
    Ok(())
}

fn replay_cmd(args: ReplayArgs) -> Result<()> {
    let trace = Trace::load(&args.file)?;
    let mut painter = terminal::Painter::new();
    match args.frame {
        Some(frame) => {
            if frame >= trace.frame_count() {
                bail!(
                    "{} has frames 0..={}, not {frame}",
                    args.file.display(),
                    trace.frame_count() - 1
                );
            }
            painter.draw(&trace, frame)?;
        }
        None => {
            for frame in 0..trace.frame_count() {
                painter.draw(&trace, frame)?;
                std::thread::sleep(Duration::from_millis(args.delay_ms));
            }
        }
    }
    Ok(())
}

fn inspect_cmd(args: InspectArgs) -> Result<()> {
    let dir = match args.dir {
        Some(d) => d,
        None => default_model_dir()?,
    };
    let model = load_model(&dir, &LoadOptions::default())?;
    let info = &model.info;
    println!("folder          {}", dir.display());
    println!("family          {}", info.family);
    println!(
        "parameters      {} ({:.2} M)",
        info.n_params,
        info.n_params as f64 / 1e6
    );
    println!("shape           {}", info.shape);
    println!("weights         {}", info.dtype);
    println!("vocabulary      {}", info.vocab_size);
    let mask = model
        .tokenizer
        .id_to_token(info.mask_token_id)
        .unwrap_or_default();
    println!("mask id         {} {mask}", info.mask_token_id);
    let eos: Vec<String> = info
        .eos_token_ids
        .iter()
        .map(|id| {
            format!(
                "{id} {}",
                model.tokenizer.id_to_token(*id).unwrap_or_default()
            )
        })
        .collect();
    println!("eos ids         {}", eos.join(", "));
    println!("context         {} tokens", info.max_context);
    println!("prompt format   {:?}", info.prompt_template);
    Ok(())
}

fn train_cmd(args: TrainArgs) -> Result<()> {
    let mut params = crate::train::TrainParams::preset(&args.preset)?;
    if let Some(seed) = args.seed {
        params.seed = seed;
    }
    if let Some(steps) = args.steps {
        params.total_steps = steps;
    }
    if let Some(b) = args.batch_size {
        params.batch_size = b;
    }
    if let Some(w) = args.warmup_steps {
        params.warmup_steps = w;
    }
    if let Some(lr) = args.lr {
        params.lr = lr;
    }
    if let Some(f) = args.arith_fraction {
        params.arith_fraction = f;
    }
    if let Some(n) = args.min_ops {
        params.min_ops = n;
    }
    if let Some(n) = args.max_ops {
        params.max_ops = n;
    }
    if let Some(f) = args.round_share {
        params.round_share = f;
    }
    if let Some(f) = args.carry_share {
        params.carry_share = f;
    }
    if let Some(f) = args.length_share {
        params.length_share = f;
    }
    if let Some(f) = args.hide_results {
        params.hide_results_share = f;
    }
    if let Some(f) = args.prefix_share {
        params.prefix_share = f;
    }
    if let Some(layouts) = args.layouts {
        params.layouts = layouts;
    }
    if let Some(n) = args.checkpoint_every {
        params.checkpoint_every = n;
    }
    let corpus = match args.corpus {
        Some(c) => c,
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/corpus/austen.txt.gz"),
    };
    let opts = crate::train::TrainOptions {
        out: args.out.clone(),
        params,
        resume: args.resume,
        // Only an explicit --steps changes a resumed run's schedule (not the preset's default).
        resume_total_steps: args.steps.filter(|_| args.resume),
        corpus,
        progress_bar: !args.quiet,
        stop_after: args.stop_after,
        init_from: args.init_from.clone(),
        device: args.device,
        tokenizer: args.tokenizer.clone(),
    };
    let report = crate::train::train(&opts)?;
    let s = &report.state;
    eprintln!(
        "trained {} steps ({} tokens) in {:.0} s; loss {:.4} → {:.4}; model in {}",
        s.step,
        s.tokens_seen,
        s.elapsed_s,
        report.first_loss,
        report.last_loss,
        args.out.display()
    );
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "steps": s.step, "tokens_seen": s.tokens_seen, "elapsed_s": s.elapsed_s,
                "first_loss": report.first_loss, "last_loss": report.last_loss,
                "out": args.out.display().to_string(),
            })
        );
    }
    Ok(())
}

fn eval_cmd(args: EvalArgs) -> Result<()> {
    use crate::eval::{ArithEvalParams, eval_arith, eval_prose, parse_layout, table_orders};
    if !(2..=4).contains(&args.ops) {
        bail!("--ops must be 2, 3 or 4 (the problems the model is trained on)");
    }
    let (model_id, mut model) = args.model.load()?;
    let base = args
        .sampler
        .params(crate::data::arith::REASONING_SPAN_LEN + crate::data::arith::ANSWER_SPAN_LEN)?;
    let settings: Vec<(crate::data::Layout, SamplerParams)> = if args.table {
        let mut v = Vec::new();
        for layout in [
            crate::data::Layout::ReasoningFirst,
            crate::data::Layout::AnswerFirst,
        ] {
            for order in table_orders() {
                v.push((
                    layout,
                    SamplerParams {
                        order,
                        ..base.clone()
                    },
                ));
            }
        }
        v
    } else {
        let layout = parse_layout(&args.layout).map_err(anyhow::Error::msg)?;
        if args.thresholds.is_empty() {
            vec![(layout, base.clone())]
        } else {
            if let Some(t) = args.thresholds.iter().find(|t| !(**t > 0.0 && **t <= 1.0)) {
                bail!(
                    "--thresholds: {t} is not a threshold (each must be greater than 0 and at most 1)"
                );
            }
            args.thresholds
                .iter()
                .map(|&t| {
                    let params = SamplerParams {
                        threshold: Some(t),
                        factor: None,
                        ..base.clone()
                    };
                    (layout, params)
                })
                .collect()
        }
    };
    println!(
        "{} held-out {}-operation problems, model {model_id}",
        args.n, args.ops
    );
    println!(
        "{:<16} {:<16} {:<28} {:>9} {:>9} {:>11} {:>10}",
        "decoding", "layout", "order", "accuracy", "answered", "mean steps", "tokens/s"
    );
    let mut reports = Vec::new();
    for (layout, params) in settings {
        let p = ArithEvalParams {
            n: args.n,
            seed: args.sampler.seed,
            n_ops: Some(args.ops),
            layout,
            params,
            keep_wrong: args.show_wrong,
        };
        let r = eval_arith(&mut model, &p)?;
        println!(
            "{:<16} {:<16} {:<28} {:>8.1}% {:>8.1}% {:>11.1} {:>10.0}",
            r.decoding,
            r.layout,
            r.order,
            r.accuracy * 100.0,
            r.answered * 100.0,
            r.mean_steps,
            r.tokens_per_s
        );
        if !r.misses.is_empty() {
            println!("  misses: {}", misses_line(&r.misses));
        }
        for w in &r.wrong {
            let given = w.given_answer.map_or("none".to_string(), |a| a.to_string());
            let place = w
                .miss
                .clause
                .map_or(String::new(), |c| format!("clause {c}, "));
            println!("  ✗ [{place}{}] {}", w.miss.kind.label(), w.prompt);
            println!("    wrote:  {}", w.response.replace('\n', " / "));
            println!(
                "    right:  {} / Answer: {} (gave {given})",
                w.expected_reasoning, w.expected_answer
            );
        }
        reports.push(r);
    }
    let mut prose = None;
    if let Some(windows) = args.prose {
        let corpus = crate::data::Corpus::load(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/corpus/austen.txt.gz"),
        )?;
        let r = eval_prose(&mut model, &corpus, windows, 96, args.sampler.seed)
            .map_err(anyhow::Error::msg)?;
        println!(
            "prose: {} masked tokens in {} held-out windows at 50% masking: accuracy {:.1}% (unigram baseline {:?}: {:.1}%)",
            r.masked_tokens,
            r.windows,
            r.accuracy * 100.0,
            r.unigram_token,
            r.unigram_accuracy * 100.0
        );
        prose = Some(r);
    }
    if args.json {
        let first = &reports[0];
        println!(
            "{}",
            serde_json::json!({
                "accuracy": first.accuracy, "answered": first.answered, "n": first.n, "tokens_per_s": first.tokens_per_s,
                "mean_steps": first.mean_steps, "layout": first.layout, "order": first.order,
                "runs": reports, "prose": prose,
            })
        );
    }
    Ok(())
}

/// `49 result digit, 37 result length, 13 sign`: the counts, most first.
fn misses_line(misses: &std::collections::BTreeMap<crate::eval::MissKind, usize>) -> String {
    let mut counts: Vec<_> = misses.iter().collect();
    counts.sort_by_key(|(kind, n)| (std::cmp::Reverse(**n), **kind));
    counts
        .iter()
        .map(|(kind, n)| format!("{n} {}", kind.label()))
        .collect::<Vec<_>>()
        .join(", ")
}
