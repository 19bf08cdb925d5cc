//! Which frames an animation shows, for how long, and under which file names.
//!
//! Positions are the playback cursor of the app ([`crate::playback::Playback`]): position `k` is
//! frame `k` settled, and `k − 1 + t` (0 < t < 1) is frame `k` part-way through its mask → token
//! dissolve. An animation from step S to T shows S, then for each later step its in-between
//! positions and the settled frame, so the dissolve plays as in the app.

use super::ExportError;
use crate::playback::Playback;

/// Most in-between frames per step (keeps the `-tNN` file names distinct).
pub const MAX_INBETWEENS: usize = 24;
/// Most frames per second a GIF can show (browsers slow down delays under 20 ms).
pub const MAX_FPS: f32 = 50.0;

/// Timing and range of an animation (GIF or PNG frames).
#[derive(Clone, Debug, PartialEq)]
pub struct AnimationParams {
    /// Frames per second of the animation (each in-between and settled frame lasts `1/fps`).
    pub fps: f32,
    /// In-between frames per step, drawn part-way through the dissolve (0 = cut from step to step).
    pub inbetweens: usize,
    /// First step shown (default 0, the all-mask canvas).
    pub from_step: Option<usize>,
    /// Last step shown (default the run's last).
    pub to_step: Option<usize>,
    /// How long the first frame stays, milliseconds.
    pub first_hold_ms: u32,
    /// How long the last frame stays before the GIF loops, milliseconds.
    pub last_hold_ms: u32,
}

impl Default for AnimationParams {
    fn default() -> Self {
        Self {
            fps: 10.0,
            inbetweens: 3,
            from_step: None,
            to_step: None,
            first_hold_ms: 1200,
            last_hold_ms: 3000,
        }
    }
}

/// One frame of an animation.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedFrame {
    /// Playback position (see the module docs).
    pub position: f64,
    /// How long it stays, milliseconds.
    pub delay_ms: u32,
}

impl PlannedFrame {
    /// The step shown (the frame the app would draw at this position).
    pub fn step(&self) -> usize {
        at(self.position).frame()
    }

    /// How far the step's dissolve has got, in `(0, 1]`.
    pub fn transition(&self) -> f32 {
        at(self.position).transition()
    }

    /// File name of this frame as a PNG: `step-012.png` when settled, `step-012-t25.png` a
    /// quarter of the way into step 12's dissolve (so that names sort in playing order).
    pub fn file_name(&self, digits: usize) -> String {
        let step = self.step();
        let t = self.transition();
        if t >= 1.0 {
            format!("step-{step:0digits$}.png")
        } else {
            let percent = (t * 100.0).round().clamp(1.0, 99.0) as u32;
            format!("step-{step:0digits$}-t{percent:02}.png")
        }
    }
}

fn at(position: f64) -> Playback {
    Playback {
        position,
        ..Playback::default()
    }
}

/// Digits of the step numbers in file names: at least 3, enough for `last_step`.
pub fn name_digits(last_step: usize) -> usize {
    last_step.to_string().len().max(3)
}

/// Check `from`/`to` against a run whose last step is `last` (`what` names it in errors); returns
/// the inclusive range of steps to show.
pub fn step_range(
    from: Option<usize>,
    to: Option<usize>,
    last: usize,
    what: &str,
) -> Result<(usize, usize), ExportError> {
    let out_of_range = |flag, value| ExportError::StepOutOfRange {
        flag,
        value,
        last,
        what: what.to_string(),
    };
    let from = from.unwrap_or(0);
    let to = to.unwrap_or(last);
    if from > last {
        return Err(out_of_range("--from", from));
    }
    if to > last {
        return Err(out_of_range("--to", to));
    }
    if from > to {
        return Err(ExportError::EmptyRange { from, to });
    }
    Ok((from, to))
}

