//! The controls panel: prompt, canvas template, every sampler parameter (with tooltips), presets.
//!
//! [`ControlsState`] holds what the user typed and picked, in widget-friendly form (a value plus
//! "0 = off" instead of `Option`s, an order as text); [`ControlsState::request`] turns it into a
//! validated [`GenerateRequest`] with the same meaning as the CLI's flags (no schedule given =
//! Fast-dLLM threshold 0.9). Validation reuses the engine's own checks by building the sampler on
//! a stand-in canvas of the template, so the panel and the worker never disagree.

use egui::AtomExt as _;
use serde::{Deserialize, Serialize};

use crate::canvas::{Canvas, TemplatePart, parse_template};
use crate::generate::GenerateRequest;
use crate::sampler::{Order, Remasking, Sampler, SamplerParams, Schedule};

mod parameters;
mod tips;

use parameters::{decoding_ui, row_label, sampling_ui};

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

/// How many tokens each step commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CountRule {
    /// Fast-dLLM: every mask whose confidence reaches `threshold` (at least one per step).
    Threshold,
    /// Fast-dLLM factor: the longest run of candidates with `c_r ≥ 1 − f/(r+1)`.
    Factor,
    /// A fixed number of steps, split by `schedule`.
    Steps,
}

/// How a fixed number of steps is turned into tokens per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScheduleKind {
    /// LLaDA: the same number every step (the first steps one more).
    Quota,
    /// Dream: follow the time grid `1 → eps`.
    Timestep,
}

/// Everything the controls edit (persisted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ControlsState {
    /// Prompt text.
    pub prompt: String,
    /// Response template (canvas syntax).
    pub template: String,
    /// Use `template`; when false the response is `gen_length` unnamed masks.
    pub use_template: bool,
    /// Masks after the prompt in gen-length-only mode.
    pub gen_length: usize,
    /// Send the prompt as-is, without the model's prompt/chat format.
    pub raw_prompt: bool,
    /// How many tokens each step commits.
    pub count_rule: CountRule,
    /// Confidence threshold τ for [`CountRule::Threshold`], in (0, 1].
    pub threshold: f32,
    /// Factor f for [`CountRule::Factor`], > 0.
    pub factor: f32,
    /// With [`CountRule::Steps`]: one step per mask (LLaDA's 1 token/step) instead of `steps`.
    pub steps_one_per_mask: bool,
    /// Total denoising steps with [`CountRule::Steps`] when not one per mask.
    pub steps: usize,
    /// How steps are split with [`CountRule::Steps`].
    pub schedule: ScheduleKind,
    /// Final time of the Dream time grid ([`ScheduleKind::Timestep`]), in [0, 1).
    pub eps: f32,
    /// Masks per semi-autoregressive block; 0 = one block.
    pub block_length: usize,
    /// How candidates are scored (which masks are committed first).
    pub remasking: Remasking,
    /// Sampling temperature; 0 = always the most likely token.
    pub temperature: f32,
    /// Nucleus (top-p) filtering; 1 = off.
    pub top_p: f32,
    /// Keep only the k most likely tokens; 0 = off.
    pub top_k: usize,
    /// Sample positions from softmax(score / alg_temp); 0 = off (take the top scores).
    pub alg_temp: f32,
    /// Classifier-free guidance scale; 0 = off.
    pub cfg_scale: f32,
    /// Decoding order as `free`, `left-to-right` or `regions:A,B` (see `Order::parse`).
    pub order: String,
    /// Seed of every random choice.
    pub seed: u64,
    /// Candidates per masked position the trace keeps for the hover view (1..=32).
    pub trace_top_k: usize,
    /// Set the model's EOS/EOT logits to −∞ (see `SamplerParams::suppress_eos`).
    pub suppress_eos: bool,
    /// Text output ends at each span's first EOS (see `SamplerParams::stop_at_eos`).
    pub stop_at_eos: bool,
    /// End tokens wait for the cells before them (see `SamplerParams::eos_last`).
    pub eos_last: bool,
}

