//! The controls panel: prompt, canvas template, every sampler parameter (with tooltips), presets.

use serde::{Deserialize, Serialize};

use crate::generate::GenerateRequest;

/// What the user asked for in the controls this frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlsAction {
    /// Nothing.
    None,
    /// Start a run with `ControlsState::request()`.
    Generate,
    /// Cancel the running one.
    Cancel,
}

/// Everything the controls edit (persisted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ControlsState {
    /// Prompt text.
    pub prompt: String,
    /// Response template (canvas syntax).
    pub template: String,
}

impl Default for ControlsState {
    fn default() -> Self {
        Self {
            prompt: "Start with 47. Add 38. Subtract 19. What is the result?".into(),
            template: "{reasoning:56}\nAnswer: {answer:4}".into(),
        }
    }
}

impl ControlsState {
    /// The request these controls describe, or a one-line reason it is invalid.
    pub fn request(&self) -> Result<GenerateRequest, String> {
        Err("controls are not built yet".into())
    }
}

/// Draw the controls; `running` = a run is in progress (Generate becomes Cancel).
pub fn controls_ui(
    _ui: &mut egui::Ui,
    _state: &mut ControlsState,
    _running: bool,
) -> ControlsAction {
    ControlsAction::None
}
