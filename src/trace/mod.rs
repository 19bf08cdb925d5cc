//! The record of a run: header, per-step commits and guesses, random access to any frame, files.
//!
//! Frames are numbered `0..=steps.len()`: frame 0 is the initial canvas, frame `k` is the canvas after
//! step `k` (1-based). The guesses shown under the masks of frame `k` are the ones step `k + 1`
//! computed from exactly that canvas (frame `steps.len()` has none unless the run was cut short).

use std::collections::BTreeMap;

use half::f16;
use serde::{Deserialize, Serialize};

use crate::canvas::Canvas;
use crate::sampler::{Commit, SamplerParams};

/// Version of the on-disk trace format written by this build.
pub const TRACE_FORMAT_VERSION: u32 = 1;

/// How a token id displays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The token decoded on its own (lossy for partial UTF-8).
    pub text: String,
    /// The raw bytes the token stands for (byte-level BPE), so neighbours can be joined into UTF-8.
    pub bytes: Vec<u8>,
    /// A special/control token (EOS, EOT, padding, mask…).
    pub special: bool,
}

/// Id → display info for every token id a trace mentions.
pub type TokenTable = BTreeMap<u32, TokenInfo>;

/// Everything fixed before the first step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceHeader {
    /// Format version of the file this came from (or `TRACE_FORMAT_VERSION`).
    pub format_version: u32,
    /// `CARGO_PKG_VERSION` of the Unmask that made the run.
    pub unmask_version: String,
    /// Model folder, hub id or name.
    pub model_id: String,
    /// Model family (`llada`, `dream`…).
    pub model_family: String,
    /// The user's prompt text (before formatting).
    pub prompt: String,
    /// The response template text (`{64}` for a plain gen length).
    pub template: String,
    /// The canvas before the first step.
    pub canvas: Canvas,
    /// Every decoding parameter, the seed included.
    pub params: SamplerParams,
    /// Steps the schedule plans (`None` for threshold/factor decoding, where it is not known ahead).
    pub planned_steps: Option<u32>,
    /// End-of-sequence / end-of-turn ids of the model, shown distinctly.
    pub eos_token_ids: Vec<u32>,
    /// Seconds since the Unix epoch when the run started.
    pub created_unix_s: u64,
}

/// One denoising step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Cells committed this step, ascending by position.
    pub commits: Vec<Commit>,
    /// Positions that were masked before this step, ascending.
    pub guess_pos: Vec<u32>,
    /// `top_k` candidate ids per entry of `guess_pos`, best first (flattened).
    pub guess_tokens: Vec<u32>,
    /// Probabilities parallel to `guess_tokens`.
    pub guess_probs: Vec<f16>,
    /// Candidates kept per position.
    pub top_k: u8,
    /// Time of the model forward pass(es), milliseconds.
    pub forward_ms: f32,
    /// Time spent choosing commits, milliseconds.
    pub sampling_ms: f32,
    /// Display info of token ids first seen in this step.
    pub new_tokens: Vec<(u32, TokenInfo)>,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RunOutcome {
    /// Every mask was committed.
    Finished,
    /// The user cancelled.
    Cancelled,
    /// It failed with this message.
    Failed(String),
}

/// Totals written when a run ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// How it ended.
    pub outcome: RunOutcome,
    /// Wall time of the whole run, milliseconds.
    pub elapsed_ms: f64,
    /// Generated (committed) tokens per second of wall time.
    pub tokens_per_s: f64,
}
