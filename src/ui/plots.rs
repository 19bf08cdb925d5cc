//! Per-step plots (egui_plot) linked to the playback cursor: confidence, commits, masks left, speed.
//!
//! Five small plots share one x axis (step, or normalised progress for compare runs of different
//! lengths): mean and lowest confidence of the tokens each step committed, tokens committed per
//! step, masks remaining, tokens per second and milliseconds per step. Every run is drawn in its
//! own colour with a vertical cursor line at its current frame; hovering shows the nearest value;
//! pressing or dragging anywhere on a plot scrubs.
//!
//! The series of a run are built from [`Trace::step_metrics`] once and cached in egui's temporary
//! memory (one slot per run index and calling `Ui` scope), keyed by the trace's address, its step count, its header's
//! creation time and planned steps, whether it has finished, and the axis. A live run therefore
//! rebuilds its series once per arriving step, never per frame; a 1024-step trace costs one pass
//! of a few hundred microseconds when it changes.

use std::sync::Arc;

use egui::{Color32, FontId, Id, Sense, Stroke, TextStyle, Vec2};
use egui_plot::{AxisHints, HoverPosition, Line, LineStyle, Plot, PlotPoint, VLine};

use crate::trace::{StepMetrics, Trace};
use crate::view::timeline::{PlotAxis, progress_denominator, x_of_frame};

/// One run to plot.
pub struct PlotRun<'a> {
    /// Legend label.
    pub label: &'a str,
    /// The run.
    pub trace: &'a Trace,
    /// Line colour.
    pub color: Color32,
    /// The frame shown for this run (cursor line).
    pub frame: usize,
}

/// The quantity one plot shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Metric {
    Confidence,
    Committed,
    MasksLeft,
    TokensPerS,
    MsPerStep,
}

const METRICS: [Metric; 5] = [
    Metric::Confidence,
    Metric::Committed,
    Metric::MasksLeft,
    Metric::TokensPerS,
    Metric::MsPerStep,
];

impl Metric {
    fn title(self) -> &'static str {
        match self {
            Metric::Confidence => {
                "Confidence of the tokens written (solid = mean, dashed = lowest)"
            }
            Metric::Committed => "Tokens written per step",
            Metric::MasksLeft => "Masks remaining",
            Metric::TokensPerS => "Speed (tokens / s)",
            Metric::MsPerStep => "Time per step (ms)",
        }
    }

    fn short_title(self) -> &'static str {
        match self {
            Metric::Confidence => "Confidence (— mean, - - lowest)",
            Metric::Committed => "Tokens written per step",
            Metric::MasksLeft => "Masks remaining",
            Metric::TokensPerS => "Tokens / s",
            Metric::MsPerStep => "ms / step",
        }
    }

    fn format_value(self, y: f64) -> String {
        match self {
            Metric::Confidence => format!("{y:.3}"),
            Metric::Committed | Metric::MasksLeft => format!("{y:.0}"),
            Metric::TokensPerS => format!("{y:.1} tok/s"),
            Metric::MsPerStep => format!("{y:.1} ms"),
        }
    }
}

/// Everything that decides a run's cached series (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SeriesKey {
    trace_addr: usize,
    steps: usize,
    initial_masks: usize,
    created_unix_s: u64,
    planned_steps: Option<u32>,
    finished: bool,
    axis: PlotAxis,
}

impl SeriesKey {
    fn of(trace: &Trace, axis: PlotAxis) -> Self {
        Self {
            trace_addr: std::ptr::from_ref(trace) as usize,
            steps: trace.steps.len(),
            initial_masks: trace.initial_masks(),
            created_unix_s: trace.header.created_unix_s,
            planned_steps: trace.header.planned_steps,
            finished: trace.summary.is_some(),
            axis,
        }
    }
}

