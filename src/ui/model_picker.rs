//! The model picker window: the embedded model, known hub models (with size and the hardware
//! they need), any `ORG/NAME` typed in, or a folder or `.gguf` file chosen with the file dialog.
//!
//! It only decides what to load; the app sends the worker a `LoadModel` and shows its progress, so
//! the UI never waits for a download.

use egui::RichText;
use serde::{Deserialize, Serialize};

use crate::hub::ModelRef;

/// A model the picker offers by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelPreset {
    /// Display name.
    pub name: &'static str,
    /// Hub id `ORG/NAME`; `None` for the embedded model.
    pub repo: Option<&'static str>,
    /// Parameter count, as a person says it.
    pub params: &'static str,
    /// Download size of its weights.
    pub download: &'static str,
    /// What it needs to run.
    pub hardware: &'static str,
    /// One line about it.
    pub note: &'static str,
}

impl ModelPreset {
    /// "8B · ≈16 GB bf16 · GPU with 16 GB or 32 GB RAM".
    pub fn summary(&self) -> String {
        format!("{} · {} · {}", self.params, self.download, self.hardware)
    }
}

/// The models the picker lists. Hub ids are checked against their publishers' pages: the LLaDA
/// and Dream ids in the dllm repository's README and the LLaDA 1.5 paper; the dllm-hub ones in the
/// dllm-hub "Tiny-A2D" collection. Sizes are approximate (bf16 weights as published).
pub const PRESETS: [ModelPreset; 8] = [
    ModelPreset {
        name: "Embedded model",
        repo: None,
        params: "3.05 M",
        download: "ships with Unmask",
        hardware: "any CPU",
        note: "Trained on arithmetic and Jane Austen; gets 19 in 20 three-step sums right, reasoning first at threshold 0.99.",
    },
    ModelPreset {
        name: "LLaDA-8B-Instruct",
        repo: Some("GSAI-ML/LLaDA-8B-Instruct"),
        params: "8B",
        download: "≈16 GB bf16",
        hardware: "GPU with 16 GB; CPU: 32 GB RAM (f32), 16 GB as q4_k GGUF (slow)",
        note: "The LLaDA chat model; the baseline of masked-diffusion LMs.",
    },
    ModelPreset {
        name: "LLaDA 1.5",
        repo: Some("GSAI-ML/LLaDA-1.5"),
        params: "8B",
        download: "≈16 GB bf16",
        hardware: "GPU with 16 GB; CPU: 32 GB RAM (f32), 16 GB as q4_k GGUF (slow)",
        note: "LLaDA-8B-Instruct further aligned with VRPO; same layout.",
    },
    ModelPreset {
        name: "Dream-v0-Instruct-7B",
        repo: Some("Dream-org/Dream-v0-Instruct-7B"),
        params: "7.6B",
        download: "≈15 GB bf16",
        hardware: "GPU with 16 GB; CPU: 32 GB RAM (f32), 16 GB as q4_k GGUF (slow)",
        note: "Qwen2-based diffusion chat model (shifted logits).",
    },
    ModelPreset {
        name: "Qwen3-0.6B diffusion (MDLM)",
        repo: Some("dllm-hub/Qwen3-0.6B-diffusion-mdlm-v0.1"),
        params: "0.6B",
        download: "≈1.5 GB",
        hardware: "any CPU with 4 GB RAM",
        note: "dllm's fully bidirectional conversion of Qwen3-0.6B.",
    },
    ModelPreset {
        name: "Qwen3-0.6B diffusion (BD3LM)",
        repo: Some("dllm-hub/Qwen3-0.6B-diffusion-bd3lm-v0.1"),
        params: "0.6B",
        download: "≈1.5 GB",
        hardware: "any CPU with 4 GB RAM",
        note: "Block diffusion (block-causal, blocks of 32): set a block length.",
    },
    ModelPreset {
        name: "Qwen2.5-Coder-0.5B diffusion (MDLM)",
        repo: Some("dllm-hub/Qwen2.5-Coder-0.5B-Instruct-diffusion-mdlm-v0.1"),
        params: "0.5B",
        download: "≈1 GB",
        hardware: "any CPU with 4 GB RAM",
        note: "dllm's bidirectional conversion of Qwen2.5-Coder-0.5B-Instruct.",
    },
    ModelPreset {
        name: "Qwen2.5-Coder-0.5B diffusion (BD3LM)",
        repo: Some("dllm-hub/Qwen2.5-Coder-0.5B-Instruct-diffusion-bd3lm-v0.1"),
        params: "0.5B",
        download: "≈1 GB",
        hardware: "any CPU with 4 GB RAM",
        note: "Block diffusion version of the coder model.",
    },
];

