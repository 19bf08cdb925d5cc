//! Properties of whole sampler runs over random canvases, schedules, scorers and orders, driven by a
//! small deterministic fake model (logits from a hash of position, canvas state and seed).

use proptest::prelude::*;
use unmask::canvas::{Canvas, TemplatePart};
use unmask::sampler::{
    Order, Remasking, Sampler, SamplerParams, Schedule, StepDecision, dream_counts, llada_quota,
    split_steps,
};

const VOCAB: usize = 12;

/// SplitMix64 finaliser: a well-mixed 64-bit hash.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Logits for every still-masked position, a pure function of (position, token, canvas, seed).
/// Some rows make the mask token the most likely of all, some are very peaked (for thresholds).
fn fake_model(canvas: &Canvas, model_seed: u64) -> Vec<f32> {
    let state = canvas
        .tokens
        .iter()
        .fold(model_seed, |h, &t| mix(h ^ u64::from(t)));
    let mut out = Vec::new();
    for pos in canvas.still_masked() {
        let row_hash = mix(state ^ mix(u64::from(pos)));
        let peak = (row_hash % VOCAB as u64) as usize;
        let sharp = row_hash.is_multiple_of(3);
        for t in 0..VOCAB {
            let h = mix(row_hash ^ (t as u64 + 1));
            let mut l = (h % 10_000) as f32 / 10_000.0 * 6.0 - 3.0;
            if t == peak && sharp {
                l += 12.0;
            }
            if t as u32 == canvas.mask_id && row_hash.is_multiple_of(2) {
                l = 20.0;
            }
            out.push(l);
        }
    }
    out
}

/// One random scenario.
#[derive(Clone, Debug)]
struct Scenario {
    /// Mask spans as `(length, region)`; region `r` is named `NAMES[r]`.
    spans: Vec<(usize, usize)>,
    mask_id: u32,
    block_length: Option<usize>,
    /// 0 free, 1 left-to-right, 2 regions.
    order_kind: u8,
    /// Regions named in `Order::Regions`, in that order.
    listed: Vec<usize>,
    /// 0 quota, 1 timestep, 2 threshold, 3 factor.
    schedule_kind: u8,
    /// Steps beyond one per stage.
    extra_steps: usize,
    remasking: Remasking,
    temperature: f32,
    top_k: Option<usize>,
    top_p: Option<f32>,
    alg_temp: Option<f32>,
    seed: u64,
    model_seed: u64,
    /// `SamplerParams::eos_last`, with token `end_token(mask_id)` as the end token.
    eos_last: bool,
}

/// The scenario's end token: neither the mask nor the pinned token.
fn end_token(mask_id: u32) -> u32 {
    (mask_id + 2) % VOCAB as u32
}

const NAMES: [&str; 3] = ["answer", "reasoning", "notes"];

fn scenario() -> impl Strategy<Value = Scenario> {
    (1usize..=3)
        .prop_flat_map(|regions| {
            (
                Just(regions),
                prop::collection::vec((1usize..=20, 0..regions), regions..=regions + 2),
                0u32..VOCAB as u32,
                prop::option::of(1usize..=9),
                0u8..3,
                Just((0..regions).collect::<Vec<_>>()).prop_shuffle(),
                0usize..=regions,
                0u8..4,
                0usize..12,
            )
        })
        .prop_flat_map(
            |(regions, spans, mask_id, block_length, order_kind, perm, n_listed, sched, extra)| {
                (
                    Just((regions, spans, mask_id, block_length, order_kind)),
                    Just((perm, n_listed, sched, extra)),
                    prop_oneof![
                        Just(Remasking::LowConfidence),
                        Just(Remasking::Random),
                        Just(Remasking::Margin),
                        Just(Remasking::Entropy),
                    ],
                    prop_oneof![Just(0.0f32), Just(0.8f32)],
                    prop::option::of(1usize..=6),
                    prop::option::of(prop_oneof![Just(0.5f32), Just(0.9f32), Just(1.0f32)]),
                    prop::option::of(prop_oneof![Just(0.2f32), Just(1.0f32)]),
                    any::<u64>(),
                    any::<u64>(),
                    any::<bool>(),
                )
            },
        )
        .prop_map(
            |(
                (regions, spans, mask_id, block_length, order_kind),
                (perm, n_listed, schedule_kind, extra_steps),
                remasking,
                temperature,
                top_k,
                top_p,
                alg_temp,
                seed,
                model_seed,
                eos_last,
            )| {
                // Every region gets at least one span, in a shuffled order of first appearance (so canvas
                // order and name order differ); cap the total at 64 masks.
                let mut spans = spans;
                for (i, span) in spans.iter_mut().enumerate().take(regions) {
                    span.1 = perm[regions - 1 - i];
                }
                let mut total = 0;
                for span in spans.iter_mut() {
                    span.0 = span.0.min(64 - total).max(1);
                    total += span.0;
                }
                while spans.iter().map(|s| s.0).sum::<usize>() > 64 {
                    spans.pop();
                }
                Scenario {
                    spans,
                    mask_id,
                    block_length,
                    order_kind,
                    listed: perm[..n_listed].to_vec(),
                    schedule_kind,
                    extra_steps,
                    remasking,
                    temperature,
                    top_k,
                    top_p,
                    alg_temp,
                    seed,
                    model_seed,
                    eos_last,
                }
            },
        )
}

