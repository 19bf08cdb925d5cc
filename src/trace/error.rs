//! Errors of building, reading and writing traces, with the file path where there is one.

use std::io;
use std::path::{Path, PathBuf};

use super::file::HEADER_LEN;

/// Why a step cannot be part of a trace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// A commit or guess names a position outside the canvas.
    #[error("position {pos} is outside the canvas of {len} cells")]
    OutOfRange {
        /// The position named.
        pos: u32,
        /// Number of canvas cells.
        len: usize,
    },
    /// A commit names a prompt or pinned cell, which is never masked.
    #[error("position {pos} is a fixed (prompt or pinned) cell and cannot be committed")]
    NotMasked {
        /// The position named.
        pos: u32,
    },
    /// A commit names a cell an earlier step already committed.
    #[error("position {pos} was already committed by step {step}")]
    AlreadyCommitted {
        /// The position named.
        pos: u32,
        /// The 1-based step that committed it.
        step: u32,
    },
    /// Commits are not in strictly ascending position order (or repeat a position).
    #[error(
        "commits must be in strictly ascending position order, but position {pos} is out of order"
    )]
    CommitsNotAscending {
        /// The first position out of order.
        pos: u32,
    },
    /// Guess positions are not in strictly ascending order (or repeat a position).
    #[error("guess positions must be strictly ascending, but position {pos} is out of order")]
    GuessesNotAscending {
        /// The first position out of order.
        pos: u32,
    },
    /// A guess is recorded at a cell that was not masked before the step.
    #[error("a guess is recorded at position {pos}, which was not masked before this step")]
    GuessNotMasked {
        /// The position named.
        pos: u32,
    },
    /// The flattened guess arrays do not hold `top_k` entries per guessed position.
    #[error(
        "the guess arrays disagree: {positions} positions × top_k {top_k} needs {} entries, but there are {tokens} tokens and {probs} probabilities",
        .positions.saturating_mul(usize::from(*.top_k))
    )]
    GuessLengths {
        /// Length of `guess_pos`.
        positions: usize,
        /// Candidates per position.
        top_k: u8,
        /// Length of `guess_tokens`.
        tokens: usize,
        /// Length of `guess_probs`.
        probs: usize,
    },
    /// The step count no longer fits the 32-bit step number.
    #[error("the trace already holds the largest number of steps it can number")]
    TooManySteps,
}

/// Anything that goes wrong with a trace. Variants about files carry the path when one is known
/// (`None` for in-memory readers and writers).
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// Reading failed at the operating-system level.
    #[error("could not read {}: {error}", label(.path))]
    Read {
        /// The file.
        path: Option<PathBuf>,
        /// What the OS said.
        error: io::Error,
    },
    /// Writing failed at the operating-system level.
    #[error("could not write {}: {error}", label(.path))]
    Write {
        /// The file.
        path: Option<PathBuf>,
        /// What the OS said.
        error: io::Error,
    },
    /// The data does not start with the trace signature.
    #[error("{} is not an Unmask trace file (it does not start with \"UNMASKTR\")", subject(.path))]
    NotATrace {
        /// The file.
        path: Option<PathBuf>,
    },
    /// The file was written by a newer Unmask.
    #[error(
        "{}: trace format version {found} is newer than this Unmask reads ({supported}): update Unmask",
        label(.path)
    )]
    TooNew {
        /// The file.
        path: Option<PathBuf>,
        /// Version in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// The file ends inside its fixed-size header.
    #[error("{} is truncated: only {found} of its {HEADER_LEN} header bytes are there", label(.path))]
    TruncatedHeader {
        /// The file.
        path: Option<PathBuf>,
        /// Header bytes present.
        found: usize,
    },
    /// The file ends before the body length its header announces.
    #[error("{} is truncated: expected {expected} bytes of data, found {found}", label(.path))]
    Truncated {
        /// The file.
        path: Option<PathBuf>,
        /// Body length from the header.
        expected: u64,
        /// Body bytes present.
        found: u64,
    },
    /// The bytes are damaged or do not decode.
    #[error("{} is corrupt ({reason})", label(.path))]
    Corrupt {
        /// The file.
        path: Option<PathBuf>,
        /// What is wrong.
        reason: String,
    },
    /// A decoded step breaks the rules `push_step` enforces.
    #[error("{} is corrupt: step {step} is invalid: {error}", label(.path))]
    CorruptStep {
        /// The file.
        path: Option<PathBuf>,
        /// The 1-based step.
        step: u32,
        /// What is wrong with it.
        error: StepError,
    },
    /// `push_step` refused a step.
    #[error("step {step} cannot be added to the trace: {error}")]
    InvalidStep {
        /// The 1-based number the step would have had.
        step: u32,
        /// What is wrong with it.
        error: StepError,
    },
    /// `push_step` after `finish`.
    #[error("the run has already finished: no step can be added after its summary")]
    Finished,
    /// Serialising the trace failed (a bug, not a user error).
    #[error("could not encode the trace: {reason}")]
    Encode {
        /// What the encoder said.
        reason: String,
    },
}

