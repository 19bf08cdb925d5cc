//! One position's token distribution: mask exclusion, top-k then top-p filtering, the candidate token
//! and its scores, and the top guesses for the trace — without allocating per vocabulary entry.
//!
//! Conventions:
//! - The mask token's logit counts as −∞ before anything else, so it is never a candidate or guess.
//! - `P` is the softmax (temperature 1) of the logits after top-k, then top-p, filtering. Filtered
//!   tokens have `P = 0`. (Dream applies top-p before top-k and at temperature T; we follow LLaDA in
//!   keeping `P` temperature-free so confidences are comparable across temperatures.)
//! - With temperature `T > 0` the candidate is a sample from `softmax(filtered_logits / T)`, drawn by
//!   inverse CDF with one uniform. That is the same distribution as LLaDA's Gumbel-max
//!   `argmax(logits + T·Gumbel)`, at the cost of one random number per position instead of one per token.
//! - Ties between equal logits go to the lower token id.

use std::cmp::Ordering;

use super::error::SamplerError;

/// The filtering knobs of a run (already validated).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FilterRules {
    /// The mask token id (ruled out).
    pub(crate) mask_id: u32,
    /// Keep only the `k` most likely tokens.
    pub(crate) top_k: Option<usize>,
    /// Nucleus mass; `None` (or ≥ 1) is off.
    pub(crate) top_p: Option<f32>,
}

/// Reusable buffers so a step does not allocate per vocabulary entry.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    /// `(logit, token)` best first: the head of the row's sorted order.
    sorted: Vec<(f32, u32)>,
    /// Room for a whole row when a long head is needed.
    pool: Vec<(f32, u32)>,
}

/// Heads up to this long are found by streaming insertion; longer ones by `select_nth_unstable`.
const STREAMING_HEAD_MAX: usize = 64;

/// Best first by logit, then lower token id. Logits are never NaN here.
fn best_first(a: &(f32, u32), b: &(f32, u32)) -> Ordering {
    b.0.partial_cmp(&a.0)
        .unwrap_or(Ordering::Equal)
        .then(a.1.cmp(&b.1))
}

/// A position's filtered distribution, borrowing its logits row and the scratch head.
#[derive(Debug)]
pub(crate) struct Distribution<'a> {
    row: &'a [f32],
    mask: Option<usize>,
    max_logit: f32,
    /// Tokens best first (at least as many as the guesses and the filters need).
    sorted: &'a [(f32, u32)],
    /// How many leading entries of `sorted` survive filtering; `None` = every token but the mask.
    kept: Option<usize>,
    /// `Σ exp(l − max)` over the kept tokens.
    z: f64,
}

