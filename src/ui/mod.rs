//! The desktop app (eframe/egui): panels read a `Trace` + `Playback` and emit commands.
//! Nothing here imports candle; the model lives on the worker thread.

pub mod app;
pub mod canvas_view;
pub mod compare;
pub mod controls;
pub mod export_menu;
pub mod files;
pub mod fonts;
pub mod model_picker;
pub mod playback_bar;
pub mod plots;
pub mod theme;

pub use app::{AppOptions, DemoScene, UnmaskApp, run_app};
