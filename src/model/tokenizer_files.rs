//! A model folder's tokenizer: `tokenizer.json`, or `vocab.json` + `merges.txt` (+ the special
//! tokens of `tokenizer_config.json`) as the Dream repos ship it; and what `tokenizer_config.json`
//! says about the mask token, the end tokens and the chat format.

use std::collections::HashMap;
use std::path::Path;

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::normalizers::unicode::NFC;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

use super::loading::LoadError;

/// The pre-tokenizer regex of Qwen2/2.5/3 (their tokenizer.json) and Dream (tokenization_dream.py).
pub const QWEN_PRETOKENIZE_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Read `tokenizer_config.json` when the folder has one.
pub fn read_tokenizer_config(dir: &Path) -> Result<Option<serde_json::Value>, LoadError> {
    let path = dir.join("tokenizer_config.json");
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| LoadError::BadConfig {
        path: path.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| LoadError::BadConfig {
            path,
            reason: format!("not valid JSON: {e}"),
        })
}

/// Load the tokenizer of a model folder: `tokenizer.json` when present, else a byte-level BPE
/// built from `vocab.json` + `merges.txt`.
pub fn load_tokenizer(dir: &Path) -> Result<Tokenizer, LoadError> {
    let path = dir.join("tokenizer.json");
    if path.is_file() {
        // Caught like the GGUF tokenizer's: the tokenizers crate can panic on malformed JSON.
        let parsed = std::panic::catch_unwind(|| Tokenizer::from_file(&path))
            .unwrap_or_else(|_| Err("the tokenizer JSON is malformed".into()));
        return parsed.map_err(|e| LoadError::Tokenizer {
            path,
            reason: e.to_string(),
        });
    }
    let (vocab, merges) = (dir.join("vocab.json"), dir.join("merges.txt"));
    match (vocab.is_file(), merges.is_file()) {
        (true, true) => tokenizer_from_vocab_merges(dir),
        (true, false) => Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            file: "merges.txt".into(),
            hint: "there is no tokenizer.json, and vocab.json needs merges.txt beside it".into(),
        }),
        (false, true) => Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            file: "vocab.json".into(),
            hint: "there is no tokenizer.json, and merges.txt needs vocab.json beside it".into(),
        }),
        (false, false) => Err(LoadError::MissingFile {
            dir: dir.to_path_buf(),
            file: "tokenizer.json".into(),
            hint: "Unmask needs the Hugging Face tokenizer.json (or vocab.json + merges.txt) next to config.json".into(),
        }),
    }
}

/// The special tokens `tokenizer_config.json` lists under `added_tokens_decoder`: (id, content, special).
fn added_tokens(cfg: Option<&serde_json::Value>) -> Vec<(u32, String, bool)> {
    let Some(map) = cfg
        .and_then(|c| c.get("added_tokens_decoder"))
        .and_then(|m| m.as_object())
    else {
        return Vec::new();
    };
    let mut out: Vec<(u32, String, bool)> = map
        .iter()
        .filter_map(|(id, tok)| {
            let id = id.parse::<u32>().ok()?;
            let content = tok.get("content")?.as_str()?.to_string();
            let special = tok.get("special").and_then(|s| s.as_bool()).unwrap_or(true);
            Some((id, content, special))
        })
        .collect();
    out.sort();
    out
}

/// A byte-level BPE tokenizer from `vocab.json` + `merges.txt`, with the special tokens of
/// `tokenizer_config.json`'s `added_tokens_decoder` at their listed ids.
///
/// Qwen-family tokenizers (`tokenizer_class` `Qwen2Tokenizer` / `DreamTokenizer`, or none given)
/// get Qwen's NFC normaliser and pre-tokenizer regex; others get GPT-2's byte-level regex.
pub fn tokenizer_from_vocab_merges(dir: &Path) -> Result<Tokenizer, LoadError> {
    let vocab_path = dir.join("vocab.json");
    let merges_path = dir.join("merges.txt");
    let bad = |path: &Path, reason: String| LoadError::Tokenizer {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(&vocab_path)
        .map_err(|e| bad(&vocab_path, format!("cannot read: {e}")))?;
    let mut vocab: HashMap<String, u32> = serde_json::from_str(&text)
        .map_err(|e| bad(&vocab_path, format!("not a JSON token → id map: {e}")))?;
    let text = std::fs::read_to_string(&merges_path)
        .map_err(|e| bad(&merges_path, format!("cannot read: {e}")))?;
    let mut merges = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("#version") || line.trim().is_empty() {
            continue;
        }
        let Some((a, b)) = line.split_once(' ') else {
            return Err(bad(
                &merges_path,
                format!("line {} is not two tokens separated by a space", n + 1),
            ));
        };
        merges.push((a.to_string(), b.to_string()));
    }
    let cfg = read_tokenizer_config(dir)?;
    let added = added_tokens(cfg.as_ref());
    // Put the special tokens into the model's vocabulary at their own ids, so that registering
    // them below keeps those ids even where the listed ids leave gaps.
    for (id, content, _) in &added {
        vocab.insert(content.clone(), *id);
    }
    let vocab: Vocab = vocab.into_iter().collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| {
            bad(
                &merges_path,
                format!("vocab.json and merges.txt disagree: {e}"),
            )
        })?;
    let class = cfg
        .as_ref()
        .and_then(|c| c.get("tokenizer_class"))
        .and_then(|c| c.as_str())
        .unwrap_or("Qwen2Tokenizer");
    let qwen_style = class.starts_with("Qwen") || class.starts_with("Dream");
    let mut tokenizer = Tokenizer::new(bpe);
    if qwen_style {
        let split = Split::new(
            SplitPattern::Regex(QWEN_PRETOKENIZE_REGEX.into()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .map_err(|e| bad(&vocab_path, format!("pre-tokenizer regex: {e}")))?;
        tokenizer
            .with_normalizer(Some(NFC))
            .map_err(|e| bad(&vocab_path, format!("normaliser: {e}")))?;
        tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
            PreTokenizerWrapper::Split(split),
            PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, false, false)),
        ])));
    } else {
        tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, false, true)));
    }
    tokenizer.with_decoder(Some(ByteLevelDecoder::new(false, false, false)));
    let tokens: Vec<AddedToken> = added
        .iter()
        .map(|(_, content, special)| AddedToken::from(content.clone(), *special))
        .collect();
    tokenizer.add_special_tokens(tokens).map_err(|e| {
        bad(
            &dir.join("tokenizer_config.json"),
            format!("added tokens: {e}"),
        )
    })?;
    for (id, content, _) in &added {
        if tokenizer.token_to_id(content) != Some(*id) {
            return Err(bad(
                &dir.join("tokenizer_config.json"),
                format!("added token {content:?} should have id {id}"),
            ));
        }
    }
    Ok(tokenizer)
}

