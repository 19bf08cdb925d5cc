//! The app's run bookkeeping, without a window: [`Session`] owns the line to the worker, the
//! model's state, the run on the main canvas, the compare entries, the run queue, the playback
//! positions and the error banners. It takes commands (generate, compare, cancel, load, open) and
//! worker events, and exposes what the panels draw. Nothing here imports egui or candle, so it is
//! tested headlessly with a stand-in worker.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::generate::GenerateRequest;
use crate::hub::ModelRef;
use crate::lessons::Lesson;
use crate::model::config::RecommendedDecoding;
use crate::model::{LoadOptions, ModelInfo};
use crate::playback::{Playback, PlaybackCommand};
use crate::trace::Trace;
use crate::ui::compare::{CompareState, EntryStatus};
use crate::worker::{WorkerCommand, WorkerError, WorkerEvent, WorkerHandle};

/// Longest time spent draining worker events in one frame.
pub const EVENT_BUDGET: Duration = Duration::from_millis(4);
/// How long a single-step dissolve takes when stepping by hand, seconds.
pub const STEP_ANIMATION_S: f64 = 0.45;

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
#[derive(Clone, Debug)]
pub struct MainRun {
    /// The run so far (all of it once ended).
    pub trace: Trace,
    /// The worker's run id while it is live.
    run_id: Option<u64>,
    /// Still generating.
    pub live: bool,
    /// Where it came from ("live run", a file name).
    pub source: String,
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

/// The session's line to the worker thread: a [`WorkerHandle`], or a stand-in in tests.
pub trait WorkerLink {
    /// Send a command; `false` if the worker is gone or its queue is full.
    fn send(&self, command: WorkerCommand) -> bool;
    /// Ask the running generation to stop after the current step.
    fn cancel(&self);
    /// Next event, if any (never blocks).
    fn try_recv(&self) -> Option<WorkerEvent>;
    /// Whether the worker still runs.
    fn is_alive(&self) -> bool;
}

impl WorkerLink for WorkerHandle {
    fn send(&self, command: WorkerCommand) -> bool {
        WorkerHandle::send(self, command)
    }
    fn cancel(&self) {
        WorkerHandle::cancel(self);
    }
    fn try_recv(&self) -> Option<WorkerEvent> {
        WorkerHandle::try_recv(self)
    }
    fn is_alive(&self) -> bool {
        WorkerHandle::is_alive(self)
    }
}

/// Starts a worker: when the session begins, and again on **Restart worker**.
pub type WorkerSpawner = Box<dyn FnMut() -> std::io::Result<Box<dyn WorkerLink>>>;

/// Runs, queue, model state and banners of one app window.
pub struct Session {
    spawn: WorkerSpawner,
    worker: Option<Box<dyn WorkerLink>>,
    model: ModelStatus,
    /// The model the worker holds and where it came from. A failed load leaves the worker's model
    /// in place, so this is what the app shows (and runs on) after one.
    in_use: Option<(Box<ModelInfo>, Option<ModelRef>)>,
    /// The model last asked for (reloaded after a worker restart).
    model_source: Option<ModelRef>,
    /// Model folders that finished loading since [`Session::take_loaded_folders`] was last asked.
    loaded_folders: Vec<PathBuf>,
    /// The recommended decoding of the model that loaded last, until the app takes it.
    recommendation: Option<RecommendedDecoding>,
    main: Option<MainRun>,
    playback: Playback,
    mode: Mode,
    compare: CompareState,
    queue: VecDeque<Job>,
    active: Option<(u64, Target)>,
    next_run_id: u64,
    banners: Vec<Banner>,
    /// A hand-stepped dissolve: the frame and when it began (UI time, seconds).
    step_anim: Option<(usize, f64)>,
}

impl Session {
    /// A session with no model and no run; starts a worker with `spawn` (a banner if that fails).
    /// `playback` is the main canvas's starting playback (speed and looping from the settings).
    pub fn new(spawn: WorkerSpawner, playback: Playback) -> Self {
        let mut session = Self {
            spawn,
            worker: None,
            model: ModelStatus::None,
            in_use: None,
            model_source: None,
            loaded_folders: Vec::new(),
            recommendation: None,
            main: None,
            playback,
            mode: Mode::Single,
            compare: CompareState::default(),
            queue: VecDeque::new(),
            active: None,
            next_run_id: 1,
            banners: Vec::new(),
            step_anim: None,
        };
        session.start_worker();
        session
    }

