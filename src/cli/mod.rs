//! The headless face of Unmask: argument parsing (clap) and the dispatch to one module per
//! subcommand, all calling the library. Flags shared by several subcommands are in [`args`].

pub mod args;
pub mod bench;
pub mod download;
pub mod eval;
pub mod export;
pub mod generate;
pub mod guard;
pub mod inspect;
pub mod quantize;
pub mod replay;
pub mod terminal;
pub mod train;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

pub use args::{ModelArgs, SamplerArgs};
pub use generate::template_masks;

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
    Generate(generate::GenerateArgs),
    /// Play a saved trace in the terminal.
    Replay(replay::ReplayArgs),
    /// Describe a model folder: family, size, vocabulary, mask id, context.
    Inspect(inspect::InspectArgs),
    /// Measure forward-pass and generation speed.
    Bench(bench::BenchArgs),
    /// Measure a model on held-out arithmetic problems (and, with --prose, held-out prose).
    Eval(eval::EvalArgs),
    /// Train a small LLaDA-format model on the project's data (arithmetic + Jane Austen).
    Train(train::TrainArgs),
    /// Export a saved run as an animated GIF, PNG frames, an HTML player or CSV tables.
    Export(export::ExportArgs),
    /// Write a model as one quantised GGUF file (q4k, q4_0, q8_0) that --model can run.
    Quantize(quantize::QuantizeArgs),
}

/// Run the CLI; `Ok(true)` when the GUI should open instead.
pub fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        None => Ok(true),
        Some(Command::Generate(args)) => generate::generate_cmd(args).map(|_| false),
        Some(Command::Replay(args)) => replay::replay_cmd(args).map(|_| false),
        Some(Command::Inspect(args)) => inspect::inspect_cmd(args).map(|_| false),
        Some(Command::Bench(args)) => bench::bench_cmd(args).map(|_| false),
        Some(Command::Train(args)) => train::train_cmd(args).map(|_| false),
        Some(Command::Eval(args)) => eval::eval_cmd(args).map(|_| false),
        Some(Command::Export(args)) => export::export_cmd(args).map(|_| false),
        Some(Command::Quantize(args)) => quantize::quantize_cmd(args).map(|_| false),
    }
}
