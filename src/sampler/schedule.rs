//! How many masked positions to commit: LLaDA's quota, Dream's timestep counts, Fast-dLLM's threshold
//! and factor rules, and the split of a run's steps across its stages.

/// LLaDA's `get_num_transfer_tokens`: `n_masks` spread over `steps`, `n_masks / steps` each and the
/// first `n_masks % steps` steps one more. Empty when `steps == 0`.
///
/// `llada_quota(32, 10) == [4, 4, 3, 3, 3, 3, 3, 3, 3, 3]`.
pub fn llada_quota(n_masks: usize, steps: usize) -> Vec<usize> {
    if steps == 0 {
        return Vec::new();
    }
    let base = n_masks / steps;
    let extra = n_masks % steps;
    (0..steps).map(|i| base + usize::from(i < extra)).collect()
}

/// `torch.linspace(start, end, n)` in float32, with PyTorch's kernel: `step = (end − start)/(n − 1)`,
/// the first half counted up from `start`, the second half counted down from `end`.
pub(crate) fn linspace_f32(start: f32, end: f32, n: usize) -> Vec<f32> {
    match n {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (end - start) / (n - 1) as f32;
            let halfway = n / 2;
            (0..n)
                .map(|i| {
                    if i < halfway {
                        start + step * i as f32
                    } else {
                        end - step * (n - i - 1) as f32
                    }
                })
                .collect()
        }
    }
}

/// Dream's per-step commit counts for `n_masks` masks over `steps` steps: on the float32 grid
/// `t = linspace(1, eps, steps + 1)`, step `i` commits `int(n_masked × (1 − t[i+1]/t[i]))` of the masks
/// still left, and the last step commits all that remain. Computed in f32 exactly as Dream does.
///
/// `dream_counts(100, 4, 1e-3) == [24, 25, 25, 26]`.
pub fn dream_counts(n_masks: usize, steps: usize, eps: f32) -> Vec<usize> {
    let grid = linspace_f32(1.0, eps, steps + 1);
    let mut remaining = n_masks;
    let mut counts = Vec::with_capacity(steps);
    for i in 0..steps {
        let k = if i + 1 < steps {
            let t = grid[i];
            let s = grid[i + 1];
            let fraction = 1.0f32 - s / t;
            // `as` truncates toward zero like Python's int() and saturates negatives at 0.
            ((remaining as f32 * fraction) as usize).min(remaining)
        } else {
            remaining
        };
        counts.push(k);
        remaining -= k;
    }
    counts
}

/// Fast-dLLM threshold rule: how many of the confidences (sorted descending) are `≥ tau`, but at
/// least 1 when there is any candidate (a step must never commit nothing).
pub fn threshold_count(sorted_conf_desc: &[f32], tau: f32) -> usize {
    if sorted_conf_desc.is_empty() {
        return 0;
    }
    sorted_conf_desc
        .iter()
        .take_while(|&&c| c >= tau)
        .count()
        .max(1)
}

/// Fast-dLLM factor rule: the length of the longest prefix of the confidences (sorted descending)
/// with `c_r ≥ 1 − f/(r+1)` for every rank `r` (1-based) in it; rank 1 is always committed.
///
/// Variant: the strict longest prefix. The original Fast-dLLM code also commits the last candidate
/// when it is the only one to fail its bound (`top_i == len − 1` is bumped to `len`); we do not.
pub fn factor_count(sorted_conf_desc: &[f32], f: f32) -> usize {
    if sorted_conf_desc.is_empty() {
        return 0;
    }
    let mut count = 1;
    for (i, &c) in sorted_conf_desc.iter().enumerate().skip(1) {
        let rank = i + 1;
        let bound = 1.0f32 - f / (rank + 1) as f32;
        if c >= bound {
            count = rank;
        } else {
            break;
        }
    }
    count
}

/// Split `steps` across stages proportionally to their sizes (largest-remainder rounding, ties to
/// the earlier stage), then make sure every stage gets at least one step by taking from the stage
/// with the most steps (ties: the later one). With equal sizes and `steps` divisible by their number
/// this is LLaDA's `steps / num_blocks`. Callers ensure `steps ≥ sizes.len()` and every size ≥ 1;
/// otherwise some stages may get 0.
pub fn split_steps(sizes: &[usize], steps: usize) -> Vec<usize> {
    let total: u128 = sizes.iter().map(|&s| s as u128).sum();
    if sizes.is_empty() || total == 0 {
        return vec![0; sizes.len()];
    }
    let steps_wide = steps as u128;
    let mut alloc: Vec<usize> = sizes
        .iter()
        .map(|&s| (steps_wide * s as u128 / total) as usize)
        .collect();
    let given: usize = alloc.iter().sum();
    let mut by_remainder: Vec<usize> = (0..sizes.len()).collect();
    // Stable sort keeps the earlier stage first among equal remainders.
    by_remainder.sort_by_key(|&i| std::cmp::Reverse(steps_wide * sizes[i] as u128 % total));
    for &i in by_remainder.iter().take(steps.saturating_sub(given)) {
        alloc[i] += 1;
    }
    while let Some(empty) = alloc.iter().position(|&a| a == 0) {
        let richest = alloc
            .iter()
            .enumerate()
            .rev()
            .max_by_key(|&(_, &a)| a)
            .map(|(i, _)| i);
        match richest {
            Some(r) if alloc[r] >= 2 => {
                alloc[r] -= 1;
                alloc[empty] += 1;
            }
            _ => break,
        }
    }
    alloc
}

