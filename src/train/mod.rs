//! `unmask train`: the masked-diffusion objective of LLaDA/MDLM on our own data, in candle.
//!
//! Per sequence draw `t ~ U(ε, 1]`, mask each *response* token with probability `t` (prompt tokens
//! stay visible, as in LLaDA's SFT), and minimise the cross-entropy on masked positions weighted by
//! `1/t`, normalised by the response length. Checkpoints are ordinary LLaDA-format model folders.

pub mod batch;
pub mod optim;
pub mod run;

use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::model::config::LladaConfig;
use crate::model::llada::LladaModel;
use crate::model::loading::llada_expected;

pub use batch::{Batch, Example, MaskingParams, make_batch};
pub use optim::{AdamW, AdamWParams, lr_at};
pub use run::{LOCK_FILE, TrainOptions, TrainReport, train};

/// Errors of a training run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// candle failed.
    #[error("training failed in candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The data source failed.
    #[error("training data: {0}")]
    Data(String),
    /// Bad settings.
    #[error("{0}")]
    Settings(String),
    /// Parameters without gradient (a fused op without backward in the graph).
    #[error("these weights receive no gradient: {0}")]
    NoGradient(String),
}

/// Model shape and optimisation settings of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// Hidden size.
    pub d_model: usize,
    /// Blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads.
    pub n_kv_heads: usize,
    /// MLP hidden size.
    pub mlp_hidden_size: usize,
    /// Tokenizer vocabulary size.
    pub vocab_size: usize,
    /// Context the model supports.
    pub max_sequence_length: usize,
    /// Sequences per step.
    pub batch_size: usize,
    /// Optimiser steps.
    pub total_steps: usize,
    /// Warm-up steps.
    pub warmup_steps: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Final learning rate as a fraction of the peak.
    pub min_lr_ratio: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Smallest masking ratio t.
    pub min_mask_ratio: f64,
    /// Seed of initialisation, data and masking.
    pub seed: u64,
    /// Write a checkpoint every this many steps.
    pub checkpoint_every: usize,
    /// Fraction of arithmetic (vs prose) examples.
    pub arith_fraction: f32,
    /// Tokens per prose window.
    pub prose_len: usize,
    /// Fewest operations of a training problem (2 as standard; 1 adds single-clause problems).
    #[serde(default = "default_min_ops")]
    pub min_ops: usize,
    /// Most operations of a training problem (4 as standard; 1 trains on single clauses only).
    #[serde(default = "default_max_ops")]
    pub max_ops: usize,
    /// Share of round numbers (multiples of ten) in training problems (0: uniform).
    #[serde(default)]
    pub round_share: f64,
    /// Share of operations in training problems drawn to carry or borrow in the units column
    /// (0: uniform).
    #[serde(default)]
    pub carry_share: f64,
    /// Share of operations in training problems drawn so the result changes its number of digits
    /// (0: uniform).
    #[serde(default)]
    pub length_share: f64,
    /// Share of arithmetic examples in which computed values are hidden in every copy (see
    /// [`batch::make_batch`]; 0: plain masking only).
    #[serde(default)]
    pub hide_results_share: f64,
    /// Share of examples masked from a random cut of the response to its end, the state
    /// left-to-right decoding meets (see [`batch::make_batch`]; 0: none).
    #[serde(default)]
    pub prefix_share: f64,
    /// Layouts of the arithmetic examples (all three unless narrowed).
    #[serde(default = "default_layouts")]
    pub layouts: Vec<crate::data::Layout>,
}

fn default_layouts() -> Vec<crate::data::Layout> {
    crate::data::arith::LAYOUTS.to_vec()
}

fn default_min_ops() -> usize {
    *crate::data::arith::OPS_RANGE.start()
}

fn default_max_ops() -> usize {
    *crate::data::arith::OPS_RANGE.end()
}

impl TrainParams {
    /// The preset CI uses to prove the loss goes down (well under a minute on 2 cores).
    pub fn smoke() -> Self {
        Self {
            d_model: 64,
            n_layers: 2,
            n_heads: 4,
            n_kv_heads: 2,
            mlp_hidden_size: 128,
            vocab_size: 384,
            max_sequence_length: 256,
            batch_size: 8,
            total_steps: 80,
            warmup_steps: 10,
            lr: 3e-3,
            min_lr_ratio: 0.1,
            weight_decay: 0.0,
            min_mask_ratio: 1e-3,
            seed: 0,
            checkpoint_every: 40,
            arith_fraction: 0.7,
            prose_len: 48,
            min_ops: default_min_ops(),
            max_ops: default_max_ops(),
            round_share: 0.0,
            carry_share: 0.0,
            length_share: 0.0,
            hide_results_share: 0.0,
            prefix_share: 0.0,
            layouts: default_layouts(),
        }
    }

