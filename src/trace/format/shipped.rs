//! The file's own copies of the types every shipped body (formats 1–3) is made of, frozen.
//!
//! Postcard is not self-describing: a body is its fields' values in declaration order. These types
//! are the on-disk layout, so they never change; the in-memory types (`Canvas`, `StepRecord`,
//! `SamplerParams`…) are free to. The conversions below destructure both sides without `..`, so a
//! field added to an in-memory type stops the build here instead of silently changing a format:
//! the new field then needs a new format version with its own types (see `docs/trace-format.md`).

use std::collections::BTreeMap;

use half::f16;
use serde::{Deserialize, Serialize};

use crate::{canvas, sampler, trace};

/// What one canvas cell is (`canvas::CellKind`).
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(super) enum CellKind {
    Prompt,
    Pinned,
    Masked { region: u16 },
}

/// A named group of masked positions (`canvas::Region`).
#[derive(Serialize, Deserialize)]
pub(super) struct Region {
    name: String,
    positions: Vec<u32>,
}

/// The canvas before the first step (`canvas::Canvas`).
#[derive(Serialize, Deserialize)]
pub(super) struct Canvas {
    tokens: Vec<u32>,
    kinds: Vec<CellKind>,
    prompt_len: u64,
    regions: Vec<Region>,
    mask_id: u32,
}

/// How many cells a step commits (`sampler::Schedule`).
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(super) enum Schedule {
    Quota,
    Timestep { eps: f32 },
}

/// How candidates are scored (`sampler::Remasking`).
#[derive(Clone, Copy, Serialize, Deserialize)]
pub(super) enum Remasking {
    LowConfidence,
    Random,
    Margin,
    Entropy,
}

/// Which masked cells are eligible (`sampler::Order`).
#[derive(Serialize, Deserialize)]
pub(super) enum Order {
    Free,
    LeftToRight,
    Regions(Vec<String>),
}

/// How a token id displays (`trace::TokenInfo`).
#[derive(Serialize, Deserialize)]
pub(super) struct TokenInfo {
    text: String,
    bytes: Vec<u8>,
    special: bool,
}

/// One committed cell (`sampler::Commit`).
#[derive(Serialize, Deserialize)]
pub(super) struct Commit {
    pos: u32,
    token: u32,
    confidence: f32,
}

/// One denoising step (`trace::StepRecord`); probabilities are `f16` bit patterns.
#[derive(Serialize, Deserialize)]
pub(super) struct Step {
    commits: Vec<Commit>,
    guess_pos: Vec<u32>,
    guess_tokens: Vec<u32>,
    guess_probs: Vec<u16>,
    top_k: u8,
    forward_ms: f32,
    sampling_ms: f32,
    new_tokens: Vec<(u32, TokenInfo)>,
}

/// How a run ended (`trace::RunOutcome`).
#[derive(Serialize, Deserialize)]
pub(super) enum Outcome {
    Finished,
    Cancelled,
    Failed(String),
}

/// Totals of a finished run (`trace::RunSummary`).
#[derive(Serialize, Deserialize)]
pub(super) struct Summary {
    outcome: Outcome,
    elapsed_ms: f64,
    tokens_per_s: f64,
}

/// A body of any shipped format: its header type `H` is what differs between versions.
#[derive(Serialize, Deserialize)]
pub(super) struct Body<H> {
    pub(super) header: H,
    pub(super) tokens: BTreeMap<u32, TokenInfo>,
    pub(super) steps: Vec<Step>,
    pub(super) summary: Option<Summary>,
}

/// The canvas, steps and token table of a decoded body, in memory.
pub(in crate::trace) struct BodyParts {
    pub(in crate::trace) tokens: trace::TokenTable,
    pub(in crate::trace) steps: Vec<trace::StepRecord>,
    pub(in crate::trace) summary: Option<trace::RunSummary>,
}

