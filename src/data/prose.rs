//! The prose corpus (Jane Austen's six novels, see `assets/corpus/PROVENANCE.md`), its held-out split and prose windows.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use rand::Rng;
use tokenizers::Tokenizer;

use super::tokenizer::{SpecialIds, encode_piece};
use super::{DataError, Example, stable_hash};

/// The corpus shipped in the repository.
pub const DEFAULT_CORPUS_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/assets/corpus/austen.txt.gz");
/// One paragraph in this many (by a hash of its text) is held out of training.
pub const HELD_OUT_ONE_IN: u64 = 50;
/// Fewest tokens a prose window may have: the prompt takes 8 to `len / 2 - 1` of them.
pub const MIN_WINDOW_LEN: usize = 18;
/// Fewest prompt tokens (after `<|bos|>`) of a prose example.
pub const MIN_PROMPT_TOKENS: usize = 8;

/// Paragraphs of text split into a training part and a held-out part.
#[derive(Clone, Debug)]
pub struct Corpus {
    training: Vec<String>,
    held_out: Vec<String>,
    training_text: String,
    held_out_text: String,
}

impl Corpus {
    /// Read a gzip file of blank-line separated UTF-8 paragraphs.
    pub fn load(path: impl AsRef<Path>) -> Result<Corpus, DataError> {
        let path = path.as_ref();
        let io_err = |source| DataError::CorpusIo {
            path: PathBuf::from(path),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let mut text = String::new();
        GzDecoder::new(file)
            .read_to_string(&mut text)
            .map_err(io_err)?;
        Corpus::from_text(&text, &path.display().to_string())
    }

    /// The corpus shipped at [`DEFAULT_CORPUS_PATH`].
    pub fn load_default() -> Result<Corpus, DataError> {
        Corpus::load(DEFAULT_CORPUS_PATH)
    }

    /// Split `text` into paragraphs at blank lines (`what` names it in errors). A paragraph is held
    /// out iff a stable hash of its text falls in a fixed 1/[`HELD_OUT_ONE_IN`] slice, so equal
    /// paragraphs always land on the same side.
    pub fn from_text(text: &str, what: &str) -> Result<Corpus, DataError> {
        let normalised = text.replace("\r\n", "\n");
        let mut training = Vec::new();
        let mut held_out = Vec::new();
        for paragraph in normalised.split("\n\n") {
            let paragraph = paragraph.trim();
            if paragraph.is_empty() {
                continue;
            }
            if stable_hash(paragraph.as_bytes()).is_multiple_of(HELD_OUT_ONE_IN) {
                held_out.push(paragraph.to_string());
            } else {
                training.push(paragraph.to_string());
            }
        }
        if training.is_empty() {
            return Err(DataError::EmptyCorpus {
                what: what.to_string(),
            });
        }
        let training_text = training.join("\n\n");
        let held_out_text = held_out.join("\n\n");
        Ok(Corpus {
            training,
            held_out,
            training_text,
            held_out_text,
        })
    }

    /// Training paragraphs in corpus order.
    pub fn training_paragraphs(&self) -> &[String] {
        &self.training
    }

    /// Held-out paragraphs in corpus order.
    pub fn held_out_paragraphs(&self) -> &[String] {
        &self.held_out
    }

    /// All training paragraphs joined by blank lines.
    pub fn training_text(&self) -> &str {
        &self.training_text
    }

    /// All held-out paragraphs joined by blank lines.
    pub fn held_out_text(&self) -> &str {
        &self.held_out_text
    }
}

/// A random window of `len` tokens of the corpus' training text, cut at a random point into a
/// prompt (`<|bos|>` + the first 8 to `len / 2 - 1` tokens) and a response (the rest, all span
/// cells). Windows start at a word and may run across paragraphs.
pub fn prose_example(
    corpus: &Corpus,
    tokenizer: &Tokenizer,
    rng: &mut impl Rng,
    len: usize,
) -> Result<Example, DataError> {
    window_example(corpus.training_text(), "training", tokenizer, rng, len)
}

/// Like [`prose_example`], from the held-out text (for evaluation only).
pub fn held_out_prose_example(
    corpus: &Corpus,
    tokenizer: &Tokenizer,
    rng: &mut impl Rng,
    len: usize,
) -> Result<Example, DataError> {
    window_example(corpus.held_out_text(), "held-out", tokenizer, rng, len)
}

/// Token ids of a random `len`-token window of `text`.
pub fn random_window(
    text: &str,
    tokenizer: &Tokenizer,
    rng: &mut impl Rng,
    len: usize,
) -> Result<Option<Vec<u32>>, DataError> {
    if text.is_empty() {
        return Ok(None);
    }
    let mut start = word_start_at_or_after(text, rng.random_range(0..text.len()));
    // Byte-level BPE tokens of English prose average about 4 bytes; start with a generous chunk.
    let mut chunk_bytes = len * 8 + 64;
    loop {
        let end = word_end_at_or_after(text, start + chunk_bytes);
        let ids = encode_piece(tokenizer, &text[start..end])?;
        // Keep a margin so the last (possibly cut) word is never inside the window.
        if ids.len() > len + 4 || (end == text.len() && ids.len() >= len) {
            return Ok(Some(ids[..len].to_vec()));
        }
        if end == text.len() {
            if start == 0 {
                return Ok(None);
            }
            // Too close to the end: take the window from the start of the text instead.
            start = 0;
        }
        chunk_bytes *= 2;
    }
}

fn window_example(
    text: &str,
    what: &str,
    tokenizer: &Tokenizer,
    rng: &mut impl Rng,
    len: usize,
) -> Result<Example, DataError> {
    if len < MIN_WINDOW_LEN {
        return Err(DataError::Config {
            reason: format!("a prose window needs at least {MIN_WINDOW_LEN} tokens, got {len}"),
        });
    }
    let ids = SpecialIds::of(tokenizer)?;
    let window =
        random_window(text, tokenizer, rng, len)?.ok_or_else(|| DataError::EmptyCorpus {
            what: format!("{what} text (shorter than {len} tokens)"),
        })?;
    let cut = rng.random_range(MIN_PROMPT_TOKENS..len / 2);
    let mut prompt_ids = Vec::with_capacity(cut + 1);
    prompt_ids.push(ids.bos);
    prompt_ids.extend_from_slice(&window[..cut]);
    let response_ids = window[cut..].to_vec();
    let response_pinned = vec![false; response_ids.len()];
    Ok(Example {
        prompt_ids,
        response_ids,
        response_pinned,
        response_results: Vec::new(),
    })
}

/// The first byte at or after `at` that begins a word (follows whitespace), or 0 if none does.
fn word_start_at_or_after(text: &str, at: usize) -> usize {
    if at == 0 {
        return 0;
    }
    let mut seen_space = false;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < at) {
        if c.is_whitespace() {
            seen_space = true;
        } else if seen_space {
            return i;
        }
    }
    0
}

