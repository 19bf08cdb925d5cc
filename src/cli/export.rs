//! `unmask export`: a saved run as an animated GIF, PNG frames, an HTML player or CSV tables.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::export::{self, AnimationParams, HtmlParams, RenderParams, SceneParams};
use crate::trace::Trace;
use crate::view::palette::ColorMode;

/// `unmask export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The trace file (several: one side-by-side GIF or frame set on a timeline synced by step).
    #[arg(required = true, value_name = "TRACE")]
    pub traces: Vec<PathBuf>,
    /// Write an animated GIF that looks like the app's canvas.
    #[arg(long, value_name = "OUT.gif")]
    pub gif: Option<PathBuf>,
    /// Write one PNG per step (and per in-between frame with --inbetweens) into this folder.
    #[arg(long, value_name = "DIR")]
    pub frames: Option<PathBuf>,
    /// Write a self-contained HTML player (one trace).
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Write per-step metrics to OUT.csv and per-position results to OUT.positions.csv (one trace).
    #[arg(long, value_name = "OUT.csv")]
    pub csv: Option<PathBuf>,
    /// Frames per second of the animation.
    #[arg(long, default_value_t = 10.0, value_parser = super::args::frames_per_second)]
    pub fps: f32,
    /// In-between frames per step, drawn part-way through the dissolve (default: 3 for --gif,
    /// 0 for --frames).
    #[arg(long, value_name = "N")]
    pub inbetweens: Option<usize>,
    /// First step shown (0 = the all-mask canvas).
    #[arg(long, value_name = "S")]
    pub from: Option<usize>,
    /// Last step shown (default: the last step).
    #[arg(long, value_name = "S")]
    pub to: Option<usize>,
    /// Image width in pixels (default 960 × --scale, plus 560 × --scale per extra run beside it).
    #[arg(long, value_name = "PX")]
    pub width: Option<u32>,
    /// Colours of the app's dark or light theme.
    #[arg(long, default_value = "dark", value_parser = ["dark", "light"])]
    pub theme: String,
    /// Colour written tokens by confidence (linear), by confidence on a log scale (90 %, 99 %,
    /// 99.9 %, 99.99 % evenly spaced) or by the step that wrote them.
    #[arg(long, default_value = "confidence", value_parser = ["confidence", "log", "order"])]
    pub color: String,
    /// Token text size, points.
    #[arg(long, default_value_t = 22.0, value_parser = super::args::text_size_points)]
    pub text_size: f32,
    /// Pixels per point: 2 draws everything twice as large (a sharper picture for big screens).
    #[arg(long, default_value_t = 1.0, value_parser = super::args::pixels_per_point)]
    pub scale: f32,
    /// Leave the model's current guesses out of the masks.
    #[arg(long)]
    pub no_guesses: bool,
    /// Leave the colour legend out.
    #[arg(long)]
    pub no_legend: bool,
}

impl ExportArgs {
    fn color_mode(&self) -> ColorMode {
        ColorMode::from_key(&self.color).unwrap_or(ColorMode::Confidence)
    }

    fn render_params(&self, runs: usize) -> RenderParams {
        RenderParams {
            // A larger scale keeps the layout and draws it with more pixels.
            width_px: self.width.unwrap_or_else(|| {
                (export::default_width_px(runs) as f32 * self.scale.clamp(0.5, 4.0)).round() as u32
            }),
            pixels_per_point: self.scale,
            scene: SceneParams {
                dark: self.theme == "dark",
                color_mode: self.color_mode(),
                show_guesses: !self.no_guesses,
                text_size: self.text_size,
                legend: !self.no_legend,
                header: true,
            },
        }
    }

    fn animation_params(&self, default_inbetweens: usize) -> AnimationParams {
        AnimationParams {
            fps: self.fps,
            inbetweens: self.inbetweens.unwrap_or(default_inbetweens),
            from_step: self.from,
            to_step: self.to,
            ..AnimationParams::default()
        }
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
fn progress_bar(what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} frames")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Run `unmask export`.
pub fn export_cmd(args: ExportArgs) -> Result<()> {
    if args.gif.is_none() && args.frames.is_none() && args.html.is_none() && args.csv.is_none() {
        bail!(
            "nothing to export: pass --gif OUT.gif, --frames DIR, --html OUT.html or --csv OUT.csv"
        );
    }
    let inputs: Vec<&Path> = args.traces.iter().map(PathBuf::as_path).collect();
    let csv_positions = args.csv.as_deref().map(export::csv::positions_path);
    for (flag, out) in [
        ("--gif", args.gif.as_deref()),
        ("--frames", args.frames.as_deref()),
        ("--html", args.html.as_deref()),
        ("--csv", args.csv.as_deref()),
        ("--csv", csv_positions.as_deref()),
    ] {
        if let Some(out) = out {
            super::guard::refuse_overwriting_inputs(flag, out, &inputs)?;
        }
    }
    let mut traces: Vec<Trace> = Vec::with_capacity(args.traces.len());
    for path in &args.traces {
        traces.push(export::load_trace(path)?);
    }
    let names: Vec<String> = args
        .traces
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let names = names.join(", ");
    if traces.len() > 1 && (args.html.is_some() || args.csv.is_some()) {
        bail!(
            "--html and --csv export one trace (got {}); --gif and --frames put several side by side",
            traces.len()
        );
    }
    if let Some(out) = &args.gif {
        let start = Instant::now();
        let bar = progress_bar("GIF");
        let report = export::write_gif(
            &traces,
            &args.render_params(traces.len()),
            &args.animation_params(3),
            out,
            &mut |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )
        .with_context(|| format!("exporting {names} as a GIF"))?;
        bar.finish_and_clear();
        eprintln!(
            "wrote {}: {} frames, {}×{} px, {:.0} KB in {:.1} s",
            out.display(),
            report.frames,
            report.width_px,
            report.height_px,
            report.bytes as f64 / 1024.0,
            start.elapsed().as_secs_f64()
        );
    }
    if let Some(dir) = &args.frames {
        let start = Instant::now();
        let bar = progress_bar("PNG frames");
        let report = export::write_frames(
            &traces,
            &args.render_params(traces.len()),
            &args.animation_params(0),
            dir,
            &mut |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )
        .with_context(|| format!("exporting {names} as PNG frames"))?;
        bar.finish_and_clear();
        eprintln!(
            "wrote {} PNG files ({}×{} px, {:.0} KB) into {} in {:.1} s",
            report.files.len(),
            report.width_px,
            report.height_px,
            report.bytes as f64 / 1024.0,
            dir.display(),
            start.elapsed().as_secs_f64()
        );
    }
    if let (Some(out), Some(trace)) = (&args.html, traces.first()) {
        let params = HtmlParams {
            dark: args.theme == "dark",
            color_mode: args.color_mode(),
        };
        let bytes = export::write_html(trace, &params, out)
            .with_context(|| format!("exporting {names} as HTML"))?;
        eprintln!("wrote {} ({:.0} KB)", out.display(), bytes as f64 / 1024.0);
    }
    if let (Some(out), Some(trace)) = (&args.csv, traces.first()) {
        let report =
            export::write_csv(trace, out).with_context(|| format!("exporting {names} as CSV"))?;
        eprintln!(
            "wrote {} ({} steps) and {} ({} positions)",
            report.steps_path.display(),
            report.steps,
            report.positions_path.display(),
            report.positions
        );
    }
    Ok(())
}
