//! Screenshot and demo scripting: the prepared scenes `--demo-screenshot` opens (used by
//! `.ci/screenshots.sh`) and the ready marker printed once one is on screen.

use std::path::PathBuf;

use crate::trace::Trace;
use crate::view::palette::ColorMode;

use super::{Mode, UnmaskApp};

/// Printed on stdout once a demo scene is on screen (the screenshot script waits for it).
pub const DEMO_READY_MARKER: &str = "UNMASK_DEMO_READY";

/// A prepared view for screenshots (`--demo-screenshot`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoScene {
    /// The main view paused mid-run.
    Main,
    /// The main view with the top-k popup of a masked cell open.
    Hover,
    /// Compare mode with every `--trace` side by side.
    Compare,
    /// The decode-order colouring of the finished run.
    DecodeOrder,
    /// The main view with the **Models…** window open.
    Models,
    /// The first lesson (answer first or reasoning first) from its two `--trace`s, finished.
    Lesson,
    /// The main view mid-run in presenter mode.
    Presenter,
}

impl std::str::FromStr for DemoScene {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "main" => Ok(DemoScene::Main),
            "hover" => Ok(DemoScene::Hover),
            "compare" => Ok(DemoScene::Compare),
            "decode-order" => Ok(DemoScene::DecodeOrder),
            "models" => Ok(DemoScene::Models),
            "lesson" => Ok(DemoScene::Lesson),
            "presenter" => Ok(DemoScene::Presenter),
            other => Err(format!(
                "unknown demo scene {other:?}: use main, hover, compare, decode-order, models, lesson or presenter"
            )),
        }
    }
}

impl UnmaskApp {
    pub(super) fn setup_demo(&mut self, scene: DemoScene, traces: Vec<(PathBuf, Trace)>) {
        self.settings.show_plots = true;
        self.settings.show_legend = true;
        let mut traces = traces.into_iter();
        match scene {
            DemoScene::Compare | DemoScene::Lesson => {
                for (_, t) in traces {
                    if self.session.compare().entries.is_empty() {
                        // The controls show the shared prompt (and the first run's settings).
                        let h = &t.header;
                        self.settings
                            .controls
                            .load_settings(&h.prompt, &h.template, &h.params);
                    }
                    self.session.compare_mut().add_trace(t);
                }
                self.session.set_mode(Mode::Compare);
                let last = self.session.compare().frame_count().saturating_sub(1);
                self.session.compare_mut().playback.position = if scene == DemoScene::Lesson {
                    last as f64
                } else {
                    (last as f64 * 0.5).round()
                };
                if scene == DemoScene::Lesson
                    && let Some(lesson) = crate::lessons::embedded_lessons().into_iter().next()
                {
                    self.session.compare_mut().show_lesson(&lesson);
                }
                self.session.compare_mut().playback.playing = false;
                self.session.compare_mut().playback.follow_live = false;
            }
            DemoScene::Main
            | DemoScene::Hover
            | DemoScene::DecodeOrder
            | DemoScene::Models
            | DemoScene::Presenter => {
                let Some((path, trace)) = traces.next() else {
                    self.session
                        .banner("--demo-screenshot needs --trace FILE".into(), None);
                    return;
                };
                let last = trace.frame_count().saturating_sub(1);
                let frame = if scene == DemoScene::DecodeOrder {
                    last
                } else {
                    demo_mid_frame(&trace)
                };
                if scene == DemoScene::Hover {
                    self.forced_hover = demo_hover_position(&trace, frame);
                }
                if scene == DemoScene::DecodeOrder {
                    self.settings.color_mode = ColorMode::DecodeOrder;
                }
                self.settings.model_picker.open = scene == DemoScene::Models;
                // The controls show the settings that made the run on screen.
                let h = &trace.header;
                self.settings
                    .controls
                    .load_settings(&h.prompt, &h.template, &h.params);
                self.show_trace(path, trace);
                // Mid-run: paused part-way through a step, so the fresh tokens are still flashing.
                self.presenter = scene == DemoScene::Presenter;
                let dissolving = matches!(scene, DemoScene::Main | DemoScene::Presenter);
                self.session.main_playback_mut().position = if dissolving && frame > 0 {
                    frame as f64 - 0.45
                } else {
                    frame as f64
                };
                self.session.main_playback_mut().playing = false;
            }
        }
    }

    /// Print the ready marker once the demo scene has been drawn a few times.
    pub(super) fn demo_tick(&mut self) {
        if self.demo.is_none() {
            return;
        }
        self.demo_frames += 1;
        if self.demo_frames < 8 {
            self.ctx.request_repaint();
        } else if self.demo_frames == 8 {
            use std::io::Write;
            println!("{DEMO_READY_MARKER}");
            let _ = std::io::stdout().flush();
        }
    }
}

/// The frame the mid-run demos show: the first at which at most a quarter of the masks are left (the
/// confident, easy tokens are written and the contested ones are still open), else 45% of the way.
fn demo_mid_frame(trace: &Trace) -> usize {
    let target = trace.initial_masks() / 4;
    trace
        .step_metrics()
        .iter()
        .position(|m| m.masks_left <= target)
        .map(|i| i + 1)
        .unwrap_or_else(|| ((trace.steps.len() as f64) * 0.45).round() as usize)
}

/// The masked position whose popup the hover demo opens at `frame`: among the masks with recorded
/// guesses, those whose top guess is visible text (not a space or a special token) tell the most;
/// one a quarter of the way along them (else along all masks with guesses).
fn demo_hover_position(trace: &Trace, frame: usize) -> Option<u32> {
    let cells = trace.frame_at(frame).cells.len();
    let start = trace.header.canvas.prompt_len;
    let guessed: Vec<(u32, Vec<(u32, f32)>)> = (start..cells)
        .filter_map(|p| {
            let p = p as u32;
            trace.candidates_at(frame, p).map(|c| (p, c))
        })
        .collect();
    let visible: Vec<u32> = guessed
        .iter()
        .filter(|(_, c)| {
            c.first().is_some_and(|&(token, _)| {
                trace
                    .tokens
                    .get(&token)
                    .is_some_and(|t| !t.special && !t.text.trim().is_empty())
                    && !trace.header.eos_token_ids.contains(&token)
            })
        })
        .map(|(p, _)| *p)
        .collect();
    // A quarter of the way along: early on the canvas, so the popup opens over it.
    let pick = |ps: &[u32]| ps.get(ps.len() / 4).copied();
    pick(&visible).or_else(|| pick(&guessed.iter().map(|(p, _)| *p).collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_frames_are_late_enough_to_show_colours_and_hover_a_guessed_mask() {
        let trace = crate::trace::synthetic::synthetic_trace(40, 3, 9);
        // One commit per step: a quarter of 40 masks is left after step 30.
        assert_eq!(demo_mid_frame(&trace), 30);
        let pos = demo_hover_position(&trace, 30).expect("a mask with guesses");
        assert!(trace.candidates_at(30, pos).is_some());
        assert!(
            matches!(
                trace.frame_at(30).cells[pos as usize],
                crate::trace::Cell::Masked { .. }
            ),
            "the hovered cell is still masked"
        );
        assert_eq!(
            demo_hover_position(&trace, 40),
            None,
            "nothing is masked at the end"
        );
    }

    #[test]
    fn demo_scenes_parse() {
        assert_eq!("hover".parse::<DemoScene>(), Ok(DemoScene::Hover));
        assert!(
            "nope"
                .parse::<DemoScene>()
                .unwrap_err()
                .contains("decode-order")
        );
    }
}
