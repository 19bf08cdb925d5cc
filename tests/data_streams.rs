//! Behaviour of the training data: tokenizer, arithmetic canvases, held-out splits, the mixed stream.

use std::collections::HashSet;
use std::sync::OnceLock;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokenizers::Tokenizer;
use unmask::canvas::{Canvas, CellKind, parse_template};
use unmask::data::arith::{
    ANSWER_REGION, ANSWER_SPAN_LEN, LAYOUTS, Layout, Op, OpKind, PLAIN_SPAN_LEN, Problem,
    REASONING_REGION, REASONING_SPAN_LEN, parse_answer, plain_content_len, prompt_ids,
};
use unmask::data::prose::{held_out_prose_example, prose_example};
use unmask::data::tokenizer::{BOS, EOS, MASK, SpecialIds, decode_ids, encode_piece};
use unmask::data::{
    Corpus, DataError, Example, MixParams, TrainingStream, encode_example, held_out_problems,
    tokenizer_training_texts, train_tokenizer, training_problems,
};

/// The vocabulary size the shipped model uses.
const VOCAB: usize = 2048;

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| Corpus::load_default().expect("the shipped corpus loads"))
}

/// A tokenizer trained exactly as the real model's is (same texts, same vocabulary size).
fn tokenizer() -> &'static Tokenizer {
    static TOKENIZER: OnceLock<Tokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| train_tokenizer(tokenizer_training_texts(corpus(), 0), VOCAB).unwrap())
}

fn ids() -> SpecialIds {
    SpecialIds::of(tokenizer()).unwrap()
}

/// The problem with the longest reasoning: two-digit start, three-digit values, two-digit operands.
fn worst_case() -> Problem {
    let add = |operand| Op {
        kind: OpKind::Add,
        operand,
    };
    let sub = |operand| Op {
        kind: OpKind::Subtract,
        operand,
    };
    Problem::new(99, vec![add(99), add(99), add(99), sub(99)]).unwrap()
}

/// The canvas the app builds for `problem` in `layout` (masks where the spans are).
fn app_canvas(problem: &Problem, layout: Layout, plain_len: usize) -> Canvas {
    let tok = tokenizer();
    let prompt = prompt_ids(tok, &problem.prompt_text()).unwrap();
    let parts = parse_template(&layout.template_with_plain_len(plain_len)).unwrap();
    Canvas::build(&prompt, &parts, ids().mask, 4096, |t| {
        encode_piece(tok, t).map_err(|e| e.to_string())
    })
    .unwrap()
}

fn region_cells(canvas: &Canvas, example: &Example, region: &str) -> Vec<u32> {
    let index = canvas.region_index(region).unwrap();
    canvas.regions[index]
        .positions
        .iter()
        .map(|&p| example.response_ids[p as usize - canvas.prompt_len])
        .collect()
}

#[test]
fn tokenizer_round_trips_and_keeps_digits_single() {
    let tok = tokenizer();
    assert_eq!(tok.get_vocab_size(true), VOCAB);
    for text in [
        "It is a truth universally acknowledged, that a single man in possession of a good fortune.",
        "Start with 47. Add 38. Subtract 19. What is the result? 47 + 38 = 85.",
        "机器学习很有趣。我们有 12 个苹果。",
        "tabs\tand\nnewlines  and double  spaces, émigré, naïve",
    ] {
        let encoded = encode_piece(tok, text).unwrap();
        assert_eq!(decode_ids(tok, &encoded, false).unwrap(), text);
    }
    assert_eq!(encode_piece(tok, "12345").unwrap().len(), 5);
    assert_eq!(encode_piece(tok, "1000000").unwrap().len(), 7);
    let vocab = tok.get_vocab(false);
    assert!(
        vocab
            .keys()
            .all(|t| t.chars().filter(char::is_ascii_digit).count() <= 1),
        "a vocabulary entry joins two digits"
    );
    assert_eq!(
        ids(),
        SpecialIds {
            bos: 0,
            eos: 1,
            mask: 2
        }
    );
    assert_eq!(encode_piece(tok, BOS).unwrap(), vec![0]);
    assert_eq!(
        encode_piece(tok, &format!("x{EOS}{MASK}")).unwrap()[1..],
        [1, 2]
    );
}

