//! CPU kernels for the small per-position inference ops: SwiGLU, the attention softmax, RMSNorm and
//! rotate-half RoPE.
//!
//! On a small model these ops, not the matmuls, were a third of a forward pass: candle evaluates
//! `exp` one scalar `expf` call at a time (84 × 512 SiLUs in 85 µs, a 6 × 84 × 84 softmax in
//! 75 µs, per block), and its RMSNorm and RoPE always split their work across threads, which costs
//! more than it saves on 16 k elements (18 µs and 20 µs a call). Here `exp` runs eight lanes at a
//! time with `wide`'s `f32x8::exp` (a polynomial exp within a couple of ulps of `expf`, with the
//! same handling of ±inf and NaN), and every op runs on one thread unless each of two threads gets
//! at least [`MIN_ELEMENTS_PER_TASK`] elements. They apply to f32 tensors on the CPU; everything
//! else (other dtypes, GPUs, training, which needs gradients) keeps candle's ops.

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, D, DType, Device, Layout, Result, Shape, Tensor,
};
use rayon::prelude::*;
use wide::f32x8;

/// Elements per parallel task: below this, one thread does the whole op (waking a second one
/// costs more than it saves on the small model's tensors).
const MIN_ELEMENTS_PER_TASK: usize = 32 * 1024;

/// True when `x` can go through these kernels (f32 on the CPU).
pub fn applies(x: &Tensor) -> bool {
    matches!(x.device(), Device::Cpu) && x.dtype() == DType::F32
}

/// `silu(gate) · up` of a stacked `[.., 2F]` gate/up projection output, `[.., F]`.
pub fn swiglu(gate_up: &Tensor) -> Result<Tensor> {
    let width = gate_up.dim(D::Minus1)?;
    if width % 2 != 0 {
        candle_core::bail!("swiglu needs an even last dimension, got {width}");
    }
    if applies(gate_up) {
        gate_up.contiguous()?.apply_op1_no_bwd(&SwiGlu)
    } else {
        let half = width / 2;
        let gate = gate_up.narrow(D::Minus1, 0, half)?;
        let up = gate_up.narrow(D::Minus1, half, half)?;
        candle_nn::ops::silu(&gate)? * up
    }
}

/// Softmax over the last dimension (candle's `softmax_last_dim` where the kernel does not apply).
pub fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    if applies(x) {
        x.contiguous()?.apply_op1_no_bwd(&SoftmaxLastDim)
    } else {
        candle_nn::ops::softmax_last_dim(x)
    }
}

/// RMSNorm over the last dimension with gain `w` (candle-nn's `rms_norm` where the kernel does
/// not apply).
pub fn rms_norm(x: &Tensor, w: &Tensor, eps: f32) -> Result<Tensor> {
    if applies(x) && applies(w) {
        x.contiguous()?
            .apply_op2_no_bwd(&w.contiguous()?, &RmsNorm { eps })
    } else {
        candle_nn::ops::rms_norm(&x.contiguous()?, w, eps)
    }
}

/// Rotate-half RoPE of `x` `[b, h, s, d]` with tables `cos`, `sin` `[s', d/2]`, `s' ≥ s` (candle-nn's
/// `rope` where the kernel does not apply).
pub fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    let (_b, _h, s, d) = x.dims4()?;
    let (cs, half) = cos.dims2()?;
    if half * 2 != d || cs < s || sin.dims2()? != (cs, half) {
        candle_core::bail!(
            "rope: tables {:?} / {:?} do not fit {:?}",
            cos.shape(),
            sin.shape(),
            x.shape()
        );
    }
    let cos = cos.narrow(0, 0, s)?.contiguous()?;
    let sin = sin.narrow(0, 0, s)?.contiguous()?;
    if applies(x) && applies(&cos) && applies(&sin) {
        x.contiguous()?.apply_op3_no_bwd(&cos, &sin, &Rope)
    } else {
        candle_nn::rotary_emb::rope(&x.contiguous()?, &cos, &sin)
    }
}

/// Rows per parallel task so that each task has at least [`MIN_ELEMENTS_PER_TASK`] elements.
fn rows_per_task(row_len: usize) -> usize {
    MIN_ELEMENTS_PER_TASK.div_ceil(row_len.max(1)).max(1)
}

/// `f(input row, output row)` for every row of `src` (rows of `in_width`), into a new buffer with
/// rows of `out_width`; on one thread unless each task gets [`MIN_ELEMENTS_PER_TASK`] elements.
fn map_rows(
    src: &[f32],
    in_width: usize,
    out_width: usize,
    f: impl Fn(&[f32], &mut [f32]) + Sync,
) -> Vec<f32> {
    let rows = src.len().checked_div(in_width).unwrap_or(0);
    let mut out = vec![0f32; rows * out_width];
    if rows > 0 && out_width > 0 {
        out.par_chunks_mut(out_width)
            .zip(src.par_chunks(in_width))
            .with_min_len(rows_per_task(in_width))
            .for_each(|(dst, row)| f(row, dst));
    }
    out
}

