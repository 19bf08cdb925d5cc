//! Models from the Hugging Face hub: telling a hub id (`ORG/NAME`) from a folder, finding a
//! complete snapshot in the local cache, and downloading what is missing.
//!
//! Downloads go through hf-hub's small blocking client (ureq + rustls) into the standard cache
//! (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`), in the same layout as
//! Python's `huggingface_hub` (`models--ORG--NAME/{blobs,refs,snapshots}`), so either tool reuses
//! the other's files. A partial download stays as `blobs/<etag>.part` and the next attempt asks the
//! server only for the missing bytes. When every needed file is in the cache, no network is used;
//! `HF_HUB_OFFLINE=1` forbids it altogether.

pub mod files;

use std::path::{Path, PathBuf};

use hf_hub::api::sync::{ApiBuilder, ApiError, ApiRepo};
use hf_hub::{Cache, Repo, RepoType};
use serde::{Deserialize, Serialize};

pub use files::{NeededFiles, missing_files};

/// A model repository on the hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubRepo {
    /// `ORG/NAME`.
    pub id: String,
    /// Branch, tag or commit (`main` unless the argument said `ORG/NAME@REV`).
    pub revision: String,
}

impl HubRepo {
    /// The cache folder name of this repo (`models--ORG--NAME`).
    pub fn folder_name(&self) -> String {
        format!("models--{}", self.id.replace('/', "--"))
    }
}

/// What `--model` (or the app's model picker) names: a local folder or a hub repo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelRef {
    /// A folder on this machine, or a `.gguf` file written by `unmask quantize`.
    Folder(PathBuf),
    /// A repo on the hub, downloaded into the cache on first use.
    Hub(HubRepo),
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelRef::Folder(dir) => write!(f, "{}", dir.display()),
            ModelRef::Hub(repo) if repo.revision == DEFAULT_REVISION => write!(f, "{}", repo.id),
            ModelRef::Hub(repo) => write!(f, "{}@{}", repo.id, repo.revision),
        }
    }
}

/// The branch used when an id names none.
pub const DEFAULT_REVISION: &str = "main";