#[test]
fn every_problem_fits_its_spans() {
    let tok = tokenizer();
    let worst = worst_case();
    assert_eq!(
        encode_piece(tok, &worst.reasoning_text()).unwrap().len(),
        54
    );
    let problems = training_problems(11)
        .take(20_000)
        .chain(held_out_problems(11, 2_000, None));
    for p in problems.chain(std::iter::once(worst)) {
        let reasoning = encode_piece(tok, &p.reasoning_text()).unwrap().len();
        let answer = encode_piece(tok, &p.answer_text()).unwrap().len();
        assert!(
            reasoning <= REASONING_SPAN_LEN,
            "{} needs {reasoning}",
            p.reasoning_text()
        );
        assert!(
            answer < ANSWER_SPAN_LEN,
            "{} needs {answer}",
            p.answer_text()
        );
        assert!(plain_content_len(&p, tok).unwrap() <= PLAIN_SPAN_LEN);
        for layout in LAYOUTS {
            encode_example(&p, layout, tok, PLAIN_SPAN_LEN).unwrap();
        }
    }
}

#[test]
fn examples_have_the_apps_canvas_layout() {
    let tok = tokenizer();
    for (i, p) in training_problems(5).take(300).enumerate() {
        for layout in LAYOUTS {
            let plain_len = plain_content_len(&p, tok).unwrap() + i % 16;
            let example = encode_example(&p, layout, tok, plain_len).unwrap();
            let canvas = app_canvas(&p, layout, plain_len);
            assert_eq!(example.prompt_ids, canvas.tokens[..canvas.prompt_len]);
            assert_eq!(example.prompt_ids[0], ids().bos);
            assert_eq!(example.response_ids.len(), canvas.len() - canvas.prompt_len);
            assert_eq!(example.response_pinned.len(), example.response_ids.len());
            for (offset, (&id, &pinned)) in example
                .response_ids
                .iter()
                .zip(&example.response_pinned)
                .enumerate()
            {
                let cell = canvas.prompt_len + offset;
                match canvas.kinds[cell] {
                    CellKind::Pinned => {
                        assert!(pinned);
                        assert_eq!(id, canvas.tokens[cell], "pinned text differs");
                    }
                    CellKind::Masked { .. } => {
                        assert!(!pinned);
                        assert_ne!(id, ids().mask, "a span cell was left masked");
                    }
                    CellKind::Prompt => panic!("prompt cell inside the response"),
                }
            }
        }
    }
}

