//! A self-contained HTML player of one run: a single file with the run's per-step data embedded as
//! JSON and plain JavaScript/CSS inline (no network, no external scripts), playable in any browser.
//!
//! Cells are the app's pieces of the final frame (tokens whose bytes only decode together, such as
//! a CJK character split by byte-level BPE, form one cell). Every colour comes from the app's
//! theme, computed here for both themes and both colour modes, so the page matches the app. The
//! page has play/pause, a step slider, back/next, speed, the app's keys (space, ←/→, Home/End,
//! `[`/`]`), a confidence / decode-order switch, a theme switch and a hover popup with the top-k
//! candidates. Opened with `#selftest` it checks itself and writes `PASS`/`FAIL` into
//! `#selftest-result`; script errors are collected in `#errors` either way.

use std::collections::BTreeMap;
use std::path::Path;

use egui::Color32;
use serde_json::{Value, json};

use super::ExportError;
use crate::trace::{Cell, Trace};
use crate::view::legend;
use crate::view::palette::{self, ColorMode, Palette};
use crate::view::pieces::{self, PieceKind};
use crate::view::run_summary;

/// The page's markup, with `{{TITLE}}`, `{{CSS}}`, `{{DATA}}` and `{{JS}}` to fill in.
const TEMPLATE: &str = include_str!("player.html");
/// The page's style sheet.
const CSS: &str = include_str!("player.css");
/// The page's script.
const JS: &str = include_str!("player.js");

/// How the page starts (the viewer can switch both).
#[derive(Clone, Debug, PartialEq)]
pub struct HtmlParams {
    /// Dark theme first (else light).
    pub dark: bool,
    /// Colour by confidence or by decode order first.
    pub color_mode: ColorMode,
}

impl Default for HtmlParams {
    fn default() -> Self {
        Self {
            dark: true,
            color_mode: ColorMode::Confidence,
        }
    }
}

fn hex(c: Color32) -> String {
    format!("#{:02x}{:02x}{:02x}", c.r(), c.g(), c.b())
}

/// The fixed colours of one theme.
fn palette_json(p: &Palette) -> Value {
    let hatch = palette::mix(p.mask_fill, p.mask_text, 0.3);
    let scale = |mode| -> Vec<String> {
        (0..=10)
            .map(|i| hex(p.scale_color(mode, i as f32 / 10.0)))
            .collect()
    };
    let visuals = if p.dark {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    };
    json!({
        "bg": hex(visuals.panel_fill),
        "panel": hex(visuals.extreme_bg_color),
        "text": hex(p.text_strong),
        "weak": hex(p.mask_text),
        "mask": hex(p.mask_fill),
        "hatch": hex(hatch),
        "flash": hex(p.flash),
        "flashStroke": hex(p.flash_stroke().color),
        "specialFill": hex(p.special_fill),
        "specialStroke": hex(p.special_stroke().color),
        "specialText": hex(p.special_text),
        "pinnedFill": hex(p.pinned_fill),
        "pinnedText": hex(p.pinned_text),
        "promptText": hex(p.prompt_text),
        "guessWeak": hex(p.guess_text(0.0)),
        "guessStrong": hex(p.guess_text(1.0)),
        "accent": hex(p.run_color(0)),
        "scales": ColorMode::ALL
            .iter()
            .map(|&m| (m.key().to_string(), json!(scale(m))))
            .collect::<serde_json::Map<String, Value>>(),
    })
}

/// Top-k candidates `[[token, per-mille probability], …]` at `pos` in frame `frame`.
fn candidates(trace: &Trace, frame: usize, pos: u32) -> Value {
    match trace.candidates_at(frame, pos) {
        Some(c) => Value::Array(
            c.iter()
                .map(|&(t, p)| json!([t, (p * 1000.0).round() as u32]))
                .collect(),
        ),
        None => Value::Null,
    }
}

