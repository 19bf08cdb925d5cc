//! The menu bar: File, View and Export menus, the mode switch, the theme toggle, the model chip,
//! and the **Models…** window it opens.

use std::path::{Path, PathBuf};

use egui::RichText;

use crate::ui::export_menu::ExportKind;
use crate::ui::file_dialog::{DialogChoice, FileQuestion, FileTarget};
use crate::ui::files;
use crate::ui::model_picker::{self, PickerAction};
use crate::view::palette::{ColorMode, Palette};
use crate::view::style;

use super::{Mode, ModelStatus, UnmaskApp, model_display_name};

impl UnmaskApp {
    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            // Clicking inside the File menu (its path field) keeps it open; its items close it.
            egui::containers::menu::MenuButton::new("File")
                .config(
                    egui::containers::menu::MenuConfig::new()
                        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
                )
                .ui(ui, |ui| self.file_menu(ui));
            ui.menu_button("View", |ui| self.view_menu(ui));
            ui.menu_button("Export", |ui| self.export_menu(ui));
            ui.menu_button("Lessons", |ui| self.lessons_menu(ui));
            ui.separator();
            let mut mode = self.session.mode();
            ui.selectable_value(&mut mode, Mode::Single, "Single run")
                .on_hover_text("One run: canvas, playback and plots");
            ui.selectable_value(&mut mode, Mode::Compare, "Compare")
                .on_hover_text("Several configurations on the same prompt, side by side");
            self.session.set_mode(mode);
            ui.separator();
            if ui
                .selectable_label(self.settings.model_picker.open, "Models…")
                .on_hover_text("Choose a model: the embedded one, a hub model or a folder")
                .clicked()
            {
                self.settings.model_picker.open = !self.settings.model_picker.open;
            }
            ui.separator();
            let theme_label = if self.settings.dark {
                "Light theme"
            } else {
                "Dark theme"
            };
            if ui.button(theme_label).clicked() {
                self.settings.dark = !self.settings.dark;
                style::apply_theme(ui.ctx(), &Palette::of(self.settings.dark));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                self.model_chip(ui);
            });
        });
    }

    pub(super) fn model_chip(&self, ui: &mut egui::Ui) {
        match self.session.model_status() {
            ModelStatus::None => {
                ui.label("no model");
            }
            ModelStatus::Loading {
                source,
                stage,
                fraction,
            } => {
                ui.add(
                    egui::ProgressBar::new(*fraction)
                        .desired_width(180.0)
                        .show_percentage()
                        .animate(true),
                );
                ui.label(format!("Loading model {source}: {stage}"));
            }
            ModelStatus::Ready(info) => {
                let name = model_display_name(&info.id);
                ui.label(RichText::new(format!("Model: {name}")).strong())
                    .on_hover_text(format!(
                        "{}\n{} · {:.2} M parameters · {}\nvocabulary {} · context {} · {} {}",
                        info.id,
                        info.family,
                        info.n_params as f64 / 1e6,
                        info.shape,
                        info.vocab_size,
                        info.max_context,
                        info.device,
                        info.dtype
                    ));
            }
            ModelStatus::Failed(_) => {
                ui.label(RichText::new("no model loaded").color(ui.visuals().warn_fg_color));
            }
        }
    }

    /// The model picker window, when open.
    pub(super) fn model_picker_window(&mut self, ctx: &egui::Context) {
        let mut open = self.settings.model_picker.open;
        let busy = matches!(self.session.model_status(), ModelStatus::Loading { .. });
        let mut action = PickerAction::None;
        egui::Window::new("Models")
            .open(&mut open)
            .default_pos([360.0, 40.0])
            .default_size([720.0, 640.0])
            .min_width(640.0)
            .show(ctx, |ui| {
                action = model_picker::model_picker_ui(ui, &mut self.settings.model_picker, busy);
            });
        // Choosing a model closes the window, so the progress in the model chip is in view.
        self.settings.model_picker.open = open && action == PickerAction::None;
        match action {
            PickerAction::None => {}
            PickerAction::PickFolder => {
                self.ask_file(FileQuestion::model_folder(None), FileTarget::LoadModel)
            }
            PickerAction::PickGguf => {
                self.ask_file(FileQuestion::model_file(None), FileTarget::LoadModel)
            }
            PickerAction::Load(source) => self.load_source(source),
            PickerAction::LoadEmbedded => match crate::model::default_model_dir() {
                Ok(dir) => self.load_model(dir),
                Err(e) => self.session.banner(format!("{e:#}"), None),
            },
        }
    }

    pub(super) fn file_menu(&mut self, ui: &mut egui::Ui) {
        if ui.button("Open model folder…").clicked() {
            self.ask_file(FileQuestion::model_folder(None), FileTarget::LoadModel);
            ui.close();
        }
        if ui.button("Open trace…").clicked() {
            let dir = self
                .settings
                .recent_traces
                .first()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            self.ask_file(FileQuestion::open_trace(dir), FileTarget::OpenTrace);
            ui.close();
        }
        let can_save = self.session.main_run().is_some_and(|m| !m.live);
        if ui
            .add_enabled(can_save, egui::Button::new("Save trace…"))
            .on_disabled_hover_text("Finish or cancel a run first")
            .clicked()
        {
            if let Some(m) = self.session.main_run() {
                let name = files::suggested_trace_name(&m.trace);
                let trace = Box::new(m.trace.clone());
                self.ask_file(
                    FileQuestion::save_trace(name, None),
                    FileTarget::SaveTrace(trace),
                );
            }
            ui.close();
        }
        ui.separator();
        ui.label("Open path (trace file or model folder):");
        let edit = ui.add(
            egui::TextEdit::singleline(&mut self.path_input)
                .hint_text("/path/to/run.trace")
                .desired_width(320.0),
        );
        if edit.lost_focus()
            && ui.input(|i| i.key_pressed(egui::Key::Enter))
            && !self.path_input.trim().is_empty()
        {
            let path = PathBuf::from(self.path_input.trim());
            self.open_path(path);
            ui.close();
        }
        ui.separator();
        ui.menu_button("Recent traces", |ui| {
            if self.settings.recent_traces.is_empty() {
                ui.label("none yet");
            }
            for path in self.settings.recent_traces.clone() {
                if ui.button(path.display().to_string()).clicked() {
                    self.open_path(path);
                    ui.close();
                }
            }
        });
        ui.menu_button("Recent models", |ui| {
            if self.settings.recent_models.is_empty() {
                ui.label("none yet");
            }
            for path in self.settings.recent_models.clone() {
                if ui.button(path.display().to_string()).clicked() {
                    self.load_model(path);
                    ui.close();
                }
            }
        });
        if let Ok(dir) = crate::model::default_model_dir()
            && ui.button("Load the embedded model").clicked()
        {
            self.load_model(dir);
            ui.close();
        }
        ui.separator();
        let mut in_app = self.settings.file_dialog == DialogChoice::InApp;
        if ui
            .checkbox(&mut in_app, "Use Unmask's own file dialog")
            .on_hover_text(
                "Choose files in a window inside Unmask instead of the desktop's dialog. \
                 Used by itself when the desktop has no file dialog (no xdg portal).",
            )
            .changed()
        {
            self.settings.file_dialog = if in_app {
                DialogChoice::InApp
            } else {
                DialogChoice::Auto
            };
        }
        ui.separator();
        if ui.button("Quit").clicked() {
            ui.close();
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    pub(super) fn export_menu(&mut self, ui: &mut egui::Ui) {
        let busy = self.exports.busy();
        let items = [
            (
                ExportKind::Gif,
                "Current run as GIF…",
                "An animated GIF that plays like the canvas, with the dissolves",
            ),
            (
                ExportKind::Frames,
                "Current run as PNG frames…",
                "One PNG per step, into a folder, for frame-by-frame slides",
            ),
            (
                ExportKind::Html,
                "Current run as HTML player…",
                "One self-contained web page that plays the run in any browser",
            ),
            (
                ExportKind::Csv,
                "Current run as CSV…",
                "Per-step metrics (.csv) and per-position results (.positions.csv)",
            ),
            (
                ExportKind::CompareGif,
                "Comparison as side-by-side GIF…",
                "Every compared run side by side on one timeline",
            ),
        ];
        for (kind, label, hint) in items {
            let request = self.export_request(kind);
            let why = if busy {
                "An export is running"
            } else if kind == ExportKind::CompareGif {
                "Run or add configurations in Compare mode first"
            } else {
                "Finish a run (or open a trace) first"
            };
            let clicked = ui
                .add_enabled(!busy && request.is_some(), egui::Button::new(label))
                .on_hover_text(hint)
                .on_disabled_hover_text(why)
                .clicked();
            if clicked && let Some(request) = request {
                let name = request
                    .traces
                    .first()
                    .map(|t| {
                        files::suggested_trace_name(t)
                            .trim_end_matches(".trace")
                            .to_string()
                    })
                    .unwrap_or_else(|| "unmask-run".into());
                let question = FileQuestion::export(kind.describe(), kind.extension(), &name, None);
                self.ask_file(question, FileTarget::Export(Box::new(request)));
                ui.close();
            }
        }
    }

    /// The Lessons menu: each lesson loads its prompt and configurations into compare mode and
    /// runs them. The arithmetic lessons are for the embedded model; any other model gets the
    /// prose lesson.
    pub(super) fn lessons_menu(&mut self, ui: &mut egui::Ui) {
        let embedded = self.embedded_model_loaded();
        let lessons = if embedded {
            crate::lessons::embedded_lessons()
        } else {
            vec![crate::lessons::prose_lesson()]
        };
        ui.label(RichText::new("Each lesson runs two or more decodings side by side").weak());
        for lesson in lessons {
            if ui
                .button(lesson.title)
                .on_hover_text(lesson.look_for)
                .clicked()
            {
                self.start_lesson(&lesson);
                ui.close();
            }
        }
        if !embedded {
            ui.separator();
            ui.label(
                RichText::new(
                    "The arithmetic lessons need the embedded model (Models… → Embedded model).",
                )
                .weak(),
            );
        }
    }

    pub(super) fn view_menu(&mut self, ui: &mut egui::Ui) {
        ui.checkbox(&mut self.settings.show_guesses, "Show guesses in masks")
            .on_hover_text(
                "Inside each mask, the model's current best guess (faded) and its probability",
            );
        ui.checkbox(&mut self.settings.show_prompt, "Show prompt tokens")
            .on_hover_text("Also draw the prompt as the model sees it (with its chat format)");
        ui.separator();
        ui.label("Colour committed tokens by:");
        for mode in ColorMode::ALL {
            ui.radio_value(&mut self.settings.color_mode, mode, mode.menu_label());
        }
        ui.separator();
        if ui
            .button("Presenter mode (F5)")
            .on_hover_text(
                "Only the step counter, the prompt and a large canvas; keys play it; Esc leaves",
            )
            .clicked()
        {
            self.presenter = true;
            ui.close();
        }
        ui.checkbox(&mut self.settings.show_controls, "Controls panel");
        ui.checkbox(&mut self.settings.show_plots, "Plots");
        ui.checkbox(&mut self.settings.show_legend, "What am I looking at?");
        ui.separator();
        ui.add(
            egui::Slider::new(&mut self.settings.text_size, 10.0..=48.0).text("Token text size"),
        );
        ui.horizontal(|ui| {
            ui.label(format!("UI zoom: {:.0} %", ui.ctx().zoom_factor() * 100.0));
            if ui.button("Smaller").on_hover_text("Ctrl −").clicked() {
                egui::gui_zoom::zoom_out(ui.ctx());
            }
            if ui.button("Larger").on_hover_text("Ctrl +").clicked() {
                egui::gui_zoom::zoom_in(ui.ctx());
            }
            if ui
                .button("Reset")
                .on_hover_text("Back to 100 % (Ctrl 0)")
                .clicked()
            {
                ui.ctx().set_zoom_factor(1.0);
            }
        });
    }
}