    // ----- what the panels draw -----

    /// The model's state.
    pub fn model_status(&self) -> &ModelStatus {
        &self.model
    }

    /// Mark the model as unavailable, with why (no embedded model at start, say).
    pub fn set_model_failed(&mut self, why: String) {
        self.model = ModelStatus::Failed(why);
    }

    /// The run on the main canvas.
    pub fn main_run(&self) -> Option<&MainRun> {
        self.main.as_ref()
    }

    /// The main canvas's playback.
    pub fn main_playback(&self) -> &Playback {
        &self.playback
    }

    /// The main canvas's playback, to change (demo scenes).
    pub fn main_playback_mut(&mut self) -> &mut Playback {
        &mut self.playback
    }

    /// Single run or compare.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Switch between single-run and compare mode.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Compare mode's state.
    pub fn compare(&self) -> &CompareState {
        &self.compare
    }

    /// Compare mode's state, to change (sync axis, adding or removing entries).
    pub fn compare_mut(&mut self) -> &mut CompareState {
        &mut self.compare
    }

    /// Whether a run is generating or queued.
    pub fn is_running(&self) -> bool {
        self.active.is_some() || !self.queue.is_empty()
    }

    /// The error banners on screen.
    pub fn banners(&self) -> &[Banner] {
        &self.banners
    }

    /// Show an error banner (once: the same text is not shown twice).
    pub fn banner(&mut self, text: String, action: Option<BannerAction>) {
        if !self.banners.iter().any(|b| b.text == text) {
            self.banners.push(Banner { text, action });
        }
    }

    /// Remove banner `index`.
    pub fn dismiss_banner(&mut self, index: usize) {
        if index < self.banners.len() {
            self.banners.remove(index);
        }
    }

    /// Remove banner `index` and do what its button offers.
    pub fn press_banner(&mut self, index: usize) {
        if index >= self.banners.len() {
            return;
        }
        match self.banners.remove(index).action {
            Some(BannerAction::RestartWorker) => self.restart_worker(),
            Some(BannerAction::ReloadModel) => self.reload_model(),
            None => {}
        }
    }

    /// The model folders that finished loading since the last call, oldest first (for the recent
    /// models list).
    pub fn take_loaded_folders(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.loaded_folders)
    }

    /// The decoding the model that just loaded recommends (`unmask_recommended_decoding`), once
    /// per load: the app opens the model at it.
    pub fn take_recommendation(&mut self) -> Option<RecommendedDecoding> {
        self.recommendation.take()
    }

    // ----- commands -----

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

    /// Put `lesson` in compare mode and run it: one entry per configuration (named by the
    /// lesson), its note above the runs, playing live as they come. A running generation is
    /// cancelled first.
    pub fn start_lesson(&mut self, lesson: &Lesson) {
        self.cancel();
        self.compare.entries.clear();
        for run in &lesson.runs {
            self.compare.add_request(GenerateRequest {
                prompt: lesson.prompt.clone(),
                template: run.template.clone(),
                params: run.params.clone(),
                raw_prompt: false,
            });
        }
        self.compare.show_lesson(lesson);
        self.set_mode(Mode::Compare);
        self.compare_run_all(&lesson.prompt);
    }

