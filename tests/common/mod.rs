//! Helpers the model tests share: fixture folders, their reference logits, broken copies.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};

use unmask::model::{LoadOptions, LoadedModel, load_model};

/// Largest absolute difference allowed between our logits and the float64 reference.
pub const TOLERANCE: f64 = 1e-4;

/// The contents of a fixture's `golden.json`.
#[derive(serde::Deserialize)]
pub struct Golden {
    /// The input token ids (several of them the mask id).
    pub tokens: Vec<u32>,
    /// Reference logits, one row of `vocab_size` values per position.
    pub logits: Vec<Vec<f64>>,
}

/// `tests/fixtures/<name>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A JSON file, or a panic naming it.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The `golden.json` of a fixture folder.
pub fn read_golden(dir: &Path) -> Golden {
    let path = dir.join("golden.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad {}: {e}", path.display()))
}

/// A writable copy of the fixture `name` (every file) in a temporary folder, as `<tmp>/<name>`.
pub fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(fixture_dir(name)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    (tmp, dir)
}

/// The loader's error for a folder that must not load.
pub fn error_of(dir: &Path) -> String {
    match load_model(dir, &LoadOptions::default()) {
        Ok(_) => panic!("{} loaded although it is broken", dir.display()),
        Err(e) => e.to_string(),
    }
}

/// Rewrite a folder's config.json through `f`.
pub fn edit_config(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("config.json");
    let mut v = read_json(&path);
    f(&mut v);
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

/// Logits of every position of `tokens`, row after row (`tokens.len() × vocab_size` values).
pub fn all_rows(model: &mut LoadedModel, tokens: &[u32]) -> Vec<f32> {
    let rows: Vec<u32> = (0..tokens.len() as u32).collect();
    let logits = model
        .denoiser
        .logits(tokens, &rows)
        .unwrap_or_else(|e| panic!("forward failed: {e}"));
    assert_eq!(logits.len(), rows.len() * model.info.vocab_size);
    logits
}
