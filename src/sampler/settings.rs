//! The decoding knobs as a person sets them — the CLI's flags, the app's controls, a preset —
//! before a canvas gives the mask count, and the defaults both faces share.
//!
//! [`SamplerSettings::params`] is the one way from settings to [`SamplerParams`]; the CLI fills
//! the settings from its flags, the app from its widgets (where 0 means off).

use super::names::ParseNameError;
use super::params::{Order, Remasking, SamplerParams, Schedule};

/// The default decoding of the CLI and the app when no count rule is chosen: Fast-dLLM's
/// confidence threshold τ = 0.9 (every mask at least this sure, at least one per step).
pub const DEFAULT_THRESHOLD: f32 = 0.9;
/// Final time of Dream's time grid `1 → eps` (the value Dream's sampler uses).
pub const DREAM_EPS: f32 = 1e-3;
/// Candidates per masked position a trace keeps for the hover view, unless set.
pub const DEFAULT_TRACE_TOP_K: usize = 5;

/// How many tokens each step commits (the controls' first choice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CountRule {
    /// Fast-dLLM: every mask whose confidence reaches `threshold` (at least one per step).
    Threshold,
    /// Fast-dLLM factor: the longest run of candidates with `c_r ≥ 1 − f/(r+1)`.
    Factor,
    /// A fixed number of steps, split by the schedule.
    Steps,
}

/// How a fixed number of steps is turned into tokens per step, without Dream's `eps`
/// (`--schedule` on the command line, a radio button in the app).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ScheduleKind {
    /// LLaDA: the same number every step (the first steps one more).
    Quota,
    /// Dream: follow the time grid `1 → eps`.
    Timestep,
}

impl ScheduleKind {
    /// The schedule of this kind; `eps` is the end of Dream's time grid (unused by quota).
    pub fn with_eps(self, eps: f32) -> Schedule {
        match self {
            ScheduleKind::Quota => Schedule::Quota,
            ScheduleKind::Timestep => Schedule::Timestep { eps },
        }
    }
}

impl Schedule {
    /// The kind of this schedule.
    pub fn kind(&self) -> ScheduleKind {
        match self {
            Schedule::Quota => ScheduleKind::Quota,
            Schedule::Timestep { .. } => ScheduleKind::Timestep,
        }
    }
}

/// The three kinds of order the app's order box offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderKind {
    /// [`Order::Free`].
    Free,
    /// [`Order::LeftToRight`].
    LeftToRight,
    /// [`Order::Regions`].
    Regions,
}

impl OrderKind {
    /// The kind an order typed as text names, also while its region list is still being typed.
    pub fn of_text(text: &str) -> OrderKind {
        let trimmed = text.trim();
        if trimmed.starts_with("regions:") {
            OrderKind::Regions
        } else if trimmed == "left-to-right" || trimmed == "ltr" {
            OrderKind::LeftToRight
        } else {
            OrderKind::Free
        }
    }
}

/// Every decoding knob in the form a person sets it.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerSettings {
    /// Total denoising steps; `None` = one step per mask of the canvas (LLaDA's 1 token/step).
    pub steps: Option<usize>,
    /// Masks per semi-autoregressive block; `None` = one block.
    pub block_length: Option<usize>,
    /// How a fixed number of steps is split (with the end of Dream's time grid).
    pub schedule: Schedule,
    /// How candidates are scored.
    pub remasking: Remasking,
    /// Fast-dLLM threshold τ.
    pub threshold: Option<f32>,
    /// Fast-dLLM factor f.
    pub factor: Option<f32>,
    /// Token sampling temperature (0 = argmax).
    pub temperature: f32,
    /// Nucleus filtering (`None` = off).
    pub top_p: Option<f32>,
    /// Keep only the k most likely tokens (`None` = off).
    pub top_k: Option<usize>,
    /// Position sampling temperature (`None` = take the top scores).
    pub alg_temp: Option<f32>,
    /// Classifier-free guidance scale (0 = off).
    pub cfg_scale: f32,
    /// Decoding order as typed: `free`, `left-to-right` or `regions:A,B`.
    pub order: String,
    /// Seed of every random choice.
    pub seed: u64,
    /// Candidates per masked position the trace keeps.
    pub trace_top_k: usize,
    /// See [`SamplerParams::suppress_eos`].
    pub suppress_eos: bool,
    /// See [`SamplerParams::stop_at_eos`].
    pub stop_at_eos: bool,
    /// See [`SamplerParams::eos_last`].
    pub eos_last: bool,
}

