//! The playback bar: a big "step N / M" counter, transport buttons, the scrub slider, speed, loop
//! and follow-live, plus the keyboard shortcuts. It only emits [`PlaybackCommand`]s.

use egui::{Key, RichText};

use crate::playback::{Playback, PlaybackCommand, SPEED_RANGE};
use crate::view::step_counter::{step_counter_text, step_counter_ui};

/// Commands from the keyboard: space = play/pause, ←/→ = one step, Home/End = start/end,
/// `[`/`]` = slower/faster. Ignored while a text box has focus (the keys are the text's then).
pub fn keyboard_commands(ctx: &egui::Context) -> Vec<PlaybackCommand> {
    if ctx.text_edit_focused() {
        return Vec::new();
    }
    let none = egui::Modifiers::NONE;
    ctx.input_mut(|i| {
        let mut out = Vec::new();
        let keys = [
            (Key::Space, PlaybackCommand::TogglePlay),
            (Key::ArrowLeft, PlaybackCommand::StepBack),
            (Key::ArrowRight, PlaybackCommand::StepForward),
            (Key::Home, PlaybackCommand::JumpStart),
            (Key::End, PlaybackCommand::JumpEnd),
            (Key::OpenBracket, PlaybackCommand::Slower),
            (Key::CloseBracket, PlaybackCommand::Faster),
        ];
        for (key, command) in keys {
            if i.consume_key(none, key) {
                out.push(command);
            }
        }
        out
    })
}

/// What the bar shows besides the playback state.
#[derive(Clone, Debug, PartialEq)]
pub struct BarInfo {
    /// Frames in the (synced) timeline.
    pub frame_count: usize,
    /// A run is still generating.
    pub live: bool,
    /// Planned steps of the run (for the counter), if known.
    pub planned: Option<u32>,
    /// Counter font size (points).
    pub counter_size: f32,
}