/// The plotted points of one run, x already in the units of the axis.
#[derive(Debug)]
struct RunSeries {
    key: SeriesKey,
    metrics: Vec<StepMetrics>,
    confidence_mean: Vec<PlotPoint>,
    confidence_min: Vec<PlotPoint>,
    committed: Vec<PlotPoint>,
    masks_left: Vec<PlotPoint>,
    tokens_per_s: Vec<PlotPoint>,
    ms_per_step: Vec<PlotPoint>,
}

impl RunSeries {
    fn build(trace: &Trace, axis: PlotAxis) -> Self {
        let metrics = trace.step_metrics();
        let n = metrics.len();
        let x = |step: u32| x_of_frame(trace, step as usize, axis);
        let mut s = RunSeries {
            key: SeriesKey::of(trace, axis),
            metrics: Vec::new(),
            confidence_mean: Vec::with_capacity(n),
            confidence_min: Vec::with_capacity(n),
            committed: Vec::with_capacity(n),
            masks_left: Vec::with_capacity(n + 1),
            tokens_per_s: Vec::with_capacity(n),
            ms_per_step: Vec::with_capacity(n),
        };
        s.masks_left
            .push(PlotPoint::new(0.0, trace.initial_masks() as f64));
        for m in &metrics {
            let xs = x(m.step);
            if let Some(mean) = m.confidence_mean {
                s.confidence_mean.push(PlotPoint::new(xs, f64::from(mean)));
            }
            if let Some(min) = m.confidence_min {
                s.confidence_min.push(PlotPoint::new(xs, f64::from(min)));
            }
            s.committed.push(PlotPoint::new(xs, m.committed as f64));
            s.masks_left.push(PlotPoint::new(xs, m.masks_left as f64));
            s.tokens_per_s.push(PlotPoint::new(xs, m.tokens_per_s));
            s.ms_per_step
                .push(PlotPoint::new(xs, f64::from(m.forward_ms + m.sampling_ms)));
        }
        s.metrics = metrics;
        s
    }

    /// The series of `metric`: (points, dashed?) pairs.
    fn lines(&self, metric: Metric) -> Vec<(&[PlotPoint], &'static str, bool)> {
        match metric {
            Metric::Confidence => vec![
                (&self.confidence_mean, "mean", false),
                (&self.confidence_min, "lowest", true),
            ],
            Metric::Committed => vec![(&self.committed, "written", false)],
            Metric::MasksLeft => vec![(&self.masks_left, "masks", false)],
            Metric::TokensPerS => vec![(&self.tokens_per_s, "speed", false)],
            Metric::MsPerStep => vec![(&self.ms_per_step, "time", false)],
        }
    }
}

/// The cached series of run number `index` (rebuilt when its key changes).
fn cached_series(
    ctx: &egui::Context,
    scope: Id,
    index: usize,
    trace: &Trace,
    axis: PlotAxis,
) -> Arc<RunSeries> {
    let id = scope.with(("unmask.plots.series", index));
    let key = SeriesKey::of(trace, axis);
    if let Some(hit) = ctx.data(|d| d.get_temp::<Arc<RunSeries>>(id))
        && hit.key == key
    {
        return hit;
    }
    let fresh = Arc::new(RunSeries::build(trace, axis));
    ctx.data_mut(|d| d.insert_temp(id, Arc::clone(&fresh)));
    fresh
}

/// Smallest useful plot size, points.
const MIN_PLOT_WIDTH: f32 = 200.0;
const MIN_PLOT_HEIGHT: f32 = 70.0;
const MAX_PLOT_HEIGHT: f32 = 240.0;
/// Text size of the "At the cursor" table, points.
const READOUT_TEXT_SIZE: f32 = 14.0;

