//! Decoding rules of the anchor systems, as pure seeded functions of (logits, canvas, params, rng).
//!
//! A run is split into *stages* (the semi-autoregressive blocks, or the regions of a region order);
//! each step picks which still-masked positions of the current stage to commit, and with what token.

pub mod params;

pub use params::{Order, ParamsError, Remasking, SamplerParams, Schedule};

use serde::{Deserialize, Serialize};

/// One committed cell.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    /// Canvas position.
    pub pos: u32,
    /// Token committed there.
    pub token: u32,
    /// The scorer's confidence when it was committed (for `Random`, the model probability of the token).
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