/// Draw the bar; returns the commands the user gave.
pub fn playback_bar_ui(
    ui: &mut egui::Ui,
    playback: &Playback,
    info: &BarInfo,
) -> Vec<PlaybackCommand> {
    let mut out = Vec::new();
    let frame = playback.frame().min(info.frame_count.saturating_sub(1));
    let last = info.frame_count.saturating_sub(1);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 8.0;
        let counter = step_counter_text(frame, info.frame_count, info.live, info.planned);
        step_counter_ui(ui, counter, info.counter_size).on_hover_text(
            "The frame on screen: the canvas after this many denoising steps (0 = all masked).",
        );
        ui.separator();
        let enabled = info.frame_count > 1;
        ui.add_enabled_ui(enabled, |ui| {
            if ui
                .button("⇤ Start")
                .on_hover_text("Jump to step 0 (Home)")
                .clicked()
            {
                out.push(PlaybackCommand::JumpStart);
            }
            if ui
                .button("◀ Back")
                .on_hover_text("One step back (←)")
                .clicked()
            {
                out.push(PlaybackCommand::StepBack);
            }
            let play_label = if playback.playing {
                "‖ Pause"
            } else {
                "▶ Play"
            };
            if ui
                .button(RichText::new(play_label).strong())
                .on_hover_text("Play or pause (space)")
                .clicked()
            {
                out.push(PlaybackCommand::TogglePlay);
            }
            if ui
                .button("Next ▶")
                .on_hover_text("One step forward (→)")
                .clicked()
            {
                out.push(PlaybackCommand::StepForward);
            }
            if ui
                .button("End ⇥")
                .on_hover_text("Jump to the last step (End)")
                .clicked()
            {
                out.push(PlaybackCommand::JumpEnd);
            }
        });
        ui.separator();
        let mut looping = playback.looping;
        if ui
            .checkbox(&mut looping, "Loop")
            .on_hover_text("Start over when the end is reached")
            .changed()
        {
            out.push(PlaybackCommand::SetLoop(looping));
        }
        let mut follow = playback.follow_live;
        if ui
            .add_enabled(info.live, egui::Checkbox::new(&mut follow, "Follow live"))
            .on_hover_text("Stay on the newest step while the model is still generating")
            .on_disabled_hover_text("Only while a run is generating")
            .changed()
        {
            out.push(PlaybackCommand::SetFollowLive(follow));
        }
        let mut instant = playback.instant;
        if ui
            .checkbox(&mut instant, "Instant")
            .on_hover_text(
                "Show the newest step at once instead of one step every 0.6 s at 1× \
                 (the plots always show the model's real time)",
            )
            .changed()
        {
            out.push(PlaybackCommand::SetInstant(instant));
        }
        ui.separator();
        let mut speed = playback.speed;
        let speed_response = ui
            .add(
                egui::Slider::new(&mut speed, SPEED_RANGE.0..=SPEED_RANGE.1)
                    .logarithmic(true)
                    .max_decimals(2)
                    .suffix("×")
                    .text("Speed"),
            )
            .on_hover_text("Playback speed: 1× = one step every 0.6 s, however fast the model computes; [ and ] step it down and up");
        if speed_response.changed() {
            out.push(PlaybackCommand::SetSpeed(speed));
        }
    });
    ui.horizontal(|ui| {
        let mut value = frame;
        ui.spacing_mut().slider_width = (ui.available_width() - 70.0).max(100.0);
        // A live run with a planned length spans the whole run (the counter's "/ N"); steps not
        // computed yet cannot be sought. A one-frame timeline still gets a range, so the handle
        // sits at the start.
        let end = match (info.live, info.planned) {
            (true, Some(planned)) => (planned as usize).max(last),
            _ => last,
        };
        let slider = egui::Slider::new(&mut value, 0..=end.max(1))
            .show_value(false)
            .text("Scrub")
            .trailing_fill(true);
        let response = ui.add_enabled(info.frame_count > 1, slider);
        if response.changed() {
            out.push(PlaybackCommand::Seek(value.min(last)));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_commands_unless_typing() {
        let ctx = egui::Context::default();
        let press = |key| egui::Event::Key {
            key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        };
        let input = egui::RawInput {
            events: vec![
                press(Key::Space),
                press(Key::ArrowRight),
                press(Key::CloseBracket),
            ],
            ..Default::default()
        };
        let mut commands = Vec::new();
        let mut out = ctx.run_ui(input, |ui| commands = keyboard_commands(ui.ctx()));
        out.textures_delta.clear();
        assert_eq!(
            commands,
            vec![
                PlaybackCommand::TogglePlay,
                PlaybackCommand::StepForward,
                PlaybackCommand::Faster
            ]
        );
    }

    fn scrub_range(info: &BarInfo) -> (f64, f64) {
        use egui_kittest::kittest::{NodeT, Queryable};
        let playback = Playback::default();
        let mut fonts_installed = false;
        let harness = egui_kittest::Harness::new_ui(|ui| {
            if !fonts_installed {
                crate::view::fonts::install_fonts(ui.ctx(), &[]);
                fonts_installed = true;
            }
            playback_bar_ui(ui, &playback, info);
        });
        let node = harness.get_by_label("Scrub");
        let ak = node.accesskit_node();
        (
            ak.min_numeric_value().unwrap(),
            ak.max_numeric_value().unwrap(),
        )
    }

    #[test]
    fn the_scrub_bar_spans_a_live_runs_planned_length_and_a_finished_runs_frames() {
        let live = BarInfo {
            frame_count: 11,
            live: true,
            planned: Some(60),
            counter_size: 20.0,
        };
        assert_eq!(scrub_range(&live), (0.0, 60.0));
        let unplanned = BarInfo {
            planned: None,
            ..live.clone()
        };
        assert_eq!(scrub_range(&unplanned), (0.0, 10.0));
        let finished = BarInfo {
            frame_count: 8,
            live: false,
            planned: Some(60),
            counter_size: 20.0,
        };
        assert_eq!(scrub_range(&finished), (0.0, 7.0));
    }
}
