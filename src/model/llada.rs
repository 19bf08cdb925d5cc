//! The LLaDA architecture (LLaMA-style blocks, OLMo tensor names) with bidirectional attention.
//!
//! Tensor names follow GSAI-ML/LLaDA-8B-Instruct exactly (`model.transformer.blocks.{i}.q_proj.weight`
//! …), so the same code loads that checkpoint and our embedded model. `training = true` switches to
//! candle ops that have a backward pass (the fused RMSNorm/RoPE/softmax kernels have none).

use candle_core::{D, DType, Device, Module, Result, Tensor};
use candle_nn::{Linear, VarBuilder};

use super::config::LladaConfig;

/// One transformer block.
#[derive(Clone, Debug)]
struct LladaBlock {
    attn_norm: Tensor,
    q_proj: Linear,
    k_proj: Linear,
    v_proj: Linear,
    attn_out: Linear,
    ff_norm: Tensor,
    ff_proj: Linear,
    up_proj: Linear,
    ff_out: Linear,
}

/// A LLaDA-architecture masked-diffusion model.
#[derive(Clone, Debug)]
pub struct LladaModel {
    cfg: LladaConfig,
    wte: Tensor,
    blocks: Vec<LladaBlock>,
    ln_f: Tensor,
    head: Tensor,
    cos: Tensor,
    sin: Tensor,
    dtype: DType,
    /// Use ops with a backward pass (slower) instead of fused kernels.
    pub training: bool,
}

fn linear(vb: &VarBuilder, out_dim: usize, in_dim: usize, name: &str) -> Result<Linear> {
    Ok(Linear::new(
        vb.get((out_dim, in_dim), &format!("{name}.weight"))?,
        None,
    ))
}

impl LladaModel {
    /// Walk the checkpoint's tensor names under `model.transformer`.
    pub fn load(vb: VarBuilder, cfg: &LladaConfig) -> Result<Self> {
        let d = cfg.d_model;
        let hd = cfg.head_dim();
        let kv_dim = cfg.kv_heads() * hd;
        let rows = cfg.embedding_rows();
        let vt = vb.pp("model").pp("transformer");
        let wte = vt.get((rows, d), "wte.weight")?;
        let mut blocks = Vec::with_capacity(cfg.n_layers);
        for i in 0..cfg.n_layers {
            let vbb = vt.pp("blocks").pp(i);
            blocks.push(LladaBlock {
                attn_norm: vbb.get(d, "attn_norm.weight")?,
                q_proj: linear(&vbb, d, d, "q_proj")?,
                k_proj: linear(&vbb, kv_dim, d, "k_proj")?,
                v_proj: linear(&vbb, kv_dim, d, "v_proj")?,
                attn_out: linear(&vbb, d, d, "attn_out")?,
                ff_norm: vbb.get(d, "ff_norm.weight")?,
                ff_proj: linear(&vbb, cfg.mlp_hidden_size, d, "ff_proj")?,
                up_proj: linear(&vbb, cfg.mlp_hidden_size, d, "up_proj")?,
                ff_out: linear(&vbb, d, cfg.mlp_hidden_size, "ff_out")?,
            });
        }
        let ln_f = vt.get(d, "ln_f.weight")?;
        let head = if cfg.weight_tying {
            wte.clone()
        } else {
            vt.get((rows, d), "ff_out.weight")?
        };
        let (cos, sin) = rope_tables(cfg, vb.device())?;
        Ok(Self {
            cfg: cfg.clone(),
            wte,
            blocks,
            ln_f,
            head,
            cos,
            sin,
            dtype: vb.dtype(),
            training: false,
        })
    }

    /// The configuration this model was built from.
    pub fn config(&self) -> &LladaConfig {
        &self.cfg
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        self.wte.device()
    }

    fn rms_norm(&self, x: &Tensor, w: &Tensor) -> Result<Tensor> {
        let eps = self.cfg.rms_norm_eps as f32;
        if self.training {
            candle_nn::ops::rms_norm_slow(x, w, eps)
        } else if self.dtype == DType::F32 {
            candle_nn::ops::rms_norm(x, w, eps)
        } else {
            // RMSNorm in fp32, as the reference does.
            let y =
                candle_nn::ops::rms_norm(&x.to_dtype(DType::F32)?, &w.to_dtype(DType::F32)?, eps)?;
            y.to_dtype(self.dtype)
        }
    }

    fn rope(&self, x: &Tensor, seq_len: usize) -> Result<Tensor> {
        let cos = self.cos.narrow(0, 0, seq_len)?;
        let sin = self.sin.narrow(0, 0, seq_len)?;
        let x32 = x.to_dtype(DType::F32)?.contiguous()?;
        let y = if self.training {
            candle_nn::rotary_emb::rope_slow(&x32, &cos, &sin)?
        } else {
            candle_nn::rotary_emb::rope(&x32, &cos, &sin)?
        };
        y.to_dtype(self.dtype)
    }

