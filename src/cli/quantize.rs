//! `unmask quantize`: write a model folder (or a hub model) as one quantised GGUF file.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::download::DownloadBar;
use crate::hub::{HubSettings, ModelRef};
use crate::model::gguf::{QuantType, quantize_folder};

/// `unmask quantize`.
#[derive(Debug, Args)]
pub struct QuantizeArgs {
    /// The model to quantise: a folder (config.json + safetensors + tokenizer) or a hub id
    /// ORG/NAME[@REVISION] (downloaded first, as --model does).
    #[arg(value_name = "DIR|ORG/NAME")]
    pub source: String,
    /// The GGUF file to write (must end in .gguf); run it with `--model OUT.gguf`.
    #[arg(value_name = "OUT.gguf")]
    pub out: PathBuf,
    /// Quantisation: q4k (4.5 bits per weight, super-blocks of 256), q4_0 (4.5 bits, blocks of
    /// 32) or q8_0 (8.5 bits, blocks of 32). Norms and biases stay f32; the LM head gets q6_k
    /// under the 4-bit types; rows that do not fit a block fall back to q8_0, then f16.
    #[arg(long = "type", value_name = "TYPE", default_value = "q4k", value_parser = QuantType::parse)]
    pub quant: QuantType,
    /// No progress bar (for logs).
    #[arg(long)]
    pub quiet: bool,
}

/// Run `unmask quantize`.
pub fn quantize_cmd(args: QuantizeArgs) -> Result<()> {
    let source = ModelRef::parse(&args.source)?;
    let dir = match &source {
        ModelRef::Folder(dir) => dir.clone(),
        ModelRef::Hub(_) => {
            let mut bar = DownloadBar::new();
            source.resolve(&HubSettings::from_env()?, &mut |p| bar.progress(p))?
        }
    };
    super::guard::refuse_overwriting_inputs("OUT", &args.out, &[&dir])?;
    let started = Instant::now();
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(1);
        if let Ok(style) =
            ProgressStyle::with_template("[{elapsed_precise}] [{wide_bar}] {pos}/{len} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    };
    let report = quantize_folder(&dir, &args.out, args.quant, &mut |done, total, name| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(name.to_string());
    })?;
    bar.finish_and_clear();
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "{} → {} ({}, {}): {:.1} MB → {:.1} MB ({:.1}×) in {:.1} s; tensors: {}",
        source,
        args.out.display(),
        report.family,
        args.quant.name(),
        mb(report.source_bytes),
        mb(report.output_bytes),
        report.source_bytes as f64 / report.output_bytes.max(1) as f64,
        started.elapsed().as_secs_f64(),
        report.summary()
    );
    for line in report.fallback_lines() {
        println!("  {line}");
    }
    Ok(())
}
