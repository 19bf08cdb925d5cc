//! The token grid: every canvas cell of one frame in reading order, wrapped like text, with masks,
//! fresh commits (flash, then settle), confidence or decode-order colours and a hover popup.
//!
//! Cells are grouped into [`pieces`](super::pieces) first; each sits in its position's box of the
//! run's [`layout`](super::layout), laid out once per run, so nothing moves from step to step.

use egui::{Color32, CornerRadius, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2};

use super::cells;
use super::layout::{self, Metrics};
use super::palette::{self, ColorMode, Palette};
use super::pieces::{Piece, PieceKind, pieces, special_label, token_text, total_steps};
use crate::trace::Trace;

/// Fraction of a commit's dissolve in which the mask turns into the flash colour (the rest
/// settles from the flash to the cell's colour).
const FLASH_RISE: f32 = palette::FLASH_RISE_FRACTION;

/// How the canvas is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct CanvasOptions {
    /// Colour committed cells by confidence or by decode order.
    pub color_mode: ColorMode,
    /// Show the model's current top guess (faded, with its probability) inside masks.
    pub show_guesses: bool,
    /// Show the formatted prompt's tokens before the response.
    pub show_prompt: bool,
    /// The theme's colours.
    pub palette: Palette,
    /// Token text size in points.
    pub text_size: f32,
}

impl Default for CanvasOptions {
    fn default() -> Self {
        Self {
            color_mode: ColorMode::Confidence,
            show_guesses: true,
            show_prompt: false,
            palette: Palette::DARK,
            text_size: 20.0,
        }
    }
}

/// Smoothstep easing.
fn ease(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// What the canvas reports back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CanvasOutput {
    /// The canvas position under the pointer (or the forced hover), if any.
    pub hovered: Option<u32>,
    /// Pieces drawn.
    pub pieces: usize,
}

/// A piece with its laid-out text.
struct Placed {
    rect: Rect,
    label: std::sync::Arc<egui::Galley>,
    /// The probability text of a mask's guess.
    prob: Option<std::sync::Arc<egui::Galley>>,
}

/// Draw `trace` at `frame` (clamped) with the dissolve of that frame's commits at `transition`
/// (0 = just started, 1 = done). `forced_hover` shows the popup of a position as if hovered
/// (screenshots, tests). Uses the full available width and as much height as the text needs.
pub fn canvas_ui(
    ui: &mut egui::Ui,
    trace: &Trace,
    frame: usize,
    transition: f32,
    options: &CanvasOptions,
    forced_hover: Option<u32>,
) -> CanvasOutput {
    canvas_ui_aligned(
        ui,
        &[trace],
        trace,
        frame,
        transition,
        options,
        forced_hover,
    )
}

