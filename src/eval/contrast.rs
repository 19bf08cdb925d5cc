//! Problems that show a difference: held-out problems the model answers right reasoning first and
//! wrong answer first, with the two layout runs of the "answer first or reasoning first" lesson.
//! `unmask eval --contrast K` lists them; the lesson's problem is the first one.

use serde::{Deserialize, Serialize};

use crate::data::arith::{Layout, held_out_problems};
use crate::generate::{GenerateRequest, RunError, generate};
use crate::lessons::layout_run;
use crate::model::LoadedModel;
use crate::sampler::SamplerParams;

use super::answer_of;

/// A problem the two layouts answer differently: right reasoning first, wrong answer first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayoutContrast {
    /// The question in words (the lesson's prompt).
    pub prompt: String,
    /// The right answer.
    pub answer: u32,
    /// What answer first gave (`None`: no number).
    pub answer_first_gave: Option<u32>,
    /// The answer-first run's text.
    pub answer_first_text: String,
}

/// Decode `n` held-out problems of `n_ops` operations (draw `seed`) in both layouts, each with its
/// region order and `decoding` (steps, threshold… — the order is the layout's), and keep up to
/// `limit` problems answered right reasoning first and wrong answer first, in draw order.
pub fn find_layout_contrasts(
    model: &mut LoadedModel,
    seed: u64,
    n: usize,
    n_ops: usize,
    decoding: &SamplerParams,
    limit: usize,
) -> Result<Vec<LayoutContrast>, RunError> {
    let mut found = Vec::new();
    for problem in held_out_problems(seed, n, Some(n_ops)) {
        if found.len() >= limit {
            break;
        }
        let mut answers = Vec::with_capacity(2);
        for layout in [Layout::ReasoningFirst, Layout::AnswerFirst] {
            let run = layout_run(layout);
            let request = GenerateRequest {
                prompt: problem.prompt_text(),
                template: run.template,
                params: SamplerParams {
                    order: run.params.order,
                    ..decoding.clone()
                },
                raw_prompt: false,
            };
            let trace = generate(model, "contrast", &request)?;
            answers.push((answer_of(&trace), trace.text()));
        }
        let right = Some(problem.answer());
        if answers[0].0 == right && answers[1].0 != right {
            let (gave, text) = answers.swap_remove(1);
            found.push(LayoutContrast {
                prompt: problem.prompt_text(),
                answer: problem.answer(),
                answer_first_gave: gave,
                answer_first_text: text,
            });
        }
    }
    Ok(found)
}