/// The f32 slice of a contiguous layout.
fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("{op}: only f32 tensors are supported");
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{op}: the input must be contiguous"),
    }
}

struct SwiGlu;

impl CustomOp1 for SwiGlu {
    fn name(&self) -> &'static str {
        "unmask-swiglu"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(storage, layout, self.name())?;
        let dims = layout.shape().dims();
        let width = dims.last().copied().unwrap_or(0);
        let half = width / 2;
        let out = map_rows(src, width, half, |row, dst| {
            swiglu_row(&row[..half], &row[half..], dst)
        });
        let mut out_dims = dims.to_vec();
        if let Some(last) = out_dims.last_mut() {
            *last = half;
        }
        Ok((CpuStorage::F32(out), Shape::from(out_dims)))
    }
}

/// `dst[i] = gate[i] / (1 + exp(-gate[i])) · up[i]`.
fn swiglu_row(gate: &[f32], up: &[f32], dst: &mut [f32]) {
    let mut g8 = gate.chunks_exact(8);
    let mut u8 = up.chunks_exact(8);
    let mut d8 = dst.chunks_exact_mut(8);
    for ((g, u), d) in (&mut g8).zip(&mut u8).zip(&mut d8) {
        let g = f32x8::from(<[f32; 8]>::try_from(g).unwrap_or_default());
        let u = f32x8::from(<[f32; 8]>::try_from(u).unwrap_or_default());
        let y = g / (f32x8::ONE + (-g).exp()) * u;
        d.copy_from_slice(&y.to_array());
    }
    for ((g, u), d) in g8
        .remainder()
        .iter()
        .zip(u8.remainder())
        .zip(d8.into_remainder())
    {
        *d = g / (1.0 + (-g).exp()) * u;
    }
}

struct RmsNorm {
    eps: f32,
}

impl CustomOp2 for RmsNorm {
    fn name(&self) -> &'static str {
        "unmask-rms-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(s1, l1, self.name())?;
        let gain = contiguous_f32(s2, l2, self.name())?;
        let width = l1.shape().dims().last().copied().unwrap_or(0);
        if gain.len() != width {
            candle_core::bail!("rms_norm: gain of {} for rows of {width}", gain.len());
        }
        let out = map_rows(src, width, width, |row, dst| {
            let mean_sq = row.iter().map(|v| v * v).sum::<f32>() / width as f32;
            let scale = 1.0 / (mean_sq + self.eps).sqrt();
            for ((d, v), g) in dst.iter_mut().zip(row).zip(gain) {
                *d = v * scale * g;
            }
        });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

struct Rope;

impl CustomOp3 for Rope {
    fn name(&self) -> &'static str {
        "unmask-rope"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(s1, l1, self.name())?;
        let cos = contiguous_f32(s2, l2, self.name())?;
        let sin = contiguous_f32(s3, l3, self.name())?;
        let (_b, _h, s, d) = l1.shape().dims4()?;
        let half = d / 2;
        if cos.len() != s * half || sin.len() != s * half {
            candle_core::bail!("rope: tables of {} for {s} positions of {d}", cos.len());
        }
        // One "row" per (batch, head): its s × d matrix, position by position.
        let per_head = s * d;
        let out = map_rows(src, per_head, per_head, |head, dst| {
            let rows = dst.chunks_exact_mut(d).zip(head.chunks_exact(d));
            for (pos, (dst, x)) in rows.enumerate() {
                let c = &cos[pos * half..][..half];
                let sn = &sin[pos * half..][..half];
                let (x1, x2) = x.split_at(half);
                let (d1, d2) = dst.split_at_mut(half);
                for i in 0..half {
                    d1[i] = x1[i] * c[i] - x2[i] * sn[i];
                    d2[i] = x1[i] * sn[i] + x2[i] * c[i];
                }
            }
        });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

struct SoftmaxLastDim;

impl CustomOp1 for SoftmaxLastDim {
    fn name(&self) -> &'static str {
        "unmask-softmax-last-dim"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(storage, layout, self.name())?;
        let width = layout.shape().dims().last().copied().unwrap_or(0);
        let out = map_rows(src, width, width, |row, dst| {
            dst.copy_from_slice(row);
            softmax_row(dst);
        });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// Softmax of one row in place: `exp(x - max) / Σ`.
fn softmax_row(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    // A row whose keys are all hidden (all -inf) comes out NaN, exactly as from candle's op.
    let max8 = f32x8::splat(max);
    let mut sum = 0f32;
    let mut chunks = row.chunks_exact_mut(8);
    for c in &mut chunks {
        let x = f32x8::from(<[f32; 8]>::try_from(&c[..]).unwrap_or_default());
        let e = (x - max8).exp();
        sum += e.reduce_add();
        c.copy_from_slice(&e.to_array());
    }
    for v in chunks.into_remainder() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in row.iter_mut() {
        *v *= inv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_rel_diff(a: &Tensor, b: &Tensor) -> f32 {
        let a = a.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let b = b.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs() / y.abs().max(1e-6))
            .fold(0.0, f32::max)
    }

    #[test]
    fn swiglu_matches_candle_on_odd_widths_and_extreme_values() {
        let dev = Device::Cpu;
        for (rows, half) in [(1usize, 1usize), (3, 7), (84, 512), (5, 13)] {
            let mut x = Tensor::randn(0f32, 4.0, (1, rows, 2 * half), &dev).unwrap();
            if rows * half > 4 {
                let mut v = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                v[0] = 120.0;
                v[1] = -120.0;
                v[2] = -0.0;
                x = Tensor::from_vec(v, (1, rows, 2 * half), &dev).unwrap();
            }
            let ours = swiglu(&x).unwrap();
            let gate = x.narrow(D::Minus1, 0, half).unwrap();
            let up = x.narrow(D::Minus1, half, half).unwrap();
            let want = (candle_nn::ops::silu(&gate).unwrap() * up).unwrap();
            assert_eq!(ours.dims(), want.dims());
            let d = max_rel_diff(&ours, &want);
            assert!(d < 2e-6, "{rows}x{half}: {d}");
        }
        assert!(swiglu(&Tensor::zeros((2, 3), DType::F32, &dev).unwrap()).is_err());
    }

    #[test]
    fn softmax_matches_candle_with_hidden_keys() {
        let dev = Device::Cpu;
        for (rows, width) in [(1usize, 1usize), (6, 84), (4, 13), (2, 600)] {
            let x = Tensor::randn(0f32, 8.0, (rows, width), &dev).unwrap();
            let mut v = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            // Block-causal attention hides keys with -inf (never a whole row).
            if width > 2 {
                v[1] = f32::NEG_INFINITY;
                v[width - 1] = f32::NEG_INFINITY;
            }
            let x = Tensor::from_vec(v, (rows, width), &dev).unwrap();
            let ours = softmax_last_dim(&x).unwrap();
            let want = candle_nn::ops::softmax_last_dim(&x).unwrap();
            let d = max_rel_diff(&ours, &want);
            assert!(d < 2e-6, "{rows}x{width}: {d}");
            let sums = ours.sum(D::Minus1).unwrap().to_vec1::<f32>().unwrap();
            assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5), "{sums:?}");
        }
    }

