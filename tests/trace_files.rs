//! Behaviour of trace files and frames: round trips, random access against a replay, text, and
//! clear errors for damaged files.

use std::fs;
use std::path::Path;

use half::f16;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use unmask::canvas::{Canvas, CellKind, Region};
use unmask::sampler::{Commit, SamplerParams};
use unmask::trace::synthetic::synthetic_trace;
use unmask::trace::{
    Cell, HEADER_LEN, RunOutcome, RunSummary, StepError, StepRecord, TRACE_FORMAT_VERSION,
    TokenInfo, TokenTable, Trace, TraceError, TraceHeader,
};

const MASK: u32 = 999;

fn header(tokens: Vec<u32>, kinds: Vec<CellKind>, prompt_len: usize) -> TraceHeader {
    let positions = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| matches!(k, CellKind::Masked { .. }))
        .map(|(i, _)| i as u32)
        .collect();
    TraceHeader {
        format_version: TRACE_FORMAT_VERSION,
        unmask_version: "0.1.0".into(),
        model_id: "models/tiny".into(),
        model_family: "llada".into(),
        prompt: "Say it".into(),
        template: "{answer:4}".into(),
        canvas: Canvas {
            tokens,
            kinds,
            prompt_len,
            regions: vec![Region {
                name: "answer".into(),
                positions,
            }],
            mask_id: MASK,
        },
        params: SamplerParams::default(),
        planned_steps: Some(4),
        eos_token_ids: vec![7],
        created_unix_s: 1_700_000_000,
    }
}

fn info(bytes: &[u8], special: bool) -> TokenInfo {
    TokenInfo {
        text: String::from_utf8_lossy(bytes).into_owned(),
        bytes: bytes.to_vec(),
        special,
    }
}

fn commit(pos: u32, token: u32, confidence: f32) -> Commit {
    Commit {
        pos,
        token,
        confidence,
    }
}

fn step(
    commits: Vec<Commit>,
    guess_pos: Vec<u32>,
    top_k: u8,
    new_tokens: Vec<(u32, TokenInfo)>,
) -> StepRecord {
    let n = guess_pos.len() * usize::from(top_k);
    StepRecord {
        commits,
        guess_tokens: (0..n as u32).map(|i| 20 + i % 3).collect(),
        guess_probs: (0..n)
            .map(|i| f16::from_f32(1.0 / (i + 2) as f32))
            .collect(),
        guess_pos,
        top_k,
        forward_ms: 12.5,
        sampling_ms: 0.5,
        new_tokens,
    }
}

/// Prompt "Q" (id 1), pinned "A:" (id 2), four masks at 2..=5, pinned "." (id 3), one mask at 7.
/// Commits write "€" split over ids 10 (E2 82) and 11 (AC), then "x" (12), then EOS (7).
fn euro_trace() -> Trace {
    let kinds = vec![
        CellKind::Prompt,
        CellKind::Pinned,
        CellKind::Masked { region: 0 },
        CellKind::Masked { region: 0 },
        CellKind::Masked { region: 0 },
        CellKind::Masked { region: 0 },
        CellKind::Pinned,
        CellKind::Masked { region: 0 },
    ];
    let tokens = vec![1, 2, MASK, MASK, MASK, MASK, 3, MASK];
    let mut table = TokenTable::new();
    table.insert(1, info(b"Q", false));
    table.insert(2, info(b"A:", false));
    table.insert(3, info(b".", false));
    table.insert(MASK, info(b"<|mask|>", true));
    let mut trace = Trace::new(header(tokens, kinds, 1), table);
    let guessed = vec![
        (20, info(b"g0", false)),
        (21, info(b"g1", false)),
        (22, info(b"g2", false)),
    ];
    trace
        .push_step(step(
            vec![commit(3, 11, 0.9)],
            vec![2, 3, 4, 5, 7],
            2,
            [vec![(11, info(&[0xAC], false))], guessed].concat(),
        ))
        .unwrap();
    trace
        .push_step(step(
            vec![commit(2, 10, 0.8), commit(5, 7, 0.95)],
            vec![2, 4, 5, 7],
            2,
            vec![
                (10, info(&[0xE2, 0x82], false)),
                (7, info(b"<|eot|>", true)),
            ],
        ))
        .unwrap();
    trace
        .push_step(step(
            vec![commit(7, 12, 0.4)],
            vec![4, 7],
            1,
            vec![(12, info(b"x", false))],
        ))
        .unwrap();
    trace
}

