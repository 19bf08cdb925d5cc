//! The panels of the main window: error banners, the status line, the controls (and compare
//! controls) on the left, the legend on the right, the canvas in the middle and the plots below.

use std::path::Path;

use egui::RichText;

use crate::visible::visible_controls;

use crate::playback::PlaybackCommand;
use crate::trace::{RunOutcome, Trace};
use crate::ui::compare;
use crate::ui::controls::{self, ControlsAction};
use crate::ui::plots::{self, PlotRun};
use crate::view::canvas;
use crate::view::legend;
use crate::view::palette::Palette;
use crate::view::run_summary;
use crate::view::step_counter;
use crate::view::timeline::PlotAxis;

use super::{BannerAction, Mode, ModelStatus, UnmaskApp, model_display_name};

impl UnmaskApp {
    pub(super) fn banners_ui(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        let mut action = None;
        let palette = Palette::of(self.settings.dark);
        for (i, b) in self.session.banners().iter().enumerate() {
            egui::Frame::new()
                .fill(palette.error_fill)
                .inner_margin(8)
                .corner_radius(4)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        if ui.button("×").on_hover_text("Dismiss").clicked() {
                            dismiss = Some(i);
                        }
                        if let Some(offered) = b.action {
                            let label = match offered {
                                BannerAction::RestartWorker => "Restart worker",
                                BannerAction::ReloadModel => "Reload model",
                            };
                            if ui.button(label).clicked() {
                                action = Some(i);
                            }
                        }
                        ui.add(
                            egui::Label::new(
                                RichText::new(&b.text).color(palette.error_text).size(15.0),
                            )
                            .wrap(),
                        );
                    });
                });
        }
        if let Some(i) = action {
            self.session.press_banner(i);
        } else if let Some(i) = dismiss {
            self.session.dismiss_banner(i);
        }
    }

    pub(super) fn status_line(&self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            let model = match self.session.model_status() {
                ModelStatus::Ready(info) => {
                    let recommends = info
                        .recommended_decoding
                        .as_ref()
                        .map(|r| format!(" · recommends {}", r.describe()))
                        .unwrap_or_default();
                    format!(
                        "{} ({}, {:.2} M params) on {} {}{recommends}",
                        model_display_name(&info.id),
                        info.family,
                        info.n_params as f64 / 1e6,
                        info.device,
                        info.dtype
                    )
                }
                ModelStatus::Loading {
                    stage, fraction, ..
                } => {
                    format!("loading model: {stage} ({:.0}%)", fraction * 100.0)
                }
                ModelStatus::None | ModelStatus::Failed(_) => {
                    match self
                        .session
                        .main_run()
                        .filter(|_| self.session.mode() == Mode::Single)
                    {
                        // A replay needs no model: say whose run it is.
                        Some(m) => {
                            // The model's folder and its parent ("assets/model").
                            let id = Path::new(&m.trace.header.model_id);
                            let short: Vec<String> = id
                                .components()
                                .rev()
                                .take(2)
                                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                                .collect();
                            let short: Vec<&str> = short.iter().rev().map(String::as_str).collect();
                            format!("no model loaded · replaying a run of {}", short.join("/"))
                        }
                        None => "no model loaded".into(),
                    }
                }
            };
            ui.label(model);
            ui.separator();
            match self.session.mode() {
                Mode::Single => match self.session.main_run() {
                    Some(m) => {
                        let (frames, live, planned) = self.session.timeline();
                        ui.label(step_counter::step_counter_text(
                            self.session.main_playback().frame(),
                            frames,
                            live,
                            planned,
                        ));
                        ui.separator();
                        ui.label(format!(
                            "{:.1} tokens/s",
                            run_summary::tokens_per_s(&m.trace)
                        ));
                        ui.separator();
                        let state = match (&m.trace.summary, m.live) {
                            (_, true) => "generating…".to_string(),
                            (Some(s), _) => match &s.outcome {
                                RunOutcome::Finished => {
                                    format!("finished in {:.2} s", s.elapsed_ms / 1000.0)
                                }
                                RunOutcome::Cancelled => "cancelled".into(),
                                RunOutcome::Failed(e) => format!("failed: {e}"),
                            },
                            (None, false) => "ended without a summary".into(),
                        };
                        ui.label(state);
                        ui.separator();
                        ui.label(&m.source);
                    }
                    None => {
                        ui.label("no run yet");
                    }
                },
                Mode::Compare => {
                    let n = self.session.compare().entries.len();
                    ui.label(format!(
                        "{n} configuration{}",
                        if n == 1 { "" } else { "s" }
                    ));
                }
            }
            if let Some(n) = &self.notice {
                ui.separator();
                ui.label(RichText::new(n).italics());
            }
            if self.files.busy() {
                ui.spinner();
            }
            if let Some((done, total)) = self.exports.progress() {
                ui.separator();
                ui.add(
                    egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                        .desired_width(160.0)
                        .text(format!("exporting: frame {done} / {total}")),
                );
            } else if self.exports.busy() {
                ui.spinner();
            }
        });
    }

    pub(super) fn left_panel(&mut self, ui: &mut egui::Ui) {
        // Generate is pinned under the scrolling controls, so no zoom or plot height hides it.
        let running = self.is_running();
        let action = egui::Panel::bottom("generate_button")
            .show_separator_line(false)
            .show(ui, |ui| {
                ui.add_space(6.0);
                let action = controls::generate_button_ui(ui, &self.settings.controls, running);
                ui.add_space(2.0);
                action
            })
            .inner;
        egui::ScrollArea::vertical().show(ui, |ui| {
            if self.session.mode() == Mode::Compare {
                self.compare_controls(ui);
                ui.separator();
            }
            controls::controls_ui(ui, &mut self.settings.controls);
        });
        {
            match action {
                ControlsAction::Generate => match self.settings.controls.request() {
                    Ok(request) => {
                        self.session.set_mode(Mode::Single);
                        self.generate(request);
                    }
                    Err(e) => self.session.banner(format!("Cannot generate: {e}"), None),
                },
                ControlsAction::Cancel => self.cancel(),
                ControlsAction::None => {}
            }
        }
    }

    pub(super) fn compare_controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("Compare");
        ui.horizontal(|ui| {
            ui.label("Sync by:");
            ui.radio_value(&mut self.session.compare_mut().axis, PlotAxis::Step, "step")
                .on_hover_text("Same step number in every run");
            ui.radio_value(
                &mut self.session.compare_mut().axis,
                PlotAxis::Progress,
                "progress",
            )
            .on_hover_text("Same fraction of each run, so runs of different lengths end together");
        });
        let live = self.session.compare().live();
        let mut remove = None;
        for (i, entry) in self.session.compare().entries.iter().enumerate() {
            ui.horizontal(|ui| {
                let color = Palette::of(self.settings.dark).run_color(i);
                if ui
                    .add_enabled(!live, egui::Button::new("×"))
                    .on_hover_text(format!("Remove {}", entry.label))
                    .clicked()
                {
                    remove = Some(i);
                }
                ui.label(RichText::new(&entry.label).strong().color(color));
                ui.add(egui::Label::new(&entry.description).wrap());
            });
        }
        if let Some(i) = remove {
            self.session.compare_mut().remove(i);
        }
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!live, egui::Button::new("Add current settings"))
                .on_hover_text("Add the decoding settings above as a new configuration")
                .clicked()
            {
                match self.settings.controls.request() {
                    Ok(r) => {
                        self.session.compare_mut().add_request(r);
                    }
                    Err(e) => self
                        .session
                        .banner(format!("Cannot add these settings: {e}"), None),
                }
            }
            let finished = self
                .session
                .main_run()
                .filter(|m| !m.live)
                .map(|m| m.trace.clone());
            if ui
                .add_enabled(
                    !live && finished.is_some(),
                    egui::Button::new("Add the last run"),
                )
                .on_hover_text("Add the run on the single-run canvas as it is")
                .clicked()
                && let Some(t) = finished
            {
                self.session.compare_mut().add_trace(t);
            }
            let can_run = !live
                && self
                    .session
                    .compare()
                    .entries
                    .iter()
                    .any(|e| e.request.is_some());
            if ui
                .add_enabled(
                    can_run,
                    egui::Button::new(RichText::new("Run all").strong()),
                )
                .on_hover_text("Run every configuration on the prompt above, one after another")
                .clicked()
            {
                self.compare_run_all();
            }
            if ui.add_enabled(!live, egui::Button::new("Clear")).clicked() {
                self.session.compare_mut().entries.clear();
                self.session.compare_mut().lesson = None;
            }
        });
    }

    pub(super) fn legend_panel(&self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("What am I looking at?");
            ui.label(
                "Each box is one token. The model starts from a row of masks and fills them in \
                 over a number of steps, in any order it likes.",
            );
            ui.add_space(8.0);
            legend::legend_ui(
                ui,
                self.settings.color_mode,
                &Palette::of(self.settings.dark),
            );
            ui.add_space(8.0);
            ui.label("Hover any box for the model's top candidates there.");
            ui.add_space(8.0);
            ui.label(RichText::new("Keys").strong());
            ui.label(
                "space play/pause · ← → one step · Home/End first/last · [ ] slower/faster · \
                 Ctrl +/− zoom",
            );
        });
    }

    pub(super) fn central(&mut self, ui: &mut egui::Ui, transition: f32) {
        let options = self.canvas_options();
        match self.session.mode() {
            Mode::Compare => compare::compare_ui(ui, self.session.compare(), &options),
            Mode::Single => {
                let Some(main) = self.session.main_run() else {
                    ui.add_space(40.0);
                    ui.vertical_centered(|ui| {
                        ui.heading(RichText::new("Press Generate to watch the model write.").size(28.0));
                        ui.add_space(8.0);
                        ui.label(RichText::new(
                            "Or drop a .trace file on this window to replay a saved run (no model needed).",
                        ).size(18.0));
                    });
                    return;
                };
                let mut text_size = self.settings.text_size;
                ui.horizontal(|ui| {
                    ui.label(RichText::new("Prompt:").strong().size(18.0));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .button(RichText::new("A+").size(16.0))
                            .on_hover_text("Bigger tokens")
                            .clicked()
                        {
                            text_size = (text_size + 4.0).min(64.0);
                        }
                        if ui
                            .button(RichText::new("A−").size(16.0))
                            .on_hover_text("Smaller tokens")
                            .clicked()
                        {
                            text_size = (text_size - 4.0).max(10.0);
                        }
                        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                            ui.add(
                                egui::Label::new(
                                    RichText::new(visible_controls(&main.trace.header.prompt))
                                        .size(18.0),
                                )
                                .wrap(),
                            );
                        });
                    });
                });
                // The run's own settings (read-only), and a way to take them over.
                let header = &main.trace.header;
                let mut take_settings = false;
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(run_summary::describe_params(&header.params)).weak())
                        .on_hover_text(format!(
                            "The settings this run was made with:\ntemplate {:?}\n{}\nseed {} · temperature {}",
                            header.template,
                            run_summary::describe_params(&header.params),
                            header.params.seed,
                            header.params.temperature
                        ));
                    if !main.live
                        && ui
                            .small_button("Use these settings")
                            .on_hover_text(
                                "Put this run's prompt, template and decoding (its seed included) \
                                 into the controls, to run it again or change one thing",
                            )
                            .clicked()
                    {
                        take_settings = true;
                    }
                });
                let taken = take_settings.then(|| {
                    (
                        header.prompt.clone(),
                        header.template.clone(),
                        header.params.clone(),
                    )
                });
                let frame = self
                    .session
                    .main_playback()
                    .frame()
                    .min(main.trace.frame_count() - 1);
                // Always one line, so the canvas below never moves when the text arrives.
                let finished = !main.live && frame + 1 == main.trace.frame_count();
                response_line(ui, &main.trace, finished);
                ui.separator();
                egui::ScrollArea::vertical()
                    .id_salt("main_canvas")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        canvas::canvas_ui(
                            ui,
                            &main.trace,
                            frame,
                            transition,
                            &options,
                            self.forced_hover,
                        );
                    });
                self.settings.text_size = text_size;
                if let Some((prompt, template, params)) = taken {
                    self.settings
                        .controls
                        .load_settings(&prompt, &template, &params);
                    self.notice = Some("The controls now hold this run's settings.".into());
                }
            }
        }
    }

    pub(super) fn plots_panel(&mut self, ui: &mut egui::Ui) {
        let scrub = match self.session.mode() {
            Mode::Single => match self.session.main_run() {
                Some(m) => {
                    let runs = [PlotRun {
                        label: "this run",
                        trace: &m.trace,
                        color: Palette::of(self.settings.dark).run_color(0),
                        frame: self.session.main_playback().frame(),
                    }];
                    plots::plots_ui(ui, &runs, PlotAxis::Step).map(|x| (x, PlotAxis::Step))
                }
                None => None,
            },
            Mode::Compare => {
                let runs: Vec<PlotRun<'_>> = self
                    .session
                    .compare()
                    .entries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| {
                        e.trace.as_ref().map(|t| PlotRun {
                            label: &e.label,
                            trace: t,
                            color: Palette::of(self.settings.dark).run_color(i),
                            frame: self.session.compare().run_frame(t).0,
                        })
                    })
                    .collect();
                plots::plots_ui(ui, &runs, self.session.compare().axis)
                    .map(|x| (x, self.session.compare().axis))
            }
        };
        if let Some((x, axis)) = scrub {
            let (frames, _, _) = self.session.timeline();
            let last = frames.saturating_sub(1) as f64;
            let frame = match axis {
                PlotAxis::Step => x,
                PlotAxis::Progress => x * last,
            };
            let frame = frame.round().clamp(0.0, last) as usize;
            self.apply_commands(vec![PlaybackCommand::Seek(frame)]);
        }
    }
}

