//! Model families: which one a config.json describes, and its [`Arch`] for the shared transformer.
//!
//! | family | recognised by (`model_type` / `architectures`) | layout |
//! |---|---|---|
//! | `llada` | `llada` / `LLaDAModelLM` (LLaDA-8B, LLaDA 1.5, our embedded model) | OLMo names, no bias |
//! | `dream` | `Dream` / `DreamModel` (Dream-v0, Dream-Coder, DiffuCoder) | Qwen2 names, q/k/v bias, **logits shifted by one** |
//! | `qwen2` | `a2d-qwen2` / `A2DQwen2LMHeadModel` (dllm's A2D conversions) | Qwen2 names, q/k/v bias |
//! | `qwen3` | `a2d-qwen3` / `A2DQwen3LMHeadModel` | Qwen2 names + per-head q/k RMSNorm, no bias |
//!
//! A plain `qwen2` / `qwen3` config (`Qwen2ForCausalLM`, `Qwen3ForCausalLM`) describes a causal
//! model and is refused unless config.json carries the Unmask key `"unmask_bidirectional": true`.
//! `"unmask_block_size": N` makes any Qwen-layout family block-causal (BD3LM checkpoints).
//!
//! Shift: Dream reads the prediction for position i from hidden state i−1 (`logits =
//! torch.cat([logits[:, :1], logits[:, :-1]], dim=1)` in DreamLM/Dream's `generation_utils.py`).
//! dllm's A2D models are *not* shifted: `MDLMSampler`/`BD3LMSampler` and `MDLMTrainer` default
//! `right_shift_logits = False` (ZHZisZZ/dllm, `dllm/core/samplers/mdlm.py`, `bd3lm.py`,
//! `dllm/core/trainers/mdlm.py`) and neither `examples/a2d/*/chat.py` nor the Tiny-A2D eval
//! scripts turn it on; only the Dream pipeline sets it (`dllm/pipelines/dream/sampler.py`).

use std::path::Path;

use super::config::{LladaConfig, QwenConfig, RecommendedDecoding};
use super::llada::llada_arch;
use super::loading::LoadError;
use super::transformer::{Arch, QWEN2_NAMES, QWEN3_NAMES};

/// A model family Unmask can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// LLaDA layout (OLMo tensor names).
    Llada,
    /// Dream: Qwen2 layout, shifted logits.
    Dream,
    /// Bidirectional Qwen2 layout (dllm A2D).
    Qwen2,
    /// Bidirectional Qwen3 layout (dllm A2D).
    Qwen3,
}

/// What config.json names as supported, for error messages.
pub const SUPPORTED: &str = "LLaDA (model_type \"llada\", architectures [\"LLaDAModelLM\"]), \
Dream (\"Dream\", [\"DreamModel\"]), dllm A2D conversions (\"a2d-qwen2\" / \"a2d-qwen3\", \
[\"A2DQwen2LMHeadModel\"] / [\"A2DQwen3LMHeadModel\"]), and \"qwen2\" / \"qwen3\" configs that \
carry \"unmask_bidirectional\": true";

impl Family {
    /// The name shown in the model card and written to traces.
    pub fn name(self) -> &'static str {
        match self {
            Family::Llada => "llada",
            Family::Dream => "dream",
            Family::Qwen2 => "qwen2",
            Family::Qwen3 => "qwen3",
        }
    }

    /// Which family config.json describes.
    pub fn detect(path: &Path, json: &serde_json::Value) -> Result<Family, LoadError> {
        let model_type = json
            .get("model_type")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let archs: Vec<&str> = json
            .get("architectures")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        let arch = |name: &str| archs.iter().any(|a| a.eq_ignore_ascii_case(name));
        let bidirectional = json
            .get("unmask_bidirectional")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let is_moe = archs.iter().any(|a| a.to_ascii_lowercase().contains("moe"));
        if !is_moe && (model_type == "llada" || arch("LLaDAModelLM")) {
            return Ok(Family::Llada);
        }
        if model_type == "dream" || arch("DreamModel") {
            return Ok(Family::Dream);
        }
        if model_type == "a2d-qwen2" || arch("A2DQwen2LMHeadModel") {
            return Ok(Family::Qwen2);
        }
        if model_type == "a2d-qwen3" || arch("A2DQwen3LMHeadModel") {
            return Ok(Family::Qwen3);
        }
        let plain = if model_type == "qwen2" || arch("Qwen2ForCausalLM") {
            Some(Family::Qwen2)
        } else if model_type == "qwen3" || arch("Qwen3ForCausalLM") {
            Some(Family::Qwen3)
        } else {
            None
        };
        match plain {
            Some(family) if bidirectional => Ok(family),
            Some(_) => Err(LoadError::CausalModel {
                path: path.to_path_buf(),
                found: format!("model_type {model_type:?}, architectures {archs:?}"),
            }),
            None => Err(LoadError::UnknownArchitecture {
                path: path.to_path_buf(),
                found: format!("model_type {model_type:?}, architectures {archs:?}"),
            }),
        }
    }
}

