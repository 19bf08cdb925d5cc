//! Unmask: watch masked-diffusion language models write text.
//!
//! The library holds everything the GUI and the headless CLI share: the denoisers (`model`), the
//! decoding rules (`sampler`), the canvas being denoised (`canvas`), the run record (`trace`), the
//! run loop (`generate`), the worker thread (`worker`), the playback time model (`playback`), the
//! drawing the app and the exports share (`view`) and the exports for slides and the web (`export`).

pub mod canvas;
pub mod cli;
pub mod data;
pub mod eval;
pub mod export;
pub mod generate;
pub mod hub;
pub mod lessons;
pub mod model;
pub mod playback;
pub mod sampler;
pub mod trace;
pub mod train;
pub mod ui;
pub mod view;
pub mod visible;
pub mod worker;
