//! What an exported frame shows, drawn with the app's own panels: the "step N / M" counter of the
//! playback bar, the prompt and decoding settings, the canvas (`view::canvas::canvas_ui`, the very
//! function the app's canvas uses, dissolve included) and the colour legend (`view::legend`).
//! One run fills the frame; several are drawn side by side on one timeline, as compare mode does.

use egui::{Color32, CornerRadius, RichText, Sense, Vec2};

use crate::playback::Playback;
use crate::trace::Trace;
use crate::view::canvas::{self, CanvasOptions};
use crate::view::palette::{ColorMode, Palette};
use crate::view::run_column::{column_heading_ui, column_step_ui, column_text_size};
use crate::view::run_summary::{describe_params, entry_label};
use crate::view::timeline::{PlotAxis, synced_frame};
use crate::view::{legend, step_counter};
use crate::visible::visible_controls;

/// Width of the legend column, points.
pub const LEGEND_WIDTH_PT: f32 = 250.0;
/// Margin around the frame, points.
pub const MARGIN_PT: f32 = 14.0;

/// How exported frames look.
#[derive(Clone, Debug, PartialEq)]
pub struct SceneParams {
    /// Dark theme (else light).
    pub dark: bool,
    /// Colour committed cells by confidence or by decode order.
    pub color_mode: ColorMode,
    /// Show the model's current guess inside masks.
    pub show_guesses: bool,
    /// Token text size, points.
    pub text_size: f32,
    /// Draw the colour legend beside the canvas.
    pub legend: bool,
    /// Draw the prompt and the decoding settings above the canvas.
    pub header: bool,
}

impl SceneParams {
    /// The colours of the chosen theme.
    pub fn palette(&self) -> Palette {
        Palette::of(self.dark)
    }
}

impl Default for SceneParams {
    fn default() -> Self {
        Self {
            dark: true,
            color_mode: ColorMode::Confidence,
            show_guesses: true,
            text_size: 22.0,
            legend: true,
            header: true,
        }
    }
}

/// One run of a scene, labelled as compare mode labels it.
struct SceneRun {
    /// "A", "B"…
    label: String,
    /// Its decoding rule in words.
    description: String,
    /// The run.
    trace: Trace,
}

/// The runs of an export and how to draw them.
pub struct Scene {
    /// The runs on one timeline, in order.
    runs: Vec<SceneRun>,
    /// The shared timeline's position.
    position: f64,
    /// How to draw.
    params: SceneParams,
}

impl Scene {
    /// A scene of `traces`: one is drawn alone, several side by side (synced by step).
    pub fn new(traces: &[Trace], params: SceneParams) -> Scene {
        let runs = traces
            .iter()
            .enumerate()
            .map(|(i, t)| SceneRun {
                label: entry_label(i),
                description: describe_params(&t.header.params),
                trace: t.clone(),
            })
            .collect();
        Scene {
            runs,
            position: 0.0,
            params,
        }
    }

    /// How the scene is drawn.
    pub fn params(&self) -> &SceneParams {
        &self.params
    }

    /// Frames of the shared timeline (the longest run's).
    pub fn frame_count(&self) -> usize {
        self.traces().map(Trace::frame_count).max().unwrap_or(1)
    }

    /// The traces, in order.
    pub fn traces(&self) -> impl Iterator<Item = &Trace> {
        self.runs.iter().map(|r| &r.trace)
    }

    fn canvas_options(&self, text_size: f32) -> CanvasOptions {
        CanvasOptions {
            color_mode: self.params.color_mode,
            show_guesses: self.params.show_guesses,
            show_prompt: false,
            palette: self.params.palette(),
            text_size,
        }
    }