#[test]
fn result_cells_are_the_numbers_a_model_must_compute() {
    let tok = tokenizer();
    let problems = training_problems(9)
        .with_ops(1..=4)
        .take(150)
        .chain(held_out_problems(9, 30, Some(3)));
    for (i, p) in problems.enumerate() {
        // Every running value i is computed twice: as clause i's result and as clause i+1's first
        // operand, or, for the last one, as the answer. Start value and operands are given.
        let mut want: Vec<(Option<u8>, u32)> = p
            .running_values()
            .iter()
            .enumerate()
            .flat_map(|(i, &v)| [(Some(i as u8), v), (Some(i as u8), v)])
            .collect();
        want.sort_unstable();
        let mut given: Vec<(Option<u8>, u32)> =
            p.ops().iter().map(|op| (None, op.operand)).collect();
        given.push((None, p.start()));
        given.sort_unstable();
        for layout in LAYOUTS {
            let plain_len = plain_content_len(&p, tok).unwrap() + i % 16;
            let example = encode_example(&p, layout, tok, plain_len).unwrap();
            assert_eq!(example.response_results.len(), example.response_ids.len());
            // Read the numbers of the response with the mark their cells carry.
            let mut numbers: Vec<(Option<u8>, u32)> = Vec::new();
            let mut digits = String::new();
            let mut digits_mark = None;
            for (&id, &mark) in example
                .response_ids
                .iter()
                .zip(&example.response_results)
                .chain([(&ids().eos, &None)])
            {
                let text = tok.id_to_token(id).unwrap();
                if text.len() == 1 && text.as_bytes()[0].is_ascii_digit() {
                    assert!(
                        digits.is_empty() || digits_mark == mark,
                        "a number's cells carry different marks in {layout:?}"
                    );
                    digits.push_str(&text);
                    digits_mark = mark;
                } else {
                    assert_eq!(mark, None, "a non-digit cell {text:?} is marked");
                    if !digits.is_empty() {
                        numbers.push((digits_mark, digits.parse().unwrap()));
                        digits.clear();
                    }
                }
            }
            let (mut marked, mut unmarked): (Vec<_>, Vec<_>) =
                numbers.into_iter().partition(|(mark, _)| mark.is_some());
            marked.sort_unstable();
            unmarked.sort_unstable();
            assert_eq!(marked, want, "{layout:?}: {}", p.plain_text());
            assert_eq!(unmarked, given, "{layout:?}: {}", p.plain_text());
        }
    }
}

#[test]
fn decoded_regions_reproduce_the_problem() {
    let tok = tokenizer();
    let decode = |cells: &[u32]| decode_ids(tok, cells, true).unwrap();
    for p in training_problems(8)
        .take(200)
        .chain(held_out_problems(8, 50, Some(4)))
    {
        for layout in [Layout::ReasoningFirst, Layout::AnswerFirst] {
            let example = encode_example(&p, layout, tok, 0).unwrap();
            let canvas = app_canvas(&p, layout, 0);
            let answer_cells = region_cells(&canvas, &example, ANSWER_REGION);
            let reasoning_cells = region_cells(&canvas, &example, REASONING_REGION);
            assert_eq!(answer_cells.len(), ANSWER_SPAN_LEN);
            assert_eq!(reasoning_cells.len(), REASONING_SPAN_LEN);
            assert_eq!(decode(&answer_cells), p.answer_text());
            assert_eq!(decode(&reasoning_cells), p.reasoning_text());
            assert_eq!(parse_answer(&decode(&answer_cells)), Some(p.answer()));
            // Padding: content first, then only <|eos|> to the end of the span.
            let content = encode_piece(tok, &p.answer_text()).unwrap().len();
            assert!(answer_cells[content..].iter().all(|&id| id == ids().eos));
        }
        let plain_len = plain_content_len(&p, tok).unwrap() + 5;
        let example = encode_example(&p, Layout::Plain, tok, plain_len).unwrap();
        assert_eq!(example.response_ids.len(), plain_len);
        assert!(
            example.response_ids[plain_len - 5..]
                .iter()
                .all(|&id| id == ids().eos)
        );
        let text = decode(&example.response_ids);
        assert_eq!(text, p.plain_text());
        assert_eq!(
            parse_answer(&decode_ids(tok, &example.response_ids, false).unwrap()),
            Some(p.answer())
        );
        assert_eq!(decode(&example.prompt_ids), p.prompt_text());
    }
}

#[test]
fn too_short_plain_span_is_a_clear_error() {
    let tok = tokenizer();
    let p = worst_case();
    let need = plain_content_len(&p, tok).unwrap();
    let err = encode_example(&p, Layout::Plain, tok, need - 1).unwrap_err();
    assert!(
        matches!(err, DataError::ContentTooLong { span_len, content_len, .. }
        if span_len == need - 1 && content_len == need)
    );
    assert!(encode_example(&p, Layout::Plain, tok, need).is_ok());
}

