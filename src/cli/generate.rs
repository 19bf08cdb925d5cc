//! `unmask generate`: one run, printed (or animated with `--show-steps`), its trace optionally saved.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::generate::{GenerateRequest, ResponsePiece, response_pieces};
use crate::trace::{RunOutcome, Trace};
use crate::worker::{WorkerCommand, WorkerEvent, WorkerHandle};

use super::{ModelArgs, SamplerArgs, download, terminal};

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
    #[arg(long, default_value_t = 64, value_parser = super::args::at_least_one)]
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
    /// With --show-steps: time each step stays on screen, milliseconds (default: the app's 1×
    /// pace). The run itself is not slowed; its timings are the real ones.
    #[arg(long, default_value_t = terminal::PACED_STEP_MS, requires = "show_steps")]
    pub delay_ms: u64,
    /// Print one JSON object on the last line of stdout.
    #[arg(long)]
    pub json: bool,
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

/// Run `unmask generate`.
pub fn generate_cmd(args: GenerateArgs) -> Result<()> {
    let template = args
        .template
        .clone()
        .unwrap_or_else(|| format!("{{{}}}", args.gen_length));
    let masks = template_masks(&template)?;
    if let (Some(out), crate::hub::ModelRef::Folder(model)) = (&args.trace, args.model.source()?) {
        super::guard::refuse_overwriting_inputs("--trace", out, &[&model])?;
    }
    // Checked before loading; the model's recommended decoding is applied once it is known.
    args.sampler.params(masks, None)?;
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
            WorkerEvent::ModelLoaded(info) if !model_ready => {
                bar.finish();
                model_ready = true;
                let recommended = info.recommended_decoding.as_ref();
                if let Some(r) = recommended.filter(|_| !args.sampler.has_count_rule()) {
                    eprintln!("decoding: {} (the model's recommendation)", r.describe());
                }
                let request = GenerateRequest {
                    prompt: args.prompt.clone(),
                    template: template.clone(),
                    params: args.sampler.params(masks, recommended)?,
                    raw_prompt: args.raw_prompt,
                };
                worker.send(WorkerCommand::Generate {
                    run_id: 1,
                    request: Box::new(request),
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
                    std::thread::sleep(Duration::from_millis(args.delay_ms));
                }
            }
            WorkerEvent::RunEnded { summary, .. } => {
                let mut t = trace.take().context("run ended before it started")?;
                let outcome = summary.outcome.clone();
                t.finish(summary);
                // The text first: a trace that cannot be saved must not lose the run's output.
                let saved = match &args.trace {
                    Some(path) => t.save(path).map_err(|e| {
                        anyhow::anyhow!("the text is above, but the trace was not saved: {e}")
                    }),
                    None => Ok(()),
                };
                if let RunOutcome::Failed(e) = outcome {
                    saved?;
                    bail!("generation failed: {e}");
                }
                print_result(&t, args.json, painter.is_some())?;
                return saved;
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
                ResponsePiece::Text(t) => crate::visible::visible_controls(t).into_owned(),
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
