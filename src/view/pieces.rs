//! The canvas of one frame as drawable pieces: every cell in reading order, with consecutive tokens
//! whose bytes only form valid UTF-8 together (a CJK character split by byte-level BPE) joined into
//! one piece, so text renders the way it reads. Egui-free: the canvas and the HTML export share it.

use std::ops::Range;

use crate::canvas::CellKind;
use crate::trace::{Cell, Frame, TextJoiner, Trace};

/// What one piece is in the shown frame.
#[derive(Clone, Debug, PartialEq)]
pub enum PieceKind {
    /// Prompt text (never masked).
    Prompt,
    /// Pinned template text (never masked).
    Pinned,
    /// A mask, with the model's top guess `(text, probability)` computed from this frame.
    Masked {
        /// The guess, when the trace recorded one.
        guess: Option<(String, f32)>,
    },
    /// Committed text.
    Committed {
        /// Confidence of the commit (the lowest over the piece's tokens).
        confidence: f32,
        /// The step that committed it (the latest over the piece's tokens).
        step: u32,
    },
}

/// A drawn unit: one token, or several whose bytes only decode together.
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    /// Canvas positions covered.
    pub positions: Range<u32>,
    /// Text as decoded (may hold spaces and newlines; masks have none).
    pub text: String,
    /// What it is.
    pub kind: PieceKind,
    /// A special token (EOS, EOT, padding…): drawn as a labelled chip. For a mask: its guess is a
    /// special token (drawn in the chip's small type).
    pub special: bool,
}

impl Piece {
    /// Line breaks before the piece (its leading newlines).
    pub fn breaks_before(&self) -> usize {
        self.text.chars().take_while(|&c| c == '\n').count()
    }

    /// Line breaks after the piece (every other newline).
    pub fn breaks_after(&self) -> usize {
        self.text.matches('\n').count() - self.breaks_before()
    }

    /// Whether a space precedes the visible text.
    pub fn leading_space(&self) -> bool {
        self.text
            .trim_start_matches('\n')
            .starts_with([' ', '\t', '\u{a0}'])
    }

    /// The text drawn in the cell: spaces trimmed, inner newlines as ↵, never empty.
    pub fn label(&self) -> String {
        if self.special {
            return special_label(&self.text);
        }
        let trimmed = self.text.trim_matches([' ', '\t', '\n', '\r']);
        if trimmed.is_empty() {
            return if self.text.contains('\n') {
                "↵"
            } else {
                "·"
            }
            .to_string();
        }
        crate::visible::visible_controls(&trimmed.replace(['\n', '\r'], "↵").replace('\t', " "))
            .into_owned()
    }
}

/// A short label for a special token: `<|endoftext|>` → `endoftext`, `<|eos|>` → `EOS`.
pub fn special_label(text: &str) -> String {
    let inner = text
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_matches('|')
        .trim();
    match inner.to_ascii_lowercase().as_str() {
        "eos" | "endoftext" | "end_of_text" | "/s" | "s" | "eos_token" => "EOS".into(),
        "eot_id" | "eot" | "im_end" | "end" => "EOT".into(),
        "pad" | "padding" => "PAD".into(),
        "" => "SPECIAL".into(),
        _ => inner.chars().take(14).collect(),
    }
}

/// Display text of one token id, and whether it is special (unknown ids show U+FFFD).
fn token_display(trace: &Trace, token: u32) -> (&[u8], bool) {
    let text = trace.token_text(token);
    if text.known && (text.special || text.eos) {
        (text.name.as_bytes(), true)
    } else {
        (text.bytes, false)
    }
}

/// Text of a token on its own (for guesses and candidates). A token that is only part of a
/// character (byte-level BPE splits CJK and emoji) shows its bytes as `\xE4\xB8`, and an unknown
/// id a `?`, rather than a replacement glyph the fonts may not have.
pub fn token_text(trace: &Trace, token: u32) -> String {
    let (bytes, special) = token_display(trace, token);
    match std::str::from_utf8(bytes) {
        Ok(text) if special => special_label(text),
        Ok(text) => crate::visible::visible_controls(&text.replace('\u{FFFD}', "?")).into_owned(),
        Err(_) => bytes.iter().map(|b| format!("\\x{b:02X}")).collect(),
    }
}

/// What a mask shows for its guess `token`: the token's text (trimmed; `·` for whitespace) and
/// whether it is special (drawn in the small type of a special chip).
pub fn guess_label(trace: &Trace, token: u32) -> (String, bool) {
    let special = token_display(trace, token).1;
    (shown_guess(&token_text(trace, token)), special)
}

