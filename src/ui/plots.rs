//! Per-step plots (egui_plot) linked to the playback cursor: confidence, commits, masks left, speed.

use egui::Color32;

use crate::trace::Trace;

/// What the x axis shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PlotAxis {
    /// Step number.
    Step,
    /// Fraction of the run, 0..1 (compare runs of different lengths).
    Progress,
}

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

/// Draw the plots; returns `Some(progress in 0..=1 or step as f64)` when the user clicked or
/// dragged on a plot to scrub (in the units of `axis`).
pub fn plots_ui(_ui: &mut egui::Ui, _runs: &[PlotRun<'_>], _axis: PlotAxis) -> Option<f64> {
    None
}