/// Whether `text` has the shape of a hub id: `ORG/NAME`, each part of letters, digits, `-`, `_`
/// and `.`, not starting with `.` or `-` (so `./x`, `../x`, `/abs/x`, `a/b/c` are never ids).
pub fn is_hub_id(text: &str) -> bool {
    let mut parts = text.split('/');
    let (Some(org), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 96
            && !p.starts_with(['.', '-'])
            && !p.contains("..")
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    part_ok(org) && part_ok(name)
}

/// Whether `text` is a revision that can name a file in the cache: a branch or tag of letters,
/// digits, `-`, `_` and `.` (not starting with `.`, no `..`), or a pull request `refs/pr/N`.
/// Anything else (separators, `..`, whitespace) could step outside `models--ORG--NAME/`.
pub fn is_revision(text: &str) -> bool {
    if let Some(n) = text.strip_prefix("refs/pr/") {
        return !n.is_empty() && n.len() <= 10 && n.bytes().all(|b| b.is_ascii_digit());
    }
    !text.is_empty()
        && text.len() <= 128
        && !text.starts_with(['.', '-'])
        && !text.contains("..")
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `text` is a commit hash as the hub writes them (40 lowercase hex digits).
pub fn is_commit(text: &str) -> bool {
    text.len() == 40
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl ModelRef {
    /// Read a `--model` argument: an existing folder (or `.gguf` file made by `unmask quantize`)
    /// always wins; otherwise `ORG/NAME` (optionally
    /// `ORG/NAME@REVISION`) is a hub repo; anything else is an error that says which rule failed.
    pub fn parse(arg: &str) -> Result<ModelRef, HubError> {
        let trimmed = arg.trim();
        let path = Path::new(trimmed);
        if path.is_dir() || crate::model::gguf::is_gguf_file(path) {
            return Ok(ModelRef::Folder(path.to_path_buf()));
        }
        let (id, revision) = match trimmed.split_once('@') {
            Some((id, rev)) if is_revision(rev) => (id, rev),
            Some((_, rev)) => return Err(HubError::BadRevision(rev.to_string())),
            None => (trimmed, DEFAULT_REVISION),
        };
        if is_hub_id(id) {
            return Ok(ModelRef::Hub(HubRepo {
                id: id.to_string(),
                revision: revision.to_string(),
            }));
        }
        if path.exists() {
            return Err(HubError::NotAFolder(path.to_path_buf()));
        }
        Err(HubError::NotAModel(arg.to_string()))
    }

    /// The hub repo, if this names one.
    pub fn hub(&self) -> Option<&HubRepo> {
        match self {
            ModelRef::Hub(repo) => Some(repo),
            ModelRef::Folder(_) => None,
        }
    }

    /// The local folder to load: the folder itself, or the repo's cached snapshot (downloading the
    /// missing files first unless offline). `progress` sees every download step.
    pub fn resolve(
        &self,
        settings: &HubSettings,
        progress: &mut dyn FnMut(&DownloadProgress),
    ) -> Result<PathBuf, HubError> {
        match self {
            ModelRef::Folder(dir) => Ok(dir.clone()),
            ModelRef::Hub(repo) => fetch(settings, repo, progress),
        }
    }
}

/// Where the cache is, which server to ask, and whether asking is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubSettings {
    /// The hub cache folder (holds `models--ORG--NAME/`).
    pub cache_dir: PathBuf,
    /// Base URL of the hub (`HF_ENDPOINT`; default `https://huggingface.co`).
    pub endpoint: String,
    /// Never touch the network (`HF_HUB_OFFLINE=1`).
    pub offline: bool,
    /// Access token for gated or private repos (`HF_TOKEN`, else the cache's `token` file).
    pub token: Option<String>,
    /// Times a broken download is resumed within one attempt before giving up.
    pub retries: usize,
}

/// The hub's address when `HF_ENDPOINT` is not set.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

impl HubSettings {
    /// Settings from the environment, as `huggingface_hub` reads them: `HF_HUB_CACHE`, `HF_HOME`,
    /// `HF_ENDPOINT`, `HF_HUB_OFFLINE`, `HF_TOKEN`.
    pub fn from_env() -> Result<Self, HubError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let cache_dir = match (var("HF_HUB_CACHE"), var("HF_HOME")) {
            (Some(cache), _) => PathBuf::from(cache),
            (None, Some(home)) => PathBuf::from(home).join("hub"),
            (None, None) => std::env::home_dir()
                .map(|h| h.join(".cache").join("huggingface").join("hub"))
                .ok_or(HubError::NoCacheDir)?,
        };
        let offline = var("HF_HUB_OFFLINE").is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        });
        Ok(Self {
            cache_dir,
            endpoint: var("HF_ENDPOINT")
                .map(|e| e.trim_end_matches('/').to_string())
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
            offline,
            token: var("HF_TOKEN"),
            retries: 3,
        })
    }

    /// Settings for a given cache and endpoint (tests, embedding).
    pub fn new(cache_dir: PathBuf, endpoint: &str) -> Self {
        Self {
            cache_dir,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            offline: false,
            token: None,
            retries: 3,
        }
    }

    /// The repo's folder in the cache (`models--ORG--NAME`).
    pub fn repo_dir(&self, repo: &HubRepo) -> PathBuf {
        self.cache_dir.join(repo.folder_name())
    }
}

/// One moment of a download, for a progress bar.
#[derive(Clone, Debug, PartialEq)]
pub struct DownloadProgress {
    /// The file being fetched.
    pub file: String,
    /// Its 1-based number among the files this download fetches.
    pub file_number: usize,
    /// How many files this download fetches.
    pub file_count: usize,
    /// Bytes of this file on disk so far (a resumed file starts above zero).
    pub file_bytes: u64,
    /// Size of this file in bytes.
    pub file_total_bytes: u64,
    /// Bytes of all files of this download on disk so far.
    pub done_bytes: u64,
    /// Size of all files of this download (0 when the hub did not say).
    pub total_bytes: u64,
}

