//! Random access to frames and the text of a run, from the per-position commit index.
//!
//! Every text rendering of a run (its plain text, the CLI's response and terminal animation, the
//! canvas's pieces, compare's final answer) reads a token through [`Trace::token_text`] and joins
//! token bytes with a [`TextJoiner`], so they agree on how a token reads.

use crate::canvas::CellKind;

use super::{Slot, StepRecord, Trace};

/// The canvas as it looked in one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Frame number: 0 is the initial canvas, `k` the canvas after step `k`.
    pub index: usize,
    /// One cell per canvas position.
    pub cells: Vec<Cell>,
}

/// One canvas cell in a frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A prompt or pinned cell: never masked.
    Fixed {
        /// Its token.
        token: u32,
    },
    /// Still masked, with the model's top-1 guess (token, probability) computed from this frame.
    Masked {
        /// `None` when the step after this frame recorded no guess here (or there is no such step).
        guess: Option<(u32, f32)>,
    },
    /// Committed by step `step`; `step == frame.index` means it was committed in this very frame.
    Committed {
        /// Its token.
        token: u32,
        /// The scorer's confidence when it was committed.
        confidence: f32,
        /// The 1-based step that committed it.
        step: u32,
    },
}

/// The UTF-8 encoding of U+FFFD, shown for token ids the table does not know.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// How one token id of a run reads as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenText<'a> {
    /// Its bytes as ordinary text (U+FFFD for an id the table does not know); possibly half a
    /// character, to be joined with its neighbours by a [`TextJoiner`].
    pub bytes: &'a [u8],
    /// Its name as the token table gives it (`<|eot_id|>`), U+FFFD for an unknown id.
    pub name: &'a str,
    /// The table marks it special (EOS, EOT, padding, mask…).
    pub special: bool,
    /// One of the run's end-of-sequence ids (the header's `eos_token_ids`).
    pub eos: bool,
    /// The token table knows the id.
    pub known: bool,
}

/// Text built from token bytes: consecutive bytes are joined before decoding, so a character split
/// across tokens comes out whole; invalid UTF-8 becomes U+FFFD.
#[derive(Clone, Debug, Default)]
pub struct TextJoiner {
    /// Text decoded so far.
    text: String,
    /// Bytes not decoded yet.
    pending: Vec<u8>,
}

impl TextJoiner {
    /// Append a token's bytes.
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
    }

    /// Decode the bytes so far, then append `text` (a mask placeholder, a marker).
    pub fn push_str(&mut self, text: &str) {
        self.decode();
        self.text.push_str(text);
    }

    /// Whether nothing was appended since the last [`take`](Self::take).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.pending.is_empty()
    }

    /// Whether the bytes so far end inside a UTF-8 character (more bytes would complete it).
    pub fn ends_mid_char(&self) -> bool {
        match std::str::from_utf8(&self.pending) {
            Ok(_) => false,
            Err(e) => e.error_len().is_none(),
        }
    }

    /// The text so far (pending bytes decoded); the joiner starts over empty.
    pub fn take(&mut self) -> String {
        self.decode();
        std::mem::take(&mut self.text)
    }

    fn decode(&mut self) {
        if !self.pending.is_empty() {
            self.text.push_str(&String::from_utf8_lossy(&self.pending));
            self.pending.clear();
        }
    }
}

/// Top-1 guess at `pos` of `step`, moving `cursor` forward through its ascending `guess_pos`.
fn top1(step: &StepRecord, cursor: &mut usize, pos: u32) -> Option<(u32, f32)> {
    while step.guess_pos.get(*cursor).is_some_and(|&p| p < pos) {
        *cursor += 1;
    }
    if step.guess_pos.get(*cursor) != Some(&pos) {
        return None;
    }
    let at = *cursor * usize::from(step.top_k);
    if step.top_k == 0 {
        return None;
    }
    let token = *step.guess_tokens.get(at)?;
    let prob = step.guess_probs.get(at)?.to_f32();
    Some((token, prob))
}

