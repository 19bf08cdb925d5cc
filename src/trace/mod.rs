//! The record of a run: header, per-step commits and guesses, random access to any frame, files.
//!
//! Frames are numbered `0..=steps.len()`: frame 0 is the initial canvas, frame `k` is the canvas after
//! step `k` (1-based). The guesses shown under the masks of frame `k` are the ones step `k + 1`
//! computed from exactly that canvas (frame `steps.len()` has none unless the run was cut short).
//!
//! A [`Trace`] is append-only: [`Trace::push_step`] validates each step before it is kept, and a
//! per-position commit index lets [`Trace::frame_at`] build any frame in `O(positions)` without
//! replaying the steps. Files are described in `docs/trace-format.md` (module [`file`](mod@file)).

mod error;
pub mod file;
mod format;
mod metrics;
pub mod synthetic;
mod view;

pub use error::{StepError, TraceError};
pub use file::{HEADER_LEN, MAGIC, MAX_BODY_LEN};
pub use metrics::StepMetrics;
pub use view::{Cell, Frame, TextJoiner, TokenText};

use std::collections::BTreeMap;
use std::mem::size_of;

use half::f16;
use serde::{Deserialize, Serialize};

use crate::canvas::{Canvas, CellKind};
use crate::sampler::{Commit, SamplerParams};

/// Version of the on-disk trace format written by this build (3: the file's own frozen types;
/// every earlier version still loads, see `docs/trace-format.md`).
pub const TRACE_FORMAT_VERSION: u32 = format::WRITTEN_VERSION;

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

/// The record of one run: what was fixed before it, every step, and how it ended.
///
/// Build it with [`Trace::new`] and grow it with [`Trace::push_step`] (live runs), or read it with
/// [`Trace::load`] (replays); both give the same thing. The public fields are for reading: changing
/// `steps` directly bypasses validation and leaves the frame index stale.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Everything fixed before the first step.
    pub header: TraceHeader,
    /// Display info of every token id the trace mentions (the canvas, commits and guesses).
    pub tokens: TokenTable,
    /// The steps, in order; `steps[k - 1]` is step `k`.
    pub steps: Vec<StepRecord>,
    /// How the run ended (`None` while it is running, or if it never said).
    pub summary: Option<RunSummary>,
    /// Per-position commit index derived from `header.canvas` and `steps`.
    index: PositionIndex,
    /// This in-memory trace's identity, for caches of what is derived from it.
    id: TraceId,
}

/// A process-unique identity of one in-memory trace, for caches of what is derived from it (the
/// canvas layout). It is not part of the trace's value: every clone gets a new one (a clone may
/// then grow differently), and two traces compare equal whatever their ids.
#[derive(Debug)]
struct TraceId(u64);

impl TraceId {
    fn fresh() -> TraceId {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        TraceId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Clone for TraceId {
    fn clone(&self) -> TraceId {
        TraceId::fresh()
    }
}

impl PartialEq for TraceId {
    fn eq(&self, _: &TraceId) -> bool {
        true
    }
}

/// What a canvas position is over the whole run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    /// Never masked: a prompt or pinned cell (or a template cell that started unmasked).
    Fixed,
    /// Masked and not committed yet.
    Open,
    /// Committed by step `step` (1-based).
    Committed {
        /// The step that committed it.
        step: u32,
        /// The token committed.
        token: u32,
        /// The scorer's confidence.
        confidence: f32,
    },
}

/// The per-position index behind `frame_at`: what each cell ends up as, and when.
#[derive(Clone, Debug, Default, PartialEq)]
struct PositionIndex {
    /// One slot per canvas position.
    slots: Vec<Slot>,
    /// Positions masked in frame 0.
    initial_masks: usize,
    /// Positions still masked after the last step.
    open_masks: usize,
}

impl PositionIndex {
    /// The index of a canvas before any step.
    fn new(canvas: &Canvas) -> PositionIndex {
        let slots: Vec<Slot> = canvas
            .tokens
            .iter()
            .enumerate()
            .map(|(pos, &token)| match canvas.kinds.get(pos) {
                Some(CellKind::Masked { .. }) if token == canvas.mask_id => Slot::Open,
                _ => Slot::Fixed,
            })
            .collect();
        let initial_masks = slots.iter().filter(|s| matches!(s, Slot::Open)).count();
        PositionIndex {
            slots,
            initial_masks,
            open_masks: initial_masks,
        }
    }

