//! The controls panel: prompt, canvas template, every sampler parameter (with tooltips), presets.
//!
//! [`ControlsState`] holds what the user typed and picked, in widget-friendly form (a value plus
//! "0 = off" instead of `Option`s, an order as text); [`ControlsState::settings`] turns it into the
//! sampler's [`SamplerSettings`], which the CLI's flags also fill, and [`ControlsState::request`]
//! into a validated [`GenerateRequest`]. Defaults, presets ([`Preset`]) and the labels of each
//! choice come from `sampler`. Validation reuses the engine's own checks by building the sampler on
//! a stand-in canvas of the template, so the panel and the worker never disagree. The parameter
//! grids are in `controls/parameters.rs`, the tooltips in `controls/tips.rs`.

use egui::AtomExt as _;
use serde::{Deserialize, Serialize};

use crate::canvas::{Canvas, TemplatePart, parse_template};
use crate::generate::GenerateRequest;
use crate::model::config::RecommendedDecoding;
use crate::sampler::presets::REASONING_FIRST_TEMPLATE;
use crate::sampler::{
    CountRule, DEFAULT_THRESHOLD, DEFAULT_TRACE_TOP_K, DREAM_EPS, Order, Preset, Remasking,
    Sampler, SamplerParams, SamplerSettings, Schedule, ScheduleKind,
};

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
            order: Order::Free.to_string(),
            seed: 0,
            trace_top_k: DEFAULT_TRACE_TOP_K,
            suppress_eos: false,
            stop_at_eos: false,
            eos_last: false,
        }
    }
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
    /// Switch to the decoding a model recommends for itself (its count rule and value; every
    /// other control kept).
    pub fn apply_recommended(&mut self, recommended: &RecommendedDecoding) {
        if let Some(t) = recommended.threshold {
            self.count_rule = CountRule::Threshold;
            self.threshold = t;
        } else if let Some(f) = recommended.factor {
            self.count_rule = CountRule::Factor;
            self.factor = f;
        } else if let Some(n) = recommended.steps {
            self.count_rule = CountRule::Steps;
            self.steps_one_per_mask = false;
            self.steps = n;
        }
    }

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

    /// The sampler settings these widgets show (a zero that means off becomes `None`).
    pub fn settings(&self) -> SamplerSettings {
        SamplerSettings {
            steps: (!self.steps_one_per_mask).then_some(self.steps),
            block_length: (self.block_length > 0).then_some(self.block_length),
            schedule: self.schedule.with_eps(self.eps),
            remasking: self.remasking,
            threshold: (self.count_rule == CountRule::Threshold).then_some(self.threshold),
            factor: (self.count_rule == CountRule::Factor).then_some(self.factor),
            temperature: self.temperature,
            top_p: (self.top_p < 1.0).then_some(self.top_p),
            top_k: (self.top_k > 0).then_some(self.top_k),
            alg_temp: (self.alg_temp > 0.0).then_some(self.alg_temp),
            cfg_scale: self.cfg_scale,
            order: self.order.clone(),
            seed: self.seed,
            trace_top_k: self.trace_top_k,
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            eos_last: self.eos_last,
        }
    }

    /// Show `s` in the widgets, keeping the values of those it leaves unused (the factor while
    /// the threshold rule is on, the step count while steps are one per mask, Dream's eps while
    /// the schedule is quota).
    pub fn set_settings(&mut self, s: &SamplerSettings) {
        self.count_rule = s.count_rule();
        match (s.threshold, s.factor) {
            (Some(t), _) => self.threshold = t,
            (None, Some(f)) => self.factor = f,
            (None, None) => {}
        }
        self.steps_one_per_mask = s.steps.is_none();
        if let Some(steps) = s.steps {
            self.steps = steps;
        }
        self.schedule = s.schedule.kind();
        if let Schedule::Timestep { eps } = s.schedule {
            self.eps = eps;
        }
        self.block_length = s.block_length.unwrap_or(0);
        self.remasking = s.remasking;
        self.temperature = s.temperature;
        self.top_p = s.top_p.unwrap_or(1.0);
        self.top_k = s.top_k.unwrap_or(0);
        self.alg_temp = s.alg_temp.unwrap_or(0.0);
        self.cfg_scale = s.cfg_scale;
        self.order = s.order.clone();
        self.seed = s.seed;
        self.trace_top_k = s.trace_top_k;
        self.suppress_eos = s.suppress_eos;
        self.stop_at_eos = s.stop_at_eos;
        self.eos_last = s.eos_last;
    }

    /// The sampler parameters for a canvas with `masks` masked cells (not yet validated).
    pub fn params(&self, masks: usize) -> Result<SamplerParams, String> {
        self.settings()
            .params(masks)
            .map_err(|e| format!("order: {e}"))
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
        let masks = parse_template(template).map(|p| mask_count(&p)).ok();
        self.set_settings(&SamplerSettings::from_params(params, masks));
        // The run's step count, also when it was one step per mask.
        self.steps = params.steps;
    }

    /// Apply `preset`: its decoding settings, and its template if it has one.
    pub fn apply_preset(&mut self, preset: Preset) {
        let mut settings = self.settings();
        preset.apply(&mut settings);
        self.set_settings(&settings);
        if let Some(template) = preset.template() {
            self.use_template = true;
            self.template = template.into();
        }
    }

    /// Whether the current settings are what `preset` sets (the presets row highlights it).
    pub fn matches_preset(&self, preset: Preset) -> bool {
        let mut applied = self.clone();
        applied.apply_preset(preset);
        applied == *self
    }
}

