//! Display information for token ids: the bytes each stands for, and whether it is special.

use std::collections::HashMap;

use tokenizers::Tokenizer;

use crate::trace::TokenInfo;

/// GPT-2's byte ↔ printable-char mapping used by byte-level BPE, inverted (char → byte).
fn byte_level_inverse() -> HashMap<char, u8> {
    let mut bytes: Vec<u8> = (b'!'..=b'~')
        .chain(0xA1..=0xAC)
        .chain(0xAE..=0xFF)
        .collect();
    let mut chars: Vec<u32> = bytes.iter().map(|&b| b as u32).collect();
    let mut n = 0u32;
    for b in 0..=255u8 {
        if !bytes.contains(&b) {
            bytes.push(b);
            chars.push(256 + n);
            n += 1;
        }
    }
    bytes
        .into_iter()
        .zip(chars)
        .filter_map(|(b, c)| char::from_u32(c).map(|c| (c, b)))
        .collect()
}

/// Builds [`TokenInfo`] for ids of one tokenizer.
pub struct TokenDescriber {
    inverse: Option<HashMap<char, u8>>,
    specials: std::collections::HashSet<u32>,
}

impl TokenDescriber {
    /// Inspect the tokenizer once (is its decoder byte-level? which ids are special?).
    pub fn new(tokenizer: &Tokenizer) -> Self {
        let byte_level = tokenizer
            .get_decoder()
            .and_then(|d| serde_json::to_string(d).ok())
            .is_some_and(|s| s.contains("ByteLevel"));
        let specials = tokenizer
            .get_added_tokens_decoder()
            .iter()
            .filter(|(_, t)| t.special)
            .map(|(id, _)| *id)
            .collect();
        Self {
            inverse: byte_level.then(byte_level_inverse),
            specials,
        }
    }

    /// Display info for one id.
    pub fn describe(&self, tokenizer: &Tokenizer, id: u32) -> TokenInfo {
        let special = self.specials.contains(&id);
        let piece = tokenizer
            .id_to_token(id)
            .unwrap_or_else(|| format!("<{id}>"));
        if special {
            return TokenInfo {
                text: piece.clone(),
                bytes: piece.into_bytes(),
                special,
            };
        }
        let bytes = match &self.inverse {
            Some(inv) if piece.chars().all(|c| inv.contains_key(&c)) => {
                piece.chars().filter_map(|c| inv.get(&c).copied()).collect()
            }
            _ => tokenizer
                .decode(&[id], false)
                .unwrap_or_else(|_| piece.clone())
                .into_bytes(),
        };
        TokenInfo {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
            special,
        }
    }
}
