//! The Export menu: the current run (or the comparison, side by side) as a GIF, PNG frames, an
//! HTML player or CSV. The save dialog and the export itself run on a named helper thread, so the
//! window never waits; progress and the outcome come back as [`ExportEvent`]s.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::export::{self, AnimationParams, ExportError, HtmlParams, RenderParams};
use crate::trace::Trace;

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// An animated GIF of the current run.
    Gif,
    /// One PNG per step of the current run, into a folder.
    Frames,
    /// The self-contained HTML player of the current run.
    Html,
    /// Per-step and per-position CSV tables of the current run.
    Csv,
    /// An animated GIF of every compared run side by side.
    CompareGif,
}

impl ExportKind {
    /// What the menu and messages call it.
    pub fn describe(self) -> &'static str {
        match self {
            ExportKind::Gif => "GIF",
            ExportKind::Frames => "PNG frames",
            ExportKind::Html => "HTML player",
            ExportKind::Csv => "CSV tables",
            ExportKind::CompareGif => "side-by-side GIF",
        }
    }

    /// File extension of the output (`None` for a folder).
    pub fn extension(self) -> Option<&'static str> {
        match self {
            ExportKind::Gif | ExportKind::CompareGif => Some("gif"),
            ExportKind::Frames => None,
            ExportKind::Html => Some("html"),
            ExportKind::Csv => Some("csv"),
        }
    }
}

/// An export to run: what, of which runs, how it looks.
#[derive(Clone, Debug)]
pub struct ExportRequest {
    /// The kind of output.
    pub kind: ExportKind,
    /// The runs (one, or several for [`ExportKind::CompareGif`]).
    pub traces: Vec<Trace>,
    /// Size and look of images.
    pub render: RenderParams,
    /// Timing of animations.
    pub animation: AnimationParams,
    /// Starting theme and colour mode of the HTML player.
    pub html: HtmlParams,
}

/// What an export job reports.
#[derive(Debug, PartialEq)]
pub enum ExportEvent {
    /// `done` of `total` frames rendered.
    Progress {
        /// Frames done.
        done: usize,
        /// Frames in all.
        total: usize,
    },
    /// The export is written; a sentence saying where.
    Done(String),
    /// The export failed; why.
    Failed(String),
}

/// Runs exports off the UI thread and collects their events.
pub struct ExportJobs {
    tx: Sender<ExportEvent>,
    rx: Receiver<ExportEvent>,
    running: Arc<AtomicUsize>,
    repaint: Option<egui::Context>,
    /// The latest progress of the running export.
    progress: Option<(usize, usize)>,
}

impl ExportJobs {
    /// `repaint`: the context to wake as a job goes (`None` in headless use).
    pub fn new(repaint: Option<egui::Context>) -> Self {
        let (tx, rx) = unbounded();
        Self {
            tx,
            rx,
            running: Arc::new(AtomicUsize::new(0)),
            repaint,
            progress: None,
        }
    }

    /// Whether an export is running.
    pub fn busy(&self) -> bool {
        self.running.load(Ordering::SeqCst) > 0
    }

    /// Frames done and in all of the running export, when it has said.
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.progress.filter(|_| self.busy())
    }

    /// The next outcome (progress is folded into [`ExportJobs::progress`]); never blocks.
    pub fn poll(&mut self) -> Option<ExportEvent> {
        while let Ok(event) = self.rx.try_recv() {
            match event {
                ExportEvent::Progress { done, total } => self.progress = Some((done, total)),
                other => {
                    self.progress = None;
                    return Some(other);
                }
            }
        }
        None
    }

    /// Export to `path` without a dialog (a folder for PNG frames).
    pub fn export_to(&self, request: ExportRequest, path: PathBuf) {
        self.spawn(move |reporter| run(&request, &path, reporter));
    }

    fn spawn(&self, job: impl FnOnce(&Reporter) -> ExportEvent + Send + 'static) {
        let reporter = Reporter {
            tx: self.tx.clone(),
            repaint: self.repaint.clone(),
        };
        let running = self.running.clone();
        running.fetch_add(1, Ordering::SeqCst);
        let spawned = std::thread::Builder::new()
            .name("unmask-export".into())
            .spawn(move || {
                let event = job(&reporter);
                let _ = reporter.tx.send(event);
                running.fetch_sub(1, Ordering::SeqCst);
                reporter.wake();
            });
        if let Err(e) = spawned {
            self.running.fetch_sub(1, Ordering::SeqCst);
            let _ = self.tx.send(ExportEvent::Failed(format!(
                "could not start the export thread: {e}"
            )));
        }
    }
}

