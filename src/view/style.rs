//! The egui style both the app and the exports run with: presenter text sizes and spacing, and the
//! dark or light visuals.

use egui::{Color32, FontFamily, FontId, TextStyle, Vec2};

use super::palette::{RUN_COLORS_DARK, RUN_COLORS_LIGHT};

/// Font sizes for a presenter: readable from the back of a room at zoom 1.
const TEXT_SIZES: [(TextStyle, f32, bool); 5] = [
    (TextStyle::Small, 13.0, false),
    (TextStyle::Body, 17.0, false),
    (TextStyle::Button, 17.0, false),
    (TextStyle::Heading, 24.0, false),
    (TextStyle::Monospace, 16.0, true),
];

/// Style settings shared by both themes.
fn presenter_style(style: &mut egui::Style) {
    for (text_style, size, mono) in TEXT_SIZES {
        let family = if mono {
            FontFamily::Monospace
        } else {
            FontFamily::Proportional
        };
        style
            .text_styles
            .insert(text_style, FontId::new(size, family));
    }
    style.spacing.item_spacing = Vec2::new(8.0, 6.0);
    style.spacing.button_padding = Vec2::new(8.0, 4.0);
    style.spacing.interact_size.y = 24.0;
    style.spacing.slider_width = 140.0;
}

/// Apply the dark or light theme, with presenter-friendly text sizes and spacing. Idempotent;
/// call it at start-up and when the user switches theme (it clones the style, so avoid calling
/// it every frame).
pub fn apply_theme(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.all_styles_mut(presenter_style);
    ctx.style_mut_of(egui::Theme::Dark, |style| {
        let v = &mut style.visuals;
        // egui's default label grey is too dim for a projector; brighten it but keep strong /
        // weak text distinct (no `override_text_color`).
        v.widgets.noninteractive.fg_stroke.color = Color32::from_rgb(0xD0, 0xD0, 0xD6);
        v.widgets.inactive.fg_stroke.color = Color32::from_rgb(0xE6, 0xE6, 0xEA);
        v.selection.bg_fill = Color32::from_rgb(0x1F, 0x5F, 0x99);
        v.hyperlink_color = RUN_COLORS_DARK[0];
    });
    ctx.style_mut_of(egui::Theme::Light, |style| {
        let v = &mut style.visuals;
        v.widgets.noninteractive.fg_stroke.color = Color32::from_rgb(0x26, 0x26, 0x2C);
        v.widgets.inactive.fg_stroke.color = Color32::from_rgb(0x1A, 0x1A, 0x20);
        v.selection.bg_fill = Color32::from_rgb(0x9C, 0xC8, 0xF0);
        v.hyperlink_color = RUN_COLORS_LIGHT[0];
    });
}