/// Draw the plots; returns `Some(progress in 0..=1 or step as f64)` when the user clicked or
/// dragged on a plot to scrub (in the units of `axis`): with [`PlotAxis::Step`] a whole step
/// number in `0..=` the longest run's steps, with [`PlotAxis::Progress`] a fraction in `0..=1`.
/// Turn it into a run's frame with [`frame_at_x`](crate::view::timeline::frame_at_x).
///
/// The "At the cursor" table (every plotted value at each run's cursor) sits on the right, so it
/// stays visible however short the panel is; the plots fill the rest of the width in as many
/// columns as fit (at least [`MIN_PLOT_WIDTH`] points each, rows balanced) and share the
/// available height. Only when the space is too narrow for a plot beside the table does the table
/// go below the plots.
pub fn plots_ui(ui: &mut egui::Ui, runs: &[PlotRun<'_>], axis: PlotAxis) -> Option<f64> {
    if runs.is_empty() {
        ui.weak("No run yet: press Generate, or open a trace file.");
        return None;
    }
    let series: Vec<Arc<RunSeries>> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| cached_series(ui.ctx(), ui.scope_id(), i, r.trace, axis))
        .collect();
    let x_max = match axis {
        PlotAxis::Step => runs
            .iter()
            .map(|r| progress_denominator(r.trace))
            .max()
            .unwrap_or(1) as f64,
        PlotAxis::Progress => 1.0,
    };

    let table = readout_table(runs, &series);
    let spacing = ui.spacing().item_spacing;
    let avail = ui.available_size();
    let table_w = table.width(ui, runs) + 2.0 * spacing.x;
    let beside = avail.x - table_w - spacing.x >= MIN_PLOT_WIDTH;
    let plots_w = if beside {
        avail.x - table_w - spacing.x
    } else {
        avail.x
    };
    let group = ui.scope_id().with("unmask.plots.cursor");
    let mut scrub = None;
    // The run legend (compare) goes above the plots only: the table beside them keeps the full
    // height (its header names the runs in their colours).
    let plots_column = |ui: &mut egui::Ui| {
        let top = ui.cursor().top();
        if runs.len() > 1 {
            legend_row(ui, runs);
        }
        let height = avail.y - (ui.cursor().top() - top);
        let layout = PlotsLayout::new(ui, plots_w, height);
        plot_grid(ui, runs, &series, axis, x_max, group, &layout)
    };
    if beside {
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(plots_w);
                scrub = plots_column(ui);
            });
            ui.vertical(|ui| readout_ui(ui, runs, &table));
        });
    } else {
        scrub = plots_column(ui);
        readout_ui(ui, runs, &table);
    }
    scrub
}

/// Columns, rows and plot size for `count` plots in a `width` × `height` area.
struct PlotsLayout {
    cols: usize,
    width: f32,
    height: f32,
}

impl PlotsLayout {
    fn new(ui: &egui::Ui, width: f32, height: f32) -> Self {
        let spacing = ui.spacing().item_spacing;
        let n = METRICS.len();
        let fit = ((width + spacing.x) / (MIN_PLOT_WIDTH + spacing.x)).floor();
        let cols = fit.clamp(1.0, n as f32) as usize;
        let rows = n.div_ceil(cols);
        // Balance the rows (3 + 2 rather than 4 + 1).
        let cols = n.div_ceil(rows);
        let title_h = ui.text_style_height(&TextStyle::Small) + spacing.y;
        let plot_w = ((width - spacing.x * (cols - 1) as f32) / cols as f32).max(60.0);
        let plot_h = ((height - rows as f32 * (title_h + spacing.y)) / rows as f32)
            .clamp(MIN_PLOT_HEIGHT, MAX_PLOT_HEIGHT);
        Self {
            cols,
            width: plot_w,
            height: plot_h,
        }
    }
}