/// The frames of an animation over a timeline whose last step is `last` (`what` names the run).
pub fn plan(
    params: &AnimationParams,
    last: usize,
    what: &str,
) -> Result<Vec<PlannedFrame>, ExportError> {
    if !(params.fps.is_finite() && params.fps > 0.0 && params.fps <= MAX_FPS) {
        return Err(ExportError::BadParameter(format!(
            "--fps must be above 0 and at most {MAX_FPS} (got {})",
            params.fps
        )));
    }
    if params.inbetweens > MAX_INBETWEENS {
        return Err(ExportError::BadParameter(format!(
            "--inbetweens must be at most {MAX_INBETWEENS} (got {})",
            params.inbetweens
        )));
    }
    let (from, to) = step_range(params.from_step, params.to_step, last, what)?;
    let frame_ms = (1000.0 / params.fps).round() as u32;
    let mut frames = vec![PlannedFrame {
        position: from as f64,
        delay_ms: params.first_hold_ms.max(frame_ms),
    }];
    let parts = params.inbetweens + 1;
    for step in from + 1..=to {
        for i in 1..=parts {
            frames.push(PlannedFrame {
                position: (step - 1) as f64 + i as f64 / parts as f64,
                delay_ms: frame_ms,
            });
        }
    }
    if let Some(last_frame) = frames.last_mut()
        && to > from
    {
        last_frame.delay_ms = params.last_hold_ms.max(frame_ms);
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_has_one_start_frame_and_inbetweens_plus_one_per_step() {
        let p = AnimationParams::default();
        let frames = plan(&p, 32, "run").unwrap();
        assert_eq!(frames.len(), 1 + 32 * 4);
        assert_eq!(frames[0].step(), 0);
        assert_eq!(frames[1].step(), 1);
        assert!((frames[1].transition() - 0.25).abs() < 1e-6);
        assert_eq!(frames[4].transition(), 1.0);
        assert_eq!(frames[0].delay_ms, 1200);
        assert_eq!(frames[1].delay_ms, 100);
        assert_eq!(frames.last().map(|f| f.delay_ms), Some(3000));
        assert_eq!(frames.last().map(PlannedFrame::step), Some(32));
    }

    #[test]
    fn names_sort_in_playing_order() {
        let p = AnimationParams {
            inbetweens: 2,
            ..AnimationParams::default()
        };
        let frames = plan(&p, 3, "run").unwrap();
        let names: Vec<String> = frames.iter().map(|f| f.file_name(3)).collect();
        assert_eq!(
            names,
            [
                "step-000.png",
                "step-001-t33.png",
                "step-001-t67.png",
                "step-001.png",
                "step-002-t33.png",
                "step-002-t67.png",
                "step-002.png",
                "step-003-t33.png",
                "step-003-t67.png",
                "step-003.png"
            ]
        );
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, names);
    }

    #[test]
    fn ranges_are_checked() {
        let p = AnimationParams {
            from_step: Some(5),
            to_step: Some(7),
            inbetweens: 0,
            ..AnimationParams::default()
        };
        let frames = plan(&p, 10, "run").unwrap();
        let steps: Vec<usize> = frames.iter().map(PlannedFrame::step).collect();
        assert_eq!(steps, [5, 6, 7]);
        let bad = AnimationParams {
            to_step: Some(11),
            ..AnimationParams::default()
        };
        assert_eq!(
            plan(&bad, 10, "x.trace").unwrap_err().to_string(),
            "--to 11 is out of range: x.trace has steps 0..=10"
        );
        let bad = AnimationParams {
            from_step: Some(6),
            to_step: Some(2),
            ..AnimationParams::default()
        };
        assert_eq!(
            plan(&bad, 10, "x").unwrap_err().to_string(),
            "--from 6 is after --to 2"
        );
        let bad = AnimationParams {
            fps: 0.0,
            ..AnimationParams::default()
        };
        assert!(plan(&bad, 10, "x").is_err());
    }

    #[test]
    fn a_single_step_range_is_one_frame() {
        let p = AnimationParams {
            from_step: Some(4),
            to_step: Some(4),
            ..AnimationParams::default()
        };
        let frames = plan(&p, 10, "x").unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].step(), 4);
    }
}