impl Default for ControlsState {
    fn default() -> Self {
        Self {
            prompt: crate::generate::DEFAULT_PROMPT.into(),
            template: REASONING_FIRST_TEMPLATE.into(),
            use_template: true,
            gen_length: 64,
            raw_prompt: false,
            count_rule: CountRule::Threshold,
            threshold: DEFAULT_THRESHOLD,
            factor: 1.0,
            steps_one_per_mask: true,
            steps: 64,
            schedule: ScheduleKind::Quota,
            eps: DREAM_EPS,
            block_length: 0,
            remasking: Remasking::LowConfidence,
            temperature: 0.0,
            top_p: 1.0,
            top_k: 0,
            alg_temp: 0.0,
            cfg_scale: 0.0,
            order: "free".into(),
            seed: 0,
            trace_top_k: 5,
            suppress_eos: false,
            stop_at_eos: false,
            eos_last: false,
        }
    }
}

/// The CLI's default decoding: Fast-dLLM threshold τ = 0.9 (see `cli::DEFAULT_THRESHOLD`).
pub const DEFAULT_THRESHOLD: f32 = 0.9;
/// Final time of Dream's time grid.
pub const DREAM_EPS: f32 = 1e-3;
/// The answer-first layout the embedded model is trained on.
pub const ANSWER_FIRST_TEMPLATE: &str = "Answer: {answer:4}\n{reasoning:56}";
/// The reasoning-first layout the embedded model is trained on.
pub const REASONING_FIRST_TEMPLATE: &str = "{reasoning:56}\nAnswer: {answer:4}";

/// The preset names, in the order the presets row shows them.
pub const PRESETS: &[&str] = &[
    "LLaDA (1 token/step)",
    "Fast-dLLM threshold 0.9",
    "Dream entropy",
    "Left-to-right (AR-like)",
    "Answer first",
    "Reasoning first",
];

/// What preset `name` sets (its tooltip), or `None` for an unknown name.
pub fn preset_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "LLaDA (1 token/step)" => {
            "LLaDA's sampler: one token per step (steps = masks, quota schedule), the most confident mask first, anywhere (free order, one block), greedy (temperature 0, no top-p/top-k/alg-temp)."
        }
        "Fast-dLLM threshold 0.9" => {
            "Fast-dLLM: each step writes every mask the model is at least 90% sure of (at least one), most confident first, free order, one block, greedy."
        }
        "Dream entropy" => {
            "Dream's sampler: timestep schedule (eps 0.001) with one step per mask, the lowest-entropy masks first, temperature 0.2, top-p 0.95, free order, one block."
        }
        "Left-to-right (AR-like)" => {
            "Like an autoregressive model: one token per step, always the leftmost mask (quota schedule, greedy, one block)."
        }
        "Answer first" => {
            "Template with the answer before the reasoning, and the order regions:answer,reasoning: the model commits to an answer before it explains."
        }
        "Reasoning first" => {
            "Template with the reasoning before the answer, and the order regions:reasoning,answer: the model works it out before it answers."
        }
        _ => return None,
    })
}

/// Error text of the engine's parameter checks, reworded for the window (no CLI `--` prefixes).
fn gui_message(text: &str) -> String {
    text.replace("--", "")
}

/// Number of masks in parsed template parts.
fn mask_count(parts: &[TemplatePart]) -> usize {
    parts
        .iter()
        .map(|p| match p {
            TemplatePart::Span { len, .. } => *len,
            TemplatePart::Text(_) => 0,
        })
        .sum()
}

/// One region of a template, for the live summary under the template box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionSummary {
    /// Region name (`""` for unnamed spans).
    pub name: String,
    /// Masks in the region.
    pub masks: usize,
}

impl ControlsState {
    /// The template the request uses: `template`, or `{gen_length}` in gen-length-only mode.
    pub fn effective_template(&self) -> String {
        if self.use_template {
            self.template.clone()
        } else {
            format!("{{{}}}", self.gen_length)
        }
    }

    /// The regions of the effective template in order of first appearance, or why it is invalid.
    pub fn template_regions(&self) -> Result<Vec<RegionSummary>, String> {
        if !self.use_template && self.gen_length == 0 {
            return Err("the length must be at least 1 mask".into());
        }
        let parts = parse_template(&self.effective_template()).map_err(|e| e.to_string())?;
        let mut regions: Vec<RegionSummary> = Vec::new();
        for part in &parts {
            if let TemplatePart::Span { name, len } = part {
                match regions.iter_mut().find(|r| &r.name == name) {
                    Some(r) => r.masks += len,
                    None => regions.push(RegionSummary {
                        name: name.clone(),
                        masks: *len,
                    }),
                }
            }
        }
        Ok(regions)
    }

