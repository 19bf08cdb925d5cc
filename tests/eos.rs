//! End-of-sequence handling: a flood of EOS at the tail is shown as such in text output
//! (`⟨eos ×N⟩`), `stop_at_eos` cuts each span at its first EOS, `suppress_eos` keeps EOS out of
//! commits and guesses, both flags are recorded in the trace header, and version-1 trace files
//! (before those fields existed) still load.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use unmask::canvas::{Canvas, CellKind};
use unmask::generate::{GenerateRequest, ResponsePiece, build_canvas, generate, response_pieces};
use unmask::model::{Denoiser, LoadOptions, LoadedModel, ModelError, load_model};
use unmask::sampler::{Order, Remasking, SamplerParams, Schedule};
use unmask::trace::{
    MAGIC, RunSummary, StepRecord, TRACE_FORMAT_VERSION, TokenTable, Trace, synthetic,
};

/// `<|eos|>` in the tiny fixture's vocabulary.
const EOS: u32 = 1;
/// "cat" and "sun" in the tiny vocabulary.
const CAT: u32 = 25;
const SUN: u32 = 30;
const VOCAB: usize = 64;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada")
}

/// A model that wants EOS (logit 10) at `eos_at` and "cat" (5) elsewhere; "sun" (3) is everyone's
/// next best, and EOS (4) is second best where it is not first.
struct TailEos {
    eos_at: HashSet<u32>,
}

impl Denoiser for TailEos {
    fn logits(&mut self, _tokens: &[u32], rows: &[u32]) -> Result<Vec<f32>, ModelError> {
        let mut out = Vec::with_capacity(rows.len() * VOCAB);
        for pos in rows {
            let mut row = vec![-10.0_f32; VOCAB];
            row[SUN as usize] = 3.0;
            if self.eos_at.contains(pos) {
                row[EOS as usize] = 10.0;
            } else {
                row[CAT as usize] = 5.0;
                row[EOS as usize] = 4.0;
            }
            out.extend(row);
        }
        Ok(out)
    }
}

/// The tiny fixture's tokenizer and info with a [`TailEos`] network wanting EOS in the last
/// `tail` cells of every masked span of the canvas `req` builds.
fn model_for(req: &GenerateRequest, tail: usize) -> LoadedModel {
    let mut model = load_model(&fixture(), &LoadOptions::default()).unwrap();
    assert!(model.info.eos_token_ids.contains(&EOS));
    let canvas = build_canvas(&model, req).unwrap();
    model.denoiser = Box::new(TailEos {
        eos_at: span_tails(&canvas, tail),
    });
    model
}

/// The last `tail` positions of every run of masked cells.
fn span_tails(canvas: &Canvas, tail: usize) -> HashSet<u32> {
    let mut out = HashSet::new();
    let mut run: Vec<u32> = Vec::new();
    let mut close = |run: &mut Vec<u32>| {
        out.extend(run.iter().rev().take(tail).copied());
        run.clear();
    };
    for (pos, kind) in canvas.kinds.iter().enumerate() {
        match kind {
            CellKind::Masked { .. } => run.push(pos as u32),
            _ => close(&mut run),
        }
    }
    close(&mut run);
    out
}

fn request(template: &str, params: SamplerParams) -> GenerateRequest {
    GenerateRequest {
        prompt: "the cat".into(),
        template: template.into(),
        params: SamplerParams { steps: 4, ..params },
        raw_prompt: true,
    }
}

fn shown(pieces: &[ResponsePiece]) -> String {
    pieces.iter().map(ResponsePiece::plain).collect()
}

#[test]
fn a_tail_of_eos_is_shown_as_a_marked_run_not_dropped() {
    let req = request("{12}", SamplerParams::default());
    let mut model = model_for(&req, 7);
    let trace = generate(&mut model, "tail-eos", &req).unwrap();
    assert_eq!(trace.output_ids().iter().filter(|&&t| t == EOS).count(), 7);
    let pieces = response_pieces(&trace, false);
    assert_eq!(
        pieces,
        vec![
            ResponsePiece::Text("catcatcatcatcat".into()),
            ResponsePiece::Eos(7)
        ]
    );
    assert_eq!(shown(&pieces), "catcatcatcatcat⟨eos ×7⟩");
    // The plain text (what --json's "text" has always been) still skips them.
    assert_eq!(trace.text(), "catcatcatcatcat");
}

#[test]
fn stop_at_eos_cuts_each_span_at_its_first_eos_and_keeps_pinned_text() {
    let params = SamplerParams {
        stop_at_eos: true,
        ..SamplerParams::default()
    };
    let req = request("{reasoning:6}the{answer:4}", params);
    let mut model = model_for(&req, 2);
    let trace = generate(&mut model, "tail-eos", &req).unwrap();
    assert!(trace.header.params.stop_at_eos, "recorded in the header");
    let pieces = response_pieces(&trace, trace.header.params.stop_at_eos);
    assert_eq!(
        pieces,
        vec![
            ResponsePiece::Text("catcatcatcat".into()),
            ResponsePiece::Cut(2),
            ResponsePiece::Text("thecatcat".into()),
            ResponsePiece::Cut(2),
        ]
    );
    assert_eq!(
        shown(&pieces),
        "catcatcatcat⟨eos: 2 cells cut⟩thecatcat⟨eos: 2 cells cut⟩"
    );
    // Decoding is unchanged: the trace keeps every cell, EOS included.
    assert_eq!(trace.output_ids().iter().filter(|&&t| t == EOS).count(), 4);
    // Without the flag, the same run shows the EOS runs inline.
    assert_eq!(
        shown(&response_pieces(&trace, false)),
        "catcatcatcat⟨eos ×2⟩thecatcat⟨eos ×2⟩"
    );
}