    /// Check a step against the state after the steps already recorded (changes nothing).
    fn validate(&self, step: &StepRecord) -> Result<(), StepError> {
        let len = self.slots.len();
        let mut previous: Option<u32> = None;
        for commit in &step.commits {
            let pos = commit.pos;
            if previous.is_some_and(|p| p >= pos) {
                return Err(StepError::CommitsNotAscending { pos });
            }
            previous = Some(pos);
            match self.slots.get(pos as usize) {
                None => return Err(StepError::OutOfRange { pos, len }),
                Some(Slot::Fixed) => return Err(StepError::NotMasked { pos }),
                Some(Slot::Committed { step, .. }) => {
                    return Err(StepError::AlreadyCommitted { pos, step: *step });
                }
                Some(Slot::Open) => {}
            }
        }
        let top_k = usize::from(step.top_k);
        let expected = step.guess_pos.len().checked_mul(top_k);
        if expected != Some(step.guess_tokens.len()) || expected != Some(step.guess_probs.len()) {
            return Err(StepError::GuessLengths {
                positions: step.guess_pos.len(),
                top_k: step.top_k,
                tokens: step.guess_tokens.len(),
                probs: step.guess_probs.len(),
            });
        }
        let mut previous: Option<u32> = None;
        for &pos in &step.guess_pos {
            if previous.is_some_and(|p| p >= pos) {
                return Err(StepError::GuessesNotAscending { pos });
            }
            previous = Some(pos);
            match self.slots.get(pos as usize) {
                None => return Err(StepError::OutOfRange { pos, len }),
                Some(Slot::Open) => {}
                Some(_) => return Err(StepError::GuessNotMasked { pos }),
            }
        }
        Ok(())
    }

    /// Record the commits of a validated step numbered `number`.
    fn apply(&mut self, number: u32, commits: &[Commit]) {
        for commit in commits {
            if let Some(slot) = self.slots.get_mut(commit.pos as usize) {
                *slot = Slot::Committed {
                    step: number,
                    token: commit.token,
                    confidence: commit.confidence,
                };
            }
        }
        self.open_masks = self.open_masks.saturating_sub(commits.len());
    }

    /// Whether `pos` holds a mask in frame `frame`.
    fn masked_in(&self, frame: usize, pos: u32) -> bool {
        match self.slots.get(pos as usize) {
            Some(Slot::Open) => true,
            Some(Slot::Committed { step, .. }) => *step as usize > frame,
            _ => false,
        }
    }
}

impl Trace {
    /// Start the record of a run whose canvas and parameters are in `header`; `tokens` must give
    /// display info for the canvas's ids (later ids arrive with each step's `new_tokens`).
    pub fn new(header: TraceHeader, tokens: TokenTable) -> Trace {
        let index = PositionIndex::new(&header.canvas);
        Trace {
            header,
            tokens,
            steps: Vec::new(),
            summary: None,
            index,
            id: TraceId::fresh(),
        }
    }

    /// A process-unique identity of this in-memory trace (a clone has another), for caches of
    /// what is derived from it. A trace only ever grows by [`Trace::push_step`], so a cache keyed
    /// by the id and [`Trace::frame_count`] may extend what it derived from fewer frames.
    pub fn id(&self) -> u64 {
        self.id.0
    }

