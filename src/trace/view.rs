//! Random access to frames and the text of a run, from the per-position commit index.

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

    /// Join the bytes of the cells whose kind `include` accepts, as they stand at `frame`.
    fn render(
        &self,
        frame: usize,
        placeholder: Option<&str>,
        include: impl Fn(&CellKind) -> bool,
    ) -> String {
        let canvas = &self.header.canvas;
        let mut out = String::new();
        let mut bytes: Vec<u8> = Vec::new();
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
                    if let Some(mask) = placeholder {
                        out.push_str(&String::from_utf8_lossy(&bytes));
                        bytes.clear();
                        out.push_str(mask);
                    }
                    continue;
                }
            };
            match self.tokens.get(&token) {
                Some(info) if info.special => {}
                Some(info) => bytes.extend_from_slice(&info.bytes),
                None => bytes.extend_from_slice(REPLACEMENT),
            }
        }
        out.push_str(&String::from_utf8_lossy(&bytes));
        out
    }
}