fn finished(mut trace: Trace, outcome: RunOutcome) -> Trace {
    trace.finish(RunSummary {
        outcome,
        elapsed_ms: 123.5,
        tokens_per_s: 32.25,
    });
    trace
}

fn encoded(trace: &Trace) -> Vec<u8> {
    let mut bytes = Vec::new();
    trace.write_to(&mut bytes).unwrap();
    bytes
}

#[test]
fn save_then_load_gives_the_same_trace_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.trace");
    let trace = finished(euro_trace(), RunOutcome::Failed("out of memory".into()));
    trace.save(&path).unwrap();
    let loaded = Trace::load(&path).unwrap();
    assert_eq!(loaded, trace);
    assert_eq!(loaded.frame_at(2), trace.frame_at(2));
    // Saving again replaces the file in one move.
    let other = finished(euro_trace(), RunOutcome::Finished);
    other.save(&path).unwrap();
    assert_eq!(Trace::load(&path).unwrap().summary, other.summary);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("run.trace")]);
}

#[test]
fn a_synthetic_trace_round_trips_through_bytes() {
    let trace = synthetic_trace(64, 5, 3);
    let loaded = Trace::read_from(encoded(&trace).as_slice()).unwrap();
    assert_eq!(loaded, trace);
    assert_eq!(loaded.frame_at(30), trace.frame_at(30));
}

#[test]
fn saving_into_a_missing_folder_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/run.trace");
    let err = euro_trace().save(&path).unwrap_err();
    assert!(matches!(err, TraceError::Write { .. }));
    assert!(
        err.to_string().contains("could not write trace file"),
        "{err}"
    );
    assert!(err.to_string().contains("run.trace"), "{err}");
}

#[test]
fn loading_a_missing_file_names_it() {
    let err = Trace::load(Path::new("/nonexistent/dir/x.trace")).unwrap_err();
    assert!(matches!(err, TraceError::Read { .. }));
    assert!(
        err.to_string()
            .starts_with("could not read trace file /nonexistent/dir/x.trace"),
        "{err}"
    );
}

#[test]
fn text_joins_split_utf8_and_skips_special_tokens() {
    let trace = euro_trace();
    // Final state: "A:" + "€" (two tokens) + mask skipped + EOS skipped + "." + "x".
    assert_eq!(trace.text(), "A:€.x");
    assert_eq!(trace.text_at(0, "_"), "A:____._");
    // After step 1 only the second half of "€" is there: invalid alone, so U+FFFD.
    assert_eq!(trace.text_at(1, "_"), "A:_\u{FFFD}__._");
    assert_eq!(trace.text_at(2, "_"), "A:€_._");
    assert_eq!(trace.text_at(3, "[?]"), "A:€[?].x");
    assert_eq!(trace.text_at(99, "[?]"), trace.text_at(3, "[?]"));
    assert_eq!(trace.output_ids(), vec![10, 11, MASK, 7, 12]);
}

#[test]
fn candidates_come_from_the_step_after_the_frame() {
    let trace = euro_trace();
    // Step 1 guessed at [2, 3, 4, 5, 7] with top_k 2: row of pos 4 is entries 4 and 5.
    let c = trace.candidates_at(0, 4).unwrap();
    assert_eq!(c.iter().map(|x| x.0).collect::<Vec<_>>(), vec![21, 22]);
    assert_eq!(c[0].1, f16::from_f32(1.0 / 6.0).to_f32());
    assert!(c[0].1 >= c[1].1);
    // Step 3 guessed at [4, 7] with top_k 1.
    assert_eq!(trace.candidates_at(2, 7).unwrap().len(), 1);
    assert_eq!(trace.candidates_at(2, 2), None, "committed by step 2");
    assert_eq!(
        trace.candidates_at(3, 4),
        None,
        "no step after the last frame"
    );
    assert_eq!(trace.candidates_at(0, 1), None, "pinned");
    match trace.frame_at(1).cells[3] {
        Cell::Committed { token, step, .. } => assert_eq!((token, step), (11, 1)),
        ref other => panic!("{other:?}"),
    }
}

fn saved_file(dir: &Path) -> (std::path::PathBuf, Vec<u8>) {
    let path = dir.join("run.trace");
    finished(euro_trace(), RunOutcome::Finished)
        .save(&path)
        .unwrap();
    let bytes = fs::read(&path).unwrap();
    (path, bytes)
}