impl<'a> Distribution<'a> {
    /// Analyse one row of logits (`row.len()` = vocabulary size) of canvas position `pos`.
    pub(crate) fn new(
        row: &'a [f32],
        pos: u32,
        rules: FilterRules,
        head_len: usize,
        scratch: &'a mut Scratch,
    ) -> Result<Distribution<'a>, SamplerError> {
        let mask = Some(rules.mask_id as usize).filter(|&m| m < row.len());
        let mut max_logit = f32::NEG_INFINITY;
        for (i, &l) in row.iter().enumerate() {
            if Some(i) == mask {
                continue;
            }
            if l.is_nan() || l == f32::INFINITY {
                return Err(SamplerError::NonFiniteLogit {
                    pos,
                    token: i as u32,
                    value: l,
                });
            }
            if l > max_logit {
                max_logit = l;
            }
        }
        if max_logit == f32::NEG_INFINITY {
            return Err(SamplerError::NoCandidate { pos });
        }
        let candidates = row.len() - usize::from(mask.is_some());
        let kept_by_k = rules
            .top_k
            .map(|k| k.min(candidates))
            .filter(|&k| k < candidates);
        let mut head = head_len.max(2).max(kept_by_k.unwrap_or(0)).min(candidates);
        sorted_head(row, mask, head, scratch);
        let mut kept = kept_by_k;
        let mut z = match kept {
            Some(k) => sum_exp(&scratch.sorted[..k], max_logit),
            None => row_sum_exp(row, mask, max_logit),
        };
        if let Some(p) = rules.top_p.filter(|&p| p < 1.0) {
            let limit = kept.unwrap_or(candidates);
            loop {
                let available = scratch.sorted.len().min(limit);
                match nucleus_len(&scratch.sorted[..available], max_logit, z, f64::from(p)) {
                    Some(n) => {
                        kept = Some(n);
                        break;
                    }
                    None if available >= limit => {
                        kept = Some(limit);
                        break;
                    }
                    None => {
                        head = (head * 4).max(STREAMING_HEAD_MAX + 1).min(limit);
                        sorted_head(row, mask, head, scratch);
                    }
                }
            }
            if let Some(n) = kept {
                z = sum_exp(&scratch.sorted[..n], max_logit);
            }
        }
        Ok(Distribution {
            row,
            mask,
            max_logit,
            sorted: &scratch.sorted,
            kept,
            z,
        })
    }

    /// `P` of the token at `rank` in the sorted head (0 when filtered out).
    fn prob_at_rank(&self, rank: usize) -> f32 {
        match self.sorted.get(rank) {
            Some(&(l, _)) if self.kept.is_none_or(|k| rank < k) => self.prob_of_logit(l),
            _ => 0.0,
        }
    }

    fn prob_of_logit(&self, logit: f32) -> f32 {
        (f64::from(logit - self.max_logit).exp() / self.z) as f32
    }

    /// The `n` most likely tokens (mask excluded) with their `P`, best first.
    pub(crate) fn top(&self, n: usize) -> Vec<(u32, f32)> {
        (0..n.min(self.sorted.len()))
            .map(|r| (self.sorted[r].1, self.prob_at_rank(r)))
            .collect()
    }

    /// The argmax candidate and its `P`.
    pub(crate) fn argmax(&self) -> (u32, f32) {
        match self.sorted.first() {
            Some(&(_, token)) => (token, self.prob_at_rank(0)),
            None => (0, 0.0),
        }
    }

    /// A candidate sampled from `softmax(filtered_logits / temperature)` with the uniform `u ∈ [0, 1)`,
    /// and its `P`.
    pub(crate) fn sample(&self, temperature: f32, u: f64) -> (u32, f32) {
        let weight = |l: f32| (f64::from(l - self.max_logit) / f64::from(temperature)).exp();
        let chosen = match self.kept {
            Some(k) => {
                let head = &self.sorted[..k];
                let total: f64 = head.iter().map(|&(l, _)| weight(l)).sum();
                pick_by_cdf(head.iter().map(|&(l, t)| (t, weight(l))), u * total)
            }
            None => {
                let tokens = || {
                    self.row
                        .iter()
                        .enumerate()
                        .filter(|&(i, _)| Some(i) != self.mask)
                        .map(|(i, &l)| (i as u32, weight(l)))
                };
                let total: f64 = tokens().map(|(_, w)| w).sum();
                pick_by_cdf(tokens(), u * total)
            }
        };
        match chosen {
            Some(token) => (token, self.prob_of_logit(self.row[token as usize])),
            None => self.argmax(),
        }
    }

    /// `p1 − p2` of `P` (Dream `topk_margin`).
    pub(crate) fn margin(&self) -> f32 {
        self.prob_at_rank(0) - self.prob_at_rank(1)
    }

    /// `Σ P log P` (= −entropy; larger = surer), with `0 log 0 = 0`.
    pub(crate) fn neg_entropy(&self) -> f32 {
        // With d = l − max: Σ P log P = Σ e^d·d / Z − ln Z.
        let term = |l: f32| {
            if l == f32::NEG_INFINITY {
                0.0
            } else {
                let d = f64::from(l - self.max_logit);
                d.exp() * d
            }
        };
        let weighted: f64 = match self.kept {
            Some(k) => self.sorted[..k].iter().map(|&(l, _)| term(l)).sum(),
            None => self
                .row
                .iter()
                .enumerate()
                .filter(|&(i, _)| Some(i) != self.mask)
                .map(|(_, &l)| term(l))
                .sum(),
        };
        (weighted / self.z - self.z.ln()) as f32
    }
}

/// The first token whose cumulative weight exceeds `target`; the last positive-weight token if
/// rounding leaves the target unreached.
fn pick_by_cdf(weights: impl Iterator<Item = (u32, f64)>, target: f64) -> Option<u32> {
    let mut acc = 0.0;
    let mut last_positive = None;
    for (token, w) in weights {
        if w > 0.0 {
            acc += w;
            last_positive = Some(token);
            if acc > target {
                return Some(token);
            }
        }
    }
    last_positive
}

fn sum_exp(head: &[(f32, u32)], max_logit: f32) -> f64 {
    head.iter()
        .map(|&(l, _)| f64::from(l - max_logit).exp())
        .sum()
}

fn row_sum_exp(row: &[f32], mask: Option<usize>, max_logit: f32) -> f64 {
    let mut z = 0.0f64;
    for (i, &l) in row.iter().enumerate() {
        if Some(i) != mask {
            z += f64::from((l - max_logit).exp());
        }
    }
    z
}

/// Dream's top-p rule on a best-first head: keep a token while the mass before it is ≤ `p` (the first
/// token always). `None` when the head ends before the mass passes `p` (a longer head is needed).
fn nucleus_len(head: &[(f32, u32)], max_logit: f32, z: f64, p: f64) -> Option<usize> {
    let mut mass_before = 0.0;
    for (i, &(l, _)) in head.iter().enumerate() {
        if i > 0 && mass_before > p {
            return Some(i);
        }
        mass_before += f64::from(l - max_logit).exp() / z;
    }
    None
}

