//! Cell painters shared by the canvas and the legend: the mask tile and its hatching, the dashed
//! outline of a special token and the outline of a cell written at the shown step.

use egui::{CornerRadius, Pos2, Rect, Shape, Stroke, StrokeKind};

use super::palette::{Palette, mix};

/// Corner radius of a canvas cell, points.
pub const CELL_CORNER_RADIUS: u8 = 4;

/// A mask tile with `alpha` opacity: the mask fill with diagonal hatching.
pub fn paint_mask(painter: &egui::Painter, rect: Rect, palette: &Palette, alpha: f32) {
    if alpha <= 0.0 {
        return;
    }
    let fill = palette.mask_fill.gamma_multiply(alpha);
    painter.rect_filled(rect, CornerRadius::same(CELL_CORNER_RADIUS), fill);
    paint_hatching(painter, rect, palette, alpha);
}

/// The mask's diagonal hatching with `alpha` opacity, clipped to `rect` (a committing cell fades
/// it out while it turns into its token).
pub fn paint_hatching(painter: &egui::Painter, rect: Rect, palette: &Palette, alpha: f32) {
    if alpha <= 0.0 {
        return;
    }
    let line = mix(palette.mask_fill, palette.mask_text, 0.3).gamma_multiply(alpha);
    let clipped = painter.with_clip_rect(rect.shrink(1.0).intersect(painter.clip_rect()));
    let step = (rect.height() / 3.0).max(4.0);
    let mut x = rect.min.x - rect.height();
    while x < rect.max.x {
        clipped.line_segment(
            [
                Pos2::new(x, rect.max.y),
                Pos2::new(x + rect.height(), rect.min.y),
            ],
            Stroke::new(1.5, line),
        );
        x += step;
    }
}

/// The dashed outline that marks a special token (drawn over the special fill or any fill).
pub fn paint_special_outline(painter: &egui::Painter, rect: Rect, palette: &Palette) {
    let r = rect.shrink(1.0);
    let corners = [
        r.left_top(),
        r.right_top(),
        r.right_bottom(),
        r.left_bottom(),
        r.left_top(),
    ];
    painter.extend(Shape::dashed_line(
        &corners,
        palette.special_stroke(),
        4.0,
        3.0,
    ));
}

/// The outline of a cell written at the shown step: thicker while it is still dissolving.
pub fn paint_fresh_outline(
    painter: &egui::Painter,
    rect: Rect,
    palette: &Palette,
    dissolving: bool,
) {
    let stroke = palette.flash_stroke();
    let width = if dissolving {
        stroke.width * 1.5
    } else {
        stroke.width
    };
    painter.rect_stroke(
        rect,
        CornerRadius::same(CELL_CORNER_RADIUS),
        Stroke::new(width, stroke.color),
        StrokeKind::Outside,
    );
}