#[test]
fn a_truncated_file_says_how_much_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = saved_file(dir.path());
    let body = bytes.len() - HEADER_LEN;
    fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let err = Trace::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "trace file {} is truncated: expected {body} bytes of data, found {}",
            path.display(),
            body - 10
        )
    );
    fs::write(&path, &bytes[..12]).unwrap();
    let err = Trace::load(&path).unwrap_err();
    assert!(
        matches!(err, TraceError::TruncatedHeader { found: 12, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("is truncated"), "{err}");
}

#[test]
fn a_damaged_body_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut bytes) = saved_file(dir.path());
    let middle = HEADER_LEN + (bytes.len() - HEADER_LEN) / 2;
    bytes[middle] ^= 0x40;
    fs::write(&path, &bytes).unwrap();
    let err = Trace::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "trace file {} is corrupt (checksum mismatch)",
            path.display()
        )
    );
}

#[test]
fn a_file_that_is_not_a_trace_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.trace");
    fs::write(&path, b"{\"this\": \"is json, not a trace\"}").unwrap();
    let err = Trace::load(&path).unwrap_err();
    assert!(matches!(err, TraceError::NotATrace { .. }));
    assert!(
        err.to_string()
            .contains("notes.trace is not an Unmask trace file"),
        "{err}"
    );
}

#[test]
fn a_file_from_a_newer_unmask_asks_for_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut bytes) = saved_file(dir.path());
    let future = TRACE_FORMAT_VERSION + 1;
    bytes[8..12].copy_from_slice(&future.to_le_bytes());
    fs::write(&path, &bytes).unwrap();
    let err = Trace::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "trace file {}: trace format version {future} is newer than this Unmask reads ({TRACE_FORMAT_VERSION}): update Unmask",
            path.display()
        )
    );
}

