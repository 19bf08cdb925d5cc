//! Checks the LLaDA denoiser against float64 golden logits from `tests/reference/llada_reference.py`.
//!
//! Each fixture folder under `tests/fixtures/` holds a tiny random LLaDA checkpoint in the real
//! on-disk layout plus `golden.json`: the token sequence and the reference logits for every
//! position. The crate's loader must reproduce them to 1e-4 (float32 numpy gets within ~3e-6).

use std::path::PathBuf;

mod common;
use common::{TOLERANCE, fixture_dir, read_golden, read_json};

use unmask::model::{LoadOptions, LoadedModel, load_model};

fn load(name: &str) -> LoadedModel {
    let dir = fixture_dir(name);
    load_model(&dir, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("loading fixture {name} failed: {e}"))
}

/// Logits of `rows` for `tokens`, as a row-major `[rows.len() * vocab_size]` vector.
fn logits_of(model: &mut LoadedModel, tokens: &[u32], rows: &[u32]) -> Vec<f32> {
    let logits = model
        .denoiser
        .logits(tokens, rows)
        .unwrap_or_else(|e| panic!("forward failed: {e}"));
    assert_eq!(
        logits.len(),
        rows.len() * model.info.vocab_size,
        "logits must be [rows × vocab_size]"
    );
    logits
}

/// Loads fixture `name`, runs every position of its golden tokens and returns the max abs diff.
fn max_abs_diff_against_golden(name: &str) -> f64 {
    let dir = fixture_dir(name);
    let golden = read_golden(&dir);
    let config = read_json(&dir.join("config.json"));
    let mut model = load(name);

    let vocab_size = golden.logits[0].len();
    assert_eq!(model.info.vocab_size, vocab_size, "{name}: vocab_size");
    assert_eq!(
        Some(u64::from(model.info.mask_token_id)),
        config["mask_token_id"].as_u64(),
        "{name}: mask_token_id must come from config.json"
    );
    assert_eq!(golden.logits.len(), golden.tokens.len());

    let rows: Vec<u32> = (0..golden.tokens.len() as u32).collect();
    let logits = logits_of(&mut model, &golden.tokens, &rows);

    let mut max_diff = 0.0_f64;
    for (pos, want_row) in golden.logits.iter().enumerate() {
        assert_eq!(want_row.len(), vocab_size);
        let got_row = &logits[pos * vocab_size..(pos + 1) * vocab_size];
        for (tok, (&got, &want)) in got_row.iter().zip(want_row).enumerate() {
            assert!(got.is_finite(), "{name}: logit [{pos}, {tok}] is {got}");
            max_diff = max_diff.max((f64::from(got) - want).abs());
        }
    }
    max_diff
}

fn assert_matches_golden(name: &str) {
    let diff = max_abs_diff_against_golden(name);
    assert!(
        diff < TOLERANCE,
        "{name}: max abs diff {diff:e} from the float64 reference exceeds {TOLERANCE:e}"
    );
}

#[test]
fn tiny_llada_matches_reference_logits_at_every_position() {
    assert_matches_golden("tiny-llada");
}

#[test]
fn tiny_llada_gqa_tied_head_matches_reference_logits_at_every_position() {
    assert_matches_golden("tiny-llada-gqa");
}

#[test]
fn tiny_llada_sharded_matches_reference_logits_at_every_position() {
    assert_matches_golden("tiny-llada-sharded");
}

#[test]
fn sharded_fixture_loads_as_the_same_model_as_the_single_file_one() {
    let mut single = load("tiny-llada");
    let mut sharded = load("tiny-llada-sharded");
    assert_eq!(single.info.vocab_size, sharded.info.vocab_size);
    assert_eq!(single.info.mask_token_id, sharded.info.mask_token_id);

    let golden = read_golden(&fixture_dir("tiny-llada"));
    let rows: Vec<u32> = (0..golden.tokens.len() as u32).collect();
    let a = logits_of(&mut single, &golden.tokens, &rows);
    let b = logits_of(&mut sharded, &golden.tokens, &rows);
    let max_diff = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0_f32, f32::max);
    assert!(
        max_diff < 1e-6,
        "sharded and single-file checkpoints disagree by {max_diff:e}"
    );
}

#[test]
fn a_subset_of_rows_returns_those_rows_in_the_order_asked() {
    let mut model = load("tiny-llada-gqa");
    let golden = read_golden(&fixture_dir("tiny-llada-gqa"));
    let vocab_size = model.info.vocab_size;
    let rows = [11_u32, 0, 4];
    let logits = logits_of(&mut model, &golden.tokens, &rows);
    for (i, &row) in rows.iter().enumerate() {
        let got = &logits[i * vocab_size..(i + 1) * vocab_size];
        let want = &golden.logits[row as usize];
        for (&g, &w) in got.iter().zip(want) {
            assert!(
                (f64::from(g) - w).abs() < TOLERANCE,
                "row {row} (asked {i}th): {g} vs reference {w}"
            );
        }
    }
}

