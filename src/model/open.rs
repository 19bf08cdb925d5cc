//! The one path from what the user named to a loaded model, shared by the CLI and the worker:
//! resolve a [`ModelRef`] (a folder, a `.gguf` file or a hub id, downloading what the cache lacks),
//! load it with [`LoadOptions`], and name it (a hub model by its id, not its cache path).

use crate::hub::{DownloadProgress, HubError, HubSettings, ModelRef};

use super::loading::{LoadError, LoadOptions, LoadedModel, load_model_with_progress};

/// A moment of opening a model, for a progress bar or a status line.
#[derive(Clone, Copy, Debug)]
pub enum OpenProgress<'a> {
    /// A step of loading (or of looking in the hub cache), with the overall fraction done.
    Stage {
        /// What is happening, in a few words ("reading config.json").
        stage: &'a str,
        /// 0..=1.
        fraction: f32,
    },
    /// Bytes of a hub download arrived.
    Download(&'a DownloadProgress),
}

/// Why a model could not be opened: the hub (finding or downloading it) or the files themselves.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The argument names no model, or the hub could not provide it.
    #[error(transparent)]
    Hub(#[from] HubError),
    /// The folder or file is not a model this build can load.
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// Resolve `source` (downloading a hub model's missing files; `hub` defaults to the environment's
/// settings), load it, and name it: `info.id` is the hub id for a hub model, the path otherwise.
pub fn open_model(
    source: &ModelRef,
    options: &LoadOptions,
    hub: Option<&HubSettings>,
    progress: &mut dyn FnMut(OpenProgress<'_>),
) -> Result<LoadedModel, OpenError> {
    let dir = match source {
        ModelRef::Folder(dir) => dir.clone(),
        ModelRef::Hub(_) => {
            let settings = match hub {
                Some(settings) => settings.clone(),
                None => HubSettings::from_env()?,
            };
            let looking = format!("looking for {source} in the hub cache");
            progress(OpenProgress::Stage {
                stage: &looking,
                fraction: 0.0,
            });
            source.resolve(&settings, &mut |p| progress(OpenProgress::Download(p)))?
        }
    };
    let mut model = load_model_with_progress(&dir, options, &mut |stage, fraction| {
        progress(OpenProgress::Stage { stage, fraction })
    })?;
    if source.hub().is_some() {
        // The hub id names the model in the UI and in traces, not the cache path.
        model.info.id = source.to_string();
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn fixture() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada")
    }

    #[test]
    fn a_folder_opens_with_its_path_as_name_and_reports_stages() {
        let mut stages = Vec::new();
        let model = open_model(
            &ModelRef::Folder(fixture()),
            &LoadOptions::default(),
            None,
            &mut |p| {
                if let OpenProgress::Stage { stage, fraction } = p {
                    stages.push((stage.to_string(), fraction));
                }
            },
        )
        .unwrap();
        assert_eq!(model.info.id, fixture().display().to_string());
        assert_eq!(model.info.device, "cpu");
        assert_eq!(model.info.dtype, "f32");
        assert_eq!(stages.first().unwrap().0, "reading config.json");
        assert_eq!(stages.last().unwrap(), &("ready".to_string(), 1.0));
    }

    #[test]
    fn a_missing_folder_is_a_load_error_naming_it() {
        let Err(err) = open_model(
            &ModelRef::Folder("/nonexistent/model".into()),
            &LoadOptions::default(),
            None,
            &mut |_| {},
        ) else {
            panic!("a missing folder opened");
        };
        assert!(matches!(err, OpenError::Load(LoadError::NotAFolder(_))));
        assert!(err.to_string().contains("/nonexistent/model"), "{err}");
    }
}
