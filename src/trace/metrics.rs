//! Per-step numbers for plots and tables.

use super::Trace;

/// What one step did and how long it took.
#[derive(Clone, Debug, PartialEq)]
pub struct StepMetrics {
    /// The 1-based step number.
    pub step: u32,
    /// Cells committed by the step.
    pub committed: usize,
    /// Mean confidence of the step's commits (`None` when it committed nothing).
    pub confidence_mean: Option<f32>,
    /// Lowest confidence among the step's commits (`None` when it committed nothing).
    pub confidence_min: Option<f32>,
    /// Cells still masked after the step.
    pub masks_left: usize,
    /// Time of the model forward pass(es), milliseconds.
    pub forward_ms: f32,
    /// Time spent choosing commits, milliseconds.
    pub sampling_ms: f32,
    /// Commits per second of the step's own time (`forward_ms + sampling_ms`); 0 when that time is 0.
    pub tokens_per_s: f64,
}

impl Trace {
    /// One [`StepMetrics`] per step, in order.
    pub fn step_metrics(&self) -> Vec<StepMetrics> {
        let mut masks_left = self.initial_masks();
        self.steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let committed = step.commits.len();
                masks_left = masks_left.saturating_sub(committed);
                let (confidence_mean, confidence_min) = if committed == 0 {
                    (None, None)
                } else {
                    let sum: f64 = step.commits.iter().map(|c| f64::from(c.confidence)).sum();
                    let min = step
                        .commits
                        .iter()
                        .map(|c| c.confidence)
                        .fold(f32::INFINITY, f32::min);
                    (Some((sum / committed as f64) as f32), Some(min))
                };
                let seconds = (f64::from(step.forward_ms) + f64::from(step.sampling_ms)) / 1000.0;
                let tokens_per_s = if seconds > 0.0 {
                    committed as f64 / seconds
                } else {
                    0.0
                };
                StepMetrics {
                    step: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    committed,
                    confidence_mean,
                    confidence_min,
                    masks_left,
                    forward_ms: step.forward_ms,
                    sampling_ms: step.sampling_ms,
                    tokens_per_s,
                }
            })
            .collect()
    }
}
