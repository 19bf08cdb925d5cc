//! The byte-level BPE tokenizer of our own small model: any UTF-8 round-trips, every digit is one token.

use std::collections::HashSet;

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::{AddedToken, Tokenizer};

use super::DataError;

/// Beginning-of-sequence token: the first cell of every prompt.
pub const BOS: &str = "<|bos|>";
/// End-of-sequence token: fills the cells of a span its content does not need.
pub const EOS: &str = "<|eos|>";
/// The mask token the denoiser fills in.
pub const MASK: &str = "<|mask|>";
/// The special tokens in id order: `BOS` is id 0, `EOS` id 1, `MASK` id 2.
pub const SPECIAL_TOKENS: [&str; 3] = [BOS, EOS, MASK];

/// Token ids of the three special tokens in a tokenizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpecialIds {
    /// Id of [`BOS`].
    pub bos: u32,
    /// Id of [`EOS`].
    pub eos: u32,
    /// Id of [`MASK`].
    pub mask: u32,
}

impl SpecialIds {
    /// Look up the special tokens; fails when the tokenizer lacks one of them.
    pub fn of(tokenizer: &Tokenizer) -> Result<SpecialIds, DataError> {
        let id = |token: &str| {
            tokenizer
                .token_to_id(token)
                .ok_or_else(|| DataError::MissingSpecialToken {
                    token: token.to_string(),
                })
        };
        Ok(SpecialIds {
            bos: id(BOS)?,
            eos: id(EOS)?,
            mask: id(MASK)?,
        })
    }
}

/// Train a byte-level BPE tokenizer of (at most) `vocab_size` tokens on `texts`.
///
/// Pre-tokenisation is `Digits(individual)` then `ByteLevel` (no prefix space), so every digit is
/// a pre-token of its own and no merge can ever join two digits. The 256 byte symbols are always in
/// the vocabulary, so any UTF-8 text (Chinese included) encodes without unknown tokens and decodes
/// back exactly. [`BOS`], [`EOS`] and [`MASK`] get ids 0, 1 and 2 and are recognised in text.
pub fn train_tokenizer(
    texts: impl Iterator<Item = String>,
    vocab_size: usize,
) -> Result<Tokenizer, DataError> {
    let minimum = SPECIAL_TOKENS.len() + 256;
    if vocab_size < minimum {
        return Err(DataError::Config {
            reason: format!(
                "a vocabulary of {vocab_size} tokens is too small: byte-level BPE needs at least {minimum} (3 special tokens + 256 bytes)"
            ),
        });
    }
    let alphabet: HashSet<char> = ByteLevel::alphabet().into_iter().collect();
    let specials: Vec<AddedToken> = SPECIAL_TOKENS
        .iter()
        .map(|t| AddedToken::from(*t, true))
        .collect();
    let trainer = BpeTrainerBuilder::new()
        .vocab_size(vocab_size)
        .min_frequency(2)
        .show_progress(false)
        .initial_alphabet(alphabet)
        .special_tokens(specials)
        .build();
    let mut trainer = TrainerWrapper::BpeTrainer(trainer);

    let mut tokenizer = Tokenizer::new(BPE::default());
    let pre_tokenizer = Sequence::new(vec![
        PreTokenizerWrapper::Digits(Digits::new(true)),
        PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, true, true)),
    ]);
    tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    // The trainer wants a `Send` iterator; collecting keeps this function's bound simple.
    let texts: Vec<String> = texts.collect();
    tokenizer
        .train(&mut trainer, texts.into_iter())
        .map_err(|e| DataError::Tokenizer {
            reason: format!("training failed: {e}"),
        })?;

    let ids = SpecialIds::of(&tokenizer)?;
    if (ids.bos, ids.eos, ids.mask) != (0, 1, 2) {
        return Err(DataError::Tokenizer {
            reason: format!(
                "special tokens got ids {}, {}, {} instead of 0, 1, 2",
                ids.bos, ids.eos, ids.mask
            ),
        });
    }
    Ok(tokenizer)
}

