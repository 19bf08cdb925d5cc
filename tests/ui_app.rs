//! Behaviour tests of the desktop app, driven headlessly with egui_kittest: a live run streams
//! frames and can be scrubbed, a corrupt trace shows a readable error, compare mode shows two runs,
//! an over-long prompt is refused with a message, and Chinese renders with the bundled font.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use half::f16;
use unmask::canvas::{Canvas, CellKind, Region};
use unmask::generate::GenerateRequest;
use unmask::hub::ModelRef;
use unmask::sampler::{Commit, Order, SamplerParams};
use unmask::trace::{
    RunOutcome, RunSummary, StepRecord, TRACE_FORMAT_VERSION, TokenInfo, TokenTable, Trace,
    TraceHeader,
};
use unmask::ui::app::{AppOptions, Mode, ModelStatus, UnmaskApp};

fn tiny_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada")
}

fn harness(options: AppOptions) -> Harness<'static, UnmaskApp> {
    Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(move |cc| UnmaskApp::new(cc, options))
}

fn with_tiny_model() -> AppOptions {
    AppOptions {
        model: Some(ModelRef::Folder(tiny_model())),
        load_model: true,
        ..AppOptions::default()
    }
}

/// Step the UI (letting the worker run in between) until `done` holds.
fn step_until(h: &mut Harness<'_, UnmaskApp>, what: &str, done: impl Fn(&UnmaskApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}; banners: {:?}",
            h.state().banners()
        );
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.step();
}

fn request(steps: usize, order: Order) -> GenerateRequest {
    GenerateRequest {
        prompt: "the cat sat on the red tree".into(),
        template: "{12}".into(),
        params: SamplerParams {
            steps,
            order,
            ..SamplerParams::default()
        },
        raw_prompt: false,
    }
}

/// The text of a node: its label, else its value (egui labels carry their text as the value).
fn text_of(node: &egui_kittest::Node<'_>) -> String {
    let ak = node.accesskit_node();
    ak.label().or_else(|| ak.value()).unwrap_or_default()
}

fn canvas_label(h: &Harness<'_, UnmaskApp>) -> String {
    text_of(&h.get_by_label_contains("Canvas at step"))
}

/// Whether some node reads exactly `text` (the counter and the status line may both show it).
fn shows(h: &Harness<'_, UnmaskApp>, text: &str) -> bool {
    h.query_all_by_label(text).next().is_some()
}

#[test]
fn generate_streams_frames_and_scrubbing_changes_the_step() {
    let mut h = harness(with_tiny_model());
    step_until(&mut h, "the model", |a| {
        matches!(a.model_status(), ModelStatus::Ready(_))
    });
    h.state_mut().generate(request(6, Order::Free));
    step_until(&mut h, "the first frame", |a| {
        a.main_trace().is_some_and(|t| !t.steps.is_empty())
    });
    step_until(&mut h, "the run to end", |a| !a.is_running());
    let trace = h.state().main_trace().expect("a run");
    assert_eq!(trace.steps.len(), 6);
    assert_eq!(trace.masks_left(), 0);
    assert!(matches!(
        trace.summary.as_ref().map(|s| &s.outcome),
        Some(RunOutcome::Finished)
    ));

    // Home: every response cell is a mask again.
    h.key_press(Key::Home);
    h.run_steps(3);
    assert_eq!(h.state().main_frame(), 0);
    assert!(shows(&h, "step 0 / 6"));
    let at_start = canvas_label(&h);
    assert!(at_start.starts_with("Canvas at step 0 of 6"), "{at_start}");
    assert_eq!(at_start.matches('▒').count(), 12, "{at_start}");

    // → and the Next button: one step each, the canvas changes.
    h.key_press(Key::ArrowRight);
    h.run_steps(3);
    h.get_by_label("Next ▶").click();
    h.run_steps(3);
    assert_eq!(h.state().main_frame(), 2);
    assert!(shows(&h, "step 2 / 6"));
    let at_two = canvas_label(&h);
    assert!(at_two.starts_with("Canvas at step 2 of 6"), "{at_two}");
    assert_eq!(at_two.matches('▒').count(), 8, "two steps commit 4 of 12");

    // End: no masks left.
    h.key_press(Key::End);
    h.run_steps(3);
    assert!(shows(&h, "step 6 / 6"));
    assert_eq!(canvas_label(&h).matches('▒').count(), 0);

    // Paused and idle: the UI stops asking for frames (no busy repaint loop).
    assert!(h.try_run().is_ok(), "the paused app keeps repainting");
}