    /// The sampler parameters for a canvas with `masks` masked cells (not yet validated).
    pub fn params(&self, masks: usize) -> Result<SamplerParams, String> {
        Ok(SamplerParams {
            steps: if self.steps_one_per_mask {
                masks.max(1)
            } else {
                self.steps
            },
            block_length: (self.block_length > 0).then_some(self.block_length),
            schedule: match self.schedule {
                ScheduleKind::Quota => Schedule::Quota,
                ScheduleKind::Timestep => Schedule::Timestep { eps: self.eps },
            },
            remasking: self.remasking,
            threshold: (self.count_rule == CountRule::Threshold).then_some(self.threshold),
            factor: (self.count_rule == CountRule::Factor).then_some(self.factor),
            temperature: self.temperature,
            top_p: (self.top_p < 1.0).then_some(self.top_p),
            top_k: (self.top_k > 0).then_some(self.top_k),
            alg_temp: (self.alg_temp > 0.0).then_some(self.alg_temp),
            cfg_scale: self.cfg_scale,
            order: Order::parse(&self.order).map_err(|e| format!("order: {e}"))?,
            seed: self.seed,
            trace_top_k: self.trace_top_k,
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            eos_last: self.eos_last,
        })
    }

    /// The request these controls describe, or a one-line reason it is invalid.
    ///
    /// Checks everything that does not need the model: the prompt is not blank, the template
    /// parses, and the engine accepts the parameters for this template (ranges, conflicts, region
    /// names, enough steps). Prompt length against the model's context is checked by the worker.
    pub fn request(&self) -> Result<GenerateRequest, String> {
        if self.prompt.trim().is_empty() {
            return Err(
                "the prompt is empty: type a question or a text for the model to continue".into(),
            );
        }
        if !self.use_template && self.gen_length == 0 {
            return Err("the length must be at least 1 mask".into());
        }
        let template = self.effective_template();
        let parts = parse_template(&template).map_err(|e| e.to_string())?;
        let params = self.params(mask_count(&parts))?;
        // A stand-in canvas with the template's masks (pinned text tokenises to nothing here):
        // enough for every check the sampler makes before the first step.
        let canvas = Canvas::build(&[], &parts, 1, usize::MAX, |_| Ok(Vec::new()))
            .map_err(|e| e.to_string())?;
        Sampler::new(params.clone(), &canvas, 2).map_err(|e| gui_message(&e.to_string()))?;
        Ok(GenerateRequest {
            prompt: self.prompt.clone(),
            template,
            params,
            raw_prompt: self.raw_prompt,
        })
    }

    /// Take over the settings of an earlier run (e.g. a loaded trace's header): prompt, template
    /// and every sampler parameter.
    pub fn load_settings(&mut self, prompt: &str, template: &str, params: &SamplerParams) {
        self.prompt = prompt.to_string();
        self.template = template.to_string();
        self.use_template = true;
        self.count_rule = match (params.threshold, params.factor) {
            (Some(t), _) => {
                self.threshold = t;
                CountRule::Threshold
            }
            (None, Some(f)) => {
                self.factor = f;
                CountRule::Factor
            }
            (None, None) => CountRule::Steps,
        };
        let masks = parse_template(template).map(|p| mask_count(&p)).ok();
        self.steps_one_per_mask = masks == Some(params.steps);
        self.steps = params.steps;
        match params.schedule {
            Schedule::Quota => self.schedule = ScheduleKind::Quota,
            Schedule::Timestep { eps } => {
                self.schedule = ScheduleKind::Timestep;
                self.eps = eps;
            }
        }
        self.block_length = params.block_length.unwrap_or(0);
        self.remasking = params.remasking;
        self.temperature = params.temperature;
        self.top_p = params.top_p.unwrap_or(1.0);
        self.top_k = params.top_k.unwrap_or(0);
        self.alg_temp = params.alg_temp.unwrap_or(0.0);
        self.cfg_scale = params.cfg_scale;
        self.order = params.order.to_string();
        self.seed = params.seed;
        self.trace_top_k = params.trace_top_k;
        self.suppress_eos = params.suppress_eos;
        self.stop_at_eos = params.stop_at_eos;
        self.eos_last = params.eos_last;
    }

    /// Greedy decoding: temperature 0, no top-p, top-k or position sampling.
    fn set_greedy(&mut self) {
        self.temperature = 0.0;
        self.top_p = 1.0;
        self.top_k = 0;
        self.alg_temp = 0.0;
    }

