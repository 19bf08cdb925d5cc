//! The canvas being denoised: prompt tokens, pinned template text and named mask spans (regions).
//!
//! Template syntax (the response part of a canvas):
//! - plain text is pinned: it is tokenised and never changes;
//! - `{name:N}` is a span of `N` masks belonging to region `name`;
//! - `{N}` is an unnamed span of `N` masks (region name `""`);
//! - `{{` and `}}` are literal braces.
//!
//! `Answer: {answer:4} Because: {reasoning:40}` is a canvas with two regions.
//! A plain `--gen-length N` is the template `{N}`.

use serde::{Deserialize, Serialize};

/// What one canvas cell is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CellKind {
    /// Part of the (formatted) prompt: fixed, never masked.
    Prompt,
    /// Pinned template text in the response: fixed, never masked.
    Pinned,
    /// A masked cell to be denoised, belonging to region index `region`.
    Masked {
        /// Index into `Canvas::regions`.
        region: u16,
    },
}

/// A named group of masked positions (one or more `{name:N}` spans with the same name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Region name as written in the template (`""` for unnamed spans).
    pub name: String,
    /// Absolute canvas positions of the region's cells, ascending.
    pub positions: Vec<u32>,
}

/// One parsed template piece.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplatePart {
    /// Pinned text.
    Text(String),
    /// A span of `len` masks in region `name`.
    Span {
        /// Region name (`""` when unnamed).
        name: String,
        /// Number of masks.
        len: usize,
    },
}

/// The sequence being denoised, with what each cell is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Canvas {
    /// Current token id of every cell (masked cells hold the mask id).
    pub tokens: Vec<u32>,
    /// What each cell is, parallel to `tokens`.
    pub kinds: Vec<CellKind>,
    /// Number of leading prompt cells.
    pub prompt_len: usize,
    /// Named regions in order of first appearance.
    pub regions: Vec<Region>,
    /// The mask token id used in `tokens`.
    pub mask_id: u32,
}

/// A template or canvas that cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanvasError {
    /// The template text is malformed.
    #[error("template error at character {at}: {reason}")]
    Syntax {
        /// Character offset of the problem.
        at: usize,
        /// What is wrong.
        reason: String,
    },
    /// The template has no mask span at all.
    #[error("the template has no mask span: add one like {{answer:8}} or {{32}}")]
    NoSpan,
    /// The canvas is longer than the model can see.
    #[error(
        "the canvas is {len} tokens (prompt {prompt_len} + response {response_len}) but the model's context is {max} tokens: shorten the prompt or the template"
    )]
    TooLong {
        /// Total length.
        len: usize,
        /// Prompt cells.
        prompt_len: usize,
        /// Response cells.
        response_len: usize,
        /// The model's maximum context.
        max: usize,
    },
    /// Tokenising pinned text failed.
    #[error("could not tokenise {text:?}: {reason}")]
    Tokenize {
        /// The text.
        text: String,
        /// Why.
        reason: String,
    },
}

/// Parse the template syntax described in the module docs.
pub fn parse_template(template: &str) -> Result<Vec<TemplatePart>, CanvasError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '{' if chars.get(i + 1) == Some(&'{') => {
                text.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                text.push('}');
                i += 2;
            }
            '}' => {
                return Err(CanvasError::Syntax {
                    at: i,
                    reason: "unmatched '}' (write '}}' for a literal brace)".into(),
                });
            }
            '{' => {
                let start = i;
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '}')
                    .map(|p| p + i + 1)
                    .ok_or_else(|| CanvasError::Syntax {
                        at: start,
                        reason: "'{' without a closing '}' (write '{{' for a literal brace)".into(),
                    })?;
                let inner: String = chars[i + 1..close].iter().collect();
                let (name, len_text) = match inner.rsplit_once(':') {
                    Some((n, l)) => (n.trim().to_string(), l.trim()),
                    None => (String::new(), inner.trim()),
                };
                if name
                    .chars()
                    .any(|c| !(c.is_alphanumeric() || c == '_' || c == '-'))
                {
                    return Err(CanvasError::Syntax {
                        at: start,
                        reason: format!(
                            "region name {name:?} may only hold letters, digits, '_' and '-'"
                        ),
                    });
                }
                let len: usize = len_text.parse().map_err(|_| CanvasError::Syntax {
                    at: start,
                    reason: format!("span length {len_text:?} is not a whole number"),
                })?;
                if len == 0 {
                    return Err(CanvasError::Syntax {
                        at: start,
                        reason: "a span needs at least one mask".into(),
                    });
                }
                if !text.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                }
                parts.push(TemplatePart::Span { name, len });
                i = close + 1;
            }
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        parts.push(TemplatePart::Text(text));
    }
    if !parts.iter().any(|p| matches!(p, TemplatePart::Span { .. })) {
        return Err(CanvasError::NoSpan);
    }
    Ok(parts)
}

/// The template of one unnamed span of `gen_length` masks.
pub fn plain_template(gen_length: usize) -> Vec<TemplatePart> {
    vec![TemplatePart::Span {
        name: String::new(),
        len: gen_length,
    }]
}