#[test]
fn clicking_generate_runs_the_controls_request_and_frames_arrive() {
    let mut h = harness(with_tiny_model());
    step_until(&mut h, "the model", |a| {
        matches!(a.model_status(), ModelStatus::Ready(_))
    });
    // A prompt and template that fit the tiny model's 64-token context (the default arithmetic
    // template has 60 masks).
    let prompt = "the cat sat on the red tree";
    let template = "the {reasoning:8} so the answer is {answer:4}";
    {
        let controls = &mut h.state_mut().settings_mut().controls;
        controls.prompt = prompt.into();
        controls.template = template.into();
    }
    h.run_steps(2);
    h.get_by_label("LLaDA (1 token/step)").click();
    h.run_steps(2);
    assert!(
        h.state().main_trace().is_none(),
        "nothing runs before the click"
    );
    assert!(!h.state().is_running());

    h.get_by_label("Generate").click();
    h.step();
    assert!(h.state().is_running(), "the click started a run");
    step_until(&mut h, "the first frame", |a| {
        a.main_trace().is_some_and(|t| !t.steps.is_empty())
    });
    step_until(&mut h, "the run to end", |a| !a.is_running());
    // Following live, playback catches up with the last frame.
    step_until(&mut h, "the last frame", |a| a.main_frame() == 12);

    let trace = h.state().main_trace().expect("a run");
    assert_eq!(trace.header.prompt, prompt);
    assert_eq!(trace.header.template, template);
    assert_eq!(trace.initial_masks(), 12);
    assert_eq!(
        trace.steps.len(),
        12,
        "one token per step, as the preset says"
    );
    assert!(trace.steps.iter().all(|s| s.commits.len() == 1));
    assert_eq!(trace.masks_left(), 0);
    let label = canvas_label(&h);
    assert!(label.starts_with("Canvas at step 12 of 12"), "{label}");
    assert_eq!(label.matches('▒').count(), 0, "{label}");
    assert!(
        h.query_by_label("Generate").is_some(),
        "Cancel turned back into Generate"
    );
}

/// A file dropped onto the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_corrupt_trace_dropped_on_the_window_shows_the_error_and_the_app_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.trace");
    std::fs::write(&bad, b"this is not a trace at all").unwrap();
    let mut h = harness(AppOptions::default());
    h.input_mut().dropped_files.push(Arc::new(Dropped(bad)));
    step_until(&mut h, "the error banner", |a| !a.banners().is_empty());
    let banner = h.get_by_label_contains("Could not open the trace");
    let text = text_of(&banner);
    assert!(text.contains("broken.trace"), "{text}");
    assert!(text.contains("is not an Unmask trace file"), "{text}");

    // Dismiss it, then replay a good trace: no model needed.
    h.get_by_label("×").click();
    h.run_steps(2);
    assert!(h.state().banners().is_empty());
    let good = dir.path().join("good.trace");
    unmask::trace::synthetic::synthetic_trace(20, 3, 5)
        .save(&good)
        .unwrap();
    h.state_mut().open_path(good);
    step_until(&mut h, "the replay", |a| a.main_trace().is_some());
    assert_eq!(h.state().main_trace().unwrap().steps.len(), 20);
    assert!(h.query_by_label_contains("Canvas at step").is_some());
}

#[test]
fn compare_mode_runs_two_configurations_and_shows_both() {
    let mut h = harness(with_tiny_model());
    step_until(&mut h, "the model", |a| {
        matches!(a.model_status(), ModelStatus::Ready(_))
    });
    let app = h.state_mut();
    app.set_mode(Mode::Compare);
    assert_eq!(app.compare_add(request(6, Order::Free)), "A");
    assert_eq!(app.compare_add(request(12, Order::LeftToRight)), "B");
    app.compare_run_all();
    step_until(&mut h, "both runs", |a| {
        !a.is_running() && a.compare().entries.iter().all(|e| e.trace.is_some())
    });
    let steps: Vec<usize> = h
        .state()
        .compare()
        .entries
        .iter()
        .map(|e| e.trace.as_ref().unwrap().steps.len())
        .collect();
    assert_eq!(steps, vec![6, 12]);
    h.run_steps(3);
    assert!(h.query_by_label_contains("A · 6 steps · ").is_some());
    assert!(h.query_by_label_contains("B · 12 steps · ").is_some());
    assert!(
        h.query_all_by_label_contains("low-confidence · left-to-right")
            .next()
            .is_some()
    );
    // One synced timeline: the longer run sets its length.
    h.key_press(Key::End);
    h.run_steps(3);
    assert!(shows(&h, "step 12 / 12"));
    assert_eq!(h.get_all_by_label_contains("Canvas at step").count(), 2);
}