#[test]
fn a_well_formed_file_with_an_invalid_step_is_rejected() {
    let mut trace = euro_trace();
    // Bypass push_step: commit position 3 a second time.
    trace
        .steps
        .push(step(vec![commit(3, 12, 0.5)], vec![], 0, vec![]));
    let err = Trace::read_from(encoded(&trace).as_slice()).unwrap_err();
    match &err {
        TraceError::CorruptStep { step, error, .. } => {
            assert_eq!(*step, 4);
            assert_eq!(*error, StepError::AlreadyCommitted { pos: 3, step: 1 });
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("step 4 is invalid: position 3 was already committed by step 1"),
        "{err}"
    );
}

#[test]
fn a_file_with_an_inconsistent_canvas_is_rejected() {
    let mut trace = euro_trace();
    trace.header.canvas.kinds.pop();
    let err = Trace::read_from(encoded(&trace).as_slice()).unwrap_err();
    assert!(matches!(err, TraceError::Corrupt { .. }), "{err}");
    assert!(
        err.to_string().contains("8 tokens but 7 cell kinds"),
        "{err}"
    );
}

#[test]
fn every_truncation_of_a_valid_file_is_an_error() {
    let bytes = encoded(&finished(euro_trace(), RunOutcome::Cancelled));
    for len in 0..bytes.len() {
        assert!(
            Trace::read_from(&bytes[..len]).is_err(),
            "prefix of {len} bytes was accepted"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let err = Trace::read_from(longer.as_slice()).unwrap_err();
    assert!(matches!(err, TraceError::Corrupt { .. }), "{err}");
}

/// A small random trace: canvas description, and valid steps built from `seed`.
fn random_trace(seed: u64) -> Trace {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let len = rng.random_range(1..16usize);
    let prompt_len = rng.random_range(0..=len.min(3));
    let mut kinds = vec![CellKind::Prompt; prompt_len];
    let mut tokens: Vec<u32> = (0..prompt_len as u32).collect();
    for _ in prompt_len..len {
        if rng.random_bool(0.7) {
            kinds.push(CellKind::Masked { region: 0 });
            tokens.push(MASK);
        } else {
            kinds.push(CellKind::Pinned);
            tokens.push(rng.random_range(0..50));
        }
    }
    let mut trace = Trace::new(header(tokens, kinds, prompt_len), TokenTable::new());
    let mut open: Vec<u32> = trace.header.canvas.still_masked();
    let steps = rng.random_range(0..8);
    for _ in 0..steps {
        let top_k = rng.random_range(0..4u8);
        let guess_pos: Vec<u32> = open
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.8))
            .collect();
        let n = guess_pos.len() * usize::from(top_k);
        let mut commits = Vec::new();
        for &pos in &open {
            if rng.random_bool(0.3) {
                commits.push(commit(pos, rng.random_range(0..200), rng.random()));
            }
        }
        open.retain(|p| !commits.iter().any(|c| c.pos == *p));
        let record = StepRecord {
            commits,
            guess_pos,
            guess_tokens: (0..n).map(|_| rng.random_range(0..200)).collect(),
            guess_probs: (0..n).map(|_| f16::from_f32(rng.random())).collect(),
            top_k,
            forward_ms: rng.random_range(0.0..50.0),
            sampling_ms: rng.random_range(0.0..5.0),
            new_tokens: vec![],
        };
        trace.push_step(record).unwrap();
    }
    trace
}

/// Frames by replaying the steps one by one from the initial canvas.
fn replay(trace: &Trace) -> Vec<Vec<Cell>> {
    let canvas = &trace.header.canvas;
    let mut state: Vec<Cell> = canvas
        .tokens
        .iter()
        .map(|&token| {
            if token == MASK {
                Cell::Masked { guess: None }
            } else {
                Cell::Fixed { token }
            }
        })
        .collect();
    let mut frames = Vec::new();
    for k in 0..=trace.steps.len() {
        if k > 0 {
            for c in &trace.steps[k - 1].commits {
                state[c.pos as usize] = Cell::Committed {
                    token: c.token,
                    confidence: c.confidence,
                    step: k as u32,
                };
            }
        }
        let mut frame = state.clone();
        for (pos, cell) in frame.iter_mut().enumerate() {
            if let Cell::Masked { guess } = cell {
                *guess = trace.steps.get(k).and_then(|next| {
                    let row = next.guess_pos.iter().position(|&p| p as usize == pos)?;
                    let k = usize::from(next.top_k);
                    (k > 0).then(|| {
                        (
                            next.guess_tokens[row * k],
                            next.guess_probs[row * k].to_f32(),
                        )
                    })
                });
            }
        }
        frames.push(frame);
    }
    frames
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn frame_at_equals_a_replay_of_the_steps(seed in any::<u64>()) {
        let trace = random_trace(seed);
        let frames = replay(&trace);
        prop_assert_eq!(trace.frame_count(), frames.len());
        for (k, expected) in frames.iter().enumerate() {
            let frame = trace.frame_at(k);
            prop_assert_eq!(frame.index, k);
            prop_assert_eq!(&frame.cells, expected);
            for (pos, cell) in expected.iter().enumerate() {
                let candidates = trace.candidates_at(k, pos as u32);
                match cell {
                    Cell::Masked { guess: Some(top1) } => {
                        let candidates = candidates.unwrap();
                        prop_assert_eq!(candidates[0], *top1);
                        prop_assert_eq!(candidates.len(), usize::from(trace.steps[k].top_k));
                    }
                    _ => prop_assert_eq!(candidates, None),
                }
            }
        }
        // Round trip keeps every frame.
        let loaded = Trace::read_from(encoded(&trace).as_slice()).unwrap();
        prop_assert_eq!(&loaded, &trace);
    }

    #[test]
    fn random_bytes_are_an_error_not_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(Trace::read_from(bytes.as_slice()).is_err());
        let mut with_magic = b"UNMASKTR".to_vec();
        with_magic.extend_from_slice(&bytes);
        prop_assert!(Trace::read_from(with_magic.as_slice()).is_err());
    }

    #[test]
    fn a_flipped_bit_is_an_error_not_a_panic(seed in any::<u64>(), bit in any::<usize>()) {
        let bytes = encoded(&random_trace(seed));
        let mut damaged = bytes.clone();
        let bit = bit % (bytes.len() * 8);
        damaged[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(Trace::read_from(damaged.as_slice()).is_err());
        let cut = bit / 8;
        prop_assert!(Trace::read_from(&bytes[..cut]).is_err());
    }

    #[test]
    fn a_damaged_body_with_a_matching_checksum_does_not_panic(
        seed in any::<u64>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let bytes = encoded(&random_trace(seed));
        let mut body = bytes[HEADER_LEN..].to_vec();
        for (at, value) in edits {
            let at = at % body.len();
            body[at] = value;
        }
        body.truncate(cut % (body.len() + 1));
        let mut file = bytes[..HEADER_LEN].to_vec();
        file[12..20].copy_from_slice(&(body.len() as u64).to_le_bytes());
        file[20..24].copy_from_slice(&crc32fast::hash(&body).to_le_bytes());
        file.extend_from_slice(&body);
        // Any outcome but a panic is fine; a decoded trace must still answer without panicking.
        if let Ok(trace) = Trace::read_from(file.as_slice()) {
            for k in 0..trace.frame_count() {
                let _ = trace.frame_at(k);
                let _ = trace.text_at(k, "_");
            }
            let _ = trace.step_metrics();
            let _ = trace.output_ids();
        }
    }
}
