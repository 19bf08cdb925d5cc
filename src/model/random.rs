//! Random-weight models at the true sizes of real checkpoints, for speed measurements
//! (`unmask bench --shape llada-8b`) on machines that cannot download the real weights.
//!
//! Each shape is the real model's config.json (its sizes and family keys), parsed by the same
//! code that reads a downloaded folder, so the network built is the one the real weights would
//! fill.

use std::path::Path;
use std::sync::Arc;

use candle_core::quantized::QTensor;
use candle_core::{DType, Device, Result, Tensor};
use serde_json::json;

use super::family::{Family, ModelSpec};
use super::gguf::{QuantType, head_tensor_name, storage_type};
use super::loading::LoadError;
use super::transformer::{Transformer, Weight, WeightSource};

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

/// Hands out N(0, 0.02) matrices (quantised like `unmask quantize` would, when asked), zero
/// biases and unit norm weights.
struct RandomWeights {
    dtype: DType,
    device: Device,
    quant: Option<QuantType>,
    head: String,
}

impl WeightSource for RandomWeights {
    fn device(&self) -> Device {
        self.device.clone()
    }

    fn dtype(&self) -> DType {
        self.dtype
    }

    fn vector(&self, name: &str, len: usize) -> Result<Tensor> {
        if name.ends_with(".bias") {
            Tensor::zeros(len, self.dtype, &self.device)
        } else {
            Tensor::ones(len, self.dtype, &self.device)
        }
    }

    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Weight> {
        match self.quant {
            None => Tensor::randn(0f32, 0.02, (rows, cols), &self.device)?
                .to_dtype(self.dtype)
                .map(Weight::Dense),
            Some(q) => {
                let dense = Tensor::randn(0f32, 0.02, (rows, cols), &Device::Cpu)?;
                let storage = storage_type(q, &[rows, cols], name == self.head);
                let qt = QTensor::quantize_onto(&dense, storage, &self.device)?;
                Ok(Weight::Quant(Arc::new(qt)))
            }
        }
    }
}

/// The network of `spec` with random weights, projections stacked as the loader does.
pub fn random_transformer(spec: &ModelSpec, dtype: DType, device: &Device) -> Result<Transformer> {
    let src = RandomWeights {
        dtype,
        device: device.clone(),
        quant: None,
        head: head_tensor_name(&spec.arch),
    };
    Transformer::from_source_fused(&src, &spec.arch)
}

/// The network of `spec` with random weights quantised to `quant` by the rule of
/// `unmask quantize` (activations in f32).
pub fn random_quantized_transformer(
    spec: &ModelSpec,
    quant: QuantType,
    device: &Device,
) -> Result<Transformer> {
    let src = RandomWeights {
        dtype: DType::F32,
        device: device.clone(),
        quant: Some(quant),
        head: head_tensor_name(&spec.arch),
    };
    Transformer::from_source(&src, &spec.arch)
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

    fn small_qwen3() -> ModelSpec {
        let mut spec = shape_spec("qwen3-0.6b").unwrap().unwrap();
        spec.arch.d_model = 32;
        spec.arch.n_layers = 1;
        spec.arch.n_heads = 2;
        spec.arch.n_kv_heads = 1;
        spec.arch.head_dim = 16;
        spec.arch.ffn = 64;
        spec.arch.rows = 50;
        spec.arch.max_len = 16;
        spec
    }

    #[test]
    fn a_small_random_model_gives_finite_logits() {
        let net = random_transformer(&small_qwen3(), DType::F32, &Device::Cpu).unwrap();
        let logits = net.logits_rows(&[1, 2, 3, 4], &[0, 3]).unwrap();
        assert_eq!(logits.dims(), &[2, 50]);
        let v = logits.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(v.iter().all(|x| x.is_finite()));
    }

    /// Largest absolute difference between two tensors of the same shape.
    fn max_abs_diff(a: Tensor, b: Tensor) -> f32 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    }

    /// A family's real layout at a tiny size: 2 layers, d 32, heads of 16, vocabulary 50.
    fn tiny(family: &str, n_heads: usize, n_kv_heads: usize) -> ModelSpec {
        let mut spec = shape_spec(family).unwrap().unwrap();
        spec.arch.d_model = 32;
        spec.arch.n_layers = 2;
        spec.arch.n_heads = n_heads;
        spec.arch.n_kv_heads = n_kv_heads;
        spec.arch.head_dim = 16;
        spec.arch.ffn = 64;
        spec.arch.rows = 50;
        spec.arch.max_len = 16;
        spec
    }

    #[test]
    fn stacked_projections_give_the_same_logits() {
        for family in ["qwen2.5-coder-0.5b", "llada-8b"] {
            let small = small_qwen3();
            let spec = tiny(family, small.arch.n_heads, small.arch.n_kv_heads);
            let src = RandomWeights {
                dtype: DType::F32,
                device: Device::Cpu,
                quant: None,
                head: head_tensor_name(&spec.arch),
            };
            let separate = Transformer::from_source(&src, &spec.arch).unwrap();
            let stacked = separate.clone().fused().unwrap();
            let tokens = [1, 2, 3, 4, 5, 6];
            let a = separate.logits_rows(&tokens, &[0, 2, 5]).unwrap();
            let b = stacked.logits_rows(&tokens, &[0, 2, 5]).unwrap();
            let diff = max_abs_diff(a, b);
            assert!(diff < 1e-5, "{family}: {diff}");
        }
    }

    #[test]
    fn logits_of_some_rows_match_the_whole_canvas() {
        // Plain, shifted (Dream) and block-causal (BD3-LM) layouts, rows in any order, repeated.
        for (family, block_size) in [
            ("llada-8b", None),
            ("dream-7b", None),
            ("llada-8b", Some(2)),
        ] {
            let mut spec = tiny(family, 2, 2);
            spec.arch.block_size = block_size;
            let net = random_transformer(&spec, DType::F32, &Device::Cpu).unwrap();
            let tokens = [1u32, 7, 3, 9, 5, 6, 2];
            let rows = [6u32, 0, 3, 3];
            let picked = net.logits_rows(&tokens, &rows).unwrap();
            let ids = Tensor::new(&tokens[..], &Device::Cpu)
                .unwrap()
                .unsqueeze(0)
                .unwrap();
            let all = net
                .head_logits(&net.hidden(&ids, false).unwrap().squeeze(0).unwrap())
                .unwrap();
            let source: Vec<u32> = rows.iter().map(|&r| spec.arch.source_row(r)).collect();
            let want = all
                .index_select(&Tensor::new(source.as_slice(), &Device::Cpu).unwrap(), 0)
                .unwrap();
            let diff = max_abs_diff(picked, want);
            assert!(diff < 1e-5, "{family} {block_size:?}: {diff}");
        }
    }

    #[test]
    fn a_quantised_random_model_gives_finite_logits() {
        let mut spec = small_qwen3();
        spec.arch.d_model = 256;
        spec.arch.head_dim = 128;
        spec.arch.ffn = 512;
        for q in QuantType::ALL {
            let net = random_quantized_transformer(&spec, q, &Device::Cpu).unwrap();
            let logits = net.logits_rows(&[1, 2, 3, 4], &[0, 3]).unwrap();
            assert_eq!(logits.dims(), &[2, 50], "{q:?}");
            let v = logits.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            assert!(v.iter().all(|x| x.is_finite()), "{q:?}");
        }
    }
}