    /// Apply preset `name` (one of [`PRESETS`]); false (and nothing changed) for an unknown
    /// name. Each preset sets exactly what [`preset_description`] says.
    pub fn apply_preset(&mut self, name: &str) -> bool {
        match name {
            "LLaDA (1 token/step)" => {
                self.count_rule = CountRule::Steps;
                self.steps_one_per_mask = true;
                self.schedule = ScheduleKind::Quota;
                self.remasking = Remasking::LowConfidence;
                self.order = "free".into();
                self.block_length = 0;
                self.set_greedy();
            }
            "Fast-dLLM threshold 0.9" => {
                self.count_rule = CountRule::Threshold;
                self.threshold = 0.9;
                self.remasking = Remasking::LowConfidence;
                self.order = "free".into();
                self.block_length = 0;
                self.set_greedy();
            }
            "Dream entropy" => {
                self.count_rule = CountRule::Steps;
                self.steps_one_per_mask = true;
                self.schedule = ScheduleKind::Timestep;
                self.eps = DREAM_EPS;
                self.remasking = Remasking::Entropy;
                self.order = "free".into();
                self.block_length = 0;
                self.temperature = 0.2;
                self.top_p = 0.95;
                self.top_k = 0;
                self.alg_temp = 0.0;
            }
            "Left-to-right (AR-like)" => {
                self.count_rule = CountRule::Steps;
                self.steps_one_per_mask = true;
                self.schedule = ScheduleKind::Quota;
                self.remasking = Remasking::LowConfidence;
                self.order = "left-to-right".into();
                self.block_length = 0;
                self.set_greedy();
            }
            "Answer first" => {
                self.use_template = true;
                self.template = ANSWER_FIRST_TEMPLATE.into();
                self.order = "regions:answer,reasoning".into();
            }
            "Reasoning first" => {
                self.use_template = true;
                self.template = REASONING_FIRST_TEMPLATE.into();
                self.order = "regions:reasoning,answer".into();
            }
            _ => return false,
        }
        true
    }

    /// Whether the current settings are what preset `name` sets (the presets row highlights it).
    pub fn matches_preset(&self, name: &str) -> bool {
        let mut applied = self.clone();
        applied.apply_preset(name) && applied == *self
    }
}

/// Draw the controls; `running` = a run is in progress (Generate becomes Cancel).
///
/// Layout, top to bottom: prompt, response template (with a syntax hint and live validation),
/// presets, the Generate / Cancel button with the request's error if it is invalid, then the
/// decoding and sampling parameters in two collapsible grids. The panel does not scroll by itself:
/// put it in an `egui::ScrollArea` if its container may be short.
pub fn controls_ui(ui: &mut egui::Ui, state: &mut ControlsState, running: bool) -> ControlsAction {
    let mut action = ControlsAction::None;
    let full = ui.available_width();

    ui.label(egui::RichText::new("Prompt").strong())
        .on_hover_text(tips::PROMPT);
    ui.add(
        egui::TextEdit::multiline(&mut state.prompt)
            .desired_rows(3)
            .desired_width(full)
            .hint_text("Ask the model something…"),
    )
    .on_hover_text(tips::PROMPT);

    template_ui(ui, state, full);
    presets_ui(ui, state);

    ui.add_space(4.0);
    let request = state.request();
    let button_size = egui::vec2(full, 38.0);
    if running {
        let cancel = egui::Button::new(
            egui::RichText::new("Cancel")
                .size(20.0)
                .strong()
                .color(egui::Color32::WHITE)
                .atom_grow(true),
        )
        .fill(egui::Color32::from_rgb(0xB0, 0x3A, 0x2E))
        .min_size(button_size);
        if ui.add(cancel).on_hover_text(tips::CANCEL).clicked() {
            action = ControlsAction::Cancel;
        }
    } else {
        let generate = egui::Button::new(
            egui::RichText::new("Generate")
                .size(20.0)
                .strong()
                .color(egui::Color32::WHITE)
                .atom_grow(true),
        )
        .fill(egui::Color32::from_rgb(0x1F, 0x6F, 0xB5))
        .min_size(button_size);
        if ui
            .add_enabled(request.is_ok(), generate)
            .on_hover_text(tips::GENERATE)
            .clicked()
        {
            action = ControlsAction::Generate;
        }
    }
    // A template error is already shown under the template box; show any other reason here.
    if let Err(reason) = &request
        && state.template_regions().is_ok()
    {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("Cannot generate: {reason}"),
        );
    }
    ui.add_space(4.0);

    egui::CollapsingHeader::new(egui::RichText::new("Decoding").strong())
        .id_salt("unmask.controls.decoding")
        .default_open(true)
        .show(ui, |ui| decoding_ui(ui, state));
    egui::CollapsingHeader::new(egui::RichText::new("Sampling").strong())
        .id_salt("unmask.controls.sampling")
        .default_open(true)
        .show(ui, |ui| sampling_ui(ui, state));
    action
}

