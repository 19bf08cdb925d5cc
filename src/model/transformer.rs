//! One pre-norm transformer for every family, parameterised by a small [`Arch`]: tensor names,
//! biases, per-head q/k norms, the attention pattern and the logit shift.
//!
//! LLaDA, Dream and the A2D Qwen2/Qwen3 conversions are the same network (RMSNorm → attention
//! with rotate-half RoPE → residual → RMSNorm → SwiGLU MLP → residual, final RMSNorm, LM head);
//! they differ only in what [`Arch`] records. `training = true` switches to candle ops that have a
//! backward pass (the fused RMSNorm/RoPE/softmax kernels have none).

use std::sync::Arc;

use candle_core::quantized::{QMatMul, QTensor};
use candle_core::{D, DType, Device, Module, Result, Tensor};
use candle_nn::{Linear, VarBuilder};

/// Checkpoint tensor names of one family (each without its `.weight` / `.bias` suffix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorNames {
    /// Token embedding.
    pub embed: &'static str,
    /// Prefix of block `i`: `{layers}.{i}`.
    pub layers: &'static str,
    /// RMSNorm before attention (inside a block).
    pub attn_norm: &'static str,
    /// Query projection.
    pub q_proj: &'static str,
    /// Key projection.
    pub k_proj: &'static str,
    /// Value projection.
    pub v_proj: &'static str,
    /// Attention output projection.
    pub o_proj: &'static str,
    /// Per-head RMSNorm on queries and keys (Qwen3), when the family has them.
    pub qk_norm: Option<(&'static str, &'static str)>,
    /// RMSNorm before the MLP.
    pub ff_norm: &'static str,
    /// MLP gate (SiLU applied to it).
    pub gate_proj: &'static str,
    /// MLP up projection.
    pub up_proj: &'static str,
    /// MLP down projection.
    pub down_proj: &'static str,
    /// Final RMSNorm.
    pub final_norm: &'static str,
    /// LM head (unused with tied embeddings).
    pub head: &'static str,
}

/// LLaDA / OLMo names (`model.transformer.blocks.{i}.q_proj` …).
pub const LLADA_NAMES: TensorNames = TensorNames {
    embed: "model.transformer.wte",
    layers: "model.transformer.blocks",
    attn_norm: "attn_norm",
    q_proj: "q_proj",
    k_proj: "k_proj",
    v_proj: "v_proj",
    o_proj: "attn_out",
    qk_norm: None,
    ff_norm: "ff_norm",
    gate_proj: "ff_proj",
    up_proj: "up_proj",
    down_proj: "ff_out",
    final_norm: "model.transformer.ln_f",
    head: "model.transformer.ff_out",
};

/// Qwen2 names (Dream, A2D Qwen2): `model.layers.{i}.self_attn.q_proj` ….
pub const QWEN2_NAMES: TensorNames = TensorNames {
    embed: "model.embed_tokens",
    layers: "model.layers",
    attn_norm: "input_layernorm",
    q_proj: "self_attn.q_proj",
    k_proj: "self_attn.k_proj",
    v_proj: "self_attn.v_proj",
    o_proj: "self_attn.o_proj",
    qk_norm: None,
    ff_norm: "post_attention_layernorm",
    gate_proj: "mlp.gate_proj",
    up_proj: "mlp.up_proj",
    down_proj: "mlp.down_proj",
    final_norm: "model.norm",
    head: "lm_head",
};

/// Qwen3 names: Qwen2's plus `self_attn.q_norm` / `self_attn.k_norm`.
pub const QWEN3_NAMES: TensorNames = TensorNames {
    qk_norm: Some(("self_attn.q_norm", "self_attn.k_norm")),
    ..QWEN2_NAMES
};