#[test]
fn held_out_problems_never_appear_in_training() {
    let key = |p: &Problem| (p.start(), p.ops().to_vec());
    let held: Vec<Problem> = held_out_problems(0, 2_000, None);
    assert_eq!(held.len(), 2_000);
    assert!(held.iter().all(Problem::is_held_out));
    let held_keys: HashSet<_> = held.iter().map(key).collect();
    let mut n_ops_seen = HashSet::new();
    for p in training_problems(0).take(200_000) {
        assert!(!p.is_held_out());
        assert!(
            !held_keys.contains(&key(&p)),
            "held-out problem {:?} in training",
            key(&p)
        );
        n_ops_seen.insert(p.n_ops());
    }
    assert_eq!(n_ops_seen, HashSet::from([2, 3, 4]));
    // A stream with round numbers (a training curriculum) keeps out of the held-out slice too.
    for p in training_problems(0).with_round_share(0.3).take(50_000) {
        assert!(!p.is_held_out() && !held_keys.contains(&key(&p)), "{p:?}");
    }
    // Both streams are deterministic per seed, and the seed matters.
    assert_eq!(held_out_problems(0, 2_000, None), held);
    assert_ne!(held_out_problems(1, 100, None), held[..100]);
    let a: Vec<Problem> = training_problems(3).take(1_000).collect();
    let b: Vec<Problem> = training_problems(3).take(1_000).collect();
    let c: Vec<Problem> = training_problems(4).take(1_000).collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn prose_windows_come_from_the_right_split() {
    let tok = tokenizer();
    let corpus = corpus();
    assert!(corpus.training_paragraphs().len() > 9_000);
    assert!((150..=250).contains(&corpus.held_out_paragraphs().len()));
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for _ in 0..50 {
        let ex = prose_example(corpus, tok, &mut rng, 96).unwrap();
        assert_eq!(ex.prompt_ids[0], ids().bos);
        assert_eq!(ex.prompt_ids.len() - 1 + ex.response_ids.len(), 96);
        assert!(
            (9..=48).contains(&ex.prompt_ids.len()),
            "prompt {}",
            ex.prompt_ids.len()
        );
        assert!(ex.response_pinned.iter().all(|&p| !p));
        let text = decode_ids(tok, &ex.full_ids()[1..], false).unwrap();
        assert!(
            corpus.training_text().contains(&text),
            "{text:?} is not training text"
        );

        let held = held_out_prose_example(corpus, tok, &mut rng, 64).unwrap();
        let text = decode_ids(tok, &held.full_ids()[1..], false).unwrap();
        assert!(
            corpus.held_out_text().contains(&text),
            "{text:?} is not held-out text"
        );
    }
    assert!(prose_example(corpus, tok, &mut rng, 17).is_err());
}

#[test]
fn training_stream_is_deterministic_and_mixes_both_sources() {
    let tok = tokenizer();
    let stream =
        |seed, params| TrainingStream::new(tok.clone(), corpus().clone(), seed, params).unwrap();
    let take = |s: &mut TrainingStream, n| {
        (0..n)
            .map(|_| s.next_example().unwrap())
            .collect::<Vec<_>>()
    };
    let a = take(&mut stream(7, MixParams::default()), 200);
    assert_eq!(a, take(&mut stream(7, MixParams::default()), 200));
    assert_ne!(a, take(&mut stream(8, MixParams::default()), 200));

    // Prose windows are exactly prose_len tokens after <|bos|>; arithmetic examples end in a span.
    let is_prose = |e: &Example| {
        e.len() == 1 + 96
            && !e.response_pinned.iter().any(|&p| p)
            && !decode_ids(tok, &e.prompt_ids, true).unwrap().ends_with('?')
    };
    let prose = a.iter().filter(|e| is_prose(e)).count();
    assert!(
        (30..=90).contains(&prose),
        "{prose} prose examples of 200 at arith_fraction 0.7"
    );

    let arith_only = take(
        &mut stream(
            1,
            MixParams {
                arith_fraction: 1.0,
                ..MixParams::default()
            },
        ),
        90,
    );
    let mut layouts = [0usize; 3];
    for e in &arith_only {
        let prompt = decode_ids(tok, &e.prompt_ids, true).unwrap();
        assert!(prompt.ends_with('?'), "{prompt:?}");
        // Every layout has a line "Answer: N" once the specials are dropped.
        let response = decode_ids(tok, &e.response_ids, true).unwrap();
        let answer_line = response.lines().find(|l| l.starts_with("Answer: "));
        assert!(answer_line.and_then(parse_answer).is_some(), "{response:?}");
        let pinned = e.response_pinned.iter().filter(|&&p| p).count();
        let first_pinned = e.response_pinned.first().copied().unwrap_or(false);
        layouts[match (pinned, first_pinned) {
            (0, _) => 2,
            (_, true) => 1,
            (_, false) => 0,
        }] += 1;
        if pinned == 0 {
            // Plain: the span is the content plus 0 to 15 <|eos|>.
            let eos = e
                .response_ids
                .iter()
                .rev()
                .take_while(|&&id| id == ids().eos)
                .count();
            assert!(eos < 16, "{eos} padding cells");
        }
    }
    assert!(
        layouts.iter().all(|&n| n >= 15),
        "layout counts {layouts:?}"
    );

    let prose_only = take(
        &mut stream(
            1,
            MixParams {
                arith_fraction: 0.0,
                prose_len: 40,
                ..MixParams::default()
            },
        ),
        20,
    );
    assert!(prose_only.iter().all(|e| e.len() == 41));
    // The number of clauses of the standard problems is 2 to 4; min_ops 1 adds single clauses.
    let clauses = |min_ops: usize, max_ops: usize| {
        let mut counts = [0usize; 5];
        let examples = take(
            &mut stream(
                3,
                MixParams {
                    arith_fraction: 1.0,
                    min_ops,
                    max_ops,
                    ..MixParams::default()
                },
            ),
            200,
        );
        for e in &examples {
            let response = decode_ids(tok, &e.response_ids, true).unwrap();
            counts[response.matches('=').count()] += 1;
        }
        counts
    };
    let default_counts = clauses(2, 4);
    assert_eq!(
        default_counts[0] + default_counts[1],
        0,
        "{default_counts:?}"
    );
    let with_single = clauses(1, 4);
    assert!((25..=80).contains(&with_single[1]), "{with_single:?}");
    assert!(with_single[2..].iter().all(|&n| n > 0), "{with_single:?}");
    // round_share 1: every number of every clause (start, operands, results) is a multiple of ten.
    let rounded = take(
        &mut stream(
            4,
            MixParams {
                arith_fraction: 1.0,
                round_share: 1.0,
                ..MixParams::default()
            },
        ),
        50,
    );
    for e in &rounded {
        let response = decode_ids(tok, &e.response_ids, true).unwrap();
        let numbers: Vec<u32> = response
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(numbers.len() >= 6, "{response:?}");
        assert!(numbers.iter().all(|n| n % 10 == 0), "{response:?}");
    }
    // carry_share 1: the clauses' units columns carry or borrow wherever they can (they cannot
    // when adding to a round value, or subtracting from a value below 10 or ending in 9).
    let carrying = take(
        &mut stream(
            5,
            MixParams {
                arith_fraction: 1.0,
                carry_share: 1.0,
                ..MixParams::default()
            },
        ),
        100,
    );
    let (mut carried, mut could) = (0usize, 0usize);
    for e in &carrying {
        let response = decode_ids(tok, &e.response_ids, true).unwrap();
        let words: Vec<&str> = response.split_whitespace().collect();
        for w in words.windows(5) {
            let (Ok(a), Ok(b)) = (w[0].parse::<u32>(), w[2].parse::<u32>()) else {
                continue;
            };
            if w[3] != "=" {
                continue;
            }
            let (can, did) = match w[1] {
                "+" => (a % 10 > 0, a % 10 + b % 10 >= 10),
                "-" => (a >= 10 && a % 10 < 9, b % 10 > a % 10),
                _ => continue,
            };
            could += usize::from(can);
            carried += usize::from(can && did);
        }
    }
    assert!(could >= 200, "{could} clauses that can carry");
    assert!(
        carried as f64 / could as f64 > 0.95,
        "{carried} of {could} clauses carry or borrow"
    );
    // layouts narrows the layouts: Plain only means one unnamed span, no pinned `Answer:`.
    let plain_only = take(
        &mut stream(
            6,
            MixParams {
                arith_fraction: 1.0,
                layouts: vec![Layout::Plain],
                ..MixParams::default()
            },
        ),
        100,
    );
    for e in &plain_only {
        assert!(e.response_pinned.iter().all(|&p| !p));
        let response = decode_ids(tok, &e.response_ids, true).unwrap();
        assert!(response.contains("\nAnswer: "), "{response:?}");
    }
    // max_ops narrows the range from above: only single clauses, or exactly three.
    assert_eq!(clauses(1, 1)[1], 200);
    assert_eq!(clauses(3, 3)[3], 200);
    // Settings out of range are refused, naming the setting.
    let ops = |min_ops, max_ops| MixParams {
        min_ops,
        max_ops,
        ..MixParams::default()
    };
    let round = |round_share| MixParams {
        round_share,
        ..MixParams::default()
    };
    let carry = |carry_share| MixParams {
        carry_share,
        ..MixParams::default()
    };
    let length = |length_share| MixParams {
        length_share,
        ..MixParams::default()
    };
    let bad = [
        (
            MixParams {
                arith_fraction: 1.5,
                ..MixParams::default()
            },
            "arith_fraction",
        ),
        (ops(0, 4), "min_ops <= max_ops"),
        (ops(5, 5), "min_ops <= max_ops"),
        (ops(3, 2), "min_ops <= max_ops"),
        (ops(2, 5), "min_ops <= max_ops"),
        (round(-0.1), "round_share"),
        (round(1.5), "round_share"),
        (carry(-0.1), "carry_share"),
        (carry(f64::NAN), "carry_share"),
        (length(1.5), "length_share"),
        (
            MixParams {
                layouts: Vec::new(),
                ..MixParams::default()
            },
            "at least one layout",
        ),
    ];
    for (params, what) in bad {
        let err = TrainingStream::new(tok.clone(), corpus().clone(), 0, params).unwrap_err();
        assert!(err.to_string().contains(what), "{err}");
    }
}

#[test]
#[ignore = "prints sample examples; run with --ignored --nocapture"]
fn print_samples() {
    let tok = tokenizer();
    let mut stream =
        TrainingStream::new(tok.clone(), corpus().clone(), 0, MixParams::default()).unwrap();
    for _ in 0..8 {
        let e = stream.next_example().unwrap();
        println!(
            "PROMPT {:?}",
            decode_ids(tok, &e.prompt_ids, false).unwrap()
        );
        println!(
            "RESPONSE {:?}\n",
            decode_ids(tok, &e.response_ids, false).unwrap()
        );
    }
}

#[test]
fn tokenizer_texts_hold_prose_and_every_layout() {
    let texts: Vec<String> = tokenizer_training_texts(corpus(), 0).collect();
    let again: Vec<String> = tokenizer_training_texts(corpus(), 0).collect();
    assert_eq!(texts, again);
    assert!(texts.len() >= corpus().training_paragraphs().len() + 3 * 3000);
    assert!(texts.iter().any(|t| t.contains("?\nAnswer: ")));
    assert!(texts.iter().any(|t| t.contains(".\nAnswer: ")));
    assert!(texts.iter().any(|t| t.contains("?\n") && t.ends_with('.')));
    assert!(
        !texts
            .iter()
            .any(|t| corpus().held_out_paragraphs().contains(t))
    );
}
