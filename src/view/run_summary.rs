//! A run in words: its label in a comparison, its decoding rule, the answer it ended with, its
//! wall time and speed. Shared by compare mode, the app's run panel and the exports.

use crate::canvas::CellKind;
use crate::sampler::{Order, SamplerParams};
use crate::trace::Trace;

/// A letter label for entry `index`: A, B, … Z, then A2, B2…
pub fn entry_label(index: usize) -> String {
    let letter = char::from(b'A' + (index % 26) as u8);
    if index < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", index / 26 + 1)
    }
}

/// The decoding rule of `params` in a few words.
pub fn describe_params(params: &SamplerParams) -> String {
    let mut parts = Vec::new();
    match (params.threshold, params.factor) {
        (Some(t), _) => parts.push(format!("threshold {t}")),
        (None, Some(f)) => parts.push(format!("factor {f}")),
        (None, None) => {
            let schedule = params.schedule.kind().name();
            parts.push(format!("{} steps ({schedule})", params.steps));
        }
    }
    parts.push(params.remasking.name().to_string());
    match &params.order {
        Order::Free => {}
        Order::LeftToRight => parts.push("left-to-right".into()),
        Order::Regions(names) => parts.push(format!("{} first", names.join(" → "))),
    }
    if let Some(b) = params.block_length {
        parts.push(format!("blocks of {b}"));
    }
    if params.temperature > 0.0 {
        parts.push(format!("temperature {}", params.temperature));
    }
    if params.suppress_eos {
        parts.push("EOS suppressed".into());
    }
    if params.stop_at_eos {
        parts.push("text stops at EOS".into());
    }
    if params.eos_last {
        parts.push("EOS last".into());
    }
    parts.join(" · ")
}

/// The text the run ended with: the `answer` region when the canvas has one, else the whole
/// response; special tokens and masks left out, at most `max_chars` characters.
pub fn final_answer(trace: &Trace, max_chars: usize) -> String {
    let canvas = &trace.header.canvas;
    let answer_region = canvas.regions.iter().position(|r| r.name == "answer");
    let text = match answer_region {
        Some(region) => trace.render_text(
            trace.steps.len(),
            None,
            |kind| matches!(kind, CellKind::Masked { region: r } if usize::from(*r) == region),
            |token| token.known && !token.special && !token.eos,
        ),
        None => trace.text(),
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max_chars {
        let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// Wall time of a run so far, milliseconds (the summary's when it ended).
pub fn elapsed_ms(trace: &Trace) -> f64 {
    match &trace.summary {
        Some(s) => s.elapsed_ms,
        None => trace
            .steps
            .iter()
            .map(|s| f64::from(s.forward_ms + s.sampling_ms))
            .sum(),
    }
}

/// Generated tokens per second (the summary's when it ended).
pub fn tokens_per_s(trace: &Trace) -> f64 {
    match &trace.summary {
        Some(s) => s.tokens_per_s,
        None => {
            let ms = elapsed_ms(trace);
            let committed = trace.initial_masks() - trace.masks_left();
            if ms > 0.0 {
                committed as f64 / (ms / 1000.0)
            } else {
                0.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_descriptions() {
        assert_eq!(entry_label(0), "A");
        assert_eq!(entry_label(27), "B2");
        let p = SamplerParams {
            threshold: Some(0.9),
            ..SamplerParams::default()
        };
        assert_eq!(describe_params(&p), "threshold 0.9 · low-confidence");
        let p = SamplerParams {
            steps: 8,
            order: Order::Regions(vec!["answer".into(), "reasoning".into()]),
            ..SamplerParams::default()
        };
        assert_eq!(
            describe_params(&p),
            "8 steps (quota) · low-confidence · answer → reasoning first"
        );
    }
}