impl<H> Body<H> {
    /// Build a body around `header` from the trace's tokens, steps and summary.
    pub(super) fn from_trace(header: H, trace: &trace::Trace) -> Body<H> {
        Body {
            header,
            tokens: trace
                .tokens
                .iter()
                .map(|(id, info)| (*id, TokenInfo::from_memory(info)))
                .collect(),
            steps: trace.steps.iter().map(Step::from_memory).collect(),
            summary: trace.summary.as_ref().map(Summary::from_memory),
        }
    }

    /// Split into the header and the in-memory tokens, steps and summary.
    pub(super) fn into_parts(self) -> (H, BodyParts) {
        let parts = BodyParts {
            tokens: self
                .tokens
                .into_iter()
                .map(|(id, info)| (id, info.into_memory()))
                .collect(),
            steps: self.steps.into_iter().map(Step::into_memory).collect(),
            summary: self.summary.map(Summary::into_memory),
        };
        (self.header, parts)
    }
}

impl CellKind {
    fn from_memory(kind: &canvas::CellKind) -> CellKind {
        match *kind {
            canvas::CellKind::Prompt => CellKind::Prompt,
            canvas::CellKind::Pinned => CellKind::Pinned,
            canvas::CellKind::Masked { region } => CellKind::Masked { region },
        }
    }

    fn into_memory(self) -> canvas::CellKind {
        match self {
            CellKind::Prompt => canvas::CellKind::Prompt,
            CellKind::Pinned => canvas::CellKind::Pinned,
            CellKind::Masked { region } => canvas::CellKind::Masked { region },
        }
    }
}

impl Canvas {
    pub(super) fn from_memory(canvas: &canvas::Canvas) -> Canvas {
        let canvas::Canvas {
            tokens,
            kinds,
            prompt_len,
            regions,
            mask_id,
        } = canvas;
        Canvas {
            tokens: tokens.clone(),
            kinds: kinds.iter().map(CellKind::from_memory).collect(),
            prompt_len: *prompt_len as u64,
            regions: regions
                .iter()
                .map(|canvas::Region { name, positions }| Region {
                    name: name.clone(),
                    positions: positions.clone(),
                })
                .collect(),
            mask_id: *mask_id,
        }
    }

    /// The in-memory canvas; a prompt length beyond the address space is clamped (and then
    /// rejected by the reader's canvas check).
    pub(super) fn into_memory(self) -> canvas::Canvas {
        canvas::Canvas {
            tokens: self.tokens,
            kinds: self.kinds.into_iter().map(CellKind::into_memory).collect(),
            prompt_len: usize::try_from(self.prompt_len).unwrap_or(usize::MAX),
            regions: self
                .regions
                .into_iter()
                .map(|Region { name, positions }| canvas::Region { name, positions })
                .collect(),
            mask_id: self.mask_id,
        }
    }
}

impl Schedule {
    pub(super) fn from_memory(schedule: &sampler::Schedule) -> Schedule {
        match *schedule {
            sampler::Schedule::Quota => Schedule::Quota,
            sampler::Schedule::Timestep { eps } => Schedule::Timestep { eps },
        }
    }

    pub(super) fn into_memory(self) -> sampler::Schedule {
        match self {
            Schedule::Quota => sampler::Schedule::Quota,
            Schedule::Timestep { eps } => sampler::Schedule::Timestep { eps },
        }
    }
}

impl Remasking {
    pub(super) fn from_memory(remasking: &sampler::Remasking) -> Remasking {
        match remasking {
            sampler::Remasking::LowConfidence => Remasking::LowConfidence,
            sampler::Remasking::Random => Remasking::Random,
            sampler::Remasking::Margin => Remasking::Margin,
            sampler::Remasking::Entropy => Remasking::Entropy,
        }
    }

    pub(super) fn into_memory(self) -> sampler::Remasking {
        match self {
            Remasking::LowConfidence => sampler::Remasking::LowConfidence,
            Remasking::Random => sampler::Remasking::Random,
            Remasking::Margin => sampler::Remasking::Margin,
            Remasking::Entropy => sampler::Remasking::Entropy,
        }
    }
}

