//! `unmask train`: train a small LLaDA-format model on the project's data.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use crate::model::DeviceChoice;

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
    /// Start a fresh run in an --out folder that already holds files, replacing them (without it
    /// a non-empty --out is refused).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
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

/// Run `unmask train`.
pub fn train_cmd(args: TrainArgs) -> Result<()> {
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
        force: args.force,
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
