//! Choosing a file or a folder: the desktop's own dialog (rfd, on a helper thread) where the
//! desktop has one, else Unmask's in-app dialog (egui_file) drawn in the window.
//!
//! rfd needs an xdg desktop portal (or zenity) on Linux; on minimal window managers, Xvfb and many
//! remote desktops neither exists and rfd answers "nothing chosen" at once. An answer faster than
//! a person could open and cancel a dialog ([`NO_DIALOG_WITHIN`]) means no dialog appeared, and
//! the app asks again with the in-app dialog — and keeps using it. The File menu can also make the
//! in-app dialog the only one.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::trace::Trace;
use crate::ui::export_menu::ExportRequest;
use crate::ui::files::block_on;

/// A native dialog that returns nothing sooner than this never appeared.
pub const NO_DIALOG_WITHIN: Duration = Duration::from_millis(400);

/// Which dialog the app uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DialogChoice {
    /// The desktop's own, falling back to the in-app one when it cannot appear.
    #[default]
    Auto,
    /// Always the in-app one.
    InApp,
}

/// What kind of choice a question asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    /// An existing file.
    OpenFile,
    /// A file name to write (existing or not).
    SaveFile,
    /// A folder.
    PickFolder,
}

/// A question for the user: what to choose and how to ask.
#[derive(Clone, Debug, PartialEq)]
pub struct FileQuestion {
    /// File, new file or folder.
    pub kind: DialogKind,
    /// The dialog's title.
    pub title: String,
    /// Files of this extension are offered; a saved name without an extension gets it.
    pub extension: Option<&'static str>,
    /// The name of that kind of file ("Unmask trace").
    pub filter_name: &'static str,
    /// The file name offered when saving.
    pub file_name: Option<String>,
    /// The folder the dialog opens in.
    pub start_dir: Option<PathBuf>,
    /// What is being chosen, for the message when nothing is ("trace file to open").
    pub what: &'static str,
}

impl FileQuestion {
    /// Ask for a trace file to open.
    pub fn open_trace(start_dir: Option<PathBuf>) -> Self {
        FileQuestion {
            kind: DialogKind::OpenFile,
            title: "Open an Unmask trace".into(),
            extension: Some("trace"),
            filter_name: "Unmask trace",
            file_name: None,
            start_dir,
            what: "trace file to open",
        }
    }

    /// Ask where to save a trace, offering `file_name`.
    pub fn save_trace(file_name: String, start_dir: Option<PathBuf>) -> Self {
        FileQuestion {
            kind: DialogKind::SaveFile,
            title: "Save the run as a trace".into(),
            extension: Some("trace"),
            filter_name: "Unmask trace",
            file_name: Some(file_name),
            start_dir,
            what: "file to save the trace in",
        }
    }

    /// Ask for a model folder.
    pub fn model_folder(start_dir: Option<PathBuf>) -> Self {
        FileQuestion {
            kind: DialogKind::PickFolder,
            title: "Open a model folder (config.json + *.safetensors + tokenizer.json)".into(),
            extension: None,
            filter_name: "",
            file_name: None,
            start_dir,
            what: "model folder",
        }
    }

    /// Ask for a `.gguf` model file.
    pub fn model_file(start_dir: Option<PathBuf>) -> Self {
        FileQuestion {
            kind: DialogKind::OpenFile,
            title: "Open a quantised model (.gguf)".into(),
            extension: Some("gguf"),
            filter_name: "GGUF model",
            file_name: None,
            start_dir,
            what: "GGUF model file",
        }
    }

    /// Ask where to export: a file of `extension` named after `name`, or a folder when there is
    /// no extension (PNG frames).
    pub fn export(
        describe: &'static str,
        extension: Option<&'static str>,
        name: &str,
        start_dir: Option<PathBuf>,
    ) -> Self {
        FileQuestion {
            kind: if extension.is_some() {
                DialogKind::SaveFile
            } else {
                DialogKind::PickFolder
            },
            title: format!("Export the run as {describe}"),
            extension,
            filter_name: describe,
            file_name: extension.map(|ext| format!("{name}.{ext}")),
            start_dir,
            what: "place to export to",
        }
    }

    /// The chosen path, with the extension added to a saved file name that has none.
    pub fn finish_path(&self, mut path: PathBuf) -> PathBuf {
        if self.kind == DialogKind::SaveFile
            && path.extension().is_none()
            && let Some(ext) = self.extension
        {
            path.set_extension(ext);
        }
        path
    }
}

/// What to do with the chosen path.
#[derive(Debug)]
pub enum FileTarget {
    /// Open it as a trace.
    OpenTrace,
    /// Save this trace there.
    SaveTrace(Box<Trace>),
    /// Load it as a model (a folder or a `.gguf` file).
    LoadModel,
    /// Run this export there.
    Export(Box<ExportRequest>),
}