    /// Run every compared configuration that has a request on `prompt`, one after another, on a
    /// fresh shared timeline that follows them live.
    pub fn compare_run_all(&mut self, prompt: &str) {
        for i in 0..self.compare.entries.len() {
            let Some(mut request) = self.compare.entries[i].request.clone() else {
                continue;
            };
            request.prompt = prompt.to_string();
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
            instant: self.playback.instant,
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
            self.in_use = None;
            self.model = ModelStatus::Failed("the worker is not running".into());
            self.banner(
                "The worker thread is not running, so the model cannot load.".into(),
                Some(BannerAction::RestartWorker),
            );
        }
    }

    /// Load the model last asked for again (after it crashed).
    pub fn reload_model(&mut self) {
        if let Some(source) = self.model_source.clone() {
            self.load_source(source);
        }
    }

    /// Show a finished run (a replayed trace) on the main canvas, from its start; a live run there
    /// is cancelled. `source` names where it came from (a file name).
    pub fn show_trace(&mut self, source: String, trace: Trace) {
        if self.main.as_ref().is_some_and(|m| m.live) {
            self.cancel();
        }
        self.main = Some(MainRun {
            trace,
            run_id: None,
            live: false,
            source,
        });
        self.playback.position = 0.0;
        self.playback.follow_live = false;
        self.playback.playing = true;
        self.mode = Mode::Single;
    }

