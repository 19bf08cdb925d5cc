//! The run loop shared by the worker, the CLI and eval: canvas → denoiser → sampler → trace.
//!
//! [`Generation`] advances one step at a time so that its caller (the worker thread) can check for
//! cancellation and stream every [`StepRecord`] as soon as it exists.

use std::collections::HashSet;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use half::f16;
use serde::{Deserialize, Serialize};

use crate::canvas::{Canvas, CanvasError, CellKind, parse_template};
use crate::model::tokens::TokenDescriber;
use crate::model::{LoadedModel, ModelError};
use crate::sampler::{ParamsError, Sampler, SamplerError, SamplerParams, cfg_combine};
use crate::trace::{
    Cell, RunOutcome, RunSummary, StepRecord, TextJoiner, TokenTable, Trace, TraceError,
    TraceHeader,
};

/// The prompt the app and `unmask bench` start with: a held-out problem of the kind the embedded
/// model was trained on, on which answer first and reasoning first differ (see
/// [`crate::lessons::CONTRAST_PROMPT`]).
pub const DEFAULT_PROMPT: &str = crate::lessons::CONTRAST_PROMPT;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The user's prompt (formatted with the model's prompt template unless `raw_prompt`).
    pub prompt: String,
    /// Response template in the canvas syntax (`{64}` for a plain span of 64 masks).
    pub template: String,
    /// Decoding parameters.
    pub params: SamplerParams,
    /// Use the prompt as-is, without the model's prompt template.
    pub raw_prompt: bool,
}

impl GenerateRequest {
    /// A plain request: `gen_length` masks after the prompt.
    pub fn plain(prompt: &str, gen_length: usize, params: SamplerParams) -> Self {
        Self {
            prompt: prompt.to_string(),
            template: format!("{{{gen_length}}}"),
            params,
            raw_prompt: false,
        }
    }
}

/// Why a run could not start or continue.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The template or canvas is invalid (too long, bad syntax…).
    #[error(transparent)]
    Canvas(#[from] CanvasError),
    /// Parameters are invalid.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The sampler rejected its input.
    #[error(transparent)]
    Sampler(#[from] SamplerError),
    /// The trace rejected a step (a bug if it happens).
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The prompt could not be tokenised.
    #[error("could not tokenise the prompt: {0}")]
    Tokenize(String),
}

/// A run in progress.
pub struct Generation<'m> {
    model: &'m mut LoadedModel,
    sampler: Sampler,
    canvas: Canvas,
    trace: Trace,
    describer: TokenDescriber,
    known: HashSet<u32>,
    started: Instant,
    committed: usize,
}

/// Tokenise text without adding special tokens: the same piecewise encoding the training data
/// uses, so pinned template text becomes exactly the cells the model was trained on.
fn encode_text(tokenizer: &tokenizers::Tokenizer, text: &str) -> Result<Vec<u32>, String> {
    crate::data::tokenizer::encode_piece(tokenizer, text).map_err(|e| e.to_string())
}

/// Build the canvas a request describes for a model.
pub fn build_canvas(model: &LoadedModel, req: &GenerateRequest) -> Result<Canvas, RunError> {
    let formatted = if req.raw_prompt {
        req.prompt.clone()
    } else {
        model.info.prompt_template.replace("{prompt}", &req.prompt)
    };
    let prompt_ids = encode_text(&model.tokenizer, &formatted).map_err(RunError::Tokenize)?;
    let parts = parse_template(&req.template)?;
    Ok(Canvas::build(
        &prompt_ids,
        &parts,
        model.info.mask_token_id,
        model.info.max_context,
        |t| encode_text(&model.tokenizer, t),
    )?)
}