impl Canvas {
    /// Build a canvas from prompt ids and template parts. `encode` tokenises pinned text pieces
    /// independently (so the same text always gives the same tokens, in training data too).
    pub fn build(
        prompt_ids: &[u32],
        parts: &[TemplatePart],
        mask_id: u32,
        max_len: usize,
        mut encode: impl FnMut(&str) -> Result<Vec<u32>, String>,
    ) -> Result<Canvas, CanvasError> {
        // Bounded before anything is sized by it: a span length comes from a user.
        let masks = parts
            .iter()
            .map(|p| match p {
                TemplatePart::Span { len, .. } => *len,
                TemplatePart::Text(_) => 0,
            })
            .fold(0usize, usize::saturating_add);
        if prompt_ids.len().saturating_add(masks) > max_len {
            return Err(CanvasError::TooLong {
                len: prompt_ids.len().saturating_add(masks),
                prompt_len: prompt_ids.len(),
                response_len: masks,
                max: max_len,
            });
        }
        let mut tokens = prompt_ids.to_vec();
        let mut kinds = vec![CellKind::Prompt; prompt_ids.len()];
        let mut regions: Vec<Region> = Vec::new();
        for part in parts {
            match part {
                TemplatePart::Text(text) => {
                    let ids = encode(text).map_err(|reason| CanvasError::Tokenize {
                        text: text.clone(),
                        reason,
                    })?;
                    kinds.extend(std::iter::repeat_n(CellKind::Pinned, ids.len()));
                    tokens.extend(ids);
                }
                TemplatePart::Span { name, len } => {
                    let index = match regions.iter().position(|r| &r.name == name) {
                        Some(i) => i,
                        None => {
                            regions.push(Region {
                                name: name.clone(),
                                positions: Vec::new(),
                            });
                            regions.len() - 1
                        }
                    };
                    let start = tokens.len() as u32;
                    regions[index].positions.extend(start..start + *len as u32);
                    kinds.extend(std::iter::repeat_n(
                        CellKind::Masked {
                            region: index as u16,
                        },
                        *len,
                    ));
                    tokens.extend(std::iter::repeat_n(mask_id, *len));
                }
            }
        }
        if regions.is_empty() {
            return Err(CanvasError::NoSpan);
        }
        if tokens.len() > max_len {
            return Err(CanvasError::TooLong {
                len: tokens.len(),
                prompt_len: prompt_ids.len(),
                response_len: tokens.len() - prompt_ids.len(),
                max: max_len,
            });
        }
        Ok(Canvas {
            tokens,
            kinds,
            prompt_len: prompt_ids.len(),
            regions,
            mask_id,
        })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when the canvas has no cells.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Positions that were masked in the template (the generated span), ascending.
    pub fn response_mask_positions(&self) -> Vec<u32> {
        self.kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| matches!(k, CellKind::Masked { .. }))
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// Positions still holding the mask token among the template's masked cells, ascending.
    pub fn still_masked(&self) -> Vec<u32> {
        self.kinds
            .iter()
            .enumerate()
            .filter(|(i, k)| {
                matches!(k, CellKind::Masked { .. }) && self.tokens[*i] == self.mask_id
            })
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// Region index by name.
    pub fn region_index(&self, name: &str) -> Option<usize> {
        self.regions.iter().position(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_encode(text: &str) -> Result<Vec<u32>, String> {
        Ok(text.chars().map(|c| c as u32).collect())
    }

    #[test]
    fn parses_named_and_unnamed_spans() {
        let parts = parse_template("Answer: {answer:4} Because: {reasoning:40}").unwrap();
        assert_eq!(
            parts,
            vec![
                TemplatePart::Text("Answer: ".into()),
                TemplatePart::Span {
                    name: "answer".into(),
                    len: 4
                },
                TemplatePart::Text(" Because: ".into()),
                TemplatePart::Span {
                    name: "reasoning".into(),
                    len: 40
                },
            ]
        );
        assert_eq!(parse_template("{32}").unwrap(), plain_template(32));
    }

    #[test]
    fn literal_braces_and_errors() {
        assert_eq!(
            parse_template("{{x}} {a:2}").unwrap()[0],
            TemplatePart::Text("{x} ".into())
        );
        assert!(matches!(
            parse_template("{a:0}"),
            Err(CanvasError::Syntax { .. })
        ));
        assert!(matches!(
            parse_template("{a:x}"),
            Err(CanvasError::Syntax { .. })
        ));
        assert!(matches!(
            parse_template("{a:3"),
            Err(CanvasError::Syntax { .. })
        ));
        assert!(matches!(
            parse_template("a}"),
            Err(CanvasError::Syntax { .. })
        ));
        assert!(matches!(
            parse_template("{a b:3}"),
            Err(CanvasError::Syntax { .. })
        ));
        assert_eq!(parse_template("just text"), Err(CanvasError::NoSpan));
    }

    #[test]
    fn builds_regions_and_kinds() {
        let parts = parse_template("A{answer:2}B{reasoning:3}{answer:1}").unwrap();
        let c = Canvas::build(&[7, 8], &parts, 99, 100, fake_encode).unwrap();
        assert_eq!(c.len(), 2 + 1 + 2 + 1 + 3 + 1);
        assert_eq!(c.regions.len(), 2);
        assert_eq!(c.regions[0].positions, vec![3, 4, 9]);
        assert_eq!(c.regions[1].positions, vec![6, 7, 8]);
        assert_eq!(c.still_masked(), vec![3, 4, 6, 7, 8, 9]);
        assert_eq!(c.kinds[5], CellKind::Pinned);
        assert_eq!(c.tokens[5], 'B' as u32);
    }

    #[test]
    fn too_long_is_a_clear_error() {
        let err = Canvas::build(&[1; 10], &plain_template(10), 0, 16, fake_encode).unwrap_err();
        assert!(err.to_string().contains("20 tokens"), "{err}");
    }
}