    #[test]
    fn rms_norm_matches_candle() {
        let dev = Device::Cpu;
        for (rows, width) in [(1usize, 1usize), (84, 192), (3, 1000)] {
            let x = Tensor::randn(0f32, 3.0, (1, rows, width), &dev).unwrap();
            let w = Tensor::randn(1f32, 0.5, width, &dev).unwrap();
            let ours = rms_norm(&x, &w, 1e-5).unwrap();
            let want = candle_nn::ops::rms_norm(&x, &w, 1e-5).unwrap();
            let d = (ours - want).unwrap().abs().unwrap().max_all().unwrap();
            let d = d.to_scalar::<f32>().unwrap();
            assert!(d < 1e-5, "{rows}x{width}: {d}");
        }
    }

    #[test]
    fn rope_matches_candle_with_longer_tables() {
        let dev = Device::Cpu;
        for (b, h, s, d) in [
            (1usize, 6usize, 84usize, 32usize),
            (2, 2, 5, 8),
            (1, 1, 1, 2),
        ] {
            let x = Tensor::randn(0f32, 1.0, (b, h, s, d), &dev).unwrap();
            let cos = Tensor::randn(0f32, 1.0, (s + 7, d / 2), &dev).unwrap();
            let sin = Tensor::randn(0f32, 1.0, (s + 7, d / 2), &dev).unwrap();
            let ours = rope(&x, &cos, &sin).unwrap();
            let want = candle_nn::rotary_emb::rope(
                &x,
                &cos.narrow(0, 0, s).unwrap(),
                &sin.narrow(0, 0, s).unwrap(),
            )
            .unwrap();
            let d = (ours - want).unwrap().abs().unwrap().max_all().unwrap();
            let d = d.to_scalar::<f32>().unwrap();
            assert!(d < 1e-6, "{b}x{h}x{s}: {d}");
        }
        let x = Tensor::zeros((1, 1, 4, 8), DType::F32, &dev).unwrap();
        let short = Tensor::zeros((3, 4), DType::F32, &dev).unwrap();
        assert!(
            rope(&x, &short, &short).is_err(),
            "tables shorter than the sequence"
        );
    }

    #[test]
    fn other_dtypes_fall_back_to_candle() {
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1.0, (2, 8), &dev)
            .unwrap()
            .to_dtype(DType::F16)
            .unwrap();
        assert!(!applies(&x));
        assert_eq!(swiglu(&x).unwrap().dims(), &[2, 4]);
        assert_eq!(softmax_last_dim(&x).unwrap().dims(), &[2, 8]);
    }
}
