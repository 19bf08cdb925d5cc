//! Exports of a run for slides and the web: an animated GIF, one PNG per frame, a self-contained
//! HTML player and CSV tables.
//!
//! Images are drawn by the app's own UI code: a headless `egui::Context` with the app's fonts and
//! theme runs [`scene::Scene`] (the playback bar's counter, `view::canvas::canvas_ui` and the
//! theme's legend), and [`raster`] paints egui's triangles on the CPU. No GPU or display is needed,
//! so the CLI, CI and the app's background threads all export the same pictures. Like `ui/`, this
//! module never touches the model (no candle).

mod animation;
pub mod csv;
mod error;
mod frames;
pub mod html;
pub mod plan;
pub mod raster;
mod render;
pub mod scene;

pub use animation::GifWriter;
pub use csv::{CsvReport, write_csv};
pub use error::ExportError;
pub use html::{HtmlParams, write_html};
pub use plan::{AnimationParams, PlannedFrame};
pub use raster::RgbaImage;
pub use render::Renderer;
pub use scene::{Scene, SceneParams};

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::trace::Trace;

/// Default width of exported images, pixels (per run side by side: see [`default_width_px`]).
pub const DEFAULT_WIDTH_PX: u32 = 960;
/// Narrowest and widest images, pixels.
pub const WIDTH_RANGE_PX: (u32, u32) = (320, 4096);

/// Size and look of exported images.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderParams {
    /// Image width, pixels.
    pub width_px: u32,
    /// Pixels per egui point (2 = everything twice as large, as on a high-DPI screen).
    pub pixels_per_point: f32,
    /// What is drawn and in which theme.
    pub scene: SceneParams,
}

impl Default for RenderParams {
    fn default() -> Self {
        Self {
            width_px: DEFAULT_WIDTH_PX,
            pixels_per_point: 1.0,
            scene: SceneParams::default(),
        }
    }
}

/// A sensible width for `runs` runs: 960 px for one, 560 px more for each run beside it.
pub fn default_width_px(runs: usize) -> u32 {
    DEFAULT_WIDTH_PX + 560 * runs.saturating_sub(1).min(4) as u32
}

/// What an animation export wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct AnimationReport {
    /// Frames rendered (in-betweens included).
    pub frames: usize,
    /// Image width, pixels.
    pub width_px: u32,
    /// Image height, pixels.
    pub height_px: u32,
    /// Bytes written in all.
    pub bytes: u64,
    /// Files written (the GIF, or the PNGs in playing order).
    pub files: Vec<PathBuf>,
}

/// Called with `(frames done, frames in all)` as an export goes.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// Read a trace for export: load errors as they are, and a run without steps refused.
pub fn load_trace(path: &Path) -> Result<Trace, ExportError> {
    let trace = Trace::load(path)?;
    check_not_empty(&trace, &path.display().to_string())?;
    Ok(trace)
}

/// Refuse a run without steps (`what` names it).
pub fn check_not_empty(trace: &Trace, what: &str) -> Result<(), ExportError> {
    if trace.steps.is_empty() {
        return Err(ExportError::EmptyTrace {
            what: what.to_string(),
        });
    }
    Ok(())
}

/// Write `bytes` to `path` through `<path>.tmp` and a rename, so no half-written file is left
/// under the real name.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut file = BufWriter::new(fs::File::create(&tmp)?);
        file.write_all(bytes)?;
        file.flush()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    result.map_err(|error| {
        let _ = fs::remove_file(&tmp);
        ExportError::Write {
            path: path.to_path_buf(),
            error,
        }
    })
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// The frames to render and the renderer sized for them.
struct Prepared {
    scene: Scene,
    frames: Vec<PlannedFrame>,
    renderer: Renderer,
    height_px: u32,
}