    /// Draw the scene at playback `position` into `ui` (which should span the whole frame);
    /// returns the height the content needs, points (margins included).
    pub fn ui(&mut self, ui: &mut egui::Ui, position: f64) -> f32 {
        self.position = position;
        let frame = egui::Frame::central_panel(ui.style()).inner_margin(MARGIN_PT);
        let response = frame.show(ui, |ui| {
            ui.set_min_size(ui.available_size());
            ui.horizontal_top(|ui| {
                let legend_w = if self.params.legend {
                    LEGEND_WIDTH_PT + ui.spacing().item_spacing.x * 2.0 + 1.0
                } else {
                    0.0
                };
                let main_w = (ui.available_width() - legend_w).max(120.0);
                let main_bottom = ui
                    .vertical(|ui| {
                        ui.set_width(main_w);
                        self.main_ui(ui);
                    })
                    .response
                    .rect
                    .bottom();
                let legend_bottom = if self.params.legend {
                    ui.separator();
                    ui.vertical(|ui| {
                        ui.set_width(LEGEND_WIDTH_PT);
                        legend::legend_ui(ui, self.params.color_mode, &self.params.palette());
                    })
                    .response
                    .rect
                    .bottom()
                } else {
                    0.0
                };
                main_bottom.max(legend_bottom)
            })
            .inner
        });
        response.inner + MARGIN_PT - ui.max_rect().top()
    }

    /// The counter, header and canvas (or the columns of a comparison).
    fn main_ui(&self, ui: &mut egui::Ui) {
        let frames = self.frame_count();
        let shared = Playback {
            position: self.position,
            ..Playback::default()
        };
        let single = self.runs.len() == 1;
        let planned = if single {
            self.traces().next().and_then(|t| t.header.planned_steps)
        } else {
            None
        };
        ui.horizontal(|ui| {
            let counter = step_counter::step_counter_text(shared.frame(), frames, false, planned);
            step_counter::step_counter_ui(ui, counter, 30.0);
            progress_bar_ui(ui, shared.position, frames, &self.params.palette());
        });
        if single {
            if let Some(trace) = self.traces().next() {
                if self.params.header {
                    header_ui(ui, trace);
                }
                ui.separator();
                canvas::canvas_ui(
                    ui,
                    trace,
                    shared.frame(),
                    shared.transition(),
                    &self.canvas_options(self.params.text_size),
                    None,
                );
            }
            return;
        }
        if self.params.header
            && let Some(trace) = self.traces().next()
        {
            ui.label(
                RichText::new(format!(
                    "Prompt: {}",
                    visible_controls(&trace.header.prompt)
                ))
                .size(16.0),
            );
        }
        ui.separator();
        let n = self.runs.len();
        let text_size = column_text_size(self.params.text_size, n);
        let options = self.canvas_options(text_size);
        let traces: Vec<&Trace> = self.traces().collect();
        ui.columns(n, |columns| {
            for (i, (col, entry)) in columns.iter_mut().zip(&self.runs).enumerate() {
                let trace = &entry.trace;
                let color = self.params.palette().run_color(i);
                let (frame, transition) =
                    synced_frame(self.position, frames, trace, PlotAxis::Step);
                column_heading_ui(col, &entry.label, &entry.description, color);
                column_step_ui(col, frame, trace.frame_count());
                canvas::canvas_ui_aligned(col, &traces, trace, frame, transition, &options, None);
            }
        });
    }
}

/// The prompt and the decoding settings of a run.
fn header_ui(ui: &mut egui::Ui, trace: &Trace) {
    ui.add(
        egui::Label::new(
            RichText::new(format!(
                "Prompt: {}",
                visible_controls(&trace.header.prompt)
            ))
            .size(16.0),
        )
        .wrap(),
    );
    ui.label(RichText::new(describe_params(&trace.header.params)).weak());
}

/// A thin bar showing how far through the run the frame is.
fn progress_bar_ui(ui: &mut egui::Ui, position: f64, frames: usize, palette: &Palette) {
    let last = frames.saturating_sub(1).max(1) as f64;
    let fraction = (position / last).clamp(0.0, 1.0) as f32;
    let size = Vec2::new(ui.available_width().max(40.0), 8.0);
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let radius = CornerRadius::same(4);
    ui.painter().rect_filled(rect, radius, palette.mask_fill);
    let mut done = rect;
    done.set_width(rect.width() * fraction);
    let fill: Color32 = palette.run_color(0);
    ui.painter().rect_filled(done, radius, fill);
}
