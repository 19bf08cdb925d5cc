//! AdamW with decoupled weight decay whose state can be saved and restored (`--resume`), and the
//! warm-up + cosine learning-rate schedule.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Result, Tensor, Var, backprop::GradStore};

/// AdamW hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamWParams {
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// ε.
    pub eps: f64,
    /// Decoupled weight decay (applied to matrices only).
    pub weight_decay: f64,
}

impl Default for AdamWParams {
    fn default() -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.95,
            eps: 1e-8,
            weight_decay: 0.1,
        }
    }
}

/// One parameter with its moment estimates.
struct Slot {
    name: String,
    var: Var,
    m: Var,
    v: Var,
}

/// AdamW over named variables (candle's own keeps its moments private, so it cannot resume).
pub struct AdamW {
    slots: Vec<Slot>,
    /// Steps taken so far.
    pub step_t: usize,
    params: AdamWParams,
}

impl AdamW {
    /// Track `vars` (sorted by name for a stable order).
    pub fn new(mut vars: Vec<(String, Var)>, params: AdamWParams) -> Result<Self> {
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let slots = vars
            .into_iter()
            .map(|(name, var)| {
                let m = Var::zeros(var.shape(), var.dtype(), var.device())?;
                let v = Var::zeros(var.shape(), var.dtype(), var.device())?;
                Ok(Slot { name, var, m, v })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            slots,
            step_t: 0,
            params,
        })
    }

    /// Names of parameters that received no gradient (should be empty: a fused op without backward
    /// silently cuts gradients).
    pub fn missing_grads(&self, grads: &GradStore) -> Vec<String> {
        self.slots
            .iter()
            .filter(|s| grads.get(s.var.as_tensor()).is_none())
            .map(|s| s.name.clone())
            .collect()
    }

    /// One update at learning rate `lr`.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<()> {
        self.step_t += 1;
        let p = &self.params;
        let t = self.step_t as i32;
        let bc1 = 1.0 - p.beta1.powi(t);
        let bc2 = 1.0 - p.beta2.powi(t);
        for slot in &self.slots {
            let Some(g) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            let m = ((slot.m.as_tensor() * p.beta1)? + (g * (1.0 - p.beta1))?)?;
            let v = ((slot.v.as_tensor() * p.beta2)? + (g.sqr()? * (1.0 - p.beta2))?)?;
            let update = ((&m / bc1)? / ((&v / bc2)?.sqrt()? + p.eps)?)?;
            let decay = if slot.var.rank() >= 2 {
                p.weight_decay
            } else {
                0.0
            };
            let w = slot.var.as_tensor();
            let next = ((w * (1.0 - lr * decay))? - (update * lr)?)?;
            slot.var.set(&next)?;
            slot.m.set(&m)?;
            slot.v.set(&v)?;
        }
        Ok(())
    }

    /// Save the moments to a safetensors file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut map: HashMap<String, Tensor> = HashMap::new();
        for s in &self.slots {
            map.insert(format!("m.{}", s.name), s.m.as_tensor().clone());
            map.insert(format!("v.{}", s.name), s.v.as_tensor().clone());
        }
        candle_core::safetensors::save(&map, path)
    }

    /// Restore moments saved by [`AdamW::save`] and the step count.
    pub fn load(&mut self, path: &Path, step_t: usize) -> Result<()> {
        let map = candle_core::safetensors::load(path, &candle_core::Device::Cpu)?;
        for s in &self.slots {
            for (key, var) in [
                (format!("m.{}", s.name), &s.m),
                (format!("v.{}", s.name), &s.v),
            ] {
                let t = map.get(&key).ok_or_else(|| {
                    candle_core::Error::Msg(format!("{} lacks {key}", path.display()))
                })?;
                var.set(&t.to_device(var.device())?)?;
            }
        }
        self.step_t = step_t;
        Ok(())
    }
}

/// Linear warm-up to `peak` over `warmup` steps, then cosine decay to `peak × min_ratio` at `total`.
pub fn lr_at(step: usize, warmup: usize, total: usize, peak: f64, min_ratio: f64) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let span = total.saturating_sub(warmup).max(1);
    let progress = ((step - warmup) as f64 / span as f64).min(1.0);
    let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
    peak * (min_ratio + (1.0 - min_ratio) * cosine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays() {
        assert!((lr_at(0, 10, 100, 1.0, 0.1) - 0.1).abs() < 1e-12);
        assert!((lr_at(9, 10, 100, 1.0, 0.1) - 1.0).abs() < 1e-12);
        assert!((lr_at(10, 10, 100, 1.0, 0.1) - 1.0).abs() < 1e-12);
        assert!((lr_at(100, 10, 100, 1.0, 0.1) - 0.1).abs() < 1e-12);
        assert!(lr_at(50, 10, 100, 1.0, 0.1) < 1.0);
    }

    #[test]
    fn adamw_minimises_a_quadratic_and_resumes() {
        let dev = candle_core::Device::Cpu;
        let x = Var::new(&[3.0f32, -2.0], &dev).unwrap();
        let mut opt = AdamW::new(vec![("x".into(), x.clone())], AdamWParams::default()).unwrap();
        for _ in 0..300 {
            let loss = x.as_tensor().sqr().unwrap().sum_all().unwrap();
            let grads = loss.backward().unwrap();
            assert!(opt.missing_grads(&grads).is_empty());
            opt.step(&grads, 0.05).unwrap();
        }
        let v = x.as_tensor().to_vec1::<f32>().unwrap();
        assert!(v.iter().all(|a| a.abs() < 0.1), "{v:?}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("opt.safetensors");
        opt.save(&path).unwrap();
        let mut other = AdamW::new(vec![("x".into(), x.clone())], AdamWParams::default()).unwrap();
        other.load(&path, opt.step_t).unwrap();
        assert_eq!(other.step_t, 300);
    }
}
