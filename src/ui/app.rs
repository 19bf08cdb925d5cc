//! The app shell: [`UnmaskApp`] (an `eframe::App`) owns the worker handle, the runs, the playback
//! state and the persisted [`Settings`], drains worker events under a per-frame time budget and lays
//! out the panels. Every failure becomes a banner; the app stays usable.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, RichText};
use serde::{Deserialize, Serialize};

use crate::generate::GenerateRequest;
use crate::hub::ModelRef;
use crate::model::{LoadOptions, ModelInfo};
use crate::playback::{Playback, PlaybackCommand};
use crate::trace::{RunOutcome, Trace};
use crate::ui::compare::{self, CompareState, EntryStatus};
use crate::ui::controls::{self, ControlsAction, ControlsState};
use crate::ui::export_menu::{ExportEvent, ExportJobs, ExportKind, ExportRequest};
use crate::ui::files::{self, FileEvent, FileJobs};
use crate::ui::model_picker::ModelPickerState;
use crate::ui::playback_bar::{self, BarInfo};
use crate::ui::plots::{self, PlotRun};
use crate::view::canvas::{self, CanvasOptions};
use crate::view::fonts::{self, CjkFont};
use crate::view::legend;
use crate::view::palette::{ColorMode, Palette};
use crate::view::run_summary;
use crate::view::step_counter;
use crate::view::style;
use crate::view::timeline::PlotAxis;
use crate::worker::{WorkerCommand, WorkerError, WorkerEvent, WorkerHandle};

mod menus;
mod scripting;

pub use scripting::{DEMO_READY_MARKER, DemoScene};

/// Storage key of [`Settings`].
pub const SETTINGS_KEY: &str = "unmask-settings";
/// Longest time spent draining worker events in one frame.
pub const EVENT_BUDGET: Duration = Duration::from_millis(4);
/// How long a single-step dissolve takes when stepping by hand, seconds.
pub const STEP_ANIMATION_S: f64 = 0.45;

/// Everything remembered between sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Dark theme (else light).
    pub dark: bool,
    /// UI zoom factor (Ctrl +/−).
    pub zoom: f32,
    /// Show the model's current guess inside masks.
    pub show_guesses: bool,
    /// Show the formatted prompt's tokens on the canvas.
    pub show_prompt: bool,
    /// Colour by confidence or by decode order.
    pub color_mode: ColorMode,
    /// Canvas text size, points.
    pub text_size: f32,
    /// The controls panel (prompt, template, sampler parameters).
    pub controls: ControlsState,
    /// Playback speed.
    pub speed: f32,
    /// Loop playback.
    pub looping: bool,
    /// Show the plots panel.
    pub show_plots: bool,
    /// Show the legend panel.
    pub show_legend: bool,
    /// Recently opened trace files, newest first.
    pub recent_traces: Vec<PathBuf>,
    /// Recently loaded model folders, newest first.
    pub recent_models: Vec<PathBuf>,
    /// The model picker window (open or not, the last hub id typed).
    pub model_picker: ModelPickerState,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dark: true,
            zoom: 1.0,
            show_guesses: true,
            show_prompt: false,
            color_mode: ColorMode::Confidence,
            text_size: 28.0,
            controls: ControlsState::default(),
            speed: 1.0,
            looping: false,
            show_plots: true,
            show_legend: true,
            recent_traces: Vec::new(),
            recent_models: Vec::new(),
            model_picker: ModelPickerState::default(),
        }
    }
}

/// How the app starts.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// Model folder or hub repo to load; `None` = the embedded model.
    pub model: Option<ModelRef>,
    /// Load a model at start (off for replay-only use and some tests).
    pub load_model: bool,
    /// Trace files to open at start (the first is shown; in the compare demo, all are compared).
    pub traces: Vec<PathBuf>,
    /// A prepared screenshot scene.
    pub demo: Option<DemoScene>,
    /// Read and write persisted settings.
    pub persist: bool,
    /// Use these system CJK font files instead of the usual places (tests of the fallback).
    pub cjk_font_candidates: Option<Vec<PathBuf>>,
}

/// The model's state as the UI knows it.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelStatus {
    /// None loaded (yet).
    None,
    /// Loading.
    Loading {
        /// What is being loaded.
        source: String,
        /// Current stage.
        stage: String,
        /// 0..=1.
        fraction: f32,
    },
    /// Ready.
    Ready(Box<ModelInfo>),
    /// The last load failed; why.
    Failed(String),
}

/// Single run or compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One run with its plots.
    Single,
    /// Several runs side by side.
    Compare,
}

/// What a banner's button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerAction {
    /// Start a new worker thread and reload the model.
    RestartWorker,
    /// Load the last model again.
    ReloadModel,
}

/// An error shown at the top of the window until dismissed.
#[derive(Clone, Debug, PartialEq)]
pub struct Banner {
    /// The message.
    pub text: String,
    /// An offered fix.
    pub action: Option<BannerAction>,
}

/// The run on the main canvas.
struct MainRun {
    trace: Trace,
    /// The worker's run id while it is live.
    run_id: Option<u64>,
    /// Still generating.
    live: bool,
    /// Where it came from ("live run", a file path).
    source: String,
}

/// Where a run's events go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Main,
    Compare(usize),
}

/// A run waiting for the worker.
struct Job {
    run_id: u64,
    target: Target,
    request: GenerateRequest,
}

