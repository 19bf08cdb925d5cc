//! A broken model folder gives one clear error naming the file and what is wrong — one test per failure.

use std::path::{Path, PathBuf};

mod common;
use common::{edit_config, error_of};

/// Copy the tiny LLaDA fixture into a temp folder to break it.
fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    common::copy_fixture("tiny-llada")
}

use unmask::model::{LoadOptions, load_model};

#[test]
fn the_intact_copy_loads() {
    let (_t, dir) = fixture_copy();
    load_model(&dir, &LoadOptions::default()).unwrap();
}

#[test]
fn missing_folder() {
    let msg = error_of(Path::new("/nonexistent/model"));
    assert!(
        msg.contains("/nonexistent/model") && msg.contains("does not exist"),
        "{msg}"
    );
}

#[test]
fn missing_tokenizer() {
    let (_t, dir) = fixture_copy();
    std::fs::remove_file(dir.join("tokenizer.json")).unwrap();
    let msg = error_of(&dir);
    assert!(msg.contains("has no tokenizer.json"), "{msg}");
}

#[test]
fn missing_config() {
    let (_t, dir) = fixture_copy();
    std::fs::remove_file(dir.join("config.json")).unwrap();
    let msg = error_of(&dir);
    assert!(msg.contains("has no config.json"), "{msg}");
}

#[test]
fn missing_weights() {
    let (_t, dir) = fixture_copy();
    std::fs::remove_file(dir.join("model.safetensors")).unwrap();
    let msg = error_of(&dir);
    assert!(msg.contains("has no model.safetensors"), "{msg}");
}

#[test]
fn config_that_is_not_json() {
    let (_t, dir) = fixture_copy();
    std::fs::write(dir.join("config.json"), "{ d_model: ").unwrap();
    let msg = error_of(&dir);
    assert!(
        msg.contains("config.json") && msg.contains("not valid JSON"),
        "{msg}"
    );
}

#[test]
fn config_missing_a_key() {
    let (_t, dir) = fixture_copy();
    edit_config(&dir, |v| {
        v.as_object_mut().unwrap().remove("d_model");
    });
    let msg = error_of(&dir);
    assert!(
        msg.contains("config.json") && msg.contains("d_model"),
        "{msg}"
    );
}

#[test]
fn unknown_architecture() {
    let (_t, dir) = fixture_copy();
    edit_config(&dir, |v| {
        v["model_type"] = "gpt2".into();
        v["architectures"] = serde_json::json!(["GPT2LMHeadModel"]);
    });
    let msg = error_of(&dir);
    assert!(
        msg.contains("unknown architecture") && msg.contains("gpt2"),
        "{msg}"
    );
}

#[test]
fn unsupported_option() {
    let (_t, dir) = fixture_copy();
    edit_config(&dir, |v| v["scale_logits"] = true.into());
    let msg = error_of(&dir);
    assert!(msg.contains("scale_logits"), "{msg}");
}

#[test]
fn tensor_with_the_wrong_shape() {
    let (_t, dir) = fixture_copy();
    // The checkpoint was written for d_model 32; claim a wider MLP.
    edit_config(&dir, |v| v["mlp_hidden_size"] = 80.into());
    let msg = error_of(&dir);
    assert!(
        msg.contains("model.safetensors")
            && msg.contains("has shape [32, 64]")
            && msg.contains("implies [32, 80]"),
        "{msg}"
    );
}

#[test]
fn missing_tensor() {
    let (_t, dir) = fixture_copy();
    edit_config(&dir, |v| v["n_layers"] = 3.into());
    let msg = error_of(&dir);
    assert!(
        msg.contains("has no tensor model.transformer.blocks.2."),
        "{msg}"
    );
}

#[test]
fn truncated_safetensors() {
    let (_t, dir) = fixture_copy();
    let path = dir.join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let msg = error_of(&dir);
    assert!(
        msg.contains("model.safetensors") && msg.contains("truncated or corrupt"),
        "{msg}"
    );
}

#[test]
fn corrupt_tokenizer() {
    let (_t, dir) = fixture_copy();
    std::fs::write(dir.join("tokenizer.json"), "{\"not\": \"a tokenizer\"}").unwrap();
    let msg = error_of(&dir);
    assert!(
        msg.contains("tokenizer.json") && msg.contains("cannot load the tokenizer"),
        "{msg}"
    );
}

#[test]
fn no_mask_token_anywhere() {
    let (_t, dir) = fixture_copy();
    edit_config(&dir, |v| {
        v.as_object_mut().unwrap().remove("mask_token_id");
    });
    // The fixture tokenizer does hold <|mdm_mask|>, so the id falls back to it.
    let loaded = load_model(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.info.mask_token_id, 62);
    // Rename that token away: now nothing names a mask.
    let tok = std::fs::read_to_string(dir.join("tokenizer.json")).unwrap();
    std::fs::write(
        dir.join("tokenizer.json"),
        tok.replace("<|mdm_mask|>", "<|notmask|>"),
    )
    .unwrap();
    let msg = error_of(&dir);
    assert!(msg.contains("no mask token"), "{msg}");
}