/// Template box, syntax hint and live validation (or the gen-length-only field).
fn template_ui(ui: &mut egui::Ui, state: &mut ControlsState, full: f32) {
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Response").strong())
            .on_hover_text(tips::TEMPLATE);
        ui.radio_value(&mut state.use_template, true, "template")
            .on_hover_text(tips::TEMPLATE);
        ui.radio_value(&mut state.use_template, false, "length only")
            .on_hover_text(tips::GEN_LENGTH);
    });
    if state.use_template {
        ui.add(
            egui::TextEdit::multiline(&mut state.template)
                .code_editor()
                .desired_rows(2)
                .desired_width(full)
                .hint_text("{reasoning:56}\nAnswer: {answer:4}"),
        )
        .on_hover_text(tips::TEMPLATE);
        ui.label(
            egui::RichText::new("text = pinned · {name:N} = N masks in region name · {N} = N masks · {{ }} = braces")
                .small()
                .weak(),
        );
    } else {
        ui.horizontal(|ui| {
            row_label(ui, "Masks", tips::GEN_LENGTH);
            ui.add(egui::DragValue::new(&mut state.gen_length).range(1..=4096))
                .on_hover_text(tips::GEN_LENGTH);
        });
    }
    match state.template_regions() {
        Ok(regions) => {
            let total: usize = regions.iter().map(|r| r.masks).sum();
            let names: Vec<String> = regions
                .iter()
                .map(|r| {
                    let name = if r.name.is_empty() {
                        "(unnamed)"
                    } else {
                        r.name.as_str()
                    };
                    format!("{name} {}", r.masks)
                })
                .collect();
            ui.label(
                egui::RichText::new(format!("{total} masks · regions: {}", names.join(", ")))
                    .small()
                    .color(ui.visuals().weak_text_color()),
            );
        }
        Err(reason) => {
            ui.colored_label(ui.visuals().error_fg_color, reason);
        }
    }
}

