//! `SamplerParams`: every knob of the decoding rules, validated once at the edge.

use serde::{Deserialize, Serialize};

/// How many masked positions to commit per step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// LLaDA: per stage with `n` masks and `s` steps, `n / s` per step, the first `n % s` steps one more.
    Quota,
    /// Dream: commit `int(n_masked × (1 − s/t))` on the time grid `linspace(1, eps, steps+1)`.
    Timestep {
        /// Final time of the grid (Dream uses 1e-3).
        eps: f32,
    },
}

/// How a candidate's "confidence" is scored (higher = committed earlier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Remasking {
    /// Probability of the chosen candidate (LLaDA `low_confidence`, Dream `maskgit_plus`).
    LowConfidence,
    /// Uniform random score (LLaDA `random`).
    Random,
    /// Top-1 minus top-2 probability (Dream `topk_margin`).
    Margin,
    /// Negative entropy of the distribution: the surest (lowest entropy) positions first.
    Entropy,
}

/// Which masked positions are eligible in the current stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    /// The scorer chooses anywhere in the current block.
    Free,
    /// Always the leftmost masks (an autoregressive-like baseline).
    LeftToRight,
    /// Finish the named regions in this order; regions not named follow in canvas order.
    Regions(Vec<String>),
}

/// Every decoding parameter of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplerParams {
    /// Total denoising steps for the `Quota`/`Timestep` schedules (ignored with `threshold`/`factor`).
    pub steps: usize,
    /// Masked positions per semi-autoregressive block; `None` = one block.
    pub block_length: Option<usize>,
    /// How many to commit per step.
    pub schedule: Schedule,
    /// How candidates are scored.
    pub remasking: Remasking,
    /// Fast-dLLM threshold τ: commit every candidate with confidence ≥ τ (at least one per step).
    pub threshold: Option<f32>,
    /// Fast-dLLM factor f: commit the longest prefix with `c_r ≥ 1 − f/(r+1)` (at least one).
    pub factor: Option<f32>,
    /// Gumbel temperature for choosing candidates (0 = argmax).
    pub temperature: f32,
    /// Nucleus filtering of the distribution (1.0 or `None` = off).
    pub top_p: Option<f32>,
    /// Keep only the `k` most likely tokens (`None` = off).
    pub top_k: Option<usize>,
    /// Sample positions from `softmax(score / alg_temp)` instead of taking the top scores.
    pub alg_temp: Option<f32>,
    /// Classifier-free guidance scale (0 = off).
    pub cfg_scale: f32,
    /// Which positions are eligible.
    pub order: Order,
    /// Seed of every random choice in the run.
    pub seed: u64,
    /// How many candidates per masked position the trace keeps (for hover views).
    pub trace_top_k: usize,
    /// Never let the model write end-of-sequence: the logits of the model's EOS/EOT ids are set to
    /// −∞ at every still-masked position before scoring, so every response cell gets content
    /// (shows what the model says at the full length instead of a flood of EOS padding).
    pub suppress_eos: bool,
    /// Show the response only up to EOS: within each masked span, the text output ends at the
    /// span's first EOS/EOT cell (decoding itself is unchanged; the trace keeps every cell).
    pub stop_at_eos: bool,
    /// Decide where each span ends last: a cell whose guess is an end token (EOS/EOT, given by
    /// [`Sampler::with_end_tokens`](super::Sampler::with_end_tokens)) is committed only once every
    /// cell before it in its span is written, so the padding cannot fix a length before the
    /// content is known. Ranked after every other candidate; threshold and factor decoding count
    /// only the others.
    pub eos_last: bool,
}

impl Default for SamplerParams {
    fn default() -> Self {
        Self {
            steps: 32,
            block_length: None,
            schedule: Schedule::Quota,
            remasking: Remasking::LowConfidence,
            threshold: None,
            factor: None,
            temperature: 0.0,
            top_p: None,
            top_k: None,
            alg_temp: None,
            cfg_scale: 0.0,
            order: Order::Free,
            seed: 0,
            trace_top_k: super::settings::DEFAULT_TRACE_TOP_K,
            suppress_eos: false,
            stop_at_eos: false,
            eos_last: false,
        }
    }
}

/// Parameters that cannot work together or are out of range.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParamsError {
    /// A value is out of its range.
    #[error("{name} = {value} is out of range: {expected}")]
    OutOfRange {
        /// Parameter name as the CLI spells it.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// Two options exclude each other.
    #[error("{0}")]
    Conflict(String),
    /// A region named in `--order regions:` is not in the canvas.
    #[error("--order names region {name:?}, but the canvas has only {available}")]
    UnknownRegion {
        /// The name.
        name: String,
        /// The canvas's regions, comma separated.
        available: String,
    },
}

impl Order {
    /// Parse `free`, `left-to-right` or `regions:A,B`.
    pub fn parse(text: &str) -> Result<Order, String> {
        match text.trim() {
            "free" => Ok(Order::Free),
            "left-to-right" | "ltr" => Ok(Order::LeftToRight),
            other => match other.strip_prefix("regions:") {
                Some(list) => {
                    let names: Vec<String> =
                        list.split(',').map(|s| s.trim().to_string()).collect();
                    if names.iter().any(String::is_empty) && names.len() > 1 {
                        Err(format!(
                            "{other:?} has an empty region name: write regions:answer,reasoning"
                        ))
                    } else if names.iter().all(String::is_empty) {
                        Err("regions: needs at least one region name, e.g. regions:answer,reasoning".into())
                    } else {
                        Ok(Order::Regions(names))
                    }
                }
                None => Err(format!(
                    "unknown order {other:?}: use free, left-to-right or regions:A,B"
                )),
            },
        }
    }
}

impl std::fmt::Display for Order {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Order::Free => write!(f, "free"),
            Order::LeftToRight => write!(f, "left-to-right"),
            Order::Regions(names) => write!(f, "regions:{}", names.join(",")),
        }
    }
}
