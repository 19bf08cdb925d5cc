//! Denoisers: models that predict logits for every position of a canvas.
//!
//! `load_model` reads a model folder (config.json + safetensors + tokenizer), recognises the
//! family from config.json (LLaDA, Dream, dllm's A2D Qwen2/Qwen3: see [`family`]) and returns a
//! boxed [`Denoiser`] with its tokenizer and a [`ModelInfo`]. Every family runs on the one
//! [`transformer::Transformer`].

pub mod config;
pub mod device;
pub mod family;
pub mod gguf;
pub mod gguf_check;
pub mod kernels;
pub mod llada;
pub mod loading;
pub mod open;
pub mod random;
pub mod tokenizer_files;
pub mod tokens;
pub mod transformer;

pub use device::{DeviceChoice, DeviceError, DtypeError, WeightDtype};
pub use loading::{LoadError, LoadOptions, LoadedModel, load_model, load_model_with_progress};
pub use open::{OpenError, OpenProgress, open_model};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A model that fills masks: logits for any rows of a canvas, seen whole (bidirectionally).
pub trait Denoiser: Send {
    /// Row-major f32 logits `[rows.len(), vocab_size]` for the positions `rows` of `tokens`.
    fn logits(&mut self, tokens: &[u32], rows: &[u32]) -> Result<Vec<f32>, ModelError>;
}

/// A forward pass that failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The canvas is longer than the model's context.
    #[error("the canvas has {len} tokens but the model's context is {max}")]
    TooLong {
        /// Canvas length.
        len: usize,
        /// Model context.
        max: usize,
    },
    /// A token id outside the vocabulary.
    #[error("token id {id} at position {pos} is outside the vocabulary of {vocab}")]
    BadToken {
        /// The id.
        id: u32,
        /// Where.
        pos: usize,
        /// Vocabulary size.
        vocab: usize,
    },
    /// candle reported an error.
    #[error("model forward failed: {}", candle_reason(.0))]
    Candle(#[from] candle_core::Error),
}

/// Static facts about a loaded model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Folder path, hub id or name the user gave.
    pub id: String,
    /// Family (`llada`, `dream`, `qwen2`, `qwen3`).
    pub family: String,
    /// Logit row width.
    pub vocab_size: usize,
    /// Id of the mask token.
    pub mask_token_id: u32,
    /// End-of-sequence / end-of-turn ids.
    pub eos_token_ids: Vec<u32>,
    /// Longest canvas.
    pub max_context: usize,
    /// Parameter count.
    pub n_params: usize,
    /// Layers, hidden size, heads (for display).
    pub shape: String,
    /// Weight dtype in use (`f32`, `bf16`, `f16`).
    pub dtype: String,
    /// Device in use (`cpu`).
    pub device: String,
    /// Prompt format with a `{prompt}` placeholder.
    pub prompt_template: String,
    /// The decoding its folder recommends (`unmask_recommended_decoding` in config.json).
    pub recommended_decoding: Option<config::RecommendedDecoding>,
}

/// The embedded model is not where the build put it.
#[derive(Debug, thiserror::Error)]
#[error(
    "the embedded model is missing from {}: restore assets/model from git, or pass --model DIR",
    .0.display()
)]
pub struct EmbeddedModelMissing(pub PathBuf);

/// The embedded model shipped in `assets/model`: beside the crate's manifest, else under the
/// working directory.
pub fn default_model_dir() -> Result<PathBuf, EmbeddedModelMissing> {
    let candidates = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/model"),
        PathBuf::from("assets/model"),
    ];
    match candidates.iter().find(|p| p.join("config.json").is_file()) {
        Some(dir) => Ok(dir.clone()),
        None => Err(EmbeddedModelMissing(candidates[0].clone())),
    }
}

/// candle's message without the backtrace it carries when `RUST_BACKTRACE` is set, so errors
/// stay one line.
pub fn candle_reason(e: &candle_core::Error) -> String {
    match e {
        candle_core::Error::WithBacktrace { inner, .. } => candle_reason(inner),
        other => other.to_string(),
    }
}

/// Refuse a canvas the network cannot take: too long, or holding an id past the logit rows.
fn check_canvas(tokens: &[u32], max: usize, vocab: usize) -> Result<(), ModelError> {
    if tokens.len() > max {
        return Err(ModelError::TooLong {
            len: tokens.len(),
            max,
        });
    }
    if let Some((pos, &id)) = tokens
        .iter()
        .enumerate()
        .find(|(_, id)| **id as usize >= vocab)
    {
        return Err(ModelError::BadToken { id, pos, vocab });
    }
    Ok(())
}

/// Any family's network as a [`Denoiser`] (what `load_model` returns).
pub struct TransformerDenoiser {
    /// The network.
    pub net: transformer::Transformer,
}

impl Denoiser for TransformerDenoiser {
    fn logits(&mut self, tokens: &[u32], rows: &[u32]) -> Result<Vec<f32>, ModelError> {
        let arch = self.net.arch();
        check_canvas(tokens, arch.max_len, arch.rows)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // On the CPU, run the pass on one of candle's (rayon's) worker threads: the calling thread
        // then sleeps instead of competing for the cores with workers that spin between matmuls
        // (embedded model's default run: ~650 → ~860 tokens/s on 2 cores). GPU passes stay on
        // the calling thread, which holds the device context.
        let net = &self.net;
        let logits = if net.device().is_cpu() {
            rayon::scope(|_| net.logits_rows(tokens, rows))?
        } else {
            net.logits_rows(tokens, rows)?
        };
        Ok(logits.flatten_all()?.to_vec1::<f32>()?)
    }
}