impl<'m> Generation<'m> {
    /// Validate everything and prepare the first step (no forward pass yet).
    pub fn new(
        model: &'m mut LoadedModel,
        model_id: &str,
        req: &GenerateRequest,
    ) -> Result<Self, RunError> {
        let canvas = build_canvas(model, req)?;
        let sampler = Sampler::new(req.params.clone(), &canvas, model.info.vocab_size)?
            .with_end_tokens(&model.info.eos_token_ids);
        let describer = TokenDescriber::new(&model.tokenizer);
        let mut tokens = TokenTable::new();
        let mut known = HashSet::new();
        for &id in canvas.tokens.iter().chain(&model.info.eos_token_ids) {
            if known.insert(id) {
                tokens.insert(id, describer.describe(&model.tokenizer, id));
            }
        }
        let header = TraceHeader {
            format_version: crate::trace::TRACE_FORMAT_VERSION,
            unmask_version: env!("CARGO_PKG_VERSION").to_string(),
            model_id: model_id.to_string(),
            model_family: model.info.family.clone(),
            prompt: req.prompt.clone(),
            template: req.template.clone(),
            canvas: canvas.clone(),
            params: req.params.clone(),
            planned_steps: sampler.planned_steps().map(|s| s as u32),
            eos_token_ids: model.info.eos_token_ids.clone(),
            created_unix_s: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        };
        Ok(Self {
            model,
            sampler,
            canvas,
            trace: Trace::new(header, tokens),
            describer,
            known,
            started: Instant::now(),
            committed: 0,
        })
    }

    /// The trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// No mask left.
    pub fn is_done(&self) -> bool {
        self.sampler.is_done(&self.canvas)
    }

    /// One denoising step: forward pass(es), sampling, and the record appended to the trace.
    pub fn step(&mut self) -> Result<&StepRecord, RunError> {
        let rows = self.canvas.still_masked();
        let t0 = Instant::now();
        let mut logits = self.model.denoiser.logits(&self.canvas.tokens, &rows)?;
        if self.sampler.needs_uncond() {
            let mut uncond_tokens = self.canvas.tokens.clone();
            for (tok, kind) in uncond_tokens.iter_mut().zip(&self.canvas.kinds) {
                if *kind == CellKind::Prompt {
                    *tok = self.canvas.mask_id;
                }
            }
            let uncond = self.model.denoiser.logits(&uncond_tokens, &rows)?;
            cfg_combine(&mut logits, &uncond, self.sampler.params().cfg_scale);
        }
        if self.sampler.params().suppress_eos {
            suppress_tokens(
                &mut logits,
                self.model.info.vocab_size,
                &self.model.info.eos_token_ids,
            );
        }
        let forward_ms = t0.elapsed().as_secs_f32() * 1e3;
        let t1 = Instant::now();
        let decision = self.sampler.step(&mut self.canvas, &logits)?;
        let top_k = self.sampler.params().trace_top_k;
        let mut record = StepRecord {
            commits: decision.commits,
            guess_pos: Vec::with_capacity(decision.guesses.len()),
            guess_tokens: Vec::with_capacity(decision.guesses.len() * top_k),
            guess_probs: Vec::with_capacity(decision.guesses.len() * top_k),
            top_k: top_k as u8,
            forward_ms,
            sampling_ms: 0.0,
            new_tokens: Vec::new(),
        };
        for guess in &decision.guesses {
            record.guess_pos.push(guess.pos);
            for i in 0..top_k {
                let (tok, p) = guess
                    .top
                    .get(i)
                    .copied()
                    .unwrap_or((self.canvas.mask_id, 0.0));
                record.guess_tokens.push(tok);
                record.guess_probs.push(f16::from_f32(p));
            }
        }
        let ids: Vec<u32> = record
            .commits
            .iter()
            .map(|c| c.token)
            .chain(record.guess_tokens.iter().copied())
            .collect();
        for id in ids {
            if self.known.insert(id) {
                record
                    .new_tokens
                    .push((id, self.describer.describe(&self.model.tokenizer, id)));
            }
        }
        self.committed += record.commits.len();
        record.sampling_ms = t1.elapsed().as_secs_f32() * 1e3;
        self.trace.push_step(record)?;
        self.trace
            .steps
            .last()
            .ok_or_else(|| RunError::Tokenize("internal: step was not recorded".into()))
    }

    /// Close the run with an outcome and return its trace.
    pub fn finish(mut self, outcome: RunOutcome) -> Trace {
        let elapsed_ms = self.started.elapsed().as_secs_f64() * 1e3;
        self.trace.finish(RunSummary {
            outcome,
            elapsed_ms,
            tokens_per_s: self.committed as f64 / (elapsed_ms / 1e3).max(1e-9),
        });
        self.trace
    }
}