#[test]
fn an_over_long_prompt_is_refused_with_a_readable_message() {
    let mut h = harness(with_tiny_model());
    step_until(&mut h, "the model", |a| {
        matches!(a.model_status(), ModelStatus::Ready(_))
    });
    let mut long = request(4, Order::Free);
    long.template = "{200}".into();
    h.state_mut().generate(long);
    step_until(&mut h, "the refusal", |a| !a.banners().is_empty());
    let text = h.state().banners()[0].text.clone();
    assert!(text.contains("context is 64 tokens"), "{text}");
    assert!(h.query_by_label_contains("shorten the prompt").is_some());
    // Still usable: a good run works afterwards.
    h.state_mut().generate(request(3, Order::Free));
    step_until(&mut h, "a run", |a| {
        !a.is_running() && a.main_trace().is_some_and(|t| t.steps.len() == 3)
    });
}

#[test]
fn a_missing_model_folder_shows_an_error_and_replay_still_works() {
    let mut h = harness(AppOptions {
        model: Some(ModelRef::Folder(PathBuf::from("/nonexistent/model"))),
        load_model: true,
        ..AppOptions::default()
    });
    step_until(&mut h, "the load error", |a| {
        matches!(a.model_status(), ModelStatus::Failed(_))
    });
    assert!(
        h.query_by_label_contains("Could not load the model")
            .is_some()
    );
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("run.trace");
    unmask::trace::synthetic::synthetic_trace(8, 2, 1)
        .save(&good)
        .unwrap();
    h.state_mut().open_path(good);
    step_until(&mut h, "the replay", |a| a.main_trace().is_some());
}

#[test]
fn opening_a_gguf_file_loads_it_as_a_model() {
    let tmp = tempfile::tempdir().unwrap();
    let gguf = tmp.path().join("tiny.gguf");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada");
    unmask::model::gguf::quantize_folder(
        &fixture,
        &gguf,
        unmask::model::gguf::QuantType::Q8_0,
        &mut |_, _, _| {},
    )
    .unwrap();
    let mut h = harness(AppOptions::default());
    h.run_steps(2);
    h.state_mut().open_path(gguf.clone());
    step_until(&mut h, "the GGUF model", |a| {
        matches!(a.model_status(), ModelStatus::Ready(_))
    });
    let ModelStatus::Ready(info) = h.state().model_status() else {
        unreachable!()
    };
    assert_eq!(Path::new(&info.id), gguf.as_path());
    assert_eq!(info.dtype, "q8_0");
    assert!(h.state().main_trace().is_none(), "not read as a trace");
}

#[test]
fn the_model_picker_lists_the_presets_and_loads_the_embedded_model() {
    use unmask::ui::model_picker::{PRESETS, load_button_label};
    let mut h = harness(AppOptions::default());
    h.run_steps(2);
    assert_eq!(h.state().model_status(), &ModelStatus::None);
    h.get_by_label("Models…").click();
    h.run_steps(3);
    for preset in &PRESETS {
        assert!(
            h.query_by_label(preset.name).is_some(),
            "{} is not listed",
            preset.name
        );
        if let Some(repo) = preset.repo {
            assert!(h.query_by_label(repo).is_some(), "{repo} is not shown");
        }
        assert!(
            h.query_all_by_label(&preset.summary()).next().is_some(),
            "{}: size and hardware are not shown",
            preset.name
        );
    }
    assert!(
        h.query_all_by_label(
            "8B · ≈16 GB bf16 · GPU with 16 GB; CPU: 32 GB RAM (f32), 16 GB as q4_k GGUF (slow)",
        )
        .next()
        .is_some()
    );
    assert!(h.query_by_label("Open GGUF file…").is_some());
    assert!(h.query_by_label("Open model folder…").is_some());
    h.get_by_label(&load_button_label(&PRESETS[0])).click();
    step_until(&mut h, "the embedded model", |a| {
        matches!(a.model_status(), ModelStatus::Ready(_))
    });
    let ModelStatus::Ready(info) = h.state().model_status() else {
        unreachable!()
    };
    let embedded = unmask::model::default_model_dir().unwrap();
    assert_eq!(Path::new(&info.id), embedded.as_path());
    assert!(h.state().banners().is_empty(), "{:?}", h.state().banners());
}

