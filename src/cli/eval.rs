//! `unmask eval`: a model on held-out arithmetic problems (and prose), one table row per setting.

use std::path::Path;

use anyhow::{Result, bail};
use clap::Args;

use super::{ModelArgs, SamplerArgs};

/// `unmask eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Held-out problems to decode.
    #[arg(long, default_value_t = 100, value_parser = super::args::at_least_one)]
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
    /// List up to K held-out problems the model answers right reasoning first and wrong answer
    /// first (each layout with its region order and the decoding given; the first is the
    /// app's "Answer first or reasoning first?" lesson), instead of the accuracy table.
    #[arg(long, value_name = "K", conflicts_with_all = ["table", "thresholds", "prose"])]
    pub contrast: Option<usize>,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Print one JSON object on the last line of stdout.
    #[arg(long)]
    pub json: bool,
}

/// Run `unmask eval`.
pub fn eval_cmd(args: EvalArgs) -> Result<()> {
    use crate::eval::{ArithEvalParams, EvalMatrix, eval_arith, eval_prose, parse_layout};
    if !(2..=4).contains(&args.ops) {
        bail!("--ops must be 2, 3 or 4 (the problems the model is trained on)");
    }
    let (model_id, mut model) = args.model.load()?;
    let recommended = model.info.recommended_decoding.clone();
    let from_model = !args.sampler.has_count_rule() && args.thresholds.is_empty();
    if let Some(r) = recommended.as_ref().filter(|_| from_model) {
        eprintln!("decoding: {} (the model's recommendation)", r.describe());
    }
    let base = args.sampler.params(
        crate::data::arith::REASONING_SPAN_LEN + crate::data::arith::ANSWER_SPAN_LEN,
        recommended.as_ref(),
    )?;
    if let Some(limit) = args.contrast {
        return contrast_cmd(&args, &mut model, &base, limit);
    }
    let matrix = if args.table {
        EvalMatrix::Table
    } else {
        let layout = parse_layout(&args.layout).map_err(anyhow::Error::msg)?;
        if args.thresholds.is_empty() {
            EvalMatrix::Single(layout)
        } else {
            EvalMatrix::Thresholds(layout, args.thresholds.clone())
        }
    };
    let settings = matrix.rows(&base)?;
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

/// `unmask eval --contrast K`.
fn contrast_cmd(
    args: &EvalArgs,
    model: &mut crate::model::LoadedModel,
    decoding: &crate::sampler::SamplerParams,
    limit: usize,
) -> Result<()> {
    let found = crate::eval::contrast::find_layout_contrasts(
        model,
        args.sampler.seed,
        args.n,
        args.ops,
        decoding,
        limit,
    )?;
    println!(
        "{} of {} held-out {}-operation problems (seed {}) right reasoning first, wrong answer first ({}):",
        found.len(),
        args.n,
        args.ops,
        args.sampler.seed,
        crate::eval::decoding_name(decoding)
    );
    for c in &found {
        let gave = c
            .answer_first_gave
            .map_or("no number".to_string(), |a| a.to_string());
        println!(
            "  {}  (right {}, answer first gave {gave})",
            c.prompt, c.answer
        );
    }
    if args.json {
        println!("{}", serde_json::json!({ "contrasts": found }));
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