/// Everything the loader takes from config.json for one model.
#[derive(Clone, Debug)]
pub struct ModelSpec {
    /// The family.
    pub family: Family,
    /// The network's description.
    pub arch: Arch,
    /// `mask_token_id`, when config.json names it.
    pub mask_token_id: Option<u32>,
    /// End ids config.json names.
    pub eos_token_ids: Vec<u32>,
    /// `unmask_prompt_template`, when config.json has it.
    pub prompt_template: Option<String>,
    /// `unmask_recommended_decoding`, when config.json has it.
    pub recommended_decoding: Option<RecommendedDecoding>,
}

/// The largest value each size in a config may take: well above every released model (LLaDA-8B:
/// 32 layers, d_model 4096, vocab 126 464, 4 096 positions; Qwen3: 40 960 positions), and small
/// enough that nothing sized by them (tensor lists, RoPE tables, parameter counts) can exhaust
/// memory or overflow before the weights are checked.
pub const ARCH_LIMITS: [(&str, usize); 7] = [
    ("layers", 1 << 10),
    ("hidden size", 1 << 16),
    ("attention heads", 1 << 10),
    ("head size", 1 << 12),
    ("feed-forward size", 1 << 20),
    ("vocabulary", 1 << 22),
    ("context length", 1 << 20),
];

/// Refuse a config whose sizes cannot describe a real model (see [`ARCH_LIMITS`]).
fn check_limits(arch: &Arch) -> Result<(), String> {
    let values = [
        arch.n_layers,
        arch.d_model,
        arch.n_heads.max(arch.n_kv_heads),
        arch.head_dim,
        arch.ffn,
        arch.rows,
        arch.max_len,
    ];
    for ((what, limit), value) in ARCH_LIMITS.iter().zip(values) {
        if value > *limit {
            return Err(format!(
                "its {what} is {value}, more than any model Unmask can run (at most {limit})"
            ));
        }
    }
    Ok(())
}

fn check_recommendation(recommended: Option<&RecommendedDecoding>) -> Result<(), String> {
    recommended.map_or(Ok(()), RecommendedDecoding::validate)
}

impl ModelSpec {
    /// Parse config.json as the keys of `family`; the error names the file and the key.
    pub fn parse(
        family: Family,
        path: &Path,
        json: serde_json::Value,
    ) -> Result<ModelSpec, LoadError> {
        let bad = |reason: String| LoadError::BadConfig {
            path: path.to_path_buf(),
            reason,
        };
        if family == Family::Llada {
            let cfg: LladaConfig = serde_json::from_value(json).map_err(|e| bad(e.to_string()))?;
            cfg.validate().map_err(bad)?;
            check_recommendation(cfg.unmask_recommended_decoding.as_ref()).map_err(bad)?;
            let arch = llada_arch(&cfg);
            check_limits(&arch).map_err(bad)?;
            return Ok(ModelSpec {
                family,
                arch,
                mask_token_id: cfg.mask_token_id,
                eos_token_ids: cfg.eos_token_id.into_iter().collect(),
                prompt_template: cfg.unmask_prompt_template,
                recommended_decoding: cfg.unmask_recommended_decoding,
            });
        }
        let cfg: QwenConfig = serde_json::from_value(json).map_err(|e| bad(e.to_string()))?;
        cfg.validate().map_err(bad)?;
        check_recommendation(cfg.unmask_recommended_decoding.as_ref()).map_err(bad)?;
        let (names, qkv_bias, o_bias) = match family {
            // Qwen2 (and Dream) always put a bias on q/k/v and none on o.
            Family::Dream | Family::Qwen2 => (QWEN2_NAMES, true, false),
            // Qwen3: `attention_bias` covers q/k/v and o alike (false in every released model).
            _ => {
                let bias = cfg.attention_bias.unwrap_or(false);
                (QWEN3_NAMES, bias, bias)
            }
        };
        let arch = Arch {
            names,
            d_model: cfg.hidden_size,
            n_layers: cfg.num_hidden_layers,
            n_heads: cfg.num_attention_heads,
            n_kv_heads: cfg.kv_heads(),
            head_dim: cfg.head_dim(),
            ffn: cfg.intermediate_size,
            rows: cfg.vocab_size,
            max_len: cfg.max_position_embeddings,
            rope_theta: cfg.rope_theta,
            eps: cfg.rms_norm_eps,
            tied: cfg.tie_word_embeddings,
            qkv_bias,
            o_bias,
            shift_logits: family == Family::Dream,
            block_size: cfg.unmask_block_size,
        };
        check_limits(&arch).map_err(bad)?;
        Ok(ModelSpec {
            family,
            arch,
            mask_token_id: cfg.mask_token_id,
            eos_token_ids: cfg.eos_token_id.map(|e| e.ids()).unwrap_or_default(),
            prompt_template: cfg.unmask_prompt_template,
            recommended_decoding: cfg.unmask_recommended_decoding,
        })
    }

    /// Layers, sizes and the attention pattern, for display.
    pub fn shape(&self) -> String {
        let a = &self.arch;
        let mut text = format!(
            "{} layers, d_model {}, {} heads ({} kv) of {}, mlp {}",
            a.n_layers, a.d_model, a.n_heads, a.n_kv_heads, a.head_dim, a.ffn
        );
        if let Some(b) = a.block_size {
            text.push_str(&format!(", block-causal (block {b})"));
        }
        if a.shift_logits {
            text.push_str(", logits shifted by one");
        }
        text
    }
}