fn build_canvas(s: &Scenario) -> Canvas {
    let mut parts = Vec::new();
    for (i, &(len, region)) in s.spans.iter().enumerate() {
        if i % 2 == 1 {
            parts.push(TemplatePart::Text("ab".into()));
        }
        parts.push(TemplatePart::Span {
            name: NAMES[region].to_string(),
            len,
        });
    }
    let pinned = (s.mask_id + 1) % VOCAB as u32;
    Canvas::build(&[pinned, pinned], &parts, s.mask_id, 10_000, |t| {
        Ok(vec![pinned; t.len()])
    })
    .unwrap()
}

fn order_of(s: &Scenario) -> Order {
    match s.order_kind {
        0 => Order::Free,
        1 => Order::LeftToRight,
        _ => Order::Regions(s.listed.iter().map(|&r| NAMES[r].to_string()).collect()),
    }
}

/// The stages, computed independently of the sampler from the rules in the brief.
fn expected_stages(canvas: &Canvas, order: &Order, block_length: Option<usize>) -> Vec<Vec<u32>> {
    let groups: Vec<Vec<u32>> = match order {
        Order::Regions(names) => {
            let mut idx: Vec<usize> = names
                .iter()
                .map(|n| canvas.region_index(n).unwrap())
                .collect();
            for i in 0..canvas.regions.len() {
                if !idx.contains(&i) {
                    idx.push(i);
                }
            }
            idx.iter()
                .map(|&i| canvas.regions[i].positions.clone())
                .collect()
        }
        _ => vec![canvas.response_mask_positions()],
    };
    groups
        .into_iter()
        .flat_map(|g| {
            let n = block_length.unwrap_or(g.len());
            g.chunks(n).map(|c| c.to_vec()).collect::<Vec<_>>()
        })
        .collect()
}

fn params_of(s: &Scenario, n_stages: usize) -> SamplerParams {
    let (schedule, threshold, factor) = match s.schedule_kind {
        0 => (Schedule::Quota, None, None),
        1 => (Schedule::Timestep { eps: 1e-3 }, None, None),
        2 => (Schedule::Quota, Some(0.7), None),
        _ => (Schedule::Quota, None, Some(1.0)),
    };
    SamplerParams {
        steps: n_stages + s.extra_steps,
        block_length: s.block_length,
        schedule,
        remasking: s.remasking,
        threshold,
        factor,
        temperature: s.temperature,
        top_p: s.top_p,
        top_k: s.top_k,
        alg_temp: s.alg_temp,
        cfg_scale: 0.0,
        order: order_of(s),
        seed: s.seed,
        trace_top_k: 3,
        suppress_eos: false,
        stop_at_eos: false,
        eos_last: s.eos_last,
    }
}

/// Whether a cell before `pos` in its span (the run of masked cells of one region around it) is
/// still masked.
fn masked_before_in_span(canvas: &Canvas, pos: u32) -> bool {
    let region = canvas.kinds[pos as usize];
    (0..pos as usize)
        .rev()
        .take_while(|&q| canvas.kinds[q] == region)
        .any(|q| canvas.tokens[q] == canvas.mask_id)
}