    /// Validate a step and append it: every commit must name a position inside the canvas that is
    /// masked and not committed yet, commits and guesses must be ascending by position, guesses may
    /// only sit on still-masked positions, and the guess arrays must hold `top_k` entries per
    /// position. Its `new_tokens` are merged into `tokens`. On error nothing changes.
    pub fn push_step(&mut self, step: StepRecord) -> Result<(), TraceError> {
        if self.summary.is_some() {
            return Err(TraceError::Finished);
        }
        let number = u32::try_from(self.steps.len() + 1).map_err(|_| TraceError::InvalidStep {
            step: u32::MAX,
            error: StepError::TooManySteps,
        })?;
        self.index
            .validate(&step)
            .map_err(|error| TraceError::InvalidStep {
                step: number,
                error,
            })?;
        self.index.apply(number, &step.commits);
        self.tokens
            .extend(step.new_tokens.iter().map(|(id, info)| (*id, info.clone())));
        self.steps.push(step);
        Ok(())
    }

    /// Record how the run ended; no step can be added afterwards.
    pub fn finish(&mut self, summary: RunSummary) {
        self.summary = Some(summary);
    }

    /// Number of frames: the initial canvas plus one per step.
    pub fn frame_count(&self) -> usize {
        self.steps.len() + 1
    }

    /// Positions still masked after the last recorded step.
    pub fn masks_left(&self) -> usize {
        self.index.open_masks
    }

    /// Positions masked in the initial canvas (frame 0).
    pub fn initial_masks(&self) -> usize {
        self.index.initial_masks
    }

    /// The top-k candidates `(token, probability)`, best first, at `pos` in frame `frame` (clamped
    /// to the last frame): the guesses step `frame + 1` computed there. `None` if the cell is not
    /// masked in that frame or no guess was recorded for it.
    pub fn candidates_at(&self, frame: usize, pos: u32) -> Option<Vec<(u32, f32)>> {
        let frame = frame.min(self.steps.len());
        if !self.index.masked_in(frame, pos) {
            return None;
        }
        let step = self.steps.get(frame)?;
        let top_k = usize::from(step.top_k);
        if top_k == 0 {
            return None;
        }
        let row = step.guess_pos.binary_search(&pos).ok()?;
        let range = row * top_k..(row + 1) * top_k;
        let tokens = step.guess_tokens.get(range.clone())?;
        let probs = step.guess_probs.get(range)?;
        Some(
            tokens
                .iter()
                .zip(probs)
                .map(|(&t, p)| (t, p.to_f32()))
                .collect(),
        )
    }

    /// Token ids at the template's masked positions in canvas order, in the final state (the mask
    /// id where a cell is still masked).
    pub fn output_ids(&self) -> Vec<u32> {
        let canvas = &self.header.canvas;
        canvas
            .kinds
            .iter()
            .zip(&canvas.tokens)
            .zip(&self.index.slots)
            .filter(|((kind, _), _)| matches!(kind, CellKind::Masked { .. }))
            .map(|((_, &token), slot)| match slot {
                Slot::Committed { token, .. } => *token,
                Slot::Open => canvas.mask_id,
                Slot::Fixed => token,
            })
            .collect()
    }

