//! The desktop app (eframe/egui): panels read a `Trace` + `Playback` and emit commands.
//! Nothing here imports candle; the model lives on the worker thread.

pub mod controls;
pub mod plots;
pub mod theme;