/// [`canvas_ui`] for `trace` laid out together with `aligned` (which holds it): when their
/// canvases have the same shape every position sits in the same place in each (compare panes);
/// otherwise `trace` is laid out on its own.
pub fn canvas_ui_aligned(
    ui: &mut egui::Ui,
    aligned: &[&Trace],
    trace: &Trace,
    frame: usize,
    transition: f32,
    options: &CanvasOptions,
    forced_hover: Option<u32>,
) -> CanvasOutput {
    let frame_data = trace.frame_at(frame);
    let frame = frame_data.index;
    let pieces = pieces(trace, &frame_data, options.show_prompt);
    let painter = ui.painter().clone();
    // Laid out once per run: every position keeps its box in every frame. With the aligned runs
    // when they share this run's canvas shape, else on its own.
    let measure_of = |traces: &[&Trace]| {
        layout::run_measure(
            ui.ctx(),
            &painter,
            traces,
            options.text_size,
            options.show_guesses,
            options.show_prompt,
        )
    };
    let measure = match measure_of(aligned) {
        m if m.covers(trace) => m,
        _ => measure_of(&[trace]),
    };
    let m = measure.metrics().clone();
    let width = ui.available_width().max(m.mask_w * 2.0);
    let placement = measure.place(width);
    let origin = ui.cursor().min.to_vec2();

    let mut placed: Vec<Placed> = Vec::with_capacity(pieces.len());
    for piece in &pieces {
        let rect = placement
            .piece_rect(piece)
            .unwrap_or(Rect::from_min_size(
                egui::Pos2::ZERO,
                Vec2::new(m.mask_w, m.cell_h),
            ))
            .translate(origin);
        let label = match layout::piece_label(piece, options.show_guesses) {
            Some((text, small)) => {
                let font = if small { &m.small } else { &m.font };
                painter.layout_no_wrap(text, font.clone(), Color32::PLACEHOLDER)
            }
            None => painter.layout_no_wrap(String::new(), m.font.clone(), Color32::PLACEHOLDER),
        };
        let prob = match &piece.kind {
            PieceKind::Masked {
                guess: Some((_, p)),
            } if options.show_guesses => Some(painter.layout_no_wrap(
                format!("{:.0}%", p * 100.0),
                m.small.clone(),
                Color32::PLACEHOLDER,
            )),
            _ => None,
        };
        placed.push(Placed { rect, label, prob });
    }
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(width, placement.height), Sense::hover());

    // Paint what is visible.
    let clip = ui.clip_rect();
    let total = total_steps(trace);
    for (piece, p) in pieces.iter().zip(&placed) {
        if p.rect.intersects(clip) {
            paint_piece(&painter, piece, p, frame, transition, total, options, &m);
        }
    }

    // Hover: the pointer, else the forced position.
    let pointer = response.hover_pos();
    let hovered_index = match pointer {
        Some(pos) => placed
            .iter()
            .position(|p| p.rect.expand(m.gap).contains(pos)),
        None => forced_hover.and_then(|f| pieces.iter().position(|p| p.positions.contains(&f))),
    };
    if let Some(i) = hovered_index {
        let p = &placed[i];
        painter.rect_stroke(
            p.rect.expand(2.0),
            CornerRadius::same(5),
            Stroke::new(2.0, ui.visuals().strong_text_color()),
            StrokeKind::Outside,
        );
        hover_popup(ui, trace, frame, &pieces[i], p.rect, options);
    }

    let last = trace.frame_count().saturating_sub(1);
    let text = trace.text_at(frame, "▒");
    let summary: String = text.chars().take(2000).collect();
    response.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Canvas,
            true,
            format!("Canvas at step {frame} of {last}: {summary}"),
        )
    });
    let _ = rect;
    CanvasOutput {
        hovered: hovered_index.map(|i| pieces[i].positions.start),
        pieces: pieces.len(),
    }
}

