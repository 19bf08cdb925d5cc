//! The time model of a replay (after rerun's `TimeControl`): a fractional cursor over frames that
//! panels move only through [`PlaybackCommand`]s, and `update(dt)` that says whether to repaint.
//!
//! The cursor `position` runs over `0.0..=last_frame`. The frame on screen is `ceil(position)`
//! and `transition()` is how far the mask→token dissolve of that frame has got (1 = done), so
//! slow motion really is slow: a 0.1× replay shows each dissolve over ten times as many frames.

use serde::{Deserialize, Serialize};

/// Seconds a step takes on screen at 1×, its dissolve included: paced for people, whatever the
/// model's speed (a run that computes faster is shown at this pace; the plots keep the real times).
pub const PACED_STEP_S: f64 = 0.6;

/// Slowest and fastest playback speed.
pub const SPEED_RANGE: (f32, f32) = (0.05, 4.0);
/// Speed steps for the `[`/`]` keys.
pub const SPEED_STEPS: [f32; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0];

/// Everything a panel may ask of playback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PlaybackCommand {
    /// Start playing (from the start if at the end and not looping).
    Play,
    /// Stop at the current position.
    Pause,
    /// Play ⇄ pause.
    TogglePlay,
    /// One frame forward (pauses).
    StepForward,
    /// One frame back (pauses).
    StepBack,
    /// Frame 0 (pauses).
    JumpStart,
    /// Last frame (pauses).
    JumpEnd,
    /// Go to a frame (pauses; clamped).
    Seek(usize),
    /// Set the speed (clamped to `SPEED_RANGE`).
    SetSpeed(f32),
    /// Next faster speed step.
    Faster,
    /// Next slower speed step.
    Slower,
    /// Loop at the end.
    SetLoop(bool),
    /// Stick to the newest frame while a run is generating.
    SetFollowLive(bool),
    /// Skip the pacing: show the newest (or last) frame at once.
    SetInstant(bool),
}

/// Cursor state of a replay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Playback {
    /// Fractional frame position.
    pub position: f64,
    /// Advancing on its own.
    pub playing: bool,
    /// Multiplier of `base_frames_per_s`.
    pub speed: f32,
    /// Frames per second at 1× speed.
    pub base_frames_per_s: f32,
    /// Start over at the end.
    pub looping: bool,
    /// Track the newest frame of a live run (at the playback pace, never ahead of the model).
    pub follow_live: bool,
    /// No pacing: playing jumps to the newest frame at once (for people who want the end state).
    pub instant: bool,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            position: 0.0,
            playing: false,
            speed: 1.0,
            base_frames_per_s: (1.0 / PACED_STEP_S) as f32,
            looping: false,
            follow_live: true,
            instant: false,
        }
    }
}

impl Playback {
    /// The frame to draw.
    pub fn frame(&self) -> usize {
        (self.position - 1e-9).ceil().max(0.0) as usize
    }

    /// Progress of the current frame's dissolve, in `(0, 1]` (1 when paused on a frame).
    pub fn transition(&self) -> f32 {
        let f = self.frame() as f64;
        (1.0 - (f - self.position)).clamp(0.0, 1.0) as f32
    }

    /// Apply a command for a trace with `frame_count` frames.
    pub fn apply(&mut self, command: PlaybackCommand, frame_count: usize) {
        let last = frame_count.saturating_sub(1) as f64;
        match command {
            PlaybackCommand::Play => {
                if self.position >= last && !self.follow_live {
                    self.position = 0.0;
                }
                self.playing = true;
            }
            PlaybackCommand::Pause => self.playing = false,
            PlaybackCommand::TogglePlay => {
                let cmd = if self.playing {
                    PlaybackCommand::Pause
                } else {
                    PlaybackCommand::Play
                };
                self.apply(cmd, frame_count);
            }
            PlaybackCommand::StepForward => {
                self.playing = false;
                self.follow_live = false;
                self.position = (self.frame() as f64 + 1.0).min(last);
            }
            PlaybackCommand::StepBack => {
                self.playing = false;
                self.follow_live = false;
                let f = self.frame();
                // From mid-dissolve, go back to the frame before the one being drawn.
                self.position = f.saturating_sub(1) as f64;
            }
            PlaybackCommand::JumpStart => {
                self.playing = false;
                self.follow_live = false;
                self.position = 0.0;
            }
            PlaybackCommand::JumpEnd => {
                self.playing = false;
                self.position = last;
            }
            PlaybackCommand::Seek(frame) => {
                self.playing = false;
                self.follow_live = false;
                self.position = (frame as f64).min(last);
            }
            PlaybackCommand::SetSpeed(s) => {
                self.speed = s.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
            }
            PlaybackCommand::Faster => {
                self.speed = SPEED_STEPS
                    .iter()
                    .copied()
                    .find(|&s| s > self.speed + 1e-4)
                    .unwrap_or(SPEED_RANGE.1);
            }
            PlaybackCommand::Slower => {
                self.speed = SPEED_STEPS
                    .iter()
                    .rev()
                    .copied()
                    .find(|&s| s < self.speed - 1e-4)
                    .unwrap_or(SPEED_RANGE.0);
            }
            PlaybackCommand::SetLoop(on) => self.looping = on,
            PlaybackCommand::SetFollowLive(on) => {
                self.follow_live = on;
                if on {
                    self.playing = true;
                }
            }
            PlaybackCommand::SetInstant(on) => self.instant = on,
        }
    }

