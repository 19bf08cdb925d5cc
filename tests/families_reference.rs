//! Dream, A2D Qwen2 and A2D Qwen3 checkpoints load through the one loader and agree with float64
//! golden logits from `tests/reference/qwen_family_reference.py` (Dream's shift included), and a
//! broken or unsupported folder of these families gives one clear error.
//!
//! The fixtures are tiny random checkpoints in the real on-disk layouts: `tiny-dream` ships
//! vocab.json + merges.txt + tokenizer_config.json (no tokenizer.json) and has GQA 4/2;
//! `tiny-qwen2` has GQA 6/2 and a tied head; `tiny-qwen3` has q/k norms and head_dim 16 ≠ 32/4;
//! `tiny-qwen3-bd3lm` is `tiny-qwen3` with `"unmask_block_size": 4`.

use std::path::Path;

mod common;
use common::{
    TOLERANCE, all_rows, copy_fixture, edit_config, error_of, fixture_dir, read_golden, read_json,
};

use unmask::model::{LoadOptions, LoadedModel, WeightDtype, load_model};

fn load_dtype(dir: &Path, dtype: WeightDtype) -> LoadedModel {
    let opts = LoadOptions {
        dtype,
        ..LoadOptions::default()
    };
    load_model(dir, &opts).unwrap_or_else(|e| panic!("loading {} failed: {e}", dir.display()))
}

fn load(name: &str) -> LoadedModel {
    load_dtype(&fixture_dir(name), WeightDtype::F32)
}

/// Max |ours − reference| over every position and token of the fixture's golden input.
fn max_abs_diff(name: &str) -> f64 {
    let golden = read_golden(&fixture_dir(name));
    let mut model = load(name);
    let vocab = model.info.vocab_size;
    assert_eq!(golden.logits[0].len(), vocab, "{name}: logit width");
    let got = all_rows(&mut model, &golden.tokens);
    let mut diff = 0.0_f64;
    for (pos, want) in golden.logits.iter().enumerate() {
        for (tok, (&g, &w)) in got[pos * vocab..(pos + 1) * vocab]
            .iter()
            .zip(want)
            .enumerate()
        {
            assert!(g.is_finite(), "{name}: logit [{pos}, {tok}] is {g}");
            diff = diff.max((f64::from(g) - w).abs());
        }
    }
    println!("{name}: max |Δ| from the float64 reference = {diff:.3e}");
    diff
}

fn assert_matches_golden(name: &str) {
    let diff = max_abs_diff(name);
    assert!(
        diff < TOLERANCE,
        "{name}: max abs diff {diff:e} from the float64 reference exceeds {TOLERANCE:e}"
    );
}

#[test]
fn tiny_dream_matches_reference_logits_with_the_shift() {
    assert_matches_golden("tiny-dream");
}

#[test]
fn tiny_qwen2_matches_reference_logits() {
    assert_matches_golden("tiny-qwen2");
}

#[test]
fn tiny_qwen3_matches_reference_logits() {
    assert_matches_golden("tiny-qwen3");
}

#[test]
fn tiny_qwen3_block_causal_matches_reference_logits() {
    assert_matches_golden("tiny-qwen3-bd3lm");
}

#[test]
fn families_are_recognised_from_config_json() {
    for (name, family, shifted) in [
        ("tiny-dream", "dream", true),
        ("tiny-qwen2", "qwen2", false),
        ("tiny-qwen3", "qwen3", false),
        ("tiny-qwen3-bd3lm", "qwen3", false),
        ("tiny-llada", "llada", false),
    ] {
        let model = load(name);
        assert_eq!(model.info.family, family, "{name}");
        assert_eq!(
            model.info.shape.contains("shifted"),
            shifted,
            "{name}: {}",
            model.info.shape
        );
    }
    assert!(
        load("tiny-qwen3-bd3lm")
            .info
            .shape
            .contains("block-causal (block 4)")
    );
}

#[test]
fn dream_row_i_reads_hidden_state_i_minus_1() {
    // Rows 0 and 1 of a shifted model both come from hidden state 0; an unshifted family's differ.
    let golden = read_golden(&fixture_dir("tiny-dream"));
    let mut dream = load("tiny-dream");
    let v = dream.info.vocab_size;
    let logits = dream.denoiser.logits(&golden.tokens, &[0, 1, 2]).unwrap();
    assert_eq!(&logits[..v], &logits[v..2 * v], "rows 0 and 1 of Dream");
    assert_ne!(&logits[v..2 * v], &logits[2 * v..], "rows 1 and 2 of Dream");
    let golden = read_golden(&fixture_dir("tiny-qwen3"));
    let mut qwen = load("tiny-qwen3");
    let v = qwen.info.vocab_size;
    let logits = qwen.denoiser.logits(&golden.tokens, &[0, 1]).unwrap();
    assert_ne!(
        &logits[..v],
        &logits[v..],
        "rows 0 and 1 of an unshifted model"
    );
}

