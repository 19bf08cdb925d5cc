//! `unmask eval`: what a model can do, honestly measured on held-out arithmetic problems (exact
//! match of the answer region) and held-out prose (masked-token accuracy vs a unigram baseline).

pub mod contrast;
pub mod matrix;
pub mod misses;

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::arith::{
    ANSWER_REGION, Layout, REASONING_REGION, held_out_problems, parse_answer,
};
use crate::data::{Corpus, SpecialIds, prose::held_out_prose_example};
use crate::generate::{GenerateRequest, RunError, generate};
use crate::model::LoadedModel;
use crate::sampler::SamplerParams;
use crate::trace::Trace;
pub use matrix::{BadThreshold, EvalMatrix, table_orders};
pub use misses::{Miss, MissKind, classify};

/// One arithmetic evaluation setting.
#[derive(Clone, Debug, PartialEq)]
pub struct ArithEvalParams {
    /// Problems to decode.
    pub n: usize,
    /// Seed of the held-out problem draw.
    pub seed: u64,
    /// Operations per problem (`None` = 2 to 4 mixed).
    pub n_ops: Option<usize>,
    /// Canvas layout.
    pub layout: Layout,
    /// Decoding parameters (its `order` picks free / left-to-right / region order).
    pub params: SamplerParams,
    /// Keep up to this many wrongly answered problems in the report (0 = none), to read what
    /// the model wrote.
    pub keep_wrong: usize,
}

/// One problem the model got wrong: what it was asked, what it wrote, what was right.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WrongAnswer {
    /// The question in words.
    pub prompt: String,
    /// The model's whole response (reasoning and answer regions, special tokens skipped).
    pub response: String,
    /// The right working, as the training data writes it (`47 + 38 = 85. 85 - 19 = 66.`).
    pub expected_reasoning: String,
    /// The right answer.
    pub expected_answer: u32,
    /// The answer the model gave, if its answer region held a number.
    pub given_answer: Option<u32>,
    /// What the working gets wrong first, and in which clause.
    pub miss: Miss,
}

/// Result of an arithmetic evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArithEvalReport {
    /// Layout name.
    pub layout: String,
    /// Order name.
    pub order: String,
    /// How many tokens each step commits, in words: `threshold 0.9`, `factor 1`, `60 steps`.
    #[serde(default)]
    pub decoding: String,
    /// Problems decoded.
    pub n: usize,
    /// Exact-match answers.
    pub correct: usize,
    /// `correct / n`.
    pub accuracy: f64,
    /// Fraction of problems whose answer region holds a well-formed number (right or wrong).
    pub answered: f64,
    /// Mean denoising steps per problem.
    pub mean_steps: f64,
    /// Generated tokens per second over all problems.
    pub tokens_per_s: f64,
    /// Wall time, milliseconds.
    pub elapsed_ms: f64,
    /// Every miss counted by what its working gets wrong first (see [`MissKind`]); the counts
    /// add up to `n - correct`.
    #[serde(default)]
    pub misses: BTreeMap<MissKind, usize>,
    /// The first [`ArithEvalParams::keep_wrong`] problems answered wrongly, in draw order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrong: Vec<WrongAnswer>,
}

/// Layout name as the CLI spells it.
pub fn layout_name(layout: Layout) -> &'static str {
    match layout {
        Layout::ReasoningFirst => "reasoning-first",
        Layout::AnswerFirst => "answer-first",
        Layout::Plain => "plain",
    }
}

/// Parse a layout name.
pub fn parse_layout(text: &str) -> Result<Layout, String> {
    match text {
        "reasoning-first" => Ok(Layout::ReasoningFirst),
        "answer-first" => Ok(Layout::AnswerFirst),
        "plain" => Ok(Layout::Plain),
        other => Err(format!(
            "unknown layout {other:?}: use reasoning-first, answer-first or plain"
        )),
    }
}

/// The answer a finished trace gives (from the `answer` region, else from the whole text).
pub fn answer_of(trace: &Trace) -> Option<u32> {
    match trace.region_text(ANSWER_REGION) {
        Some(text) => parse_answer(&text),
        None => parse_answer(&trace.text()),
    }
}

/// The working a trace wrote: its `reasoning` region, else (one plain span) the text before
/// `Answer:`.
pub fn working_of(trace: &Trace) -> String {
    trace.region_text(REASONING_REGION).unwrap_or_else(|| {
        let text = trace.text();
        text.split("Answer:").next().unwrap_or_default().to_string()
    })
}

