//! Behaviour of the controls, plots and legend panels, driven through egui_kittest.

use egui::{Event, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use unmask::sampler::presets::{ANSWER_FIRST_TEMPLATE, REASONING_FIRST_TEMPLATE};
use unmask::sampler::{CountRule, Order, Preset, Remasking, Schedule, ScheduleKind};
use unmask::trace::Trace;
use unmask::trace::synthetic::synthetic_trace;
use unmask::ui::controls::{ControlsAction, ControlsState, controls_ui, generate_button_ui};
use unmask::ui::plots::{PlotRun, plots_ui};
use unmask::view::legend::legend_ui;
use unmask::view::palette::{ColorMode, Palette};
use unmask::view::timeline::{PlotAxis, frame_at_x};

/// What the controls harness keeps between frames.
struct Panel {
    state: ControlsState,
    running: bool,
    actions: Vec<ControlsAction>,
}

fn controls_harness(state: ControlsState, running: bool) -> Harness<'static, Panel> {
    Harness::builder()
        .with_size(Vec2::new(520.0, 1100.0))
        .build_ui_state(
            |ui, p: &mut Panel| {
                controls_ui(ui, &mut p.state);
                let action = generate_button_ui(ui, &p.state, p.running);
                if action != ControlsAction::None {
                    p.actions.push(action);
                }
            },
            Panel {
                state,
                running,
                actions: Vec::new(),
            },
        )
}

/// Settings unlike any preset, so that a preset has to set each thing it claims.
fn scrambled() -> ControlsState {
    ControlsState {
        template: "{x:5} tail {y:3}".into(),
        count_rule: CountRule::Factor,
        factor: 2.5,
        steps_one_per_mask: false,
        steps: 3,
        schedule: ScheduleKind::Timestep,
        eps: 0.2,
        block_length: 4,
        remasking: Remasking::Random,
        temperature: 0.7,
        top_p: 0.5,
        top_k: 7,
        alg_temp: 0.3,
        order: "regions:y,x".into(),
        ..ControlsState::default()
    }
}

fn click_preset(name: &str, start: ControlsState) -> ControlsState {
    let mut h = controls_harness(start, false);
    h.run();
    h.get_by_label(name).click();
    h.run();
    assert!(
        h.state().actions.is_empty(),
        "a preset is not a Generate click"
    );
    h.into_state().state
}

#[test]
fn every_preset_button_exists() {
    let mut h = controls_harness(ControlsState::default(), false);
    h.run();
    for preset in Preset::ALL {
        h.get_by_label(preset.label());
    }
}

#[test]
fn llada_preset_decodes_one_token_per_step() {
    let s = click_preset("LLaDA (1 token/step)", scrambled());
    let p = s.request().unwrap().params;
    assert_eq!((p.threshold, p.factor), (None, None));
    assert_eq!(p.steps, 8, "one step per mask of the 8-mask template");
    assert_eq!(p.schedule, Schedule::Quota);
    assert_eq!(p.remasking, Remasking::LowConfidence);
    assert_eq!(p.order, Order::Free);
    assert_eq!(p.block_length, None);
    assert_eq!(p.temperature, 0.0);
    assert_eq!((p.top_p, p.top_k, p.alg_temp), (None, None, None));
    assert_eq!(
        s.template, "{x:5} tail {y:3}",
        "a decoding preset keeps the template"
    );
}

#[test]
fn fast_dllm_preset_sets_threshold_09() {
    let s = click_preset("Fast-dLLM threshold 0.9", scrambled());
    let p = s.request().unwrap().params;
    assert_eq!(p.threshold, Some(0.9));
    assert_eq!(p.factor, None);
    assert_eq!(p.remasking, Remasking::LowConfidence);
    assert_eq!(p.order, Order::Free);
    assert_eq!(p.block_length, None);
    assert_eq!(p.temperature, 0.0);
    assert_eq!((p.top_p, p.top_k, p.alg_temp), (None, None, None));
}