    fn attention(&self, block: &LladaBlock, x: &Tensor) -> Result<Tensor> {
        let (b, s, d) = x.dims3()?;
        let h = self.cfg.n_heads;
        let kvh = self.cfg.kv_heads();
        let hd = self.cfg.head_dim();
        let q = block
            .q_proj
            .forward(x)?
            .reshape((b, s, h, hd))?
            .transpose(1, 2)?;
        let k = block
            .k_proj
            .forward(x)?
            .reshape((b, s, kvh, hd))?
            .transpose(1, 2)?;
        let v = block
            .v_proj
            .forward(x)?
            .reshape((b, s, kvh, hd))?
            .transpose(1, 2)?;
        let q = self.rope(&q, s)?;
        let k = self.rope(&k, s)?;
        let (k, v) = if kvh != h {
            let rep = h / kvh;
            let expand = |t: &Tensor| -> Result<Tensor> {
                t.unsqueeze(2)?
                    .expand((b, kvh, rep, s, hd))?
                    .reshape((b, h, s, hd))
            };
            (expand(&k)?, expand(&v.contiguous()?)?)
        } else {
            (k.contiguous()?, v.contiguous()?)
        };
        let scale = 1.0 / (hd as f64).sqrt();
        // Scores and softmax in fp32; no causal mask: every position sees every other.
        let scores = (q
            .to_dtype(DType::F32)?
            .matmul(&k.to_dtype(DType::F32)?.t()?)?
            * scale)?;
        let probs = if self.training {
            candle_nn::ops::softmax(&scores, D::Minus1)?
        } else {
            candle_nn::ops::softmax_last_dim(&scores)?
        };
        let out = probs.to_dtype(self.dtype)?.matmul(&v)?;
        let out = out.transpose(1, 2)?.reshape((b, s, d))?;
        block.attn_out.forward(&out)
    }

    /// Final hidden states after `ln_f`, `[batch, seq, d_model]`.
    pub fn hidden(&self, ids: &Tensor) -> Result<Tensor> {
        let (_b, s) = ids.dims2()?;
        if s > self.cfg.max_sequence_length {
            candle_core::bail!(
                "sequence of {s} tokens exceeds max_sequence_length {}",
                self.cfg.max_sequence_length
            );
        }
        let mut x = candle_nn::Embedding::new(self.wte.clone(), self.cfg.d_model).forward(ids)?;
        for block in &self.blocks {
            let n = self.rms_norm(&x, &block.attn_norm)?;
            x = (&x + self.attention(block, &n)?)?;
            let n = self.rms_norm(&x, &block.ff_norm)?;
            let gate = candle_nn::ops::silu(&block.ff_proj.forward(&n)?)?;
            let up = block.up_proj.forward(&n)?;
            x = (&x + block.ff_out.forward(&(gate * up)?)?)?;
        }
        self.rms_norm(&x, &self.ln_f)
    }

    /// LM head applied to hidden states `[n, d_model]` → `[n, embedding_rows]`.
    pub fn head_logits(&self, hidden: &Tensor) -> Result<Tensor> {
        hidden.matmul(&self.head.t()?)
    }

    /// Logits for every position, `[batch, seq, embedding_rows]`.
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let h = self.hidden(ids)?;
        h.broadcast_matmul(&self.head.t()?)
    }

    /// Logits (f32) of the given rows of one sequence, `[rows.len(), embedding_rows]`; only those
    /// rows go through the LM head.
    pub fn logits_rows(&self, tokens: &[u32], rows: &[u32]) -> Result<Tensor> {
        let device = self.device();
        let ids = Tensor::new(tokens, device)?.unsqueeze(0)?;
        let h = self.hidden(&ids)?.squeeze(0)?;
        let idx = Tensor::new(rows, device)?;
        let h = h.index_select(&idx, 0)?;
        h.matmul(&self.head.t()?)?.to_dtype(DType::F32)
    }
}

/// Rotate-half RoPE tables in fp32, `[max_sequence_length, head_dim / 2]`.
fn rope_tables(cfg: &LladaConfig, device: &Device) -> Result<(Tensor, Tensor)> {
    let hd = cfg.head_dim();
    let inv_freq: Vec<f32> = (0..hd / 2)
        .map(|i| (1.0 / cfg.rope_theta.powf(2.0 * i as f64 / hd as f64)) as f32)
        .collect();
    let n = cfg.max_sequence_length;
    let inv_freq = Tensor::new(inv_freq.as_slice(), device)?.reshape((1, hd / 2))?;
    let t = Tensor::arange(0u32, n as u32, device)?
        .to_dtype(DType::F32)?
        .reshape((n, 1))?;
    let freqs = t.broadcast_mul(&inv_freq)?;
    Ok((freqs.cos()?, freqs.sin()?))
}