/// Tokenise one piece of text on its own, without adding any special token.
///
/// This is the `encode` that [`crate::canvas::Canvas::build`] should get: training examples lay out
/// pinned template text with exactly this function.
pub fn encode_piece(tokenizer: &Tokenizer, text: &str) -> Result<Vec<u32>, DataError> {
    tokenizer
        .encode(text, false)
        .map(|e| e.get_ids().to_vec())
        .map_err(|e| DataError::Tokenizer {
            reason: format!("could not encode {text:?}: {e}"),
        })
}

/// Decode ids to text; special tokens are kept (`<|eos|>` appears as text) unless `skip_special`.
pub fn decode_ids(
    tokenizer: &Tokenizer,
    ids: &[u32],
    skip_special: bool,
) -> Result<String, DataError> {
    tokenizer
        .decode(ids, skip_special)
        .map_err(|e| DataError::Tokenizer {
            reason: format!("could not decode {} ids: {e}", ids.len()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_tokenizer() -> Tokenizer {
        let texts = [
            "The quick brown fox jumps over the lazy dog.",
            "It is a truth universally acknowledged, that a single man",
            "Start with 47. Add 38. Subtract 19. What is the result?",
            "47 + 38 = 85. 85 - 19 = 66.\nAnswer: 66",
            "1234567890 1234567890 11 22 33 44 55 66 77 88 99 00",
            "我们在学习语言模型。",
        ];
        let texts = texts.iter().cycle().take(60).map(|s| s.to_string());
        train_tokenizer(texts, 400).unwrap()
    }

    #[test]
    fn round_trips_english_digits_and_chinese() {
        let tok = small_tokenizer();
        for text in [
            "The quick brown fox, 2024!",
            "12345 + 678 = 13023.",
            "我们在学习语言模型。中文也可以",
            "mixed: naïve café — 東京 42\n\nnew paragraph",
        ] {
            let ids = encode_piece(&tok, text).unwrap();
            assert_eq!(decode_ids(&tok, &ids, false).unwrap(), text);
        }
    }

    #[test]
    fn every_digit_is_one_token() {
        let tok = small_tokenizer();
        let ids = encode_piece(&tok, "12345").unwrap();
        assert_eq!(ids.len(), 5);
        for (id, digit) in ids.iter().zip("12345".chars()) {
            assert_eq!(tok.id_to_token(*id).unwrap(), digit.to_string());
        }
        // No vocabulary entry holds two digits, even though the training text repeats "11", "22"...
        let vocab = tok.get_vocab(false);
        assert!(
            vocab
                .keys()
                .all(|t| t.chars().filter(|c| c.is_ascii_digit()).count() <= 1)
        );
    }

    #[test]
    fn specials_have_fixed_ids_and_are_recognised_in_text() {
        let tok = small_tokenizer();
        assert_eq!(
            SpecialIds::of(&tok).unwrap(),
            SpecialIds {
                bos: 0,
                eos: 1,
                mask: 2
            }
        );
        let ids = encode_piece(&tok, "<|bos|>The<|mask|><|eos|>").unwrap();
        assert_eq!(ids[0], 0);
        assert_eq!(&ids[ids.len() - 2..], &[2, 1]);
        assert_eq!(decode_ids(&tok, &ids, true).unwrap(), "The");
    }

    #[test]
    fn survives_a_save_and_load() {
        let tok = small_tokenizer();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        tok.save(&path, false).unwrap();
        let loaded = Tokenizer::from_file(&path).unwrap();
        for text in [
            "<|bos|>Start with 47. Add 38.<|mask|>",
            "12345 我们",
            "Answer: 66<|eos|>",
        ] {
            assert_eq!(
                encode_piece(&loaded, text).unwrap(),
                encode_piece(&tok, text).unwrap()
            );
        }
        assert_eq!(
            SpecialIds::of(&loaded).unwrap(),
            SpecialIds::of(&tok).unwrap()
        );
    }

    #[test]
    fn too_small_vocab_is_refused() {
        let err = train_tokenizer(std::iter::once("abc".to_string()), 100).unwrap_err();
        assert!(err.to_string().contains("at least 259"), "{err}");
    }
}