#[test]
fn sharded_index_naming_a_missing_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    std::fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada-sharded");
    for f in [
        "config.json",
        "tokenizer.json",
        "model.safetensors.index.json",
        "model-00001-of-00002.safetensors",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let msg = error_of(&dir);
    assert!(msg.contains("model-00002-of-00002.safetensors"), "{msg}");
}

#[test]
fn sharded_index_pointing_outside_the_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-llada-sharded");
    let dir = tmp.path().join("m");
    std::fs::create_dir(&dir).unwrap();
    // The second shard sits outside the model folder, where a hostile index could point.
    for f in [
        "config.json",
        "tokenizer.json",
        "model-00001-of-00002.safetensors",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let outside = "model-00002-of-00002.safetensors";
    std::fs::copy(src.join(outside), tmp.path().join(outside)).unwrap();
    let index = std::fs::read_to_string(src.join("model.safetensors.index.json")).unwrap();
    for shard in [
        format!("../{outside}"),
        tmp.path().join(outside).display().to_string(),
    ] {
        let hostile = index.replace(&format!("\"{outside}\""), &format!("{shard:?}"));
        assert_ne!(hostile, index);
        std::fs::write(dir.join("model.safetensors.index.json"), hostile).unwrap();
        let msg = error_of(&dir);
        assert!(
            msg.contains("outside the model folder") && msg.contains(outside),
            "{msg}"
        );
    }
}

#[test]
fn sizes_no_model_can_have_are_refused_before_anything_is_sized_by_them() {
    for (key, value) in [
        ("max_sequence_length", serde_json::json!(u64::MAX)),
        ("n_layers", serde_json::json!(1_000_000_000u64)),
        ("vocab_size", serde_json::json!(1u64 << 40)),
        ("mlp_hidden_size", serde_json::json!(1u64 << 40)),
    ] {
        let (_t, dir) = fixture_copy();
        edit_config(&dir, |v| {
            v[key] = value.clone();
            if key == "vocab_size" {
                v["embedding_size"] = value.clone();
            }
        });
        let msg = error_of(&dir);
        assert!(
            msg.contains("config.json") && msg.contains("more than any model Unmask can run"),
            "{key}: {msg}"
        );
    }
}

#[test]
fn a_recommended_decoding_is_read_and_a_bad_one_is_refused_naming_the_key() {
    use unmask::model::config::RecommendedDecoding;
    let (_t, dir) = fixture_copy();
    edit_config(&dir, |v| {
        v["unmask_recommended_decoding"] = serde_json::json!({"threshold": 0.99});
    });
    let info = load_model(&dir, &LoadOptions::default()).unwrap().info;
    let recommended = info.recommended_decoding.unwrap();
    assert_eq!(
        recommended,
        RecommendedDecoding {
            threshold: Some(0.99),
            ..RecommendedDecoding::default()
        }
    );
    assert_eq!(recommended.describe(), "threshold 0.99");

    for bad in [
        serde_json::json!({"threshold": 1.5}),
        serde_json::json!({"threshold": 0.9, "steps": 10}),
        serde_json::json!({}),
        serde_json::json!({"steps": 0}),
        serde_json::json!({"thresold": 0.9}),
    ] {
        let (_t, dir) = fixture_copy();
        edit_config(&dir, |v| v["unmask_recommended_decoding"] = bad.clone());
        let msg = error_of(&dir);
        assert!(
            msg.contains("config.json") && msg.contains("unmask_recommended_decoding")
                || msg.contains("thresold"),
            "{bad}: {msg}"
        );
    }
}

#[test]
fn the_embedded_model_recommends_its_most_accurate_threshold() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/model");
    let info = load_model(&dir, &LoadOptions::default()).unwrap().info;
    assert_eq!(
        info.recommended_decoding.map(|r| r.describe()).as_deref(),
        Some("threshold 0.99")
    );
}

#[test]
fn configs_that_would_fail_only_at_generation_are_refused_at_load() {
    type ConfigEdit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(ConfigEdit, &str)> = vec![
        (
            Box::new(|v| v["unmask_prompt_template"] = "<|bos|>".into()),
            "has no {prompt}",
        ),
        (
            Box::new(|v| {
                let mask = v["mask_token_id"].clone();
                v["eos_token_id"] = mask;
            }),
            "is also an eos_token_id",
        ),
    ];
    for (edit, says) in cases {
        let (_t, dir) = fixture_copy();
        edit_config(&dir, |v| edit(v));
        let msg = error_of(&dir);
        assert!(
            msg.contains("config.json") && msg.contains(says),
            "{says}: {msg}"
        );
    }
}
