//! Which files a model folder needs (config.json, a tokenizer, optional generation_config.json,
//! safetensors weights), which of them a folder lacks, and which a hub repo's listing offers.

use std::path::Path;

use super::HubError;

/// The model's configuration.
pub const CONFIG: &str = "config.json";
/// The Hugging Face tokenizer in one file.
pub const TOKENIZER: &str = "tokenizer.json";
/// The byte-level BPE vocabulary (with [`MERGES`], the fallback when there is no tokenizer.json).
pub const VOCAB: &str = "vocab.json";
/// The BPE merges.
pub const MERGES: &str = "merges.txt";
/// Special tokens and chat template.
pub const TOKENIZER_CONFIG: &str = "tokenizer_config.json";
/// Default generation settings (EOS ids…), optional.
pub const GENERATION_CONFIG: &str = "generation_config.json";
/// Unsharded weights.
pub const WEIGHTS: &str = "model.safetensors";
/// Index of sharded weights.
pub const WEIGHTS_INDEX: &str = "model.safetensors.index.json";

/// How a missing tokenizer is described to a user.
pub const TOKENIZER_CHOICE: &str =
    "tokenizer.json (or vocab.json + merges.txt + tokenizer_config.json)";
/// How missing weights are described to a user.
pub const WEIGHTS_CHOICE: &str =
    "model.safetensors (or model.safetensors.index.json and the shards it lists)";

/// The files to fetch from a repo, in download order (small files first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeededFiles {
    /// File names inside the repo.
    pub files: Vec<String>,
    /// The shard index among `files`, when the weights are sharded (its shards are added once it
    /// has been read).
    pub index: Option<String>,
}

/// Choose the files to download from a repo whose listing contains `has(file)`.
pub fn plan_from_listing(repo: &str, has: impl Fn(&str) -> bool) -> Result<NeededFiles, HubError> {
    let incomplete = |what: &str| HubError::Incomplete {
        repo: repo.to_string(),
        what: what.to_string(),
    };
    if !has(CONFIG) {
        return Err(incomplete(CONFIG));
    }
    let mut files = vec![CONFIG.to_string()];
    if has(TOKENIZER) {
        files.push(TOKENIZER.into());
    } else if has(VOCAB) && has(MERGES) {
        files.push(VOCAB.into());
        files.push(MERGES.into());
    } else {
        return Err(incomplete(TOKENIZER_CHOICE));
    }
    for optional in [TOKENIZER_CONFIG, GENERATION_CONFIG] {
        if has(optional) {
            files.push(optional.into());
        }
    }
    let mut index = None;
    if has(WEIGHTS) {
        files.push(WEIGHTS.into());
    } else if has(WEIGHTS_INDEX) {
        files.push(WEIGHTS_INDEX.into());
        index = Some(WEIGHTS_INDEX.to_string());
    } else {
        return Err(incomplete(
            "safetensors weights (model.safetensors or model.safetensors.index.json; pytorch_model.bin is not supported)",
        ));
    }
    Ok(NeededFiles { files, index })
}

/// The shard file names a `model.safetensors.index.json` lists, in first-seen order.
pub fn shards_of_index(path: &Path) -> Result<Vec<String>, HubError> {
    let bad = |reason: String| HubError::BadFile {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| bad("has no \"weight_map\" object".into()))?;
    let mut shards: Vec<String> = Vec::new();
    for (tensor, file) in map {
        let file = file
            .as_str()
            .ok_or_else(|| bad(format!("weight_map entry for {tensor} is not a file name")))?;
        // A shard name is a plain file name inside the repo, never a path out of it.
        if !crate::model::loading::is_plain_file_name(file) {
            return Err(bad(format!("weight_map names an odd shard {file:?}")));
        }
        if !shards.iter().any(|s| s == file) {
            shards.push(file.to_string());
        }
    }
    Ok(shards)
}

/// What `dir` lacks to be loadable, one entry per missing piece (alternatives spelled out);
/// empty when complete. generation_config.json is optional and never listed.
pub fn missing_files(dir: &Path) -> Vec<String> {
    let has = |f: &str| dir.join(f).is_file();
    let mut missing = Vec::new();
    if !has(CONFIG) {
        missing.push(CONFIG.to_string());
    }
    if !has(TOKENIZER) {
        if has(VOCAB) || has(MERGES) {
            missing.extend(
                [VOCAB, MERGES]
                    .into_iter()
                    .filter(|f| !has(f))
                    .map(String::from),
            );
        } else {
            missing.push(TOKENIZER_CHOICE.to_string());
        }
    }
    if !has(WEIGHTS) {
        if has(WEIGHTS_INDEX) {
            match shards_of_index(&dir.join(WEIGHTS_INDEX)) {
                Ok(shards) => missing.extend(shards.into_iter().filter(|s| !has(s))),
                Err(e) => missing.push(format!("a readable {WEIGHTS_INDEX} ({e})")),
            }
        } else {
            missing.push(WEIGHTS_CHOICE.to_string());
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_with_tokenizer_json_and_one_weights_file() {
        let listing = [CONFIG, TOKENIZER, WEIGHTS, GENERATION_CONFIG, "README.md"];
        let plan = plan_from_listing("a/b", |f| listing.contains(&f)).unwrap();
        assert_eq!(
            plan.files,
            vec![CONFIG, TOKENIZER, GENERATION_CONFIG, WEIGHTS]
        );
        assert_eq!(plan.index, None);
    }

    #[test]
    fn a_listing_with_bpe_files_and_shards() {
        let listing = [CONFIG, VOCAB, MERGES, TOKENIZER_CONFIG, WEIGHTS_INDEX];
        let plan = plan_from_listing("a/b", |f| listing.contains(&f)).unwrap();
        assert_eq!(
            plan.files,
            vec![CONFIG, VOCAB, MERGES, TOKENIZER_CONFIG, WEIGHTS_INDEX]
        );
        assert_eq!(plan.index.as_deref(), Some(WEIGHTS_INDEX));
    }

    #[test]
    fn a_listing_without_weights_or_tokenizer_is_refused_by_name() {
        let e = plan_from_listing("a/b", |f| [CONFIG, TOKENIZER].contains(&f)).unwrap_err();
        assert!(e.to_string().contains("safetensors"), "{e}");
        let e = plan_from_listing("a/b", |f| [CONFIG, WEIGHTS].contains(&f)).unwrap_err();
        assert!(e.to_string().contains("tokenizer.json"), "{e}");
    }

    #[test]
    fn missing_files_spell_out_alternatives_and_missing_shards() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            missing_files(dir.path()),
            vec![CONFIG, TOKENIZER_CHOICE, WEIGHTS_CHOICE]
        );
        std::fs::write(dir.path().join(CONFIG), "{}").unwrap();
        std::fs::write(dir.path().join(VOCAB), "{}").unwrap();
        std::fs::write(
            dir.path().join(WEIGHTS_INDEX),
            r#"{"weight_map":{"a":"s1.safetensors","b":"s2.safetensors","c":"s1.safetensors"}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("s1.safetensors"), "").unwrap();
        assert_eq!(missing_files(dir.path()), vec![MERGES, "s2.safetensors"]);
    }
}