/// Everything that tells the families apart, plus the sizes.
#[derive(Clone, Debug, PartialEq)]
pub struct Arch {
    /// Tensor names.
    pub names: TensorNames,
    /// Hidden size.
    pub d_model: usize,
    /// Transformer blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads (grouped-query attention when fewer than `n_heads`).
    pub n_kv_heads: usize,
    /// Size of one head (Qwen3 may set it apart from `d_model / n_heads`).
    pub head_dim: usize,
    /// MLP hidden size.
    pub ffn: usize,
    /// Rows of the embedding and the head (the logit width).
    pub rows: usize,
    /// Longest sequence (RoPE table length).
    pub max_len: usize,
    /// RoPE base.
    pub rope_theta: f64,
    /// RMSNorm epsilon.
    pub eps: f64,
    /// The head is the embedding matrix.
    pub tied: bool,
    /// q/k/v projections carry a bias.
    pub qkv_bias: bool,
    /// The output projection carries a bias.
    pub o_bias: bool,
    /// The logit for position i comes from the hidden state at i−1 (Dream); position 0 keeps its own.
    pub shift_logits: bool,
    /// `Some(b)`: block-causal attention (a query in block `i / b` sees keys in blocks ≤ its own);
    /// `None`: fully bidirectional.
    pub block_size: Option<usize>,
}

impl Arch {
    /// Width of the concatenated query heads.
    pub fn q_dim(&self) -> usize {
        self.n_heads * self.head_dim
    }

    /// Width of the concatenated key (or value) heads.
    pub fn kv_dim(&self) -> usize {
        self.n_kv_heads * self.head_dim
    }

    /// Every tensor the checkpoint must hold, with its shape.
    pub fn expected_tensors(&self) -> std::collections::BTreeMap<String, Vec<usize>> {
        let n = &self.names;
        let (d, q, kv, m) = (self.d_model, self.q_dim(), self.kv_dim(), self.ffn);
        let mut out = std::collections::BTreeMap::new();
        out.insert(format!("{}.weight", n.embed), vec![self.rows, d]);
        out.insert(format!("{}.weight", n.final_norm), vec![d]);
        if !self.tied {
            out.insert(format!("{}.weight", n.head), vec![self.rows, d]);
        }
        for i in 0..self.n_layers {
            let b = format!("{}.{i}", n.layers);
            let mut put = |name: &str, suffix: &str, shape: Vec<usize>| {
                out.insert(format!("{b}.{name}.{suffix}"), shape);
            };
            put(n.attn_norm, "weight", vec![d]);
            put(n.ff_norm, "weight", vec![d]);
            put(n.q_proj, "weight", vec![q, d]);
            put(n.k_proj, "weight", vec![kv, d]);
            put(n.v_proj, "weight", vec![kv, d]);
            put(n.o_proj, "weight", vec![d, q]);
            if self.qkv_bias {
                put(n.q_proj, "bias", vec![q]);
                put(n.k_proj, "bias", vec![kv]);
                put(n.v_proj, "bias", vec![kv]);
            }
            if self.o_bias {
                put(n.o_proj, "bias", vec![d]);
            }
            if let Some((qn, kn)) = n.qk_norm {
                put(qn, "weight", vec![self.head_dim]);
                put(kn, "weight", vec![self.head_dim]);
            }
            put(n.gate_proj, "weight", vec![m, d]);
            put(n.up_proj, "weight", vec![m, d]);
            put(n.down_proj, "weight", vec![d, m]);
        }
        out
    }

    /// Parameter count of the checkpoint.
    pub fn n_params(&self) -> usize {
        self.expected_tensors()
            .values()
            .map(|s| s.iter().product::<usize>())
            .sum()
    }

    /// The hidden-state row whose logits are reported for canvas position `row`.
    pub fn source_row(&self, row: u32) -> u32 {
        if self.shift_logits {
            row.saturating_sub(1)
        } else {
            row
        }
    }
}

/// One weight matrix as a source hands it out: dense, or GGUF-quantised.
#[derive(Clone, Debug)]
pub enum Weight {
    /// A dense tensor in the network's dtype.
    Dense(Tensor),
    /// A quantised tensor (q4_0, q4_k, q8_0 …), multiplied without dequantising it first.
    Quant(Arc<QTensor>),
}