/// Every metric's plot, row by row; returns the scrub position of a pressed or dragged plot.
fn plot_grid(
    ui: &mut egui::Ui,
    runs: &[PlotRun<'_>],
    series: &[Arc<RunSeries>],
    axis: PlotAxis,
    x_max: f64,
    group: Id,
    layout: &PlotsLayout,
) -> Option<f64> {
    let wide = layout.width > 420.0;
    let mut scrub = None;
    for row in METRICS.chunks(layout.cols) {
        ui.horizontal(|ui| {
            for &metric in row {
                ui.vertical(|ui| {
                    ui.set_width(layout.width);
                    let title = if wide {
                        metric.title()
                    } else {
                        metric.short_title()
                    };
                    ui.label(egui::RichText::new(title).small().strong());
                    let size = Vec2::new(layout.width, layout.height);
                    if let Some(x) = metric_plot(ui, metric, runs, series, axis, x_max, group, size)
                    {
                        scrub = Some(x);
                    }
                });
            }
        });
    }
    scrub
}

/// The "At the cursor" values: row names and one column of texts per run.
struct ReadoutTable {
    names: [&'static str; 7],
    columns: Vec<[String; 7]>,
}

impl ReadoutTable {
    /// Width of the framed table in points.
    fn width(&self, ui: &egui::Ui, runs: &[PlotRun<'_>]) -> f32 {
        let font = FontId::proportional(READOUT_TEXT_SIZE);
        let mono = FontId::monospace(READOUT_TEXT_SIZE);
        let measure = |text: &str, font: &FontId| {
            ui.painter()
                .layout_no_wrap(text.to_string(), font.clone(), Color32::PLACEHOLDER)
                .size()
                .x
        };
        let names = self
            .names
            .iter()
            .map(|n| measure(n, &font))
            .fold(0.0, f32::max);
        let values: f32 = self
            .columns
            .iter()
            .zip(runs)
            .map(|(c, run)| {
                // The header (run label) is shown, in bold, only when there are several runs.
                let header = if runs.len() > 1 {
                    measure(run.label, &font) * 1.1
                } else {
                    0.0
                };
                // Room for the widest values the column can show, so that the table (and the
                // plots beside it) keep their width while the cursor moves.
                let steps = run.trace.steps.len();
                let widest = measure(&format!("{steps} / {steps}"), &mono)
                    .max(measure("00000.0", &mono))
                    .max(header);
                c.iter().map(|v| measure(v, &mono)).fold(widest, f32::max)
            })
            .sum();
        let gaps = READOUT_COLUMN_GAP * self.columns.len() as f32;
        // Grid cells, gaps and the group frame's margins and stroke.
        names + values + gaps + 2.0 * READOUT_FRAME_MARGIN + 4.0
    }
}

/// Horizontal gap between the table's columns, points.
const READOUT_COLUMN_GAP: f32 = 10.0;
/// Inner margin of the table's frame, points.
const READOUT_FRAME_MARGIN: f32 = 6.0;

/// The values of every plot at each run's cursor.
fn readout_table(runs: &[PlotRun<'_>], series: &[Arc<RunSeries>]) -> ReadoutTable {
    let dash = || "–".to_string();
    type Row = (
        &'static str,
        fn(Option<&StepMetrics>, &Trace, usize) -> Option<String>,
    );
    let rows: [Row; 7] = [
        ("step", |_, t, f| Some(format!("{f} / {}", t.steps.len()))),
        ("mean conf.", |m, _, _| {
            m.and_then(|m| m.confidence_mean).map(|c| format!("{c:.3}"))
        }),
        ("lowest conf.", |m, _, _| {
            m.and_then(|m| m.confidence_min).map(|c| format!("{c:.3}"))
        }),
        ("written", |m, _, _| m.map(|m| m.committed.to_string())),
        ("masks left", |m, t, _| {
            Some(m.map_or(t.initial_masks(), |m| m.masks_left).to_string())
        }),
        ("tokens/s", |m, _, _| {
            m.map(|m| format!("{:.1}", m.tokens_per_s))
        }),
        ("ms/step", |m, _, _| {
            m.map(|m| format!("{:.1}", m.forward_ms + m.sampling_ms))
        }),
    ];
    let columns = runs
        .iter()
        .zip(series)
        .map(|(run, s)| {
            let frame = run.frame.min(run.trace.steps.len());
            let metrics = frame.checked_sub(1).and_then(|i| s.metrics.get(i));
            rows.map(|(_, value)| value(metrics, run.trace, frame).unwrap_or_else(dash))
        })
        .collect();
    ReadoutTable {
        names: rows.map(|(name, _)| name),
        columns,
    }
}

/// The "At the cursor" table (one column per run, headed by its label when there are several).
fn readout_ui(ui: &mut egui::Ui, runs: &[PlotRun<'_>], table: &ReadoutTable) {
    ui.label(egui::RichText::new("At the cursor").small().strong());
    let styles = &mut ui.style_mut().text_styles;
    styles.insert(TextStyle::Body, FontId::proportional(READOUT_TEXT_SIZE));
    styles.insert(TextStyle::Monospace, FontId::monospace(READOUT_TEXT_SIZE));
    // Rows as tall as their text (a grid row is at least a widget's height otherwise).
    ui.spacing_mut().interact_size.y = READOUT_TEXT_SIZE + 3.0;
    egui::Frame::group(ui.style())
        .inner_margin(READOUT_FRAME_MARGIN)
        .show(ui, |ui| {
            egui::Grid::new("unmask.plots.readout")
                .num_columns(runs.len() + 1)
                .spacing([READOUT_COLUMN_GAP, 2.0])
                .striped(true)
                .show(ui, |ui| {
                    if runs.len() > 1 {
                        ui.label("");
                        for run in runs {
                            ui.label(egui::RichText::new(run.label).color(run.color).strong());
                        }
                        ui.end_row();
                    }
                    for (i, name) in table.names.iter().enumerate() {
                        ui.label(egui::RichText::new(*name).weak());
                        for column in &table.columns {
                            ui.label(egui::RichText::new(&column[i]).monospace());
                        }
                        ui.end_row();
                    }
                });
        });
}

/// One coloured swatch + label per run.
fn legend_row(ui: &mut egui::Ui, runs: &[PlotRun<'_>]) {
    ui.horizontal_wrapped(|ui| {
        for run in runs {
            let h = ui.text_style_height(&TextStyle::Body);
            let (rect, _) = ui.allocate_exact_size(Vec2::new(h * 1.4, h * 0.35), Sense::hover());
            ui.painter().rect_filled(rect, 1.0, run.color);
            ui.label(run.label);
            ui.add_space(10.0);
        }
    });
}

/// One plot; returns the scrub position when it was pressed or dragged.
#[allow(clippy::too_many_arguments)]
fn metric_plot(
    ui: &mut egui::Ui,
    metric: Metric,
    runs: &[PlotRun<'_>],
    series: &[Arc<RunSeries>],
    axis: PlotAxis,
    x_max: f64,
    group: Id,
    size: Vec2,
) -> Option<f64> {
    let compare = runs.len() > 1;
    let mut plot = Plot::new(("unmask.plot", metric as u8))
        .width(size.x)
        .height(size.y)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .allow_axis_zoom_drag(false)
        .link_cursor(group, [true, false])
        .include_x(0.0)
        .include_x(x_max)
        .include_y(0.0)
        .set_margin_fraction(Vec2::new(0.03, 0.08))
        .custom_x_axes(vec![x_axis_hints(axis)])
        .custom_y_axes(vec![
            AxisHints::new_y()
                .tick_label_font(egui::FontId::proportional(TICK_FONT_SIZE))
                .min_thickness(32.0),
        ])
        .label_formatter(move |pos: &HoverPosition<'_>| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\n{}: {}",
                x_label(axis, position.x),
                metric.format_value(position.y)
            )),
            HoverPosition::Elsewhere { position } => (0.0..=x_max)
                .contains(&position.x)
                .then(|| x_label(axis, position.x)),
        });
    if metric == Metric::Confidence {
        plot = plot.include_y(1.0);
    }
    // One run: a neutral cursor stands out from the data line; compare: each run's own colour.
    let neutral_cursor = ui.visuals().strong_text_color().gamma_multiply(0.75);
    let response = plot.show(ui, |pui| {
        for (run, s) in runs.iter().zip(series) {
            let cursor_color = if compare {
                run.color.gamma_multiply(0.85)
            } else {
                neutral_cursor
            };
            for (points, what, dashed) in s.lines(metric) {
                let name = if compare {
                    format!("{} · {what}", run.label)
                } else {
                    what.to_string()
                };
                let mut line = Line::new(name, points).color(run.color).width(2.0);
                if dashed {
                    line = line.style(LineStyle::dashed_dense()).width(1.5);
                }
                pui.line(line);
            }
            let x = x_of_frame(run.trace, run.frame, axis);
            pui.vline(
                VLine::new(format!("{} cursor", run.label), x)
                    .stroke(Stroke::new(2.0, cursor_color))
                    .allow_hover(false),
            );
        }
    });
    let r = &response.response;
    if (r.is_pointer_button_down_on() || r.clicked() || r.dragged())
        && let Some(pos) = r.interact_pointer_pos()
    {
        let x = response.transform.value_from_position(pos).x;
        return Some(match axis {
            PlotAxis::Step => x.round().clamp(0.0, x_max),
            PlotAxis::Progress => x.clamp(0.0, 1.0),
        });
    }
    None
}

/// Size of the axis tick labels, points (smaller than body text so that narrow plots keep them).
const TICK_FONT_SIZE: f32 = 14.0;

/// The x axis: small tick labels, allowed closer together than egui_plot's default, percentages
/// on the progress axis.
fn x_axis_hints<'a>(axis: PlotAxis) -> AxisHints<'a> {
    let hints = AxisHints::new_x()
        .tick_label_font(egui::FontId::proportional(TICK_FONT_SIZE))
        .label_spacing(22.0..=30.0);
    match axis {
        PlotAxis::Step => hints,
        PlotAxis::Progress => hints.formatter(|mark, _| format!("{:.0}%", mark.value * 100.0)),
    }
}

/// "step 12" or "progress 40%".
fn x_label(axis: PlotAxis, x: f64) -> String {
    match axis {
        PlotAxis::Step => format!("step {:.0}", x.max(0.0)),
        PlotAxis::Progress => format!("progress {:.0}%", (x * 100.0).clamp(0.0, 100.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;

    #[test]
    fn series_follow_the_step_metrics() {
        let trace = synthetic_trace(40, 3, 7);
        let s = RunSeries::build(&trace, PlotAxis::Step);
        let metrics = trace.step_metrics();
        assert_eq!(s.committed.len(), metrics.len());
        assert_eq!(s.masks_left.len(), metrics.len() + 1);
        assert_eq!(s.masks_left[0].y, 40.0);
        assert_eq!(s.masks_left.last().map(|p| p.y), Some(0.0));
        assert_eq!(s.committed[0].x, 1.0);
        let m = &metrics[5];
        assert_eq!(
            s.confidence_mean[5].y,
            f64::from(m.confidence_mean.unwrap_or(-1.0))
        );
        assert_eq!(s.tokens_per_s[5].y, m.tokens_per_s);
    }

    #[test]
    fn progress_axis_runs_from_zero_to_one() {
        let trace = synthetic_trace(25, 2, 1);
        let s = RunSeries::build(&trace, PlotAxis::Progress);
        assert_eq!(s.masks_left[0].x, 0.0);
        assert!((s.masks_left.last().map_or(0.0, |p| p.x) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_cache_is_rebuilt_only_when_the_trace_changes() {
        let ctx = egui::Context::default();
        let scope = Id::unique("test");
        let mut trace = synthetic_trace(12, 2, 5);
        let a = cached_series(&ctx, scope, 0, &trace, PlotAxis::Step);
        let b = cached_series(&ctx, scope, 0, &trace, PlotAxis::Step);
        assert!(Arc::ptr_eq(&a, &b), "same trace, same series");
        let c = cached_series(&ctx, scope, 0, &trace, PlotAxis::Progress);
        assert!(!Arc::ptr_eq(&a, &c), "another axis, new series");
        trace.steps.pop();
        let d = cached_series(&ctx, scope, 0, &trace, PlotAxis::Progress);
        assert!(!Arc::ptr_eq(&c, &d), "fewer steps, new series");
        assert_eq!(d.committed.len(), trace.steps.len());
    }
}