/// A finished trace whose response is "中文" split over three byte-level tokens.
fn chinese_trace() -> Trace {
    const MASK: u32 = 99;
    let canvas = Canvas {
        tokens: vec![1, MASK, MASK, MASK],
        kinds: vec![
            CellKind::Prompt,
            CellKind::Masked { region: 0 },
            CellKind::Masked { region: 0 },
            CellKind::Masked { region: 0 },
        ],
        prompt_len: 1,
        regions: vec![Region {
            name: String::new(),
            positions: vec![1, 2, 3],
        }],
        mask_id: MASK,
    };
    let header = TraceHeader {
        format_version: TRACE_FORMAT_VERSION,
        unmask_version: "test".into(),
        model_id: "test".into(),
        model_family: "llada".into(),
        prompt: "用中文回答".into(),
        template: "{3}".into(),
        canvas,
        params: SamplerParams::default(),
        planned_steps: Some(1),
        eos_token_ids: vec![],
        created_unix_s: 0,
    };
    let info = |bytes: &[u8]| TokenInfo {
        text: String::from_utf8_lossy(bytes).into_owned(),
        bytes: bytes.to_vec(),
        special: false,
    };
    let mut tokens = TokenTable::new();
    tokens.insert(1, info("问".as_bytes()));
    // 中 = E4 B8 AD, 文 = E6 96 87: split as [E4 B8] [AD E6] [96 87].
    tokens.insert(10, info(&[0xE4, 0xB8]));
    tokens.insert(11, info(&[0xAD, 0xE6]));
    tokens.insert(12, info(&[0x96, 0x87]));
    let mut t = Trace::new(header, tokens);
    let commits = (0..3)
        .map(|i| Commit {
            pos: 1 + i,
            token: 10 + i,
            confidence: 0.9,
        })
        .collect();
    t.push_step(StepRecord {
        commits,
        guess_pos: vec![1, 2, 3],
        guess_tokens: vec![10, 11, 12],
        guess_probs: vec![f16::from_f32(0.9); 3],
        top_k: 1,
        forward_ms: 1.0,
        sampling_ms: 0.1,
        new_tokens: vec![],
    })
    .unwrap();
    t.finish(RunSummary {
        outcome: RunOutcome::Finished,
        elapsed_ms: 1.1,
        tokens_per_s: 2700.0,
    });
    t
}

#[test]
fn chinese_renders_with_the_bundled_fallback_font() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zh.trace");
    chinese_trace().save(&path).unwrap();
    // No system font: the bundled subset must supply every glyph (kittest panics on a missing one).
    let mut h = harness(AppOptions {
        traces: vec![path],
        cjk_font_candidates: Some(vec![]),
        ..AppOptions::default()
    });
    assert_eq!(*h.state().cjk_font(), unmask::view::fonts::CjkFont::Bundled);
    h.key_press(Key::End);
    h.run_steps(3);
    assert!(h.query_by_label("用中文回答").is_some(), "the prompt line");
    let label = canvas_label(&h);
    assert!(label.ends_with("中文"), "{label}");
}

#[test]
fn presenter_controls_zoom_theme_and_speed_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace");
    unmask::trace::synthetic::synthetic_trace(30, 3, 2)
        .save(&path)
        .unwrap();
    let mut h = harness(AppOptions {
        traces: vec![path],
        ..AppOptions::default()
    });
    h.run_steps(2);
    let zoom = h.ctx.zoom_factor();
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Plus);
    h.run_steps(2);
    assert!(h.ctx.zoom_factor() > zoom, "Ctrl + zooms in");
    assert!(
        (h.state().settings().zoom - h.ctx.zoom_factor()).abs() < 1e-6,
        "zoom is persisted"
    );

    assert!(h.state().settings().dark);
    h.get_by_label("Light theme").click();
    h.run_steps(2);
    assert!(!h.state().settings().dark);
    assert!(h.query_by_label("Dark theme").is_some());

    h.key_press(Key::CloseBracket);
    h.key_press(Key::CloseBracket);
    h.run_steps(2);
    assert_eq!(h.state().settings().speed, 2.0, "1× → 1.5× → 2×");
    h.key_press(Key::OpenBracket);
    h.run_steps(2);
    assert_eq!(h.state().settings().speed, 1.5);
}