#[test]
fn dream_ids_come_from_config_and_tokenizer() {
    let dir = fixture_dir("tiny-dream");
    let config = read_json(&dir.join("config.json"));
    let model = load("tiny-dream");
    let id = |t: &str| {
        model
            .tokenizer
            .token_to_id(t)
            .unwrap_or_else(|| panic!("no {t}"))
    };
    assert_eq!(
        u64::from(model.info.mask_token_id),
        config["mask_token_id"].as_u64().unwrap()
    );
    assert_eq!(model.info.mask_token_id, id("<|mask|>"));
    // EOS/pad <|endoftext|> from config.json, then <|im_end|> from the tokenizer.
    assert_eq!(
        model.info.eos_token_ids,
        vec![id("<|endoftext|>"), id("<|im_end|>")]
    );
    assert_eq!(
        model.info.prompt_template,
        "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    );
}

#[test]
fn a2d_models_take_the_mask_from_tokenizer_config() {
    for name in ["tiny-qwen2", "tiny-qwen3"] {
        let model = load(name);
        assert_eq!(
            Some(model.info.mask_token_id),
            model.tokenizer.token_to_id("<|mask|>"),
            "{name}"
        );
        assert!(
            model
                .info
                .eos_token_ids
                .contains(&model.tokenizer.token_to_id("<|im_end|>").unwrap())
        );
        assert!(
            model
                .info
                .prompt_template
                .starts_with("<|im_start|>user\n{prompt}")
        );
    }
}

#[test]
fn an_a2d_tokenizer_without_a_mask_gets_one_appended_as_dllm_does() {
    let (_t, dir) = copy_fixture("tiny-qwen3");
    let size = load_dtype(&dir, WeightDtype::F32)
        .tokenizer
        .get_vocab_size(true);
    // Drop <|mask|> (the last added token) from both tokenizer files.
    let path = dir.join("tokenizer.json");
    let mut tok = read_json(&path);
    tok["added_tokens"]
        .as_array_mut()
        .unwrap()
        .retain(|t| t["content"] != "<|mask|>");
    std::fs::write(&path, serde_json::to_string(&tok).unwrap()).unwrap();
    let path = dir.join("tokenizer_config.json");
    let mut cfg = read_json(&path);
    let cfg_map = cfg.as_object_mut().unwrap();
    cfg_map.remove("mask_token");
    let decoder = cfg_map["added_tokens_decoder"].as_object_mut().unwrap();
    decoder.retain(|_, t| t["content"] != "<|mask|>");
    std::fs::write(&path, serde_json::to_string(&cfg).unwrap()).unwrap();

    let model = load_dtype(&dir, WeightDtype::F32);
    assert_eq!(
        model.info.mask_token_id as usize,
        size - 1,
        "the next id after the vocabulary"
    );
    assert_eq!(
        model.tokenizer.token_to_id("<|mask|>"),
        Some(model.info.mask_token_id)
    );
}

#[test]
fn vocab_and_merges_tokenize_like_the_equivalent_tokenizer_json() {
    // tiny-dream's vocab.json + merges.txt and tiny-qwen2's tokenizer.json hold the same BPE.
    let from_files = load("tiny-dream").tokenizer;
    let from_json = load("tiny-qwen2").tokenizer;
    for text in [
        "the cat sat on the mat",
        "hello world, hello there!",
        "你好 世界 def main():\n    return 42",
        "<|im_start|>user\nhi<|im_end|>\n<|mask|><|mask|><|endoftext|>",
    ] {
        let a = from_files.encode(text, false).unwrap();
        let b = from_json.encode(text, false).unwrap();
        assert_eq!(a.get_ids(), b.get_ids(), "{text:?}");
        assert_eq!(from_files.decode(a.get_ids(), false).unwrap(), text);
    }
}

#[test]
fn half_precision_tracks_f32_for_every_family() {
    for name in ["tiny-dream", "tiny-qwen2", "tiny-qwen3"] {
        let golden = read_golden(&fixture_dir(name));
        let dir = fixture_dir(name);
        let reference = all_rows(&mut load_dtype(&dir, WeightDtype::F32), &golden.tokens);
        for dtype in [WeightDtype::Bf16, WeightDtype::F16] {
            let other = all_rows(&mut load_dtype(&dir, dtype), &golden.tokens);
            let diff = reference
                .iter()
                .zip(&other)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            let scale = reference.iter().map(|a| a.abs()).fold(0.0f32, f32::max);
            assert!(
                diff < 0.05 * scale.max(1.0) && diff > 0.0,
                "{name} {dtype:?}: max diff {diff} (scale {scale})"
            );
        }
    }
}

// ----------------------------------------------------------------------------- clear errors

#[test]
fn an_unknown_architecture_names_what_it_saw_and_what_is_supported() {
    let (_t, dir) = copy_fixture("tiny-qwen3");
    edit_config(&dir, |v| {
        v["model_type"] = "mistral".into();
        v["architectures"] = serde_json::json!(["MistralForCausalLM"]);
    });
    let msg = error_of(&dir);
    for needle in [
        "unknown architecture",
        "\"mistral\"",
        "MistralForCausalLM",
        "LLaDAModelLM",
        "DreamModel",
        "a2d-qwen3",
        "unmask_bidirectional",
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in: {msg}");
    }
}

#[test]
fn a_causal_qwen_config_is_refused_unless_marked_bidirectional() {
    let (_t, dir) = copy_fixture("tiny-qwen3");
    edit_config(&dir, |v| {
        v["model_type"] = "qwen3".into();
        v["architectures"] = serde_json::json!(["Qwen3ForCausalLM"]);
    });
    let msg = error_of(&dir);
    assert!(
        msg.contains("causal") && msg.contains("\"unmask_bidirectional\": true"),
        "{msg}"
    );
    edit_config(&dir, |v| v["unmask_bidirectional"] = true.into());
    let model = load_dtype(&dir, WeightDtype::F32);
    assert_eq!(model.info.family, "qwen3");
}

#[test]
fn dream_without_merges_names_the_missing_file() {
    let (_t, dir) = copy_fixture("tiny-dream");
    std::fs::remove_file(dir.join("merges.txt")).unwrap();
    let msg = error_of(&dir);
    assert!(
        msg.contains("has no merges.txt") && msg.contains("vocab.json"),
        "{msg}"
    );
}

#[test]
fn no_tokenizer_at_all_names_both_forms() {
    let (_t, dir) = copy_fixture("tiny-dream");
    std::fs::remove_file(dir.join("merges.txt")).unwrap();
    std::fs::remove_file(dir.join("vocab.json")).unwrap();
    let msg = error_of(&dir);
    assert!(
        msg.contains("has no tokenizer.json") && msg.contains("vocab.json + merges.txt"),
        "{msg}"
    );
}

#[test]
fn a_missing_qwen3_norm_tensor_is_named() {
    let (_t, dir) = copy_fixture("tiny-qwen3");
    edit_config(&dir, |v| v["num_hidden_layers"] = 3.into());
    let msg = error_of(&dir);
    assert!(msg.contains("has no tensor model.layers.2."), "{msg}");
    assert!(msg.contains("qwen3"), "{msg}");
}

#[test]
fn an_untied_config_without_lm_head_is_named() {
    let (_t, dir) = copy_fixture("tiny-qwen2");
    edit_config(&dir, |v| v["tie_word_embeddings"] = false.into());
    let msg = error_of(&dir);
    assert!(msg.contains("has no tensor lm_head.weight"), "{msg}");
}

#[test]
fn a_wrong_head_dim_is_a_shape_error() {
    let (_t, dir) = copy_fixture("tiny-qwen3");
    edit_config(&dir, |v| v["head_dim"] = 8.into());
    let msg = error_of(&dir);
    assert!(
        msg.contains("has shape") && msg.contains("implies"),
        "{msg}"
    );
}

#[test]
fn unsupported_qwen_options_are_named() {
    for (key, value) in [
        (
            "rope_scaling",
            serde_json::json!({"type": "yarn", "factor": 4.0}),
        ),
        ("use_sliding_window", serde_json::json!(true)),
        ("hidden_act", serde_json::json!("gelu")),
    ] {
        let (_t, dir) = copy_fixture("tiny-qwen2");
        edit_config(&dir, |v| v[key] = value);
        let msg = error_of(&dir);
        assert!(msg.contains(key), "{key}: {msg}");
    }
}
