//! Training data for our own small masked-diffusion model: tokenizer, arithmetic problems, prose, the mixed stream.
//!
//! Every example is laid out exactly as the app lays out a canvas: the prompt is `<|bos|>` + the
//! prompt text ([`arith::PROMPT_TEMPLATE`]), the response is a template (see [`crate::canvas`])
//! whose pinned text is tokenised piece by piece as [`crate::canvas::Canvas::build`] does, and
//! each span holds its region's content followed by `<|eos|>` padding.

pub mod arith;
pub mod prose;
pub mod stream;
pub mod tokenizer;

use std::path::PathBuf;

use crate::canvas::CanvasError;

pub use arith::{Layout, Problem, encode_example, held_out_problems, training_problems};
pub use prose::{Corpus, prose_example};
pub use stream::{MixParams, TrainingStream, tokenizer_training_texts};
pub use tokenizer::{SpecialIds, train_tokenizer};

/// One training example: what the model sees fixed (prompt) and what it learns to fill in (response).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// `<|bos|>` followed by the prompt's tokens.
    pub prompt_ids: Vec<u32>,
    /// The response cells: pinned template text and span contents (content, then `<|eos|>` padding).
    pub response_ids: Vec<u32>,
    /// Parallel to `response_ids`: true for pinned template text, which the app never masks (a
    /// trainer may leave these cells unmasked); false for span cells.
    pub response_pinned: Vec<bool>,
    /// Parallel to `response_ids` (or empty): for the digits of a number the model has to compute
    /// in an arithmetic example, which one — `Some(i)` for the i-th running value, written as
    /// clause i's result and again as clause i+1's first operand (the last one as the answer);
    /// `None` for every other cell (see [`arith::mark_results`]). Empty for prose.
    pub response_results: Vec<Option<u8>>,
}

impl Example {
    /// Prompt and response ids in one sequence (the canvas with every cell filled in).
    pub fn full_ids(&self) -> Vec<u32> {
        let mut ids = self.prompt_ids.clone();
        ids.extend_from_slice(&self.response_ids);
        ids
    }

    /// Total number of cells.
    pub fn len(&self) -> usize {
        self.prompt_ids.len() + self.response_ids.len()
    }

    /// True when the example has no cells at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why training data could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The tokenizers library failed.
    #[error("tokenizer error: {reason}")]
    Tokenizer {
        /// What failed.
        reason: String,
    },
    /// The tokenizer lacks one of our special tokens.
    #[error("the tokenizer has no {token:?} token: use a tokenizer made by data::train_tokenizer")]
    MissingSpecialToken {
        /// The missing token's text.
        token: String,
    },
    /// The corpus file could not be read.
    #[error(
        "could not read the corpus {path}: {source} (recreate it with `python3 assets/corpus/extract_austen.py`)"
    )]
    CorpusIo {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The corpus has no usable text.
    #[error("the corpus {what} has no paragraphs of text")]
    EmptyCorpus {
        /// Which corpus or part of it.
        what: String,
    },
    /// A region's content does not fit its span.
    #[error(
        "region {region:?} needs {content_len} tokens but its span has {span_len}: lengthen the span in the template"
    )]
    ContentTooLong {
        /// Region name (`""` for an unnamed span).
        region: String,
        /// Tokens of content.
        content_len: usize,
        /// Cells in the region.
        span_len: usize,
    },
    /// A template has a region we have no content for.
    #[error("the template has a region {region:?}, but examples only fill {known}")]
    UnknownRegion {
        /// The unexpected region name.
        region: String,
        /// The names that are filled.
        known: String,
    },
    /// A parameter is out of range.
    #[error("invalid data parameter: {reason}")]
    Config {
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// The template could not be laid out.
    #[error(transparent)]
    Canvas(#[from] CanvasError),
}

/// Lay out a response template after `prompt_ids` and fill its spans.
///
/// The canvas is built with [`crate::canvas::Canvas::build`] itself (pinned text tokenised piece by
/// piece with [`tokenizer::encode_piece`]), so the cells are exactly those the app will denoise.
/// Each region's cells (in position order, across all its spans) receive the region's content
/// from `contents` (region name → token ids), then `<|eos|>` up to the region's end.
pub fn lay_out(
    prompt_ids: Vec<u32>,
    parts: &[crate::canvas::TemplatePart],
    contents: &[(String, Vec<u32>)],
    tokenizer: &tokenizers::Tokenizer,
) -> Result<Example, DataError> {
    use crate::canvas::{Canvas, CellKind};

    let ids = SpecialIds::of(tokenizer)?;
    let mut canvas = Canvas::build(&prompt_ids, parts, ids.mask, usize::MAX, |text| {
        tokenizer::encode_piece(tokenizer, text).map_err(|e| e.to_string())
    })?;
    for region in &canvas.regions {
        let content = contents
            .iter()
            .find(|(name, _)| name == &region.name)
            .map(|(_, content)| content)
            .ok_or_else(|| DataError::UnknownRegion {
                region: region.name.clone(),
                known: contents
                    .iter()
                    .map(|(n, _)| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if content.len() > region.positions.len() {
            return Err(DataError::ContentTooLong {
                region: region.name.clone(),
                content_len: content.len(),
                span_len: region.positions.len(),
            });
        }
        let fill = content.iter().copied().chain(std::iter::repeat(ids.eos));
        for (&pos, id) in region.positions.iter().zip(fill) {
            canvas.tokens[pos as usize] = id;
        }
    }
    let response_ids = canvas.tokens[canvas.prompt_len..].to_vec();
    let response_pinned = canvas.kinds[canvas.prompt_len..]
        .iter()
        .map(|k| matches!(k, CellKind::Pinned))
        .collect();
    Ok(Example {
        prompt_ids,
        response_ids,
        response_pinned,
        response_results: Vec::new(),
    })
}

/// FNV-1a 64 followed by the SplitMix64 finaliser (so the low bits are well mixed). Stable across
/// platforms and versions: the held-out splits depend on it.
pub(crate) fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}