/// The presets row; the preset matching the current settings is highlighted.
fn presets_ui(ui: &mut egui::Ui, state: &mut ControlsState) {
    ui.label(egui::RichText::new("Presets").strong());
    ui.horizontal_wrapped(|ui| {
        for &name in PRESETS {
            let on = state.matches_preset(name);
            let tip = preset_description(name).unwrap_or_default();
            if ui.selectable_label(on, name).on_hover_text(tip).clicked() {
                state.apply_preset(name);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn preset_templates_are_the_layouts_the_embedded_model_was_trained_on() {
        use crate::data::arith::Layout;
        assert_eq!(
            super::REASONING_FIRST_TEMPLATE,
            Layout::ReasoningFirst.template()
        );
        assert_eq!(super::ANSWER_FIRST_TEMPLATE, Layout::AnswerFirst.template());
        assert_eq!(
            crate::generate::DEFAULT_TEMPLATE,
            super::REASONING_FIRST_TEMPLATE
        );
    }

    use super::*;

    #[test]
    fn defaults_give_the_cli_default_decoding() {
        let req = ControlsState::default()
            .request()
            .expect("defaults are valid");
        assert_eq!(req.params.threshold, Some(DEFAULT_THRESHOLD));
        assert_eq!(req.params.factor, None);
        assert_eq!(req.params.order, Order::Free);
        assert_eq!(req.template, REASONING_FIRST_TEMPLATE);
        assert!(req.prompt.contains("47"));
        assert!(!req.raw_prompt);
        assert_eq!(req.params.trace_top_k, 5);
    }

    #[test]
    fn every_preset_is_known_described_and_valid() {
        for &name in PRESETS {
            let mut s = ControlsState::default();
            assert!(s.apply_preset(name), "{name}");
            assert!(preset_description(name).is_some(), "{name}");
            assert!(s.matches_preset(name), "{name}");
            s.request().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let mut s = ControlsState::default();
        assert!(!s.apply_preset("Turbo"));
        assert_eq!(s, ControlsState::default());
    }

    #[test]
    fn one_step_per_mask_counts_the_template() {
        let mut s = ControlsState::default();
        s.apply_preset("LLaDA (1 token/step)");
        let req = s.request().unwrap();
        assert_eq!(req.params.steps, 60);
        assert_eq!(req.params.threshold, None);
        s.use_template = false;
        s.gen_length = 24;
        let req = s.request().unwrap();
        assert_eq!(req.params.steps, 24);
        assert_eq!(req.template, "{24}");
    }

    #[test]
    fn zero_means_off() {
        let s = ControlsState {
            top_p: 1.0,
            top_k: 0,
            alg_temp: 0.0,
            block_length: 0,
            ..ControlsState::default()
        };
        let p = s.request().unwrap().params;
        assert_eq!(
            (p.top_p, p.top_k, p.alg_temp, p.block_length),
            (None, None, None, None)
        );
        let s = ControlsState {
            top_p: 0.9,
            top_k: 40,
            alg_temp: 0.5,
            block_length: 8,
            ..ControlsState::default()
        };
        let p = s.request().unwrap().params;
        assert_eq!(
            (p.top_p, p.top_k, p.alg_temp, p.block_length),
            (Some(0.9), Some(40), Some(0.5), Some(8))
        );
    }

    #[test]
    fn invalid_settings_give_one_line_reasons() {
        let bad = |s: ControlsState, needle: &str| {
            let e = s.request().expect_err(needle);
            assert!(e.contains(needle), "{e:?} should mention {needle:?}");
            assert!(!e.contains('\n'), "{e:?} is one line");
            assert!(!e.contains("--"), "{e:?} has CLI flags");
        };
        let d = ControlsState::default;
        bad(
            ControlsState {
                template: "Answer: {answer:4".into(),
                ..d()
            },
            "closing",
        );
        bad(
            ControlsState {
                template: "no masks here".into(),
                ..d()
            },
            "no mask span",
        );
        bad(
            ControlsState {
                prompt: "   ".into(),
                ..d()
            },
            "prompt is empty",
        );
        bad(
            ControlsState {
                order: "regions:answer,nowhere".into(),
                ..d()
            },
            "nowhere",
        );
        bad(
            ControlsState {
                order: "sideways".into(),
                ..d()
            },
            "unknown order",
        );
        bad(
            ControlsState {
                count_rule: CountRule::Threshold,
                threshold: 1.5,
                ..d()
            },
            "threshold",
        );
        bad(
            ControlsState {
                count_rule: CountRule::Steps,
                steps_one_per_mask: false,
                steps: 1,
                order: "regions:reasoning,answer".into(),
                ..d()
            },
            "steps",
        );
        bad(
            ControlsState {
                use_template: false,
                gen_length: 0,
                ..d()
            },
            "at least 1",
        );
    }

    #[test]
    fn template_regions_are_summarised() {
        let s = ControlsState {
            template: "A {x:3} B {y:2} C {x:4} {5}".into(),
            ..ControlsState::default()
        };
        let r = s.template_regions().unwrap();
        let got: Vec<(&str, usize)> = r.iter().map(|r| (r.name.as_str(), r.masks)).collect();
        assert_eq!(got, [("x", 7), ("y", 2), ("", 5)]);
    }

    #[test]
    fn settings_of_a_run_round_trip() {
        for &name in PRESETS {
            let mut s = ControlsState::default();
            s.apply_preset(name);
            s.seed = 42;
            let req = s.request().unwrap();
            let mut t = ControlsState {
                prompt: "other".into(),
                ..ControlsState::default()
            };
            t.load_settings(&req.prompt, &req.template, &req.params);
            assert_eq!(t.request().unwrap(), req, "{name}");
        }
    }

    #[test]
    fn state_survives_serde_and_missing_fields_take_defaults() {
        let mut s = ControlsState::default();
        s.apply_preset("Dream entropy");
        let json = serde_json::to_string(&s).unwrap();
        let back: ControlsState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let partial: ControlsState = serde_json::from_str(r#"{"prompt":"hi"}"#).unwrap();
        assert_eq!(partial.prompt, "hi");
        assert_eq!(partial.threshold, DEFAULT_THRESHOLD);
    }
}
