//! The LLaDA architecture (LLaMA-style blocks, OLMo tensor names) with bidirectional attention.
//!
//! Tensor names follow GSAI-ML/LLaDA-8B-Instruct exactly (`model.transformer.blocks.{i}.q_proj.weight`
//! …), so the same code loads that checkpoint, LLaDA 1.5 and our embedded model. The network is the
//! shared [`Transformer`] with [`LLADA_NAMES`]; this type is what training builds from a LLaDA
//! config. `training = true` switches to candle ops that have a backward pass (the fused
//! RMSNorm/RoPE/softmax kernels have none).

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::config::LladaConfig;
use super::transformer::{Arch, LLADA_NAMES, Transformer};

/// A LLaDA-architecture masked-diffusion model.
#[derive(Clone, Debug)]
pub struct LladaModel {
    net: Transformer,
    /// Use ops with a backward pass (slower) instead of fused kernels.
    pub training: bool,
}

/// The shared-transformer description of a LLaDA config.
pub fn llada_arch(cfg: &LladaConfig) -> Arch {
    Arch {
        names: LLADA_NAMES,
        d_model: cfg.d_model,
        n_layers: cfg.n_layers,
        n_heads: cfg.n_heads,
        n_kv_heads: cfg.kv_heads(),
        head_dim: cfg.head_dim(),
        ffn: cfg.mlp_hidden_size,
        rows: cfg.embedding_rows(),
        max_len: cfg.max_sequence_length,
        rope_theta: cfg.rope_theta,
        eps: cfg.rms_norm_eps,
        tied: cfg.weight_tying,
        qkv_bias: false,
        o_bias: false,
        shift_logits: false,
        block_size: None,
    }
}

impl LladaModel {
    /// Walk the checkpoint's tensor names under `model.transformer`.
    pub fn load(vb: VarBuilder, cfg: &LladaConfig) -> Result<Self> {
        Ok(Self {
            net: Transformer::load(vb, &llada_arch(cfg))?,
            training: false,
        })
    }

    /// Final hidden states after `ln_f`, `[batch, seq, d_model]`.
    pub fn hidden(&self, ids: &Tensor) -> Result<Tensor> {
        self.net.hidden(ids, self.training)
    }

    /// LM head applied to hidden states `[n, d_model]` → `[n, embedding_rows]`.
    pub fn head_logits(&self, hidden: &Tensor) -> Result<Tensor> {
        self.net.head_logits(hidden)
    }
}