/// Paint one piece.
#[allow(clippy::too_many_arguments)]
fn paint_piece(
    painter: &egui::Painter,
    piece: &Piece,
    placed: &Placed,
    frame: usize,
    transition: f32,
    total: u32,
    options: &CanvasOptions,
    m: &Metrics,
) {
    let rect = placed.rect;
    let radius = CornerRadius::same(cells::CELL_CORNER_RADIUS);
    let colors = &options.palette;
    // A mask's guess sits left (its percentage right); written text is centred in its box, which
    // is as wide as the widest thing the position ever shows.
    let text_pos = |galley: &egui::Galley| {
        Pos2::new(
            rect.min.x + m.pad_x,
            rect.center().y - galley.size().y / 2.0,
        )
    };
    let centred = |galley: &egui::Galley| {
        Pos2::new(
            rect.center().x - galley.size().x / 2.0,
            rect.center().y - galley.size().y / 2.0,
        )
    };
    match &piece.kind {
        PieceKind::Prompt | PieceKind::Pinned => {
            let (fill, text) = match (&piece.kind, piece.special) {
                (_, true) => (colors.special_fill, colors.special_text),
                (PieceKind::Prompt, _) => (Color32::TRANSPARENT, colors.prompt_text),
                _ => (colors.pinned_fill, colors.pinned_text),
            };
            painter.rect_filled(rect, radius, fill);
            if piece.special {
                cells::paint_special_outline(painter, rect, colors);
            }
            painter.galley(centred(&placed.label), placed.label.clone(), text);
        }
        PieceKind::Masked { guess } => {
            cells::paint_mask(painter, rect, colors, 1.0);
            if let (Some(prob), Some((_, p))) = (&placed.prob, guess) {
                let faded = colors.guess_text(*p);
                painter.galley(text_pos(&placed.label), placed.label.clone(), faded);
                let at = Pos2::new(
                    rect.max.x - m.pad_x - prob.size().x,
                    rect.center().y - prob.size().y / 2.0 + m.gap,
                );
                painter.galley(at, prob.clone(), faded);
            }
        }
        PieceKind::Committed { confidence, step } => {
            // Special tokens keep their own fill, except in the decode-order view, where *when*
            // the model wrote them (e.g. end-of-text padding first) is the point.
            let settled = match (options.color_mode, piece.special) {
                (ColorMode::DecodeOrder, _) => colors.step_color(*step, total),
                (_, true) => colors.special_fill,
                (mode, false) => colors.confidence_fill(mode, *confidence),
            };
            let fresh = *step as usize == frame && frame > 0;
            let t = if fresh {
                transition.clamp(0.0, 1.0)
            } else {
                1.0
            };
            let fill = if fresh {
                colors.fresh_commit_fill(settled, t)
            } else {
                settled
            };
            painter.rect_filled(rect, radius, fill);
            if t < FLASH_RISE {
                // The mask's hatching fades out while the fill rises to the flash colour.
                cells::paint_hatching(painter, rect, colors, 1.0 - t / FLASH_RISE);
            }
            let text = if piece.special && options.color_mode.by_confidence() {
                colors.special_text
            } else {
                palette::text_color_on(fill)
            };
            let text = text.gamma_multiply(ease(t / FLASH_RISE).max(0.1));
            if piece.special {
                cells::paint_special_outline(painter, rect, colors);
            }
            painter.galley(centred(&placed.label), placed.label.clone(), text);
            if fresh {
                cells::paint_fresh_outline(painter, rect, colors, t < 1.0);
            }
        }
    }
}

/// How to quote a token for the popup: the text with its spaces visible.
/// A token made only of whitespace is named as well ("“ ” space"), since its quotes look empty.
fn quoted(text: &str) -> String {
    let shown = text.replace('\n', "↵").replace('\t', "⇥");
    let name = match text {
        " " => " space",
        "\n" => " newline",
        "\t" => " tab",
        t if !t.is_empty() && t.trim().is_empty() => " whitespace",
        _ => "",
    };
    format!("“{shown}”{name}")
}

/// The popup next to a hovered piece.
fn hover_popup(
    ui: &egui::Ui,
    trace: &Trace,
    frame: usize,
    piece: &Piece,
    anchor: Rect,
    options: &CanvasOptions,
) {
    let pos = piece.positions.start;
    let where_ = if piece.positions.len() > 1 {
        format!(
            "positions {}–{} (one character split over {} tokens)",
            pos,
            piece.positions.end - 1,
            piece.positions.len()
        )
    } else {
        format!("position {pos}")
    };
    let last = trace.frame_count().saturating_sub(1);
    let (title, detail, candidates_frame): (String, String, Option<usize>) = match &piece.kind {
        PieceKind::Prompt => (
            format!("Prompt {}", quoted(&piece.text)),
            format!("{where_} · part of the prompt, never masked"),
            None,
        ),
        PieceKind::Pinned => (
            format!("Pinned {}", quoted(&piece.text)),
            format!("{where_} · template text, never masked"),
            None,
        ),
        PieceKind::Masked { .. } => (
            "Masked".to_string(),
            format!("{where_} · still masked at step {frame} of {last}"),
            Some(frame),
        ),
        PieceKind::Committed { confidence, step } => (
            if piece.special {
                format!("Special token {}", special_label(&piece.text))
            } else {
                quoted(&piece.text)
            },
            format!(
                "{where_} · committed at step {step} of {last} with confidence {:.0}%",
                confidence * 100.0
            ),
            Some((*step as usize).saturating_sub(1)),
        ),
    };
    let candidates = candidates_frame.and_then(|f| trace.candidates_at(f, pos));
    let area = egui::Area::new(ui.scope_id().with("canvas_hover_popup"))
        .order(egui::Order::Tooltip)
        .fixed_pos(anchor.left_bottom() + Vec2::new(0.0, 6.0))
        .constrain(true)
        .interactable(false);
    area.show(ui.ctx(), |ui| {
        egui::Frame::popup(ui.style()).show(ui, |ui| {
            // Readable from the back of a room: popup text follows the token size.
            let body = (options.text_size * 0.75).clamp(13.0, 24.0);
            let styles = &mut ui.style_mut().text_styles;
            styles.insert(egui::TextStyle::Body, FontId::proportional(body));
            styles.insert(egui::TextStyle::Button, FontId::proportional(body));
            styles.insert(egui::TextStyle::Monospace, FontId::monospace(body));
            ui.set_max_width(body * 26.0);
            ui.label(
                egui::RichText::new(title)
                    .strong()
                    .size(options.text_size * 0.9),
            );
            ui.label(detail);
            match (&piece.kind, candidates) {
                (_, Some(c)) if !c.is_empty() => {
                    let heading = match piece.kind {
                        PieceKind::Masked { .. } => {
                            format!("Top {} guesses now (step {} decides):", c.len(), frame + 1)
                        }
                        _ => format!("Top {} candidates when it was chosen:", c.len()),
                    };
                    ui.add_space(4.0);
                    ui.label(heading);
                    candidates_table(ui, trace, &c, &options.palette);
                }
                (PieceKind::Masked { .. }, _) => {
                    ui.label("No guesses were recorded for this step.");
                }
                (PieceKind::Committed { .. }, _) => {
                    ui.label("The trace kept no candidates for this step.");
                }
                _ => {}
            }
        });
    });
}