/// The first whitespace byte at or after `at` (the end of the word there), or the text's end.
fn word_end_at_or_after(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    text.char_indices()
        .skip_while(|(i, _)| *i < at)
        .find(|(_, c)| c.is_whitespace())
        .map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paragraphs_and_holds_some_out_stably() {
        let text: String = (0..2000)
            .map(|i| format!("Paragraph number {i} says\nsomething.\n\n"))
            .collect();
        let a = Corpus::from_text(&text, "test").unwrap();
        let b = Corpus::from_text(&text, "test").unwrap();
        assert_eq!(a.training_paragraphs(), b.training_paragraphs());
        let total = a.training_paragraphs().len() + a.held_out_paragraphs().len();
        assert_eq!(total, 2000);
        let held = a.held_out_paragraphs().len();
        assert!((20..=60).contains(&held), "{held} held out of 2000");
        for p in a.held_out_paragraphs() {
            assert!(!a.training_paragraphs().contains(p));
            assert!(!a.training_text().contains(p.as_str()));
        }
        assert!(a.training_text().contains("Paragraph number"));
    }

    #[test]
    fn empty_corpus_is_an_error() {
        assert!(matches!(
            Corpus::from_text("\n\n  \n\n", "nothing"),
            Err(DataError::EmptyCorpus { .. })
        ));
    }

    #[test]
    fn word_boundaries() {
        let t = "ab cd  ef";
        assert_eq!(word_start_at_or_after(t, 0), 0);
        assert_eq!(word_start_at_or_after(t, 1), 3);
        assert_eq!(word_start_at_or_after(t, 4), 7);
        assert_eq!(word_start_at_or_after(t, 8), 0);
        assert_eq!(word_end_at_or_after(t, 0), 2);
        assert_eq!(word_end_at_or_after(t, 7), 9);
        let u = "é é";
        assert_eq!(word_start_at_or_after(u, 1), 3);
    }
}
