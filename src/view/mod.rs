//! The drawing both the app and the exports use: the canvas, the colour palette and legend, the
//! step counter, fonts and style, and a run described in words. It may draw with egui but never
//! imports `ui` (the app), `export` or candle, so an export renders exactly what the app shows.

pub mod canvas;
pub mod cells;
pub mod fonts;
pub mod layout;
pub mod legend;
pub mod palette;
pub mod pieces;
pub mod run_column;
pub mod run_summary;
pub mod step_counter;
pub mod style;
pub mod timeline;
