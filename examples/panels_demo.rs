//! A window with the controls, legend and plots panels on synthetic traces, for looking at them
//! without a model: `cargo run --example panels_demo [-- --light] [--compare] [--progress]
//! [--running] [--bad] [--steps] [--narrow]`.

use unmask::trace::Trace;
use unmask::trace::synthetic::synthetic_trace;
use unmask::ui::controls::{ControlsAction, ControlsState, controls_ui, generate_button_ui};
use unmask::ui::plots::{PlotRun, plots_ui};
use unmask::view::legend::legend_ui;
use unmask::view::palette::{ColorMode, Palette};
use unmask::view::style::apply_theme;
use unmask::view::timeline::{PlotAxis, frame_at_x};

struct Demo {
    controls: ControlsState,
    running: bool,
    traces: Vec<Trace>,
    frames: Vec<usize>,
    axis: PlotAxis,
    dark: bool,
    themed: bool,
    last_action: String,
    panel_width: f32,
}

impl eframe::App for Demo {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if !self.themed {
            apply_theme(ui.ctx(), &Palette::of(self.dark));
            self.themed = true;
        }
        egui::Panel::left("controls")
            .default_size(self.panel_width)
            .resizable(true)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    controls_ui(ui, &mut self.controls);
                    match generate_button_ui(ui, &self.controls, self.running) {
                        ControlsAction::Generate => {
                            self.running = true;
                            self.last_action = "Generate".into();
                        }
                        ControlsAction::Cancel => {
                            self.running = false;
                            self.last_action = "Cancel".into();
                        }
                        ControlsAction::None => {}
                    }
                });
            });
        egui::CentralPanel::default_margins().show(ui, |ui| {
            ui.heading(format!("last action: {}", self.last_action));
            legend_ui(ui, ColorMode::Confidence, &Palette::of(self.dark));
            ui.separator();
            legend_ui(ui, ColorMode::DecodeOrder, &Palette::of(self.dark));
            ui.separator();
            let labels = ["run A (LLaDA)", "run B (Fast-dLLM)", "run C"];
            let runs: Vec<PlotRun<'_>> = self
                .traces
                .iter()
                .enumerate()
                .map(|(i, t)| PlotRun {
                    label: labels[i % labels.len()],
                    trace: t,
                    color: Palette::of(self.dark).run_color(i),
                    frame: self.frames[i],
                })
                .collect();
            if let Some(x) = plots_ui(ui, &runs, self.axis) {
                for (i, t) in self.traces.iter().enumerate() {
                    self.frames[i] = frame_at_x(t, x, self.axis);
                }
            }
        });
    }
}

fn main() -> eframe::Result {
    let args: Vec<String> = std::env::args().collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    let mut traces = vec![synthetic_trace(96, 5, 1)];
    if has("--compare") {
        let mut fast = synthetic_trace(96, 5, 2);
        // Fewer, fuller steps: fold pairs of steps together.
        let mut merged = Vec::new();
        for pair in fast.steps.chunks(3) {
            let mut s = pair[0].clone();
            for p in &pair[1..] {
                s.commits.extend(p.commits.iter().cloned());
            }
            merged.push(s);
        }
        fast.steps = merged;
        traces.push(fast);
    }
    let frames = traces.iter().map(|t| t.steps.len() * 2 / 5).collect();
    let mut controls = ControlsState::default();
    if has("--bad") {
        controls.template = "Answer: {answer:4".into();
    }
    if has("--steps") {
        controls.apply_preset(unmask::sampler::Preset::DreamEntropy);
        controls.apply_preset(unmask::sampler::Preset::AnswerFirst);
    }
    let demo = Demo {
        panel_width: if has("--narrow") { 330.0 } else { 420.0 },
        controls,
        running: has("--running"),
        traces,
        frames,
        axis: if has("--progress") {
            PlotAxis::Progress
        } else {
            PlotAxis::Step
        },
        dark: !has("--light"),
        themed: false,
        last_action: "none".into(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1560.0, 960.0]),
        ..Default::default()
    };
    eframe::run_native("panels demo", options, Box::new(|_cc| Ok(Box::new(demo))))
}