fn prepare(
    traces: &[Trace],
    render: &RenderParams,
    animation: &AnimationParams,
    what: &str,
) -> Result<Prepared, ExportError> {
    let Some(first) = traces.first() else {
        return Err(ExportError::BadParameter("no run to export".into()));
    };
    for t in traces {
        check_not_empty(t, what)?;
    }
    let (lo, hi) = WIDTH_RANGE_PX;
    if !(lo..=hi).contains(&render.width_px) {
        return Err(ExportError::BadParameter(format!(
            "--width must be between {lo} and {hi} pixels (got {})",
            render.width_px
        )));
    }
    if !(render.pixels_per_point.is_finite() && (0.5..=4.0).contains(&render.pixels_per_point)) {
        return Err(ExportError::BadParameter(format!(
            "pixels per point must be between 0.5 and 4 (got {})",
            render.pixels_per_point
        )));
    }
    let mut scene = Scene::new(traces, render.scene.clone());
    let last = scene.frame_count().saturating_sub(1).max(first.steps.len());
    let frames = plan::plan(animation, last, what)?;
    let mut renderer = Renderer::new(
        render.width_px,
        render.pixels_per_point,
        &render.scene.palette(),
    );
    // Settled frames need the most room (a written token may be wider than its mask).
    let mut positions: Vec<f64> = frames.iter().map(|f| f.step() as f64).collect();
    positions.dedup();
    let height_px = renderer.measure(&mut scene, &positions);
    Ok(Prepared {
        scene,
        frames,
        renderer,
        height_px,
    })
}

/// Render `traces` (one, or several side by side) as an animated GIF at `out`.
pub fn write_gif(
    traces: &[Trace],
    render: &RenderParams,
    animation: &AnimationParams,
    out: &Path,
    progress: Progress<'_>,
) -> Result<AnimationReport, ExportError> {
    let what = out_name(traces);
    let mut p = prepare(traces, render, animation, &what)?;
    let gif_error = |reason: String| ExportError::Gif {
        path: out.to_path_buf(),
        reason,
    };
    let mut writer = GifWriter::new(Vec::new(), render.width_px, p.height_px).map_err(gif_error)?;
    let total = p.frames.len();
    for (i, frame) in p.frames.iter().enumerate() {
        let image = p.renderer.render(&mut p.scene, frame.position, p.height_px);
        writer.add(&image, frame.delay_ms).map_err(gif_error)?;
        progress(i + 1, total);
    }
    let (_, bytes) = writer.finish().map_err(gif_error)?;
    write_atomic(out, &bytes)?;
    Ok(AnimationReport {
        frames: total,
        width_px: render.width_px,
        height_px: p.height_px,
        bytes: bytes.len() as u64,
        files: vec![out.to_path_buf()],
    })
}

/// Render `traces` as one PNG per planned frame into the folder `dir` (created if missing).
pub fn write_frames(
    traces: &[Trace],
    render: &RenderParams,
    animation: &AnimationParams,
    dir: &Path,
    progress: Progress<'_>,
) -> Result<AnimationReport, ExportError> {
    let what = out_name(traces);
    let mut p = prepare(traces, render, animation, &what)?;
    fs::create_dir_all(dir).map_err(|error| ExportError::Write {
        path: dir.to_path_buf(),
        error,
    })?;
    let digits = plan::name_digits(p.scene.frame_count().saturating_sub(1));
    let total = p.frames.len();
    let mut files = Vec::with_capacity(total);
    let mut bytes = 0;
    for (i, frame) in p.frames.iter().enumerate() {
        let image = p.renderer.render(&mut p.scene, frame.position, p.height_px);
        let path = dir.join(frame.file_name(digits));
        frames::write_png(&image, &path)?;
        bytes += fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        files.push(path);
        progress(i + 1, total);
    }
    Ok(AnimationReport {
        frames: total,
        width_px: render.width_px,
        height_px: p.height_px,
        bytes,
        files,
    })
}

/// Render one frame of `traces` at playback `position` (as [`write_gif`] would draw it).
pub fn render_frame(
    traces: &[Trace],
    render: &RenderParams,
    position: f64,
) -> Result<RgbaImage, ExportError> {
    let animation = AnimationParams {
        from_step: Some(position.ceil().max(0.0) as usize),
        to_step: Some(position.ceil().max(0.0) as usize),
        ..AnimationParams::default()
    };
    let mut p = prepare(traces, render, &animation, &out_name(traces))?;
    Ok(p.renderer.render(&mut p.scene, position, p.height_px))
}

/// "the run" or "the runs", for errors about ranges.
fn out_name(traces: &[Trace]) -> String {
    if traces.len() > 1 {
        "the longest run".into()
    } else {
        "the run".into()
    }
}
