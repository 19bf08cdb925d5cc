//! Every trace format that has shipped stays readable, and the one written today keeps its bytes.
//!
//! `tests/fixtures/traces/` holds files written by the `unmask generate` binaries of the commits
//! named in its `PROVENANCE.md` (one per shipped format shape), and `v3-every-field.trace`, the
//! current writer's bytes for a trace that sets every field. If an in-memory type change alters
//! those bytes, `the_current_format_keeps_its_bytes` fails: give the change a new format version
//! instead (see `docs/trace-format.md`). To write the byte fixture after such a bump, run this test
//! with `UNMASK_WRITE_TRACE_FIXTURE=1` once and commit the file.

use std::fs;
use std::path::PathBuf;

use half::f16;

use unmask::canvas::{Canvas, CellKind, Region};
use unmask::sampler::{Commit, Order, Remasking, SamplerParams, Schedule};
use unmask::trace::{
    RunOutcome, RunSummary, StepRecord, TRACE_FORMAT_VERSION, TokenInfo, TokenTable, Trace,
    TraceHeader,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/traces")
        .join(name)
}

fn load(name: &str) -> Trace {
    let path = fixture(name);
    Trace::load(&path).unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()))
}

/// The parameters the golden runs were made with (see PROVENANCE.md), over the defaults of the
/// format the file was written in.
fn golden_params(suppress_eos: bool, stop_at_eos: bool, eos_last: bool) -> SamplerParams {
    SamplerParams {
        steps: 8,
        remasking: Remasking::Margin,
        temperature: 0.5,
        top_k: Some(5),
        order: Order::Regions(vec!["answer".into(), "reasoning".into()]),
        seed: 7,
        trace_top_k: 5,
        suppress_eos,
        stop_at_eos,
        eos_last,
        ..SamplerParams::default()
    }
}

/// What every golden run shares, whatever its format.
fn check_golden(trace: &Trace, version: u32, params: SamplerParams) {
    let header = &trace.header;
    assert_eq!(header.format_version, version);
    assert_eq!(header.prompt, "What is 12 + 7?");
    assert_eq!(header.template, "{reasoning:12} Answer: {answer:4}");
    assert_eq!(header.params, params);
    assert_eq!(header.model_family, "llada");
    let names: Vec<&str> = header
        .canvas
        .regions
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["reasoning", "answer"]);
    assert_eq!(trace.initial_masks(), 16);
    assert_eq!(trace.steps.len(), 8, "8 steps of 2 cells each");
    assert_eq!(trace.masks_left(), 0);
    assert_eq!(
        trace.summary.as_ref().map(|s| &s.outcome),
        Some(&RunOutcome::Finished)
    );
    // The answer region is decided before the reasoning, as the order asks.
    let answer_done = last_commit_step(trace, 1);
    let reasoning_started = first_commit_step(trace, 0);
    assert!(
        answer_done <= reasoning_started,
        "answer finished at step {answer_done}, reasoning started at {reasoning_started}"
    );
    // Every frame builds, and the last one has every cell written with display text.
    let last = trace.frame_at(trace.steps.len());
    assert!(
        last.cells
            .iter()
            .all(|c| !matches!(c, unmask::trace::Cell::Masked { .. }))
    );
    for step in &trace.steps {
        for c in &step.commits {
            assert!(trace.tokens.contains_key(&c.token), "token {}", c.token);
        }
    }
}

fn region_of(trace: &Trace, pos: u32) -> Option<u16> {
    match trace.header.canvas.kinds.get(pos as usize) {
        Some(CellKind::Masked { region }) => Some(*region),
        _ => None,
    }
}

fn first_commit_step(trace: &Trace, region: u16) -> usize {
    trace
        .steps
        .iter()
        .position(|s| {
            s.commits
                .iter()
                .any(|c| region_of(trace, c.pos) == Some(region))
        })
        .expect("the region has commits")
        + 1
}

fn last_commit_step(trace: &Trace, region: u16) -> usize {
    trace
        .steps
        .iter()
        .rposition(|s| {
            s.commits
                .iter()
                .any(|c| region_of(trace, c.pos) == Some(region))
        })
        .expect("the region has commits")
        + 1
}

#[test]
fn a_version_1_file_loads_with_its_parameters() {
    let trace = load("v1-generate.trace");
    check_golden(&trace, 1, golden_params(false, false, false));
}

#[test]
fn a_version_2_file_from_before_eos_last_loads_with_its_parameters() {
    let trace = load("v2-early-generate.trace");
    check_golden(&trace, 2, golden_params(false, true, false));
}

#[test]
fn a_version_2_file_with_eos_last_loads_with_its_parameters() {
    let trace = load("v2-generate.trace");
    check_golden(&trace, 2, golden_params(false, false, true));
}

#[test]
fn a_version_3_file_from_the_cli_loads_with_its_parameters() {
    let trace = load("v3-generate.trace");
    check_golden(&trace, 3, golden_params(true, true, true));
}

#[test]
fn an_old_file_saved_again_is_written_in_the_current_format_with_the_same_contents() {
    for name in [
        "v1-generate.trace",
        "v2-early-generate.trace",
        "v2-generate.trace",
    ] {
        let old = load(name);
        let mut bytes = Vec::new();
        old.write_to(&mut bytes).unwrap();
        assert_eq!(
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
            TRACE_FORMAT_VERSION
        );
        let again = Trace::read_from(bytes.as_slice()).unwrap();
        assert_eq!(again.header.format_version, TRACE_FORMAT_VERSION);
        let mut expected = old.clone();
        expected.header.format_version = TRACE_FORMAT_VERSION;
        assert_eq!(again, expected, "{name}");
    }
}

