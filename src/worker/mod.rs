//! The worker thread that owns the model: commands in, events out, over bounded channels.
//!
//! Cancellation takes effect within one step (an atomic flag checked between steps, plus the
//! command channel); a dropped event receiver cancels too. A panic inside the model becomes a
//! [`WorkerEvent::RunEnded`]/[`WorkerEvent::LoadFailed`] and the thread keeps serving. Failures
//! travel as [`WorkerError`] kinds, never as bare strings.
//!
//! Loading a hub model first downloads its missing files into the hub cache (see [`crate::hub`]),
//! reported as [`WorkerEvent::LoadProgress`] stages that start with "downloading"; a download is
//! not cancellable mid-file, but an interrupted one resumes on the next load.

mod error;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use serde::{Deserialize, Serialize};

use crate::generate::{GenerateRequest, Generation};
use crate::hub::HubSettings;
pub use crate::hub::ModelRef;
use crate::model::{LoadOptions, LoadedModel, ModelInfo, OpenProgress, open_model};
use crate::trace::{RunOutcome, RunSummary, StepRecord, TokenTable, TraceHeader};

pub use error::WorkerError;

/// Capacity of the command channel.
pub const COMMAND_CAPACITY: usize = 16;
/// Capacity of the event channel (a run of this many steps fits without the UI draining).
pub const EVENT_CAPACITY: usize = 4096;
/// Shortest time between two download progress events (a download reports every few KB).
pub const DOWNLOAD_PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// What the UI (or CLI) asks the worker to do: plain data that could cross a socket, except
/// [`WorkerCommand::Install`], which hands over a model already in memory (it is never serialised).
#[derive(Serialize, Deserialize)]
pub enum WorkerCommand {
    /// Load a model, replacing the current one (a hub model is downloaded first when the cache
    /// lacks any of its files; the hub settings come from the environment, see
    /// [`HubSettings::from_env`]).
    LoadModel {
        /// Where from: a folder (or `.gguf` file) or a hub repo.
        source: ModelRef,
        /// dtype/device.
        options: LoadOptions,
    },
    /// Start a run; `run_id` tags its events.
    Generate {
        /// Caller-chosen id.
        run_id: u64,
        /// What to generate.
        request: Box<GenerateRequest>,
    },
    /// Cancel the run in progress (also possible through [`WorkerHandle::cancel`]).
    Cancel,
    /// End the thread.
    Shutdown,
    /// Use an already loaded model (tests, embedding); in-process only. Kept last: serde numbers
    /// the variants it skips differently when writing and reading, so none may follow it.
    #[serde(skip)]
    Install(Box<LoadedModel>),
}

/// What the worker reports. Plain data: never tensors.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerEvent {
    /// Loading advanced.
    LoadProgress {
        /// What is being done ("downloading config.json (1 of 4 files, …)", "loading weights"…).
        stage: String,
        /// 0..=1 within the stage's phase: the whole download while downloading, then loading.
        fraction: f32,
    },
    /// A model is ready.
    ModelLoaded(Box<ModelInfo>),
    /// Loading failed ([`WorkerError::LoadFailed`] or [`WorkerError::LoadPanicked`]); the
    /// previous model (if any) is kept.
    LoadFailed(WorkerError),
    /// A run started: its header and the token table so far.
    RunStarted {
        /// Id from the command.
        run_id: u64,
        /// Run header.
        header: Box<TraceHeader>,
        /// Display info of the canvas tokens.
        tokens: TokenTable,
    },
    /// One step finished.
    Step {
        /// Id from the command.
        run_id: u64,
        /// The step.
        record: Box<StepRecord>,
    },
    /// A run ended (finished, cancelled or failed mid-way).
    RunEnded {
        /// Id from the command.
        run_id: u64,
        /// Totals and outcome (a failure's outcome holds `error`'s one-line text).
        summary: RunSummary,
        /// Why it failed, when it did ([`WorkerError::ModelPanicked`] or
        /// [`WorkerError::RunFailed`]).
        error: Option<WorkerError>,
    },
    /// A run could not start ([`WorkerError::NoModel`], [`WorkerError::BadTemplate`],
    /// [`WorkerError::TooLong`], [`WorkerError::BadParams`]…).
    RunRejected {
        /// Id from the command.
        run_id: u64,
        /// Why.
        error: WorkerError,
    },
}

/// The UI's side of the worker.
pub struct WorkerHandle {
    commands: Sender<WorkerCommand>,
    events: Receiver<WorkerEvent>,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Called after every event so a UI can repaint.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

impl WorkerHandle {
    /// Start the named worker thread (hub settings from the environment at each load).
    pub fn spawn(waker: Option<Waker>) -> std::io::Result<Self> {
        Self::spawn_inner(waker, None)
    }