impl DownloadProgress {
    /// Overall fraction done, 0..=1 (by bytes when sizes are known, else by files).
    pub fn fraction(&self) -> f32 {
        if self.total_bytes > 0 {
            (self.done_bytes as f64 / self.total_bytes as f64).clamp(0.0, 1.0) as f32
        } else if self.file_count > 0 {
            let file = if self.file_total_bytes > 0 {
                self.file_bytes as f64 / self.file_total_bytes as f64
            } else {
                0.0
            };
            (((self.file_number - 1) as f64 + file) / self.file_count as f64).clamp(0.0, 1.0) as f32
        } else {
            0.0
        }
    }

    /// "downloading model.safetensors (2 of 4 files, 1.2 of 16.0 GB)".
    pub fn describe(&self) -> String {
        let sizes = if self.total_bytes > 0 {
            format!(
                ", {} of {}",
                human_bytes(self.done_bytes),
                human_bytes(self.total_bytes)
            )
        } else {
            String::new()
        };
        format!(
            "downloading {} ({} of {} files{sizes})",
            self.file, self.file_number, self.file_count
        )
    }
}

/// `1536` → "1.5 KB" (decimal units, as the hub shows sizes).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Why a model could not be found or fetched. Every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Neither an existing folder nor an `ORG/NAME` id.
    #[error(
        "model {0:?} does not exist as a folder and is not a hub id of the form ORG/NAME (e.g. GSAI-ML/LLaDA-8B-Instruct)"
    )]
    NotAModel(String),
    /// `ORG/NAME@REV` with a revision that could name a path outside the cache.
    #[error(
        "revision {0:?} is not a branch, tag or commit name (letters, digits, '-', '_', '.'; or refs/pr/N)"
    )]
    BadRevision(String),
    /// The cache or the hub named a commit that is not a commit hash.
    #[error(
        "{what} names the commit {commit:?}, which is not a 40-digit hex hash: refusing to use it"
    )]
    BadCommit {
        /// Where the name came from (the cache's `refs/` file, the hub's answer).
        what: String,
        /// The text found.
        commit: String,
    },
    /// The path exists but is a file.
    #[error(
        "{0} is a file, not a model folder (a folder holds config.json, the weights and the tokenizer) nor a .gguf file made by `unmask quantize`"
    )]
    NotAFolder(PathBuf),
    /// No home folder and no `HF_HOME`/`HF_HUB_CACHE`.
    #[error("cannot find the hub cache: set HF_HOME (or HF_HUB_CACHE) to a folder")]
    NoCacheDir,
    /// The files are not all in the cache and the hub cannot be used.
    #[error(
        "{repo} is not in the hub cache and cannot be downloaded ({reason}): place {} in {}, or pass a folder holding them to --model",
        .missing.join(", "),
        .folder.display()
    )]
    Unavailable {
        /// `ORG/NAME`.
        repo: String,
        /// Why the hub could not be used (offline, connection refused…).
        reason: String,
        /// The snapshot folder to put the files in.
        folder: PathBuf,
        /// What is missing there (alternatives written as "a (or b + c)").
        missing: Vec<String>,
    },
    /// The hub has no such repo (or it is private/gated without a token).
    #[error(
        "the hub has no model {repo} at revision {revision} (or it is gated: accept its licence on the hub and set HF_TOKEN) ({reason})"
    )]
    NotFound {
        /// `ORG/NAME`.
        repo: String,
        /// The revision asked for.
        revision: String,
        /// The server's answer.
        reason: String,
    },
    /// The repo lacks something Unmask needs.
    #[error("hub model {repo} has no {what}, so Unmask cannot load it")]
    Incomplete {
        /// `ORG/NAME`.
        repo: String,
        /// What is missing.
        what: String,
    },
    /// A file could not be downloaded.
    #[error(
        "downloading {file} of {repo} failed: {reason} (run the same command again to resume; the partial file is kept in {})",
        .blobs.display()
    )]
    Download {
        /// `ORG/NAME`.
        repo: String,
        /// The file.
        file: String,
        /// What went wrong.
        reason: String,
        /// The cache's `blobs/` folder holding the `.part` file.
        blobs: PathBuf,
    },
    /// A cached or downloaded file is unreadable.
    #[error("{path}: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The repo listing the hub returns (`/api/models/ORG/NAME/revision/REV?blobs=true`).