#[test]
fn attention_is_bidirectional_so_the_last_token_changes_the_first_position() {
    let mut model = load("tiny-llada");
    let golden = read_golden(&fixture_dir("tiny-llada"));
    let vocab_size = model.info.vocab_size;
    let mut changed = golden.tokens.clone();
    let last = changed.len() - 1;
    changed[last] = (changed[last] + 7) % vocab_size as u32;
    let before = logits_of(&mut model, &golden.tokens, &[0]);
    let after = logits_of(&mut model, &changed, &[0]);
    let moved = before
        .iter()
        .zip(&after)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0_f32, f32::max);
    assert!(
        moved > 1e-3,
        "position 0 ignored a change of the last token (moved {moved:e}): is a causal mask applied?"
    );
}

#[test]
fn fixture_safetensors_hold_f32_tensors_with_llada_names_and_shapes() {
    for name in ["tiny-llada", "tiny-llada-gqa", "tiny-llada-sharded"] {
        let dir = fixture_dir(name);
        let config = read_json(&dir.join("config.json"));
        let dim = |key: &str| {
            config[key]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: config.json lacks {key}")) as usize
        };
        let (d_model, n_heads, n_kv_heads) = (dim("d_model"), dim("n_heads"), dim("n_kv_heads"));
        let (ff, vocab, n_layers) = (dim("mlp_hidden_size"), dim("vocab_size"), dim("n_layers"));
        let tied = config["weight_tying"].as_bool() == Some(true);
        let kv_dim = d_model / n_heads * n_kv_heads;

        let files: Vec<PathBuf> = if dir.join("model.safetensors").exists() {
            vec![dir.join("model.safetensors")]
        } else {
            let index = read_json(&dir.join("model.safetensors.index.json"));
            let map = index["weight_map"]
                .as_object()
                .unwrap_or_else(|| panic!("{name}: index has no weight_map"));
            let mut shards: Vec<String> = map
                .values()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            shards.sort();
            shards.dedup();
            assert_eq!(shards.len(), 2, "{name}: expected two shards");
            shards.into_iter().map(|s| dir.join(s)).collect()
        };

        let mut shapes = std::collections::BTreeMap::new();
        for file in &files {
            let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let st = safetensors::SafeTensors::deserialize(&bytes)
                .unwrap_or_else(|e| panic!("{} is not safetensors: {e}", file.display()));
            for (tensor_name, view) in st.tensors() {
                assert_eq!(view.dtype(), safetensors::Dtype::F32, "{tensor_name}");
                shapes.insert(tensor_name, view.shape().to_vec());
            }
        }

        let p = "model.transformer";
        let mut want = std::collections::BTreeMap::new();
        want.insert(format!("{p}.wte.weight"), vec![vocab, d_model]);
        want.insert(format!("{p}.ln_f.weight"), vec![d_model]);
        if !tied {
            want.insert(format!("{p}.ff_out.weight"), vec![vocab, d_model]);
        }
        for i in 0..n_layers {
            let b = format!("{p}.blocks.{i}");
            want.insert(format!("{b}.attn_norm.weight"), vec![d_model]);
            want.insert(format!("{b}.ff_norm.weight"), vec![d_model]);
            want.insert(format!("{b}.q_proj.weight"), vec![d_model, d_model]);
            want.insert(format!("{b}.k_proj.weight"), vec![kv_dim, d_model]);
            want.insert(format!("{b}.v_proj.weight"), vec![kv_dim, d_model]);
            want.insert(format!("{b}.attn_out.weight"), vec![d_model, d_model]);
            want.insert(format!("{b}.ff_proj.weight"), vec![ff, d_model]);
            want.insert(format!("{b}.up_proj.weight"), vec![ff, d_model]);
            want.insert(format!("{b}.ff_out.weight"), vec![d_model, ff]);
        }
        assert_eq!(shapes, want, "{name}: tensor names/shapes");
    }
}

#[test]
fn fixture_tokenizers_know_the_mask_and_eos_tokens() {
    for name in ["tiny-llada", "tiny-llada-gqa", "tiny-llada-sharded"] {
        let dir = fixture_dir(name);
        let config = read_json(&dir.join("config.json"));
        let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .unwrap_or_else(|e| panic!("{name}: tokenizer.json does not load: {e}"));
        let id = |tok: &str| tokenizer.token_to_id(tok).map(u64::from);
        assert_eq!(id("<|mdm_mask|>"), config["mask_token_id"].as_u64());
        assert_eq!(id("<|eos|>"), config["eos_token_id"].as_u64());
        let vocab = config["vocab_size"].as_u64().unwrap_or(0) as usize;
        assert_eq!(tokenizer.get_vocab_size(true), vocab, "{name}: vocab size");

        let encoding = tokenizer
            .encode("the cat <|mdm_mask|> sat", false)
            .unwrap_or_else(|e| panic!("{name}: encode failed: {e}"));
        let ids = encoding.get_ids();
        assert_eq!(ids.len(), 4, "{name}: {:?}", encoding.get_tokens());
        assert_eq!(Some(u64::from(ids[2])), config["mask_token_id"].as_u64());
        assert_eq!(ids[3], 0, "an unknown word maps to <|unk|> (id 0)");
    }
}