/// Where a network's weights come from: a safetensors checkpoint (through a `VarBuilder`), a
/// GGUF file written by `unmask quantize`, or random numbers at a real model's shape (`bench`).
pub trait WeightSource {
    /// Device the weights live on.
    fn device(&self) -> Device;
    /// Dtype of the activations (and of dense weights).
    fn dtype(&self) -> DType;
    /// A vector (norm weight or bias) `[len]`, in [`WeightSource::dtype`].
    fn vector(&self, name: &str, len: usize) -> Result<Tensor>;
    /// A matrix `[rows, cols]`: a projection applied as `x · Wᵀ`, or an embedding table.
    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Weight>;
}

impl WeightSource for VarBuilder<'_> {
    fn device(&self) -> Device {
        VarBuilder::device(self).clone()
    }

    fn dtype(&self) -> DType {
        VarBuilder::dtype(self)
    }

    fn vector(&self, name: &str, len: usize) -> Result<Tensor> {
        self.get(len, name)
    }

    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Weight> {
        self.get((rows, cols), name).map(Weight::Dense)
    }
}

/// A projection `x · Wᵀ + b`, dense (differentiable, for training) or quantised.
#[derive(Clone, Debug)]
pub enum Proj {
    /// candle-nn's `Linear`.
    Dense(Linear),
    /// The same projection for inference, its weight stored transposed `[in, out]` and contiguous:
    /// on the CPU, gemm multiplies by it without gathering strided columns first (measured on the
    /// embedded model's shapes: 84×512 · 512×192 in 99 µs instead of 188 µs).
    DenseT {
        /// `Wᵀ`, contiguous.
        weight_t: Tensor,
        /// Optional bias `[out]`.
        bias: Option<Tensor>,
    },
    /// candle's quantised matmul, then the bias.
    Quant {
        /// The quantised weight.
        matmul: QMatMul,
        /// Optional bias `[out]`.
        bias: Option<Tensor>,
    },
}

impl Proj {
    fn new(weight: Weight, bias: Option<Tensor>) -> Result<Self> {
        Ok(match weight {
            Weight::Dense(w) => Proj::Dense(Linear::new(w, bias)),
            Weight::Quant(q) => Proj::Quant {
                matmul: QMatMul::from_arc(q)?,
                bias,
            },
        })
    }

    /// The inference form: a dense weight stored transposed ([`Proj::DenseT`]); others unchanged.
    fn transposed(self) -> Result<Self> {
        Ok(match self {
            Proj::Dense(linear) => Proj::DenseT {
                weight_t: linear.weight().t()?.contiguous()?,
                bias: linear.bias().cloned(),
            },
            other => other,
        })
    }
}

impl Module for Proj {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Proj::Dense(linear) => linear.forward(x),
            Proj::DenseT { weight_t, bias } => {
                let y = x.broadcast_matmul(weight_t)?;
                match bias {
                    Some(b) => y.broadcast_add(b),
                    None => Ok(y),
                }
            }
            Proj::Quant { matmul, bias } => {
                let y = matmul.forward(&x.contiguous()?)?;
                match bias {
                    Some(b) => y.broadcast_add(b),
                    None => Ok(y),
                }
            }
        }
    }
}

/// Projections that read the same input: kept apart (training: each is its own variable), or
/// stacked into one matrix so inference runs one matmul instead of several ([`Transformer::fused`]).
#[derive(Clone, Debug)]
enum Group {
    /// One projection per output.
    Separate(Vec<Proj>),
    /// The weights stacked by rows; outputs of these widths, in order.
    Fused(Proj, Vec<usize>),
}

