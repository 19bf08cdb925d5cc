//! Files: the desktop's file dialogs and trace loading/saving run on helper threads, so the UI thread never blocks;
//! results come back as [`FileEvent`]s. Also drag-and-drop and the recent-files list.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::trace::Trace;
use crate::ui::file_dialog::{FileQuestion, FileTarget, NativeAnswer, ask_native};

/// Recent files kept per list.
pub const MAX_RECENT: usize = 8;

/// What a file job produced.
#[derive(Debug)]
pub enum FileEvent {
    /// A trace file was read (or failed to be).
    TraceLoaded {
        /// The file.
        path: PathBuf,
        /// The trace, or a readable reason.
        result: Result<Box<Trace>, String>,
    },
    /// A trace file was written (or failed to be).
    TraceSaved {
        /// The file.
        path: PathBuf,
        /// `Ok`, or a readable reason.
        result: Result<(), String>,
    },
    /// A path was chosen for `target`.
    Chosen {
        /// What to do with it.
        target: FileTarget,
        /// The path (a saved file's extension added).
        path: PathBuf,
    },
    /// A dialog closed without a choice.
    NothingChosen {
        /// What was being chosen ("trace file to open", …).
        what: &'static str,
    },
    /// The desktop's dialog could not appear: ask `question` again in the app.
    NoNativeDialog {
        /// The question.
        question: FileQuestion,
        /// What the answer is for.
        target: FileTarget,
    },
}

/// Runs file work off the UI thread and collects the results.
pub struct FileJobs {
    tx: Sender<FileEvent>,
    rx: Receiver<FileEvent>,
    running: Arc<AtomicUsize>,
    repaint: Option<egui::Context>,
}

/// Wakes a parked thread (the executor of [`block_on`]).
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Drive a future to completion on the current (helper) thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(value) => return value,
            Poll::Pending => std::thread::park(),
        }
    }
}

impl FileJobs {
    /// `repaint`: the context to wake when a job finishes (`None` in headless use).
    pub fn new(repaint: Option<egui::Context>) -> Self {
        let (tx, rx) = unbounded();
        Self {
            tx,
            rx,
            running: Arc::new(AtomicUsize::new(0)),
            repaint,
        }
    }

    /// Whether any job is still running.
    pub fn busy(&self) -> bool {
        self.running.load(Ordering::SeqCst) > 0
    }

    /// The next finished job, if any (never blocks).
    pub fn poll(&self) -> Option<FileEvent> {
        self.rx.try_recv().ok()
    }

    /// Run `job` on a named helper thread; its event is sent back and the UI woken.
    fn spawn(&self, name: &str, job: impl FnOnce() -> FileEvent + Send + 'static) {
        let tx = self.tx.clone();
        let running = self.running.clone();
        let repaint = self.repaint.clone();
        running.fetch_add(1, Ordering::SeqCst);
        let spawned = std::thread::Builder::new()
            .name(format!("unmask-{name}"))
            .spawn(move || {
                let event = job();
                let _ = tx.send(event);
                running.fetch_sub(1, Ordering::SeqCst);
                if let Some(ctx) = repaint {
                    ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            self.running.fetch_sub(1, Ordering::SeqCst);
            let _ = self.tx.send(FileEvent::TraceLoaded {
                path: PathBuf::new(),
                result: Err(format!("could not start a helper thread: {e}")),
            });
        }
    }

    /// Read a trace file in the background.
    pub fn load_trace(&self, path: PathBuf) {
        self.spawn("load-trace", move || load_event(path));
    }

    /// Write `trace` to `path` in the background.
    pub fn save_trace(&self, trace: Trace, path: PathBuf) {
        self.spawn("save-trace", move || save_event(&trace, path));
    }

    /// Ask `question` with the desktop's dialog on a helper thread; the answer comes back as
    /// [`FileEvent::Chosen`], [`FileEvent::NothingChosen`] or, when no dialog could appear,
    /// [`FileEvent::NoNativeDialog`] (ask again in the app).
    pub fn ask(&self, question: FileQuestion, target: FileTarget) {
        self.spawn("file-dialog", move || match ask_native(&question) {
            NativeAnswer::Chosen(path) => FileEvent::Chosen { target, path },
            NativeAnswer::Nothing => FileEvent::NothingChosen {
                what: question.what,
            },
            NativeAnswer::NoDialog => FileEvent::NoNativeDialog { question, target },
        });
    }
}

fn load_event(path: PathBuf) -> FileEvent {
    let result = Trace::load(&path).map(Box::new).map_err(|e| e.to_string());
    FileEvent::TraceLoaded { path, result }
}

fn save_event(trace: &Trace, path: PathBuf) -> FileEvent {
    let result = trace.save(&path).map_err(|e| e.to_string());
    FileEvent::TraceSaved { path, result }
}

/// Put `path` first in `list` (no duplicates, at most [`MAX_RECENT`]).
pub fn push_recent(list: &mut Vec<PathBuf>, path: &Path) {
    list.retain(|p| p != path);
    list.insert(0, path.to_path_buf());
    list.truncate(MAX_RECENT);
}

/// Paths of files dropped onto the window this frame.
pub fn dropped_paths(ctx: &egui::Context) -> Vec<PathBuf> {
    ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    })
}