/// Set the logits of `ids` to −∞ in every row of `logits` (rows of `vocab` values): what
/// [`SamplerParams::suppress_eos`] does with the model's EOS/EOT ids before each step is scored.
pub fn suppress_tokens(logits: &mut [f32], vocab: usize, ids: &[u32]) {
    if vocab == 0 {
        return;
    }
    for row in logits.chunks_exact_mut(vocab) {
        for &id in ids {
            if let Some(x) = row.get_mut(id as usize) {
                *x = f32::NEG_INFINITY;
            }
        }
    }
}

/// One piece of a response as text output shows it: EOS cells are never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponsePiece {
    /// Text (pinned template text and committed tokens; other special tokens skipped).
    Text(String),
    /// A run of this many consecutive EOS/EOT cells.
    Eos(usize),
    /// With `stop_at_eos`: this many cells of a span, from its first EOS/EOT to its end, left out.
    Cut(usize),
}

impl ResponsePiece {
    /// The piece as plain text: text as is, `⟨eos⟩` / `⟨eos ×37⟩`, `⟨eos: 37 cells cut⟩`.
    pub fn plain(&self) -> String {
        match self {
            ResponsePiece::Text(t) => t.clone(),
            ResponsePiece::Eos(1) => "⟨eos⟩".into(),
            ResponsePiece::Eos(n) => format!("⟨eos ×{n}⟩"),
            ResponsePiece::Cut(1) => "⟨eos: 1 cell cut⟩".into(),
            ResponsePiece::Cut(n) => format!("⟨eos: {n} cells cut⟩"),
        }
    }
}

/// The final response of `trace` split at its EOS/EOT cells (the ids in the trace header). With
/// `stop_at_eos`, each masked span ends at its first EOS/EOT: the rest of that span becomes one
/// [`ResponsePiece::Cut`] (pinned text after the span is still shown). Masks left by a cancelled
/// run are skipped.
pub fn response_pieces(trace: &Trace, stop_at_eos: bool) -> Vec<ResponsePiece> {
    let canvas = &trace.header.canvas;
    let frame = trace.frame_at(trace.steps.len());
    let mut pieces = Vec::new();
    let mut text = TextJoiner::default();
    let flush = |text: &mut TextJoiner, pieces: &mut Vec<ResponsePiece>| {
        if !text.is_empty() {
            pieces.push(ResponsePiece::Text(text.take()));
        }
    };
    // (span region, cells cut so far) while the rest of a span is being cut.
    let mut cutting: Option<(u16, usize)> = None;
    for (cell, kind) in frame.cells.iter().zip(&canvas.kinds) {
        let region = match kind {
            CellKind::Prompt => continue,
            CellKind::Pinned => None,
            CellKind::Masked { region } => Some(*region),
        };
        if let Some((span, n)) = cutting {
            if region == Some(span) {
                cutting = Some((span, n + 1));
                continue;
            }
            pieces.push(ResponsePiece::Cut(n));
            cutting = None;
        }
        let token = match cell {
            Cell::Fixed { token } | Cell::Committed { token, .. } => trace.token_text(*token),
            Cell::Masked { .. } => continue,
        };
        if token.eos {
            flush(&mut text, &mut pieces);
            if stop_at_eos && let Some(span) = region {
                cutting = Some((span, 1));
            } else if let Some(ResponsePiece::Eos(n)) = pieces.last_mut() {
                *n += 1;
            } else {
                pieces.push(ResponsePiece::Eos(1));
            }
            continue;
        }
        if !token.special {
            text.push_bytes(token.bytes);
        }
    }
    flush(&mut text, &mut pieces);
    if let Some((_, n)) = cutting {
        pieces.push(ResponsePiece::Cut(n));
    }
    pieces
}

/// Run to completion without streaming (eval, tests).
pub fn generate(
    model: &mut LoadedModel,
    model_id: &str,
    req: &GenerateRequest,
) -> Result<Trace, RunError> {
    let mut run = Generation::new(model, model_id, req)?;
    while !run.is_done() {
        run.step()?;
    }
    Ok(run.finish(RunOutcome::Finished))
}
