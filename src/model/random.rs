//! Random-weight models at the true sizes of real checkpoints, for speed measurements
//! (`unmask bench --shape llada-8b`) on machines that cannot download the real weights.
//!
//! Each shape is the real model's config.json (its sizes and family keys), parsed by the same
//! code that reads a downloaded folder, so the network built is the one the real weights would
//! fill.

use std::path::Path;

use candle_core::{DType, Device, Result, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder};
use serde_json::json;

use super::family::{Family, ModelSpec};
use super::loading::LoadError;
use super::transformer::Transformer;

/// Shapes `--shape` accepts, with the checkpoint each imitates.
pub const SHAPES: &[(&str, &str)] = &[
    ("llada-8b", "GSAI-ML/LLaDA-8B-Instruct (8.0 B)"),
    (
        "dream-7b",
        "Dream-org/Dream-v0-Instruct-7B (7.6 B, shifted logits)",
    ),
    (
        "qwen3-0.6b",
        "dllm-hub/Qwen3-0.6B-diffusion-mdlm-v0.1 (0.6 B)",
    ),
    (
        "qwen2.5-coder-0.5b",
        "dllm-hub/Qwen2.5-Coder-0.5B-Instruct-diffusion-mdlm-v0.1 (0.5 B)",
    ),
];

/// The config.json of a named shape and its family.
fn shape_json(name: &str) -> Option<(Family, serde_json::Value)> {
    let qwen = |model_type: &str, arch: &str, extra: serde_json::Value| {
        let mut v = json!({
            "model_type": model_type, "architectures": [arch], "hidden_act": "silu",
            "rope_theta": 1_000_000.0, "rms_norm_eps": 1e-6, "attention_bias": false,
            "use_sliding_window": false, "sliding_window": null, "rope_scaling": null,
        });
        if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
            obj.extend(more.clone());
        }
        v
    };
    match name {
        "llada-8b" => Some((
            Family::Llada,
            json!({
                "architectures": ["LLaDAModelLM"], "model_type": "llada", "d_model": 4096,
                "n_layers": 32, "n_heads": 32, "n_kv_heads": 32, "mlp_hidden_size": 12288,
                "vocab_size": 126464, "embedding_size": 126464, "max_sequence_length": 4096,
                "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "include_bias": false,
                "weight_tying": false, "activation_type": "silu", "block_type": "llama",
                "mask_token_id": 126336, "eos_token_id": 126081,
            }),
        )),
        "dream-7b" => Some((
            Family::Dream,
            qwen(
                "Dream",
                "DreamModel",
                json!({
                    "hidden_size": 3584, "num_hidden_layers": 28, "num_attention_heads": 28,
                    "num_key_value_heads": 4, "intermediate_size": 18944, "vocab_size": 152064,
                    "max_position_embeddings": 4096, "tie_word_embeddings": false,
                    "mask_token_id": 151666, "eos_token_id": 151643,
                }),
            ),
        )),
        "qwen3-0.6b" => Some((
            Family::Qwen3,
            qwen(
                "a2d-qwen3",
                "A2DQwen3LMHeadModel",
                json!({
                    "hidden_size": 1024, "num_hidden_layers": 28, "num_attention_heads": 16,
                    "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 3072,
                    "vocab_size": 151936, "max_position_embeddings": 4096,
                    "tie_word_embeddings": true, "eos_token_id": 151645,
                }),
            ),
        )),
        "qwen2.5-coder-0.5b" => Some((
            Family::Qwen2,
            qwen(
                "a2d-qwen2",
                "A2DQwen2LMHeadModel",
                json!({
                    "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14,
                    "num_key_value_heads": 2, "intermediate_size": 4864, "vocab_size": 151936,
                    "max_position_embeddings": 4096, "tie_word_embeddings": true,
                    "eos_token_id": 151645,
                }),
            ),
        )),
        _ => None,
    }
}

/// The parsed spec of a named shape (`None` for an unknown name).
pub fn shape_spec(name: &str) -> Option<std::result::Result<ModelSpec, LoadError>> {
    let (family, json) = shape_json(name)?;
    Some(ModelSpec::parse(
        family,
        Path::new(&format!("<shape {name}>")),
        json,
    ))
}

/// Hands out N(0, 0.02) matrices, zero biases and unit norm weights, created on the device.
struct RandomBackend;

impl SimpleBackend for RandomBackend {
    fn get(&self, s: Shape, name: &str, _h: Init, dtype: DType, dev: &Device) -> Result<Tensor> {
        if s.rank() == 1 && name.ends_with(".bias") {
            Tensor::zeros(s, dtype, dev)
        } else if s.rank() == 1 {
            Tensor::ones(s, dtype, dev)
        } else {
            Tensor::randn(0f32, 0.02, s, dev)?.to_dtype(dtype)
        }
    }

    fn get_unchecked(&self, name: &str, _dtype: DType, _dev: &Device) -> Result<Tensor> {
        Err(candle_core::Error::Msg(format!(
            "random weights need a shape for {name}"
        )))
    }

    fn contains_tensor(&self, _name: &str) -> bool {
        true
    }
}

/// The network of `spec` with random weights.
pub fn random_transformer(spec: &ModelSpec, dtype: DType, device: &Device) -> Result<Transformer> {
    let vb = VarBuilder::from_backend(Box::new(RandomBackend), dtype, device.clone());
    Transformer::load(vb, &spec.arch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_shape_parses_with_the_real_sizes() {
        let billions = |name: &str| {
            let spec = shape_spec(name).unwrap().unwrap();
            spec.arch.n_params() as f64 / 1e9
        };
        assert!((billions("llada-8b") - 8.02).abs() < 0.01);
        assert!((billions("dream-7b") - 7.62).abs() < 0.01);
        assert!((billions("qwen3-0.6b") - 0.60).abs() < 0.01);
        assert!((billions("qwen2.5-coder-0.5b") - 0.49).abs() < 0.01);
        for (name, _) in SHAPES {
            assert!(shape_spec(name).unwrap().is_ok(), "{name}");
        }
        assert!(shape_spec("gpt-9").is_none());
        assert!(shape_spec("dream-7b").unwrap().unwrap().arch.shift_logits);
    }

    #[test]
    fn a_small_random_model_gives_finite_logits() {
        let mut spec = shape_spec("qwen3-0.6b").unwrap().unwrap();
        spec.arch.d_model = 32;
        spec.arch.n_layers = 1;
        spec.arch.n_heads = 2;
        spec.arch.n_kv_heads = 1;
        spec.arch.head_dim = 16;
        spec.arch.ffn = 64;
        spec.arch.rows = 50;
        spec.arch.max_len = 16;
        let net = random_transformer(&spec, DType::F32, &Device::Cpu).unwrap();
        let logits = net.logits_rows(&[1, 2, 3, 4], &[0, 3]).unwrap();
        assert_eq!(logits.dims(), &[2, 50]);
        let v = logits.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(v.iter().all(|x| x.is_finite()));
    }
}