#[test]
fn suppress_eos_keeps_eos_out_of_commits_and_guesses() {
    let params = SamplerParams {
        suppress_eos: true,
        ..SamplerParams::default()
    };
    let req = request("{12}", params);
    let mut model = model_for(&req, 7);
    let trace = generate(&mut model, "tail-eos", &req).unwrap();
    assert!(trace.header.params.suppress_eos);
    let out = trace.output_ids();
    assert!(!out.contains(&EOS), "{out:?}");
    assert_eq!(
        out.iter().filter(|&&t| t == SUN).count(),
        7,
        "the next best"
    );
    for step in &trace.steps {
        assert!(!step.guess_tokens.contains(&EOS), "EOS guessed: {step:?}");
    }
    assert_eq!(
        response_pieces(&trace, false),
        vec![ResponsePiece::Text(
            "catcatcatcatcatsunsunsunsunsunsunsun".into()
        )]
    );
}

#[test]
fn cli_flags_reach_the_trace_header_and_the_text_marks_eos() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("run.trace");
    let o = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args([
            "generate",
            "--model",
            fixture().to_str().unwrap(),
            "--prompt",
            "the cat",
            "--gen-length",
            "8",
            "--steps",
            "4",
            "--suppress-eos",
            "--stop-at-eos",
            "--trace",
            path.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let trace = Trace::load(&path).unwrap();
    assert!(trace.header.params.suppress_eos && trace.header.params.stop_at_eos);
    assert!(!trace.output_ids().contains(&EOS));
    let out = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v["eos_cells"], 0);
    assert!(v["shown"].is_string());
}

// ----- trace format 1 (before the EOS fields) still loads -----

/// `SamplerParams` as format 1 wrote it: no `suppress_eos`, no `stop_at_eos`.
#[derive(Serialize)]
struct ParamsV1 {
    steps: usize,
    block_length: Option<usize>,
    schedule: Schedule,
    remasking: Remasking,
    threshold: Option<f32>,
    factor: Option<f32>,
    temperature: f32,
    top_p: Option<f32>,
    top_k: Option<usize>,
    alg_temp: Option<f32>,
    cfg_scale: f32,
    order: Order,
    seed: u64,
    trace_top_k: usize,
}

#[derive(Serialize)]
struct HeaderV1 {
    format_version: u32,
    unmask_version: String,
    model_id: String,
    model_family: String,
    prompt: String,
    template: String,
    canvas: Canvas,
    params: ParamsV1,
    planned_steps: Option<u32>,
    eos_token_ids: Vec<u32>,
    created_unix_s: u64,
}

#[derive(Serialize)]
struct BodyV1<'a> {
    header: HeaderV1,
    tokens: &'a TokenTable,
    steps: &'a [StepRecord],
    summary: &'a Option<RunSummary>,
}

/// `trace` written as an Unmask with format 1 wrote it.
fn v1_bytes(trace: &Trace) -> Vec<u8> {
    let h = &trace.header;
    let p = &h.params;
    let body = postcard::to_allocvec(&BodyV1 {
        header: HeaderV1 {
            format_version: 1,
            unmask_version: h.unmask_version.clone(),
            model_id: h.model_id.clone(),
            model_family: h.model_family.clone(),
            prompt: h.prompt.clone(),
            template: h.template.clone(),
            canvas: h.canvas.clone(),
            params: ParamsV1 {
                steps: p.steps,
                block_length: p.block_length,
                schedule: p.schedule,
                remasking: p.remasking,
                threshold: p.threshold,
                factor: p.factor,
                temperature: p.temperature,
                top_p: p.top_p,
                top_k: p.top_k,
                alg_temp: p.alg_temp,
                cfg_scale: p.cfg_scale,
                order: p.order.clone(),
                seed: p.seed,
                trace_top_k: p.trace_top_k,
            },
            planned_steps: h.planned_steps,
            eos_token_ids: h.eos_token_ids.clone(),
            created_unix_s: h.created_unix_s,
        },
        tokens: &trace.tokens,
        steps: &trace.steps,
        summary: &trace.summary,
    })
    .unwrap();
    let mut out = MAGIC.to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((body.len() as u64).to_le_bytes());
    out.extend(crc32fast::hash(&body).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn a_version_1_trace_loads_with_the_eos_options_off() {
    let original = synthetic::synthetic_trace(24, 5, 7);
    let loaded = Trace::read_from(v1_bytes(&original).as_slice()).expect("a v1 file loads");
    assert_eq!(loaded.header.format_version, 1);
    assert!(!loaded.header.params.suppress_eos && !loaded.header.params.stop_at_eos);
    assert_eq!(loaded.header.params, original.header.params);
    assert_eq!(loaded.steps, original.steps);
    assert_eq!(loaded.text(), original.text());
}

#[test]
fn the_current_format_round_trips_the_eos_options() {
    let mut trace = synthetic::synthetic_trace(16, 3, 1);
    trace.header.params.suppress_eos = true;
    trace.header.params.stop_at_eos = true;
    let mut bytes = Vec::new();
    trace.write_to(&mut bytes).unwrap();
    assert_eq!(&bytes[8..12], &TRACE_FORMAT_VERSION.to_le_bytes());
    let back = Trace::read_from(bytes.as_slice()).unwrap();
    assert!(back.header.params.suppress_eos && back.header.params.stop_at_eos);
}