    /// Advance by `dt_s` seconds. `live` = the trace is still growing. Returns whether the view
    /// changes (the caller should repaint).
    pub fn update(&mut self, dt_s: f64, frame_count: usize, live: bool) -> bool {
        let last = frame_count.saturating_sub(1) as f64;
        if self.position > last {
            self.position = last;
            return true;
        }
        if !self.playing {
            return false;
        }
        let before = self.position;
        // Paced: a live run that computes faster than this is followed at this pace, and one that
        // computes slower is waited for at its newest frame.
        let step = if self.instant {
            last - self.position
        } else {
            dt_s * self.speed as f64 * self.base_frames_per_s as f64
        };
        self.position += step;
        if self.position >= last {
            if live && self.follow_live {
                self.position = last;
            } else if self.looping && last > 0.0 {
                self.position = 0.0;
            } else {
                self.position = last;
                self.playing = false;
            }
        }
        self.position != before || self.playing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playing_advances_and_stops_at_the_end() {
        let mut p = Playback {
            follow_live: false,
            ..Playback::default()
        };
        p.apply(PlaybackCommand::Play, 5);
        assert!(p.update(PACED_STEP_S, 5, false)); // one paced step
        assert_eq!(p.frame(), 1);
        assert!((p.transition() - 1.0).abs() < 1e-6);
        for _ in 0..10 {
            p.update(PACED_STEP_S, 5, false);
        }
        assert_eq!(p.frame(), 4);
        assert!(!p.playing);
        assert!(
            !p.update(0.25, 5, false),
            "paused playback asks for no repaint"
        );
    }

    #[test]
    fn slow_motion_takes_longer_and_shows_the_dissolve() {
        let mut p = Playback {
            follow_live: false,
            ..Playback::default()
        };
        p.apply(PlaybackCommand::SetSpeed(0.1), 10);
        p.apply(PlaybackCommand::Play, 10);
        p.update(2.0 * PACED_STEP_S, 10, false); // two paced steps' time × 0.1 = 0.2 frame
        assert_eq!(p.frame(), 1);
        assert!((p.transition() - 0.2).abs() < 1e-6, "{}", p.transition());
    }

    #[test]
    fn stepping_seeking_and_jumping() {
        let mut p = Playback::default();
        p.apply(PlaybackCommand::StepForward, 5);
        p.apply(PlaybackCommand::StepForward, 5);
        assert_eq!(p.frame(), 2);
        p.apply(PlaybackCommand::StepBack, 5);
        assert_eq!(p.frame(), 1);
        p.apply(PlaybackCommand::StepBack, 5);
        p.apply(PlaybackCommand::StepBack, 5);
        assert_eq!(p.frame(), 0);
        p.apply(PlaybackCommand::Seek(99), 5);
        assert_eq!(p.frame(), 4);
        p.apply(PlaybackCommand::JumpStart, 5);
        assert_eq!(p.frame(), 0);
        p.apply(PlaybackCommand::JumpEnd, 5);
        assert_eq!(p.frame(), 4);
    }

    #[test]
    fn speed_is_clamped_and_stepped() {
        let mut p = Playback::default();
        p.apply(PlaybackCommand::SetSpeed(100.0), 2);
        assert_eq!(p.speed, 4.0);
        p.apply(PlaybackCommand::Slower, 2);
        assert_eq!(p.speed, 3.0);
        p.apply(PlaybackCommand::SetSpeed(0.0), 2);
        assert_eq!(p.speed, 0.05);
        p.apply(PlaybackCommand::Slower, 2);
        assert_eq!(p.speed, 0.05);
        p.apply(PlaybackCommand::Faster, 2);
        assert_eq!(p.speed, 0.1);
    }

    #[test]
    fn looping_wraps() {
        let mut p = Playback {
            follow_live: false,
            looping: true,
            ..Playback::default()
        };
        p.apply(PlaybackCommand::Play, 3);
        for _ in 0..3 {
            p.update(PACED_STEP_S, 3, false);
        }
        assert!(p.playing);
        assert!(p.frame() <= 1);
    }

    #[test]
    fn a_fast_live_run_is_shown_at_the_pace_of_people() {
        let mut p = Playback::default();
        p.apply(PlaybackCommand::Play, 1);
        // The model writes a step every 16 ms; one paced step takes 0.6 s.
        let mut t = 0.0;
        for frames in 2..50 {
            p.update(0.016, frames, true);
            t += 0.016;
        }
        let expected = t / PACED_STEP_S;
        assert!(
            (p.position - expected).abs() < 1e-6,
            "{} vs {expected}",
            p.position
        );
        // The run ends; playback goes on at the same pace to the last step, then stops.
        for _ in 0..200 {
            p.update(0.25, 50, false);
        }
        assert_eq!(p.frame(), 49);
        assert!(!p.playing);
        // Scrubbing detaches from live.
        p.apply(PlaybackCommand::Seek(3), 50);
        assert!(!p.follow_live);
        p.update(0.016, 60, true);
        assert_eq!(p.frame(), 3);
    }

    #[test]
    fn a_slow_live_run_is_waited_for_at_its_newest_step() {
        let mut p = Playback::default();
        p.apply(PlaybackCommand::Play, 1);
        for frames in 2..6 {
            // A step every 2 s: playback reaches it and waits.
            for _ in 0..8 {
                p.update(0.25, frames, true);
            }
            assert_eq!(p.position, (frames - 1) as f64);
            assert!(p.playing);
        }
    }

    #[test]
    fn instant_shows_the_newest_step_at_once() {
        let mut p = Playback::default();
        p.apply(PlaybackCommand::SetInstant(true), 1);
        p.apply(PlaybackCommand::Play, 1);
        p.update(0.016, 30, true);
        assert_eq!(p.frame(), 29);
        p.update(0.016, 40, false);
        assert_eq!(p.frame(), 39);
        assert!((p.transition() - 1.0).abs() < 1e-6);
    }
}