    /// The shipped default model (about 1.6 M parameters: sized so that training fits in about two
    /// hours on a 2-core CPU).
    pub fn small() -> Self {
        Self {
            d_model: 128,
            n_layers: 6,
            n_heads: 4,
            n_kv_heads: 4,
            mlp_hidden_size: 384,
            vocab_size: 2048,
            max_sequence_length: 512,
            batch_size: 32,
            total_steps: 2300,
            warmup_steps: 200,
            lr: 2e-3,
            min_lr_ratio: 0.05,
            weight_decay: 0.1,
            min_mask_ratio: 1e-3,
            seed: 0,
            checkpoint_every: 250,
            arith_fraction: 0.7,
            prose_len: 96,
            min_ops: default_min_ops(),
            max_ops: default_max_ops(),
            round_share: 0.0,
            carry_share: 0.0,
            length_share: 0.0,
            hide_results_share: 0.0,
            prefix_share: 0.0,
            layouts: default_layouts(),
        }
    }

    /// The shipped default model's shape since v2: about 3.3 M parameters, trained on a GPU
    /// (`--device cuda`) with large batches; the same code trains it on a CPU, only slower.
    pub fn base() -> Self {
        Self {
            d_model: 192,
            n_layers: 6,
            n_heads: 6,
            n_kv_heads: 6,
            mlp_hidden_size: 512,
            batch_size: 256,
            total_steps: 6000,
            warmup_steps: 300,
            lr: 2e-3,
            checkpoint_every: 500,
            ..Self::small()
        }
    }

    /// A preset by name.
    pub fn preset(name: &str) -> Result<Self, TrainError> {
        match name {
            "smoke" => Ok(Self::smoke()),
            "small" => Ok(Self::small()),
            "base" => Ok(Self::base()),
            other => Err(TrainError::Settings(format!(
                "unknown preset {other:?}: use smoke, small or base"
            ))),
        }
    }

    /// Refuse settings a run cannot use, with the flag to change: no sequences per step, no
    /// steps, no checkpoints, or a learning rate that is not a positive number. (The data mix is
    /// checked by [`crate::data::TrainingStream::new`], the model shape by the config's own check.)
    pub fn validate(&self) -> Result<(), TrainError> {
        let refuse = |what: &str| Err(TrainError::Settings(what.to_string()));
        if self.batch_size == 0 {
            return refuse("--batch-size must be at least 1");
        }
        if self.total_steps == 0 {
            return refuse("--steps must be at least 1");
        }
        if self.checkpoint_every == 0 {
            return refuse("--checkpoint-every must be at least 1 (a checkpoint every N steps)");
        }
        for (flag, share) in [
            ("--hide-results", self.hide_results_share),
            ("--prefix-share", self.prefix_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(TrainError::Settings(format!(
                    "{flag} must be between 0 and 1, got {share}"
                )));
            }
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(TrainError::Settings(format!(
                "--lr must be a positive number, got {}",
                self.lr
            )));
        }
        Ok(())
    }

    /// The LLaDA config this run writes.
    pub fn model_config(&self, mask_id: u32, eos_id: u32, prompt_template: &str) -> LladaConfig {
        LladaConfig {
            d_model: self.d_model,
            n_layers: self.n_layers,
            n_heads: self.n_heads,
            n_kv_heads: Some(self.n_kv_heads),
            mlp_hidden_size: self.mlp_hidden_size,
            vocab_size: self.vocab_size,
            embedding_size: Some(self.vocab_size),
            max_sequence_length: self.max_sequence_length,
            rope_theta: 10_000.0,
            rms_norm_eps: 1e-5,
            include_bias: false,
            weight_tying: true,
            activation_type: "silu".into(),
            block_type: "llama".into(),
            mask_token_id: Some(mask_id),
            eos_token_id: Some(eos_id),
            unmask_prompt_template: Some(prompt_template.into()),
            unmask_recommended_decoding: None,
            scale_logits: None,
            alibi: None,
            attention_layer_norm: None,
            rope: None,
            architectures: vec!["LLaDAModelLM".into()],
            model_type: Some("llada".into()),
        }
    }
}

/// Where a run stands; written next to each checkpoint as `train_state.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimiser steps done.
    pub step: usize,
    /// Settings of the run.
    pub params: TrainParams,
    /// Wall time spent so far, seconds.
    pub elapsed_s: f64,
    /// Training tokens seen (all positions of all sequences).
    pub tokens_seen: u64,
    /// Mean loss over the last logging window.
    pub last_loss: f32,
}

