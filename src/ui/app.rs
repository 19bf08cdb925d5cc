//! The app shell: [`UnmaskApp`] (an `eframe::App`) holds the persisted [`Settings`], the file and
//! export jobs and a [`Session`] (the worker, the runs, the playback state; see
//! [`crate::ui::session`]), feeds it input and lays out the panels from what it exposes. Every
//! failure becomes a banner; the app stays usable.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::Color32;
use serde::{Deserialize, Serialize};

use crate::generate::GenerateRequest;
use crate::hub::ModelRef;
use crate::playback::{Playback, PlaybackCommand};
use crate::trace::Trace;
use crate::ui::compare::CompareState;
use crate::ui::controls::ControlsState;
use crate::ui::export_menu::{ExportEvent, ExportJobs, ExportKind, ExportRequest};
use crate::ui::file_dialog::{DialogChoice, FileQuestion, FileTarget, InAppDialog};
use crate::ui::files::{self, FileEvent, FileJobs};
use crate::ui::model_picker::ModelPickerState;
use crate::ui::playback_bar::{self, BarInfo};
use crate::ui::session::{Session, WorkerLink, WorkerSpawner};
use crate::view::canvas::CanvasOptions;
use crate::view::fonts::{self, CjkFont};
use crate::view::palette::{ColorMode, Palette};
use crate::view::style;
use crate::worker::WorkerHandle;

mod menus;
mod panels;
mod presenter;
mod scripting;

pub use crate::ui::session::{
    Banner, BannerAction, EVENT_BUDGET, Mode, ModelStatus, STEP_ANIMATION_S,
};
pub use scripting::{DEMO_READY_MARKER, DemoScene};

/// Storage key of [`Settings`].
pub const SETTINGS_KEY: &str = "unmask-settings";

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
    /// Skip the playback pace and show the newest step at once.
    pub instant: bool,
    /// Show the plots panel.
    pub show_plots: bool,
    /// Show the legend panel.
    pub show_legend: bool,
    /// Show the controls panel (prompt, template, decoding).
    pub show_controls: bool,
    /// Recently opened trace files, newest first.
    pub recent_traces: Vec<PathBuf>,
    /// Recently loaded model folders, newest first.
    pub recent_models: Vec<PathBuf>,
    /// The model picker window (open or not, the last hub id typed).
    pub model_picker: ModelPickerState,
    /// The desktop's file dialog (with the in-app one as fallback) or always the in-app one.
    pub file_dialog: DialogChoice,
    /// The folder file dialogs open in: where the last file was chosen.
    pub files_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dark: true,
            zoom: 1.0,
            show_guesses: true,
            show_prompt: false,
            // The log scale: the embedded model is ~100 % sure of most cells, which the linear one
            // paints one colour.
            color_mode: ColorMode::ConfidenceLog,
            text_size: 28.0,
            controls: ControlsState::default(),
            speed: 1.0,
            looping: false,
            instant: false,
            show_plots: true,
            show_legend: true,
            show_controls: true,
            recent_traces: Vec::new(),
            recent_models: Vec::new(),
            model_picker: ModelPickerState::default(),
            file_dialog: DialogChoice::Auto,
            files_dir: None,
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
    /// Use this file dialog instead of the saved choice (tests of the in-app dialog).
    pub file_dialog: Option<DialogChoice>,
    /// File dialogs open in this folder instead of the last one used.
    pub files_dir: Option<PathBuf>,
}

