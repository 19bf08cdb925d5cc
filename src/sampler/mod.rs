//! Decoding rules of the anchor systems, as pure seeded functions of (logits, canvas, params, rng).
//!
//! A run is split into *stages* (the semi-autoregressive blocks, or the regions of a region order);
//! each step picks which still-masked positions of the current stage to commit, and with what token.

//!
//! Modules: `params` (the knobs), `settings` (the knobs as a person sets them, the shared defaults
//! and the one builder of params), `names` (command-line names and app labels of the choices),
//! `presets` (the app's presets), `validate` (checking params once), `stages` (blocks and regions),
//! `schedule` (how many to commit per step), `distribution` (filtering, candidate token and scores of
//! one position), `select` (which positions), `guidance` (CFG), `rng` (the seeded stream), `decode`
//! (the `Sampler` that drives a step), `error`.

mod decode;
mod distribution;
mod error;
mod guidance;
mod names;
pub mod params;
pub mod presets;
mod rng;
mod schedule;
mod select;
pub mod settings;
mod stages;
mod validate;

pub use decode::Sampler;
pub use error::SamplerError;
pub use guidance::cfg_combine;
pub use names::ParseNameError;
pub use params::{Order, ParamsError, Remasking, SamplerParams, Schedule};
pub use presets::Preset;
pub use schedule::{dream_counts, factor_count, llada_quota, split_steps, threshold_count};
pub use settings::{
    CountRule, DEFAULT_THRESHOLD, DEFAULT_TRACE_TOP_K, DREAM_EPS, OrderKind, SamplerSettings,
    ScheduleKind,
};

use serde::{Deserialize, Serialize};

/// One committed cell.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    /// Canvas position.
    pub pos: u32,
    /// Token committed there.
    pub token: u32,
    /// The model's probability `P` of the committed token (after top-k/top-p filtering, temperature 1),
    /// whatever the scorer, so plots are comparable across scorers.
    pub confidence: f32,
}

/// The model's current top candidates at a still-masked position.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Guess {
    /// Canvas position.
    pub pos: u32,
    /// `(token, probability)` best first; `top[0]` is the top-1 guess.
    pub top: Vec<(u32, f32)>,
}

/// What one step decided.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepDecision {
    /// Cells committed this step, ascending by position.
    pub commits: Vec<Commit>,
    /// Top candidates at every position that was masked before this step, ascending by position.
    pub guesses: Vec<Guess>,
}