#[derive(Debug, Deserialize)]
struct RepoListing {
    /// Commit the revision points at.
    sha: Option<String>,
    /// Files of the repo.
    siblings: Vec<Sibling>,
}

#[derive(Debug, Deserialize)]
struct Sibling {
    rfilename: String,
    size: Option<u64>,
}

/// The folder of a complete cached snapshot of `repo`, if there is one (no network).
///
/// Looks at the snapshot `refs/REVISION` points to, then `snapshots/REVISION` (a commit hash given
/// as revision, or files placed there by hand), then any other snapshot.
pub fn cached_snapshot(settings: &HubSettings, repo: &HubRepo) -> Option<PathBuf> {
    snapshot_candidates(settings, repo)
        .into_iter()
        .find(|dir| dir.is_dir() && missing_files(dir).is_empty())
}

fn snapshot_candidates(settings: &HubSettings, repo: &HubRepo) -> Vec<PathBuf> {
    let repo_dir = settings.repo_dir(repo);
    let snapshots = repo_dir.join("snapshots");
    let mut out = Vec::new();
    if let Ok(hash) = std::fs::read_to_string(repo_dir.join("refs").join(&repo.revision)) {
        // A refs file holding anything but a commit hash is ignored, never followed as a path.
        if is_commit(hash.trim()) {
            out.push(snapshots.join(hash.trim()));
        }
    }
    out.push(snapshots.join(&repo.revision));
    if let Ok(entries) = std::fs::read_dir(&snapshots) {
        let mut others: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| !out.contains(p))
            .collect();
        others.sort();
        out.extend(others);
    }
    out
}

/// The folder an offline user should fill: the snapshot `refs/` names if any, else
/// `snapshots/REVISION`.
fn folder_to_fill(settings: &HubSettings, repo: &HubRepo) -> PathBuf {
    snapshot_candidates(settings, repo)
        .into_iter()
        .find(|d| d.is_dir())
        .unwrap_or_else(|| {
            settings
                .repo_dir(repo)
                .join("snapshots")
                .join(&repo.revision)
        })
}

fn unavailable(settings: &HubSettings, repo: &HubRepo, reason: String) -> HubError {
    let folder = folder_to_fill(settings, repo);
    HubError::Unavailable {
        repo: repo.id.clone(),
        reason,
        missing: missing_files(&folder),
        folder,
    }
}

/// A cached snapshot when complete; otherwise download what is missing (unless offline).
pub fn fetch(
    settings: &HubSettings,
    repo: &HubRepo,
    progress: &mut dyn FnMut(&DownloadProgress),
) -> Result<PathBuf, HubError> {
    // Checked here too, not only in `ModelRef::parse`: a repo can also arrive as plain data
    // (a deserialised command), and both name folders in the cache.
    if !is_hub_id(&repo.id) {
        return Err(HubError::NotAModel(repo.id.clone()));
    }
    if !is_revision(&repo.revision) {
        return Err(HubError::BadRevision(repo.revision.clone()));
    }
    if let Some(dir) = cached_snapshot(settings, repo) {
        return Ok(dir);
    }
    if settings.offline {
        return Err(unavailable(
            settings,
            repo,
            "HF_HUB_OFFLINE is set".to_string(),
        ));
    }
    download(settings, repo, progress)
}