/// The desktop app.
pub struct UnmaskApp {
    settings: Settings,
    persist: bool,
    ctx: egui::Context,
    /// The runs, the queue, the model's state and the banners.
    session: Session,
    notice: Option<String>,
    files: FileJobs,
    /// Exports running on helper threads (Export menu).
    exports: ExportJobs,
    demo: Option<DemoScene>,
    demo_frames: u32,
    forced_hover: Option<u32>,
    path_input: String,
    /// The in-app file dialog on screen, and what its answer is for.
    in_app_dialog: Option<(InAppDialog, FileTarget)>,
    /// The desktop's dialog failed to appear once: use the in-app one from now on.
    native_dialog_missing: bool,
    /// Presenter mode: only the counter, the prompt and a large canvas (F5; Esc leaves).
    presenter: bool,
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
        if let Some(choice) = options.file_dialog {
            settings.file_dialog = choice;
        }
        if let Some(dir) = options.files_dir.clone() {
            settings.files_dir = Some(dir);
        }
        style::apply_theme(&ctx, &Palette::of(settings.dark));
        ctx.set_zoom_factor(settings.zoom);
        let playback = Playback {
            speed: settings.speed,
            looping: settings.looping,
            instant: settings.instant,
            ..Playback::default()
        };
        let waker_ctx = ctx.clone();
        let spawn: WorkerSpawner = Box::new(move || {
            let ctx = waker_ctx.clone();
            let waker: crate::worker::Waker = Arc::new(move || ctx.request_repaint());
            WorkerHandle::spawn(Some(waker)).map(|w| Box::new(w) as Box<dyn WorkerLink>)
        });
        let mut app = Self {
            settings,
            persist: options.persist,
            ctx: ctx.clone(),
            session: Session::new(spawn, playback),
            notice: None,
            exports: ExportJobs::new(Some(ctx.clone())),
            files: FileJobs::new(Some(ctx)),
            demo: options.demo,
            demo_frames: 0,
            forced_hover: None,
            path_input: String::new(),
            in_app_dialog: None,
            native_dialog_missing: false,
            presenter: false,
            cjk_font,
        };
        if options.load_model {
            match options.model.clone() {
                Some(source) => app.load_source(source),
                None => match crate::model::default_model_dir() {
                    Ok(dir) => app.load_model(dir),
                    Err(e) => {
                        let text = format!(
                            "{e:#}. You can still open a model folder (File → Open model folder…) or replay a trace (drop a .trace file on the window)."
                        );
                        app.session.set_model_failed(text.clone());
                        app.session.banner(text, None);
                    }
                },
            }
        }
        let mut loaded = Vec::new();
        for path in &options.traces {
            match Trace::load(path) {
                Ok(trace) => loaded.push((path.clone(), trace)),
                Err(e) => app.session.banner(e.to_string(), None),
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

    /// The runs, the queue, the model's state and the banners.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The model's state.
    pub fn model_status(&self) -> &ModelStatus {
        self.session.model_status()
    }

    /// The run on the main canvas.
    pub fn main_trace(&self) -> Option<&Trace> {
        self.session.main_run().map(|m| &m.trace)
    }

    /// The frame the main canvas shows.
    pub fn main_frame(&self) -> usize {
        self.session.main_playback().frame()
    }

    /// Whether a run is generating or queued.
    pub fn is_running(&self) -> bool {
        self.session.is_running()
    }

    /// The error banners on screen.
    pub fn banners(&self) -> &[Banner] {
        self.session.banners()
    }

    /// Compare mode's state.
    pub fn compare(&self) -> &CompareState {
        self.session.compare()
    }

    /// Which CJK font is in use.
    pub fn cjk_font(&self) -> &CjkFont {
        &self.cjk_font
    }

    /// Whether presenter mode is on.
    pub fn presenting(&self) -> bool {
        self.presenter
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
                if self.session.compare().live() {
                    return None;
                }
                self.session
                    .compare()
                    .entries
                    .iter()
                    .filter_map(|e| e.trace.clone())
                    .filter(|t| !t.steps.is_empty())
                    .collect()
            }
            _ => self
                .session
                .main_run()
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
        self.session.set_mode(mode);
    }

    /// Start a run on the main canvas (queued behind any running one).
    pub fn generate(&mut self, request: GenerateRequest) {
        self.session.generate(request);
    }

    /// Add a configuration to the comparison; returns its label.
    pub fn compare_add(&mut self, request: GenerateRequest) -> String {
        self.session.compare_mut().add_request(request)
    }

    /// Run every compared configuration on the current prompt, one after another.
    pub fn compare_run_all(&mut self) {
        let prompt = self.settings.controls.prompt.clone();
        self.session.compare_run_all(&prompt);
    }

    /// Cancel the running generation and drop queued ones.
    pub fn cancel(&mut self) {
        self.session.cancel();
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
        self.session.load_source(source);
    }

    /// Load `lesson` into compare mode and run it; the controls show its prompt and first
    /// configuration.
    pub fn start_lesson(&mut self, lesson: &crate::lessons::Lesson) {
        if let Some(first) = lesson.runs.first() {
            self.settings
                .controls
                .load_settings(&lesson.prompt, &first.template, &first.params);
        }
        self.session.start_lesson(lesson);
    }

    /// Whether the model in use is the embedded one (or none is loaded yet: it is the default).
    pub fn embedded_model_loaded(&self) -> bool {
        match self.session.model_status() {
            ModelStatus::Ready(info) => crate::model::default_model_dir().is_ok_and(|dir| {
                let same = |a: &Path, b: &Path| {
                    a == b
                        || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
                };
                same(Path::new(&info.id), &dir)
            }),
            _ => true,
        }
    }

    // ----- internals -----

    /// Show a trace opened from `path` on the main canvas (and list it under recent traces).
    fn show_trace(&mut self, path: PathBuf, trace: Trace) {
        files::push_recent(&mut self.settings.recent_traces, &path);
        let source = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        self.session.show_trace(source, trace);
    }

    /// Handle worker events for at most [`EVENT_BUDGET`]; asks for another frame if some are left.
    fn drain_events(&mut self) {
        if self.session.drain_events(EVENT_BUDGET) {
            self.ctx.request_repaint();
        }
        for dir in self.session.take_loaded_folders() {
            files::push_recent(&mut self.settings.recent_models, &dir);
        }
        if let Some(recommended) = self.session.take_recommendation() {
            self.settings.controls.apply_recommended(&recommended);
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
                        self.session
                            .banner(format!("Could not open the trace: {e}"), None);
                    }
                },
                FileEvent::TraceSaved { path, result } => match result {
                    Ok(()) => {
                        files::push_recent(&mut self.settings.recent_traces, &path);
                        self.notice = Some(format!("Saved {}", path.display()));
                    }
                    Err(e) => self
                        .session
                        .banner(format!("Could not save the trace: {e}"), None),
                },
                FileEvent::Chosen { target, path } => self.use_path(target, path),
                FileEvent::NothingChosen { what } => {
                    self.notice = Some(format!("Cancelled: no {what} was chosen."));
                }
                FileEvent::NoNativeDialog { question, target } => {
                    // No portal (minimal window managers, Xvfb, remote desktops): ask in the app,
                    // now and from here on.
                    self.native_dialog_missing = true;
                    self.notice = Some(
                        "No system file dialog could open here (no desktop portal): using Unmask's own."
                            .into(),
                    );
                    self.in_app_dialog = Some((InAppDialog::new(question), target));
                }
            }
        }
    }

    /// Ask `question` with the desktop's dialog, or with the in-app one when that is chosen in the
    /// File menu or the desktop has none; the path goes to `target`.
    pub(crate) fn ask_file(&mut self, mut question: FileQuestion, target: FileTarget) {
        if question.start_dir.is_none() {
            question.start_dir = self.settings.files_dir.clone();
        }
        if self.settings.file_dialog == DialogChoice::InApp || self.native_dialog_missing {
            self.in_app_dialog = Some((InAppDialog::new(question), target));
        } else {
            self.files.ask(question, target);
        }
    }

    /// Do what a chosen path was asked for.
    fn use_path(&mut self, target: FileTarget, path: PathBuf) {
        let dir = if path.is_dir() && !matches!(target, FileTarget::LoadModel) {
            Some(path.clone())
        } else {
            path.parent().map(Path::to_path_buf)
        };
        if let Some(dir) = dir.filter(|d| !d.as_os_str().is_empty()) {
            self.settings.files_dir = Some(dir);
        }
        match target {
            FileTarget::OpenTrace => self.files.load_trace(path),
            FileTarget::SaveTrace(trace) => self.files.save_trace(*trace, path),
            FileTarget::LoadModel => self.load_model(path),
            FileTarget::Export(request) => {
                self.notice = Some(format!("Exporting {}…", request.kind.describe()));
                self.exports.export_to(*request, path);
            }
        }
    }

    /// Draw the in-app file dialog, when one is open, and act on its answer.
    fn in_app_dialog_ui(&mut self, ctx: &egui::Context) {
        let Some((dialog, _)) = &mut self.in_app_dialog else {
            return;
        };
        let Some(answer) = dialog.show(ctx) else {
            return;
        };
        if let Some((dialog, target)) = self.in_app_dialog.take() {
            match answer {
                Some(path) => self.use_path(target, path),
                None => {
                    self.notice = Some(format!(
                        "Cancelled: no {} was chosen.",
                        dialog.question().what
                    ));
                }
            }
        }
    }

    fn apply_commands(&mut self, commands: Vec<PlaybackCommand>) {
        if commands.is_empty() {
            return;
        }
        let now = self.ctx.input(|i| i.time);
        self.session.apply_playback(commands, now);
        self.settings.speed = self.session.playback().speed;
        self.settings.looping = self.session.playback().looping;
        self.settings.instant = self.session.playback().instant;
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

    // ----- background jobs -----

    fn poll_exports(&mut self) {
        while let Some(event) = self.exports.poll() {
            match event {
                ExportEvent::Done(message) => self.notice = Some(message),
                ExportEvent::Failed(e) => {
                    self.notice = None;
                    self.session.banner(format!("Could not export: {e}"), None);
                }
                ExportEvent::Progress { .. } => {}
            }
        }
    }
}

