//! The `Sampler`: stages, schedule, scorer and order driven one denoising step at a time.

use crate::canvas::{Canvas, CellKind};

use super::distribution::{Distribution, FilterRules, Scratch};
use super::error::SamplerError;
use super::params::{Order, ParamsError, Remasking, SamplerParams, Schedule};
use super::rng::SamplerRng;
use super::schedule::{
    dream_counts, factor_count, llada_quota, split_steps, threshold_count, trim_trailing_zeros,
};
use super::select::{Candidate, Pick, pick};
use super::stages::build_stages;
use super::validate::{uses_steps, validate};
use super::{Commit, Guess, StepDecision};

/// How the per-step commit count is decided.
#[derive(Clone, Debug, PartialEq)]
enum Count {
    /// Planned counts per stage (Quota/Timestep), trailing zero steps dropped.
    Planned(Vec<Vec<usize>>),
    /// Fast-dLLM threshold τ on the candidates' `P`.
    Threshold(f32),
    /// Fast-dLLM factor f on the candidates' `P`.
    Factor(f32),
}

/// Decides, step by step, which masked positions of a canvas to commit and with what token.
///
/// Pure and seeded: the same params, canvas and logits always give the same decisions.
#[derive(Clone, Debug)]
pub struct Sampler {
    params: SamplerParams,
    vocab_size: usize,
    /// Positions of each stage, in decoding order.
    stages: Vec<Vec<u32>>,
    /// Stage index of each canvas position (`None` for cells in no stage).
    stage_of: Vec<Option<u32>>,
    count: Count,
    /// The stage being decoded.
    current: usize,
    /// Steps taken in the current stage.
    step_in_stage: usize,
    rng: SamplerRng,
    scratch: Scratch,
}

impl Sampler {
    /// Validate `params` against the canvas and vocabulary and plan the stages.
    ///
    /// Errors when a parameter is out of range, two parameters conflict, `Order::Regions` names a
    /// region the canvas lacks, or (for `Quota`/`Timestep`) `steps` is smaller than the number of stages.
    pub fn new(
        params: SamplerParams,
        canvas: &Canvas,
        vocab_size: usize,
    ) -> Result<Sampler, ParamsError> {
        validate(&params, canvas, vocab_size)?;
        let stages = build_stages(canvas, &params.order, params.block_length);
        let count = match (params.threshold, params.factor) {
            (Some(tau), _) => Count::Threshold(tau),
            (None, Some(f)) => Count::Factor(f),
            (None, None) => {
                if uses_steps(&params) && params.steps < stages.len() {
                    return Err(ParamsError::OutOfRange {
                        name: "--steps",
                        value: params.steps.to_string(),
                        expected: "at least the number of blocks/regions to decode (each needs a step): raise --steps or --block-length",
                    });
                }
                let sizes: Vec<usize> = stages.iter().map(Vec::len).collect();
                let per_stage = split_steps(&sizes, params.steps);
                let plans = sizes
                    .iter()
                    .zip(&per_stage)
                    .map(|(&n, &s)| {
                        trim_trailing_zeros(match params.schedule {
                            Schedule::Quota => llada_quota(n, s),
                            Schedule::Timestep { eps } => dream_counts(n, s, eps),
                        })
                    })
                    .collect();
                Count::Planned(plans)
            }
        };
        let mut stage_of = vec![None; canvas.len()];
        for (i, stage) in stages.iter().enumerate() {
            for &p in stage {
                stage_of[p as usize] = Some(i as u32);
            }
        }
        Ok(Sampler {
            rng: SamplerRng::new(params.seed),
            params,
            vocab_size,
            stages,
            stage_of,
            count,
            current: 0,
            step_in_stage: 0,
            scratch: Scratch::default(),
        })
    }

    /// Steps the schedule plans in total (`None` for threshold/factor decoding).
    pub fn planned_steps(&self) -> Option<usize> {
        match &self.count {
            Count::Planned(plans) => Some(plans.iter().map(Vec::len).sum()),
            _ => None,
        }
    }

    /// The stages (blocks or regions) in decoding order, each its positions ascending.
    pub fn stages(&self) -> &[Vec<u32>] {
        &self.stages
    }

    /// Index into `stages()` of the stage the next step works on (`stages().len()` once all are done).
    pub fn current_stage(&self) -> usize {
        self.current
    }

    /// The parameters this sampler runs with.
    pub fn params(&self) -> &SamplerParams {
        &self.params
    }

    /// True when no template mask remains in the canvas.
    pub fn is_done(&self, canvas: &Canvas) -> bool {
        !canvas
            .kinds
            .iter()
            .zip(&canvas.tokens)
            .any(|(k, &t)| matches!(k, CellKind::Masked { .. }) && t == canvas.mask_id)
    }