/// Rows of candidate, probability bar and percentage (the bar in the text colour, so even small
/// probabilities stay visible).
fn candidates_table(ui: &mut egui::Ui, trace: &Trace, candidates: &[(u32, f32)], colors: &Palette) {
    let bar_color = ui.visuals().strong_text_color().gamma_multiply(0.8);
    let row_h = ui.text_style_height(&egui::TextStyle::Body) * 0.7;
    egui::Grid::new("candidates")
        .num_columns(3)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            for (rank, &(token, p)) in candidates.iter().enumerate() {
                let text = token_text(trace, token);
                let label = egui::RichText::new(quoted(&text)).monospace();
                ui.label(if rank == 0 { label.strong() } else { label });
                let (bar, _) =
                    ui.allocate_exact_size(Vec2::new(row_h * 10.0, row_h), Sense::hover());
                ui.painter()
                    .rect_filled(bar, CornerRadius::same(2), colors.mask_fill);
                let mut filled = bar;
                filled.set_width(bar.width() * p.clamp(0.0, 1.0));
                ui.painter()
                    .rect_filled(filled, CornerRadius::same(2), bar_color);
                ui.label(format!("{:.1}%", p * 100.0));
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::pieces::tests::trace;

    #[test]
    fn whitespace_tokens_are_named_in_the_popup() {
        assert_eq!(quoted(" "), "“ ” space");
        assert_eq!(quoted("\n"), "“↵” newline");
        assert_eq!(quoted("  "), "“  ” whitespace");
        assert_eq!(quoted(" x"), "“ x”");
    }

    #[test]
    fn text_colour_contrasts_with_fill() {
        assert_eq!(palette::text_color_on(Color32::WHITE), Color32::BLACK);
        assert_eq!(
            palette::text_color_on(Color32::from_rgb(20, 30, 120)),
            Color32::WHITE
        );
    }

    #[test]
    fn canvas_draws_every_piece_and_reports_the_forced_hover() {
        let t = trace();
        let ctx = egui::Context::default();
        crate::view::fonts::install_fonts(&ctx, &[]);
        let mut out = CanvasOutput::default();
        for _ in 0..2 {
            let mut o = ctx.run_ui(egui::RawInput::default(), |ui| {
                out = canvas_ui(ui, &t, 3, 1.0, &CanvasOptions::default(), Some(3));
            });
            o.textures_delta.clear();
        }
        assert_eq!(out.pieces, 4);
        assert_eq!(
            out.hovered,
            Some(2),
            "position 3 belongs to the piece starting at 2"
        );
    }
}
