//! The colour legend: the gradient of the active scale with its end labels, one sample cell per
//! kind of cell (painted by the canvas's own cell painters) and the one-sentence explanation.

use egui::{Color32, CornerRadius, FontId, Pos2, Rect, Sense, Stroke, TextStyle, Vec2};

use super::cells::{CELL_CORNER_RADIUS, paint_fresh_outline, paint_mask, paint_special_outline};
use super::palette::{ColorMode, Palette, explanation, text_color_on};

/// The title and end labels of the gradient bar of a mode.
pub fn scale_labels(mode: ColorMode) -> (&'static str, &'static str, &'static str) {
    match mode {
        ColorMode::Confidence => ("Colour = confidence", "unsure", "sure"),
        ColorMode::ConfidenceLog => ("Colour = confidence (log scale)", "unsure", "99.99 %+"),
        ColorMode::DecodeOrder => ("Colour = step it was written", "first", "last"),
    }
}

/// Paint the gradient of `mode` into `rect`.
fn paint_gradient(painter: &egui::Painter, rect: Rect, mode: ColorMode, palette: &Palette) {
    const SEGMENTS: u32 = 48;
    let mut mesh = egui::Mesh::default();
    for i in 0..=SEGMENTS {
        let t = i as f32 / SEGMENTS as f32;
        let x = egui::lerp(rect.left()..=rect.right(), t);
        let c = palette.scale_color(mode, t);
        mesh.colored_vertex(egui::pos2(x, rect.top()), c);
        mesh.colored_vertex(egui::pos2(x, rect.bottom()), c);
        if i > 0 {
            let k = 2 * i;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k, k + 1);
        }
    }
    painter.add(egui::Shape::mesh(mesh));
}

/// What a legend sample cell shows.
enum Sample<'a> {
    /// A mask, with an optional faded guess `(text, probability)`.
    Mask(Option<(&'a str, f32)>),
    /// A committed cell of fill `fill`, outlined as written at the shown step when `fresh`.
    Written { fill: Color32, fresh: bool },
    /// A special token.
    Special,
    /// Pinned template text.
    Pinned,
}

/// Paint one sample cell exactly as the canvas draws that kind of cell.
fn paint_sample(painter: &egui::Painter, rect: Rect, sample: &Sample<'_>, palette: &Palette) {
    let radius = CornerRadius::same(CELL_CORNER_RADIUS);
    let font = FontId::proportional((rect.height() * 0.62).round());
    let small = FontId::proportional((rect.height() * 0.42).round().max(9.0));
    let text = |text: &str, font: FontId, color: Color32| {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            text,
            font,
            color,
        );
    };
    match sample {
        Sample::Mask(guess) => {
            paint_mask(painter, rect, palette, 1.0);
            if let Some((guess, p)) = guess {
                let color = palette.guess_text(*p);
                let pad = rect.height() * 0.18;
                painter.text(
                    Pos2::new(rect.left() + pad, rect.center().y),
                    egui::Align2::LEFT_CENTER,
                    guess,
                    font,
                    color,
                );
                painter.text(
                    Pos2::new(rect.right() - pad, rect.center().y + 1.0),
                    egui::Align2::RIGHT_CENTER,
                    format!("{:.0}%", p * 100.0),
                    small,
                    color,
                );
            }
        }
        Sample::Written { fill, fresh } => {
            painter.rect_filled(rect, radius, *fill);
            text("the", font, text_color_on(*fill));
            if *fresh {
                paint_fresh_outline(painter, rect, palette, false);
            }
        }
        Sample::Special => {
            painter.rect_filled(rect, radius, palette.special_fill);
            paint_special_outline(painter, rect, palette);
            text("EOS", small, palette.special_text);
        }
        Sample::Pinned => {
            painter.rect_filled(rect, radius, palette.pinned_fill);
            text("Aa", font, palette.pinned_text);
        }
    }
}

/// A row of the legend: sample cells (with `→` between them) and a label.
fn sample_row(ui: &mut egui::Ui, samples: &[Sample<'_>], label: &str, palette: &Palette) {
    let h = (ui.text_style_height(&TextStyle::Body) * 1.3).round();
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        for (i, sample) in samples.iter().enumerate() {
            if i > 0 {
                // An arrow drawn, not typed: the legend needs no particular font.
                let (r, _) = ui.allocate_exact_size(Vec2::new(h * 0.6, h), Sense::hover());
                let color = ui.visuals().text_color();
                ui.painter().arrow(
                    Pos2::new(r.left(), r.center().y),
                    Vec2::new(r.width(), 0.0),
                    Stroke::new(1.5, color),
                );
            }
            let w = if matches!(sample, Sample::Mask(Some(_))) {
                h * 2.8
            } else {
                h * 1.9
            };
            // Room for the outline of a fresh cell, which the canvas draws outside the cell.
            let (outer, _) = ui.allocate_exact_size(Vec2::new(w + 4.0, h + 4.0), Sense::hover());
            paint_sample(ui.painter(), outer.shrink(2.0), sample, palette);
        }
        ui.add_space(4.0);
        ui.add(egui::Label::new(label).wrap());
    });
}

/// The colour legend for a mode: a gradient bar with end labels, then one sample cell per kind of
/// cell (mask, mask with the model's guess, a token written at this step, special token, pinned
/// text), each painted by the same code as the canvas, then the one-sentence explanation. Laid out
/// as a column, so it suits a side panel.
pub fn legend_ui(ui: &mut egui::Ui, mode: ColorMode, palette: &Palette) {
    let (title, low, high) = scale_labels(mode);
    ui.label(egui::RichText::new(title).strong());
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        let h = ui.text_style_height(&TextStyle::Body);
        let text_w = |ui: &egui::Ui, text: &str| {
            ui.painter()
                .layout_no_wrap(
                    text.to_string(),
                    TextStyle::Body.resolve(ui.style()),
                    Color32::PLACEHOLDER,
                )
                .size()
                .x
        };
        let bar_w = (ui.available_width() - text_w(ui, low) - text_w(ui, high) - 12.0)
            .clamp(h * 3.0, h * 10.0);
        ui.label(low);
        let (rect, _) = ui.allocate_exact_size(Vec2::new(bar_w, h * 0.8), Sense::hover());
        paint_gradient(ui.painter(), rect, mode, palette);
        ui.label(high);
    });
    ui.add_space(4.0);
    let settled = palette.scale_color(mode, 0.8);
    sample_row(ui, &[Sample::Mask(None)], "mask", palette);
    sample_row(
        ui,
        &[Sample::Mask(Some(("it", 0.41)))],
        "mask with the model's current guess",
        palette,
    );
    sample_row(
        ui,
        &[
            Sample::Written {
                fill: palette.flash,
                fresh: true,
            },
            Sample::Written {
                fill: settled,
                fresh: true,
            },
        ],
        "just written",
        palette,
    );
    sample_row(ui, &[Sample::Special], "special (EOS)", palette);
    sample_row(ui, &[Sample::Pinned], "prompt / pinned", palette);
    ui.add_space(4.0);
    ui.add(egui::Label::new(egui::RichText::new(explanation(mode, palette)).weak()).wrap());
}