impl Group {
    /// Each projection's output, in order.
    fn forward(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        match self {
            Group::Separate(projs) => projs.iter().map(|p| p.forward(x)).collect(),
            Group::Fused(proj, widths) => {
                let y = proj.forward(x)?;
                let mut start = 0;
                widths
                    .iter()
                    .map(|&w| {
                        let part = y.narrow(D::Minus1, start, w);
                        start += w;
                        part
                    })
                    .collect()
            }
        }
    }

    /// The stacked form, when every projection is dense (quantised ones stay apart).
    fn fuse(self) -> Result<Self> {
        let Group::Separate(projs) = self else {
            return Ok(self);
        };
        let mut weights = Vec::with_capacity(projs.len());
        let mut biases = Vec::with_capacity(projs.len());
        for p in &projs {
            let Proj::Dense(linear) = p else {
                return Ok(Group::Separate(projs));
            };
            weights.push(linear.weight().clone());
            biases.push(linear.bias().cloned());
        }
        let widths = weights
            .iter()
            .map(|w| w.dim(0))
            .collect::<Result<Vec<_>>>()?;
        let weight = Tensor::cat(&weights, 0)?;
        let bias = if biases.iter().all(Option::is_some) {
            Some(Tensor::cat(
                &biases.into_iter().flatten().collect::<Vec<_>>(),
                0,
            )?)
        } else if biases.iter().all(Option::is_none) {
            None
        } else {
            return Ok(Group::Separate(projs));
        };
        Ok(Group::Fused(
            Proj::Dense(Linear::new(weight, bias)).transposed()?,
            widths,
        ))
    }
}

/// One transformer block.
#[derive(Clone, Debug)]
struct Block {
    attn_norm: Tensor,
    /// Query, key, value.
    qkv: Group,
    o_proj: Proj,
    qk_norm: Option<(Tensor, Tensor)>,
    ff_norm: Tensor,
    /// MLP gate, up.
    gate_up: Group,
    down_proj: Proj,
}

impl Block {
    /// This block's inference form: q/k/v and gate/up stacked, dense weights stored transposed.
    fn fused(self) -> Result<Self> {
        Ok(Self {
            qkv: self.qkv.fuse()?,
            gate_up: self.gate_up.fuse()?,
            o_proj: self.o_proj.transposed()?,
            down_proj: self.down_proj.transposed()?,
            ..self
        })
    }
}

/// The network of any family.
#[derive(Clone, Debug)]
pub struct Transformer {
    arch: Arch,
    embed: Weight,
    blocks: Vec<Block>,
    final_norm: Tensor,
    head: Proj,
    cos: Tensor,
    sin: Tensor,
    dtype: DType,
}

fn proj(
    src: &dyn WeightSource,
    prefix: &str,
    out_dim: usize,
    in_dim: usize,
    bias: bool,
) -> Result<Proj> {
    let weight = src.matrix(&format!("{prefix}.weight"), out_dim, in_dim)?;
    let bias = if bias {
        Some(src.vector(&format!("{prefix}.bias"), out_dim)?)
    } else {
        None
    };
    Proj::new(weight, bias)
}

impl Transformer {
    /// Walk the checkpoint's tensor names as `arch.names` spells them.
    pub fn load(vb: VarBuilder, arch: &Arch) -> Result<Self> {
        Self::from_source(&vb, arch)
    }

    /// Build the network from any [`WeightSource`], one projection per checkpoint matrix (what
    /// training needs).
    pub fn from_source(src: &dyn WeightSource, arch: &Arch) -> Result<Self> {
        Self::build(src, arch, false)
    }

    /// Build the network for inference, stacking each block's projections as it is read (see
    /// [`Transformer::fused`]), so at most one block's weights exist twice while loading.
    pub fn from_source_fused(src: &dyn WeightSource, arch: &Arch) -> Result<Self> {
        Self::build(src, arch, true)
    }