#[test]
fn the_open_path_field_in_the_file_menu_can_be_clicked_typed_in_and_opens_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.trace");
    unmask::trace::synthetic::synthetic_trace(8, 2, 3)
        .save(&path)
        .unwrap();
    let mut h = harness(AppOptions::default());
    h.run();
    h.get_by_label("File").click();
    h.run();
    // Clicking the field used to close the menu before anything could be typed.
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    field.click();
    h.run();
    assert!(
        h.query_by_label("Recent traces").is_some(),
        "the File menu closed when its path field was clicked"
    );
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(path.to_str().unwrap());
    h.run();
    h.key_press(Key::Enter);
    h.step();
    step_until(&mut h, "the typed trace to open", |a| {
        a.main_trace().is_some()
    });
    assert!(
        h.query_by_label("Recent traces").is_none(),
        "opening the path closes the menu"
    );
}

/// Click the in-app dialog's button `label` (the dialog is the only window with it).
fn click_in_dialog(h: &mut Harness<'_, UnmaskApp>, what: &str, label: &str) {
    let start = Instant::now();
    while h.query_by_label(label).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no in-app dialog with {label:?} for {what}"
        );
        h.step();
    }
    h.get_by_label(label).click();
    h.step();
    h.step();
}

#[test]
fn without_a_desktop_dialog_save_export_and_open_go_through_the_in_app_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let first = unmask::trace::synthetic::synthetic_trace(8, 2, 1);
    let start_trace = dir.path().join("start.trace");
    first.save(&start_trace).unwrap();
    let other = dir.path().join("other.trace");
    unmask::trace::synthetic::synthetic_trace(12, 2, 2)
        .save(&other)
        .unwrap();
    let mut h = harness(AppOptions {
        traces: vec![start_trace],
        file_dialog: Some(unmask::ui::file_dialog::DialogChoice::InApp),
        files_dir: Some(dir.path().to_path_buf()),
        ..AppOptions::default()
    });
    step_until(&mut h, "the start trace", |a| a.main_trace().is_some());

    // Save the trace: the dialog offers the suggested name in the start folder.
    h.get_by_label("File").click();
    h.run_steps(3);
    h.get_by_label("Save trace…").click();
    h.run_steps(3);
    click_in_dialog(&mut h, "saving the trace", "Save");
    let saved = dir
        .path()
        .join(unmask::ui::files::suggested_trace_name(&first));
    step_until(&mut h, "the saved trace", |_| saved.exists());
    assert_eq!(
        unmask::trace::Trace::load(&saved).unwrap().steps.len(),
        first.steps.len()
    );

    // Export a GIF the same way.
    h.get_by_label("Export").click();
    h.run_steps(3);
    h.get_by_label("Current run as GIF…").click();
    h.run_steps(3);
    click_in_dialog(&mut h, "exporting a GIF", "Save");
    let gif = saved.with_extension("gif");
    step_until(&mut h, "the exported GIF", |_| {
        std::fs::metadata(&gif).is_ok_and(|m| m.len() > 0)
    });
    step_until(&mut h, "the export to finish", |a| !a.exports_busy());
    assert_eq!(&std::fs::read(&gif).unwrap()[..6], b"GIF89a");

    // Open another trace: pick it in the list, then Open.
    h.get_by_label("File").click();
    h.run_steps(3);
    h.get_by_label("Open trace…").click();
    h.run_steps(3);
    click_in_dialog(&mut h, "choosing the trace", "🗋 other.trace");
    click_in_dialog(&mut h, "opening the trace", "Open");
    step_until(&mut h, "the other trace", |a| {
        a.main_trace()
            .is_some_and(|t| t.header.canvas.tokens.len() == 12)
    });
}

#[test]
fn a_lesson_runs_its_configurations_side_by_side_with_what_to_look_for() {
    // The embedded model: the arithmetic lessons are its own.
    let mut h = harness(AppOptions {
        load_model: true,
        ..AppOptions::default()
    });
    step_until(&mut h, "the embedded model", |a| {
        matches!(a.model_status(), ModelStatus::Ready(_))
    });
    h.get_by_label("Lessons").click();
    h.run_steps(3);
    h.get_by_label("Answer first or reasoning first?").click();
    h.run_steps(3);
    assert_eq!(h.state().session().mode(), Mode::Compare);
    step_until(&mut h, "both lesson runs", |a| {
        a.compare().entries.len() == 2
            && a.compare()
                .entries
                .iter()
                .all(|e| e.status == unmask::ui::compare::EntryStatus::Done)
    });
    assert!(
        h.query_by_label_contains("Lesson: Answer first or reasoning first?")
            .is_some()
    );
    let entries = &h.state().compare().entries;
    assert!(entries[0].description.starts_with("Reasoning first"));
    assert!(entries[1].description.starts_with("Answer first"));
    let answers: Vec<Option<u32>> = entries
        .iter()
        .map(|e| unmask::eval::answer_of(e.trace.as_ref().unwrap()))
        .collect();
    assert_eq!(answers[0], Some(113), "reasoning first is right");
    assert_ne!(answers[1], Some(113), "answer first is wrong");
    // The controls hold the lesson's prompt, so "Run all" runs it again.
    assert!(
        h.query_all_by_role(egui::accesskit::Role::MultilineTextInput)
            .chain(h.query_all_by_role(egui::accesskit::Role::TextInput))
            .any(|n| n
                .accesskit_node()
                .value()
                .is_some_and(|v| v == unmask::lessons::CONTRAST_PROMPT)),
        "the prompt field holds the lesson's prompt"
    );
}