/// Run to the end, checking the per-step invariants; returns the decisions and the final canvas.
fn run(s: &Scenario) -> Result<(Vec<StepDecision>, Canvas), TestCaseError> {
    let mut canvas = build_canvas(s);
    let order = order_of(s);
    let stages = expected_stages(&canvas, &order, s.block_length);
    let params = params_of(s, stages.len());
    let planned_counts: Option<Vec<Vec<usize>>> = match (params.threshold, params.factor) {
        (None, None) => {
            let sizes: Vec<usize> = stages.iter().map(Vec::len).collect();
            let split = split_steps(&sizes, params.steps);
            Some(
                sizes
                    .iter()
                    .zip(&split)
                    .map(|(&n, &steps)| {
                        let mut c = match params.schedule {
                            Schedule::Quota => llada_quota(n, steps),
                            Schedule::Timestep { eps } => dream_counts(n, steps, eps),
                        };
                        while c.last() == Some(&0) {
                            c.pop();
                        }
                        c
                    })
                    .collect(),
            )
        }
        _ => None,
    };
    let end = end_token(s.mask_id);
    let mut sampler = Sampler::new(params.clone(), &canvas, VOCAB)
        .map_err(|e| TestCaseError::fail(format!("params rejected: {e}")))?
        .with_end_tokens(&[end]);
    prop_assert_eq!(sampler.stages(), &stages[..]);
    prop_assert_eq!(
        sampler.planned_steps(),
        planned_counts
            .as_ref()
            .map(|p| p.iter().map(Vec::len).sum::<usize>())
    );
    let expected_counts: Option<Vec<usize>> = planned_counts.map(|p| p.concat());

    let mut decisions = Vec::new();
    let total_masks = canvas.still_masked().len();
    while !sampler.is_done(&canvas) {
        prop_assert!(decisions.len() <= total_masks + 300, "run does not end");
        let before = canvas.clone();
        let masked_before = before.still_masked();
        // The current stage is the first stage with masks left.
        let stage = stages
            .iter()
            .find(|st| {
                st.iter()
                    .any(|&p| before.tokens[p as usize] == before.mask_id)
            })
            .cloned()
            .unwrap_or_default();
        let logits = fake_model(&canvas, s.model_seed);
        let d = sampler
            .step(&mut canvas, &logits)
            .map_err(|e| TestCaseError::fail(format!("step failed: {e}")))?;

        // Committed tokens never change; only this step's commits changed, from mask to non-mask.
        for (i, (&a, &b)) in before.tokens.iter().zip(&canvas.tokens).enumerate() {
            if a != b {
                prop_assert!(d.commits.iter().any(|c| c.pos as usize == i));
                prop_assert_eq!(a, before.mask_id);
            }
        }
        for c in &d.commits {
            prop_assert_ne!(c.token, canvas.mask_id, "the mask token was committed");
            prop_assert_eq!(canvas.tokens[c.pos as usize], c.token);
            prop_assert!(
                stage.contains(&c.pos),
                "commit at {} outside stage {:?}",
                c.pos,
                stage
            );
            prop_assert!(c.confidence > 0.0 && c.confidence <= 1.0 + 1e-6);
        }
        prop_assert!(d.commits.windows(2).all(|w| w[0].pos < w[1].pos));
        // Guesses cover every position masked before the step, mask excluded, best first.
        prop_assert_eq!(
            d.guesses.iter().map(|g| g.pos).collect::<Vec<_>>(),
            masked_before
        );
        for g in &d.guesses {
            prop_assert_eq!(g.top.len(), 3);
            prop_assert!(g.top.iter().all(|&(t, _)| t != canvas.mask_id));
            prop_assert!(g.top.windows(2).all(|w| w[0].1 >= w[1].1));
        }
        if params.threshold.is_some() || params.factor.is_some() {
            prop_assert!(!d.commits.is_empty(), "threshold/factor committed nothing");
        }
        // eos_last: an end token with a cell before it still masked in its span waits for every
        // other candidate (threshold/factor decoding never commit it; a schedule only when it
        // commits all the others too).
        if s.eos_last {
            let free: Vec<u32> = stage
                .iter()
                .copied()
                .filter(|&p| before.tokens[p as usize] == before.mask_id)
                .filter(|&p| {
                    let guess = d.guesses.iter().find(|g| g.pos == p);
                    let token = d.commits.iter().find(|c| c.pos == p).map(|c| c.token);
                    let deferred = token.or(guess.map(|g| g.top[0].0)) == Some(end)
                        && masked_before_in_span(&before, p);
                    !deferred
                })
                .collect();
            for c in &d.commits {
                if c.token == end && masked_before_in_span(&before, c.pos) {
                    prop_assert!(
                        params.threshold.is_none() && params.factor.is_none(),
                        "a deferred end token at {} was counted by the threshold/factor rule",
                        c.pos
                    );
                    // (A sampled token of an uncommitted cell is not in the decision: with a
                    // temperature, which cells were free is unknown.)
                    prop_assert!(
                        s.temperature > 0.0
                            || free.iter().all(|p| d.commits.iter().any(|c| c.pos == *p)),
                        "end token at {} committed before free cells {:?}",
                        c.pos,
                        free
                    );
                }
            }
        }
        // Left-to-right commits a prefix of the stage's remaining masks (with a threshold, a
        // leading run that passes it, at least one).
        if order == Order::LeftToRight && !s.eos_last {
            let remaining: Vec<u32> = stage
                .iter()
                .copied()
                .filter(|&p| before.tokens[p as usize] == before.mask_id)
                .collect();
            let got: Vec<u32> = d.commits.iter().map(|c| c.pos).collect();
            prop_assert_eq!(&remaining[..got.len()], &got[..]);
        }
        decisions.push(d);
    }
    prop_assert!(canvas.still_masked().is_empty());
    if let Some(expected) = expected_counts {
        let got: Vec<usize> = decisions.iter().map(|d| d.commits.len()).collect();
        prop_assert_eq!(got, expected, "per-step counts differ from the schedule");
        prop_assert_eq!(sampler.planned_steps(), Some(decisions.len()));
    }
    Ok((decisions, canvas))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn runs_finish_and_respect_schedule_stages_and_commits(s in scenario()) {
        run(&s)?;
    }

    #[test]
    fn same_seed_gives_an_identical_run(s in scenario()) {
        let (a, ca) = run(&s)?;
        let (b, cb) = run(&s)?;
        prop_assert_eq!(a, b);
        prop_assert_eq!(ca, cb);
    }
}