/// Decode `n` held-out problems and score exact match of the answer.
pub fn eval_arith(
    model: &mut LoadedModel,
    p: &ArithEvalParams,
) -> Result<ArithEvalReport, RunError> {
    let problems = held_out_problems(p.seed, p.n, p.n_ops);
    let template = p.layout.template();
    let started = Instant::now();
    let mut correct = 0usize;
    let mut answered = 0usize;
    let mut steps = 0usize;
    let mut generated = 0usize;
    let mut model_ms = 0.0f64;
    let mut wrong = Vec::new();
    let mut misses = BTreeMap::new();
    for problem in &problems {
        let req = GenerateRequest {
            prompt: problem.prompt_text(),
            template: template.clone(),
            params: p.params.clone(),
            raw_prompt: false,
        };
        let trace = generate(model, "eval", &req)?;
        steps += trace.steps.len();
        generated += trace.header.canvas.response_mask_positions().len();
        model_ms += trace.summary.as_ref().map_or(0.0, |s| s.elapsed_ms);
        let answer = answer_of(&trace);
        answered += usize::from(answer.is_some());
        if answer == Some(problem.answer()) {
            correct += 1;
            continue;
        }
        // A wrong answer is always a miss; a right working with it is an answer miss.
        let miss = classify(problem, &working_of(&trace), answer).unwrap_or(Miss {
            kind: MissKind::Answer,
            clause: None,
        });
        *misses.entry(miss.kind).or_insert(0) += 1;
        if wrong.len() < p.keep_wrong {
            wrong.push(WrongAnswer {
                prompt: req.prompt,
                response: trace.text(),
                expected_reasoning: problem.reasoning_text(),
                expected_answer: problem.answer(),
                given_answer: answer,
                miss,
            });
        }
    }
    let n = problems.len();
    Ok(ArithEvalReport {
        layout: layout_name(p.layout).into(),
        order: p.params.order.to_string(),
        decoding: decoding_name(&p.params),
        n,
        correct,
        accuracy: correct as f64 / n.max(1) as f64,
        answered: answered as f64 / n.max(1) as f64,
        mean_steps: steps as f64 / n.max(1) as f64,
        tokens_per_s: generated as f64 / (model_ms / 1e3).max(1e-9),
        elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        misses,
        wrong,
    })
}

/// Masked-token accuracy on held-out prose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProseEvalReport {
    /// Windows evaluated.
    pub windows: usize,
    /// Masked tokens scored.
    pub masked_tokens: usize,
    /// Fraction of masked tokens whose argmax prediction is right.
    pub accuracy: f64,
    /// Accuracy of always predicting the most frequent training token.
    pub unigram_accuracy: f64,
    /// The most frequent training token.
    pub unigram_token: String,
}

/// Mask 50 % of each held-out window's response (one forward pass each) and score the argmax.
pub fn eval_prose(
    model: &mut LoadedModel,
    corpus: &Corpus,
    windows: usize,
    window_len: usize,
    seed: u64,
) -> Result<ProseEvalReport, String> {
    let tok = &model.tokenizer;
    let special = SpecialIds::of(tok).map_err(|e| e.to_string())?;
    // Unigram baseline from the training split.
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for para in corpus.training_paragraphs().iter().take(3000) {
        let enc = tok
            .encode(para.as_str(), false)
            .map_err(|e| e.to_string())?;
        for &id in enc.get_ids() {
            *counts.entry(id).or_default() += 1;
        }
    }
    let (unigram, _) = counts
        .iter()
        .max_by_key(|(id, c)| (**c, std::cmp::Reverse(**id)))
        .map(|(id, c)| (*id, *c))
        .ok_or("the corpus is empty")?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let vocab = model.info.vocab_size;
    let (mut hit, mut uni_hit, mut total) = (0usize, 0usize, 0usize);
    for w in 0..windows {
        let ex =
            held_out_prose_example(corpus, tok, &mut rng, window_len).map_err(|e| e.to_string())?;
        let mut tokens = ex.prompt_ids.clone();
        let start = tokens.len();
        tokens.extend_from_slice(&ex.response_ids);
        // Every other response token masked (50 %), alternating phase per window.
        let rows: Vec<u32> = (start..tokens.len())
            .filter(|i| (i - start + w) % 2 == 0)
            .map(|i| i as u32)
            .collect();
        let truth: Vec<u32> = rows.iter().map(|&r| tokens[r as usize]).collect();
        for &r in &rows {
            tokens[r as usize] = special.mask;
        }
        let logits = model
            .denoiser
            .logits(&tokens, &rows)
            .map_err(|e| e.to_string())?;
        for (i, &t) in truth.iter().enumerate() {
            let row = &logits[i * vocab..(i + 1) * vocab];
            let best = row
                .iter()
                .enumerate()
                .filter(|(id, _)| *id as u32 != special.mask)
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(id, _)| id as u32);
            hit += usize::from(best == Some(t));
            uni_hit += usize::from(unigram == t);
            total += 1;
        }
    }
    Ok(ProseEvalReport {
        windows,
        masked_tokens: total,
        accuracy: hit as f64 / total.max(1) as f64,
        unigram_accuracy: uni_hit as f64 / total.max(1) as f64,
        unigram_token: tok.id_to_token(unigram).unwrap_or_default(),
    })
}

/// How many tokens each step commits, in words: `threshold 0.9`, `factor 1`, `60 steps`.
pub fn decoding_name(p: &SamplerParams) -> String {
    match (p.threshold, p.factor) {
        (Some(t), _) => format!("threshold {t}"),
        (_, Some(f)) => format!("factor {f}"),
        _ => format!("{} steps", p.steps),
    }
}
