//! `LladaConfig`: the OLMo-style keys of a LLaDA config.json.

use serde::{Deserialize, Serialize};

fn default_rope_theta() -> f64 {
    10_000.0
}
fn default_eps() -> f64 {
    1e-5
}
fn default_activation() -> String {
    "silu".into()
}
fn default_block_type() -> String {
    "llama".into()
}

/// The subset of a LLaDA (OLMo-style) `config.json` that the forward pass needs, plus the ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LladaConfig {
    /// Hidden size.
    pub d_model: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads (grouped-query attention when fewer than `n_heads`); defaults to `n_heads`.
    #[serde(default)]
    pub n_kv_heads: Option<usize>,
    /// Hidden size of the SwiGLU MLP.
    pub mlp_hidden_size: usize,
    /// Tokenizer vocabulary size.
    pub vocab_size: usize,
    /// Rows of the embedding and LM head (may pad `vocab_size`).
    #[serde(default)]
    pub embedding_size: Option<usize>,
    /// Longest canvas the model was trained for.
    pub max_sequence_length: usize,
    /// RoPE base.
    #[serde(default = "default_rope_theta")]
    pub rope_theta: f64,
    /// RMSNorm epsilon.
    #[serde(default = "default_eps")]
    pub rms_norm_eps: f64,
    /// Linear layers carry biases (unsupported when true).
    #[serde(default)]
    pub include_bias: bool,
    /// The LM head is the embedding matrix.
    #[serde(default)]
    pub weight_tying: bool,
    /// MLP activation (`silu` / `swiglu`).
    #[serde(default = "default_activation")]
    pub activation_type: String,
    /// Block layout (`llama` / `sequential`).
    #[serde(default = "default_block_type")]
    pub block_type: String,
    /// The `[MASK]` id, when config.json names it.
    #[serde(default)]
    pub mask_token_id: Option<u32>,
    /// End-of-sequence id, when config.json names it.
    #[serde(default)]
    pub eos_token_id: Option<u32>,
    /// Prompt format with a `{prompt}` placeholder (an Unmask extension key).
    #[serde(default)]
    pub unmask_prompt_template: Option<String>,
    /// OLMo option: scale logits by 1/sqrt(d_model) (unsupported when true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_logits: Option<bool>,
    /// OLMo option: ALiBi positions instead of RoPE (unsupported when true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alibi: Option<bool>,
    /// OLMo option: RMSNorm on q/k inside attention (unsupported when true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention_layer_norm: Option<bool>,
    /// OLMo option: rotary embeddings on (unsupported when false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rope: Option<bool>,
    /// `architectures` as written (kept for the model card / inspect).
    #[serde(default)]
    pub architectures: Vec<String>,
    /// `model_type` as written.
    #[serde(default)]
    pub model_type: Option<String>,
}

impl LladaConfig {
    /// Key/value heads, defaulting to the query heads.
    pub fn kv_heads(&self) -> usize {
        self.n_kv_heads.unwrap_or(self.n_heads)
    }

    /// Rows of the embedding / head.
    pub fn embedding_rows(&self) -> usize {
        self.embedding_size.unwrap_or(self.vocab_size)
    }

    /// Size of one attention head.
    pub fn head_dim(&self) -> usize {
        self.d_model / self.n_heads
    }

    /// Check the numbers fit together; the message says which key is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.d_model == 0 || self.n_heads == 0 || self.n_layers == 0 {
            return Err("d_model, n_heads and n_layers must be positive".into());
        }
        if !self.d_model.is_multiple_of(self.n_heads) {
            return Err(format!(
                "d_model {} is not divisible by n_heads {}",
                self.d_model, self.n_heads
            ));
        }
        if !self.head_dim().is_multiple_of(2) {
            return Err(format!(
                "head size {} must be even for RoPE",
                self.head_dim()
            ));
        }
        let kv = self.kv_heads();
        if kv == 0 || !self.n_heads.is_multiple_of(kv) {
            return Err(format!(
                "n_kv_heads {kv} must divide n_heads {}",
                self.n_heads
            ));
        }
        if self.embedding_rows() < self.vocab_size {
            return Err(format!(
                "embedding_size {} is smaller than vocab_size {}",
                self.embedding_rows(),
                self.vocab_size
            ));
        }
        if self.include_bias {
            return Err("include_bias = true is not supported for the LLaDA family".into());
        }
        for (key, value, supported) in [
            ("scale_logits", self.scale_logits, false),
            ("alibi", self.alibi, false),
            ("attention_layer_norm", self.attention_layer_norm, false),
            ("rope", self.rope, true),
        ] {
            if value.is_some_and(|v| v != supported) {
                return Err(format!("{key} = {} is not supported", !supported));
            }
        }
        if !matches!(self.activation_type.as_str(), "silu" | "swiglu") {
            return Err(format!(
                "activation_type {:?} is not supported (silu/swiglu)",
                self.activation_type
            ));
        }
        Ok(())
    }

    /// Number of parameters the checkpoint holds.
    pub fn n_params(&self) -> usize {
        let d = self.d_model;
        let kv_dim = self.kv_heads() * self.head_dim();
        let per_block = d * d * 2 + d * kv_dim * 2 + 3 * d * self.mlp_hidden_size + 2 * d;
        let emb = self.embedding_rows() * d;
        let head = if self.weight_tying { 0 } else { emb };
        emb + head + self.n_layers * per_block + d
    }
}