/// A trace in which every field of the format holds a value other than its default.
fn every_field_trace() -> Trace {
    let mask = 126_336;
    let kinds = vec![
        CellKind::Prompt,
        CellKind::Prompt,
        CellKind::Masked { region: 0 },
        CellKind::Masked { region: 0 },
        CellKind::Pinned,
        CellKind::Masked { region: 1 },
        CellKind::Masked { region: 1 },
    ];
    let header = TraceHeader {
        format_version: TRACE_FORMAT_VERSION,
        unmask_version: "9.8.7".into(),
        model_id: "org/model@v1".into(),
        model_family: "dream".into(),
        prompt: "Why? ✓".into(),
        template: "{why:2} = {answer:2}".into(),
        canvas: Canvas {
            tokens: vec![300, 70_000, mask, mask, 61, mask, mask],
            kinds,
            prompt_len: 2,
            regions: vec![
                Region {
                    name: "why".into(),
                    positions: vec![2, 3],
                },
                Region {
                    name: "answer".into(),
                    positions: vec![5, 6],
                },
            ],
            mask_id: mask,
        },
        params: SamplerParams {
            steps: 300,
            block_length: Some(2),
            schedule: Schedule::Timestep { eps: 1e-3 },
            remasking: Remasking::Entropy,
            threshold: Some(0.9),
            factor: Some(1.5),
            temperature: 0.7,
            top_p: Some(0.95),
            top_k: Some(40),
            alg_temp: Some(0.25),
            cfg_scale: 2.0,
            order: Order::Regions(vec!["answer".into()]),
            seed: u64::MAX - 1,
            trace_top_k: 2,
            suppress_eos: true,
            stop_at_eos: true,
            eos_last: true,
        },
        planned_steps: Some(3),
        eos_token_ids: vec![151_643, 151_645],
        created_unix_s: 1_764_806_400,
    };
    let info = |text: &str, special: bool| TokenInfo {
        text: text.into(),
        bytes: text.as_bytes().to_vec(),
        special,
    };
    let mut table = TokenTable::new();
    for (id, text) in [(300, "Why"), (70_000, "? ✓"), (61, " =")] {
        table.insert(id, info(text, false));
    }
    table.insert(mask, info("<|mask|>", true));
    let mut trace = Trace::new(header, table);
    let probs = |values: &[f32]| values.iter().map(|&p| f16::from_f32(p)).collect();
    trace
        .push_step(StepRecord {
            commits: vec![
                Commit {
                    pos: 5,
                    token: 19,
                    confidence: 0.999,
                },
                Commit {
                    pos: 6,
                    token: 151_645,
                    confidence: 0.5,
                },
            ],
            guess_pos: vec![2, 3, 5, 6],
            guess_tokens: vec![8, 9, 8, 9, 19, 20, 151_645, 19],
            guess_probs: probs(&[0.6, 0.3, 0.5, 0.4, 0.999, 0.001, 0.5, 0.25]),
            top_k: 2,
            forward_ms: 31.25,
            sampling_ms: 0.75,
            new_tokens: vec![
                (8, info("because", false)),
                (9, info(" it", false)),
                (19, info("19", false)),
                (20, info("20", false)),
                (151_645, info("<|endoftext|>", true)),
            ],
        })
        .unwrap();
    trace
        .push_step(StepRecord {
            commits: vec![
                Commit {
                    pos: 2,
                    token: 8,
                    confidence: 0.75,
                },
                Commit {
                    pos: 3,
                    token: 9,
                    confidence: 0.875,
                },
            ],
            guess_pos: vec![2, 3],
            guess_tokens: vec![8, 9, 9, 8],
            guess_probs: probs(&[0.75, 0.125, 0.875, 0.0625]),
            top_k: 2,
            forward_ms: 30.5,
            sampling_ms: 0.5,
            new_tokens: vec![],
        })
        .unwrap();
    trace.finish(RunSummary {
        outcome: RunOutcome::Failed("stopped by a test".into()),
        elapsed_ms: 62.5,
        tokens_per_s: 64.0,
    });
    trace
}

#[test]
fn the_current_format_keeps_its_bytes() {
    let trace = every_field_trace();
    let mut bytes = Vec::new();
    trace.write_to(&mut bytes).unwrap();
    let path = fixture(&format!("v{TRACE_FORMAT_VERSION}-every-field.trace"));
    if std::env::var_os("UNMASK_WRITE_TRACE_FIXTURE").is_some() {
        fs::write(&path, &bytes).unwrap();
    }
    let golden = fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); write it once with UNMASK_WRITE_TRACE_FIXTURE=1",
            path.display()
        )
    });
    assert!(
        bytes == golden,
        "the bytes of format {TRACE_FORMAT_VERSION} changed ({} bytes written, {} in {}): an \
         in-memory type change must not alter a shipped format; add a new format version",
        bytes.len(),
        golden.len(),
        path.display()
    );
    // And the fixture reads back as the trace it was written from.
    assert_eq!(Trace::read_from(golden.as_slice()).unwrap(), trace);
}
