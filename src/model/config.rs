//! `LladaConfig`: the OLMo-style keys of a LLaDA config.json.

use serde::{Deserialize, Serialize};

use crate::sampler::SamplerSettings;

/// The decoding a model folder recommends for itself: `"unmask_recommended_decoding"` in
/// config.json, e.g. `{"threshold": 0.99}` (an Unmask extension key, like
/// `unmask_prompt_template`). Exactly one schedule: a confidence `threshold`, a confidence-aware
/// `factor`, or a fixed number of `steps`. The app opens the model at it, and `unmask generate` /
/// `unmask eval` use it when no decoding flag is given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendedDecoding {
    /// Commit every cell at least this sure, 0 < τ ≤ 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
    /// Fast-dLLM's factor f > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f32>,
    /// A fixed number of denoising steps (the quota schedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
}

impl RecommendedDecoding {
    /// Exactly one schedule, each in its range; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let set = [
            self.threshold.is_some(),
            self.factor.is_some(),
            self.steps.is_some(),
        ];
        if set.iter().filter(|s| **s).count() != 1 {
            return Err(
                "unmask_recommended_decoding must name exactly one of threshold, factor or steps"
                    .into(),
            );
        }
        match (self.threshold, self.factor, self.steps) {
            (Some(t), _, _) if !(t > 0.0 && t <= 1.0) => Err(format!(
                "unmask_recommended_decoding: threshold {t} is not in (0, 1]"
            )),
            (_, Some(f), _) if !(f > 0.0 && f.is_finite()) => Err(format!(
                "unmask_recommended_decoding: factor {f} is not positive"
            )),
            (_, _, Some(0)) => Err("unmask_recommended_decoding: steps must be positive".into()),
            _ => Ok(()),
        }
    }

    /// `settings` with this schedule instead of theirs (every other knob kept).
    pub fn apply(&self, settings: &mut SamplerSettings) {
        settings.threshold = self.threshold;
        settings.factor = self.factor;
        settings.steps = self.steps;
    }

    /// A few words for the UI and the CLI ("threshold 0.99", "factor 1", "60 steps").
    pub fn describe(&self) -> String {
        match (self.threshold, self.factor, self.steps) {
            (Some(t), _, _) => format!("threshold {t}"),
            (_, Some(f), _) => format!("factor {f}"),
            (_, _, Some(n)) => format!("{n} steps"),
            _ => "the default decoding".into(),
        }
    }
}

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
    /// The decoding this model is best watched with (an Unmask extension key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmask_recommended_decoding: Option<RecommendedDecoding>,
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
        check_common(
            self.unmask_prompt_template.as_deref(),
            self.mask_token_id,
            &self.eos_token_id.into_iter().collect::<Vec<_>>(),
        )?;
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

/// Checks shared by every family (sizes are bounded by `family::ARCH_LIMITS`): a prompt template
/// with its `{prompt}`, and a mask id that is not an end-of-sequence id.
fn check_common(
    prompt_template: Option<&str>,
    mask_id: Option<u32>,
    eos_ids: &[u32],
) -> Result<(), String> {
    if let Some(t) = prompt_template
        && !t.contains("{prompt}")
    {
        return Err(format!(
            "unmask_prompt_template {t:?} has no {{prompt}}: the prompt would never reach the model"
        ));
    }
    if let Some(mask) = mask_id
        && eos_ids.contains(&mask)
    {
        return Err(format!(
            "mask_token_id {mask} is also an eos_token_id: masks and the end of text must differ"
        ));
    }
    Ok(())
}

/// An id key that config.json may write as a number or a list of numbers (`eos_token_id`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// `"eos_token_id": 151643`
    One(u32),
    /// `"eos_token_id": [151643, 151645]`
    Many(Vec<u32>),
}

impl OneOrMany {
    /// The ids, in order.
    pub fn ids(&self) -> Vec<u32> {
        match self {
            Self::One(id) => vec![*id],
            Self::Many(ids) => ids.clone(),
        }
    }
}

fn default_qwen_eps() -> f64 {
    1e-6
}
fn default_max_positions() -> usize {
    32_768
}
fn default_hidden_act() -> String {
    "silu".into()
}

