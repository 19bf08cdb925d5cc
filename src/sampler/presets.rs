//! The app's presets: the anchor systems' decoding (LLaDA, Fast-dLLM, Dream), a left-to-right
//! baseline, and the two canvas layouts the embedded model was trained on with their region orders.

use std::fmt;
use std::str::FromStr;

use super::names::ParseNameError;
use super::params::{Order, Remasking, Schedule};
use super::settings::{DEFAULT_THRESHOLD, DREAM_EPS, SamplerSettings};

/// The answer-first layout the embedded model is trained on.
pub const ANSWER_FIRST_TEMPLATE: &str = "Answer: {answer:4}\n{reasoning:56}";
/// The reasoning-first layout the embedded model is trained on.
pub const REASONING_FIRST_TEMPLATE: &str = "{reasoning:56}\nAnswer: {answer:4}";

/// One preset of the presets row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// LLaDA's sampler: one token per step, the most confident first.
    Llada,
    /// Fast-dLLM: threshold τ = [`DEFAULT_THRESHOLD`].
    FastDllm,
    /// Dream's sampler with entropy scoring.
    DreamEntropy,
    /// Always the leftmost mask, like an autoregressive model.
    LeftToRight,
    /// The answer-first template and region order.
    AnswerFirst,
    /// The reasoning-first template and region order.
    ReasoningFirst,
}

impl Preset {
    /// Every preset, in the order the presets row shows them.
    pub const ALL: [Preset; 6] = [
        Preset::Llada,
        Preset::FastDllm,
        Preset::DreamEntropy,
        Preset::LeftToRight,
        Preset::AnswerFirst,
        Preset::ReasoningFirst,
    ];

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Llada => "LLaDA (1 token/step)",
            Preset::FastDllm => "Fast-dLLM threshold 0.9",
            Preset::DreamEntropy => "Dream entropy",
            Preset::LeftToRight => "Left-to-right (AR-like)",
            Preset::AnswerFirst => "Answer first",
            Preset::ReasoningFirst => "Reasoning first",
        }
    }

    /// What the preset sets (the button's tooltip).
    pub fn description(self) -> &'static str {
        match self {
            Preset::Llada => {
                "LLaDA's sampler: one token per step (steps = masks, quota schedule), the most confident mask first, anywhere (free order, one block), greedy (temperature 0, no top-p/top-k/alg-temp)."
            }
            Preset::FastDllm => {
                "Fast-dLLM: each step writes every mask the model is at least 90% sure of (at least one), most confident first, free order, one block, greedy."
            }
            Preset::DreamEntropy => {
                "Dream's sampler: timestep schedule (eps 0.001) with one step per mask, the lowest-entropy masks first, temperature 0.2, top-p 0.95, free order, one block."
            }
            Preset::LeftToRight => {
                "Like an autoregressive model: one token per step, always the leftmost mask (quota schedule, greedy, one block)."
            }
            Preset::AnswerFirst => {
                "Template with the answer before the reasoning, and the order regions:answer,reasoning: the model commits to an answer before it explains."
            }
            Preset::ReasoningFirst => {
                "Template with the reasoning before the answer, and the order regions:reasoning,answer: the model works it out before it answers."
            }
        }
    }

    /// The response template the preset sets, if it sets one (the layouts do; the decoding
    /// presets keep the template).
    pub fn template(self) -> Option<&'static str> {
        match self {
            Preset::AnswerFirst => Some(ANSWER_FIRST_TEMPLATE),
            Preset::ReasoningFirst => Some(REASONING_FIRST_TEMPLATE),
            _ => None,
        }
    }

    /// Set what [`Preset::description`] says in `s`, leaving everything else as it is.
    pub fn apply(self, s: &mut SamplerSettings) {
        let one_token_per_step = |s: &mut SamplerSettings, order: Order| {
            s.threshold = None;
            s.factor = None;
            s.steps = None;
            s.schedule = Schedule::Quota;
            s.remasking = Remasking::LowConfidence;
            s.order = order.to_string();
            s.block_length = None;
            s.set_greedy();
        };
        match self {
            Preset::Llada => one_token_per_step(s, Order::Free),
            Preset::LeftToRight => one_token_per_step(s, Order::LeftToRight),
            Preset::FastDllm => {
                s.threshold = Some(DEFAULT_THRESHOLD);
                s.factor = None;
                s.remasking = Remasking::LowConfidence;
                s.order = Order::Free.to_string();
                s.block_length = None;
                s.set_greedy();
            }
            Preset::DreamEntropy => {
                s.threshold = None;
                s.factor = None;
                s.steps = None;
                s.schedule = Schedule::Timestep { eps: DREAM_EPS };
                s.remasking = Remasking::Entropy;
                s.order = Order::Free.to_string();
                s.block_length = None;
                s.temperature = 0.2;
                s.top_p = Some(0.95);
                s.top_k = None;
                s.alg_temp = None;
            }
            Preset::AnswerFirst => s.order = regions(&["answer", "reasoning"]),
            Preset::ReasoningFirst => s.order = regions(&["reasoning", "answer"]),
        }
    }
}

/// The region order finishing `names` in turn, as text.
fn regions(names: &[&str]) -> String {
    Order::Regions(names.iter().map(|n| n.to_string()).collect()).to_string()
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Preset {
    type Err = ParseNameError;

    /// A preset by its label.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|p| p.label() == text)
            .ok_or_else(|| ParseNameError(format!("unknown preset {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_templates_are_the_layouts_the_embedded_model_was_trained_on() {
        use crate::data::arith::Layout;
        assert_eq!(REASONING_FIRST_TEMPLATE, Layout::ReasoningFirst.template());
        assert_eq!(ANSWER_FIRST_TEMPLATE, Layout::AnswerFirst.template());
    }

    #[test]
    fn labels_name_the_presets() {
        for p in Preset::ALL {
            assert_eq!(p.label().parse::<Preset>(), Ok(p));
            assert!(!p.description().is_empty());
        }
        assert!("Turbo".parse::<Preset>().is_err());
    }

    #[test]
    fn decoding_presets_give_what_they_say() {
        let p = |preset: Preset| {
            let mut s = SamplerSettings {
                factor: Some(2.0),
                steps: Some(3),
                temperature: 0.7,
                order: "regions:b,a".into(),
                ..SamplerSettings::default()
            };
            preset.apply(&mut s);
            s.params(8).unwrap()
        };
        let llada = p(Preset::Llada);
        assert_eq!(
            (llada.threshold, llada.factor, llada.steps),
            (None, None, 8)
        );
        assert_eq!((llada.temperature, llada.order), (0.0, Order::Free));
        let fast = p(Preset::FastDllm);
        assert_eq!((fast.threshold, fast.factor), (Some(0.9), None));
        assert_eq!(fast.steps, 3, "the step count is left as it was");
        let dream = p(Preset::DreamEntropy);
        assert_eq!(dream.schedule, Schedule::Timestep { eps: 1e-3 });
        assert_eq!(
            (dream.remasking, dream.top_p),
            (Remasking::Entropy, Some(0.95))
        );
        assert_eq!(p(Preset::LeftToRight).order, Order::LeftToRight);
        let answer = p(Preset::AnswerFirst);
        assert_eq!(
            answer.order,
            Order::Regions(vec!["answer".into(), "reasoning".into()])
        );
        assert_eq!(answer.factor, Some(2.0), "a layout keeps the decoding");
    }
}