/// Whether files are being dragged over the window (to show a drop hint).
pub fn files_hovering(ctx: &egui::Context) -> bool {
    ctx.input(|i| !i.raw.hovered_files.is_empty())
}

/// A file name for saving a run: `unmask-<model>-<seed>.trace`, with unsafe characters replaced.
pub fn suggested_trace_name(trace: &Trace) -> String {
    let model = Path::new(&trace.header.model_id)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| trace.header.model_id.clone());
    let clean: String = model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("unmask-{clean}-seed{}.trace", trace.header.params.seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;
    use std::time::{Duration, Instant};

    fn wait(jobs: &FileJobs) -> FileEvent {
        let start = Instant::now();
        loop {
            if let Some(e) = jobs.poll() {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "file job did not finish"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn save_then_load_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.trace");
        let jobs = FileJobs::new(None);
        let trace = synthetic_trace(12, 2, 3);
        jobs.save_trace(trace.clone(), path.clone());
        match wait(&jobs) {
            FileEvent::TraceSaved { result, .. } => result.unwrap(),
            other => panic!("unexpected {other:?}"),
        }
        jobs.load_trace(path.clone());
        match wait(&jobs) {
            FileEvent::TraceLoaded { result, path: p } => {
                assert_eq!(p, path);
                assert_eq!(*result.unwrap(), trace);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!jobs.busy());
    }

    #[test]
    fn a_corrupt_file_gives_a_readable_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.trace");
        std::fs::write(&path, b"definitely not a trace").unwrap();
        let jobs = FileJobs::new(None);
        jobs.load_trace(path);
        match wait(&jobs) {
            FileEvent::TraceLoaded { result: Err(e), .. } => {
                assert!(e.contains("bad.trace"), "{e}");
                assert!(e.contains("not an Unmask trace"), "{e}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn recent_list_is_unique_and_bounded() {
        let mut list = Vec::new();
        for i in 0..12 {
            push_recent(&mut list, Path::new(&format!("/t/{i}.trace")));
        }
        push_recent(&mut list, Path::new("/t/5.trace"));
        assert_eq!(list.len(), MAX_RECENT);
        assert_eq!(list[0], PathBuf::from("/t/5.trace"));
        assert_eq!(list.iter().filter(|p| p.ends_with("5.trace")).count(), 1);
    }

    #[test]
    fn block_on_runs_a_ready_future() {
        assert_eq!(block_on(async { 41 + 1 }), 42);
    }

    #[test]
    fn suggested_names_are_file_safe() {
        let t = synthetic_trace(3, 1, 9);
        assert_eq!(suggested_trace_name(&t), "unmask-synthetic-seed9.trace");
    }
}
