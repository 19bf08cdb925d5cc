//! The egui style both the app and the exports run with: presenter text sizes and spacing, and the
//! dark or light visuals.

use egui::{FontFamily, FontId, TextStyle, Vec2};

use super::palette::Palette;

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

/// Apply the theme of `palette` (dark or light), with presenter-friendly text sizes and spacing.
/// Both of egui's styles are set from [`Palette::DARK`] and [`Palette::LIGHT`]. Idempotent; call it
/// at start-up and when the user switches theme (it clones the style, so avoid calling it every
/// frame).
pub fn apply_theme(ctx: &egui::Context, palette: &Palette) {
    ctx.set_theme(if palette.dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.all_styles_mut(presenter_style);
    for (theme, palette) in [
        (egui::Theme::Dark, Palette::DARK),
        (egui::Theme::Light, Palette::LIGHT),
    ] {
        ctx.style_mut_of(theme, |style| {
            let v = &mut style.visuals;
            // egui's default label grey is too dim for a projector; brighten it but keep strong /
            // weak text distinct (no `override_text_color`).
            v.widgets.noninteractive.fg_stroke.color = palette.label_text;
            v.widgets.inactive.fg_stroke.color = palette.widget_text;
            v.selection.bg_fill = palette.selection_fill;
            v.hyperlink_color = palette.run_color(0);
        });
    }
}