/// A token named by `tokenizer_config.json` (`"mask_token": "<|mask|>"` or `{"content": …}`).
pub fn config_token(cfg: Option<&serde_json::Value>, key: &str) -> Option<String> {
    let value = cfg?.get(key)?;
    value
        .as_str()
        .or_else(|| value.get("content").and_then(|c| c.as_str()))
        .map(str::to_string)
}

/// The chat template source of `tokenizer_config.json` (a string, or the `default` of a list).
pub fn chat_template(cfg: Option<&serde_json::Value>) -> Option<String> {
    let value = cfg?.get("chat_template")?;
    if let Some(text) = value.as_str() {
        return Some(text.to_string());
    }
    value.as_array()?.iter().find_map(|t| {
        (t.get("name")?.as_str()? == "default")
            .then(|| t.get("template")?.as_str().map(str::to_string))
            .flatten()
    })
}

/// The system turn a ChatML template writes when the conversation has none (Qwen2.5 and Dream
/// write a fixed "You are … a helpful assistant." turn; Qwen3 writes none).
pub fn default_system_turn(template: &str) -> Option<String> {
    for marker in ["<|im_start|>system\\n", "<|im_start|>system\n"] {
        for (at, _) in template.match_indices(marker) {
            let rest = &template[at + marker.len()..];
            let Some(end) = rest.find("<|im_end|>") else {
                continue;
            };
            let text = &rest[..end];
            // Only a literal sentence counts, not a Jinja expression such as `' + messages[0]…`.
            if !text.is_empty() && !text.contains(['\'', '"', '{', '}', '+']) {
                return Some(format!(
                    "<|im_start|>system\n{}<|im_end|>\n",
                    text.replace("\\n", "\n")
                ));
            }
        }
    }
    None
}

/// The ChatML prompt format of the Qwen-layout families, as the model's own chat template writes
/// one user turn with `add_generation_prompt`: its default system turn when it has one, and, when
/// the template knows `enable_thinking` (Qwen3), the empty think block that dllm's A2D models are
/// prompted with (their tokenizer wrapper sets `enable_thinking=False`).
pub fn chatml_template(template_source: Option<&str>) -> String {
    let system = template_source
        .and_then(default_system_turn)
        .unwrap_or_default();
    let think = if template_source.is_some_and(|t| t.contains("enable_thinking")) {
        "<think>\n\n</think>\n\n"
    } else {
        ""
    };
    format!("{system}<|im_start|>user\n{{prompt}}<|im_end|>\n<|im_start|>assistant\n{think}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_default_system_turn_is_found_and_an_expression_is_not() {
        let qwen25 = "{%- if tools %}{{- '<|im_start|>system\\n' }}{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] }}{%- endif %}{%- else %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}";
        assert_eq!(
            default_system_turn(qwen25).as_deref(),
            Some("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n")
        );
        let qwen3 = "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}";
        assert_eq!(default_system_turn(qwen3), None);
    }

    #[test]
    fn chatml_adds_the_empty_think_block_only_for_thinking_templates() {
        assert_eq!(
            chatml_template(None),
            "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
        );
        assert!(
            chatml_template(Some("{% if enable_thinking is defined %}"))
                .ends_with("assistant\n<think>\n\n</think>\n\n")
        );
    }

    #[test]
    fn config_tokens_may_be_strings_or_objects() {
        let cfg =
            serde_json::json!({"mask_token": "<|mask|>", "eos_token": {"content": "<|im_end|>"}});
        assert_eq!(
            config_token(Some(&cfg), "mask_token").as_deref(),
            Some("<|mask|>")
        );
        assert_eq!(
            config_token(Some(&cfg), "eos_token").as_deref(),
            Some("<|im_end|>")
        );
        assert_eq!(config_token(Some(&cfg), "pad_token"), None);
    }
}