/// The finished response as `unmask generate` prints it: runs of EOS/EOT cells shown as a dimmed
/// `⟨eos ×N⟩` (the canvas draws each as a dashed EOS chip), cut at each span's first EOS when the
/// run's "stop text at EOS" was on. Until the last step it holds a placeholder; either way it is
/// one line (cut short with "…", whole on hover), so the canvas below keeps its place.
pub(super) fn response_line(ui: &mut egui::Ui, trace: &Trace, finished: bool) {
    let style = ui.style().clone();
    let mut job = egui::text::LayoutJob::default();
    let mut add = |text: RichText| {
        text.append_to(
            &mut job,
            &style,
            egui::FontSelection::Default,
            egui::Align::Center,
        )
    };
    add(RichText::new("Response: ").strong());
    let mut whole = String::new();
    if finished {
        let pieces = crate::generate::response_pieces(trace, trace.header.params.stop_at_eos);
        for piece in &pieces {
            match piece {
                crate::generate::ResponsePiece::Text(t) => {
                    whole.push_str(t);
                    add(RichText::new(visible_controls(&t.replace('\n', " ↵ "))));
                }
                marker => {
                    whole.push_str(&marker.plain());
                    add(RichText::new(marker.plain()).weak().italics());
                }
            }
        }
    } else {
        add(RichText::new("written out here when the run ends")
            .weak()
            .italics());
    }
    let response = ui.add(egui::Label::new(job).truncate());
    if finished {
        response.on_hover_text(format!(
            "{whole}\n\n(⟨eos ×N⟩: end-of-sequence cells, the model chose to end the text there)"
        ));
    }
}