/// A guess's text as a mask shows it: trimmed, `·` for whitespace.
pub fn shown_guess(text: &str) -> String {
    match text.trim() {
        "" => "·".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// Pieces of `frame`, in canvas order; prompt cells only when `show_prompt`.
pub fn pieces(trace: &Trace, frame: &Frame, show_prompt: bool) -> Vec<Piece> {
    let canvas = &trace.header.canvas;
    let mut out: Vec<Piece> = Vec::with_capacity(frame.cells.len());
    // A text piece still collecting bytes.
    let mut open: Option<(Piece, TextJoiner)> = None;
    let flush = |open: &mut Option<(Piece, TextJoiner)>, out: &mut Vec<Piece>| {
        if let Some((mut piece, mut text)) = open.take() {
            piece.text = text.take();
            out.push(piece);
        }
    };
    for (pos, cell) in frame.cells.iter().enumerate() {
        let kind = canvas.kinds.get(pos).copied().unwrap_or(CellKind::Pinned);
        if kind == CellKind::Prompt && !show_prompt {
            continue;
        }
        let pos = pos as u32;
        let (token, piece_kind) = match *cell {
            Cell::Masked { guess } => {
                flush(&mut open, &mut out);
                let special = guess.is_some_and(|(t, _)| token_display(trace, t).1);
                let guess = guess.map(|(t, p)| (token_text(trace, t), p));
                out.push(Piece {
                    positions: pos..pos + 1,
                    text: String::new(),
                    kind: PieceKind::Masked { guess },
                    special,
                });
                continue;
            }
            Cell::Fixed { token } if kind == CellKind::Prompt => (token, PieceKind::Prompt),
            Cell::Fixed { token } => (token, PieceKind::Pinned),
            Cell::Committed {
                token,
                confidence,
                step,
            } => (token, PieceKind::Committed { confidence, step }),
        };
        let (bytes, special) = token_display(trace, token);
        if special {
            flush(&mut open, &mut out);
            out.push(Piece {
                positions: pos..pos + 1,
                text: String::from_utf8_lossy(bytes).into_owned(),
                kind: piece_kind,
                special: true,
            });
            continue;
        }
        // Join with the open piece while it ends mid-character.
        if let Some((piece, collected)) = open.as_mut()
            && collected.ends_mid_char()
            && piece.positions.end == pos
        {
            collected.push_bytes(bytes);
            piece.positions.end = pos + 1;
            piece.kind = merge_kinds(&piece.kind, &piece_kind);
            continue;
        }
        flush(&mut open, &mut out);
        let mut text = TextJoiner::default();
        text.push_bytes(bytes);
        open = Some((
            Piece {
                positions: pos..pos + 1,
                text: String::new(),
                kind: piece_kind,
                special: false,
            },
            text,
        ));
    }
    flush(&mut open, &mut out);
    out
}

/// The kind of a piece made of two parts: committed when both are, with the later step and the
/// lower confidence.
fn merge_kinds(a: &PieceKind, b: &PieceKind) -> PieceKind {
    match (a, b) {
        (
            PieceKind::Committed {
                confidence: c1,
                step: s1,
            },
            PieceKind::Committed {
                confidence: c2,
                step: s2,
            },
        ) => PieceKind::Committed {
            confidence: c1.min(*c2),
            step: (*s1).max(*s2),
        },
        (PieceKind::Committed { .. }, other) => other.clone(),
        (first, _) => first.clone(),
    }
}

/// Steps the colour scale of the decode-order view spans.
pub fn total_steps(trace: &Trace) -> u32 {
    let planned = trace.header.planned_steps.unwrap_or(0) as usize;
    u32::try_from(planned.max(trace.steps.len()).max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::canvas::{Canvas, Region};
    use crate::sampler::{Commit, SamplerParams};
    use crate::trace::{StepRecord, TRACE_FORMAT_VERSION, TokenInfo, TokenTable, TraceHeader};

    const MASK: u32 = 99;

    fn info(bytes: &[u8], special: bool) -> TokenInfo {
        TokenInfo {
            text: String::from_utf8_lossy(bytes).into_owned(),
            bytes: bytes.to_vec(),
            special,
        }
    }

    /// Prompt "Q", pinned "A:", then four masks; tokens: 1 "Q", 2 "A:", 10/11 the two halves of
    /// "中" (E4 B8 | AD), 12 " x\n", 13 EOS.
    pub(crate) fn trace() -> Trace {
        let canvas = Canvas {
            tokens: vec![1, 2, MASK, MASK, MASK, MASK],
            kinds: vec![
                CellKind::Prompt,
                CellKind::Pinned,
                CellKind::Masked { region: 0 },
                CellKind::Masked { region: 0 },
                CellKind::Masked { region: 0 },
                CellKind::Masked { region: 0 },
            ],
            prompt_len: 1,
            regions: vec![Region {
                name: "answer".into(),
                positions: vec![2, 3, 4, 5],
            }],
            mask_id: MASK,
        };
        let header = TraceHeader {
            format_version: TRACE_FORMAT_VERSION,
            unmask_version: "test".into(),
            model_id: "test".into(),
            model_family: "llada".into(),
            prompt: "Q".into(),
            template: "A:{answer:4}".into(),
            canvas,
            params: SamplerParams::default(),
            planned_steps: Some(3),
            eos_token_ids: vec![13],
            created_unix_s: 0,
        };
        let mut tokens = TokenTable::new();
        tokens.insert(1, info(b"Q", false));
        tokens.insert(2, info(b"A:", false));
        tokens.insert(10, info(&[0xE4, 0xB8], false));
        tokens.insert(11, info(&[0xAD], false));
        tokens.insert(12, info(b" x\n", false));
        tokens.insert(13, info(b"<|eos|>", true));
        let mut t = Trace::new(header, tokens);
        let commit = |pos, token, confidence| Commit {
            pos,
            token,
            confidence,
        };
        let step = |commits: Vec<Commit>, guess_pos: Vec<u32>| StepRecord {
            guess_tokens: guess_pos.iter().map(|_| 12).collect(),
            guess_probs: guess_pos.iter().map(|_| half::f16::from_f32(0.5)).collect(),
            guess_pos,
            commits,
            top_k: 1,
            forward_ms: 1.0,
            sampling_ms: 0.0,
            new_tokens: vec![],
        };
        t.push_step(step(vec![commit(5, 13, 0.9)], vec![2, 3, 4, 5]))
            .unwrap();
        t.push_step(step(
            vec![commit(2, 10, 0.8), commit(3, 11, 0.6)],
            vec![2, 3, 4],
        ))
        .unwrap();
        t.push_step(step(vec![commit(4, 12, 0.7)], vec![4]))
            .unwrap();
        t
    }

    #[test]
    fn split_utf8_joins_into_one_piece_and_specials_stay_visible() {
        let t = trace();
        let ps = pieces(&t, &t.frame_at(3), false);
        let texts: Vec<&str> = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, vec!["A:", "中", " x\n", "<|eos|>"]);
        assert_eq!(ps[1].positions, 2..4);
        assert_eq!(
            ps[1].kind,
            PieceKind::Committed {
                confidence: 0.6,
                step: 2
            }
        );
        assert!(ps[3].special);
        assert_eq!(ps[3].label(), "EOS");
        assert_eq!(ps[2].label(), "x");
        assert!(ps[2].leading_space());
        assert_eq!((ps[2].breaks_before(), ps[2].breaks_after()), (0, 1));
        assert_eq!(ps[0].kind, PieceKind::Pinned);
    }

    #[test]
    fn masks_carry_the_next_steps_guess_and_prompt_is_optional() {
        let t = trace();
        let ps = pieces(&t, &t.frame_at(1), true);
        assert_eq!(ps[0].kind, PieceKind::Prompt);
        assert_eq!(
            ps[2].kind,
            PieceKind::Masked {
                guess: Some((" x\n".into(), 0.5))
            }
        );
        assert_eq!(ps.len(), 6, "prompt, pinned, three masks, EOS");
        assert!(matches!(ps[5].kind, PieceKind::Committed { step: 1, .. }));
    }

    #[test]
    fn half_a_character_before_a_mask_renders_as_replacement() {
        let t = trace();
        let frame = Frame {
            index: 2,
            cells: vec![
                Cell::Fixed { token: 1 },
                Cell::Fixed { token: 2 },
                Cell::Committed {
                    token: 10,
                    confidence: 0.8,
                    step: 2,
                },
                Cell::Masked { guess: None },
                Cell::Masked { guess: None },
                Cell::Masked { guess: None },
            ],
        };
        let ps = pieces(&t, &frame, false);
        assert_eq!(ps[1].text, "\u{FFFD}");
    }

    #[test]
    fn special_labels_are_short() {
        assert_eq!(special_label("<|endoftext|>"), "EOS");
        assert_eq!(special_label("<|eot_id|>"), "EOT");
        assert_eq!(special_label("<|start_header_id|>"), "start_header_i");
        assert_eq!(special_label("<pad>"), "PAD");
    }

    #[test]
    fn a_token_that_is_part_of_a_character_shows_its_bytes_not_a_replacement_glyph() {
        let t = trace();
        assert_eq!(token_text(&t, 10), "\\xE4\\xB8");
        assert_eq!(guess_label(&t, 10), ("\\xE4\\xB8".to_string(), false));
        assert_eq!(token_text(&t, 12), " x\n");
        assert_eq!(guess_label(&t, 12).0, "x");
        assert_eq!(guess_label(&t, 13), ("EOS".to_string(), true));
    }
}
