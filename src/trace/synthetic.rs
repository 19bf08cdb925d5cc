//! Deterministic fake traces, for size checks, benchmarks, tests and demos without a model.

use half::f16;

use super::{
    RunOutcome, RunSummary, StepRecord, TRACE_FORMAT_VERSION, TokenInfo, TokenTable, Trace,
    TraceHeader,
};
use crate::canvas::{Canvas, CellKind, Region};
use crate::sampler::{Commit, SamplerParams};

/// Mask id of the synthetic canvas (LLaDA's).
pub const SYNTHETIC_MASK_ID: u32 = 126_336;

/// Distinct fake token ids the guesses draw from (a real run sees a few thousand to tens of thousands).
const FAKE_VOCAB: u64 = 16_384;

/// SplitMix64: a tiny deterministic generator, so fake values need no RNG crate state.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Display info of a fake token id.
fn fake_info(id: u32) -> TokenInfo {
    let text = format!(" t{id}");
    TokenInfo {
        bytes: text.as_bytes().to_vec(),
        text,
        special: false,
    }
}

/// A run over a canvas of `positions` masked cells (no prompt) decoded one commit per step in a
/// seeded random order, with `top_k` guesses at every still-masked position of every step, fake
/// token ids spread over `0..115_000` and fake timings; finished. Same arguments, same trace.
pub fn synthetic_trace(positions: usize, top_k: u8, seed: u64) -> Trace {
    let mut rng = SplitMix(seed);
    let canvas = Canvas {
        tokens: vec![SYNTHETIC_MASK_ID; positions],
        kinds: vec![CellKind::Masked { region: 0 }; positions],
        prompt_len: 0,
        regions: vec![Region {
            name: String::new(),
            positions: (0..positions as u32).collect(),
        }],
        mask_id: SYNTHETIC_MASK_ID,
    };
    let header = TraceHeader {
        format_version: TRACE_FORMAT_VERSION,
        unmask_version: env!("CARGO_PKG_VERSION").to_string(),
        model_id: "synthetic".to_string(),
        model_family: "llada".to_string(),
        prompt: "A synthetic run.".to_string(),
        template: format!("{{{positions}}}"),
        canvas,
        params: SamplerParams {
            steps: positions,
            seed,
            trace_top_k: usize::from(top_k),
            ..SamplerParams::default()
        },
        planned_steps: u32::try_from(positions).ok(),
        eos_token_ids: vec![126_081],
        created_unix_s: 1_790_000_000,
    };
    let mut tokens = TokenTable::new();
    tokens.insert(
        SYNTHETIC_MASK_ID,
        TokenInfo {
            text: "<|mdm_mask|>".to_string(),
            bytes: b"<|mdm_mask|>".to_vec(),
            special: true,
        },
    );
    let mut trace = Trace::new(header, tokens);

    // Commit order: a seeded Fisher–Yates shuffle of the positions.
    let mut order: Vec<u32> = (0..positions as u32).collect();
    for i in (1..order.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut open: Vec<u32> = (0..positions as u32).collect();
    let mut seen = vec![false; FAKE_VOCAB as usize];
    let k = usize::from(top_k);
    for &target in &order {
        let mut guess_tokens = Vec::with_capacity(open.len() * k);
        let mut guess_probs = Vec::with_capacity(open.len() * k);
        let mut new_tokens = Vec::new();
        let mut commit = Commit {
            pos: target,
            token: 0,
            confidence: 0.0,
        };
        for &pos in &open {
            let mut prob = 0.3 + 0.7 * rng.unit();
            for rank in 0..k {
                let raw = rng.next() % FAKE_VOCAB;
                let id = 100 + raw as u32 * 7;
                if !seen[raw as usize] {
                    seen[raw as usize] = true;
                    new_tokens.push((id, fake_info(id)));
                }
                if pos == target && rank == 0 {
                    commit.token = id;
                    commit.confidence = prob;
                }
                guess_tokens.push(id);
                guess_probs.push(f16::from_f32(prob));
                prob *= 0.5 * rng.unit();
            }
        }
        if k == 0 {
            let raw = rng.next() % FAKE_VOCAB;
            commit.token = 100 + raw as u32 * 7;
            commit.confidence = rng.unit();
            if !seen[raw as usize] {
                seen[raw as usize] = true;
                new_tokens.push((commit.token, fake_info(commit.token)));
            }
        }
        let step = StepRecord {
            commits: vec![commit],
            guess_pos: open.clone(),
            guess_tokens,
            guess_probs,
            top_k,
            forward_ms: 15.0 + 10.0 * rng.unit(),
            sampling_ms: 0.5 + rng.unit(),
            new_tokens,
        };
        // The steps are valid by construction; a failure here would be a bug in this generator.
        if trace.push_step(step).is_err() {
            break;
        }
        if let Ok(i) = open.binary_search(&target) {
            open.remove(i);
        }
    }
    let steps = trace.steps.len() as f64;
    let elapsed_ms: f64 = trace
        .steps
        .iter()
        .map(|s| f64::from(s.forward_ms + s.sampling_ms))
        .sum();
    trace.finish(RunSummary {
        outcome: RunOutcome::Finished,
        elapsed_ms,
        tokens_per_s: if elapsed_ms > 0.0 {
            steps / (elapsed_ms / 1000.0)
        } else {
            0.0
        },
    });
    trace
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compactness requirement: 1024 positions, 1024 steps, top-5 guesses at every mask.
    const LIMIT_BYTES: usize = 50 * 1000 * 1000;

    #[test]
    fn synthetic_trace_is_deterministic_and_complete() {
        let a = synthetic_trace(40, 3, 7);
        assert_eq!(a, synthetic_trace(40, 3, 7));
        assert_ne!(a.steps, synthetic_trace(40, 3, 8).steps);
        assert_eq!(a.steps.len(), 40);
        assert_eq!(a.masks_left(), 0);
        assert!(a.output_ids().iter().all(|&id| id != SYNTHETIC_MASK_ID));
        // Every id the trace mentions has display info.
        for step in &a.steps {
            for id in step
                .guess_tokens
                .iter()
                .chain(step.commits.iter().map(|c| &c.token))
            {
                assert!(a.tokens.contains_key(id), "token {id} has no info");
            }
        }
        // Commits are the top-1 guess of their step.
        for step in &a.steps {
            let c = step.commits[0];
            let row = step.guess_pos.binary_search(&c.pos).unwrap();
            assert_eq!(step.guess_tokens[row * 3], c.token);
        }
    }

    #[test]
    fn a_1024_step_trace_with_top5_guesses_stays_under_50_mb() {
        let trace = synthetic_trace(1024, 5, 1);
        assert_eq!(trace.steps.len(), 1024);
        let guesses: usize = trace.steps.iter().map(|s| s.guess_pos.len()).sum();
        assert_eq!(guesses, 1024 * 1025 / 2);
        let memory = trace.memory_bytes();
        let mut file = Vec::new();
        trace.write_to(&mut file).unwrap();
        assert!(memory < LIMIT_BYTES, "in memory: {memory} bytes");
        assert!(file.len() < LIMIT_BYTES, "on disk: {} bytes", file.len());
        // The estimate must at least count the guess arrays themselves (4-byte ids + 2-byte probs).
        assert!(
            memory > guesses * 5 * 6,
            "memory estimate {memory} is too small"
        );
    }
}
