//! One timeline for several runs: where a frame sits on a step or progress axis, and which frame of
//! each run a shared playback position shows (compare mode, plots, exports).

use crate::playback::Playback;
use crate::trace::Trace;

/// What the x axis shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PlotAxis {
    /// Step number.
    Step,
    /// Fraction of the run, 0..1 (compare runs of different lengths).
    Progress,
}

/// The number of steps a run's progress is measured against: the recorded steps once it has
/// ended, otherwise the larger of the recorded and the planned steps (so that a live run's
/// progress does not jump back as steps arrive). At least 1.
pub fn progress_denominator(trace: &Trace) -> usize {
    let recorded = trace.steps.len();
    let planned = if trace.summary.is_some() {
        0
    } else {
        trace.header.planned_steps.map_or(0, |p| p as usize)
    };
    recorded.max(planned).max(1)
}

/// Normalised progress (0..=1) of `frame` in `trace` (frame `k` = after step `k`).
pub fn frame_progress(trace: &Trace, frame: usize) -> f64 {
    (frame as f64 / progress_denominator(trace) as f64).clamp(0.0, 1.0)
}

/// The frame of `trace` at normalised progress `progress`, clamped to the frames it has.
pub fn frame_at_progress(trace: &Trace, progress: f64) -> usize {
    let p = if progress.is_finite() {
        progress.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let frame = (p * progress_denominator(trace) as f64).round() as usize;
    frame.min(trace.steps.len())
}

/// Where `frame` of `trace` sits on an x axis of kind `axis`.
pub fn x_of_frame(trace: &Trace, frame: usize, axis: PlotAxis) -> f64 {
    match axis {
        PlotAxis::Step => frame as f64,
        PlotAxis::Progress => frame_progress(trace, frame),
    }
}

/// The frame of `trace` under x value `x` of an axis of kind `axis` (what [`plots_ui`] returns),
/// clamped to the frames it has.
pub fn frame_at_x(trace: &Trace, x: f64, axis: PlotAxis) -> usize {
    match axis {
        PlotAxis::Step => {
            let x = if x.is_finite() { x.max(0.0) } else { 0.0 };
            (x.round() as usize).min(trace.steps.len())
        }
        PlotAxis::Progress => frame_at_progress(trace, x),
    }
}

/// The frame and dissolve progress of `trace` at `position` of a shared timeline of
/// `frame_count` frames (the longest run's): by step, a shorter run stops at its end; by
/// progress, every run goes from its first to its last frame together.
pub fn synced_frame(
    position: f64,
    frame_count: usize,
    trace: &Trace,
    axis: PlotAxis,
) -> (usize, f32) {
    let master_last = frame_count.saturating_sub(1).max(1) as f64;
    let last = trace.frame_count().saturating_sub(1) as f64;
    let position = match axis {
        PlotAxis::Step => position.min(last),
        PlotAxis::Progress => (position / master_last).clamp(0.0, 1.0) * last,
    };
    let at = Playback {
        position,
        ..Playback::default()
    };
    (at.frame(), at.transition())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;

    #[test]
    fn frames_and_progress_round_trip() {
        let trace = synthetic_trace(30, 2, 3);
        let steps = trace.steps.len();
        assert_eq!(progress_denominator(&trace), steps);
        for frame in 0..=steps {
            let p = frame_progress(&trace, frame);
            assert_eq!(frame_at_progress(&trace, p), frame);
            assert_eq!(
                frame_at_x(
                    &trace,
                    x_of_frame(&trace, frame, PlotAxis::Step),
                    PlotAxis::Step
                ),
                frame
            );
            assert_eq!(
                frame_at_x(
                    &trace,
                    x_of_frame(&trace, frame, PlotAxis::Progress),
                    PlotAxis::Progress
                ),
                frame
            );
        }
        assert_eq!(frame_at_x(&trace, 1e9, PlotAxis::Step), steps);
        assert_eq!(frame_at_x(&trace, -4.0, PlotAxis::Step), 0);
        assert_eq!(frame_at_progress(&trace, f64::NAN), 0);
    }

    #[test]
    fn a_live_run_measures_progress_against_its_plan() {
        let mut trace = synthetic_trace(20, 2, 3);
        trace.summary = None;
        trace.header.planned_steps = Some(40);
        assert_eq!(progress_denominator(&trace), 40);
        assert!((frame_progress(&trace, 20) - 0.5).abs() < 1e-12);
        // Past the recorded frames the cursor stays on the newest one.
        assert_eq!(frame_at_progress(&trace, 1.0), 20);
    }
}