#[test]
fn dream_preset_uses_timestep_schedule_and_entropy() {
    let s = click_preset("Dream entropy", scrambled());
    let p = s.request().unwrap().params;
    assert_eq!((p.threshold, p.factor), (None, None));
    assert_eq!(p.schedule, Schedule::Timestep { eps: 1e-3 });
    assert_eq!(p.remasking, Remasking::Entropy);
    assert_eq!(p.steps, 8);
    assert_eq!(p.temperature, 0.2);
    assert_eq!(p.top_p, Some(0.95));
    assert_eq!((p.top_k, p.alg_temp), (None, None));
    assert_eq!(p.order, Order::Free);
}

#[test]
fn left_to_right_preset_always_takes_the_leftmost_mask() {
    let s = click_preset("Left-to-right (AR-like)", scrambled());
    let p = s.request().unwrap().params;
    assert_eq!(p.order, Order::LeftToRight);
    assert_eq!((p.threshold, p.factor), (None, None));
    assert_eq!(p.steps, 8);
    assert_eq!(p.schedule, Schedule::Quota);
    assert_eq!(p.temperature, 0.0);
}

#[test]
fn answer_first_and_reasoning_first_set_template_and_region_order() {
    let mut start = scrambled();
    start.use_template = false;
    let s = click_preset("Answer first", start);
    let req = s.request().unwrap();
    assert_eq!(req.template, ANSWER_FIRST_TEMPLATE);
    assert_eq!(req.template, "Answer: {answer:4}\n{reasoning:56}");
    assert_eq!(
        req.params.order,
        Order::Regions(vec!["answer".into(), "reasoning".into()])
    );
    // Decoding is left as it was.
    assert_eq!(req.params.factor, Some(2.5));

    let s = click_preset("Reasoning first", scrambled());
    let req = s.request().unwrap();
    assert_eq!(req.template, REASONING_FIRST_TEMPLATE);
    assert_eq!(req.template, "{reasoning:56}\nAnswer: {answer:4}");
    assert_eq!(
        req.params.order,
        Order::Regions(vec!["reasoning".into(), "answer".into()])
    );
}

#[test]
fn generate_then_cancel() {
    let mut h = controls_harness(ControlsState::default(), false);
    h.run();
    assert!(h.query_by_label("Cancel").is_none());
    h.get_by_label("Generate").click();
    h.run();
    assert_eq!(h.state().actions, [ControlsAction::Generate]);

    h.state_mut().running = true;
    h.run();
    assert!(
        h.query_by_label("Generate").is_none(),
        "Generate becomes Cancel"
    );
    h.get_by_label("Cancel").click();
    h.run();
    assert_eq!(
        h.state().actions,
        [ControlsAction::Generate, ControlsAction::Cancel]
    );
}

#[test]
fn invalid_template_shows_an_error_and_cannot_generate() {
    let state = ControlsState {
        template: "Answer: {answer:4".into(),
        ..ControlsState::default()
    };
    let err = state.request().unwrap_err();
    assert!(err.starts_with("template"), "{err}");
    assert!(err.contains("closing '}'"), "{err}");

    let mut h = controls_harness(state, false);
    h.run();
    // The reason is shown once, under the template box, and the button is disabled.
    h.get_by_label_contains("template error at character 8");
    assert!(h.query_by_label_contains("Cannot generate").is_none());
    h.get_by_label("Generate").click();
    h.run();
    assert!(
        h.state().actions.is_empty(),
        "a disabled Generate does nothing"
    );

    // Fixing the template clears the error and shows its regions.
    h.state_mut().state.template = "Answer: {answer:4}".into();
    h.run();
    assert!(h.query_by_label_contains("Cannot generate").is_none());
    h.get_by_label_contains("regions: answer 4");
    h.get_by_label("Generate").click();
    h.run();
    assert_eq!(h.state().actions, [ControlsAction::Generate]);
}

#[test]
fn unknown_region_in_the_order_is_reported() {
    let state = ControlsState {
        order: "regions:answer,summary".into(),
        ..ControlsState::default()
    };
    let err = state.request().unwrap_err();
    assert!(err.contains("\"summary\""), "{err}");
    assert!(err.contains("reasoning, answer"), "{err}");
    let mut h = controls_harness(state, false);
    h.run();
    h.get_by_label_contains("Cannot generate: order names region");
}

#[test]
fn length_only_mode_makes_a_plain_span() {
    let mut h = controls_harness(ControlsState::default(), false);
    h.run();
    h.get_by_label("length only").click();
    h.run();
    let req = h.state().state.request().unwrap();
    assert_eq!(req.template, "{64}");
}