impl eframe::App for UnmaskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.drain_events();
        self.poll_files();
        self.poll_exports();
        self.session.check_worker();
        for path in files::dropped_paths(&ctx) {
            self.open_path(path);
        }
        self.settings.zoom = ctx.zoom_factor();

        // Keyboard, then time: the frame drawn below is the one after this update.
        self.presenter_keys(&ctx);
        let keys = playback_bar::keyboard_commands(&ctx);
        self.apply_commands(keys);
        let dt = f64::from(ctx.input(|i| i.stable_dt).min(0.1));
        let moved = self.session.advance(dt);
        let (frames, live, planned) = self.session.timeline();
        let now = ctx.input(|i| i.time);
        let transition = self.session.transition(now);
        let animating = transition < 1.0;
        if moved || animating {
            ctx.request_repaint();
        }

        if !self.presenter {
            egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        }
        if !self.session.banners().is_empty() {
            egui::Panel::top("banners").show(ui, |ui| self.banners_ui(ui));
        }
        if self.presenter {
            self.presenter_ui(ui, transition);
            self.demo_tick();
            return;
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
            let commands = playback_bar::playback_bar_ui(ui, self.session.playback(), &info);
            self.apply_commands(commands);
            ui.add_space(2.0);
        });
        let has_runs = match self.session.mode() {
            Mode::Single => self.session.main_run().is_some(),
            Mode::Compare => self
                .session
                .compare()
                .entries
                .iter()
                .any(|e| e.trace.is_some()),
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
        if self.settings.show_controls {
            egui::Panel::left("controls")
                .resizable(true)
                .default_size(340.0)
                .show(ui, |ui| self.left_panel(ui));
        }
        if self.settings.show_legend {
            egui::Panel::right("legend")
                .resizable(true)
                .default_size(260.0)
                .show(ui, |ui| self.legend_panel(ui));
        }
        if self.settings.model_picker.open {
            self.model_picker_window(&ctx);
        }
        self.in_app_dialog_ui(&ctx);
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