impl Default for SamplerSettings {
    /// The default decoding of the CLI and the app: threshold τ = [`DEFAULT_THRESHOLD`], most
    /// confident first, free order, one block, greedy, seed 0.
    fn default() -> Self {
        Self {
            steps: None,
            block_length: None,
            schedule: Schedule::Quota,
            remasking: Remasking::LowConfidence,
            threshold: Some(DEFAULT_THRESHOLD),
            factor: None,
            temperature: 0.0,
            top_p: None,
            top_k: None,
            alg_temp: None,
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

impl SamplerSettings {
    /// The parameters for a canvas with `masks` masked cells (checked later, by the sampler);
    /// fails only on an order that does not parse.
    pub fn params(&self, masks: usize) -> Result<SamplerParams, ParseNameError> {
        Ok(SamplerParams {
            steps: self.steps.unwrap_or(masks.max(1)),
            block_length: self.block_length,
            schedule: self.schedule,
            remasking: self.remasking,
            threshold: self.threshold,
            factor: self.factor,
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            alg_temp: self.alg_temp,
            cfg_scale: self.cfg_scale,
            order: self.order.parse()?,
            seed: self.seed,
            trace_top_k: self.trace_top_k,
            suppress_eos: self.suppress_eos,
            stop_at_eos: self.stop_at_eos,
            eos_last: self.eos_last,
        })
    }

    /// The settings of a run's parameters; its steps count as one per mask when the canvas had
    /// `masks` masks and the run as many steps.
    pub fn from_params(params: &SamplerParams, masks: Option<usize>) -> Self {
        Self {
            steps: (masks != Some(params.steps)).then_some(params.steps),
            block_length: params.block_length,
            schedule: params.schedule,
            remasking: params.remasking,
            threshold: params.threshold,
            factor: params.factor,
            temperature: params.temperature,
            top_p: params.top_p,
            top_k: params.top_k,
            alg_temp: params.alg_temp,
            cfg_scale: params.cfg_scale,
            order: params.order.to_string(),
            seed: params.seed,
            trace_top_k: params.trace_top_k,
            suppress_eos: params.suppress_eos,
            stop_at_eos: params.stop_at_eos,
            eos_last: params.eos_last,
        }
    }

    /// Which rule decides how many tokens a step commits (a threshold wins over a factor).
    pub fn count_rule(&self) -> CountRule {
        match (self.threshold, self.factor) {
            (Some(_), _) => CountRule::Threshold,
            (None, Some(_)) => CountRule::Factor,
            (None, None) => CountRule::Steps,
        }
    }

    /// Greedy decoding: temperature 0, no top-p, top-k or position sampling.
    pub fn set_greedy(&mut self) {
        self.temperature = 0.0;
        self.top_p = None;
        self.top_k = None;
        self.alg_temp = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_default_params_with_the_default_threshold() {
        let p = SamplerSettings::default().params(60).unwrap();
        assert_eq!(
            p,
            SamplerParams {
                steps: 60,
                threshold: Some(DEFAULT_THRESHOLD),
                ..SamplerParams::default()
            }
        );
        assert_eq!(SamplerParams::default().trace_top_k, DEFAULT_TRACE_TOP_K);
    }

    #[test]
    fn steps_follow_the_canvas_unless_set() {
        let s = SamplerSettings::default();
        assert_eq!(s.params(0).unwrap().steps, 1, "at least one step");
        let s = SamplerSettings {
            steps: Some(7),
            ..s
        };
        assert_eq!(s.params(60).unwrap().steps, 7);
    }

    #[test]
    fn params_round_trip_through_settings() {
        let p = SamplerParams {
            steps: 12,
            block_length: Some(4),
            schedule: Schedule::Timestep { eps: 0.01 },
            remasking: Remasking::Margin,
            threshold: None,
            factor: Some(1.5),
            temperature: 0.3,
            top_p: Some(0.9),
            top_k: Some(3),
            alg_temp: Some(0.2),
            cfg_scale: 1.0,
            order: Order::Regions(vec!["a".into(), "b".into()]),
            seed: 9,
            trace_top_k: 2,
            suppress_eos: true,
            stop_at_eos: true,
            eos_last: true,
        };
        for masks in [Some(12), Some(20), None] {
            let s = SamplerSettings::from_params(&p, masks);
            assert_eq!(s.steps.is_none(), masks == Some(12));
            assert_eq!(s.params(masks.unwrap_or(12)).unwrap(), p);
            assert_eq!(s.count_rule(), CountRule::Factor);
        }
    }

    #[test]
    fn a_bad_order_is_the_only_failure() {
        let s = SamplerSettings {
            order: "sideways".into(),
            ..SamplerSettings::default()
        };
        let e = s.params(4).unwrap_err().to_string();
        assert!(e.starts_with("unknown order \"sideways\""), "{e}");
    }

    #[test]
    fn schedule_kinds_carry_eps_only_for_dream() {
        assert_eq!(ScheduleKind::Quota.with_eps(0.5), Schedule::Quota);
        let dream = ScheduleKind::Timestep.with_eps(DREAM_EPS);
        assert_eq!(dream, Schedule::Timestep { eps: 1e-3 });
        assert_eq!(dream.kind(), ScheduleKind::Timestep);
    }

    #[test]
    fn order_kinds_of_text() {
        assert_eq!(OrderKind::of_text("regions:"), OrderKind::Regions);
        assert_eq!(OrderKind::of_text(" ltr "), OrderKind::LeftToRight);
        assert_eq!(OrderKind::of_text("left-to-right"), OrderKind::LeftToRight);
        assert_eq!(OrderKind::of_text("anything"), OrderKind::Free);
    }
}