impl Trace {
    /// How token `token` reads as text in this run.
    pub fn token_text(&self, token: u32) -> TokenText<'_> {
        let eos = self.header.eos_token_ids.contains(&token);
        match self.tokens.get(&token) {
            Some(info) => TokenText {
                bytes: &info.bytes,
                name: &info.text,
                special: info.special,
                eos,
                known: true,
            },
            None => TokenText {
                bytes: REPLACEMENT,
                name: "\u{FFFD}",
                special: false,
                eos,
                known: false,
            },
        }
    }

    /// The canvas of frame `frame` (clamped to the last frame), in `O(positions)`: each cell comes
    /// from the commit index, and the masks' guesses from step `frame + 1`.
    pub fn frame_at(&self, frame: usize) -> Frame {
        let frame = frame.min(self.steps.len());
        let next = self.steps.get(frame);
        let mut cursor = 0;
        let cells = self
            .index
            .slots
            .iter()
            .zip(&self.header.canvas.tokens)
            .enumerate()
            .map(|(pos, (slot, &token))| match *slot {
                Slot::Fixed => Cell::Fixed { token },
                Slot::Committed {
                    step,
                    token,
                    confidence,
                } if step as usize <= frame => Cell::Committed {
                    token,
                    confidence,
                    step,
                },
                _ => Cell::Masked {
                    guess: next.and_then(|s| top1(s, &mut cursor, pos as u32)),
                },
            })
            .collect();
        Frame {
            index: frame,
            cells,
        }
    }

    /// The generated text of the final state: the response part of the canvas (pinned text and
    /// committed cells, in canvas order; masks left out), special tokens skipped. Token bytes are
    /// joined before decoding, so a character split across tokens comes out whole; invalid UTF-8
    /// becomes U+FFFD.
    pub fn text(&self) -> String {
        self.render(self.steps.len(), None, |kind| {
            !matches!(kind, CellKind::Prompt)
        })
    }

    /// The final text of one named region (its cells only, in canvas order, special tokens
    /// skipped); `None` when the canvas has no region of that name.
    pub fn region_text(&self, name: &str) -> Option<String> {
        let index = self.header.canvas.region_index(name)?;
        Some(self.render(
            self.steps.len(),
            None,
            |kind| matches!(kind, CellKind::Masked { region } if *region as usize == index),
        ))
    }

    /// The generated text of frame `frame` (clamped), with each mask shown as `mask_placeholder`.
    pub fn text_at(&self, frame: usize, mask_placeholder: &str) -> String {
        self.render(
            frame.min(self.steps.len()),
            Some(mask_placeholder),
            |kind| !matches!(kind, CellKind::Prompt),
        )
    }

    /// The text of the cells whose kind `include` accepts, as they stand at `frame` (clamped):
    /// the tokens `shows` accepts, joined before decoding; each mask as `mask_placeholder` when
    /// given, else left out.
    pub fn render_text(
        &self,
        frame: usize,
        mask_placeholder: Option<&str>,
        include: impl Fn(&CellKind) -> bool,
        shows: impl Fn(&TokenText<'_>) -> bool,
    ) -> String {
        let frame = frame.min(self.steps.len());
        let canvas = &self.header.canvas;
        let mut out = TextJoiner::default();
        let cells = self
            .index
            .slots
            .iter()
            .zip(&canvas.tokens)
            .zip(&canvas.kinds);
        for ((slot, &initial), kind) in cells {
            if !include(kind) {
                continue;
            }
            let token = match *slot {
                Slot::Fixed => initial,
                Slot::Committed { step, token, .. } if step as usize <= frame => token,
                _ => {
                    if let Some(mask) = mask_placeholder {
                        out.push_str(mask);
                    }
                    continue;
                }
            };
            let text = self.token_text(token);
            if shows(&text) {
                out.push_bytes(text.bytes);
            }
        }
        out.take()
    }

    /// Join the bytes of the cells whose kind `include` accepts, as they stand at `frame`, special
    /// tokens skipped.
    fn render(
        &self,
        frame: usize,
        placeholder: Option<&str>,
        include: impl Fn(&CellKind) -> bool,
    ) -> String {
        self.render_text(frame, placeholder, include, |t| !t.special)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;

    #[test]
    fn joiner_decodes_a_split_character_whole_and_keeps_markers_in_place() {
        let euro = "€".as_bytes();
        let mut text = TextJoiner::default();
        assert!(text.is_empty());
        text.push_bytes(&euro[..2]);
        assert!(text.ends_mid_char());
        text.push_bytes(&euro[2..]);
        assert!(!text.ends_mid_char());
        text.push_str("_");
        text.push_bytes(&euro[..1]);
        text.push_str("|");
        assert_eq!(text.take(), "€_\u{FFFD}|");
        assert!(text.is_empty());
    }

    #[test]
    fn unknown_ids_read_as_replacement() {
        let trace = synthetic_trace(4, 1, 1);
        let unknown = trace.token_text(u32::MAX);
        assert!(!unknown.known && !unknown.special);
        assert_eq!(unknown.bytes, REPLACEMENT);
    }
}