/// The keys of a Hugging Face Qwen2/Qwen3-style `config.json` (Dream, A2D Qwen2, A2D Qwen3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QwenConfig {
    /// Hidden size.
    pub hidden_size: usize,
    /// Number of transformer blocks.
    pub num_hidden_layers: usize,
    /// Query heads.
    pub num_attention_heads: usize,
    /// Key/value heads; defaults to `num_attention_heads`.
    #[serde(default)]
    pub num_key_value_heads: Option<usize>,
    /// Size of one head (Qwen3); defaults to `hidden_size / num_attention_heads`.
    #[serde(default)]
    pub head_dim: Option<usize>,
    /// Hidden size of the SwiGLU MLP.
    pub intermediate_size: usize,
    /// Rows of the embedding and the head (may exceed the tokenizer's vocabulary).
    pub vocab_size: usize,
    /// Longest sequence.
    #[serde(default = "default_max_positions")]
    pub max_position_embeddings: usize,
    /// RoPE base.
    #[serde(default = "default_rope_theta")]
    pub rope_theta: f64,
    /// RMSNorm epsilon.
    #[serde(default = "default_qwen_eps")]
    pub rms_norm_eps: f64,
    /// The head is the embedding matrix.
    #[serde(default)]
    pub tie_word_embeddings: bool,
    /// Qwen3: biases on q/k/v/o (Qwen2 always has q/k/v bias and no o bias).
    #[serde(default)]
    pub attention_bias: Option<bool>,
    /// MLP activation (only `silu`).
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    /// RoPE scaling (unsupported unless null).
    #[serde(default)]
    pub rope_scaling: Option<serde_json::Value>,
    /// Sliding-window attention (unsupported when true).
    #[serde(default)]
    pub use_sliding_window: bool,
    /// The mask id (Dream names it here).
    #[serde(default)]
    pub mask_token_id: Option<u32>,
    /// End-of-sequence id(s).
    #[serde(default)]
    pub eos_token_id: Option<OneOrMany>,
    /// Padding id.
    #[serde(default)]
    pub pad_token_id: Option<u32>,
    /// Prompt format with a `{prompt}` placeholder (an Unmask extension key).
    #[serde(default)]
    pub unmask_prompt_template: Option<String>,
    /// The decoding this model is best watched with (an Unmask extension key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmask_recommended_decoding: Option<RecommendedDecoding>,
    /// Unmask extension key: run a plain `qwen2` / `qwen3` (causal LM) config as a bidirectional
    /// denoiser. Without it such a config is refused, because its weights were trained causally.
    #[serde(default)]
    pub unmask_bidirectional: bool,
    /// Unmask extension key: block-causal attention with this block size (BD3LM checkpoints such
    /// as dllm-hub's `*-bd3lm-*`, whose config.json does not record the block size).
    #[serde(default)]
    pub unmask_block_size: Option<usize>,
    /// `architectures` as written.
    #[serde(default)]
    pub architectures: Vec<String>,
    /// `model_type` as written.
    #[serde(default)]
    pub model_type: Option<String>,
}

impl QwenConfig {
    /// Key/value heads, defaulting to the query heads.
    pub fn kv_heads(&self) -> usize {
        self.num_key_value_heads.unwrap_or(self.num_attention_heads)
    }

    /// Size of one attention head.
    pub fn head_dim(&self) -> usize {
        self.head_dim
            .unwrap_or(self.hidden_size / self.num_attention_heads.max(1))
    }

    /// Check the numbers fit together; the message says which key is wrong.
    pub fn validate(&self) -> Result<(), String> {
        check_common(
            self.unmask_prompt_template.as_deref(),
            self.mask_token_id,
            &self
                .eos_token_id
                .as_ref()
                .map(OneOrMany::ids)
                .unwrap_or_default(),
        )?;
        if self.hidden_size == 0 || self.num_attention_heads == 0 || self.num_hidden_layers == 0 {
            return Err(
                "hidden_size, num_attention_heads and num_hidden_layers must be positive".into(),
            );
        }
        if self.head_dim.is_none() && !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(format!(
                "hidden_size {} is not divisible by num_attention_heads {} (and no head_dim is given)",
                self.hidden_size, self.num_attention_heads
            ));
        }
        if self.head_dim() == 0 || !self.head_dim().is_multiple_of(2) {
            return Err(format!(
                "head size {} must be even for RoPE",
                self.head_dim()
            ));
        }
        let kv = self.kv_heads();
        if kv == 0 || !self.num_attention_heads.is_multiple_of(kv) {
            return Err(format!(
                "num_key_value_heads {kv} must divide num_attention_heads {}",
                self.num_attention_heads
            ));
        }
        if self.hidden_act != "silu" {
            return Err(format!(
                "hidden_act {:?} is not supported (silu)",
                self.hidden_act
            ));
        }
        if self.rope_scaling.as_ref().is_some_and(|v| !v.is_null()) {
            return Err("rope_scaling is not supported (it must be null)".into());
        }
        if self.use_sliding_window {
            return Err("use_sliding_window = true is not supported".into());
        }
        if self.unmask_block_size == Some(0) {
            return Err("unmask_block_size must be positive".into());
        }
        Ok(())
    }
}