#[test]
fn presenter_mode_hides_the_controls_keeps_keyboard_playback_and_esc_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace");
    unmask::trace::synthetic::synthetic_trace(24, 2, 5)
        .save(&path)
        .unwrap();
    let mut h = harness(AppOptions {
        traces: vec![path],
        ..AppOptions::default()
    });
    step_until(&mut h, "the trace", |a| a.main_trace().is_some());
    h.key_press(Key::Home);
    h.run_steps(3);
    assert!(h.query_by_label("Generate").is_some());
    h.key_press(Key::F5);
    h.run_steps(3);
    assert!(h.state().presenting());
    assert!(h.query_by_label("Generate").is_none(), "controls hidden");
    assert!(h.query_by_label("File").is_none(), "menu bar hidden");
    assert!(shows(&h, "step 0 / 24"), "the big counter");
    h.key_press(Key::ArrowRight);
    h.run_steps(3);
    assert_eq!(h.state().main_frame(), 1, "→ steps in presenter mode");
    assert!(shows(&h, "step 1 / 24"));
    h.key_press(Key::Escape);
    h.run_steps(3);
    assert!(!h.state().presenting());
    assert!(h.query_by_label("Generate").is_some());
}

#[test]
fn at_high_zoom_generate_stays_in_view_above_the_plots() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace");
    unmask::trace::synthetic::synthetic_trace(24, 2, 5)
        .save(&path)
        .unwrap();
    for zoom in [1.2, 1.5, 2.0] {
        let mut h = harness(AppOptions {
            traces: vec![path.clone()],
            ..AppOptions::default()
        });
        step_until(&mut h, "the trace", |a| a.main_trace().is_some());
        h.ctx.set_zoom_factor(zoom);
        h.run_steps(4);
        let screen = h.ctx.content_rect();
        let generate = h.get_by_label("Generate").rect();
        assert!(
            screen.contains_rect(generate),
            "zoom {zoom}: Generate at {generate:?} is outside {screen:?}"
        );
        let plots = h.get_by_label_contains("Masks remaining").rect();
        assert!(
            generate.max.y <= plots.min.y + 1.0,
            "zoom {zoom}: Generate {generate:?} hidden behind the plots {plots:?}"
        );
    }
}

#[test]
fn a_loaded_trace_shows_its_settings_and_can_hand_them_to_the_controls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace");
    let mut trace = unmask::trace::synthetic::synthetic_trace(24, 2, 5);
    trace.header.prompt = "An unusual prompt to take over".into();
    trace.header.template = "Q: {answer:24}".into();
    trace.header.params.threshold = Some(0.75);
    trace.save(&path).unwrap();
    let mut h = harness(AppOptions {
        traces: vec![path],
        ..AppOptions::default()
    });
    step_until(&mut h, "the trace", |a| a.main_trace().is_some());
    assert!(
        h.query_by_label_contains("threshold 0.75").is_some(),
        "its settings are shown"
    );
    let field_holds = |h: &Harness<'_, UnmaskApp>, text: &str| {
        h.query_all_by_role(egui::accesskit::Role::MultilineTextInput)
            .chain(h.query_all_by_role(egui::accesskit::Role::TextInput))
            .any(|n| n.accesskit_node().value().is_some_and(|v| v == text))
    };
    assert!(!field_holds(&h, "An unusual prompt to take over"));
    h.get_by_label("Use these settings").click();
    h.run_steps(3);
    assert!(field_holds(&h, "An unusual prompt to take over"));
    assert!(field_holds(&h, "Q: {answer:24}"));
}