    /// An honest estimate of the bytes this trace holds in memory: the struct itself, every `Vec`
    /// and `String` capacity times its element size, and the token table (its B-tree nodes counted
    /// at a worst-case half fill).
    pub fn memory_bytes(&self) -> usize {
        fn vec_bytes<T>(v: &Vec<T>) -> usize {
            v.capacity() * size_of::<T>()
        }
        fn info_heap(info: &TokenInfo) -> usize {
            info.text.capacity() + info.bytes.capacity()
        }
        let header = &self.header;
        let canvas = &header.canvas;
        let mut total = size_of::<Trace>();
        total += header.unmask_version.capacity()
            + header.model_id.capacity()
            + header.model_family.capacity()
            + header.prompt.capacity()
            + header.template.capacity()
            + vec_bytes(&header.eos_token_ids);
        total += vec_bytes(&canvas.tokens) + vec_bytes(&canvas.kinds) + vec_bytes(&canvas.regions);
        total += canvas
            .regions
            .iter()
            .map(|r| r.name.capacity() + vec_bytes(&r.positions))
            .sum::<usize>();
        if let crate::sampler::Order::Regions(names) = &header.params.order {
            total += vec_bytes(names) + names.iter().map(String::capacity).sum::<usize>();
        }
        // B-tree: key + value per entry, doubled for nodes that may be only half full.
        total += self.tokens.len() * (size_of::<u32>() + size_of::<TokenInfo>()) * 2;
        total += self.tokens.values().map(info_heap).sum::<usize>();
        total += vec_bytes(&self.steps);
        for step in &self.steps {
            total += vec_bytes(&step.commits)
                + vec_bytes(&step.guess_pos)
                + vec_bytes(&step.guess_tokens)
                + vec_bytes(&step.guess_probs)
                + vec_bytes(&step.new_tokens)
                + step
                    .new_tokens
                    .iter()
                    .map(|(_, i)| info_heap(i))
                    .sum::<usize>();
        }
        if let Some(RunSummary {
            outcome: RunOutcome::Failed(message),
            ..
        }) = &self.summary
        {
            total += message.capacity();
        }
        total + vec_bytes(&self.index.slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::Region;

    const MASK: u32 = 99;

    /// Prompt [1, 2], pinned 10, masks at 3..=5, pinned 11, mask at 7.
    fn small() -> Trace {
        let kinds = vec![
            CellKind::Prompt,
            CellKind::Prompt,
            CellKind::Pinned,
            CellKind::Masked { region: 0 },
            CellKind::Masked { region: 0 },
            CellKind::Masked { region: 0 },
            CellKind::Pinned,
            CellKind::Masked { region: 0 },
        ];
        let canvas = Canvas {
            tokens: vec![1, 2, 10, MASK, MASK, MASK, 11, MASK],
            kinds,
            prompt_len: 2,
            regions: vec![Region {
                name: String::new(),
                positions: vec![3, 4, 5, 7],
            }],
            mask_id: MASK,
        };
        let header = TraceHeader {
            format_version: TRACE_FORMAT_VERSION,
            unmask_version: "0.1.0".into(),
            model_id: "test".into(),
            model_family: "llada".into(),
            prompt: "p".into(),
            template: "x{3}y{1}".into(),
            canvas,
            params: SamplerParams::default(),
            planned_steps: Some(2),
            eos_token_ids: vec![],
            created_unix_s: 0,
        };
        Trace::new(header, TokenTable::new())
    }

    fn commit(pos: u32, token: u32, confidence: f32) -> Commit {
        Commit {
            pos,
            token,
            confidence,
        }
    }

    fn step(commits: Vec<Commit>, guess_pos: Vec<u32>, top_k: u8) -> StepRecord {
        let n = guess_pos.len() * usize::from(top_k);
        StepRecord {
            commits,
            guess_tokens: (0..n as u32).map(|i| 200 + i).collect(),
            guess_probs: (0..n)
                .map(|i| f16::from_f32(0.5 / (i + 1) as f32))
                .collect(),
            guess_pos,
            top_k,
            forward_ms: 10.0,
            sampling_ms: 2.0,
            new_tokens: vec![],
        }
    }

    fn step_error(result: Result<(), TraceError>) -> StepError {
        match result {
            Err(TraceError::InvalidStep { error, .. }) => error,
            other => panic!("expected InvalidStep, got {other:?}"),
        }
    }

    #[test]
    fn push_step_rejects_fixed_out_of_range_and_double_commits() {
        let mut t = small();
        let e = step_error(t.push_step(step(vec![commit(2, 5, 0.9)], vec![], 0)));
        assert_eq!(e, StepError::NotMasked { pos: 2 });
        let e = step_error(t.push_step(step(vec![commit(8, 5, 0.9)], vec![], 0)));
        assert_eq!(e, StepError::OutOfRange { pos: 8, len: 8 });
        t.push_step(step(vec![commit(4, 5, 0.9)], vec![3, 4, 5, 7], 2))
            .unwrap();
        let err = t
            .push_step(step(vec![commit(4, 6, 0.9)], vec![3, 5, 7], 2))
            .unwrap_err();
        assert!(
            err.to_string().contains(
                "step 2 cannot be added to the trace: position 4 was already committed by step 1"
            ),
            "{err}"
        );
        let e =
            step_error(t.push_step(step(vec![commit(5, 6, 0.9), commit(3, 6, 0.9)], vec![], 0)));
        assert_eq!(e, StepError::CommitsNotAscending { pos: 3 });
        let e =
            step_error(t.push_step(step(vec![commit(5, 6, 0.9), commit(5, 7, 0.9)], vec![], 0)));
        assert_eq!(e, StepError::CommitsNotAscending { pos: 5 });
        // A refused step changes nothing.
        assert_eq!(t.steps.len(), 1);
        assert_eq!(t.masks_left(), 3);
    }

    #[test]
    fn push_step_checks_guess_arrays() {
        let mut t = small();
        let mut s = step(vec![], vec![3, 4], 2);
        s.guess_probs.pop();
        assert!(matches!(
            step_error(t.push_step(s)),
            StepError::GuessLengths {
                positions: 2,
                top_k: 2,
                tokens: 4,
                probs: 3
            }
        ));
        assert_eq!(
            step_error(t.push_step(step(vec![], vec![4, 3], 1))),
            StepError::GuessesNotAscending { pos: 3 }
        );
        assert_eq!(
            step_error(t.push_step(step(vec![], vec![3, 6], 1))),
            StepError::GuessNotMasked { pos: 6 }
        );
        assert_eq!(
            step_error(t.push_step(step(vec![], vec![3, 9], 1))),
            StepError::OutOfRange { pos: 9, len: 8 }
        );
        t.push_step(step(vec![commit(3, 1, 0.5)], vec![3], 1))
            .unwrap();
        assert_eq!(
            step_error(t.push_step(step(vec![], vec![3], 1))),
            StepError::GuessNotMasked { pos: 3 }
        );
        assert!(t.steps.len() == 1);
    }

    #[test]
    fn no_step_after_finish() {
        let mut t = small();
        t.finish(RunSummary {
            outcome: RunOutcome::Cancelled,
            elapsed_ms: 1.0,
            tokens_per_s: 0.0,
        });
        assert!(matches!(
            t.push_step(step(vec![commit(3, 1, 0.5)], vec![], 0)),
            Err(TraceError::Finished)
        ));
    }

    #[test]
    fn new_tokens_merge_into_the_table() {
        let mut t = small();
        let mut s = step(vec![commit(3, 42, 0.5)], vec![], 0);
        let info = TokenInfo {
            text: "hi".into(),
            bytes: b"hi".to_vec(),
            special: false,
        };
        s.new_tokens = vec![(42, info.clone())];
        t.push_step(s).unwrap();
        assert_eq!(t.tokens.get(&42), Some(&info));
    }

    #[test]
    fn frames_candidates_and_output_ids() {
        let mut t = small();
        t.push_step(step(vec![commit(4, 50, 0.9)], vec![3, 4, 5, 7], 2))
            .unwrap();
        t.push_step(step(
            vec![commit(3, 51, 0.7), commit(7, 52, 0.6)],
            vec![3, 5, 7],
            2,
        ))
        .unwrap();
        assert_eq!(t.frame_count(), 3);
        let f0 = t.frame_at(0);
        assert_eq!(f0.index, 0);
        assert_eq!(f0.cells[0], Cell::Fixed { token: 1 });
        assert_eq!(f0.cells[2], Cell::Fixed { token: 10 });
        // Step 1's guess rows: pos 3 → tokens 200, 201; pos 4 → 202, 203; …
        assert_eq!(
            f0.cells[4],
            Cell::Masked {
                guess: Some((202, 0.5 / 3.0_f32))
            }
            .round()
        );
        let f1 = t.frame_at(1);
        assert_eq!(
            f1.cells[4],
            Cell::Committed {
                token: 50,
                confidence: 0.9,
                step: 1
            }
        );
        assert!(matches!(
            f1.cells[5],
            Cell::Masked {
                guess: Some((202, _))
            }
        ));
        let last = t.frame_at(99);
        assert_eq!(last.index, 2);
        assert_eq!(last.cells[5], Cell::Masked { guess: None });
        assert_eq!(
            last.cells[7],
            Cell::Committed {
                token: 52,
                confidence: 0.6,
                step: 2
            }
        );

        assert_eq!(
            t.candidates_at(0, 3)
                .unwrap()
                .iter()
                .map(|c| c.0)
                .collect::<Vec<_>>(),
            vec![200, 201]
        );
        assert_eq!(
            t.candidates_at(1, 7)
                .unwrap()
                .iter()
                .map(|c| c.0)
                .collect::<Vec<_>>(),
            vec![204, 205]
        );
        assert_eq!(t.candidates_at(1, 4), None, "committed in frame 1");
        assert_eq!(t.candidates_at(0, 2), None, "fixed cell");
        assert_eq!(t.candidates_at(2, 5), None, "no step after the last frame");
        assert_eq!(t.candidates_at(0, 100), None);
        assert_eq!(t.output_ids(), vec![51, 50, MASK, 52]);
    }

    impl Cell {
        /// Round a masked guess's probability through f16 as the trace stores it.
        fn round(self) -> Cell {
            match self {
                Cell::Masked {
                    guess: Some((t, p)),
                } => Cell::Masked {
                    guess: Some((t, f16::from_f32(p).to_f32())),
                },
                other => other,
            }
        }
    }

    #[test]
    fn step_metrics_count_commits_and_masks() {
        let mut t = small();
        t.push_step(step(vec![commit(4, 50, 0.9)], vec![], 0))
            .unwrap();
        t.push_step(step(vec![], vec![], 0)).unwrap();
        t.push_step(step(
            vec![commit(3, 51, 0.7), commit(7, 52, 0.5)],
            vec![],
            0,
        ))
        .unwrap();
        let m = t.step_metrics();
        assert_eq!(m.len(), 3);
        assert_eq!((m[0].step, m[0].committed, m[0].masks_left), (1, 1, 3));
        assert_eq!(
            (m[1].committed, m[1].confidence_mean, m[1].masks_left),
            (0, None, 3)
        );
        assert_eq!(m[2].masks_left, 1);
        assert!((m[2].confidence_mean.unwrap() - 0.6).abs() < 1e-6);
        assert_eq!(m[2].confidence_min, Some(0.5));
        assert!((m[2].tokens_per_s - 2.0 / 0.012).abs() < 1e-6);
        assert_eq!(m[0].forward_ms, 10.0);
    }

    #[test]
    fn masked_kind_cells_that_start_unmasked_are_fixed() {
        let mut t = small();
        t.header.canvas.tokens[5] = 77;
        let t = Trace::new(t.header, TokenTable::new());
        assert_eq!(t.initial_masks(), 3);
        assert_eq!(t.frame_at(0).cells[5], Cell::Fixed { token: 77 });
        assert_eq!(t.output_ids(), vec![MASK, MASK, 77, MASK]);
    }

    #[test]
    fn memory_estimate_grows_with_steps() {
        let mut t = small();
        let before = t.memory_bytes();
        t.push_step(step(vec![commit(4, 50, 0.9)], vec![3, 4, 5, 7], 5))
            .unwrap();
        assert!(t.memory_bytes() >= before + 4 * 4 + 20 * 6);
    }
}