    fn build(src: &dyn WeightSource, arch: &Arch, fuse: bool) -> Result<Self> {
        let n = &arch.names;
        let (d, q, kv, m) = (arch.d_model, arch.q_dim(), arch.kv_dim(), arch.ffn);
        let embed = src.matrix(&format!("{}.weight", n.embed), arch.rows, d)?;
        let mut blocks = Vec::with_capacity(arch.n_layers);
        for i in 0..arch.n_layers {
            let b = format!("{}.{i}", n.layers);
            let qk_norm = match n.qk_norm {
                Some((qn, kn)) => Some((
                    src.vector(&format!("{b}.{qn}.weight"), arch.head_dim)?,
                    src.vector(&format!("{b}.{kn}.weight"), arch.head_dim)?,
                )),
                None => None,
            };
            let p = |name: &str, out_dim, in_dim, bias| {
                proj(src, &format!("{b}.{name}"), out_dim, in_dim, bias)
            };
            let block = Block {
                attn_norm: src.vector(&format!("{b}.{}.weight", n.attn_norm), d)?,
                qkv: Group::Separate(vec![
                    p(n.q_proj, q, d, arch.qkv_bias)?,
                    p(n.k_proj, kv, d, arch.qkv_bias)?,
                    p(n.v_proj, kv, d, arch.qkv_bias)?,
                ]),
                o_proj: p(n.o_proj, d, q, arch.o_bias)?,
                qk_norm,
                ff_norm: src.vector(&format!("{b}.{}.weight", n.ff_norm), d)?,
                gate_up: Group::Separate(vec![
                    p(n.gate_proj, m, d, false)?,
                    p(n.up_proj, m, d, false)?,
                ]),
                down_proj: p(n.down_proj, d, m, false)?,
            };
            blocks.push(if fuse { block.fused()? } else { block });
        }
        let final_norm = src.vector(&format!("{}.weight", n.final_norm), d)?;
        let head = if arch.tied {
            Proj::new(embed.clone(), None)?
        } else {
            proj(src, n.head, arch.rows, d, false)?
        };
        let device = src.device();
        let (cos, sin) = rope_tables(arch, &device)?;
        Ok(Self {
            arch: arch.clone(),
            embed,
            blocks,
            final_norm,
            head,
            cos,
            sin,
            dtype: src.dtype(),
        })
    }

    /// The same network with each block's q/k/v and gate/up projections stacked into one matrix
    /// apiece, so a forward pass runs two matmuls where it ran five (same results up to float
    /// rounding; quantised weights stay as they are). For inference only: the stacked copies do
    /// not follow later updates of training variables.
    pub fn fused(mut self) -> Result<Self> {
        self.blocks = self
            .blocks
            .into_iter()
            .map(Block::fused)
            .collect::<Result<_>>()?;
        Ok(self)
    }

    /// What this network was built from.
    pub fn arch(&self) -> &Arch {
        &self.arch
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        self.cos.device()
    }

    fn rms_norm(&self, x: &Tensor, w: &Tensor, training: bool) -> Result<Tensor> {
        let eps = self.arch.eps as f32;
        if training {
            candle_nn::ops::rms_norm_slow(x, w, eps)
        } else {
            // RMSNorm in fp32, as the references do (a no-op conversion for f32 weights).
            let y =
                super::kernels::rms_norm(&x.to_dtype(DType::F32)?, &w.to_dtype(DType::F32)?, eps)?;
            y.to_dtype(self.dtype)
        }
    }

    fn rope(&self, x: &Tensor, seq_len: usize, training: bool) -> Result<Tensor> {
        let x32 = x.to_dtype(DType::F32)?.contiguous()?;
        let y = if training {
            let cos = self.cos.narrow(0, 0, seq_len)?;
            let sin = self.sin.narrow(0, 0, seq_len)?;
            candle_nn::rotary_emb::rope_slow(&x32, &cos, &sin)?
        } else {
            super::kernels::rope(&x32, &self.cos, &self.sin)?
        };
        y.to_dtype(self.dtype)
    }

