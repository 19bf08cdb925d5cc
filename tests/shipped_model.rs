//! The embedded model in assets/model: it loads, and it still scores what its model card documents.
//! This test fails loudly when the model is missing: the app depends on it.

use std::path::{Path, PathBuf};

use unmask::eval::{ArithEvalParams, eval_arith, parse_layout};
use unmask::model::{LoadOptions, load_model};
use unmask::sampler::{Order, SamplerParams};

fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/model")
}

/// The `<!-- ci-accuracy: key=value … -->` line of MODEL_CARD.md.
fn documented() -> std::collections::HashMap<String, String> {
    let card = std::fs::read_to_string(model_dir().join("MODEL_CARD.md"))
        .expect("assets/model/MODEL_CARD.md is missing");
    let line = card
        .lines()
        .find(|l| l.contains("<!-- ci-accuracy:"))
        .expect("MODEL_CARD.md has no <!-- ci-accuracy: … --> line");
    line.trim()
        .trim_start_matches("<!-- ci-accuracy:")
        .trim_end_matches("-->")
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_embedded_model_loads() {
    let m = load_model(&model_dir(), &LoadOptions::default())
        .unwrap_or_else(|e| panic!("the embedded model does not load: {e}"));
    assert_eq!(m.info.family, "llada");
    assert!(m.info.n_params > 1_000_000);
    let size: u64 = std::fs::read_dir(model_dir())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(size < 25 * 1024 * 1024, "assets/model is {size} bytes");
}

#[test]
fn the_embedded_model_scores_what_its_card_documents() {
    let doc = documented();
    let get = |k: &str| {
        doc.get(k)
            .unwrap_or_else(|| panic!("ci-accuracy line lacks {k}"))
            .clone()
    };
    let accuracy: f64 = get("accuracy").parse().unwrap();
    let margin: f64 = get("margin").parse().unwrap();
    let mut model = load_model(&model_dir(), &LoadOptions::default()).unwrap();
    let params = ArithEvalParams {
        n: get("n").parse().unwrap(),
        seed: get("seed").parse().unwrap(),
        n_ops: Some(get("ops").parse().unwrap()),
        layout: parse_layout(&get("layout")).unwrap(),
        params: SamplerParams {
            threshold: Some(get("threshold").parse().unwrap()),
            order: Order::parse(&get("order")).unwrap(),
            ..SamplerParams::default()
        },
        keep_wrong: 0,
    };
    let report = eval_arith(&mut model, &params).unwrap();
    assert!(
        report.accuracy >= accuracy - margin,
        "accuracy {:.3} is below the documented {accuracy:.3} − {margin}",
        report.accuracy
    );
    let answered: f64 = get("answered").parse().unwrap();
    assert!(
        report.answered >= answered - margin,
        "well-formed answers {:.3} below the documented {answered:.3} − {margin}",
        report.answered
    );
}

#[test]
fn the_embedded_model_beats_the_unigram_baseline_on_held_out_prose() {
    let doc = documented();
    let get = |k: &str| {
        doc.get(k)
            .unwrap_or_else(|| panic!("ci-accuracy line lacks {k}"))
            .clone()
    };
    let documented_accuracy: f64 = get("prose_accuracy").parse().unwrap();
    let margin: f64 = get("margin").parse().unwrap();
    let mut model = load_model(&model_dir(), &LoadOptions::default()).unwrap();
    let corpus = unmask::data::Corpus::load(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/corpus/austen.txt.gz"),
    )
    .unwrap();
    let windows: usize = get("prose_windows").parse().unwrap();
    let seed: u64 = get("seed").parse().unwrap();
    let r = unmask::eval::eval_prose(&mut model, &corpus, windows, 96, seed).unwrap();
    assert!(r.accuracy > r.unigram_accuracy, "{r:?}");
    assert!(r.accuracy >= documented_accuracy - margin, "{r:?}");
}

#[test]
fn the_first_lessons_problem_is_right_reasoning_first_and_wrong_answer_first() {
    use unmask::generate::{GenerateRequest, generate};
    let mut model = load_model(&model_dir(), &LoadOptions::default()).unwrap();
    let lesson = &unmask::lessons::embedded_lessons()[0];
    assert_eq!(lesson.prompt, unmask::lessons::CONTRAST_PROMPT);
    let answers: Vec<Option<u32>> = lesson
        .runs
        .iter()
        .map(|run| {
            let request = GenerateRequest {
                prompt: lesson.prompt.clone(),
                template: run.template.clone(),
                params: run.params.clone(),
                raw_prompt: false,
            };
            let trace = generate(&mut model, "lesson", &request).unwrap();
            unmask::eval::answer_of(&trace)
        })
        .collect();
    // 42 − 14 + 22 + 63 = 113. A new embedded model may answer differently: then pick the lesson's
    // problem again with the command in `lessons::CONTRAST_PROMPT`'s documentation.
    assert_eq!(answers[0], Some(113), "reasoning first must be right");
    assert_ne!(
        answers[1],
        Some(113),
        "answer first must be wrong (v8 answers 104)"
    );
}