/// Draw the controls (everything but the Generate button, see [`generate_button_ui`]).
///
/// Layout, top to bottom: prompt, response template (with a syntax hint and live validation),
/// presets, the request's error if it is invalid, then the decoding and sampling parameters in two
/// collapsible grids. The panel does not scroll by itself: put it in an `egui::ScrollArea` if its
/// container may be short.
pub fn controls_ui(ui: &mut egui::Ui, state: &mut ControlsState) {
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

    let request = state.request();
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
}

/// The Generate button (Cancel while `running`), full width: the panel pins it where it is always
/// in view, whatever the zoom.
pub fn generate_button_ui(
    ui: &mut egui::Ui,
    state: &ControlsState,
    running: bool,
) -> ControlsAction {
    let mut action = ControlsAction::None;
    let button_size = egui::vec2(ui.available_width(), 38.0);
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
            .add_enabled(state.request().is_ok(), generate)
            .on_hover_text(tips::GENERATE)
            .clicked()
        {
            action = ControlsAction::Generate;
        }
    }
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
        for preset in Preset::ALL {
            let on = state.matches_preset(preset);
            let label = ui.selectable_label(on, preset.label());
            if label.on_hover_text(preset.description()).clicked() {
                state.apply_preset(preset);
            }
        }
    });
}

#[cfg(test)]
mod tests {
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
        assert_eq!(req.prompt, crate::generate::DEFAULT_PROMPT);
        assert!(!req.raw_prompt);
        assert_eq!(req.params.trace_top_k, 5);
    }

    #[test]
    fn default_controls_are_the_samplers_default_settings() {
        assert_eq!(
            ControlsState::default().settings(),
            SamplerSettings::default()
        );
    }

    #[test]
    fn showing_the_settings_again_changes_nothing() {
        let mut states = vec![
            ControlsState::default(),
            ControlsState {
                count_rule: CountRule::Factor,
                factor: 2.5,
                threshold: 0.3,
                steps_one_per_mask: false,
                steps: 3,
                schedule: ScheduleKind::Timestep,
                eps: 0.2,
                block_length: 4,
                remasking: Remasking::Random,
                top_p: 0.5,
                top_k: 7,
                alg_temp: 0.3,
                order: "regions: y , x".into(),
                ..ControlsState::default()
            },
        ];
        for preset in Preset::ALL {
            let mut s = states[1].clone();
            s.apply_preset(preset);
            states.push(s);
        }
        for s in states {
            let mut shown = ControlsState {
                threshold: 0.1,
                factor: 9.0,
                steps: 99,
                eps: 0.4,
                ..s.clone()
            };
            shown.set_settings(&s.settings());
            let kept = |x: &ControlsState| (x.count_rule, x.steps_one_per_mask, x.schedule);
            assert_eq!(kept(&shown), kept(&s));
            assert_eq!(shown.settings(), s.settings());
        }
    }

    #[test]
    fn every_preset_is_known_described_and_valid() {
        for name in Preset::ALL {
            let mut s = ControlsState::default();
            s.apply_preset(name);
            assert!(s.matches_preset(name), "{name}");
            s.request().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn one_step_per_mask_counts_the_template() {
        let mut s = ControlsState::default();
        s.apply_preset(Preset::Llada);
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
        for name in Preset::ALL {
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
        s.apply_preset(Preset::DreamEntropy);
        let json = serde_json::to_string(&s).unwrap();
        let back: ControlsState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let partial: ControlsState = serde_json::from_str(r#"{"prompt":"hi"}"#).unwrap();
        assert_eq!(partial.prompt, "hi");
        assert_eq!(partial.threshold, DEFAULT_THRESHOLD);
    }

    #[test]
    fn a_recommendation_sets_the_count_rule_and_keeps_the_rest() {
        let mut c = ControlsState {
            remasking: Remasking::Margin,
            ..ControlsState::default()
        };
        c.apply_recommended(&RecommendedDecoding {
            threshold: Some(0.99),
            ..RecommendedDecoding::default()
        });
        assert_eq!((c.count_rule, c.threshold), (CountRule::Threshold, 0.99));
        assert_eq!(c.remasking, Remasking::Margin);
        c.apply_recommended(&RecommendedDecoding {
            steps: Some(24),
            ..RecommendedDecoding::default()
        });
        assert_eq!(c.count_rule, CountRule::Steps);
        assert!(!c.steps_one_per_mask);
        assert_eq!(c.request().unwrap().params.steps, 24);
    }
}
