//! What went wrong on the worker thread, as kinds: plain data (serialisable, no error sources
//! inside) so that it crosses a thread, or a socket, and the receiver decides by kind, not by
//! reading the message.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::canvas::CanvasError;
use crate::generate::RunError;
use crate::hub::HubError;
use crate::model::{LoadError, OpenError};

/// Why the worker could not load a model or run a request.
///
/// [`WorkerEvent::LoadFailed`](super::WorkerEvent::LoadFailed) carries the `Load*` kinds,
/// [`WorkerEvent::RunRejected`](super::WorkerEvent::RunRejected) the kinds that stop a run before
/// its first step, and [`WorkerEvent::RunEnded`](super::WorkerEvent::RunEnded) the kinds that end
/// one mid-way. The `Display` text is one line for a terminal or a trace file; a UI phrases its own
/// message per kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum WorkerError {
    /// The model could not be found, downloaded or read; the previous model (if any) is kept.
    #[error("{reason}")]
    LoadFailed {
        /// The model asked for: a folder path or a hub id.
        model: String,
        /// The file at fault, when one is (config.json, a weights file, a `.gguf`…).
        file: Option<PathBuf>,
        /// Why, in one line (naming the file where there is one).
        reason: String,
    },
    /// Loading panicked (a bug in a loader); the previous model (if any) is kept.
    #[error("loading panicked: {message}")]
    LoadPanicked {
        /// The model asked for.
        model: String,
        /// The panic's text.
        message: String,
    },
    /// A run was asked for with no model loaded: none yet, or the last one panicked and was
    /// dropped.
    #[error("no model is loaded")]
    NoModel,
    /// The prompt and template make no canvas: bad template syntax, no mask span, text that does
    /// not tokenise.
    #[error("{reason}")]
    BadTemplate {
        /// What is wrong, in one line.
        reason: String,
    },
    /// The canvas is longer than the model's context.
    #[error(
        "the canvas is {len} tokens (prompt {prompt_len} + response {response_len}) but the model's context is {max} tokens: shorten the prompt or the template"
    )]
    TooLong {
        /// Total length.
        len: usize,
        /// Prompt cells.
        prompt_len: usize,
        /// Response cells.
        response_len: usize,
        /// The model's context.
        max: usize,
    },
    /// The sampler parameters are invalid for this canvas.
    #[error("{reason}")]
    BadParams {
        /// What is wrong, in one line.
        reason: String,
    },
    /// The model panicked during a run; it was unloaded, since its state may be half-updated.
    #[error("the model panicked: {message}; load the model again")]
    ModelPanicked {
        /// The panic's text.
        message: String,
    },
    /// The model or the sampler returned an error during a run.
    #[error("{reason}")]
    RunFailed {
        /// What went wrong, in one line.
        reason: String,
    },
}

impl WorkerError {
    /// Why `model` could not be opened, with the file at fault when the error names one.
    pub fn from_open(model: &str, e: &OpenError) -> Self {
        match e {
            OpenError::Hub(e) => Self::from_hub(model, e),
            OpenError::Load(e) => Self::from_load(model, e),
        }
    }

    /// A load failure of `model` with its file, when the error names one.
    fn from_load(model: &str, e: &LoadError) -> Self {
        let file = match e {
            LoadError::NotAFolder(path) => Some(path.clone()),
            LoadError::MissingFile { dir, file, .. } => Some(dir.join(file)),
            LoadError::BadConfig { path, .. }
            | LoadError::UnknownArchitecture { path, .. }
            | LoadError::CausalModel { path, .. }
            | LoadError::BadSafetensors { path, .. }
            | LoadError::MissingTensor { path, .. }
            | LoadError::TensorShape { path, .. }
            | LoadError::Tokenizer { path, .. }
            | LoadError::BadGguf { path, .. } => Some(path.clone()),
            _ => None,
        };
        Self::LoadFailed {
            model: model.to_string(),
            file,
            reason: e.to_string(),
        }
    }

    /// A failure to find or fetch hub model `model`, with its file, when the error names one.
    fn from_hub(model: &str, e: &HubError) -> Self {
        let file = match e {
            HubError::NotAFolder(path) | HubError::BadFile { path, .. } => Some(path.clone()),
            HubError::Download { file, blobs, .. } => Some(blobs.join(file)),
            _ => None,
        };
        Self::LoadFailed {
            model: model.to_string(),
            file,
            reason: e.to_string(),
        }
    }

    /// Why a run could not start or went on failing, by kind.
    pub fn from_run(e: &RunError) -> Self {
        match e {
            RunError::Canvas(CanvasError::TooLong {
                len,
                prompt_len,
                response_len,
                max,
            }) => Self::TooLong {
                len: *len,
                prompt_len: *prompt_len,
                response_len: *response_len,
                max: *max,
            },
            RunError::Canvas(_) | RunError::Tokenize(_) => Self::BadTemplate {
                reason: e.to_string(),
            },
            RunError::Params(_) => Self::BadParams {
                reason: e.to_string(),
            },
            RunError::Model(_) | RunError::Sampler(_) | RunError::Trace(_) => Self::RunFailed {
                reason: e.to_string(),
            },
        }
    }

    /// Whether the model was lost with this error (it must be loaded again before the next run).
    pub fn unloads_model(&self) -> bool {
        matches!(self, Self::ModelPanicked { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_the_messages_of_the_errors_they_come_from() {
        let too_long = RunError::Canvas(CanvasError::TooLong {
            len: 80,
            prompt_len: 10,
            response_len: 70,
            max: 64,
        });
        let kind = WorkerError::from_run(&too_long);
        assert!(matches!(kind, WorkerError::TooLong { max: 64, .. }));
        assert_eq!(kind.to_string(), too_long.to_string());
        let syntax = RunError::Canvas(CanvasError::NoSpan);
        assert_eq!(
            WorkerError::from_run(&syntax),
            WorkerError::BadTemplate {
                reason: syntax.to_string()
            }
        );
        let missing = LoadError::MissingFile {
            dir: PathBuf::from("/m"),
            file: "config.json".into(),
            hint: "every model folder has one".into(),
        };
        match WorkerError::from_load("/m", &missing) {
            WorkerError::LoadFailed {
                model,
                file,
                reason,
            } => {
                assert_eq!(model, "/m");
                assert_eq!(file, Some(PathBuf::from("/m/config.json")));
                assert_eq!(reason, missing.to_string());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_are_plain_data_that_round_trip() {
        let errors = [
            WorkerError::NoModel,
            WorkerError::ModelPanicked {
                message: "index out of bounds".into(),
            },
            WorkerError::LoadFailed {
                model: "ORG/NAME".into(),
                file: Some(PathBuf::from("/cache/blobs/model.safetensors")),
                reason: "downloading failed".into(),
            },
        ];
        for e in errors {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<WorkerError>(&json).unwrap(), e);
        }
        assert!(
            WorkerError::ModelPanicked {
                message: String::new()
            }
            .unloads_model()
        );
        assert!(!WorkerError::NoModel.unloads_model());
    }
}