    /// Stop the worker thread, start a new one and reload the model; runs in flight are dropped.
    pub fn restart_worker(&mut self) {
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

    /// Offer a restart when the worker thread has stopped (once).
    pub fn check_worker(&mut self) {
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

    /// Handle worker events for at most `budget`; `true` when some are left for the next frame.
    pub fn drain_events(&mut self, budget: Duration) -> bool {
        let start = Instant::now();
        while let Some(event) = self.worker.as_ref().and_then(|w| w.try_recv()) {
            self.handle_event(event);
            if start.elapsed() > budget {
                return true;
            }
        }
        false
    }

    /// Apply one worker event.
    pub fn handle_event(&mut self, event: WorkerEvent) {
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
                    self.loaded_folders.push(dir.clone());
                }
                self.banners
                    .retain(|b| b.action != Some(BannerAction::ReloadModel));
                self.recommendation = info.recommended_decoding.clone();
                self.in_use = Some((info.clone(), self.model_source.clone()));
                self.model = ModelStatus::Ready(info);
            }
            WorkerEvent::LoadFailed(error) => {
                let (text, action) = error_message(&error);
                match self.in_use.clone() {
                    // The worker still holds the previous model: keep showing (and using) it.
                    Some((info, source)) => {
                        self.banner(
                            format!("{}. Still using {}.", text.trim_end_matches('.'), info.id),
                            action,
                        );
                        self.model_source = source;
                        self.model = ModelStatus::Ready(info);
                    }
                    None => {
                        self.model = ModelStatus::Failed(error.to_string());
                        self.banner(text, action);
                    }
                }
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
                        self.in_use = None;
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

    // ----- the timeline on screen -----

    /// Frames, live flag and planned steps of the timeline on screen.
    pub fn timeline(&self) -> (usize, bool, Option<u32>) {
        match self.mode {
            Mode::Single => match &self.main {
                Some(m) => (m.trace.frame_count(), m.live, m.trace.header.planned_steps),
                None => (1, false, None),
            },
            Mode::Compare => (self.compare.frame_count(), self.compare.live(), None),
        }
    }

    /// The playback of the timeline on screen.
    pub fn playback(&self) -> &Playback {
        match self.mode {
            Mode::Single => &self.playback,
            Mode::Compare => &self.compare.playback,
        }
    }

    fn playback_mut(&mut self) -> &mut Playback {
        match self.mode {
            Mode::Single => &mut self.playback,
            Mode::Compare => &mut self.compare.playback,
        }
    }

    /// Apply playback commands (keys, buttons, a plot click) to the timeline on screen; `now_s`
    /// is UI time, which starts the dissolve of a single hand-made step.
    pub fn apply_playback(&mut self, commands: Vec<PlaybackCommand>, now_s: f64) {
        if commands.is_empty() {
            return;
        }
        let (frames, _, _) = self.timeline();
        let before = self.playback_mut().frame();
        for c in commands {
            self.playback_mut().apply(c, frames);
        }
        let pb = self.playback_mut();
        let after = pb.frame();
        if after == before + 1 && !pb.playing {
            self.step_anim = Some((after, now_s));
        } else if after != before {
            self.step_anim = None;
        }
    }

    /// Advance the timeline on screen by `dt_s` seconds; `true` when it moved.
    pub fn advance(&mut self, dt_s: f64) -> bool {
        let (frames, live, _) = self.timeline();
        self.playback_mut().update(dt_s, frames, live)
    }

    /// The dissolve progress to draw: the hand-stepped animation while it runs, else playback's.
    pub fn transition(&self, now_s: f64) -> f32 {
        let playback = self.playback();
        match self.step_anim {
            Some((frame, start)) if frame == playback.frame() && !playback.playing => {
                (((now_s - start) / STEP_ANIMATION_S) as f32).clamp(0.0, 1.0)
            }
            _ => playback.transition(),
        }
    }

    // ----- internals -----

    fn error_banner(&mut self, error: &WorkerError) {
        let (text, action) = error_message(error);
        self.banner(text, action);
    }

    fn take_run_id(&mut self) -> u64 {
        let id = self.next_run_id;
        self.next_run_id += 1;
        id
    }

    fn start_worker(&mut self) {
        match (self.spawn)() {
            Ok(w) => self.worker = Some(w),
            Err(e) => self.banner(
                format!("Could not start the worker thread: {e}"),
                Some(BannerAction::RestartWorker),
            ),
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::playback::PlaybackCommand;
    use crate::sampler::SamplerParams;
    use crate::trace::synthetic::synthetic_trace;
    use crate::trace::{RunOutcome, RunSummary};

    /// What the session sent to the stand-in worker, and the events waiting for it.
    #[derive(Default)]
    struct Wire {
        generates: Vec<(u64, GenerateRequest)>,
        loads: Vec<ModelRef>,
        cancels: usize,
        spawns: usize,
        events: VecDeque<WorkerEvent>,
        dead: bool,
    }

    /// A worker that records commands and hands out queued events.
    #[derive(Clone, Default)]
    struct FakeWorker(Arc<Mutex<Wire>>);

    impl FakeWorker {
        fn wire(&self) -> std::sync::MutexGuard<'_, Wire> {
            self.0.lock().unwrap()
        }
        fn sent_run_ids(&self) -> Vec<u64> {
            self.wire().generates.iter().map(|(id, _)| *id).collect()
        }
    }

    impl WorkerLink for FakeWorker {
        fn send(&self, command: WorkerCommand) -> bool {
            let mut wire = self.wire();
            if wire.dead {
                return false;
            }
            match command {
                WorkerCommand::Generate { run_id, request } => {
                    wire.generates.push((run_id, *request))
                }
                WorkerCommand::LoadModel { source, .. } => wire.loads.push(source),
                _ => {}
            }
            true
        }
        fn cancel(&self) {
            self.wire().cancels += 1;
        }
        fn try_recv(&self) -> Option<WorkerEvent> {
            self.wire().events.pop_front()
        }
        fn is_alive(&self) -> bool {
            !self.wire().dead
        }
    }

    /// A session on a fake worker; each (re)start revives the same wire.
    fn session() -> (Session, FakeWorker) {
        let fake = FakeWorker::default();
        let link = fake.clone();
        let spawn: WorkerSpawner = Box::new(move || {
            let mut wire = link.wire();
            wire.spawns += 1;
            wire.dead = false;
            drop(wire);
            Ok(Box::new(link.clone()) as Box<dyn WorkerLink>)
        });
        (Session::new(spawn, Playback::default()), fake)
    }

    fn request(prompt: &str) -> GenerateRequest {
        GenerateRequest::plain(prompt, 8, SamplerParams::default())
    }

    fn started(run_id: u64, trace: &Trace) -> WorkerEvent {
        WorkerEvent::RunStarted {
            run_id,
            header: Box::new(trace.header.clone()),
            tokens: trace.tokens.clone(),
        }
    }

    fn ended(run_id: u64, outcome: RunOutcome, error: Option<WorkerError>) -> WorkerEvent {
        WorkerEvent::RunEnded {
            run_id,
            summary: RunSummary {
                outcome,
                elapsed_ms: 5.0,
                tokens_per_s: 100.0,
            },
            error,
        }
    }

    /// Every event of a finished run of `trace`.
    fn whole_run(run_id: u64, trace: &Trace) -> Vec<WorkerEvent> {
        let mut events = vec![started(run_id, trace)];
        events.extend(trace.steps.iter().map(|s| WorkerEvent::Step {
            run_id,
            record: Box::new(s.clone()),
        }));
        events.push(ended(run_id, RunOutcome::Finished, None));
        events
    }

    fn model_info(id: &str) -> Box<ModelInfo> {
        Box::new(ModelInfo {
            id: id.into(),
            family: "llada".into(),
            vocab_size: 100,
            mask_token_id: 99,
            eos_token_ids: vec![1],
            max_context: 64,
            n_params: 1000,
            shape: "2 layers".into(),
            dtype: "f32".into(),
            device: "cpu".into(),
            prompt_template: "{prompt}".into(),
            recommended_decoding: None,
        })
    }

    #[test]
    fn the_session_imports_neither_egui_nor_candle() {
        let forbidden = [concat!("eg", "ui::"), concat!("can", "dle_")];
        for line in include_str!("session.rs").lines() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for word in forbidden {
                assert!(!code.contains(word), "session.rs names {word}: {line}");
            }
        }
    }

    #[test]
    fn runs_queue_behind_the_running_one_and_go_in_order() {
        let (mut s, fake) = session();
        assert!(!s.is_running());
        s.generate(request("one"));
        s.generate(request("two"));
        assert!(s.is_running());
        assert_eq!(fake.sent_run_ids(), vec![1], "the second waits");
        let trace = synthetic_trace(6, 2, 1);
        for event in whole_run(1, &trace) {
            s.handle_event(event);
        }
        assert_eq!(
            fake.sent_run_ids(),
            vec![1, 2],
            "the first ended: the next is sent"
        );
        assert_eq!(fake.wire().generates[1].1.prompt, "two");
        assert!(s.is_running());
        s.handle_event(started(2, &trace));
        s.handle_event(ended(2, RunOutcome::Finished, None));
        assert!(!s.is_running());
        assert!(s.banners().is_empty(), "{:?}", s.banners());
    }

    #[test]
    fn worker_events_grow_the_live_trace_and_the_end_closes_it() {
        let (mut s, _fake) = session();
        s.generate(request("p"));
        let trace = synthetic_trace(5, 2, 3);
        // Events of a run nobody asked for are ignored.
        for event in whole_run(42, &trace) {
            s.handle_event(event);
        }
        assert!(s.main_run().is_none());
        let mut events = whole_run(1, &trace).into_iter();
        s.handle_event(events.next().unwrap());
        let main = s.main_run().expect("the run is on the main canvas");
        assert!(main.live);
        assert_eq!(main.source, "live run");
        assert!(main.trace.steps.is_empty());
        assert!(s.main_playback().follow_live && s.main_playback().playing);
        for (i, event) in events.by_ref().take(3).enumerate() {
            s.handle_event(event);
            assert_eq!(s.main_run().unwrap().trace.steps.len(), i + 1);
        }
        assert_eq!(s.timeline(), (4, true, trace.header.planned_steps));
        for event in events {
            s.handle_event(event);
        }
        let main = s.main_run().unwrap();
        assert!(!main.live);
        assert_eq!(main.trace.steps.len(), 5);
        assert_eq!(
            main.trace.summary.as_ref().map(|x| &x.outcome),
            Some(&RunOutcome::Finished)
        );
        assert!(!s.is_running());
    }

    #[test]
    fn draining_stops_at_the_budget_and_picks_up_the_rest_later() {
        let (mut s, fake) = session();
        s.generate(request("p"));
        let trace = synthetic_trace(30, 2, 4);
        fake.wire().events.extend(whole_run(1, &trace));
        assert!(s.drain_events(Duration::ZERO), "events are left after one");
        assert!(s.main_run().is_some_and(|m| m.trace.steps.is_empty()));
        assert!(!s.drain_events(Duration::from_secs(60)));
        assert_eq!(s.main_run().unwrap().trace.steps.len(), 30);
        assert!(!s.is_running());
    }

    #[test]
    fn a_model_panic_unloads_the_model_and_offers_a_reload() {
        let (mut s, fake) = session();
        s.load_source(ModelRef::Folder("/models/tiny".into()));
        s.handle_event(WorkerEvent::ModelLoaded(model_info("/models/tiny")));
        assert!(matches!(s.model_status(), ModelStatus::Ready(_)));
        assert_eq!(s.take_loaded_folders(), vec![PathBuf::from("/models/tiny")]);
        assert!(s.take_loaded_folders().is_empty());
        s.generate(request("p"));
        s.generate(request("q"));
        let trace = synthetic_trace(4, 2, 5);
        s.handle_event(started(1, &trace));
        let error = WorkerError::ModelPanicked {
            message: "index out of bounds".into(),
        };
        let outcome = RunOutcome::Failed(error.to_string());
        s.handle_event(ended(1, outcome, Some(error)));
        assert_eq!(
            s.model_status(),
            &ModelStatus::Failed("the model crashed and was unloaded".into())
        );
        let banner = &s.banners()[0];
        assert_eq!(banner.action, Some(BannerAction::ReloadModel));
        assert!(
            banner.text.contains("index out of bounds"),
            "{}",
            banner.text
        );
        // The queue moves on: the next run is sent (and refused, having no model).
        assert_eq!(fake.sent_run_ids(), vec![1, 2]);
        s.handle_event(WorkerEvent::RunRejected {
            run_id: 2,
            error: WorkerError::NoModel,
        });
        assert!(!s.is_running());
        assert_eq!(s.banners().len(), 2);
        assert!(s.banners()[1].text.contains("Load a model first"));
        // The button reloads the model; loading it clears the offer.
        s.press_banner(0);
        assert_eq!(fake.wire().loads.len(), 2);
        assert!(matches!(s.model_status(), ModelStatus::Loading { .. }));
        s.handle_event(WorkerEvent::ModelLoaded(model_info("/models/tiny")));
        assert!(
            s.banners()
                .iter()
                .all(|b| b.action != Some(BannerAction::ReloadModel))
        );
    }

    #[test]
    fn a_failed_load_keeps_showing_and_using_the_model_the_worker_still_holds() {
        let (mut s, fake) = session();
        s.load_source(ModelRef::Folder("/models/tiny".into()));
        s.handle_event(WorkerEvent::ModelLoaded(model_info("/models/tiny")));
        s.load_source(ModelRef::Folder("/nope".into()));
        assert!(matches!(s.model_status(), ModelStatus::Loading { .. }));
        s.handle_event(WorkerEvent::LoadFailed(WorkerError::LoadFailed {
            model: "/nope".into(),
            file: Some("/nope".into()),
            reason: "model /nope does not exist".into(),
        }));
        match s.model_status() {
            ModelStatus::Ready(info) => assert_eq!(info.id, "/models/tiny"),
            other => panic!("the header shows {other:?}, not the model in use"),
        }
        assert_eq!(
            s.banners()[0].text,
            "Could not load the model: model /nope does not exist. Still using /models/tiny."
        );
        // With nothing loaded before, a failed load says so.
        let (mut fresh, _) = session();
        fresh.load_source(ModelRef::Folder("/nope".into()));
        fresh.handle_event(WorkerEvent::LoadFailed(WorkerError::LoadFailed {
            model: "/nope".into(),
            file: None,
            reason: "model /nope does not exist".into(),
        }));
        assert!(matches!(fresh.model_status(), ModelStatus::Failed(_)));
        assert_eq!(fake.wire().loads.len(), 2);
    }

    #[test]
    fn each_error_kind_has_its_own_message() {
        let (mut s, _fake) = session();
        s.load_source(ModelRef::Folder("/nope".into()));
        s.handle_event(WorkerEvent::LoadProgress {
            stage: "reading config.json".into(),
            fraction: 0.0,
        });
        assert_eq!(
            s.model_status(),
            &ModelStatus::Loading {
                source: "/nope".into(),
                stage: "reading config.json".into(),
                fraction: 0.0
            }
        );
        s.handle_event(WorkerEvent::LoadFailed(WorkerError::LoadFailed {
            model: "/nope".into(),
            file: Some("/nope".into()),
            reason: "model /nope does not exist".into(),
        }));
        assert!(matches!(s.model_status(), ModelStatus::Failed(_)));
        assert_eq!(
            s.banners()[0].text,
            "Could not load the model: model /nope does not exist"
        );
        let too_long = WorkerError::TooLong {
            len: 80,
            prompt_len: 10,
            response_len: 70,
            max: 64,
        };
        let (text, action) = error_message(&too_long);
        assert!(text.starts_with("The run could not start: the canvas is 80 tokens"));
        assert!(text.contains("shorten the prompt"), "{text}");
        assert_eq!(action, None);
        let (text, _) = error_message(&WorkerError::RunFailed {
            reason: "model forward failed: out of memory".into(),
        });
        assert_eq!(text, "The run failed: model forward failed: out of memory");
    }

    #[test]
    fn compare_entries_run_one_after_another_on_the_shared_prompt() {
        let (mut s, fake) = session();
        s.set_mode(Mode::Compare);
        assert_eq!(s.compare_mut().add_request(request("old")), "A");
        assert_eq!(s.compare_mut().add_request(request("old")), "B");
        assert_eq!(s.compare_mut().add_request(request("old")), "C");
        s.compare_run_all("shared");
        let statuses = |s: &Session| -> Vec<EntryStatus> {
            s.compare()
                .entries
                .iter()
                .map(|e| e.status.clone())
                .collect()
        };
        assert_eq!(statuses(&s), vec![EntryStatus::Queued; 3]);
        assert!(s.compare().playback.follow_live);
        assert_eq!(fake.sent_run_ids(), vec![1]);
        assert_eq!(fake.wire().generates[0].1.prompt, "shared");
        let a = synthetic_trace(4, 2, 6);
        s.handle_event(started(1, &a));
        assert_eq!(s.compare().entries[0].status, EntryStatus::Running);
        for event in whole_run(1, &a).into_iter().skip(1) {
            s.handle_event(event);
        }
        assert_eq!(s.compare().entries[0].status, EntryStatus::Done);
        assert_eq!(
            s.compare().entries[0].trace.as_ref().unwrap().steps.len(),
            4
        );
        assert!(
            s.main_run().is_none(),
            "compare runs stay off the main canvas"
        );
        // B is refused; C still runs.
        s.handle_event(WorkerEvent::RunRejected {
            run_id: 2,
            error: WorkerError::BadParams {
                reason: "steps = 0 is out of range".into(),
            },
        });
        assert_eq!(
            s.compare().entries[1].status,
            EntryStatus::Failed("steps = 0 is out of range".into())
        );
        let c = synthetic_trace(7, 2, 7);
        for event in whole_run(3, &c) {
            s.handle_event(event);
        }
        assert_eq!(
            statuses(&s),
            vec![
                EntryStatus::Done,
                EntryStatus::Failed("steps = 0 is out of range".into()),
                EntryStatus::Done
            ]
        );
        assert!(!s.is_running());
        assert_eq!(
            s.timeline(),
            (8, false, None),
            "the longest run sets the length"
        );
    }

    #[test]
    fn cancelling_stops_the_run_and_drops_the_queue() {
        let (mut s, fake) = session();
        s.compare_mut().add_request(request("x"));
        s.compare_mut().add_request(request("x"));
        s.compare_mut().add_request(request("x"));
        s.compare_run_all("p");
        let trace = synthetic_trace(10, 2, 8);
        s.handle_event(started(1, &trace));
        s.cancel();
        assert_eq!(fake.wire().cancels, 1);
        let statuses: Vec<EntryStatus> = s
            .compare()
            .entries
            .iter()
            .map(|e| e.status.clone())
            .collect();
        assert_eq!(
            statuses,
            vec![EntryStatus::Running, EntryStatus::Idle, EntryStatus::Idle]
        );
        assert!(s.is_running(), "until the worker says the run ended");
        s.handle_event(ended(1, RunOutcome::Cancelled, None));
        assert!(!s.is_running());
        assert_eq!(fake.sent_run_ids(), vec![1], "nothing queued is sent");
        assert!(s.banners().is_empty(), "a cancel is no error");
    }

    #[test]
    fn opening_a_trace_cancels_a_live_run_and_replays_from_the_start() {
        let (mut s, fake) = session();
        s.generate(request("p"));
        let live = synthetic_trace(6, 2, 9);
        s.handle_event(started(1, &live));
        s.set_mode(Mode::Compare);
        s.show_trace("saved.trace".into(), synthetic_trace(3, 2, 10));
        assert_eq!(fake.wire().cancels, 1);
        assert_eq!(s.mode(), Mode::Single);
        let main = s.main_run().unwrap();
        assert_eq!(main.source, "saved.trace");
        assert!(!main.live);
        assert_eq!(s.main_playback().frame(), 0);
        assert!(!s.main_playback().follow_live);
        // The old run's remaining events no longer touch the canvas.
        s.handle_event(WorkerEvent::Step {
            run_id: 1,
            record: Box::new(live.steps[0].clone()),
        });
        assert_eq!(s.main_run().unwrap().trace.steps.len(), 3);
    }

    #[test]
    fn a_dead_worker_is_reported_once_and_restarting_reloads_the_model() {
        let (mut s, fake) = session();
        s.load_source(ModelRef::Folder("/m".into()));
        fake.wire().dead = true;
        s.check_worker();
        s.check_worker();
        assert_eq!(s.banners().len(), 1);
        assert_eq!(s.banners()[0].action, Some(BannerAction::RestartWorker));
        s.generate(request("p"));
        assert!(!s.is_running(), "nothing can be sent");
        assert_eq!(s.banners().len(), 2);
        s.press_banner(0);
        assert_eq!(fake.wire().spawns, 2);
        assert_eq!(fake.wire().loads.len(), 2, "the model is loaded again");
        s.dismiss_banner(0);
        assert!(s.banners().is_empty());
        s.generate(request("p"));
        assert!(s.is_running());
    }

    #[test]
    fn one_step_by_hand_dissolves_and_other_moves_do_not() {
        let (mut s, _fake) = session();
        s.show_trace("t".into(), synthetic_trace(10, 2, 11));
        s.apply_playback(vec![PlaybackCommand::Seek(3)], 100.0);
        s.apply_playback(vec![PlaybackCommand::Pause], 100.0);
        assert_eq!(s.transition(100.0), 1.0);
        s.apply_playback(vec![PlaybackCommand::StepForward], 100.0);
        assert_eq!(s.main_playback().frame(), 4);
        let half = s.transition(100.0 + STEP_ANIMATION_S / 2.0);
        assert!((half - 0.5).abs() < 1e-3, "{half}");
        assert_eq!(s.transition(100.0 + STEP_ANIMATION_S * 2.0), 1.0);
        s.apply_playback(vec![PlaybackCommand::Seek(8)], 101.0);
        assert_eq!(s.transition(101.0), 1.0);
    }
}