/// The desktop app.
pub struct UnmaskApp {
    settings: Settings,
    persist: bool,
    ctx: egui::Context,
    worker: Option<WorkerHandle>,
    model: ModelStatus,
    /// The model last asked for (reloaded after a worker restart).
    model_source: Option<ModelRef>,
    main: Option<MainRun>,
    playback: Playback,
    mode: Mode,
    compare: CompareState,
    queue: VecDeque<Job>,
    active: Option<(u64, Target)>,
    next_run_id: u64,
    banners: Vec<Banner>,
    notice: Option<String>,
    files: FileJobs,
    /// Exports running on helper threads (Export menu).
    exports: ExportJobs,
    /// A hand-stepped dissolve: the frame and when it began (UI time, seconds).
    step_anim: Option<(usize, f64)>,
    demo: Option<DemoScene>,
    demo_frames: u32,
    forced_hover: Option<u32>,
    path_input: String,
    cjk_font: CjkFont,
}

impl UnmaskApp {
    /// Build the app: fonts, theme, settings, the worker, the start-up model and traces.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let ctx = cc.egui_ctx.clone();
        let candidates = options
            .cjk_font_candidates
            .clone()
            .unwrap_or_else(fonts::system_candidates);
        let cjk_font = fonts::install_fonts(&ctx, &candidates);
        let mut settings: Settings = if options.persist {
            cc.storage
                .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                .unwrap_or_default()
        } else {
            Settings::default()
        };
        settings.zoom = settings.zoom.clamp(0.5, 3.0);
        style::apply_theme(&ctx, &Palette::of(settings.dark));
        ctx.set_zoom_factor(settings.zoom);
        let playback = Playback {
            speed: settings.speed,
            looping: settings.looping,
            ..Playback::default()
        };
        let mut app = Self {
            settings,
            persist: options.persist,
            ctx: ctx.clone(),
            worker: None,
            model: ModelStatus::None,
            model_source: None,
            main: None,
            playback,
            mode: Mode::Single,
            compare: CompareState::default(),
            queue: VecDeque::new(),
            active: None,
            next_run_id: 1,
            banners: Vec::new(),
            notice: None,
            exports: ExportJobs::new(Some(ctx.clone())),
            files: FileJobs::new(Some(ctx)),
            step_anim: None,
            demo: options.demo,
            demo_frames: 0,
            forced_hover: None,
            path_input: String::new(),
            cjk_font,
        };
        app.start_worker();
        if options.load_model {
            match options.model.clone() {
                Some(source) => app.load_source(source),
                None => match crate::model::default_model_dir() {
                    Ok(dir) => app.load_model(dir),
                    Err(e) => {
                        let text = format!(
                            "{e:#}. You can still open a model folder (File → Open model folder…) or replay a trace (drop a .trace file on the window)."
                        );
                        app.model = ModelStatus::Failed(text.clone());
                        app.banner(text, None);
                    }
                },
            }
        }
        let mut loaded = Vec::new();
        for path in &options.traces {
            match Trace::load(path) {
                Ok(trace) => loaded.push((path.clone(), trace)),
                Err(e) => app.banner(e.to_string(), None),
            }
        }
        if let Some(scene) = options.demo {
            app.setup_demo(scene, loaded);
        } else if let Some((path, trace)) = loaded.into_iter().next() {
            app.show_trace(path, trace);
        }
        app
    }

    // ----- public API (menus, tests) -----

    /// The persisted settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The persisted settings, to change.
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// The model's state.
    pub fn model_status(&self) -> &ModelStatus {
        &self.model
    }

    /// The run on the main canvas.
    pub fn main_trace(&self) -> Option<&Trace> {
        self.main.as_ref().map(|m| &m.trace)
    }

    /// The frame the main canvas shows.
    pub fn main_frame(&self) -> usize {
        self.playback.frame()
    }

    /// Whether a run is generating or queued.
    pub fn is_running(&self) -> bool {
        self.active.is_some() || !self.queue.is_empty()
    }

    /// The error banners on screen.
    pub fn banners(&self) -> &[Banner] {
        &self.banners
    }

    /// Compare mode's state.
    pub fn compare(&self) -> &CompareState {
        &self.compare
    }

    /// Which CJK font is in use.
    pub fn cjk_font(&self) -> &CjkFont {
        &self.cjk_font
    }

    /// Whether an export is running.
    pub fn exports_busy(&self) -> bool {
        self.exports.busy()
    }

    /// What an export of `kind` would write, from the current run (or, for
    /// [`ExportKind::CompareGif`], every compared run), drawn with the current theme, colour mode
    /// and guesses setting; `None` when there is nothing finished to export.
    pub fn export_request(&self, kind: ExportKind) -> Option<ExportRequest> {
        let traces: Vec<Trace> = match kind {
            ExportKind::CompareGif => {
                if self.compare.live() {
                    return None;
                }
                self.compare
                    .entries
                    .iter()
                    .filter_map(|e| e.trace.clone())
                    .filter(|t| !t.steps.is_empty())
                    .collect()
            }
            _ => self
                .main
                .as_ref()
                .filter(|m| !m.live && !m.trace.steps.is_empty())
                .map(|m| vec![m.trace.clone()])
                .unwrap_or_default(),
        };
        if traces.is_empty() {
            return None;
        }
        let scene = crate::export::SceneParams {
            dark: self.settings.dark,
            color_mode: self.settings.color_mode,
            show_guesses: self.settings.show_guesses,
            ..crate::export::SceneParams::default()
        };
        let animation = crate::export::AnimationParams {
            inbetweens: if kind == ExportKind::Frames { 0 } else { 3 },
            ..crate::export::AnimationParams::default()
        };
        Some(ExportRequest {
            kind,
            render: crate::export::RenderParams {
                width_px: crate::export::default_width_px(traces.len()),
                scene,
                ..crate::export::RenderParams::default()
            },
            traces,
            animation,
            html: crate::export::HtmlParams {
                dark: self.settings.dark,
                color_mode: self.settings.color_mode,
            },
        })
    }

    /// Export without a dialog (a folder for PNG frames), in the background; `false` when there
    /// is nothing to export.
    pub fn export_to(&mut self, kind: ExportKind, path: PathBuf) -> bool {
        match self.export_request(kind) {
            Some(request) => {
                self.notice = Some(format!("Exporting {}…", kind.describe()));
                self.exports.export_to(request, path);
                true
            }
            None => false,
        }
    }

    /// Switch between single-run and compare mode.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Start a run on the main canvas (queued behind any running one).
    pub fn generate(&mut self, request: GenerateRequest) {
        let run_id = self.take_run_id();
        self.queue.push_back(Job {
            run_id,
            target: Target::Main,
            request,
        });
        self.pump_queue();
    }

    /// Add a configuration to the comparison; returns its label.
    pub fn compare_add(&mut self, request: GenerateRequest) -> String {
        self.compare.add_request(request)
    }

    /// Run every compared configuration on the current prompt, one after another.
    pub fn compare_run_all(&mut self) {
        let prompt = self.settings.controls.prompt.clone();
        for i in 0..self.compare.entries.len() {
            let Some(mut request) = self.compare.entries[i].request.clone() else {
                continue;
            };
            request.prompt = prompt.clone();
            let run_id = self.take_run_id();
            let entry = &mut self.compare.entries[i];
            entry.trace = None;
            entry.status = EntryStatus::Queued;
            self.queue.push_back(Job {
                run_id,
                target: Target::Compare(i),
                request,
            });
        }
        self.compare.playback = Playback {
            speed: self.playback.speed,
            playing: true,
            follow_live: true,
            ..Playback::default()
        };
        self.pump_queue();
    }

    /// Cancel the running generation and drop queued ones.
    pub fn cancel(&mut self) {
        for job in self.queue.drain(..) {
            if let Target::Compare(i) = job.target
                && let Some(e) = self.compare.entries.get_mut(i)
            {
                e.status = EntryStatus::Idle;
            }
        }
        if let Some(w) = &self.worker {
            w.cancel();
        }
    }

    /// Open a path: a folder or `.gguf` file is loaded as a model, any other file as a trace
    /// (in the background).
    pub fn open_path(&mut self, path: PathBuf) {
        let is_model = matches!(
            ModelRef::parse(&path.to_string_lossy()),
            Ok(ModelRef::Folder(_))
        );
        if is_model {
            self.load_model(path);
        } else {
            self.notice = Some(format!("Opening {}…", path.display()));
            self.files.load_trace(path);
        }
    }

    /// Ask the worker to load a model folder.
    pub fn load_model(&mut self, dir: PathBuf) {
        self.load_source(ModelRef::Folder(dir));
    }

    /// Ask the worker to load a folder or a hub model (downloaded in the background first when
    /// the cache lacks it); progress and errors arrive as worker events.
    pub fn load_source(&mut self, source: ModelRef) {
        self.model_source = Some(source.clone());
        self.model = ModelStatus::Loading {
            source: source.to_string(),
            stage: "starting".into(),
            fraction: 0.0,
        };
        let sent = self.worker.as_ref().is_some_and(|w| {
            w.send(WorkerCommand::LoadModel {
                source: source.clone(),
                options: LoadOptions::default(),
            })
        });
        if !sent {
            self.model = ModelStatus::Failed("the worker is not running".into());
            self.banner(
                "The worker thread is not running, so the model cannot load.".into(),
                Some(BannerAction::RestartWorker),
            );
        }
    }

    // ----- internals -----

    fn take_run_id(&mut self) -> u64 {
        let id = self.next_run_id;
        self.next_run_id += 1;
        id
    }

    fn banner(&mut self, text: String, action: Option<BannerAction>) {
        if !self.banners.iter().any(|b| b.text == text) {
            self.banners.push(Banner { text, action });
        }
    }

    fn error_banner(&mut self, error: &WorkerError) {
        let (text, action) = error_message(error);
        self.banner(text, action);
    }

    fn start_worker(&mut self) {
        let ctx = self.ctx.clone();
        let waker: crate::worker::Waker = Arc::new(move || ctx.request_repaint());
        match WorkerHandle::spawn(Some(waker)) {
            Ok(w) => self.worker = Some(w),
            Err(e) => self.banner(
                format!("Could not start the worker thread: {e}"),
                Some(BannerAction::RestartWorker),
            ),
        }
    }

    fn restart_worker(&mut self) {
        // Dropping the old handle asks its thread to stop and waits for it.
        self.worker = None;
        self.active = None;
        self.queue.clear();
        if let Some(main) = &mut self.main {
            main.live = false;
            main.run_id = None;
        }
        self.start_worker();
        if let Some(source) = self.model_source.clone() {
            self.load_source(source);
        }
    }

    /// Send the next queued run when the worker is free.
    fn pump_queue(&mut self) {
        if self.active.is_some() {
            return;
        }
        let Some(job) = self.queue.pop_front() else {
            return;
        };
        let sent = self.worker.as_ref().is_some_and(|w| {
            w.send(WorkerCommand::Generate {
                run_id: job.run_id,
                request: Box::new(job.request),
            })
        });
        if sent {
            self.active = Some((job.run_id, job.target));
        } else {
            self.queue.clear();
            self.banner(
                "The worker thread is not running, so nothing can be generated.".into(),
                Some(BannerAction::RestartWorker),
            );
        }
    }

    fn show_trace(&mut self, path: PathBuf, trace: Trace) {
        if self.main.as_ref().is_some_and(|m| m.live) {
            self.cancel();
        }
        files::push_recent(&mut self.settings.recent_traces, &path);
        self.main = Some(MainRun {
            trace,
            run_id: None,
            live: false,
            source: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
        });
        self.playback.position = 0.0;
        self.playback.follow_live = false;
        self.playback.playing = true;
        self.mode = Mode::Single;
    }

    fn active_target(&self, run_id: u64) -> Option<Target> {
        self.active.filter(|(id, _)| *id == run_id).map(|(_, t)| t)
    }

    fn trace_of(&mut self, target: Target) -> Option<&mut Trace> {
        match target {
            Target::Main => self.main.as_mut().map(|m| &mut m.trace),
            Target::Compare(i) => self
                .compare
                .entries
                .get_mut(i)
                .and_then(|e| e.trace.as_mut()),
        }
    }

    fn handle_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::LoadProgress { stage, fraction } => {
                let source = match &self.model {
                    ModelStatus::Loading { source, .. } => source.clone(),
                    _ => String::new(),
                };
                self.model = ModelStatus::Loading {
                    source,
                    stage,
                    fraction,
                };
            }
            WorkerEvent::ModelLoaded(info) => {
                if let Some(ModelRef::Folder(dir)) = &self.model_source {
                    let dir = dir.clone();
                    files::push_recent(&mut self.settings.recent_models, &dir);
                }
                self.banners
                    .retain(|b| b.action != Some(BannerAction::ReloadModel));
                self.model = ModelStatus::Ready(info);
            }
            WorkerEvent::LoadFailed(error) => {
                self.model = ModelStatus::Failed(error.to_string());
                self.error_banner(&error);
            }
            WorkerEvent::RunStarted {
                run_id,
                header,
                tokens,
            } => {
                let trace = Trace::new(*header, tokens);
                match self.active_target(run_id) {
                    Some(Target::Main) => {
                        self.main = Some(MainRun {
                            trace,
                            run_id: Some(run_id),
                            live: true,
                            source: "live run".into(),
                        });
                        self.playback.position = 0.0;
                        self.playback.follow_live = true;
                        self.playback.playing = true;
                        self.step_anim = None;
                    }
                    Some(Target::Compare(i)) => {
                        if let Some(e) = self.compare.entries.get_mut(i) {
                            e.trace = Some(trace);
                            e.status = EntryStatus::Running;
                        }
                    }
                    None => {}
                }
            }
            WorkerEvent::Step { run_id, record } => {
                let Some(target) = self.active_target(run_id) else {
                    return;
                };
                if let Some(trace) = self.trace_of(target)
                    && let Err(e) = trace.push_step(*record)
                {
                    let text = format!("The run sent a step the trace cannot hold: {e}");
                    self.banner(text, None);
                }
            }
            WorkerEvent::RunEnded {
                run_id,
                summary,
                error,
            } => {
                let Some(target) = self.active_target(run_id) else {
                    return;
                };
                if let Some(trace) = self.trace_of(target) {
                    trace.finish(summary);
                }
                match target {
                    Target::Main => {
                        if let Some(m) = &mut self.main {
                            m.live = false;
                            m.run_id = None;
                        }
                    }
                    Target::Compare(i) => {
                        if let Some(e) = self.compare.entries.get_mut(i) {
                            e.status = EntryStatus::Done;
                        }
                    }
                }
                if let Some(error) = error {
                    if error.unloads_model() {
                        self.model =
                            ModelStatus::Failed("the model crashed and was unloaded".into());
                    }
                    self.error_banner(&error);
                }
                self.active = None;
                self.pump_queue();
            }
            WorkerEvent::RunRejected { run_id, error } => {
                let Some(target) = self.active_target(run_id) else {
                    return;
                };
                if let Target::Compare(i) = target
                    && let Some(e) = self.compare.entries.get_mut(i)
                {
                    e.status = EntryStatus::Failed(error.to_string());
                }
                self.error_banner(&error);
                self.active = None;
                self.pump_queue();
            }
        }
    }

    /// Handle worker events for at most [`EVENT_BUDGET`]; asks for another frame if some are left.
    fn drain_events(&mut self) {
        let start = Instant::now();
        while let Some(event) = self.worker.as_ref().and_then(WorkerHandle::try_recv) {
            self.handle_event(event);
            if start.elapsed() > EVENT_BUDGET {
                self.ctx.request_repaint();
                break;
            }
        }
    }

    fn poll_files(&mut self) {
        while let Some(event) = self.files.poll() {
            self.notice = None;
            match event {
                FileEvent::TraceLoaded { path, result } => match result {
                    Ok(trace) => self.show_trace(path, *trace),
                    Err(e) => {
                        self.settings.recent_traces.retain(|p| p != &path);
                        self.banner(format!("Could not open the trace: {e}"), None);
                    }
                },
                FileEvent::TraceSaved { path, result } => match result {
                    Ok(()) => {
                        files::push_recent(&mut self.settings.recent_traces, &path);
                        self.notice = Some(format!("Saved {}", path.display()));
                    }
                    Err(e) => self.banner(format!("Could not save the trace: {e}"), None),
                },
                FileEvent::ModelFolderChosen(dir) => self.load_model(dir),
                FileEvent::NothingChosen { what } => {
                    self.notice = Some(format!(
                        "No {what} chosen. (No dialog appeared? Drop the file on the window, or type its path in File → Open path.)"
                    ));
                }
            }
        }
    }

    fn check_worker(&mut self) {
        let dead = self.worker.as_ref().is_none_or(|w| !w.is_alive());
        if dead
            && !self
                .banners
                .iter()
                .any(|b| b.action == Some(BannerAction::RestartWorker))
        {
            self.active = None;
            self.queue.clear();
            self.banner(
                "The worker thread stopped. Restart it to generate again (replaying traces still works).".into(),
                Some(BannerAction::RestartWorker),
            );
        }
    }

    /// Frames, live flag and planned steps of the timeline on screen.
    fn timeline(&self) -> (usize, bool, Option<u32>) {
        match self.mode {
            Mode::Single => match &self.main {
                Some(m) => (m.trace.frame_count(), m.live, m.trace.header.planned_steps),
                None => (1, false, None),
            },
            Mode::Compare => (self.compare.frame_count(), self.compare.live(), None),
        }
    }

    fn playback_mut(&mut self) -> &mut Playback {
        match self.mode {
            Mode::Single => &mut self.playback,
            Mode::Compare => &mut self.compare.playback,
        }
    }

    fn apply_commands(&mut self, commands: Vec<PlaybackCommand>) {
        if commands.is_empty() {
            return;
        }
        let (frames, _, _) = self.timeline();
        let now = self.ctx.input(|i| i.time);
        let before = self.playback_mut().frame();
        for c in commands {
            self.playback_mut().apply(c, frames);
        }
        let pb = self.playback_mut();
        let after = pb.frame();
        if after == before + 1 && !pb.playing {
            self.step_anim = Some((after, now));
        } else if after != before {
            self.step_anim = None;
        }
        self.settings.speed = self.playback_mut().speed;
        self.settings.looping = self.playback_mut().looping;
    }

    /// The dissolve progress to draw: the hand-stepped animation while it runs, else playback's.
    fn transition(&self, now: f64) -> f32 {
        let playback = match self.mode {
            Mode::Single => &self.playback,
            Mode::Compare => &self.compare.playback,
        };
        match self.step_anim {
            Some((frame, start)) if frame == playback.frame() && !playback.playing => {
                (((now - start) / STEP_ANIMATION_S) as f32).clamp(0.0, 1.0)
            }
            _ => playback.transition(),
        }
    }

    fn canvas_options(&self) -> CanvasOptions {
        CanvasOptions {
            color_mode: self.settings.color_mode,
            show_guesses: self.settings.show_guesses,
            show_prompt: self.settings.show_prompt,
            palette: Palette::of(self.settings.dark),
            text_size: self.settings.text_size,
        }
    }

    // ----- panels -----

    fn poll_exports(&mut self) {
        while let Some(event) = self.exports.poll() {
            match event {
                ExportEvent::Done(message) => self.notice = Some(message),
                ExportEvent::Failed(e) => {
                    self.notice = None;
                    self.banner(format!("Could not export: {e}"), None);
                }
                ExportEvent::NothingChosen => {
                    self.notice = Some(
                        "Nothing exported: no file was chosen (no dialog appeared? `unmask export TRACE --gif OUT.gif` does the same from a terminal).".into(),
                    );
                }
                ExportEvent::Progress { .. } => {}
            }
        }
    }

    fn banners_ui(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        let mut action = None;
        for (i, b) in self.banners.iter().enumerate() {
            egui::Frame::new()
                .fill(if self.settings.dark {
                    Color32::from_rgb(110, 28, 28)
                } else {
                    Color32::from_rgb(255, 218, 214)
                })
                .inner_margin(8)
                .corner_radius(4)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        if ui.button("×").on_hover_text("Dismiss").clicked() {
                            dismiss = Some(i);
                        }
                        if let Some(offered) = b.action {
                            let label = match offered {
                                BannerAction::RestartWorker => "Restart worker",
                                BannerAction::ReloadModel => "Reload model",
                            };
                            if ui.button(label).clicked() {
                                action = Some((i, offered));
                            }
                        }
                        let color = if self.settings.dark {
                            Color32::WHITE
                        } else {
                            Color32::from_rgb(90, 0, 0)
                        };
                        ui.add(
                            egui::Label::new(RichText::new(&b.text).color(color).size(15.0)).wrap(),
                        );
                    });
                });
        }
        if let Some((i, a)) = action {
            self.banners.remove(i);
            match a {
                BannerAction::RestartWorker => self.restart_worker(),
                BannerAction::ReloadModel => {
                    if let Some(source) = self.model_source.clone() {
                        self.load_source(source);
                    }
                }
            }
        } else if let Some(i) = dismiss {
            self.banners.remove(i);
        }
    }

    fn status_line(&self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            let model = match &self.model {
                ModelStatus::Ready(info) => format!(
                    "{} ({}, {:.2} M params) on {} {}",
                    model_display_name(&info.id),
                    info.family,
                    info.n_params as f64 / 1e6,
                    info.device,
                    info.dtype
                ),
                ModelStatus::Loading {
                    stage, fraction, ..
                } => {
                    format!("loading model: {stage} ({:.0}%)", fraction * 100.0)
                }
                ModelStatus::None | ModelStatus::Failed(_) => {
                    match self.main.as_ref().filter(|_| self.mode == Mode::Single) {
                        // A replay needs no model: say whose run it is.
                        Some(m) => {
                            // The model's folder and its parent ("assets/model").
                            let id = Path::new(&m.trace.header.model_id);
                            let short: Vec<String> = id
                                .components()
                                .rev()
                                .take(2)
                                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                                .collect();
                            let short: Vec<&str> = short.iter().rev().map(String::as_str).collect();
                            format!("no model loaded · replaying a run of {}", short.join("/"))
                        }
                        None => "no model loaded".into(),
                    }
                }
            };
            ui.label(model);
            ui.separator();
            match self.mode {
                Mode::Single => match &self.main {
                    Some(m) => {
                        let (frames, live, planned) = self.timeline();
                        ui.label(step_counter::step_counter_text(
                            self.playback.frame(),
                            frames,
                            live,
                            planned,
                        ));
                        ui.separator();
                        ui.label(format!(
                            "{:.1} tokens/s",
                            run_summary::tokens_per_s(&m.trace)
                        ));
                        ui.separator();
                        let state = match (&m.trace.summary, m.live) {
                            (_, true) => "generating…".to_string(),
                            (Some(s), _) => match &s.outcome {
                                RunOutcome::Finished => {
                                    format!("finished in {:.2} s", s.elapsed_ms / 1000.0)
                                }
                                RunOutcome::Cancelled => "cancelled".into(),
                                RunOutcome::Failed(e) => format!("failed: {e}"),
                            },
                            (None, false) => "ended without a summary".into(),
                        };
                        ui.label(state);
                        ui.separator();
                        ui.label(&m.source);
                    }
                    None => {
                        ui.label("no run yet");
                    }
                },
                Mode::Compare => {
                    ui.label(format!("{} configurations", self.compare.entries.len()));
                }
            }
            if let Some(n) = &self.notice {
                ui.separator();
                ui.label(RichText::new(n).italics());
            }
            if self.files.busy() {
                ui.spinner();
            }
            if let Some((done, total)) = self.exports.progress() {
                ui.separator();
                ui.add(
                    egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                        .desired_width(160.0)
                        .text(format!("exporting: frame {done} / {total}")),
                );
            } else if self.exports.busy() {
                ui.spinner();
            }
        });
    }

    fn left_panel(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            if self.mode == Mode::Compare {
                self.compare_controls(ui);
                ui.separator();
            }
            let running = self.is_running();
            let action = controls::controls_ui(ui, &mut self.settings.controls, running);
            match action {
                ControlsAction::Generate => match self.settings.controls.request() {
                    Ok(request) => {
                        if self.mode == Mode::Compare {
                            self.mode = Mode::Single;
                        }
                        self.generate(request);
                    }
                    Err(e) => self.banner(format!("Cannot generate: {e}"), None),
                },
                ControlsAction::Cancel => self.cancel(),
                ControlsAction::None => {}
            }
        });
    }

    fn compare_controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("Compare");
        ui.horizontal(|ui| {
            ui.label("Sync by:");
            ui.radio_value(&mut self.compare.axis, PlotAxis::Step, "step")
                .on_hover_text("Same step number in every run");
            ui.radio_value(&mut self.compare.axis, PlotAxis::Progress, "progress")
                .on_hover_text(
                    "Same fraction of each run, so runs of different lengths end together",
                );
        });
        let live = self.compare.live();
        let mut remove = None;
        for (i, entry) in self.compare.entries.iter().enumerate() {
            ui.horizontal(|ui| {
                let color = Palette::of(self.settings.dark).run_color(i);
                if ui
                    .add_enabled(!live, egui::Button::new("×"))
                    .on_hover_text(format!("Remove {}", entry.label))
                    .clicked()
                {
                    remove = Some(i);
                }
                ui.label(RichText::new(&entry.label).strong().color(color));
                ui.add(egui::Label::new(&entry.description).wrap());
            });
        }
        if let Some(i) = remove {
            self.compare.remove(i);
        }
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!live, egui::Button::new("Add current settings"))
                .on_hover_text("Add the decoding settings above as a new configuration")
                .clicked()
            {
                match self.settings.controls.request() {
                    Ok(r) => {
                        self.compare.add_request(r);
                    }
                    Err(e) => self.banner(format!("Cannot add these settings: {e}"), None),
                }
            }
            let finished = self
                .main
                .as_ref()
                .filter(|m| !m.live)
                .map(|m| m.trace.clone());
            if ui
                .add_enabled(
                    !live && finished.is_some(),
                    egui::Button::new("Add the last run"),
                )
                .on_hover_text("Add the run on the single-run canvas as it is")
                .clicked()
                && let Some(t) = finished
            {
                self.compare.add_trace(t);
            }
            let can_run = !live && self.compare.entries.iter().any(|e| e.request.is_some());
            if ui
                .add_enabled(
                    can_run,
                    egui::Button::new(RichText::new("Run all").strong()),
                )
                .on_hover_text("Run every configuration on the prompt above, one after another")
                .clicked()
            {
                self.compare_run_all();
            }
            if ui.add_enabled(!live, egui::Button::new("Clear")).clicked() {
                self.compare.entries.clear();
            }
        });
    }

    fn legend_panel(&self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("What am I looking at?");
            ui.label(
                "Each box is one token. The model starts from a row of masks and fills them in \
                 over a number of steps, in any order it likes.",
            );
            ui.add_space(8.0);
            legend::legend_ui(
                ui,
                self.settings.color_mode,
                &Palette::of(self.settings.dark),
            );
            ui.add_space(8.0);
            ui.label("Hover any box for the model's top candidates there.");
            ui.add_space(8.0);
            ui.label(RichText::new("Keys").strong());
            ui.label(
                "space play/pause · ← → one step · Home/End first/last · [ ] slower/faster · \
                 Ctrl +/− zoom",
            );
        });
    }

    fn central(&mut self, ui: &mut egui::Ui, transition: f32) {
        let options = self.canvas_options();
        match self.mode {
            Mode::Compare => compare::compare_ui(ui, &self.compare, &options),
            Mode::Single => {
                let Some(main) = &self.main else {
                    ui.add_space(40.0);
                    ui.vertical_centered(|ui| {
                        ui.heading(RichText::new("Press Generate to watch the model write.").size(28.0));
                        ui.add_space(8.0);
                        ui.label(RichText::new(
                            "Or drop a .trace file on this window to replay a saved run (no model needed).",
                        ).size(18.0));
                    });
                    return;
                };
                let mut text_size = self.settings.text_size;
                ui.horizontal(|ui| {
                    ui.label(RichText::new("Prompt:").strong().size(18.0));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .button(RichText::new("A+").size(16.0))
                            .on_hover_text("Bigger tokens")
                            .clicked()
                        {
                            text_size = (text_size + 4.0).min(64.0);
                        }
                        if ui
                            .button(RichText::new("A−").size(16.0))
                            .on_hover_text("Smaller tokens")
                            .clicked()
                        {
                            text_size = (text_size - 4.0).max(10.0);
                        }
                        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                            ui.add(
                                egui::Label::new(
                                    RichText::new(&main.trace.header.prompt).size(18.0),
                                )
                                .wrap(),
                            );
                        });
                    });
                });
                ui.label(
                    RichText::new(run_summary::describe_params(&main.trace.header.params)).weak(),
                );
                let frame = self.playback.frame().min(main.trace.frame_count() - 1);
                if !main.live && frame + 1 == main.trace.frame_count() {
                    response_line(ui, &main.trace);
                }
                ui.separator();
                egui::ScrollArea::vertical()
                    .id_salt("main_canvas")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        canvas::canvas_ui(
                            ui,
                            &main.trace,
                            frame,
                            transition,
                            &options,
                            self.forced_hover,
                        );
                    });
                self.settings.text_size = text_size;
            }
        }
    }

    fn plots_panel(&mut self, ui: &mut egui::Ui) {
        let scrub = match self.mode {
            Mode::Single => match &self.main {
                Some(m) => {
                    let runs = [PlotRun {
                        label: "this run",
                        trace: &m.trace,
                        color: Palette::of(self.settings.dark).run_color(0),
                        frame: self.playback.frame(),
                    }];
                    plots::plots_ui(ui, &runs, PlotAxis::Step).map(|x| (x, PlotAxis::Step))
                }
                None => None,
            },
            Mode::Compare => {
                let runs: Vec<PlotRun<'_>> = self
                    .compare
                    .entries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| {
                        e.trace.as_ref().map(|t| PlotRun {
                            label: &e.label,
                            trace: t,
                            color: Palette::of(self.settings.dark).run_color(i),
                            frame: self.compare.run_frame(t).0,
                        })
                    })
                    .collect();
                plots::plots_ui(ui, &runs, self.compare.axis).map(|x| (x, self.compare.axis))
            }
        };
        if let Some((x, axis)) = scrub {
            let (frames, _, _) = self.timeline();
            let last = frames.saturating_sub(1) as f64;
            let frame = match axis {
                PlotAxis::Step => x,
                PlotAxis::Progress => x * last,
            };
            let frame = frame.round().clamp(0.0, last) as usize;
            self.apply_commands(vec![PlaybackCommand::Seek(frame)]);
        }
    }
}

