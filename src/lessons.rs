//! Lessons: short named scenes that each put one prompt and two or more decoding configurations
//! side by side, with a sentence on what to look for. Plain data: the app's **Lessons** menu loads
//! one into compare mode and runs it; `unmask eval --contrast` finds the problem of the first one.

use crate::data::arith::{ANSWER_SPAN_LEN, Layout, REASONING_SPAN_LEN};
use crate::sampler::settings::DEFAULT_THRESHOLD;
use crate::sampler::{Order, SamplerParams};

/// A held-out problem the embedded model gets right reasoning first (113) and wrong answer first
/// (103, then "50 + 63 = 103" to match), one token per step: the shortest of the five that
/// `unmask eval --contrast 5 --n 200 --seed 2026 --steps 60` lists. Also the app's default
/// prompt, so the first Generate is already one half of a lesson.
pub const CONTRAST_PROMPT: &str = "Start with 42. Subtract 14. Add 22. Add 63. What is the result?";

/// A prose prompt for a real (chat) model.
pub const PROSE_PROMPT: &str = "Write three sentences about the sea.";

/// Masks of the arithmetic canvases (reasoning and answer spans).
pub const ARITH_MASKS: usize = REASONING_SPAN_LEN + ANSWER_SPAN_LEN;

/// One configuration of a lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonRun {
    /// What it is, in a few words ("Reasoning first").
    pub label: &'static str,
    /// The canvas template.
    pub template: String,
    /// The decoding.
    pub params: SamplerParams,
}

/// A lesson: a prompt, the configurations to compare on it, and what to look for.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Its name in the menu.
    pub title: &'static str,
    /// The sentence shown above the runs.
    pub look_for: &'static str,
    /// The prompt every run gets.
    pub prompt: String,
    /// The configurations, in display order.
    pub runs: Vec<LessonRun>,
}

/// One token per step (steps = `masks`, LLaDA's quota schedule), most confident first, greedy, in
/// `order`.
pub fn one_per_step(masks: usize, order: Order) -> SamplerParams {
    SamplerParams {
        steps: masks,
        order,
        ..SamplerParams::default()
    }
}

/// The region order that finishes `names` in turn.
fn regions(names: &[&str]) -> Order {
    Order::Regions(names.iter().map(|n| n.to_string()).collect())
}

/// The embedded model's layout `layout` with its region order, one token per step.
pub fn layout_run(layout: Layout) -> LessonRun {
    let (label, order) = match layout {
        Layout::AnswerFirst => ("Answer first", regions(&["answer", "reasoning"])),
        _ => ("Reasoning first", regions(&["reasoning", "answer"])),
    };
    LessonRun {
        label,
        template: layout.template(),
        params: one_per_step(ARITH_MASKS, order),
    }
}

/// The lessons of the embedded (arithmetic) model.
pub fn embedded_lessons() -> Vec<Lesson> {
    let reasoning_first = Layout::ReasoningFirst.template();
    let free = |label, params| LessonRun {
        label,
        template: reasoning_first.clone(),
        params,
    };
    vec![
        Lesson {
            title: "Answer first or reasoning first?",
            look_for: "Reasoning first, the model writes the sums and then reads its answer off them; answer first, it must commit to the answer before any working exists. Same model, same problem: watch the answer cells, and which run gets it right.",
            prompt: CONTRAST_PROMPT.into(),
            runs: vec![
                layout_run(Layout::ReasoningFirst),
                layout_run(Layout::AnswerFirst),
            ],
        },
        Lesson {
            title: "One token per step or many at once?",
            look_for: "LLaDA writes one token per step; Fast-dLLM's threshold writes every token the model is at least 90 % sure of in one step. Count the steps, watch 'tokens written per step', and check whether the text is still right.",
            prompt: CONTRAST_PROMPT.into(),
            runs: vec![
                free(
                    "One token per step (LLaDA)",
                    one_per_step(ARITH_MASKS, Order::Free),
                ),
                free(
                    "Threshold 0.9 (Fast-dLLM)",
                    SamplerParams {
                        threshold: Some(DEFAULT_THRESHOLD),
                        ..one_per_step(ARITH_MASKS, Order::Free)
                    },
                ),
            ],
        },
        Lesson {
            title: "Left to right or any order?",
            look_for: "Left to right is how an autoregressive model writes. In free order the model writes whatever it is surest of first — often the end-of-text padding and pieces of the sums before their beginnings. Switch to View → Decode order to see the order as colour.",
            prompt: CONTRAST_PROMPT.into(),
            runs: vec![
                free(
                    "Left to right (AR-like)",
                    one_per_step(ARITH_MASKS, Order::LeftToRight),
                ),
                free("Free order", one_per_step(ARITH_MASKS, Order::Free)),
            ],
        },
        Lesson {
            title: "What does the EOS padding do?",
            look_for: "The pink EOS cells pad each span to its length. Left free, the model writes them early and so fixes how long its text will be; with 'EOS last' they must wait until the text before them is written. This model was trained with the padding as its frame: watch what it does without it.",
            prompt: CONTRAST_PROMPT.into(),
            runs: vec![
                free("EOS whenever sure", one_per_step(ARITH_MASKS, Order::Free)),
                free(
                    "EOS last",
                    SamplerParams {
                        eos_last: true,
                        ..one_per_step(ARITH_MASKS, Order::Free)
                    },
                ),
            ],
        },
    ]
}

/// The lesson for a real model: its own prose, one token per step against a threshold.
pub fn prose_lesson() -> Lesson {
    const LEN: usize = 64;
    let run = |label, params| LessonRun {
        label,
        template: format!("{{{LEN}}}"),
        params,
    };
    Lesson {
        title: "This model writing prose",
        look_for: "A real model on its own chat format: one token per step against a 0.9 threshold. Watch where the first words land — the end of a sentence can come before its start — and how many steps the threshold saves.",
        prompt: PROSE_PROMPT.into(),
        runs: vec![
            run("One token per step", one_per_step(LEN, Order::Free)),
            run(
                "Threshold 0.9",
                SamplerParams {
                    threshold: Some(DEFAULT_THRESHOLD),
                    ..one_per_step(LEN, Order::Free)
                },
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::parse_template;

    #[test]
    fn every_lesson_compares_valid_configurations_that_differ() {
        let mut all = embedded_lessons();
        all.push(prose_lesson());
        assert!(all.len() >= 5);
        for lesson in &all {
            assert!(lesson.runs.len() >= 2, "{}", lesson.title);
            assert!(!lesson.look_for.is_empty());
            for run in &lesson.runs {
                let parts = parse_template(&run.template).unwrap();
                let masks: usize = parts
                    .iter()
                    .map(|p| match p {
                        crate::canvas::TemplatePart::Span { len, .. } => *len,
                        crate::canvas::TemplatePart::Text(_) => 0,
                    })
                    .sum();
                assert_eq!(run.params.steps, masks, "{}: one step per mask", run.label);
            }
            let first = &lesson.runs[0];
            assert!(
                lesson.runs[1..]
                    .iter()
                    .all(|r| r.params != first.params || r.template != first.template),
                "{}: the runs must differ",
                lesson.title
            );
        }
    }
}