/// Fill `scratch.sorted` with the `len` best tokens of the row (mask excluded), best first.
fn sorted_head(row: &[f32], mask: Option<usize>, len: usize, scratch: &mut Scratch) {
    let out = &mut scratch.sorted;
    out.clear();
    if len == 0 {
        return;
    }
    if len <= STREAMING_HEAD_MAX {
        for (i, &l) in row.iter().enumerate() {
            if Some(i) == mask {
                continue;
            }
            if out.len() < len {
                // Equal logits keep earlier (lower) ids first: insert after them.
                let at = out.partition_point(|&(o, _)| o >= l);
                out.insert(at, (l, i as u32));
            } else if out.last().is_some_and(|&(worst, _)| l > worst) {
                out.pop();
                let at = out.partition_point(|&(o, _)| o >= l);
                out.insert(at, (l, i as u32));
            }
        }
    } else {
        let pool = &mut scratch.pool;
        pool.clear();
        pool.extend(
            row.iter()
                .enumerate()
                .filter(|&(i, _)| Some(i) != mask)
                .map(|(i, &l)| (l, i as u32)),
        );
        if len < pool.len() {
            pool.select_nth_unstable_by(len - 1, best_first);
            pool.truncate(len);
        }
        pool.sort_unstable_by(best_first);
        out.extend_from_slice(pool);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_FILTER: FilterRules = FilterRules {
        mask_id: 99,
        top_k: None,
        top_p: None,
    };

    fn softmax(xs: &[f32]) -> Vec<f64> {
        let m = xs.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let e: Vec<f64> = xs.iter().map(|&x| f64::from(x - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|x| x / s).collect()
    }

    #[test]
    fn mask_is_never_a_candidate_even_with_the_top_logit() {
        let row = [1.0, 9.0, 2.0, 0.5];
        let rules = FilterRules {
            mask_id: 1,
            ..NO_FILTER
        };
        let mut s = Scratch::default();
        let d = Distribution::new(&row, 0, rules, 5, &mut s).unwrap();
        let (tok, p) = d.argmax();
        assert_eq!(tok, 2);
        let expect = softmax(&[1.0, 2.0, 0.5]);
        assert!((f64::from(p) - expect[1]).abs() < 1e-6);
        let top = d.top(5);
        assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), vec![2, 0, 3]);
        for u in [0.0, 0.3, 0.7, 0.999] {
            assert_ne!(d.sample(1.0, u).0, 1);
        }
    }

    #[test]
    fn probabilities_sum_to_one_and_ties_go_to_lower_ids() {
        let row = [3.0, 1.0, 3.0, -2.0, 0.0];
        let mut s = Scratch::default();
        let d = Distribution::new(&row, 0, NO_FILTER, 5, &mut s).unwrap();
        let top = d.top(5);
        assert_eq!(
            top.iter().map(|t| t.0).collect::<Vec<_>>(),
            vec![0, 2, 1, 4, 3]
        );
        let total: f32 = top.iter().map(|t| t.1).sum();
        assert!((total - 1.0).abs() < 1e-5);
    }

    #[test]
    fn top_k_then_top_p_filtering() {
        // P of the full row ≈ [0.4, 0.3, 0.2, 0.1]
        let row: Vec<f32> = [0.4f32, 0.3, 0.2, 0.1].iter().map(|p| p.ln()).collect();
        let mut s = Scratch::default();
        let k2 = FilterRules {
            top_k: Some(2),
            ..NO_FILTER
        };
        let d = Distribution::new(&row, 0, k2, 4, &mut s).unwrap();
        let top = d.top(4);
        assert!((top[0].1 - 0.4 / 0.7).abs() < 1e-5, "{top:?}");
        assert!((top[1].1 - 0.3 / 0.7).abs() < 1e-5);
        assert_eq!((top[2].1, top[3].1), (0.0, 0.0));

        // top-p 0.5 alone: mass before token 2 is 0.4 ≤ 0.5, before token 3 is 0.7 > 0.5 → keep 2.
        let p5 = FilterRules {
            top_p: Some(0.5),
            ..NO_FILTER
        };
        let d = Distribution::new(&row, 0, p5, 4, &mut s).unwrap();
        let top = d.top(4);
        assert!((top[1].1 - 0.3 / 0.7).abs() < 1e-5, "{top:?}");
        assert_eq!(top[2].1, 0.0);

        // top-k 2 first, then top-p 0.5 on the renormalised [0.571, 0.429]: only one token stays.
        let both = FilterRules {
            top_k: Some(2),
            top_p: Some(0.5),
            ..NO_FILTER
        };
        let d = Distribution::new(&row, 0, both, 4, &mut s).unwrap();
        let top = d.top(4);
        assert!((top[0].1 - 1.0).abs() < 1e-6, "{top:?}");
        assert_eq!(top[1].1, 0.0);
        for u in [0.0, 0.5, 0.99] {
            assert_eq!(d.sample(1.0, u).0, 0);
        }
    }

    #[test]
    fn top_p_grows_the_head_on_a_flat_large_vocabulary() {
        let row = vec![0.0f32; 1000];
        let mut s = Scratch::default();
        let rules = FilterRules {
            top_p: Some(0.5),
            ..NO_FILTER
        };
        let d = Distribution::new(&row, 0, rules, 5, &mut s).unwrap();
        // Each token has P = 1/999 before filtering (mask 99 excluded); the nucleus keeps the first
        // tokens while the mass before them is ≤ 0.5.
        let kept = d.kept.unwrap();
        assert!((499..=502).contains(&kept), "{kept}");
        assert!((d.argmax().1 - 1.0 / kept as f32).abs() < 1e-6);
        assert_eq!(d.top(1)[0].0, 0);
    }

    #[test]
    fn long_heads_use_selection_and_match_streaming() {
        let row: Vec<f32> = (0..500).map(|i| ((i * 37) % 101) as f32 * 0.1).collect();
        let mut a = Scratch::default();
        let mut b = Scratch::default();
        sorted_head(&row, Some(3), 10, &mut a);
        sorted_head(&row, Some(3), 200, &mut b);
        assert_eq!(&a.sorted[..], &b.sorted[..10]);
        assert!(
            b.sorted
                .windows(2)
                .all(|w| best_first(&w[0], &w[1]) != Ordering::Greater)
        );
        assert!(b.sorted.iter().all(|&(_, t)| t != 3));
    }

    #[test]
    fn margin_and_entropy_scores() {
        let row: Vec<f32> = [0.5f32, 0.3, 0.2].iter().map(|p| p.ln()).collect();
        let mut s = Scratch::default();
        let d = Distribution::new(&row, 0, NO_FILTER, 3, &mut s).unwrap();
        assert!((d.margin() - 0.2).abs() < 1e-5);
        let h: f32 = [0.5f32, 0.3, 0.2].iter().map(|p| p * p.ln()).sum();
        assert!((d.neg_entropy() - h).abs() < 1e-5);
        // A filtered distribution's entropy counts only kept tokens.
        let k1 = FilterRules {
            top_k: Some(1),
            ..NO_FILTER
        };
        let d = Distribution::new(&row, 0, k1, 3, &mut s).unwrap();
        assert!(d.neg_entropy().abs() < 1e-6);
        assert!((d.margin() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn minus_infinity_is_allowed_but_nan_and_all_masked_are_errors() {
        let mut s = Scratch::default();
        let row = [f32::NEG_INFINITY, 1.0, f32::NEG_INFINITY];
        let d = Distribution::new(&row, 0, NO_FILTER, 3, &mut s).unwrap();
        assert_eq!(d.argmax(), (1, 1.0));
        assert_eq!(d.neg_entropy(), 0.0);
        assert_eq!(d.sample(2.0, 0.9).0, 1);
        let nan = [0.0, f32::NAN];
        assert!(matches!(
            Distribution::new(&nan, 4, NO_FILTER, 3, &mut s),
            Err(SamplerError::NonFiniteLogit {
                pos: 4,
                token: 1,
                ..
            })
        ));
        let only_mask = [f32::NEG_INFINITY, 5.0];
        let rules = FilterRules {
            mask_id: 1,
            ..NO_FILTER
        };
        assert_eq!(
            Distribution::new(&only_mask, 7, rules, 3, &mut s).unwrap_err(),
            SamplerError::NoCandidate { pos: 7 }
        );
    }

    #[test]
    fn sampling_follows_the_temperature_distribution() {
        let row: Vec<f32> = [0.6f32, 0.3, 0.1].iter().map(|p| p.ln()).collect();
        let mut s = Scratch::default();
        let d = Distribution::new(&row, 0, NO_FILTER, 3, &mut s).unwrap();
        // At T = 1 the inverse CDF splits [0,1) as [0,0.6) [0.6,0.9) [0.9,1).
        assert_eq!(d.sample(1.0, 0.59).0, 0);
        assert_eq!(d.sample(1.0, 0.61).0, 1);
        assert_eq!(d.sample(1.0, 0.95).0, 2);
        // P stays the temperature-1 probability of the sampled token.
        assert!((d.sample(1.0, 0.95).1 - 0.1).abs() < 1e-6);
        // A tiny temperature is argmax.
        assert_eq!(d.sample(1e-4, 0.999).0, 0);
    }
}