/// The error of a failed request, with the HTTP status when there was one.
fn request_failure(e: &ApiError) -> (Option<u16>, String) {
    if let ApiError::RequestError(inner) = e {
        match inner.as_ref() {
            ureq::Error::Status(code, response) => {
                return (
                    Some(*code),
                    format!("HTTP {code} {}", response.status_text()),
                );
            }
            ureq::Error::Transport(t) => return (None, t.to_string()),
        }
    }
    (None, e.to_string())
}

/// Download every needed file of `repo` that the cache lacks, and return the snapshot folder.
pub fn download(
    settings: &HubSettings,
    repo: &HubRepo,
    progress: &mut dyn FnMut(&DownloadProgress),
) -> Result<PathBuf, HubError> {
    let mut builder = ApiBuilder::from_cache(Cache::new(settings.cache_dir.clone()))
        .with_endpoint(settings.endpoint.clone())
        .with_progress(false)
        .with_retries(settings.retries)
        .with_user_agent("unmask", env!("CARGO_PKG_VERSION"));
    if settings.token.is_some() {
        builder = builder.with_token(settings.token.clone());
    }
    let api = builder
        .build()
        .map_err(|e| unavailable(settings, repo, e.to_string()))?;
    let api_repo = api.repo(Repo::with_revision(
        repo.id.clone(),
        RepoType::Model,
        repo.revision.clone(),
    ));

    let listing: RepoListing = match api_repo.info_request().query("blobs", "true").call() {
        Ok(response) => response.into_json().map_err(|e| HubError::BadFile {
            path: PathBuf::from(format!("{}/api/models/{}", settings.endpoint, repo.id)),
            reason: format!("the hub's file list is not valid JSON: {e}"),
        })?,
        Err(ureq::Error::Status(code, response)) if (400..500).contains(&code) => {
            return Err(HubError::NotFound {
                repo: repo.id.clone(),
                revision: repo.revision.clone(),
                reason: format!("HTTP {code} {}", response.status_text()),
            });
        }
        Err(e) => return Err(unavailable(settings, repo, e.to_string())),
    };
    let sizes: std::collections::HashMap<&str, Option<u64>> = listing
        .siblings
        .iter()
        .map(|s| (s.rfilename.as_str(), s.size))
        .collect();
    let plan = files::plan_from_listing(&repo.id, |f| sizes.contains_key(f))?;

    // The snapshot folder for this commit, where already fetched files are found.
    if let Some(sha) = listing.sha.as_deref().filter(|sha| !is_commit(sha)) {
        return Err(HubError::BadCommit {
            what: format!("the hub's answer for {}", repo.id),
            commit: sha.to_string(),
        });
    }
    let snapshot = listing
        .sha
        .as_deref()
        .map(|sha| settings.repo_dir(repo).join("snapshots").join(sha));
    let have = |file: &str| snapshot.as_ref().is_some_and(|s| s.join(file).is_file());

    let mut fetcher = Fetcher {
        api_repo: &api_repo,
        settings,
        repo,
        progress,
        file_count: plan.files.len(),
        file_number: 0,
        done_bytes: 0,
        total_bytes: plan
            .files
            .iter()
            .map(|f| sizes.get(f.as_str()).copied().flatten().unwrap_or(0))
            .sum(),
    };
    let mut folder = None;
    let mut queue = plan.files.clone();
    let mut next = 0;
    while let Some(file) = queue.get(next).cloned() {
        next += 1;
        let path = fetcher.get(&file, have(&file))?;
        if folder.is_none() {
            folder = path.parent().map(Path::to_path_buf);
        }
        if plan.index.as_deref() == Some(file.as_str()) {
            // Sharded weights: the index names the shards.
            let shards = files::shards_of_index(&path)?;
            if let Some(absent) = shards.iter().find(|s| !sizes.contains_key(s.as_str())) {
                return Err(HubError::Incomplete {
                    repo: repo.id.clone(),
                    what: format!("{absent} (listed in {file})"),
                });
            }
            fetcher.total_bytes += shards
                .iter()
                .map(|f| sizes.get(f.as_str()).copied().flatten().unwrap_or(0))
                .sum::<u64>();
            fetcher.file_count += shards.len();
            queue.extend(shards);
        }
    }
    let folder = folder.ok_or_else(|| HubError::Incomplete {
        repo: repo.id.clone(),
        what: "files".into(),
    })?;
    let missing = missing_files(&folder);
    if !missing.is_empty() {
        return Err(HubError::Incomplete {
            repo: repo.id.clone(),
            what: missing.join(", "),
        });
    }
    Ok(folder)
}