    /// Whether each step needs an unconditional forward too (`cfg_scale > 0`).
    pub fn needs_uncond(&self) -> bool {
        self.params.cfg_scale > 0.0
    }

    /// One step. `logits` holds one row of `vocab_size` values for each position of
    /// `canvas.still_masked()` (ascending). Commits are written into `canvas.tokens`; the decision
    /// lists them with the top guesses at every position masked before the step.
    pub fn step(
        &mut self,
        canvas: &mut Canvas,
        logits: &[f32],
    ) -> Result<StepDecision, SamplerError> {
        let masked = canvas.still_masked();
        if masked.is_empty() {
            return Err(SamplerError::NothingMasked);
        }
        let expected = masked.len() * self.vocab_size;
        if logits.len() != expected {
            return Err(SamplerError::LogitsLength {
                expected,
                got: logits.len(),
                masked: masked.len(),
                vocab_size: self.vocab_size,
            });
        }
        let mut live_per_stage = vec![0usize; self.stages.len()];
        for &pos in &masked {
            match self.stage_of.get(pos as usize).copied().flatten() {
                Some(s) => live_per_stage[s as usize] += 1,
                None => return Err(SamplerError::CanvasMismatch { pos }),
            }
        }
        // The current stage is the first one with masks left: a stage that finished early (or was
        // filled from outside) is skipped; `masked` is non-empty, so one exists.
        let first_live = live_per_stage.iter().position(|&n| n > 0).unwrap_or(0);
        if first_live != self.current {
            self.current = first_live;
            self.step_in_stage = 0;
        }
        let stage = self.current as u32;

        let rules = FilterRules {
            mask_id: canvas.mask_id,
            top_k: self.params.top_k,
            top_p: self.params.top_p,
        };
        let temperature = self.params.temperature;
        let mut guesses = Vec::with_capacity(masked.len());
        let mut candidates = Vec::with_capacity(live_per_stage[self.current]);
        for (&pos, row) in masked.iter().zip(logits.chunks_exact(self.vocab_size)) {
            let dist =
                Distribution::new(row, pos, rules, self.params.trace_top_k, &mut self.scratch)?;
            guesses.push(Guess {
                pos,
                top: dist.top(self.params.trace_top_k),
            });
            if self.stage_of[pos as usize] != Some(stage) {
                continue;
            }
            let (token, prob) = if temperature > 0.0 {
                dist.sample(temperature, self.rng.uniform())
            } else {
                dist.argmax()
            };
            let score = match self.params.remasking {
                Remasking::LowConfidence => prob,
                Remasking::Random => self.rng.uniform() as f32,
                Remasking::Margin => dist.margin(),
                Remasking::Entropy => dist.neg_entropy(),
            };
            candidates.push(Candidate {
                pos,
                token,
                prob,
                score,
            });
        }

        let count = self.commit_count(&candidates);
        let how = match (&self.params.order, self.params.alg_temp) {
            (Order::LeftToRight, _) => Pick::Leftmost,
            (_, Some(alg_temp)) => Pick::Sampled { alg_temp },
            (_, None) => Pick::TopScore,
        };
        let chosen = pick(&candidates, count, how, &mut self.rng);
        let commits: Vec<Commit> = chosen
            .iter()
            .map(|&i| {
                let c = candidates[i];
                Commit {
                    pos: c.pos,
                    token: c.token,
                    confidence: c.prob,
                }
            })
            .collect();
        for c in &commits {
            canvas.tokens[c.pos as usize] = c.token;
        }

        self.step_in_stage += 1;
        let stage_finished = commits.len() == candidates.len();
        let plan_finished = match &self.count {
            Count::Planned(plans) => self.step_in_stage >= plans[self.current].len(),
            _ => false,
        };
        if stage_finished || plan_finished {
            self.current += 1;
            self.step_in_stage = 0;
        }
        Ok(StepDecision { commits, guesses })
    }

    /// How many of the current stage's candidates this step commits.
    fn commit_count(&self, candidates: &[Candidate]) -> usize {
        let sorted_probs = || {
            let mut p: Vec<f32> = candidates.iter().map(|c| c.prob).collect();
            p.sort_unstable_by(|a, b| b.total_cmp(a));
            p
        };
        match &self.count {
            Count::Planned(plans) => {
                let plan = &plans[self.current];
                if self.step_in_stage + 1 >= plan.len() {
                    // The stage's last planned step commits everything left in it.
                    candidates.len()
                } else {
                    plan[self.step_in_stage].min(candidates.len())
                }
            }
            Count::Threshold(tau) => threshold_count(&sorted_probs(), *tau),
            Count::Factor(f) => factor_count(&sorted_probs(), *f),
        }
    }
}