    /// `0` where a query may see a key, `-inf` elsewhere, `[seq, seq]` (block-causal only).
    fn attention_bias(&self, s: usize) -> Result<Option<Tensor>> {
        let Some(block) = self.arch.block_size else {
            return Ok(None);
        };
        let block = block.max(1);
        let bias: Vec<f32> = (0..s)
            .flat_map(|q| {
                (0..s).map(move |k| {
                    if k / block <= q / block {
                        0.0
                    } else {
                        f32::NEG_INFINITY
                    }
                })
            })
            .collect();
        Tensor::from_vec(bias, (s, s), self.device()).map(Some)
    }

    /// Self-attention of `block` over `x` `[b, s, d]`. With `query_rows` only those positions ask
    /// (keys and values still come from every position), giving `[b, rows, d]`.
    fn attention(
        &self,
        block: &Block,
        x: &Tensor,
        bias: Option<&Tensor>,
        training: bool,
        query_rows: Option<&Tensor>,
    ) -> Result<Tensor> {
        let (b, s, _d) = x.dims3()?;
        let h = self.arch.n_heads;
        let kvh = self.arch.n_kv_heads;
        let hd = self.arch.head_dim;
        let [q, k, v]: [Tensor; 3] = block
            .qkv
            .forward(x)?
            .try_into()
            .map_err(|_| candle_core::Error::Msg("q/k/v group without three outputs".into()))?;
        let q = q.reshape((b, s, h, hd))?;
        let k = k.reshape((b, s, kvh, hd))?;
        let v = v.reshape((b, s, kvh, hd))?;
        // Qwen3: RMSNorm over each head's vector, before RoPE.
        let (q, k) = match &block.qk_norm {
            Some((qn, kn)) => (
                self.rms_norm(&q, qn, training)?,
                self.rms_norm(&k, kn, training)?,
            ),
            None => (q, k),
        };
        let q = self.rope(&q.transpose(1, 2)?, s, training)?;
        let k = self.rope(&k.transpose(1, 2)?, s, training)?;
        let v = v.transpose(1, 2)?;
        let (q, bias, s_q) = match query_rows {
            Some(rows) => (
                q.index_select(rows, 2)?,
                bias.map(|b| b.index_select(rows, 0)).transpose()?,
                rows.dim(0)?,
            ),
            None => (q, bias.cloned(), s),
        };
        // Consecutive query heads share one K/V head (torch's repeat_interleave).
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
        // Scores and softmax in fp32; no causal mask: every position sees every other (or, with a
        // block size, every position of its own and earlier blocks).
        let heads = |q: &Tensor, k: &Tensor, v: &Tensor| -> Result<Tensor> {
            let mut scores = (q
                .to_dtype(DType::F32)?
                .matmul(&k.to_dtype(DType::F32)?.t()?)?
                * scale)?;
            if let Some(bias) = &bias {
                scores = scores.broadcast_add(bias)?;
            }
            let probs = if training {
                candle_nn::ops::softmax(&scores, D::Minus1)?
            } else {
                super::kernels::softmax_last_dim(&scores)?
            };
            probs.to_dtype(self.dtype)?.matmul(v)
        };
        let out = if !training && b == 1 && h > 1 && super::kernels::applies(&q) {
            // On the CPU each head's small matmuls run on one thread; run the heads side by side.
            use rayon::prelude::*;
            let per_head = (0..h)
                .into_par_iter()
                .map(|i| {
                    heads(
                        &q.narrow(1, i, 1)?,
                        &k.narrow(1, i, 1)?,
                        &v.narrow(1, i, 1)?,
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            Tensor::cat(&per_head, 1)?
        } else {
            heads(&q, &k, &v)?
        };
        let out = out.transpose(1, 2)?.reshape((b, s_q, h * hd))?;
        block.o_proj.forward(&out)
    }

    /// Final hidden states after the last norm, `[batch, seq, d_model]` (not yet shifted).
    pub fn hidden(&self, ids: &Tensor, training: bool) -> Result<Tensor> {
        self.hidden_at(ids, training, None)
    }

    /// Like [`Transformer::hidden`], but with `rows` only those positions' final states,
    /// `[batch, rows, d_model]`. Exact, and cheaper: the last block needs every position's keys and
    /// values, but its queries, output projection and MLP only for the rows that are read.
    fn hidden_at(&self, ids: &Tensor, training: bool, rows: Option<&Tensor>) -> Result<Tensor> {
        let (_b, s) = ids.dims2()?;
        if s > self.arch.max_len {
            candle_core::bail!(
                "sequence of {s} tokens exceeds the model's context of {}",
                self.arch.max_len
            );
        }
        let bias = self.attention_bias(s)?;
        let mut x = match &self.embed {
            Weight::Dense(table) => {
                candle_nn::Embedding::new(table.clone(), self.arch.d_model).forward(ids)?
            }
            Weight::Quant(table) => table.embedding(ids)?.to_dtype(self.dtype)?,
        };
        let last = self.blocks.len().saturating_sub(1);
        for (i, block) in self.blocks.iter().enumerate() {
            let n = self.rms_norm(&x, &block.attn_norm, training)?;
            let query_rows = rows.filter(|_| i == last);
            let attended = self.attention(block, &n, bias.as_ref(), training, query_rows)?;
            if let Some(rows) = query_rows {
                x = x.index_select(rows, 1)?;
            }
            x = (&x + attended)?;
            let n = self.rms_norm(&x, &block.ff_norm, training)?;
            let act = match &block.gate_up {
                // Stacked gate/up: one fused SiLU·up over the projection's output.
                Group::Fused(proj, _) => super::kernels::swiglu(&proj.forward(&n)?)?,
                Group::Separate(_) => {
                    let [gate, up]: [Tensor; 2] =
                        block.gate_up.forward(&n)?.try_into().map_err(|_| {
                            candle_core::Error::Msg("gate/up group without two outputs".into())
                        })?;
                    (candle_nn::ops::silu(&gate)? * up)?
                }
            };
            x = (&x + block.down_proj.forward(&act)?)?;
        }
        self.rms_norm(&x, &self.final_norm, training)
    }

    /// LM head applied to hidden states `[n, d_model]` → `[n, rows]`.
    pub fn head_logits(&self, hidden: &Tensor) -> Result<Tensor> {
        self.head.forward(hidden)
    }

    /// Logits (f32) of the given canvas rows of one sequence, `[rows.len(), rows]`; only those
    /// rows go through the LM head. With a shifted family, row i reads hidden state i−1.
    pub fn logits_rows(&self, tokens: &[u32], rows: &[u32]) -> Result<Tensor> {
        let device = self.device();
        let ids = Tensor::new(tokens, device)?.unsqueeze(0)?;
        let source: Vec<u32> = rows.iter().map(|&r| self.arch.source_row(r)).collect();
        let idx = Tensor::new(source.as_slice(), device)?;
        let h = self.hidden_at(&ids, false, Some(&idx))?.squeeze(0)?;
        self.head_logits(&h)?.to_dtype(DType::F32)
    }
}

/// Rotate-half RoPE tables in fp32, `[max_len, head_dim / 2]`; `inv_freq = 1/θ^(2i/head_dim)`.
fn rope_tables(arch: &Arch, device: &Device) -> Result<(Tensor, Tensor)> {
    let hd = arch.head_dim;
    let inv_freq: Vec<f32> = (0..hd / 2)
        .map(|i| (1.0 / arch.rope_theta.powf(2.0 * i as f64 / hd as f64)) as f32)
        .collect();
    let n = arch.max_len;
    let inv_freq = Tensor::new(inv_freq.as_slice(), device)?.reshape((1, hd / 2))?;
    let t = Tensor::arange(0u32, n as u32, device)?
        .to_dtype(DType::F32)?
        .reshape((n, 1))?;
    let freqs = t.broadcast_mul(&inv_freq)?;
    Ok((freqs.cos()?, freqs.sin()?))
}
