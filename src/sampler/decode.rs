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

/// Logits per step (rows × vocabulary) from which a step analyses its rows on all cores: a big
/// model's vocabulary makes this the costliest part of a step after the forward pass.
const PARALLEL_MIN_LOGITS: usize = 1 << 20;

/// The random numbers one row of a step uses, drawn before the rows are analysed.
struct RowDraws {
    in_stage: bool,
    sample_u: Option<f64>,
    random_u: Option<f64>,
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
    /// Steps with at least this many logits analyse their rows in parallel.
    parallel_min_logits: usize,
    /// The model's end tokens (EOS/EOT), which `eos_last` defers.
    end_tokens: Vec<u32>,
    /// For each masked cell, the first cell of its span (the run of masked cells of one region
    /// it belongs to); `u32::MAX` for other cells.
    span_start: Vec<u32>,
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
        let mut span_start = vec![u32::MAX; canvas.len()];
        let mut open: Option<(u16, u32)> = None;
        for (pos, kind) in canvas.kinds.iter().enumerate() {
            open = match (*kind, open) {
                (CellKind::Masked { region }, Some((r, start))) if r == region => Some((r, start)),
                (CellKind::Masked { region }, _) => Some((region, pos as u32)),
                _ => None,
            };
            if let Some((_, start)) = open {
                span_start[pos] = start;
            }
        }
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
            parallel_min_logits: PARALLEL_MIN_LOGITS,
            end_tokens: Vec::new(),
            span_start,
        })
    }

    /// The model's end tokens (EOS/EOT ids), which [`SamplerParams::eos_last`] defers; without
    /// them `eos_last` changes nothing.
    pub fn with_end_tokens(mut self, ids: &[u32]) -> Self {
        self.end_tokens = ids.to_vec();
        self
    }

    /// `eos_last`: which candidates guess an end token while a cell before them in their span is
    /// still masked. Never the first masked cell of a span, so some candidate is always free.
    fn deferred(&self, canvas: &Canvas, candidates: &[Candidate]) -> Vec<bool> {
        if !self.params.eos_last || self.end_tokens.is_empty() {
            return vec![false; candidates.len()];
        }
        candidates
            .iter()
            .map(|c| {
                let start = self.span_start[c.pos as usize] as usize;
                self.end_tokens.contains(&c.token)
                    && canvas.tokens[start..c.pos as usize].contains(&canvas.mask_id)
            })
            .collect()
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
        let remasking = self.params.remasking;
        let head_len = self.params.trace_top_k;
        // Draw the random numbers first, in row order: the same draws a sequential pass makes, so
        // the per-row work below may run in parallel and the run stays deterministic.
        let mut draws = Vec::with_capacity(masked.len());
        for &pos in &masked {
            let in_stage = self.stage_of[pos as usize] == Some(stage);
            let sample_u = (in_stage && temperature > 0.0).then(|| self.rng.uniform());
            let random_u = (in_stage && remasking == Remasking::Random).then(|| self.rng.uniform());
            draws.push(RowDraws {
                in_stage,
                sample_u,
                random_u,
            });
        }
        let analyse = |scratch: &mut Scratch,
                       pos: u32,
                       row: &[f32],
                       d: &RowDraws|
         -> Result<(Guess, Option<Candidate>), SamplerError> {
            let dist = Distribution::new(row, pos, rules, head_len, scratch)?;
            let guess = Guess {
                pos,
                top: dist.top(head_len),
            };
            if !d.in_stage {
                return Ok((guess, None));
            }
            let (token, prob) = match d.sample_u {
                Some(u) => dist.sample(temperature, u),
                None => dist.argmax(),
            };
            let score = match remasking {
                Remasking::LowConfidence => prob,
                Remasking::Random => d.random_u.unwrap_or(0.0) as f32,
                Remasking::Margin => dist.margin(),
                Remasking::Entropy => dist.neg_entropy(),
            };
            let candidate = Candidate {
                pos,
                token,
                prob,
                score,
            };
            Ok((guess, Some(candidate)))
        };
        let rows = logits.chunks_exact(self.vocab_size);
        let outcomes: Vec<(Guess, Option<Candidate>)> = if logits.len() >= self.parallel_min_logits
        {
            use rayon::prelude::*;
            masked
                .par_iter()
                .zip(logits.par_chunks_exact(self.vocab_size))
                .zip(draws.par_iter())
                .map_init(Scratch::default, |scratch, ((&pos, row), d)| {
                    analyse(scratch, pos, row, d)
                })
                .collect::<Result<_, _>>()?
        } else {
            let scratch = &mut self.scratch;
            masked
                .iter()
                .zip(rows)
                .zip(&draws)
                .map(|((&pos, row), d)| analyse(scratch, pos, row, d))
                .collect::<Result<_, _>>()?
        };
        let mut guesses = Vec::with_capacity(masked.len());
        let mut candidates: Vec<Candidate> = Vec::with_capacity(live_per_stage[self.current]);
        for (guess, candidate) in outcomes {
            guesses.push(guess);
            candidates.extend(candidate);
        }

        // eos_last: deferred end tokens rank after every other candidate and are not counted by
        // the threshold/factor rules.
        let deferred = self.deferred(canvas, &candidates);
        let counted: Vec<Candidate> = candidates
            .iter()
            .zip(&deferred)
            .filter(|(_, d)| !**d)
            .map(|(c, _)| *c)
            .collect();
        let count = self.commit_count(&counted, candidates.len());
        let how = match (&self.params.order, self.params.alg_temp) {
            (Order::LeftToRight, _) => Pick::Leftmost,
            (_, Some(alg_temp)) => Pick::Sampled { alg_temp },
            (_, None) => Pick::TopScore,
        };
        let chosen = pick(&candidates, &deferred, count, how, &mut self.rng);
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

    /// How many of the current stage's `all` candidates this step commits; the threshold and
    /// factor rules look at the confidences of `candidates` (those not deferred): surest first,
    /// or, left to right, in canvas order, so that only a leading run of sure cells is committed
    /// (the leftmost cell always).
    fn commit_count(&self, candidates: &[Candidate], all: usize) -> usize {
        let sorted_probs = || {
            let mut p: Vec<f32> = candidates.iter().map(|c| c.prob).collect();
            if self.params.order != Order::LeftToRight {
                p.sort_unstable_by(|a, b| b.total_cmp(a));
            }
            p
        };
        match &self.count {
            Count::Planned(plans) => {
                let plan = &plans[self.current];
                if self.step_in_stage + 1 >= plan.len() {
                    // The stage's last planned step commits everything left in it.
                    all
                } else {
                    plan[self.step_in_stage].min(all)
                }
            }
            Count::Threshold(tau) => threshold_count(&sorted_probs(), *tau),
            Count::Factor(f) => factor_count(&sorted_probs(), *f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::{parse_template, plain_template};

    const MASK: u32 = 6;
    const VOCAB: usize = 7;

    fn canvas_from(template: &str) -> Canvas {
        let parts = parse_template(template).unwrap();
        Canvas::build(&[1], &parts, MASK, 1000, |t| Ok(vec![0; t.len()])).unwrap()
    }

    fn plain(n: usize) -> Canvas {
        Canvas::build(&[1], &plain_template(n), MASK, 1000, |_| Ok(vec![])).unwrap()
    }

    /// A logits row from token probabilities (missing tokens −∞), with the mask the most likely of all.
    fn row(probs: &[f32]) -> Vec<f32> {
        let mut r = vec![f32::NEG_INFINITY; VOCAB];
        for (i, &p) in probs.iter().enumerate() {
            if p > 0.0 {
                r[i] = p.ln();
            }
        }
        r[MASK as usize] = 10.0;
        r
    }

    /// Logits for every still-masked position: row `probs` at each.
    fn uniform_logits(canvas: &Canvas, probs: &[f32]) -> Vec<f32> {
        canvas
            .still_masked()
            .iter()
            .flat_map(|_| row(probs))
            .collect()
    }

    /// Three positions where each scorer prefers a different one:
    /// X = [.6,.3,.1] (best P), Y = [.5,.1×5] (best margin), Z = [.5,.5] (lowest entropy).
    fn three_way() -> (Canvas, Vec<f32>) {
        let c = plain(3);
        let mut logits = row(&[0.6, 0.3, 0.1]);
        logits.extend(row(&[0.5, 0.1, 0.1, 0.1, 0.1, 0.1]));
        logits.extend(row(&[0.5, 0.5]));
        (c, logits)
    }

    fn first_commit(remasking: Remasking) -> Commit {
        let (mut c, logits) = three_way();
        let params = SamplerParams {
            steps: 3,
            remasking,
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        let d = s.step(&mut c, &logits).unwrap();
        assert_eq!(d.commits.len(), 1);
        d.commits[0]
    }

    #[test]
    fn scorers_choose_different_positions() {
        // Positions are 1 (X), 2 (Y), 3 (Z).
        let low = first_commit(Remasking::LowConfidence);
        assert_eq!((low.pos, low.token), (1, 0));
        assert!((low.confidence - 0.6).abs() < 1e-5);
        let margin = first_commit(Remasking::Margin);
        assert_eq!(margin.pos, 2);
        // Entropy commits the *lowest*-entropy position (llama.cpp picks the highest: Y).
        let entropy = first_commit(Remasking::Entropy);
        assert_eq!(entropy.pos, 3);
        // Commit.confidence is the model probability whatever the scorer.
        assert!((margin.confidence - 0.5).abs() < 1e-5);
        assert!((entropy.confidence - 0.5).abs() < 1e-5);
    }

    #[test]
    fn mask_token_is_never_committed_or_guessed() {
        let mut c = plain(5);
        let params = SamplerParams {
            steps: 2,
            trace_top_k: 7,
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        while !s.is_done(&c) {
            let logits = uniform_logits(&c, &[0.1, 0.2, 0.7]);
            let d = s.step(&mut c, &logits).unwrap();
            assert!(d.commits.iter().all(|x| x.token == 2));
            assert!(
                d.guesses
                    .iter()
                    .all(|g| g.top.iter().all(|&(t, _)| t != MASK))
            );
            assert!(d.guesses.iter().all(|g| g.top.len() == VOCAB - 1));
        }
        assert!(c.tokens[1..].iter().all(|&t| t == 2));
    }

    #[test]
    fn blocks_follow_llada_quota_left_to_right() {
        let mut c = plain(16);
        // 2 blocks of 8, 4 steps → 2 steps per block → quota [4, 4].
        let params = SamplerParams {
            steps: 4,
            block_length: Some(8),
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        assert_eq!(s.planned_steps(), Some(4));
        assert_eq!(s.stages().len(), 2);
        let mut counts = Vec::new();
        while !s.is_done(&c) {
            let stage = s.stages()[s.current_stage()].clone();
            let logits = uniform_logits(&c, &[0.3, 0.7]);
            let d = s.step(&mut c, &logits).unwrap();
            assert!(d.commits.iter().all(|x| stage.contains(&x.pos)));
            counts.push(d.commits.len());
        }
        assert_eq!(counts, vec![4, 4, 4, 4]);
        assert!(c.tokens[1..].iter().all(|&t| t == 1));
    }

    #[test]
    fn timestep_counts_follow_dream() {
        let mut c = plain(16);
        let params = SamplerParams {
            steps: 8,
            schedule: Schedule::Timestep { eps: 1e-3 },
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        let mut counts = Vec::new();
        while !s.is_done(&c) {
            let logits = uniform_logits(&c, &[1.0]);
            counts.push(s.step(&mut c, &logits).unwrap().commits.len());
        }
        assert_eq!(counts, vec![1, 2, 2, 2, 2, 2, 2, 3]);
    }

    #[test]
    fn threshold_commits_all_sure_positions_or_the_best_one() {
        let mut c = plain(3);
        let params = SamplerParams {
            threshold: Some(0.9),
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        assert_eq!(s.planned_steps(), None);
        let mut logits = row(&[0.95, 0.05]);
        logits.extend(row(&[0.5, 0.5]));
        logits.extend(row(&[0.02, 0.98]));
        let d = s.step(&mut c, &logits).unwrap();
        assert_eq!(
            d.commits.iter().map(|x| x.pos).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(d.guesses.len(), 3);
        let d = s.step(&mut c, &row(&[0.4, 0.6])).unwrap();
        assert_eq!(
            d.commits.len(),
            1,
            "nothing passes τ but one is committed anyway"
        );
        assert!(s.is_done(&c));
    }

    #[test]
    fn left_to_right_takes_the_leftmost() {
        let mut c = plain(4);
        let params = SamplerParams {
            steps: 2,
            order: Order::LeftToRight,
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        let mut logits = row(&[0.3, 0.7]);
        logits.extend(row(&[0.3, 0.7]));
        logits.extend(row(&[1.0]));
        logits.extend(row(&[1.0]));
        let d = s.step(&mut c, &logits).unwrap();
        assert_eq!(
            d.commits.iter().map(|x| x.pos).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }

    #[test]
    fn left_to_right_with_a_threshold_commits_the_leading_run_of_sure_cells() {
        // P per position 1..5: sure, sure, unsure, sure, sure.
        let probs = [0.95f32, 0.95, 0.5, 0.95, 0.95];
        let logits_for = |c: &Canvas| -> Vec<f32> {
            c.still_masked()
                .iter()
                .flat_map(|&pos| row(&[probs[pos as usize - 1], 1.0 - probs[pos as usize - 1]]))
                .collect()
        };
        let mut c = plain(5);
        let params = SamplerParams {
            threshold: Some(0.9),
            order: Order::LeftToRight,
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        let mut steps = Vec::new();
        while !s.is_done(&c) {
            let logits = logits_for(&c);
            let d = s.step(&mut c, &logits).unwrap();
            steps.push(d.commits.iter().map(|x| x.pos).collect::<Vec<_>>());
        }
        // Not the leftmost four (four pass τ somewhere): the run up to the unsure cell, then
        // that cell alone (at least one per step), then the rest.
        assert_eq!(steps, vec![vec![1, 2], vec![3], vec![4, 5]]);
    }

    #[test]
    fn regions_are_finished_in_the_listed_order() {
        let mut c = canvas_from("{a:2}-{b:2}-{c:2}");
        // a: 1,2  b: 4,5  c: 7,8
        let params = SamplerParams {
            steps: 3,
            order: Order::Regions(vec!["c".into(), "a".into()]),
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB).unwrap();
        let mut order = Vec::new();
        while !s.is_done(&c) {
            let logits = uniform_logits(&c, &[0.5, 0.5]);
            let d = s.step(&mut c, &logits).unwrap();
            order.push(d.commits.iter().map(|x| x.pos).collect::<Vec<_>>());
        }
        assert_eq!(order, vec![vec![7, 8], vec![1, 2], vec![4, 5]]);
    }

    #[test]
    fn too_few_steps_for_the_stages_is_a_params_error() {
        let c = plain(16);
        let params = SamplerParams {
            steps: 3,
            block_length: Some(4),
            ..Default::default()
        };
        let err = Sampler::new(params, &c, VOCAB).unwrap_err();
        assert!(
            matches!(
                err,
                ParamsError::OutOfRange {
                    name: "--steps",
                    ..
                }
            ),
            "{err}"
        );
        // Threshold decoding does not use steps.
        let params = SamplerParams {
            steps: 1,
            block_length: Some(4),
            threshold: Some(0.9),
            ..Default::default()
        };
        assert!(Sampler::new(params, &c, VOCAB).is_ok());
    }

    #[test]
    fn step_errors_are_clear() {
        let mut c = plain(2);
        let mut s = Sampler::new(SamplerParams::default(), &c, VOCAB).unwrap();
        let err = s.step(&mut c, &[0.0; 5]).unwrap_err();
        assert_eq!(
            err,
            SamplerError::LogitsLength {
                expected: 14,
                got: 5,
                masked: 2,
                vocab_size: VOCAB
            }
        );
        let mut bad = uniform_logits(&c, &[1.0]);
        bad[VOCAB + 2] = f32::NAN;
        assert!(matches!(
            s.step(&mut c, &bad),
            Err(SamplerError::NonFiniteLogit {
                pos: 2,
                token: 2,
                ..
            })
        ));
        assert_eq!(c.still_masked().len(), 2, "a failed step changes nothing");
        let mut other = plain(3);
        let logits = uniform_logits(&other, &[1.0]);
        assert_eq!(
            s.step(&mut other, &logits).unwrap_err(),
            SamplerError::CanvasMismatch { pos: 3 }
        );
        while !s.is_done(&c) {
            let logits = uniform_logits(&c, &[1.0]);
            s.step(&mut c, &logits).unwrap();
        }
        assert_eq!(
            s.step(&mut c, &[]).unwrap_err(),
            SamplerError::NothingMasked
        );
    }

    #[test]
    fn sampling_and_random_scores_are_seeded() {
        let run = |seed: u64| {
            let mut c = plain(12);
            let params = SamplerParams {
                steps: 6,
                temperature: 1.0,
                remasking: Remasking::Random,
                alg_temp: Some(0.5),
                seed,
                ..Default::default()
            };
            let mut s = Sampler::new(params, &c, VOCAB).unwrap();
            let mut decisions = Vec::new();
            while !s.is_done(&c) {
                let logits = uniform_logits(&c, &[0.2, 0.2, 0.2, 0.2, 0.2]);
                decisions.push(s.step(&mut c, &logits).unwrap());
            }
            (decisions, c.tokens)
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5).1, run(6).1);
    }

    #[test]
    fn cfg_flag() {
        let c = plain(2);
        let s = Sampler::new(SamplerParams::default(), &c, VOCAB).unwrap();
        assert!(!s.needs_uncond());
        let p = SamplerParams {
            cfg_scale: 1.0,
            ..Default::default()
        };
        assert!(Sampler::new(p, &c, VOCAB).unwrap().needs_uncond());
    }

    #[test]
    fn rows_analysed_in_parallel_decide_exactly_as_in_sequence() {
        use rand::{Rng, SeedableRng};
        let vocab = 20_000;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for (remasking, temperature) in [
            (Remasking::Random, 0.8),
            (Remasking::LowConfidence, 0.0),
            (Remasking::Entropy, 0.5),
        ] {
            let params = SamplerParams {
                steps: 8,
                remasking,
                temperature,
                seed: 9,
                ..SamplerParams::default()
            };
            let mut canvas_par =
                Canvas::build(&[1], &plain_template(64), MASK, 1000, |_| Ok(vec![])).unwrap();
            let mut canvas_seq = canvas_par.clone();
            let mut par = Sampler::new(params.clone(), &canvas_par, vocab).unwrap();
            par.parallel_min_logits = 0;
            let mut seq = Sampler::new(params, &canvas_seq, vocab).unwrap();
            seq.parallel_min_logits = usize::MAX;
            while !seq.is_done(&canvas_seq) {
                let n = canvas_seq.still_masked().len();
                let logits: Vec<f32> = (0..n * vocab)
                    .map(|_| rng.random_range(-4.0..4.0))
                    .collect();
                let a = par.step(&mut canvas_par, &logits).unwrap();
                let b = seq.step(&mut canvas_seq, &logits).unwrap();
                assert_eq!(a, b);
            }
            assert!(par.is_done(&canvas_par));
            assert_eq!(canvas_par.tokens, canvas_seq.tokens);
        }
    }

    /// Committed positions of each step of a threshold-0.9 run over `{a:4}x{a:2}` where the
    /// model guesses an end token (5) with P 0.99 at positions 2, 4, 6 and 7 and content with
    /// P 0.95 at 1 and 3.
    fn eos_run(eos_last: bool, end_tokens: &[u32]) -> Vec<Vec<u32>> {
        const EOS: usize = 5;
        let mut c = canvas_from("{a:4}x{a:2}");
        let params = SamplerParams {
            threshold: Some(0.9),
            eos_last,
            ..Default::default()
        };
        let mut s = Sampler::new(params, &c, VOCAB)
            .unwrap()
            .with_end_tokens(end_tokens);
        let mut steps = Vec::new();
        while !s.is_done(&c) {
            let logits: Vec<f32> = c
                .still_masked()
                .iter()
                .flat_map(|&pos| {
                    let mut probs = [0.0f32; 6];
                    match pos {
                        1 | 3 => probs[pos as usize - 1] = 0.95,
                        _ => probs[EOS] = 0.99,
                    }
                    let rest = 1.0 - probs.iter().sum::<f32>();
                    probs[if pos == 1 { 4 } else { 3 }] += rest;
                    row(&probs)
                })
                .collect();
            let d = s.step(&mut c, &logits).unwrap();
            steps.push(d.commits.iter().map(|x| x.pos).collect());
        }
        steps
    }

    #[test]
    fn eos_last_commits_an_end_token_only_after_the_cells_before_it_in_its_span() {
        // Sure of everything: one step.
        assert_eq!(eos_run(false, &[5]), vec![vec![1, 2, 3, 4, 6, 7]]);
        // Without the model's end tokens the flag changes nothing.
        assert_eq!(eos_run(true, &[]), vec![vec![1, 2, 3, 4, 6, 7]]);
        // Step 1: the content, and 6 (the first cell of its span: nothing before it to wait
        // for); 2, 4 and 7 wait. Step 2: 2 (1 is written) and 7 (6 is); 4 waits for 2.
        assert_eq!(
            eos_run(true, &[5]),
            vec![vec![1, 3, 6], vec![2, 7], vec![4]]
        );
    }
}
