//! Unmask: watch masked-diffusion language models write text.
//!
//! The library holds everything the GUI and the headless CLI share: the denoisers (`model`), the
//! decoding rules (`sampler`), the canvas being denoised (`canvas`), the run record (`trace`), the
//! run loop (`generate`), the worker thread (`worker`) and the playback time model (`playback`).

pub mod canvas;
pub mod cli;
pub mod data;
pub mod eval;
pub mod generate;
pub mod model;
pub mod playback;
pub mod sampler;
pub mod trace;
pub mod train;
pub mod ui;
pub mod worker;
