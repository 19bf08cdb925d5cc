//! Random-weight models at the true sizes of real checkpoints, for speed measurements
//! (`unmask bench --shape llada-8b`) on machines that cannot download the real weights.

use candle_core::{DType, Device, Result, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder};

use super::config::LladaConfig;
use super::llada::LladaModel;

/// Shapes `--shape` accepts, with what they imitate.
pub const SHAPES: &[(&str, &str)] = &[
    (
        "llada-8b",
        "GSAI-ML/LLaDA-8B-Instruct: 32 layers, d 4096, MLP 12288, vocab 126464",
    ),
    (
        "llada-1b",
        "a 1B LLaDA-layout model: 16 layers, d 2048, MLP 5632, vocab 126464",
    ),
];

/// The config of a named shape.
pub fn shape_config(name: &str) -> Option<LladaConfig> {
    let base = |d_model, n_layers, n_heads, mlp| LladaConfig {
        d_model,
        n_layers,
        n_heads,
        n_kv_heads: Some(n_heads),
        mlp_hidden_size: mlp,
        vocab_size: 126_464,
        embedding_size: Some(126_464),
        max_sequence_length: 4096,
        rope_theta: 500_000.0,
        rms_norm_eps: 1e-5,
        include_bias: false,
        weight_tying: false,
        activation_type: "silu".into(),
        block_type: "llama".into(),
        mask_token_id: Some(126_336),
        eos_token_id: Some(126_081),
        unmask_prompt_template: None,
        scale_logits: None,
        alibi: None,
        attention_layer_norm: None,
        rope: None,
        architectures: vec!["LLaDAModelLM".into()],
        model_type: Some("llada".into()),
    };
    match name {
        "llada-8b" => Some(base(4096, 32, 32, 12_288)),
        "llada-1b" => Some(base(2048, 16, 16, 5632)),
        _ => None,
    }
}

/// Hands out N(0, 0.02) matrices and unit norm weights, created directly on the device.
struct RandomBackend;

impl SimpleBackend for RandomBackend {
    fn get(&self, s: Shape, _name: &str, _h: Init, dtype: DType, dev: &Device) -> Result<Tensor> {
        if s.rank() == 1 {
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

/// A LLaDA model of `cfg`'s shape with random weights.
pub fn random_llada(cfg: &LladaConfig, dtype: DType, device: &Device) -> Result<LladaModel> {
    let vb = VarBuilder::from_backend(Box::new(RandomBackend), dtype, device.clone());
    LladaModel::load(vb, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_shape_has_a_valid_config() {
        for (name, _) in SHAPES {
            let cfg = shape_config(name).unwrap();
            cfg.validate().unwrap();
        }
        assert!(shape_config("gpt-9").is_none());
    }

    #[test]
    fn a_small_random_model_gives_finite_logits() {
        let cfg = LladaConfig {
            d_model: 32,
            n_layers: 1,
            n_heads: 2,
            n_kv_heads: Some(2),
            mlp_hidden_size: 64,
            vocab_size: 50,
            embedding_size: Some(50),
            max_sequence_length: 16,
            ..shape_config("llada-1b").unwrap()
        };
        let model = random_llada(&cfg, DType::F32, &Device::Cpu).unwrap();
        let logits = model.logits_rows(&[1, 2, 3, 4], &[0, 3]).unwrap();
        assert_eq!(logits.dims(), &[2, 50]);
        let v = logits.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(v.iter().all(|x| x.is_finite()));
    }
}
