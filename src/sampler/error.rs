//! `SamplerError`: what can go wrong during one step, with messages a user can act on.

/// A step that cannot be taken.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SamplerError {
    /// The logits do not have one row of `vocab_size` per still-masked position.
    #[error(
        "expected {expected} logits ({masked} still-masked positions × vocabulary {vocab_size}) but got {got}: pass one row per position of canvas.still_masked()"
    )]
    LogitsLength {
        /// `masked × vocab_size`.
        expected: usize,
        /// Length of the slice given.
        got: usize,
        /// Still-masked positions in the canvas.
        masked: usize,
        /// Vocabulary size the sampler was built with.
        vocab_size: usize,
    },
    /// A logit is NaN or +∞ (−∞ is allowed: it rules a token out).
    #[error(
        "the model produced {value} as the logit of token {token} at position {pos}: logits must be finite (or −∞); the model or its weights are broken"
    )]
    NonFiniteLogit {
        /// Canvas position.
        pos: u32,
        /// Token id.
        token: u32,
        /// The offending value.
        value: f32,
    },
    /// Every token but the mask is ruled out (−∞) at a position.
    #[error(
        "every token except the mask has a logit of −∞ at position {pos}: there is nothing to commit there"
    )]
    NoCandidate {
        /// Canvas position.
        pos: u32,
    },
    /// `step` was called on a canvas that has no masks left.
    #[error("the canvas has no masks left: the run is finished, stop calling step")]
    NothingMasked,
    /// The canvas holds a mask the sampler does not know about.
    #[error(
        "position {pos} is masked but was not a mask of the canvas this sampler was built for: build a new Sampler for this canvas"
    )]
    CanvasMismatch {
        /// The unexpected masked position.
        pos: u32,
    },
}