/// What the picker remembers (persisted with the settings).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelPickerState {
    /// The window is open.
    pub open: bool,
    /// The `ORG/NAME` typed into the free field.
    pub hub_id: String,
}

/// What the user chose in the picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickerAction {
    /// Nothing this frame.
    None,
    /// Load the embedded model.
    LoadEmbedded,
    /// Load this folder or hub repo.
    Load(ModelRef),
    /// Open the folder dialog.
    PickFolder,
    /// Ask for a `.gguf` file.
    PickGguf,
}

/// Width of a preset's description column, points.
pub const PRESET_TEXT_WIDTH: f32 = 400.0;

/// The label of a preset's load button (tests click it by this label).
pub fn load_button_label(preset: &ModelPreset) -> String {
    format!("Load {}", preset.name)
}

/// The picker's contents; `busy` (a model is loading) disables every load button.
pub fn model_picker_ui(
    ui: &mut egui::Ui,
    state: &mut ModelPickerState,
    busy: bool,
) -> PickerAction {
    let mut action = PickerAction::None;
    ui.label(
        "Hub models are downloaded once into the Hugging Face cache (HF_HOME) and reused offline. \
         Loading runs in the background; progress shows at the top right.",
    );
    ui.label(
        "Any model on the hub (ORG/NAME, optionally @REVISION), a local folder, or a .gguf file \
         made by `unmask quantize`:",
    );
    ui.horizontal(|ui| {
        let edit = ui.add(
            egui::TextEdit::singleline(&mut state.hub_id)
                .hint_text("ORG/NAME")
                .desired_width(300.0),
        );
        let text = state.hub_id.trim().to_string();
        let valid = ModelRef::parse(&text).is_ok();
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let clicked = ui
            .add_enabled(valid && !busy, egui::Button::new("Load"))
            .on_disabled_hover_text(
                "Type ORG/NAME (e.g. GSAI-ML/LLaDA-8B-Instruct), a folder or a .gguf file",
            )
            .clicked();
        if (clicked || entered)
            && valid
            && !busy
            && let Ok(model) = ModelRef::parse(&text)
        {
            action = PickerAction::Load(model);
        }
    });
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!busy, egui::Button::new("Open model folder…"))
            .on_hover_text("A folder with config.json, the safetensors weights and the tokenizer")
            .clicked()
        {
            action = PickerAction::PickFolder;
        }
        if ui
            .add_enabled(!busy, egui::Button::new("Open GGUF file…"))
            .on_hover_text(
                "A quantised model written by `unmask quantize DIR OUT.gguf --type q4k` \
                 (config and tokenizer inside)",
            )
            .clicked()
        {
            action = PickerAction::PickGguf;
        }
    });
    ui.separator();
    ui.label(RichText::new("Known models").strong());
    egui::ScrollArea::vertical()
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for preset in &PRESETS {
                ui.horizontal(|ui| {
                    ui.vertical(|ui| {
                        // A fixed text column, so the load buttons line up and nothing wraps
                        // per letter.
                        ui.set_width(PRESET_TEXT_WIDTH);
                        ui.label(RichText::new(preset.name).strong());
                        ui.label(
                            RichText::new(preset.repo.unwrap_or("built in"))
                                .monospace()
                                .small(),
                        );
                        ui.label(RichText::new(preset.summary()).small());
                        ui.label(RichText::new(preset.note).small().weak());
                    });
                    let button = ui
                        .add_enabled(!busy, egui::Button::new(load_button_label(preset)))
                        .on_disabled_hover_text("A model is loading");
                    if button.clicked() {
                        action = match preset.repo {
                            None => PickerAction::LoadEmbedded,
                            Some(repo) => match ModelRef::parse(repo) {
                                Ok(model) => PickerAction::Load(model),
                                Err(_) => PickerAction::None,
                            },
                        };
                    }
                });
                ui.add_space(4.0);
            }
        });
    action
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::is_hub_id;

    #[test]
    fn every_preset_repo_is_a_hub_id() {
        for p in &PRESETS {
            if let Some(repo) = p.repo {
                assert!(is_hub_id(repo), "{repo}");
            }
        }
        assert_eq!(PRESETS.iter().filter(|p| p.repo.is_none()).count(), 1);
    }

    #[test]
    fn the_embedded_preset_states_the_embedded_models_size_as_the_status_bar_does() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/model/config.json");
        let text = std::fs::read_to_string(path).unwrap();
        let config: crate::model::config::LladaConfig = serde_json::from_str(&text).unwrap();
        let embedded = PRESETS.iter().find(|p| p.repo.is_none()).unwrap();
        assert_eq!(
            embedded.params,
            format!("{:.2} M", config.n_params() as f64 / 1e6)
        );
    }
}
