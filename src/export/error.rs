//! What can go wrong while exporting, in words a user can act on.

use std::io;
use std::path::PathBuf;

use crate::trace::TraceError;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The trace could not be read (missing, truncated, corrupt, too new…).
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The run has no step, so there is nothing to animate or tabulate.
    #[error(
        "{what} has no steps (the run ended before its first step): there is nothing to export"
    )]
    EmptyTrace {
        /// The file name, or "the run".
        what: String,
    },
    /// `--from` or `--to` names a step the run does not have.
    #[error("{flag} {value} is out of range: {what} has steps 0..={last}")]
    StepOutOfRange {
        /// `--from` or `--to`.
        flag: &'static str,
        /// The step asked for.
        value: usize,
        /// The last step of the run.
        last: usize,
        /// The run (file name).
        what: String,
    },
    /// `--from` is after `--to`.
    #[error("--from {from} is after --to {to}")]
    EmptyRange {
        /// First step asked for.
        from: usize,
        /// Last step asked for.
        to: usize,
    },
    /// A number outside what the format or the renderer can do.
    #[error("{0}")]
    BadParameter(String),
    /// A file or folder could not be written.
    #[error("could not write {}: {error}", .path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        error: io::Error,
    },
    /// The GIF encoder refused a frame (a bug, not a user error).
    #[error("could not encode the GIF {}: {reason}", .path.display())]
    Gif {
        /// The file.
        path: PathBuf,
        /// What the encoder said.
        reason: String,
    },
    /// The PNG encoder refused an image (a bug, not a user error).
    #[error("could not encode the PNG {}: {reason}", .path.display())]
    Png {
        /// The file.
        path: PathBuf,
        /// What the encoder said.
        reason: String,
    },
}