/// `trace file /x/y.trace`, or `trace data` without a path.
fn label(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!("trace file {}", p.display()),
        None => "trace data".to_string(),
    }
}

/// `/x/y.trace`, or `the data` without a path.
fn subject(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "the data".to_string(),
    }
}

impl TraceError {
    /// Fill in `path` where the error concerns a file and has none yet.
    pub fn with_path(mut self, file: &Path) -> TraceError {
        match &mut self {
            TraceError::Read { path, .. }
            | TraceError::Write { path, .. }
            | TraceError::NotATrace { path }
            | TraceError::TooNew { path, .. }
            | TraceError::TruncatedHeader { path, .. }
            | TraceError::Truncated { path, .. }
            | TraceError::Corrupt { path, .. }
            | TraceError::CorruptStep { path, .. } => {
                if path.is_none() {
                    *path = Some(file.to_path_buf());
                }
            }
            TraceError::InvalidStep { .. } | TraceError::Finished | TraceError::Encode { .. } => {}
        }
        self
    }

    /// The file this error is about, if known.
    pub fn path(&self) -> Option<&Path> {
        match self {
            TraceError::Read { path, .. }
            | TraceError::Write { path, .. }
            | TraceError::NotATrace { path }
            | TraceError::TooNew { path, .. }
            | TraceError::TruncatedHeader { path, .. }
            | TraceError::Truncated { path, .. }
            | TraceError::Corrupt { path, .. }
            | TraceError::CorruptStep { path, .. } => path.as_deref(),
            TraceError::InvalidStep { .. } | TraceError::Finished | TraceError::Encode { .. } => {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_numbers() {
        let err = TraceError::Truncated {
            path: None,
            expected: 100,
            found: 40,
        }
        .with_path(Path::new("/x/y.trace"));
        assert_eq!(
            err.to_string(),
            "trace file /x/y.trace is truncated: expected 100 bytes of data, found 40"
        );
        assert_eq!(err.path(), Some(Path::new("/x/y.trace")));
        let err = TraceError::TooNew {
            path: None,
            found: 7,
            supported: 1,
        };
        assert_eq!(
            err.to_string(),
            "trace data: trace format version 7 is newer than this Unmask reads (1): update Unmask"
        );
    }

    #[test]
    fn with_path_keeps_an_existing_path() {
        let err = TraceError::NotATrace {
            path: Some(PathBuf::from("/a.trace")),
        }
        .with_path(Path::new("/b.trace"));
        assert_eq!(err.path(), Some(Path::new("/a.trace")));
        assert!(
            err.to_string()
                .starts_with("/a.trace is not an Unmask trace file")
        );
    }

    #[test]
    fn guess_length_message_states_the_expected_count() {
        let err = StepError::GuessLengths {
            positions: 3,
            top_k: 5,
            tokens: 14,
            probs: 15,
        };
        assert!(err.to_string().contains("needs 15 entries"), "{err}");
    }
}