    /// Start the worker with fixed hub settings instead of the environment's (tests, embedding).
    pub fn spawn_with_hub(waker: Option<Waker>, hub: HubSettings) -> std::io::Result<Self> {
        Self::spawn_inner(waker, Some(hub))
    }

    fn spawn_inner(waker: Option<Waker>, hub: Option<HubSettings>) -> std::io::Result<Self> {
        let (cmd_tx, cmd_rx) = bounded(COMMAND_CAPACITY);
        let (ev_tx, ev_rx) = bounded(EVENT_CAPACITY);
        let cancel = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            commands: cmd_rx,
            events: ev_tx,
            cancel: cancel.clone(),
            waker,
            model: None,
            hub,
        };
        let thread = std::thread::Builder::new()
            .name("unmask-worker".into())
            .spawn(move || worker.run())?;
        Ok(Self {
            commands: cmd_tx,
            events: ev_rx,
            cancel,
            thread: Some(thread),
        })
    }

    /// Send a command; `false` if the worker is gone or its queue is full.
    pub fn send(&self, command: WorkerCommand) -> bool {
        if matches!(command, WorkerCommand::Generate { .. }) {
            self.cancel.store(false, Ordering::SeqCst);
        }
        self.commands.try_send(command).is_ok()
    }

    /// Ask the running generation to stop after the current step.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
        let _ = self.commands.try_send(WorkerCommand::Cancel);
    }

    /// Next event, if any (never blocks).
    pub fn try_recv(&self) -> Option<WorkerEvent> {
        self.events.try_recv().ok()
    }

    /// Next event, waiting up to `timeout`.
    pub fn recv_timeout(&self, timeout: std::time::Duration) -> Option<WorkerEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Whether the thread is still running.
    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
        let _ = self.commands.try_send(WorkerCommand::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    commands: Receiver<WorkerCommand>,
    events: Sender<WorkerEvent>,
    cancel: Arc<AtomicBool>,
    waker: Option<Waker>,
    model: Option<(String, LoadedModel)>,
    /// Fixed hub settings; `None` = read the environment at each load.
    hub: Option<HubSettings>,
}

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl Worker {
    /// Send an event; `false` when the receiver is gone (then the run is abandoned).
    fn emit(&self, event: WorkerEvent) -> bool {
        let ok = match self.events.try_send(event) {
            Ok(()) => true,
            // The UI is behind: wait for room rather than drop a step.
            Err(TrySendError::Full(ev)) => self.events.send(ev).is_ok(),
            Err(TrySendError::Disconnected(_)) => false,
        };
        if let Some(w) = &self.waker {
            w();
        }
        ok
    }

    fn run(mut self) {
        while let Ok(command) = self.commands.recv() {
            match command {
                WorkerCommand::Shutdown => break,
                WorkerCommand::Cancel => {}
                WorkerCommand::Install(model) => {
                    let info = model.info.clone();
                    self.model = Some((info.id.clone(), *model));
                    if !self.emit(WorkerEvent::ModelLoaded(Box::new(info))) {
                        break;
                    }
                }
                WorkerCommand::LoadModel { source, options } => {
                    if !self.load(source, options) {
                        break;
                    }
                }
                WorkerCommand::Generate { run_id, request } => {
                    if !self.generate(run_id, &request) {
                        break;
                    }
                }
            }
        }
    }

    fn load(&mut self, source: ModelRef, options: LoadOptions) -> bool {
        let events = self.events.clone();
        let waker = self.waker.clone();
        let report = |stage: String, fraction: f32| {
            let _ = events.try_send(WorkerEvent::LoadProgress { stage, fraction });
            if let Some(w) = &waker {
                w();
            }
        };
        let settings = self.hub.clone();
        let name = source.to_string();
        let result = catch_unwind(AssertUnwindSafe(|| -> Result<LoadedModel, WorkerError> {
            let mut last: Option<(Instant, String)> = None;
            open_model(&source, &options, settings.as_ref(), &mut |p| match p {
                OpenProgress::Stage { stage, fraction } => report(stage.to_string(), fraction),
                OpenProgress::Download(p) => {
                    // Throttled, except at the start and end of each file.
                    let due = match &last {
                        Some((at, file)) => {
                            *file != p.file
                                || p.file_bytes >= p.file_total_bytes
                                || at.elapsed() >= DOWNLOAD_PROGRESS_INTERVAL
                        }
                        None => true,
                    };
                    if due {
                        last = Some((Instant::now(), p.file.clone()));
                        report(p.describe(), p.fraction());
                    }
                }
            })
            .map_err(|e| WorkerError::from_open(&name, &e))
        }));
        match result {
            Ok(Ok(model)) => {
                let info = model.info.clone();
                self.model = Some((source.to_string(), model));
                self.emit(WorkerEvent::ModelLoaded(Box::new(info)))
            }
            Ok(Err(e)) => self.emit(WorkerEvent::LoadFailed(e)),
            Err(p) => self.emit(WorkerEvent::LoadFailed(WorkerError::LoadPanicked {
                model: name,
                message: panic_text(p.as_ref()),
            })),
        }
    }

    /// True when a later `Cancel`/`Shutdown` is queued (or the flag is set).
    fn cancelled(&self, shutdown: &mut bool) -> bool {
        while let Ok(cmd) = self.commands.try_recv() {
            match cmd {
                WorkerCommand::Shutdown => {
                    *shutdown = true;
                    return true;
                }
                WorkerCommand::Cancel => self.cancel.store(true, Ordering::SeqCst),
                // Anything else arriving mid-run is dropped: the UI disables those controls
                // while a run is going, and a new Generate implies cancelling this one.
                WorkerCommand::Generate { .. }
                | WorkerCommand::LoadModel { .. }
                | WorkerCommand::Install(_) => self.cancel.store(true, Ordering::SeqCst),
            }
        }
        self.cancel.load(Ordering::SeqCst)
    }

    /// Returns false when the worker should stop (receiver gone or shutdown requested).
    fn generate(&mut self, run_id: u64, request: &GenerateRequest) -> bool {
        let Some((model_id, mut model)) = self.model.take() else {
            return self.emit(WorkerEvent::RunRejected {
                run_id,
                error: WorkerError::NoModel,
            });
        };
        let mut shutdown = false;
        let mut keep_model = true;
        let alive = {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                self.run_generation(run_id, &mut model, &model_id, request, &mut shutdown)
            }));
            match outcome {
                Ok(alive) => alive,
                Err(p) => {
                    // The model may be half-updated: drop it so nothing reuses a broken state.
                    keep_model = false;
                    let error = WorkerError::ModelPanicked {
                        message: panic_text(p.as_ref()),
                    };
                    self.emit(WorkerEvent::RunEnded {
                        run_id,
                        summary: RunSummary {
                            outcome: RunOutcome::Failed(error.to_string()),
                            elapsed_ms: 0.0,
                            tokens_per_s: 0.0,
                        },
                        error: Some(error),
                    })
                }
            }
        };
        if keep_model {
            self.model = Some((model_id, model));
        }
        alive && !shutdown
    }

    fn run_generation(
        &self,
        run_id: u64,
        model: &mut LoadedModel,
        model_id: &str,
        request: &GenerateRequest,
        shutdown: &mut bool,
    ) -> bool {
        let mut run = match Generation::new(model, model_id, request) {
            Ok(run) => run,
            Err(e) => {
                return self.emit(WorkerEvent::RunRejected {
                    run_id,
                    error: WorkerError::from_run(&e),
                });
            }
        };
        let header = Box::new(run.trace().header.clone());
        if !self.emit(WorkerEvent::RunStarted {
            run_id,
            header,
            tokens: run.trace().tokens.clone(),
        }) {
            return false;
        }
        let mut error = None;
        let outcome = loop {
            if run.is_done() {
                break RunOutcome::Finished;
            }
            if self.cancelled(shutdown) {
                break RunOutcome::Cancelled;
            }
            match run.step() {
                Ok(record) => {
                    let record = Box::new(record.clone());
                    if !self.emit(WorkerEvent::Step { run_id, record }) {
                        return false;
                    }
                }
                Err(e) => {
                    let kind = WorkerError::from_run(&e);
                    let outcome = RunOutcome::Failed(kind.to_string());
                    error = Some(kind);
                    break outcome;
                }
            }
        };
        let trace = run.finish(outcome);
        let summary = match trace.summary.clone() {
            Some(summary) => summary,
            None => {
                let kind = WorkerError::RunFailed {
                    reason: "run ended without a summary".into(),
                };
                let summary = RunSummary {
                    outcome: RunOutcome::Failed(kind.to_string()),
                    elapsed_ms: 0.0,
                    tokens_per_s: 0.0,
                };
                error = Some(kind);
                summary
            }
        };
        self.emit(WorkerEvent::RunEnded {
            run_id,
            summary,
            error,
        })
    }
}