/// Deterministic initial weights: N(0, 0.02) matrices (residual outputs scaled by 1/√(2L)), unit norms.
pub fn init_varmap(cfg: &LladaConfig, seed: u64, device: &Device) -> Result<VarMap, TrainError> {
    let varmap = VarMap::new();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1417_a11c);
    let resid_scale = 1.0 / (2.0 * cfg.n_layers as f64).sqrt();
    {
        let mut data = varmap
            .data()
            .lock()
            .map_err(|_| TrainError::Settings("variable map lock poisoned".into()))?;
        for (name, shape) in llada_expected(cfg) {
            let n: usize = shape.iter().product();
            let values: Vec<f32> = if shape.len() == 1 {
                vec![1.0; n]
            } else {
                let residual_out = name.ends_with("attn_out.weight")
                    || (name.contains(".blocks.") && name.ends_with(".ff_out.weight"));
                let std = if residual_out {
                    0.02 * resid_scale
                } else {
                    0.02
                };
                (0..n).map(|_| normal(&mut rng) * std as f32).collect()
            };
            let t = Tensor::from_vec(values, shape.as_slice(), device)?;
            data.insert(name, Var::from_tensor(&t)?);
        }
    }
    Ok(varmap)
}

fn normal(rng: &mut impl Rng) -> f32 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// Build the model over a var map, in training mode.
pub fn model_from_varmap(
    varmap: &VarMap,
    cfg: &LladaConfig,
    device: &Device,
) -> Result<LladaModel, TrainError> {
    let vb = VarBuilder::from_varmap(varmap, DType::F32, device);
    let mut model = LladaModel::load(vb, cfg)?;
    model.training = true;
    Ok(model)
}

/// Masked-diffusion loss of a batch: Σ over masked positions of CE / (t · response_len), averaged
/// over sequences. Only masked rows go through the LM head.
pub fn batch_loss(
    model: &LladaModel,
    batch: &Batch,
    device: &Device,
) -> Result<Tensor, TrainError> {
    let ids = Tensor::from_vec(
        batch.input_ids.clone(),
        (batch.batch_size, batch.seq_len),
        device,
    )?;
    let hidden = model.hidden(&ids)?;
    let d = hidden.dim(2)?;
    let flat = hidden.reshape((batch.batch_size * batch.seq_len, d))?;
    let rows = Tensor::new(batch.masked_rows.as_slice(), device)?;
    let picked = flat.index_select(&rows, 0)?;
    let logits = model.head_logits(&picked)?;
    let log_probs = candle_nn::ops::log_softmax(&logits, 1)?;
    let targets = Tensor::new(batch.targets.as_slice(), device)?.unsqueeze(1)?;
    let nll = log_probs.gather(&targets, 1)?.squeeze(1)?.neg()?;
    let weights = Tensor::new(batch.weights.as_slice(), device)?;
    Ok((nll * weights)?.sum_all()?)
}

/// Save a model folder (config.json, model.safetensors, tokenizer.json) into `dir`.
pub fn save_model_folder(
    dir: &Path,
    varmap: &VarMap,
    cfg: &LladaConfig,
    tokenizer_json: &str,
) -> Result<(), TrainError> {
    let io = |path: &Path, e: &dyn std::fmt::Display| TrainError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
    let cfg_path = dir.join("config.json");
    let text = serde_json::to_string_pretty(cfg).map_err(|e| io(&cfg_path, &e))?;
    write_atomic(&cfg_path, text.as_bytes())?;
    let weights = dir.join("model.safetensors");
    let tmp = dir.join("model.safetensors.tmp");
    varmap.save(&tmp)?;
    std::fs::rename(&tmp, &weights).map_err(|e| io(&weights, &e))?;
    write_atomic(&dir.join("tokenizer.json"), tokenizer_json.as_bytes())?;
    Ok(())
}

/// Write via a temporary file and rename, so a crash never leaves half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| TrainError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Per-step seed so that a resumed run sees the same data and masks as an uninterrupted one.
pub fn step_seed(seed: u64, step: usize) -> u64 {
    let mut x = seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

/// Timing helper for progress lines.
pub struct Throughput {
    start: Instant,
    tokens: u64,
}

impl Default for Throughput {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            tokens: 0,
        }
    }
}

impl Throughput {
    /// Count tokens processed.
    pub fn add(&mut self, tokens: u64) {
        self.tokens += tokens;
    }
    /// Tokens per second since creation.
    pub fn tokens_per_s(&self) -> f64 {
        self.tokens as f64 / self.start.elapsed().as_secs_f64().max(1e-9)
    }
}
