//! Which candidates of the current stage to commit, once the count is known: the best scores, a
//! Gumbel-top-k sample of them (`alg_temp`), or the leftmost positions.

use super::rng::SamplerRng;

/// A still-masked position of the current stage with its proposed token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    /// Canvas position.
    pub(crate) pos: u32,
    /// Proposed token.
    pub(crate) token: u32,
    /// `P` of the proposed token.
    pub(crate) prob: f32,
    /// The scorer's value (higher = committed first).
    pub(crate) score: f32,
}

/// How positions are picked among the stage's candidates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Pick {
    /// The highest scores (ties: the lower position).
    TopScore,
    /// `count` positions sampled without replacement from `softmax(score / alg_temp)`, by
    /// Gumbel-top-k: the highest `score / alg_temp + Gumbel` keys.
    Sampled {
        /// The position temperature (> 0).
        alg_temp: f32,
    },
    /// The leftmost positions.
    Leftmost,
}

/// Indices into `candidates` (which are ascending by position) of the `count` to commit, ascending.
/// Candidates marked in `deferred` (same length) come after all others, whatever the pick.
/// Draws one Gumbel per candidate, in order, only for `Pick::Sampled`.
pub(crate) fn pick(
    candidates: &[Candidate],
    deferred: &[bool],
    count: usize,
    how: Pick,
    rng: &mut SamplerRng,
) -> Vec<usize> {
    let count = count.min(candidates.len());
    let is_deferred = |i: usize| deferred.get(i).copied().unwrap_or(false);
    let mut chosen: Vec<usize> = match how {
        Pick::Leftmost => {
            let mut order: Vec<usize> = (0..candidates.len()).collect();
            order.sort_by_key(|&i| is_deferred(i));
            order.truncate(count);
            order
        }
        Pick::TopScore => {
            let keys: Vec<f64> = candidates.iter().map(|c| f64::from(c.score)).collect();
            best_keys(&keys, is_deferred, count)
        }
        Pick::Sampled { alg_temp } => {
            let keys: Vec<f64> = candidates
                .iter()
                .map(|c| f64::from(c.score) / f64::from(alg_temp) + rng.gumbel())
                .collect();
            best_keys(&keys, is_deferred, count)
        }
    };
    chosen.sort_unstable();
    chosen
}

/// Indices of the `count` largest keys, deferred indices after all others (ties: the lower index).
fn best_keys(keys: &[f64], is_deferred: impl Fn(usize) -> bool, count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| {
        is_deferred(a)
            .cmp(&is_deferred(b))
            .then(keys[b].total_cmp(&keys[a]))
            .then(a.cmp(&b))
    });
    order.truncate(count);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands(scores: &[f32]) -> Vec<Candidate> {
        scores
            .iter()
            .enumerate()
            .map(|(i, &score)| Candidate {
                pos: 10 + i as u32,
                token: 0,
                prob: 0.5,
                score,
            })
            .collect()
    }

    #[test]
    fn top_score_takes_the_best_with_ties_to_the_left() {
        let mut rng = SamplerRng::new(0);
        let c = cands(&[0.1, 0.9, 0.5, 0.9]);
        assert_eq!(pick(&c, &[], 2, Pick::TopScore, &mut rng), vec![1, 3]);
        assert_eq!(pick(&c, &[], 1, Pick::TopScore, &mut rng), vec![1]);
        assert_eq!(pick(&c, &[], 9, Pick::TopScore, &mut rng), vec![0, 1, 2, 3]);
        assert_eq!(pick(&c, &[], 2, Pick::Leftmost, &mut rng), vec![0, 1]);
    }

    #[test]
    fn deferred_candidates_come_last_whatever_the_pick() {
        let mut rng = SamplerRng::new(0);
        let c = cands(&[0.1, 0.9, 0.5, 0.9]);
        let deferred = [true, true, false, false];
        assert_eq!(pick(&c, &deferred, 2, Pick::TopScore, &mut rng), vec![2, 3]);
        assert_eq!(
            pick(&c, &deferred, 3, Pick::TopScore, &mut rng),
            vec![1, 2, 3]
        );
        assert_eq!(pick(&c, &deferred, 2, Pick::Leftmost, &mut rng), vec![2, 3]);
        assert_eq!(
            pick(&c, &deferred, 3, Pick::Leftmost, &mut rng),
            vec![0, 2, 3]
        );
        let sampled = Pick::Sampled { alg_temp: 1e6 };
        for _ in 0..50 {
            assert_eq!(pick(&c, &deferred, 2, sampled, &mut rng), vec![2, 3]);
        }
    }

    #[test]
    fn sampled_pick_follows_the_scores_and_is_seeded() {
        let c = cands(&[0.0, 5.0, 0.0, 0.0]);
        let mut hits = 0;
        let mut rng = SamplerRng::new(3);
        for _ in 0..200 {
            let p = pick(&c, &[], 1, Pick::Sampled { alg_temp: 0.5 }, &mut rng);
            hits += usize::from(p == vec![1]);
        }
        assert!(
            hits > 190,
            "a score gap of 10 nats should almost always win: {hits}"
        );
        // A huge temperature makes the pick nearly uniform.
        let mut counts = [0usize; 4];
        for _ in 0..4000 {
            let p = pick(&c, &[], 1, Pick::Sampled { alg_temp: 1e6 }, &mut rng);
            counts[p[0]] += 1;
        }
        assert!(counts.iter().all(|&n| n > 800), "{counts:?}");
        let a = pick(
            &c,
            &[],
            2,
            Pick::Sampled { alg_temp: 1.0 },
            &mut SamplerRng::new(9),
        );
        let b = pick(
            &c,
            &[],
            2,
            Pick::Sampled { alg_temp: 1.0 },
            &mut SamplerRng::new(9),
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
    }
}