impl eframe::App for UnmaskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.drain_events();
        self.poll_files();
        self.poll_exports();
        self.check_worker();
        for path in files::dropped_paths(&ctx) {
            self.open_path(path);
        }
        self.settings.zoom = ctx.zoom_factor();

        // Keyboard, then time: the frame drawn below is the one after this update.
        let keys = playback_bar::keyboard_commands(&ctx);
        self.apply_commands(keys);
        let (frames, live, planned) = self.timeline();
        let dt = f64::from(ctx.input(|i| i.stable_dt).min(0.1));
        let moved = self.playback_mut().update(dt, frames, live);
        let now = ctx.input(|i| i.time);
        let transition = self.transition(now);
        let animating = transition < 1.0;
        if moved || animating {
            ctx.request_repaint();
        }

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        if !self.banners.is_empty() {
            egui::Panel::top("banners").show(ui, |ui| self.banners_ui(ui));
        }
        egui::Panel::bottom("status").show(ui, |ui| self.status_line(ui));
        egui::Panel::bottom("playback").show(ui, |ui| {
            ui.add_space(4.0);
            let info = BarInfo {
                frame_count: frames,
                live,
                planned,
                counter_size: 30.0,
            };
            let playback = match self.mode {
                Mode::Single => &self.playback,
                Mode::Compare => &self.compare.playback,
            };
            let commands = playback_bar::playback_bar_ui(ui, playback, &info);
            self.apply_commands(commands);
            ui.add_space(2.0);
        });
        let has_runs = match self.mode {
            Mode::Single => self.main.is_some(),
            Mode::Compare => self.compare.entries.iter().any(|e| e.trace.is_some()),
        };
        if self.settings.show_plots && has_runs {
            // The canvas is the point: plots get at most 40% of the height, scrolling inside.
            let max_plots_h = (ui.available_height() * 0.4).max(140.0);
            egui::Panel::bottom("plots")
                .resizable(true)
                .default_size(240.0_f32.min(max_plots_h))
                .size_range(100.0..=max_plots_h)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("plots_scroll")
                        .auto_shrink([false, false])
                        .show(ui, |ui| self.plots_panel(ui));
                });
        }
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(340.0)
            .show(ui, |ui| self.left_panel(ui));
        if self.settings.show_legend {
            egui::Panel::right("legend")
                .resizable(true)
                .default_size(260.0)
                .show(ui, |ui| self.legend_panel(ui));
        }
        if self.settings.model_picker.open {
            self.model_picker_window(&ctx);
        }
        egui::CentralPanel::default().show(ui, |ui| {
            self.central(ui, transition);
            if files::files_hovering(ui.ctx()) {
                let rect = ui.max_rect();
                ui.painter()
                    .rect_filled(rect, 8, Color32::from_black_alpha(160));
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "Drop a .trace file to replay it, or a model folder to load it",
                    egui::FontId::proportional(26.0),
                    Color32::WHITE,
                );
            }
        });
        self.demo_tick();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.persist {
            eframe::set_value(storage, SETTINGS_KEY, &self.settings);
        }
    }
}