/// What the plots harness keeps between frames.
struct PlotsPanel {
    trace: Trace,
    frame: usize,
    axis: PlotAxis,
    scrubs: Vec<f64>,
}

fn plots_harness(axis: PlotAxis) -> Harness<'static, PlotsPanel> {
    let trace = synthetic_trace(64, 3, 11);
    Harness::builder()
        .with_size(Vec2::new(640.0, 900.0))
        .build_ui_state(
            |ui, p: &mut PlotsPanel| {
                let run = PlotRun {
                    label: "run",
                    trace: &p.trace,
                    color: egui::Color32::LIGHT_BLUE,
                    frame: p.frame,
                };
                if let Some(x) = plots_ui(ui, &[run], p.axis) {
                    p.scrubs.push(x);
                    p.frame = frame_at_x(&p.trace, x, p.axis);
                }
            },
            PlotsPanel {
                trace,
                frame: 0,
                axis,
                scrubs: Vec::new(),
            },
        )
}

fn click_at(h: &mut Harness<'_, PlotsPanel>, pos: Pos2) {
    h.event(Event::PointerMoved(pos));
    h.event(Event::PointerButton {
        pos,
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.step();
    h.event(Event::PointerButton {
        pos,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.step();
    h.event(Event::PointerGone);
    h.step();
}

#[test]
fn clicking_a_plot_scrubs_and_the_readout_follows() {
    let mut h = plots_harness(PlotAxis::Step);
    h.run();
    h.get_by_label("0 / 64");
    // Two columns of plots beside the "At the cursor" table at this width; the first plot spans
    // about x = 40..210 near the top.
    click_at(&mut h, Pos2::new(70.0, 90.0));
    let left = h.state().frame;
    assert!(!h.state().scrubs.is_empty(), "a click on a plot scrubs");
    click_at(&mut h, Pos2::new(190.0, 90.0));
    let right = h.state().frame;
    assert!(
        left > 0 && right > left && right <= 64,
        "{left} then {right}"
    );
    for x in &h.state().scrubs {
        assert_eq!(x.fract(), 0.0, "the step axis scrubs to whole steps");
    }
    h.run();
    h.get_by_label(&format!("{right} / 64"));
}

#[test]
fn progress_axis_scrubs_to_a_fraction() {
    let mut h = plots_harness(PlotAxis::Progress);
    h.run();
    click_at(&mut h, Pos2::new(125.0, 90.0));
    let scrubs = &h.state().scrubs;
    assert!(!scrubs.is_empty());
    assert!(scrubs.iter().all(|x| (0.0..=1.0).contains(x)), "{scrubs:?}");
    assert!(scrubs.iter().any(|x| *x > 0.2 && *x < 0.8), "{scrubs:?}");
}

#[test]
fn plots_overlay_several_runs_with_a_legend() {
    let a = synthetic_trace(40, 2, 1);
    let b = synthetic_trace(20, 2, 2);
    let mut h = Harness::builder()
        .with_size(Vec2::new(1400.0, 700.0))
        .build_ui(|ui| {
            let runs = [
                PlotRun {
                    label: "LLaDA run",
                    trace: &a,
                    color: egui::Color32::LIGHT_BLUE,
                    frame: 10,
                },
                PlotRun {
                    label: "Fast-dLLM run",
                    trace: &b,
                    color: egui::Color32::ORANGE,
                    frame: 20,
                },
            ];
            plots_ui(ui, &runs, PlotAxis::Progress);
        });
    h.run();
    assert!(
        h.get_all_by_label("LLaDA run").count() >= 2,
        "legend + readout"
    );
    assert!(h.get_all_by_label("Fast-dLLM run").count() >= 2);
    h.get_by_label("10 / 40");
    h.get_by_label("20 / 20");
}

#[test]
fn the_cursor_table_stays_visible_beside_short_plots() {
    // A panel as short as the app's plots panel on a small window, scrolling like the app's.
    let trace = synthetic_trace(64, 3, 11);
    let mut h = Harness::builder()
        .with_size(Vec2::new(1400.0, 190.0))
        .build_ui(move |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let run = PlotRun {
                        label: "run",
                        trace: &trace,
                        color: egui::Color32::LIGHT_BLUE,
                        frame: 9,
                    };
                    plots_ui(ui, &[run], PlotAxis::Step);
                });
        });
    h.run();
    let screen = egui::Rect::from_min_size(Pos2::ZERO, Vec2::new(1400.0, 190.0));
    let title = h.get_by_label("At the cursor").rect();
    for label in ["9 / 64", "masks left", "ms/step"] {
        let rect = h.get_by_label(label).rect();
        assert!(
            screen.contains_rect(rect),
            "{label} at {rect:?} is off screen"
        );
        assert!(
            rect.left() > 1000.0,
            "{label} at {rect:?} is not beside the plots"
        );
    }
    // Every plot fits in one row beside the table, below its title.
    let plot_title = h.get_by_label("Masks remaining").rect();
    assert!(
        (plot_title.top() - title.top()).abs() < 2.0,
        "{plot_title:?} vs {title:?}"
    );
    assert!(plot_title.right() < title.left());
}

#[test]
fn empty_plots_say_what_to_do() {
    let mut h = Harness::new_ui(|ui| {
        assert_eq!(plots_ui(ui, &[], PlotAxis::Step), None);
    });
    h.run();
    h.get_by_label_contains("No run yet");
}

#[test]
fn legend_explains_every_mode() {
    for (mode, needle) in [
        (ColorMode::Confidence, "how sure the model was"),
        (ColorMode::ConfidenceLog, "on a log scale"),
        (ColorMode::DecodeOrder, "the step at which"),
    ] {
        for palette in [Palette::DARK, Palette::LIGHT] {
            let mut h = Harness::builder()
                .with_size(Vec2::new(1200.0, 400.0))
                .build_ui(move |ui| legend_ui(ui, mode, &palette));
            h.run();
            h.get_by_label_contains(needle);
            for swatch in [
                "mask",
                "mask with the model's current guess",
                "just written",
                "special (EOS)",
                "prompt / pinned",
            ] {
                h.get_by_label(swatch);
            }
        }
    }
}

#[test]
fn dragging_across_a_plot_scrubs_continuously() {
    let mut h = plots_harness(PlotAxis::Step);
    h.run();
    let press = |h: &mut Harness<'_, PlotsPanel>, pos: Pos2, pressed: bool| {
        h.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    };
    let start = Pos2::new(80.0, 100.0);
    h.event(Event::PointerMoved(start));
    press(&mut h, start, true);
    h.step();
    for x in [120.0, 160.0, 200.0, 240.0, 280.0] {
        h.event(Event::PointerMoved(Pos2::new(x, 100.0)));
        h.step();
    }
    press(&mut h, Pos2::new(280.0, 100.0), false);
    h.step();
    let scrubs = h.state().scrubs.clone();
    assert!(scrubs.len() >= 5, "{scrubs:?}");
    assert!(scrubs.windows(2).all(|w| w[1] >= w[0]), "{scrubs:?}");
    assert!(scrubs.last() > scrubs.first(), "{scrubs:?}");
}

#[test]
fn every_parameter_explains_itself_on_hover() {
    let modes = [
        (CountRule::Threshold, vec!["Threshold τ"]),
        (CountRule::Factor, vec!["Factor f"]),
        (CountRule::Steps, vec!["Steps", "Schedule", "eps"]),
    ];
    let common = [
        "Tokens per step",
        "Write first",
        "Order",
        "Block length",
        "Temperature",
        "Top-p",
        "Top-k",
        "Position temperature",
        "Guidance (CFG)",
        "Seed",
        "Raw prompt",
        "Candidates kept",
    ];
    for (rule, extra) in modes {
        let state = ControlsState {
            count_rule: rule,
            schedule: ScheduleKind::Timestep,
            ..ControlsState::default()
        };
        let mut h = controls_harness(state, false);
        h.run();
        for label in common.iter().chain(extra.iter()) {
            h.event(Event::PointerGone);
            for _ in 0..3 {
                h.step();
            }
            let before = h.root().children_recursive().count();
            h.get_by_label(label).hover();
            for _ in 0..6 {
                h.step();
            }
            let after = h.root().children_recursive().count();
            assert!(after > before, "hovering {label:?} shows no tooltip");
        }
    }
}