impl Order {
    pub(super) fn from_memory(order: &sampler::Order) -> Order {
        match order {
            sampler::Order::Free => Order::Free,
            sampler::Order::LeftToRight => Order::LeftToRight,
            sampler::Order::Regions(names) => Order::Regions(names.clone()),
        }
    }

    pub(super) fn into_memory(self) -> sampler::Order {
        match self {
            Order::Free => sampler::Order::Free,
            Order::LeftToRight => sampler::Order::LeftToRight,
            Order::Regions(names) => sampler::Order::Regions(names),
        }
    }
}

impl TokenInfo {
    fn from_memory(info: &trace::TokenInfo) -> TokenInfo {
        let trace::TokenInfo {
            text,
            bytes,
            special,
        } = info;
        TokenInfo {
            text: text.clone(),
            bytes: bytes.clone(),
            special: *special,
        }
    }

    fn into_memory(self) -> trace::TokenInfo {
        trace::TokenInfo {
            text: self.text,
            bytes: self.bytes,
            special: self.special,
        }
    }
}

impl Commit {
    fn from_memory(commit: &sampler::Commit) -> Commit {
        let sampler::Commit {
            pos,
            token,
            confidence,
        } = *commit;
        Commit {
            pos,
            token,
            confidence,
        }
    }

    fn into_memory(self) -> sampler::Commit {
        sampler::Commit {
            pos: self.pos,
            token: self.token,
            confidence: self.confidence,
        }
    }
}

impl Step {
    fn from_memory(step: &trace::StepRecord) -> Step {
        let trace::StepRecord {
            commits,
            guess_pos,
            guess_tokens,
            guess_probs,
            top_k,
            forward_ms,
            sampling_ms,
            new_tokens,
        } = step;
        Step {
            commits: commits.iter().map(Commit::from_memory).collect(),
            guess_pos: guess_pos.clone(),
            guess_tokens: guess_tokens.clone(),
            guess_probs: guess_probs.iter().map(|p| p.to_bits()).collect(),
            top_k: *top_k,
            forward_ms: *forward_ms,
            sampling_ms: *sampling_ms,
            new_tokens: new_tokens
                .iter()
                .map(|(id, info)| (*id, TokenInfo::from_memory(info)))
                .collect(),
        }
    }

    fn into_memory(self) -> trace::StepRecord {
        trace::StepRecord {
            commits: self.commits.into_iter().map(Commit::into_memory).collect(),
            guess_pos: self.guess_pos,
            guess_tokens: self.guess_tokens,
            guess_probs: self.guess_probs.into_iter().map(f16::from_bits).collect(),
            top_k: self.top_k,
            forward_ms: self.forward_ms,
            sampling_ms: self.sampling_ms,
            new_tokens: self
                .new_tokens
                .into_iter()
                .map(|(id, info)| (id, info.into_memory()))
                .collect(),
        }
    }
}

impl Summary {
    fn from_memory(summary: &trace::RunSummary) -> Summary {
        let trace::RunSummary {
            outcome,
            elapsed_ms,
            tokens_per_s,
        } = summary;
        Summary {
            outcome: match outcome {
                trace::RunOutcome::Finished => Outcome::Finished,
                trace::RunOutcome::Cancelled => Outcome::Cancelled,
                trace::RunOutcome::Failed(reason) => Outcome::Failed(reason.clone()),
            },
            elapsed_ms: *elapsed_ms,
            tokens_per_s: *tokens_per_s,
        }
    }

    fn into_memory(self) -> trace::RunSummary {
        trace::RunSummary {
            outcome: match self.outcome {
                Outcome::Finished => trace::RunOutcome::Finished,
                Outcome::Cancelled => trace::RunOutcome::Cancelled,
                Outcome::Failed(reason) => trace::RunOutcome::Failed(reason),
            },
            elapsed_ms: self.elapsed_ms,
            tokens_per_s: self.tokens_per_s,
        }
    }
}