/// The finished response as `unmask generate` prints it: runs of EOS/EOT cells shown as a dimmed
/// `⟨eos ×N⟩` (the canvas draws each as a dashed EOS chip), cut at each span's first EOS when the
/// run's "stop text at EOS" was on.
fn response_line(ui: &mut egui::Ui, trace: &Trace) {
    let pieces = crate::generate::response_pieces(trace, trace.header.params.stop_at_eos);
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        ui.label(RichText::new("Response: ").strong());
        for piece in &pieces {
            match piece {
                crate::generate::ResponsePiece::Text(t) => {
                    ui.label(t.as_str());
                }
                marker => {
                    ui.label(RichText::new(marker.plain()).weak().italics())
                        .on_hover_text(
                            "End-of-sequence cells: the model chose to end the text here",
                        );
                }
            }
        }
    });
}

/// The banner for a worker error: one message per kind, phrased for the app window, and the fix
/// its button offers.
pub fn error_message(error: &WorkerError) -> (String, Option<BannerAction>) {
    match error {
        WorkerError::LoadFailed { .. } | WorkerError::LoadPanicked { .. } => {
            (format!("Could not load the model: {error}"), None)
        }
        WorkerError::NoModel => (
            "The run could not start: no model is loaded. Load a model first (Models… or File → Open model folder…).".into(),
            None,
        ),
        WorkerError::BadTemplate { .. }
        | WorkerError::TooLong { .. }
        | WorkerError::BadParams { .. } => (format!("The run could not start: {error}."), None),
        WorkerError::ModelPanicked { message } => (
            format!(
                "The run failed: the model crashed ({message}) and was unloaded. Reload it to generate again."
            ),
            Some(BannerAction::ReloadModel),
        ),
        WorkerError::RunFailed { reason } => (format!("The run failed: {reason}"), None),
    }
}