/// The embedded data: run header, token texts, palettes and one entry per cell.
pub fn player_data(trace: &Trace, params: &HtmlParams) -> Value {
    let last = trace.steps.len();
    let final_frame = trace.frame_at(last);
    let pieces = pieces::pieces(trace, &final_frame, false);
    let total = pieces::total_steps(trace);
    // Frames at which each position is committed (None = never).
    let commit_step: Vec<Option<u32>> = final_frame
        .cells
        .iter()
        .map(|c| match c {
            Cell::Committed { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    let mut token_ids: BTreeMap<u32, ()> = BTreeMap::new();
    let mut cells = Vec::with_capacity(pieces.len());
    for piece in &pieces {
        let first = piece.positions.start;
        let (kind, step, confidence) = match &piece.kind {
            PieceKind::Prompt => ("prompt", None, None),
            PieceKind::Pinned => ("pinned", None, None),
            PieceKind::Masked { .. } => ("gen", None, None),
            PieceKind::Committed { confidence, step } => ("gen", Some(*step), Some(*confidence)),
        };
        let mut cell = json!({
            "pos": [piece.positions.start, piece.positions.end],
            "kind": kind,
            "label": piece.label(),
            "text": piece.text,
            "special": piece.special,
            "brBefore": piece.breaks_before(),
            "brAfter": piece.breaks_after(),
            "space": piece.leading_space(),
        });
        if kind == "gen" {
            // The guesses under the mask at every frame it is masked in (the first position's),
            // and the candidates from when it was written.
            let masked_until = step.map_or(last + 1, |s| s as usize);
            let guesses: Vec<Value> = (0..masked_until.min(last + 1))
                .map(|f| {
                    let pos = piece
                        .positions
                        .clone()
                        .find(|&p| commit_step[p as usize].is_none_or(|s| s as usize > f))
                        .unwrap_or(first);
                    candidates(trace, f, pos)
                })
                .collect();
            for g in &guesses {
                if let Value::Array(rows) = g {
                    for r in rows {
                        if let Some(t) = r.get(0).and_then(Value::as_u64) {
                            token_ids.insert(t as u32, ());
                        }
                    }
                }
            }
            cell["guesses"] = Value::Array(guesses);
            if let (Some(step), Some(conf)) = (step, confidence) {
                // Fill and text of each colour mode, in `ColorMode::ALL` order.
                let colours = |p: Palette| {
                    let mut out = Vec::with_capacity(2 * ColorMode::ALL.len());
                    for mode in ColorMode::ALL {
                        let (fill, text) = match (mode, piece.special) {
                            (ColorMode::DecodeOrder, _) => {
                                let fill = p.step_color(step, total);
                                (fill, palette::text_color_on(fill))
                            }
                            (_, true) => (p.special_fill, p.special_text),
                            (mode, false) => {
                                let fill = p.confidence_fill(mode, conf);
                                (fill, palette::text_color_on(fill))
                            }
                        };
                        out.push(hex(fill));
                        out.push(hex(text));
                    }
                    json!(out)
                };
                cell["step"] = json!(step);
                cell["conf"] = json!((conf * 1000.0).round() as u32);
                cell["dark"] = colours(Palette::DARK);
                cell["light"] = colours(Palette::LIGHT);
            }
        }
        cells.push(cell);
    }
    let tokens: serde_json::Map<String, Value> = token_ids
        .keys()
        .map(|&t| {
            let special = trace.header.eos_token_ids.contains(&t)
                || trace.tokens.get(&t).is_some_and(|i| i.special);
            (
                t.to_string(),
                json!([pieces::token_text(trace, t), special]),
            )
        })
        .collect();
    let metrics: Vec<Value> = trace
        .step_metrics()
        .iter()
        .map(|m| {
            json!({
                "committed": m.committed,
                "confMean": m.confidence_mean.map(|c| (f64::from(c) * 1e4).round() / 1e4),
                "confMin": m.confidence_min.map(|c| (f64::from(c) * 1e4).round() / 1e4),
                "masksLeft": m.masks_left,
                "ms": (f64::from(m.forward_ms + m.sampling_ms) * 10.0).round() / 10.0,
            })
        })
        .collect();
    json!({
        "prompt": trace.header.prompt,
        "settings": run_summary::describe_params(&trace.header.params),
        "model": trace.header.model_id,
        "steps": last,
        "dark": params.dark,
        "mode": params.color_mode.key(),
        "modes": ColorMode::ALL.iter().map(|m| m.key()).collect::<Vec<_>>(),
        "legend": ColorMode::ALL
            .iter()
            .map(|&m| {
                let (title, low, high) = legend::scale_labels(m);
                (m.key().to_string(), json!({"title": title, "low": low, "high": high}))
            })
            .collect::<serde_json::Map<String, Value>>(),
        "tokens": tokens,
        "cells": cells,
        "metrics": metrics,
        "palette": { "dark": palette_json(&Palette::DARK), "light": palette_json(&Palette::LIGHT) },
        "explanation": {
            "dark": explanations(&Palette::DARK),
            "light": explanations(&Palette::LIGHT),
        },
    })
}

/// Each colour mode's explanation in the colours of `palette`, by mode key.
fn explanations(palette: &Palette) -> Value {
    ColorMode::ALL
        .iter()
        .map(|&m| (m.key().to_string(), json!(palette::explanation(m, palette))))
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

/// Escape text for HTML element content.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The whole page as a string.
pub fn player_html(trace: &Trace, params: &HtmlParams) -> String {
    // `<` never appears raw inside the script element, so no text can close it early.
    let data = player_data(trace, params)
        .to_string()
        .replace('<', "\\u003c");
    let title: String = trace.header.prompt.chars().take(80).collect();
    let title = escape_html(&format!("Unmask — {title}"));
    fill_template(
        TEMPLATE,
        &[("TITLE", &title), ("CSS", CSS), ("JS", JS), ("DATA", &data)],
    )
}

/// Replace each `{{NAME}}` of `template` by its value in one pass (values are not searched).
fn fill_template(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, end + 2))
        });
        match value {
            Some((v, used)) => {
                out.push_str(v);
                rest = &after[used..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Write the player of `trace` to `path`; returns its size in bytes.
pub fn write_html(trace: &Trace, params: &HtmlParams, path: &Path) -> Result<u64, ExportError> {
    let html = player_html(trace, params);
    super::write_atomic(path, html.as_bytes())?;
    Ok(html.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;

    #[test]
    fn the_page_is_self_contained_and_holds_every_cell() {
        let t = synthetic_trace(12, 3, 5);
        let html = player_html(&t, &HtmlParams::default());
        assert!(html.starts_with("<!DOCTYPE html>"));
        for name in ["{{TITLE}}", "{{CSS}}", "{{JS}}", "{{DATA}}"] {
            assert!(!html.contains(name), "{name} was left");
        }
        for external in ["src=\"http", "href=\"http", "<link", "src=\"//", "@import"] {
            assert!(!html.contains(external), "external resource: {external}");
        }
        let data = player_data(&t, &HtmlParams::default());
        assert_eq!(data["cells"].as_array().map(Vec::len), Some(12));
        assert_eq!(data["steps"], 12);
        // A cell committed at step s has guesses for frames 0..s.
        let cell = &data["cells"][0];
        let step = cell["step"].as_u64().unwrap_or_default() as usize;
        assert_eq!(cell["guesses"].as_array().map(Vec::len), Some(step));
    }

    #[test]
    fn script_text_cannot_close_the_data_element() {
        let mut t = synthetic_trace(3, 1, 5);
        t.header.prompt = "</script><b>{{DATA}}".into();
        let html = player_html(&t, &HtmlParams::default());
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only the two real closers"
        );
        assert!(html.contains("Unmask — &lt;/script&gt;&lt;b&gt;{{DATA}}"));
    }
}