/// Downloads one file at a time and reports progress across all of them.
struct Fetcher<'a> {
    api_repo: &'a ApiRepo,
    settings: &'a HubSettings,
    repo: &'a HubRepo,
    progress: &'a mut dyn FnMut(&DownloadProgress),
    file_count: usize,
    file_number: usize,
    done_bytes: u64,
    total_bytes: u64,
}

impl Fetcher<'_> {
    /// The cached path of `file`, downloading it unless `cached`.
    fn get(&mut self, file: &str, cached: bool) -> Result<PathBuf, HubError> {
        self.file_number += 1;
        if cached && let Some(path) = self.cached_path(file) {
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            self.done_bytes += size;
            return Ok(path);
        }
        let mut reporter = Reporter {
            sink: &mut *self.progress,
            state: DownloadProgress {
                file: file.to_string(),
                file_number: self.file_number,
                file_count: self.file_count,
                file_bytes: 0,
                file_total_bytes: 0,
                done_bytes: self.done_bytes,
                total_bytes: self.total_bytes,
            },
            base_done: self.done_bytes,
        };
        let result = self.api_repo.download_with_progress(file, &mut reporter);
        let file_total = reporter.state.file_total_bytes;
        match result {
            Ok(path) => {
                self.done_bytes +=
                    file_total.max(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0));
                Ok(path)
            }
            Err(e) => {
                let (status, reason) = request_failure(&e);
                match status {
                    Some(404) => Err(HubError::Incomplete {
                        repo: self.repo.id.clone(),
                        what: file.to_string(),
                    }),
                    Some(code) if (400..500).contains(&code) => Err(HubError::NotFound {
                        repo: self.repo.id.clone(),
                        revision: self.repo.revision.clone(),
                        reason,
                    }),
                    _ => Err(HubError::Download {
                        repo: self.repo.id.clone(),
                        file: file.to_string(),
                        reason,
                        blobs: self.settings.repo_dir(self.repo).join("blobs"),
                    }),
                }
            }
        }
    }

    fn cached_path(&self, file: &str) -> Option<PathBuf> {
        Cache::new(self.settings.cache_dir.clone())
            .repo(Repo::with_revision(
                self.repo.id.clone(),
                RepoType::Model,
                self.repo.revision.clone(),
            ))
            .get(file)
    }
}

/// hf-hub's progress callbacks turned into [`DownloadProgress`] values.
struct Reporter<'a> {
    sink: &'a mut dyn FnMut(&DownloadProgress),
    state: DownloadProgress,
    base_done: u64,
}

impl hf_hub::api::Progress for &mut Reporter<'_> {
    fn init(&mut self, size: usize, _filename: &str) {
        // hf-hub calls `init` again when it resumes, followed by `update(bytes already there)`.
        self.state.file_total_bytes = size as u64;
        self.state.file_bytes = 0;
        self.state.done_bytes = self.base_done;
        (self.sink)(&self.state);
    }

    fn update(&mut self, size: usize) {
        self.state.file_bytes += size as u64;
        self.state.done_bytes = self.base_done + self.state.file_bytes;
        (self.sink)(&self.state);
    }

    fn finish(&mut self) {
        (self.sink)(&self.state);
    }
}