/// The counts a stage will actually use: trailing zero-commit steps are dropped, because a stage
/// with no masks left moves on instead of spending steps.
pub(crate) fn trim_trailing_zeros(mut counts: Vec<usize>) -> Vec<usize> {
    while counts.last() == Some(&0) {
        counts.pop();
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llada_quota_matches_reference_vectors() {
        assert_eq!(llada_quota(32, 10), vec![4, 4, 3, 3, 3, 3, 3, 3, 3, 3]);
        assert_eq!(llada_quota(7, 4), vec![2, 2, 2, 1]);
        assert_eq!(llada_quota(32, 32), vec![1; 32]);
        assert_eq!(llada_quota(3, 5), vec![1, 1, 1, 0, 0]);
        assert!(llada_quota(5, 0).is_empty());
    }

    #[test]
    fn linspace_matches_torch_endpoints_and_midpoints() {
        let g = linspace_f32(1.0, 1e-3, 5);
        assert_eq!(g[0], 1.0);
        assert_eq!(g[4], 1e-3);
        assert!((g[2] - 0.5005).abs() < 1e-6, "{g:?}");
        assert_eq!(linspace_f32(1.0, 0.5, 1), vec![1.0]);
    }

    #[test]
    fn dream_counts_match_reference_vectors() {
        assert_eq!(dream_counts(100, 4, 1e-3), vec![24, 25, 25, 26]);
        assert_eq!(dream_counts(16, 8, 1e-3), vec![1, 2, 2, 2, 2, 2, 2, 3]);
        let long = dream_counts(256, 256, 1e-3);
        assert_eq!(long[0], 0);
        assert_eq!(long.len(), 256);
        assert_eq!(long.iter().sum::<usize>(), 256);
    }

    #[test]
    fn dream_counts_always_sum_to_n() {
        for n in [1, 2, 7, 31, 64, 100] {
            for steps in 1..40 {
                let c = dream_counts(n, steps, 1e-3);
                assert_eq!(c.len(), steps);
                assert_eq!(c.iter().sum::<usize>(), n, "n={n} steps={steps}");
            }
        }
    }

    #[test]
    fn threshold_never_zero() {
        assert_eq!(threshold_count(&[0.5, 0.2], 0.9), 1);
        assert_eq!(threshold_count(&[0.95, 0.92, 0.5], 0.9), 2);
        assert_eq!(threshold_count(&[0.9, 0.9], 0.9), 2);
        assert_eq!(threshold_count(&[1.0, 1.0, 1.0], 1.0), 3);
        assert_eq!(threshold_count(&[], 0.9), 0);
    }

    #[test]
    fn factor_rule_examples() {
        // f = 1: bounds are rank 2 → 2/3, rank 3 → 3/4, rank 4 → 4/5.
        assert_eq!(factor_count(&[0.1], 1.0), 1);
        assert_eq!(factor_count(&[0.2, 0.1], 1.0), 1, "rank 1 always");
        assert_eq!(factor_count(&[0.9, 0.8, 0.76, 0.0], 1.0), 3);
        assert_eq!(factor_count(&[0.9, 0.8, 0.8, 0.8], 1.0), 4);
        assert_eq!(
            factor_count(&[0.9, 0.8, 0.7, 0.7], 1.0),
            2,
            "rank 3 needs 0.75"
        );
        // Only the last candidate fails: the strict variant stops before it.
        assert_eq!(factor_count(&[0.9, 0.8, 0.8, 0.1], 1.0), 3);
        // A larger factor is more permissive.
        assert_eq!(factor_count(&[0.9, 0.5, 0.5], 2.0), 3);
        assert_eq!(factor_count(&[], 1.0), 0);
    }

    #[test]
    fn split_steps_is_proportional_and_never_zero() {
        assert_eq!(split_steps(&[32, 32], 32), vec![16, 16]);
        assert_eq!(split_steps(&[32, 32, 32, 32], 64), vec![16; 4]);
        assert_eq!(split_steps(&[10, 10, 10], 10), vec![4, 3, 3]);
        assert_eq!(split_steps(&[30, 10], 8), vec![6, 2]);
        assert_eq!(split_steps(&[100, 1], 2), vec![1, 1]);
        assert_eq!(split_steps(&[100, 1, 1], 3), vec![1, 1, 1]);
        for sizes in [vec![1usize, 5, 9], vec![64, 1], vec![3, 3, 3, 3, 1]] {
            for steps in sizes.len()..50 {
                let a = split_steps(&sizes, steps);
                assert_eq!(a.iter().sum::<usize>(), steps);
                assert!(a.iter().all(|&x| x >= 1), "{sizes:?} {steps} {a:?}");
            }
        }
    }

    #[test]
    fn trims_only_trailing_zeros() {
        assert_eq!(trim_trailing_zeros(vec![0, 1, 1, 0, 0]), vec![0, 1, 1]);
        assert_eq!(trim_trailing_zeros(vec![0, 0]), Vec::<usize>::new());
    }
}
