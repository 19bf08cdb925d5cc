//! Terminal animation of a run: masks as `░`, the tokens committed this step highlighted, a progress line.

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::trace::{Cell, TextJoiner, Trace};

/// Default time a frame stays on screen, milliseconds: the app's 1× pace.
pub const PACED_STEP_MS: u64 = (crate::playback::PACED_STEP_S * 1000.0) as u64;

/// Placeholder drawn for a masked cell.
pub const MASK_GLYPH: &str = "░";
/// Drawn for an end-of-sequence / special token.
pub const SPECIAL_GLYPH: &str = "⌀";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Mask,
    New,
    Special,
}

/// Draws frames to stdout; redraws in place on a terminal, prints frames one after another otherwise.
pub struct Painter {
    tty: bool,
}

impl Default for Painter {
    fn default() -> Self {
        Self::new()
    }
}

impl Painter {
    /// Detect whether stdout is a terminal.
    pub fn new() -> Self {
        Self {
            tty: std::io::stdout().is_terminal(),
        }
    }

    /// Render frame `frame` of `trace` as text (colours only on a terminal).
    pub fn render(&self, trace: &Trace, frame: usize) -> String {
        let f = trace.frame_at(frame);
        let canvas = &trace.header.canvas;
        let mut out = String::new();
        let mut run = TextJoiner::default();
        let mut run_style = Style::Plain;
        let flush = |out: &mut String, run: &mut TextJoiner, style: Style, tty: bool| {
            if run.is_empty() {
                return;
            }
            let taken = run.take();
            let text = crate::visible::visible_controls(&taken);
            let code = match style {
                Style::Plain => "",
                Style::Mask => "\x1b[2m",
                Style::New => "\x1b[1;30;42m",
                Style::Special => "\x1b[2;36m",
            };
            if tty && !code.is_empty() {
                out.push_str(code);
                out.push_str(&text);
                out.push_str("\x1b[0m");
            } else {
                out.push_str(&text);
            }
        };
        for cell in f.cells.iter().skip(canvas.prompt_len) {
            let (bytes, style): (&[u8], Style) = match cell {
                Cell::Masked { .. } => (MASK_GLYPH.as_bytes(), Style::Mask),
                Cell::Fixed { token } | Cell::Committed { token, .. } => {
                    let text = trace.token_text(*token);
                    let is_new =
                        matches!(cell, Cell::Committed { step, .. } if *step as usize == frame);
                    if !text.known || text.special || text.eos {
                        (
                            SPECIAL_GLYPH.as_bytes(),
                            if is_new { Style::New } else { Style::Special },
                        )
                    } else {
                        (text.bytes, if is_new { Style::New } else { Style::Plain })
                    }
                }
            };
            if style != run_style {
                flush(&mut out, &mut run, run_style, self.tty);
                run_style = style;
            }
            run.push_bytes(bytes);
        }
        flush(&mut out, &mut run, run_style, self.tty);
        out
    }

    /// The progress line under a frame.
    pub fn progress_line(trace: &Trace, frame: usize) -> String {
        let total_masks = trace.header.canvas.response_mask_positions().len();
        let metrics = trace.step_metrics();
        let left = if frame == 0 {
            total_masks
        } else {
            metrics.get(frame - 1).map_or(0, |m| m.masks_left)
        };
        let done = total_masks - left;
        let width = 30;
        let filled = (done * width).checked_div(total_masks).unwrap_or(width);
        let bar: String = "█".repeat(filled) + &"░".repeat(width - filled);
        // A finished run knows its length; a running one only when its schedule plans it.
        let total = if trace.summary.is_some() {
            Some(trace.steps.len() as u32)
        } else {
            trace.header.planned_steps
        };
        let planned = total.map_or_else(|| "?".to_string(), |p| p.to_string());
        let mut line = format!("step {frame}/{planned} [{bar}] {left} masks left");
        if frame > 0
            && let Some(m) = metrics.get(frame - 1)
        {
            line.push_str(&format!(
                " · +{} this step · {:.1} ms",
                m.committed,
                m.forward_ms + m.sampling_ms
            ));
        }
        line
    }

    /// Draw one frame (the prompt, the canvas, the progress line).
    pub fn draw(&mut self, trace: &Trace, frame: usize) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        if self.tty {
            write!(stdout, "\x1b[H\x1b[2J")?;
        } else if frame > 0 {
            writeln!(stdout, "---")?;
        }
        writeln!(
            stdout,
            "{}",
            crate::visible::visible_controls(&trace.header.prompt)
        )?;
        writeln!(stdout, "{}", self.render(trace, frame))?;
        writeln!(stdout, "{}", Self::progress_line(trace, frame))?;
        stdout.flush()?;
        Ok(())
    }
}