/// Sends an export's events to the UI and wakes it.
struct Reporter {
    tx: Sender<ExportEvent>,
    repaint: Option<egui::Context>,
}

impl Reporter {
    fn wake(&self) {
        if let Some(ctx) = &self.repaint {
            ctx.request_repaint();
        }
    }

    fn progress(&self, done: usize, total: usize) {
        let _ = self.tx.send(ExportEvent::Progress { done, total });
        self.wake();
    }
}

/// Do the export of `request` to `path`, reporting progress through `reporter`.
fn run(request: &ExportRequest, path: &Path, reporter: &Reporter) -> ExportEvent {
    match export(request, path, reporter) {
        Ok(message) => ExportEvent::Done(message),
        Err(e) => ExportEvent::Failed(e.to_string()),
    }
}

fn export(
    request: &ExportRequest,
    path: &Path,
    reporter: &Reporter,
) -> Result<String, ExportError> {
    let mut progress = |done, total| reporter.progress(done, total);
    let first = request
        .traces
        .first()
        .ok_or_else(|| ExportError::BadParameter("there is no run to export".into()))?;
    match request.kind {
        ExportKind::Gif | ExportKind::CompareGif => {
            let traces = if request.kind == ExportKind::Gif {
                &request.traces[..1]
            } else {
                &request.traces[..]
            };
            let r = export::write_gif(
                traces,
                &request.render,
                &request.animation,
                path,
                &mut progress,
            )?;
            Ok(format!(
                "Exported {} ({} frames, {:.0} KB)",
                path.display(),
                r.frames,
                r.bytes as f64 / 1024.0
            ))
        }
        ExportKind::Frames => {
            let r = export::write_frames(
                &request.traces[..1],
                &request.render,
                &request.animation,
                path,
                &mut progress,
            )?;
            Ok(format!(
                "Exported {} PNG files into {}",
                r.files.len(),
                path.display()
            ))
        }
        ExportKind::Html => {
            export::check_not_empty(first, "the run")?;
            let bytes = export::write_html(first, &request.html, path)?;
            Ok(format!(
                "Exported {} ({:.0} KB)",
                path.display(),
                bytes as f64 / 1024.0
            ))
        }
        ExportKind::Csv => {
            export::check_not_empty(first, "the run")?;
            let r = export::write_csv(first, path)?;
            Ok(format!(
                "Exported {} and {}",
                r.steps_path.display(),
                r.positions_path.display()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;
    use std::time::{Duration, Instant};

    fn wait(jobs: &mut ExportJobs) -> ExportEvent {
        let start = Instant::now();
        loop {
            if let Some(e) = jobs.poll() {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "export did not finish"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn request(kind: ExportKind, trace: Trace) -> ExportRequest {
        ExportRequest {
            kind,
            traces: vec![trace],
            render: RenderParams::default(),
            animation: AnimationParams::default(),
            html: HtmlParams::default(),
        }
    }

    #[test]
    fn csv_and_html_export_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let mut jobs = ExportJobs::new(None);
        let path = dir.path().join("run.csv");
        jobs.export_to(
            request(ExportKind::Csv, synthetic_trace(6, 2, 1)),
            path.clone(),
        );
        match wait(&mut jobs) {
            ExportEvent::Done(m) => assert!(m.contains("run.positions.csv"), "{m}"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(path.is_file());
        let html = dir.path().join("run.html");
        jobs.export_to(
            request(ExportKind::Html, synthetic_trace(6, 2, 1)),
            html.clone(),
        );
        assert!(matches!(wait(&mut jobs), ExportEvent::Done(_)));
        assert!(html.is_file());
        assert!(!jobs.busy());
    }

    #[test]
    fn an_empty_run_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut jobs = ExportJobs::new(None);
        let t = synthetic_trace(0, 2, 1);
        jobs.export_to(request(ExportKind::Gif, t), dir.path().join("x.gif"));
        match wait(&mut jobs) {
            ExportEvent::Failed(e) => assert!(e.contains("no steps"), "{e}"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