/// Open the desktop app and block until its window closes.
pub fn run_app(options: AppOptions) -> Result<(), String> {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Unmask — watch a diffusion language model write")
        .with_inner_size([1500.0, 940.0])
        .with_min_inner_size([900.0, 560.0])
        .with_drag_and_drop(true);
    if options.demo.is_some() {
        viewport = viewport
            .with_position([0.0, 0.0])
            .with_inner_size([1600.0, 1000.0]);
    }
    let native = eframe::NativeOptions {
        viewport,
        persist_window: options.persist,
        ..Default::default()
    };
    eframe::run_native(
        "unmask",
        native,
        Box::new(move |cc| Ok(Box::new(UnmaskApp::new(cc, options)))),
    )
    .map_err(|e| format!("could not open the window: {e}"))
}

/// A short name for a model: "embedded model" for the one in assets/model, else its folder name.
fn model_display_name(id: &str) -> String {
    let path = Path::new(id);
    let embedded = crate::model::default_model_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .is_some_and(|d| path.canonicalize().is_ok_and(|p| p == d));
    if embedded {
        return "embedded model".into();
    }
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_round_trip_and_fill_missing_fields() {
        let s = Settings {
            dark: false,
            recent_traces: vec![PathBuf::from("/x.trace")],
            ..Settings::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        let back: Settings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let partial: Settings = serde_json::from_str(r#"{"dark": false}"#).unwrap();
        assert!(!partial.dark);
        assert_eq!(partial.text_size, Settings::default().text_size);
    }
}
