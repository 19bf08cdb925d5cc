//! Turning examples into a masked training batch (the forward process of masked diffusion).

use rand::Rng;

pub use crate::data::Example;

/// A masked batch, flattened row-major `[batch_size, seq_len]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// Sequences.
    pub batch_size: usize,
    /// Positions per sequence (longest example; shorter ones padded with the pad id as response).
    pub seq_len: usize,
    /// Input ids with masks applied.
    pub input_ids: Vec<u32>,
    /// Flat indices (`b * seq_len + i`) of masked positions.
    pub masked_rows: Vec<u32>,
    /// The true token at each masked row.
    pub targets: Vec<u32>,
    /// Loss weight of each masked row: `1 / (t · response_len · batch_size)`.
    pub weights: Vec<f32>,
}

/// How [`make_batch`] masks: the least masking ratio and the shares of the structured maskings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaskingParams {
    /// Smallest masking ratio `t` (the ε of `t ~ U(ε, 1]`).
    pub min_t: f64,
    /// Share of arithmetic examples whose computed values are hidden in every copy.
    pub hide_results_share: f64,
    /// Share of examples masked from a random cut to the end.
    pub prefix_share: f64,
}

/// Mask each response span cell with probability `t` (at least one cell). Pinned template text and
/// the padding that evens out lengths stay visible and carry no loss.
///
/// With probability `hide_results_share`, an arithmetic example instead has some of the numbers
/// it must compute hidden *in every copy* ([`Example::response_results`]: a clause's result is
/// also the next clause's first operand, the last one also the answer): each computed value with
/// probability ½, at least one; its other span cells are masked with probability `t`. That is
/// the state decoding meets once the operands are copied and a result is still to work out, which
/// uniform masking shows rarely (a result is usually visible in one of its copies). Those
/// sequences weigh each masked cell `1 / (masked cells · batch_size)`. At share 0 the random
/// draws are exactly those of plain masking.
///
/// With probability `prefix_share` (drawn first, and only when the share is above 0), a sequence
/// is instead cut at a uniformly drawn maskable cell that holds content or starts a run of padding
/// (cuts inside the padding would only teach more padding): the maskable cells before the cut stay
/// visible and every one from the cut on is masked, each weighing `1 / (masked cells ·
/// batch_size)`. That is the state left-to-right and semi-autoregressive block decoding meet
/// (what is written so far, then nothing), which uniform masking almost never shows: it scatters
/// its visible cells over the whole response.
///
/// The `t` of the batch's sequences are stratified (MDLM's low-discrepancy sampler): one uniform
/// draw `u`, and sequence `b` of `B` gets `t = min_t + (1 - min_t) · (b + u) / B`, so every batch
/// spans the masking ratios evenly. Each `t` is still `U(min_t, 1]`-distributed, so the objective
/// is unchanged in expectation, but a batch can no longer be all nearly-unmasked sequences, whose
/// `1/t` weights make the gradient noisy.
pub fn make_batch(
    examples: &[Example],
    mask_id: u32,
    pad_id: u32,
    mix: &MaskingParams,
    rng: &mut impl Rng,
) -> Batch {
    let MaskingParams {
        min_t,
        hide_results_share,
        prefix_share,
    } = *mix;
    let seq_len = examples
        .iter()
        .map(|e| e.prompt_ids.len() + e.response_ids.len())
        .max()
        .unwrap_or(0);
    let batch_size = examples.len();
    let mut input_ids = Vec::with_capacity(batch_size * seq_len);
    let mut masked_rows = Vec::new();
    let mut targets = Vec::new();
    let mut weights = Vec::new();
    let u: f64 = rng.random();
    for (b, ex) in examples.iter().enumerate() {
        let t = min_t + (1.0 - min_t) * (b as f64 + u) / batch_size as f64;
        let start = ex.prompt_ids.len();
        let resp_len = seq_len - start;
        let base = b * seq_len;
        input_ids.extend_from_slice(&ex.prompt_ids);
        let mut response: Vec<u32> = ex.response_ids.clone();
        response.resize(resp_len, pad_id);
        let maskable: Vec<usize> = (0..ex.response_ids.len())
            .filter(|&i| !ex.response_pinned.get(i).copied().unwrap_or(false))
            .collect();
        let n_values = ex
            .response_results
            .iter()
            .flatten()
            .map(|&v| usize::from(v) + 1)
            .max()
            .unwrap_or(0);
        let prefix_cut = if prefix_share > 0.0 {
            // Cuts land on content or on the first cell of a run of padding (where a span ends),
            // not inside the padding, whose continuation is certain.
            let cut_points: Vec<usize> = (0..maskable.len())
                .filter(|&k| {
                    let i = maskable[k];
                    response[i] != pad_id || i == 0 || response[i - 1] != pad_id
                })
                .collect();
            (!cut_points.is_empty() && rng.random_bool(prefix_share.min(1.0)))
                .then(|| cut_points[rng.random_range(0..cut_points.len())])
        } else {
            None
        };
        let hide_results = prefix_cut.is_none()
            && hide_results_share > 0.0
            && n_values > 0
            && rng.random_bool(hide_results_share.min(1.0));
        let hidden_values: Vec<bool> = if hide_results {
            let mut hidden: Vec<bool> = (0..n_values).map(|_| rng.random_bool(0.5)).collect();
            if !hidden.contains(&true) {
                hidden[rng.random_range(0..n_values)] = true;
            }
            hidden
        } else {
            Vec::new()
        };
        let is_hidden = |i: usize| {
            ex.response_results
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|v| hidden_values.get(usize::from(v)) == Some(&true))
        };
        let mut picked: Vec<usize> = match prefix_cut {
            Some(cut) => maskable[cut..].to_vec(),
            None => maskable
                .iter()
                .copied()
                .filter(|&i| {
                    let drawn = rng.random_bool(t);
                    drawn || is_hidden(i)
                })
                .collect(),
        };
        if picked.is_empty() && !maskable.is_empty() {
            picked.push(maskable[rng.random_range(0..maskable.len())]);
        }
        let w = if hide_results || prefix_cut.is_some() {
            1.0 / (picked.len() as f64 * batch_size as f64)
        } else {
            1.0 / (t * maskable.len().max(1) as f64 * batch_size as f64)
        };
        let mut masked = vec![false; resp_len];
        for &i in &picked {
            masked[i] = true;
            masked_rows.push((base + start + i) as u32);
            targets.push(response[i]);
            weights.push(w as f32);
        }
        input_ids.extend(
            response
                .iter()
                .zip(&masked)
                .map(|(&tok, &m)| if m { mask_id } else { tok }),
        );
    }
    Batch {
        batch_size,
        seq_len,
        input_ids,
        masked_rows,
        targets,
        weights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The summed loss weight of sequence `s`'s masked cells.
    fn sequence_weight(b: &Batch, s: usize) -> f64 {
        b.masked_rows
            .iter()
            .zip(&b.weights)
            .filter(|&(&r, _)| r as usize / b.seq_len == s)
            .map(|(_, &w)| f64::from(w))
            .sum()
    }

    fn plain_mix() -> MaskingParams {
        MaskingParams {
            min_t: 1e-3,
            hide_results_share: 0.0,
            prefix_share: 0.0,
        }
    }

    #[test]
    fn masks_only_the_response_and_pads() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let ex = vec![
            Example {
                prompt_ids: vec![5, 6],
                response_ids: vec![7, 8, 9],
                response_pinned: vec![false, true, false],
                response_results: Vec::new(),
            },
            Example {
                prompt_ids: vec![5],
                response_ids: vec![7],
                response_pinned: vec![false],
                response_results: Vec::new(),
            },
        ];
        for _ in 0..50 {
            let b = make_batch(&ex, 99, 1, &plain_mix(), &mut rng);
            assert_eq!(b.seq_len, 5);
            assert_eq!(&b.input_ids[0..2], &[5, 6]);
            assert_eq!(b.input_ids[5], 5);
            assert_eq!(&b.input_ids[7..], &[1, 1, 1], "padding stays visible");
            for (&row, &tgt) in b.masked_rows.iter().zip(&b.targets) {
                assert_eq!(b.input_ids[row as usize], 99);
                let (s, i) = (row as usize / 5, row as usize % 5);
                assert!(i >= ex[s].prompt_ids.len());
                assert!(!(s == 0 && i == 3), "pinned cell masked");
                assert!(!(s == 1 && i > 1), "padding masked");
                let want = if s == 1 { 7 } else { [7, 8, 9][i - 2] };
                assert_eq!(tgt, want);
            }
            // every sequence has at least one masked position
            assert!(b.masked_rows.iter().any(|&r| r < 5));
            assert!(b.masked_rows.iter().any(|&r| r >= 5));
        }
    }

    #[test]
    fn masking_ratios_are_stratified_across_the_batch() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let ex: Vec<Example> = (0..4)
            .map(|_| Example {
                prompt_ids: vec![5],
                response_ids: vec![7; 400],
                response_pinned: vec![false; 400],
                response_results: Vec::new(),
            })
            .collect();
        for _ in 0..20 {
            let b = make_batch(&ex, 99, 1, &plain_mix(), &mut rng);
            // weight = 1 / (t · 400 · 4): recover each sequence's t from its first masked row.
            let mut ts = [None; 4];
            for (&row, &w) in b.masked_rows.iter().zip(&b.weights) {
                let s = row as usize / b.seq_len;
                ts[s].get_or_insert(1.0 / (f64::from(w) * 1600.0));
            }
            for (s, t) in ts.iter().enumerate() {
                let t = t.expect("every sequence has a masked cell");
                let (lo, hi) = (s as f64 / 4.0, (s + 1) as f64 / 4.0);
                assert!(
                    t > lo - 1e-3 && t <= hi + 1e-3,
                    "sequence {s}: t {t} not in its stratum"
                );
            }
            let masked_last = b
                .masked_rows
                .iter()
                .filter(|&&r| r as usize >= 3 * b.seq_len)
                .count();
            assert!(
                masked_last >= 250,
                "the last stratum masks most of its 400 cells"
            );
        }
    }

    #[test]
    fn hiding_results_masks_whole_values_and_weighs_each_sequence_equally() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // `4 + 5 = 9. 9 + 1 = 10`, then the answer 10, as cells; value 0 is 9 (cells 4 and 6),
        // value 1 is 10 (cells 10, 11 and the answer's 13, 14).
        let results = vec![
            None,
            None,
            None,
            None,
            Some(0),
            None,
            Some(0),
            None,
            None,
            None,
            Some(1),
            Some(1),
            None,
            Some(1),
            Some(1),
        ];
        let ex: Vec<Example> = (0..8)
            .map(|_| Example {
                prompt_ids: vec![5],
                response_ids: vec![14, 20, 15, 21, 19, 22, 19, 20, 11, 21, 11, 10, 23, 11, 10],
                response_pinned: (0..15).map(|i| i == 12).collect(),
                response_results: results.clone(),
            })
            .collect();
        let mut hidden_counts = [0usize; 2];
        for _ in 0..50 {
            let b = make_batch(
                &ex,
                99,
                1,
                &MaskingParams {
                    hide_results_share: 1.0,
                    ..plain_mix()
                },
                &mut rng,
            );
            for s in 0..8 {
                let masked = |i: usize| b.input_ids[s * b.seq_len + 1 + i] == 99;
                assert!(!masked(12), "pinned text masked");
                // A hidden value is hidden in every copy; at least one value is hidden.
                let value0 = masked(4) && masked(6);
                let value1 = [10, 11, 13, 14].iter().all(|&i| masked(i));
                assert!(value0 || value1, "no value hidden in sequence {s}");
                hidden_counts[0] += usize::from(value0);
                hidden_counts[1] += usize::from(value1);
                let weight = sequence_weight(&b, s);
                assert!(
                    (weight - 1.0 / 8.0).abs() < 1e-6,
                    "sequence {s} weighs {weight}"
                );
            }
        }
        // Each value is hidden about (½ + ¼ from the at-least-one rule) of the time.
        for count in hidden_counts {
            assert!((220..=380).contains(&count), "{hidden_counts:?} of 400");
        }
        // Share 0 draws exactly what plain masking draws.
        let plain: Vec<Example> = ex
            .iter()
            .map(|e| Example {
                response_results: Vec::new(),
                ..e.clone()
            })
            .collect();
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        assert_eq!(
            make_batch(&ex, 99, 1, &plain_mix(), &mut a),
            make_batch(&plain, 99, 1, &plain_mix(), &mut b)
        );
    }

    #[test]
    fn prefix_masking_hides_everything_from_a_cut_on() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        // Cell 3 is pinned template text: it stays visible even after the cut.
        let ex: Vec<Example> = (0..6)
            .map(|_| Example {
                prompt_ids: vec![5, 6],
                // cells 7..10 are padding (id 1): only cell 7 may be a cut.
                response_ids: vec![10, 11, 12, 13, 14, 15, 16, 1, 1, 1],
                response_pinned: (0..10).map(|i| i == 3).collect(),
                response_results: Vec::new(),
            })
            .collect();
        let mix = MaskingParams {
            prefix_share: 1.0,
            ..plain_mix()
        };
        let mut cuts = std::collections::BTreeSet::new();
        for _ in 0..100 {
            let b = make_batch(&ex, 99, 1, &mix, &mut rng);
            for s in 0..6 {
                let masked: Vec<bool> = (0..10)
                    .map(|i| b.input_ids[s * b.seq_len + 2 + i] == 99)
                    .collect();
                assert!(!masked[3], "pinned text masked");
                let first = masked.iter().position(|&m| m).expect("a masked cell");
                let suffix_masked = (first..10).filter(|&i| i != 3).all(|i| masked[i]);
                assert!(suffix_masked, "a hole after the cut: {masked:?}");
                cuts.insert(first);
                let weight = sequence_weight(&b, s);
                assert!(
                    (weight - 1.0 / 6.0).abs() < 1e-6,
                    "sequence {s} weighs {weight}"
                );
            }
        }
        // Every maskable content cell is a cut sometimes, and the first padding cell; the pinned
        // cell 3 and the padding after the first cell never are.
        assert_eq!(
            cuts.into_iter().collect::<Vec<_>>(),
            vec![0, 1, 2, 4, 5, 6, 7]
        );
    }
}
