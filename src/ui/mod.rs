//! The desktop app (eframe/egui): panels read a `Trace` + `Playback` and emit commands.
//! Nothing here imports candle; the model lives on the worker thread.

pub mod app;
pub mod compare;
pub mod controls;
pub mod export_menu;
pub mod file_dialog;
pub mod files;
pub mod model_picker;
pub mod playback_bar;
pub mod plots;
pub mod session;

pub use app::{AppOptions, DemoScene, UnmaskApp, run_app};
