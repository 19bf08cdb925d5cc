//! Colours, the confidence scale and its legend, dark/light themes.

use egui::Color32;

/// How committed cells are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ColorMode {
    /// By the model's confidence when the token was committed.
    Confidence,
    /// By the step at which the token was committed (decode order).
    DecodeOrder,
}

/// Colour of a committed cell with confidence `conf` in 0..=1.
pub fn confidence_color(_conf: f32, _dark: bool) -> Color32 {
    Color32::GRAY
}

/// Colour of a cell committed at `step` of `total` steps (decode-order view).
pub fn step_color(_step: u32, _total: u32, _dark: bool) -> Color32 {
    Color32::GRAY
}

/// The colour legend for a mode (and what masks / fresh commits / special tokens look like).
pub fn legend_ui(_ui: &mut egui::Ui, _mode: ColorMode, _dark: bool) {}

/// Apply the dark or light theme.
pub fn apply_theme(ctx: &egui::Context, dark: bool) {
    ctx.set_visuals(if dark {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    });
}
