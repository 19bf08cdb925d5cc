//! Presenter mode (F5 or View → Presenter mode; Esc leaves): the controls, plots and legend are
//! hidden, the canvas and the step counter are large, and playback is by keyboard only.

use egui::RichText;

use crate::view::canvas;
use crate::view::step_counter::{step_counter_text, step_counter_ui};

use super::panels::response_line;
use super::{Mode, UnmaskApp};

/// The counter's size in presenter mode, points.
const COUNTER_SIZE: f32 = 56.0;
/// How much larger the tokens are than in the normal view.
const TEXT_SCALE: f32 = 1.5;
/// The largest token size it grows to, points.
const MAX_TEXT_SIZE: f32 = 72.0;

impl UnmaskApp {
    /// F5 toggles presenter mode; Esc leaves it.
    pub(super) fn presenter_keys(&mut self, ctx: &egui::Context) {
        let (f5, esc) = ctx.input(|i| {
            (
                i.key_pressed(egui::Key::F5),
                i.key_pressed(egui::Key::Escape),
            )
        });
        if f5 {
            self.presenter = !self.presenter;
        } else if esc && self.presenter {
            self.presenter = false;
        }
    }

    /// The whole window in presenter mode: the counter and prompt on top, the canvas below.
    pub(super) fn presenter_ui(&mut self, ui: &mut egui::Ui, transition: f32) {
        let (frames, live, planned) = self.session.timeline();
        let frame = self
            .session
            .playback()
            .frame()
            .min(frames.saturating_sub(1));
        egui::Panel::top("presenter_bar").show(ui, |ui| {
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                step_counter_ui(
                    ui,
                    step_counter_text(frame, frames, live, planned),
                    COUNTER_SIZE,
                );
                ui.add_space(16.0);
                let prompt = match self.session.mode() {
                    Mode::Single => self.session.main_run().map(|m| m.trace.header.prompt.clone()),
                    Mode::Compare => self
                        .session
                        .compare()
                        .entries
                        .iter()
                        .find_map(|e| e.trace.as_ref().map(|t| t.header.prompt.clone())),
                };
                if let Some(prompt) = prompt {
                    let prompt = crate::visible::visible_controls(&prompt).into_owned();
                    ui.add(egui::Label::new(RichText::new(prompt).size(26.0)).wrap());
                }
            });
            ui.label(
                RichText::new(
                    "Presenter mode · space play/pause · ← → one step · Home/End · [ ] speed · Esc leaves",
                )
                .weak(),
            );
            ui.add_space(4.0);
        });
        let mut options = self.canvas_options();
        options.text_size = (options.text_size * TEXT_SCALE).min(MAX_TEXT_SIZE);
        egui::CentralPanel::default().show(ui, |ui| match self.session.mode() {
            Mode::Compare => crate::ui::compare::compare_ui(ui, self.session.compare(), &options),
            Mode::Single => match self.session.main_run() {
                Some(main) => {
                    let finished = !main.live && frame + 1 == main.trace.frame_count();
                    response_line(ui, &main.trace, finished);
                    ui.separator();
                    egui::ScrollArea::vertical()
                        .id_salt("presenter_canvas")
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            canvas::canvas_ui(ui, &main.trace, frame, transition, &options, None);
                        });
                }
                None => {
                    ui.add_space(40.0);
                    ui.vertical_centered(|ui| {
                        ui.heading(
                            RichText::new("No run yet: press Esc, then Generate or a lesson.")
                                .size(32.0),
                        );
                    });
                }
            },
        });
    }
}