/// What the desktop's dialog answered.
#[derive(Clone, Debug, PartialEq)]
pub enum NativeAnswer {
    /// A path was chosen.
    Chosen(PathBuf),
    /// The user closed the dialog without choosing.
    Nothing,
    /// No dialog appeared (it answered sooner than a person could).
    NoDialog,
}

/// Ask `question` with the desktop's dialog. Blocks until it closes: call it on a helper thread.
pub fn ask_native(question: &FileQuestion) -> NativeAnswer {
    let started = Instant::now();
    let mut dialog = rfd::AsyncFileDialog::new().set_title(&question.title);
    if let Some(dir) = &question.start_dir {
        dialog = dialog.set_directory(dir);
    }
    if let Some(ext) = question.extension {
        dialog = dialog.add_filter(question.filter_name, &[ext]);
        if question.kind == DialogKind::OpenFile {
            dialog = dialog.add_filter("All files", &["*"]);
        }
    }
    if let Some(name) = &question.file_name {
        dialog = dialog.set_file_name(name);
    }
    let chosen = match question.kind {
        DialogKind::OpenFile => block_on(dialog.pick_file()),
        DialogKind::SaveFile => block_on(dialog.save_file()),
        DialogKind::PickFolder => block_on(dialog.pick_folder()),
    };
    answer(
        question,
        chosen.map(|h| h.path().to_path_buf()),
        started.elapsed(),
    )
}

/// What a native dialog that returned `chosen` after `elapsed` answered.
fn answer(question: &FileQuestion, chosen: Option<PathBuf>, elapsed: Duration) -> NativeAnswer {
    match chosen {
        Some(path) => NativeAnswer::Chosen(question.finish_path(path)),
        None if elapsed < NO_DIALOG_WITHIN => NativeAnswer::NoDialog,
        None => NativeAnswer::Nothing,
    }
}

/// Unmask's own dialog for one question, drawn as a window in the app.
pub struct InAppDialog {
    question: FileQuestion,
    dialog: egui_file::FileDialog,
}

impl InAppDialog {
    /// Open the dialog for `question`.
    pub fn new(question: FileQuestion) -> Self {
        let mut dialog = match question.kind {
            DialogKind::OpenFile => egui_file::FileDialog::open_file(),
            DialogKind::SaveFile => egui_file::FileDialog::save_file(),
            DialogKind::PickFolder => egui_file::FileDialog::select_folder(),
        }
        .title(&question.title)
        .default_size([640.0, 480.0])
        .show_rename(false);
        if let Some(dir) = question
            .start_dir
            .clone()
            .filter(|d| d.is_dir())
            .or_else(|| std::env::current_dir().ok())
        {
            dialog = dialog.initial_path(dir);
        }
        if let Some(name) = &question.file_name {
            dialog = dialog.default_filename(name.clone());
        }
        if let Some(ext) = question.extension {
            dialog = dialog.show_files_filter(Box::new(move |p: &Path| {
                p.extension().is_some_and(|e| e == ext)
            }));
        }
        dialog.open();
        InAppDialog { question, dialog }
    }

    /// The question it asks.
    pub fn question(&self) -> &FileQuestion {
        &self.question
    }

    /// Draw it. `None` while it is open; then `Some(Some(path))` when a path was chosen or
    /// `Some(None)` when it was cancelled.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Option<PathBuf>> {
        self.dialog.show(ctx);
        match self.dialog.state() {
            egui_file::State::Open => None,
            egui_file::State::Selected => Some(
                self.dialog
                    .path()
                    .map(|p| self.question.finish_path(p.to_path_buf())),
            ),
            egui_file::State::Cancelled | egui_file::State::Closed => Some(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_name_without_an_extension_gets_the_questions() {
        let q = FileQuestion::save_trace("run.trace".into(), None);
        assert_eq!(
            q.finish_path("/tmp/a".into()),
            PathBuf::from("/tmp/a.trace")
        );
        assert_eq!(
            q.finish_path("/tmp/a.bin".into()),
            PathBuf::from("/tmp/a.bin")
        );
        let open = FileQuestion::open_trace(None);
        assert_eq!(open.finish_path("/tmp/a".into()), PathBuf::from("/tmp/a"));
        let frames = FileQuestion::export("PNG frames", None, "run", None);
        assert_eq!(frames.kind, DialogKind::PickFolder);
        let gif = FileQuestion::export("GIF", Some("gif"), "run", None);
        assert_eq!(gif.file_name.as_deref(), Some("run.gif"));
    }

    #[test]
    fn nothing_chosen_at_once_means_no_dialog_appeared() {
        let q = FileQuestion::save_trace("run.trace".into(), None);
        assert_eq!(
            answer(&q, None, Duration::from_millis(5)),
            NativeAnswer::NoDialog
        );
        assert_eq!(
            answer(&q, None, Duration::from_secs(3)),
            NativeAnswer::Nothing
        );
        assert_eq!(
            answer(&q, Some("/tmp/x".into()), Duration::from_millis(5)),
            NativeAnswer::Chosen("/tmp/x.trace".into())
        );
    }
}
