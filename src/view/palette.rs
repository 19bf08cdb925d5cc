//! Colours and the two colour scales (confidence, decode order) of the dark and light themes.
//!
//! Every colour a panel or an export paints comes from a [`Palette`] ([`Palette::DARK`] or
//! [`Palette::LIGHT`]), so that dark, light and projector use stay readable and the legend always
//! matches the canvas:
//! - committed cells: [`Palette::confidence_color`] (a viridis-like ramp, purple → green → yellow)
//!   or, in the decode-order view, [`Palette::step_color`] (a plasma-like ramp, blue → magenta →
//!   orange). Both are perceptually ordered and readable with the common colour-vision
//!   deficiencies; each is cut short at the end that would vanish into the background (dark purple
//!   on dark, yellow on light);
//! - masks, fresh-commit flash, special tokens, prompt / pinned text: the palette's `*_fill` /
//!   `*_text` fields; text drawn on any fill should use [`text_color_on`];
//! - compare runs: [`Palette::run_color`].

use egui::{Color32, Stroke};

/// How committed cells are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ColorMode {
    /// By the model's confidence when the token was committed.
    Confidence,
    /// By the confidence on a log scale: the nines of `p` (−log10(1 − p)), so 0.9, 0.99, 0.999
    /// and 0.9999 are evenly spaced (a well-trained model is ~100 % sure of most cells, which the
    /// linear scale paints one colour).
    ConfidenceLog,
    /// By the step at which the token was committed (decode order).
    DecodeOrder,
}

impl ColorMode {
    /// Every mode, in menu order.
    pub const ALL: [ColorMode; 3] = [
        ColorMode::Confidence,
        ColorMode::ConfidenceLog,
        ColorMode::DecodeOrder,
    ];

    /// Its name in menus.
    pub fn menu_label(self) -> &'static str {
        match self {
            ColorMode::Confidence => "Confidence",
            ColorMode::ConfidenceLog => "Confidence, log scale (90 % … 99.99 %)",
            ColorMode::DecodeOrder => "Decode order (step)",
        }
    }

    /// Its name on the command line and in exported pages.
    pub fn key(self) -> &'static str {
        match self {
            ColorMode::Confidence => "confidence",
            ColorMode::ConfidenceLog => "log",
            ColorMode::DecodeOrder => "order",
        }
    }

    /// The mode named `key` (see [`ColorMode::key`]).
    pub fn from_key(key: &str) -> Option<ColorMode> {
        ColorMode::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Whether it colours by confidence (either scale).
    pub fn by_confidence(self) -> bool {
        self != ColorMode::DecodeOrder
    }
}

/// Nines the log scale spans: 0 at p = 0, 1 at p ≥ 0.9999.
pub const LOG_SCALE_NINES: f32 = 4.0;

/// Where confidence `p` sits on the log scale (0..=1): the nines of `p`, −log10(1 − p), over
/// [`LOG_SCALE_NINES`]. 0.9 → 0.25, 0.99 → 0.5, 0.999 → 0.75, 0.9999 and above → 1. NaN counts
/// as 0.
pub fn nines_fraction(p: f32) -> f32 {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let nines = -(1.0 - p).max(1e-9).log10();
    (nines / LOG_SCALE_NINES).clamp(0.0, 1.0)
}

/// Viridis sampled at 0, 0.1, …, 1 (sRGB): the confidence ramp.
const VIRIDIS: [[u8; 3]; 11] = [
    [0x44, 0x01, 0x54],
    [0x48, 0x24, 0x75],
    [0x41, 0x44, 0x87],
    [0x35, 0x5F, 0x8D],
    [0x2A, 0x78, 0x8E],
    [0x21, 0x91, 0x8C],
    [0x22, 0xA8, 0x84],
    [0x44, 0xBF, 0x70],
    [0x7A, 0xD1, 0x51],
    [0xBD, 0xDF, 0x26],
    [0xFD, 0xE7, 0x25],
];

/// Plasma sampled at 0, 0.1, …, 1 (sRGB): the decode-order ramp.
const PLASMA: [[u8; 3]; 11] = [
    [0x0D, 0x08, 0x87],
    [0x41, 0x04, 0x9D],
    [0x6A, 0x00, 0xA8],
    [0x8F, 0x0D, 0xA4],
    [0xB1, 0x2A, 0x90],
    [0xCC, 0x47, 0x78],
    [0xE1, 0x64, 0x62],
    [0xF2, 0x84, 0x4B],
    [0xFC, 0xA6, 0x36],
    [0xFC, 0xCE, 0x25],
    [0xF0, 0xF9, 0x21],
];

/// Fraction of a commit's dissolve spent turning from mask to the flash colour (the rest settles
/// from the flash to the final colour); see [`Palette::fresh_commit_fill`].
pub const FLASH_RISE_FRACTION: f32 = 0.3;

/// Width of the outline that marks a special-token cell, points.
pub const SPECIAL_STROKE_WIDTH: f32 = 1.5;

/// Width of the outline of a cell committed at the current step, points.
pub const FLASH_STROKE_WIDTH: f32 = 2.0;

/// The colours of one theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    /// The dark theme (egui's dark visuals go with it).
    pub dark: bool,
    /// The part of the viridis ramp used for confidence 0..=1 (cut where it would vanish into the
    /// background).
    pub confidence_range: (f32, f32),
    /// The part of the plasma ramp used for early..=late steps; it stops at orange so that "late"
    /// never looks like "sure" (yellow) of the confidence scale.
    pub step_range: (f32, f32),
    /// Fill of a still-masked cell.
    pub mask_fill: Color32,
    /// Colour of the mask glyph drawn in a masked cell.
    pub mask_text: Color32,
    /// The bright colour a cell flashes to when it is committed at the current step.
    pub flash: Color32,
    /// Outline colour of a cell committed at the current step (see [`Palette::flash_stroke`]).
    pub flash_outline: Color32,
    /// Fill of a special-token cell (EOS / EOT / padding): muted, always paired with its dashed
    /// outline so that it is never mistaken for a mask or left invisible.
    pub special_fill: Color32,
    /// Outline colour of a special-token cell (see [`Palette::special_stroke`]).
    pub special_outline: Color32,
    /// Text of a special-token cell (e.g. `<eos>`).
    pub special_text: Color32,
    /// Text of prompt cells (drawn without a fill, like ordinary text).
    pub prompt_text: Color32,
    /// Fill of pinned template text in the response (e.g. `Answer:`): a quiet slate tint.
    pub pinned_fill: Color32,
    /// Text of pinned template cells.
    pub pinned_text: Color32,
    /// The strongest ordinary text colour of the theme.
    pub text_strong: Color32,
    /// Okabe–Ito colours (safe with colour-vision deficiencies), in the order compare runs get
    /// them.
    pub run_colors: [Color32; 6],
    /// egui's label text (brighter than its default, for a projector).
    pub label_text: Color32,
    /// egui's text on buttons and other inactive widgets.
    pub widget_text: Color32,
    /// egui's selection background.
    pub selection_fill: Color32,
    /// Fill of an error banner.
    pub error_fill: Color32,
    /// Text of an error banner.
    pub error_text: Color32,
}

impl Palette {
    /// The dark theme.
    pub const DARK: Palette = Palette {
        dark: true,
        confidence_range: (0.18, 1.0),
        step_range: (0.2, 0.8),
        mask_fill: Color32::from_rgb(0x30, 0x31, 0x3A),
        mask_text: Color32::from_rgb(0x8E, 0x90, 0x9E),
        flash: Color32::from_rgb(0xFF, 0xFF, 0xFF),
        flash_outline: Color32::from_rgb(0xFF, 0xE0, 0x70),
        special_fill: Color32::from_rgb(0x5C, 0x2A, 0x4C),
        special_outline: Color32::from_rgb(0xE0, 0x8C, 0xBC),
        special_text: Color32::from_rgb(0xF4, 0xC8, 0xE0),
        prompt_text: Color32::from_rgb(0xC8, 0xC8, 0xCC),
        pinned_fill: Color32::from_rgb(0x1E, 0x3A, 0x50),
        pinned_text: Color32::from_rgb(0xBF, 0xD6, 0xE6),
        text_strong: Color32::from_rgb(0xF2, 0xF2, 0xF2),
        run_colors: [
            Color32::from_rgb(0x56, 0xB4, 0xE9), // sky blue
            Color32::from_rgb(0xE6, 0x9F, 0x00), // orange
            Color32::from_rgb(0x00, 0x9E, 0x73), // bluish green
            Color32::from_rgb(0xCC, 0x79, 0xA7), // reddish purple
            Color32::from_rgb(0xF0, 0xE4, 0x42), // yellow
            Color32::from_rgb(0xD5, 0x5E, 0x00), // vermilion
        ],
        label_text: Color32::from_rgb(0xD0, 0xD0, 0xD6),
        widget_text: Color32::from_rgb(0xE6, 0xE6, 0xEA),
        selection_fill: Color32::from_rgb(0x1F, 0x5F, 0x99),
        error_fill: Color32::from_rgb(110, 28, 28),
        error_text: Color32::WHITE,
    };

    /// The light theme.
    pub const LIGHT: Palette = Palette {
        dark: false,
        confidence_range: (0.0, 0.85),
        step_range: (0.0, 0.74),
        mask_fill: Color32::from_rgb(0xD8, 0xD8, 0xDC),
        mask_text: Color32::from_rgb(0x6A, 0x6C, 0x78),
        flash: Color32::from_rgb(0xFF, 0xB0, 0x00),
        flash_outline: Color32::from_rgb(0xC0, 0x50, 0x00),
        special_fill: Color32::from_rgb(0xF5, 0xDD, 0xEA),
        special_outline: Color32::from_rgb(0xA8, 0x3A, 0x7C),
        special_text: Color32::from_rgb(0x72, 0x1F, 0x52),
        prompt_text: Color32::from_rgb(0x30, 0x30, 0x36),
        pinned_fill: Color32::from_rgb(0xCC, 0xE4, 0xF7),
        pinned_text: Color32::from_rgb(0x24, 0x46, 0x5C),
        text_strong: Color32::from_rgb(0x10, 0x10, 0x14),
        run_colors: [
            Color32::from_rgb(0x00, 0x72, 0xB2), // blue
            Color32::from_rgb(0xD5, 0x5E, 0x00), // vermilion
            Color32::from_rgb(0x00, 0x9E, 0x73), // bluish green
            Color32::from_rgb(0xCC, 0x79, 0xA7), // reddish purple
            Color32::from_rgb(0xB8, 0x86, 0x00), // dark yellow
            Color32::from_rgb(0x56, 0xB4, 0xE9), // sky blue
        ],
        label_text: Color32::from_rgb(0x26, 0x26, 0x2C),
        widget_text: Color32::from_rgb(0x1A, 0x1A, 0x20),
        selection_fill: Color32::from_rgb(0x9C, 0xC8, 0xF0),
        error_fill: Color32::from_rgb(255, 218, 214),
        error_text: Color32::from_rgb(90, 0, 0),
    };

    /// [`Palette::DARK`] or [`Palette::LIGHT`].
    pub const fn of(dark: bool) -> Palette {
        if dark { Palette::DARK } else { Palette::LIGHT }
    }

    /// Colour of a committed cell with confidence `conf` in 0..=1 (clamped; NaN counts as 0).
    /// Meant as the cell's fill: draw its text with [`text_color_on`].
    pub fn confidence_color(&self, conf: f32) -> Color32 {
        sample(&VIRIDIS, in_range(self.confidence_range, conf))
    }

    /// Colour of a cell committed at `step` of `total` steps (decode-order view; steps are
    /// 1-based). Meant as the cell's fill: draw its text with [`text_color_on`].
    pub fn step_color(&self, step: u32, total: u32) -> Color32 {
        self.step_fraction_color(step_fraction(step, total))
    }

    /// The decode-order scale at fraction `t` (0 = first step, 1 = last).
    pub fn step_fraction_color(&self, t: f32) -> Color32 {
        sample(&PLASMA, in_range(self.step_range, t))
    }

    /// Colour of a cell committed with confidence `conf` in a confidence mode (`mode` picks the
    /// linear or the log scale; the decode-order mode gets the linear one).
    pub fn confidence_fill(&self, mode: ColorMode, conf: f32) -> Color32 {
        match mode {
            ColorMode::ConfidenceLog => self.confidence_color(nines_fraction(conf)),
            ColorMode::Confidence | ColorMode::DecodeOrder => self.confidence_color(conf),
        }
    }

    /// The scale of `mode` at `t` in 0..=1 (what the legend's gradient bar shows).
    pub fn scale_color(&self, mode: ColorMode, t: f32) -> Color32 {
        match mode {
            ColorMode::Confidence | ColorMode::ConfidenceLog => self.confidence_color(t),
            ColorMode::DecodeOrder => self.step_fraction_color(t),
        }
    }

    /// The names of the confidence scale's ends as this theme draws them.
    pub fn confidence_ends(&self) -> (&'static str, &'static str) {
        if self.dark {
            ("blue-purple", "green-yellow")
        } else {
            ("purple", "green")
        }
    }

    /// Colour of the model's current top guess shown faded in a masked cell, by its probability
    /// (`prob` 0 = almost invisible, 1 = as strong as the mask glyph).
    pub fn guess_text(&self, prob: f32) -> Color32 {
        let p = if prob.is_finite() {
            prob.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Never below ~35% so that a guess stays legible on a projector.
        let strength = 0.35 + 0.65 * p;
        mix(self.mask_fill, self.text_strong, strength)
    }

    /// Outline of a cell committed at the current step (drawn while it flashes).
    pub fn flash_stroke(&self) -> Stroke {
        Stroke::new(FLASH_STROKE_WIDTH, self.flash_outline)
    }

    /// Outline of a special-token cell.
    pub fn special_stroke(&self) -> Stroke {
        Stroke::new(SPECIAL_STROKE_WIDTH, self.special_outline)
    }

    /// Fill of a cell committed at the current step, `transition` in 0..=1 through its dissolve:
    /// mask → flash during the first [`FLASH_RISE_FRACTION`], then flash → `settled` (its colour on
    /// the active scale).
    pub fn fresh_commit_fill(&self, settled: Color32, transition: f32) -> Color32 {
        let t = if transition.is_finite() {
            transition.clamp(0.0, 1.0)
        } else {
            1.0
        };
        if t < FLASH_RISE_FRACTION {
            mix(self.mask_fill, self.flash, t / FLASH_RISE_FRACTION)
        } else {
            mix(
                self.flash,
                settled,
                (t - FLASH_RISE_FRACTION) / (1.0 - FLASH_RISE_FRACTION),
            )
        }
    }

    /// Line colour of compare run number `index` (cycles after six).
    pub fn run_color(&self, index: usize) -> Color32 {
        self.run_colors[index % self.run_colors.len()]
    }
}

/// Sample a colour table at `t` in 0..=1 (linear between neighbouring samples).
fn sample(table: &[[u8; 3]; 11], t: f32) -> Color32 {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * 10.0;
    let i = (x.floor() as usize).min(9);
    let f = x - i as f32;
    let a = table[i];
    let b = table[i + 1];
    let ch = |k: usize| (f32::from(a[k]) + (f32::from(b[k]) - f32::from(a[k])) * f).round() as u8;
    Color32::from_rgb(ch(0), ch(1), ch(2))
}

fn in_range((lo, hi): (f32, f32), t: f32) -> f32 {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    lo + (hi - lo) * t
}

/// Position of `step` on the decode-order scale, 0 (first step) ..= 1 (last of `total` steps).
/// Step 0 (present from the start) and a `total` of 0 or 1 give 0.
pub fn step_fraction(step: u32, total: u32) -> f32 {
    if total <= 1 || step == 0 {
        return 0.0;
    }
    ((step.min(total) - 1) as f32 / (total - 1) as f32).clamp(0.0, 1.0)
}

/// Relative luminance (WCAG) of a colour, 0 (black) ..= 1 (white); alpha is ignored.
pub fn luminance(c: Color32) -> f32 {
    let lin = |v: u8| {
        let s = f32::from(v) / 255.0;
        if s <= 0.040_45 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
}

/// WCAG contrast ratio of two colours (1 = none, 21 = black on white).
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Near-black or near-white, whichever reads better on `fill`.
pub fn text_color_on(fill: Color32) -> Color32 {
    // Pure black and white: with anything softer a mid-luminance fill drops below 4.5:1.
    let dark_text = Color32::BLACK;
    let light_text = Color32::WHITE;
    if contrast_ratio(fill, dark_text) >= contrast_ratio(fill, light_text) {
        dark_text
    } else {
        light_text
    }
}

/// Linear blend from `a` (t = 0) to `b` (t = 1), alpha included; `t` is clamped. Used for the
/// mask → token dissolve.
pub fn mix(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let ch = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgba_premultiplied(
        ch(a.r(), b.r()),
        ch(a.g(), b.g()),
        ch(a.b(), b.b()),
        ch(a.a(), b.a()),
    )
}

/// The "what am I looking at" explanation of a colour mode, naming the colours `palette` draws.
pub fn explanation(mode: ColorMode, palette: &Palette) -> String {
    let (unsure, sure) = palette.confidence_ends();
    match mode {
        ColorMode::Confidence => format!(
            "Each grey box is a masked token still to be written; every written token is coloured by how sure the model was when it chose it ({unsure} = unsure, {sure} = sure)."
        ),
        ColorMode::ConfidenceLog => format!(
            "Each grey box is a masked token still to be written; every written token is coloured by how sure the model was on a log scale, so 90 %, 99 %, 99.9 % and 99.99 % sure each get their own colour ({unsure} = unsure, {sure} = 99.99 % or more). Use it when nearly every token looks equally sure on the linear scale."
        ),
        ColorMode::DecodeOrder => "Each token is coloured by the step at which the model wrote it (purple-blue = early, orange = late), so you can see which part of the answer it settled first.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DARK_BG: Color32 = Color32::from_rgb(0x1B, 0x1B, 0x1B);
    const LIGHT_BG: Color32 = Color32::from_rgb(0xF8, 0xF8, 0xF8);

    fn dist(a: Color32, b: Color32) -> i32 {
        (i32::from(a.r()) - i32::from(b.r())).abs()
            + (i32::from(a.g()) - i32::from(b.g())).abs()
            + (i32::from(a.b()) - i32::from(b.b())).abs()
    }

    #[test]
    fn confidence_scale_gets_brighter_monotonically() {
        for p in [Palette::DARK, Palette::LIGHT] {
            let mut last = -1.0;
            for i in 0..=100 {
                let l = luminance(p.confidence_color(i as f32 / 100.0));
                assert!(
                    l > last,
                    "luminance must rise with confidence (dark={}, i={i})",
                    p.dark
                );
                last = l;
            }
        }
    }

    #[test]
    fn decode_order_scale_gets_brighter_monotonically() {
        for p in [Palette::DARK, Palette::LIGHT] {
            let mut last = -1.0;
            for step in 1..=64 {
                let l = luminance(p.step_color(step, 64));
                assert!(
                    l > last,
                    "luminance must rise with the step (dark={}, step={step})",
                    p.dark
                );
                last = l;
            }
        }
    }

    #[test]
    fn scales_are_clearly_different() {
        for p in [Palette::DARK, Palette::LIGHT] {
            for i in 0..=10 {
                let t = i as f32 / 10.0;
                let c = p.confidence_color(t);
                let s = p.step_fraction_color(t);
                assert!(
                    dist(c, s) > 80,
                    "confidence and order scales too close at t={t}: {c:?} {s:?}"
                );
            }
            // The high ends differ most visibly: yellow vs orange.
            assert!(dist(p.confidence_color(1.0), p.step_fraction_color(1.0)) > 60);
        }
    }

    #[test]
    fn scale_ends_stand_out_from_the_background() {
        for (p, bg) in [(Palette::DARK, DARK_BG), (Palette::LIGHT, LIGHT_BG)] {
            for t in [0.0, 1.0] {
                for c in [p.confidence_color(t), p.step_fraction_color(t)] {
                    assert!(
                        contrast_ratio(c, bg) > 1.5,
                        "{c:?} vanishes into the background (dark={})",
                        p.dark
                    );
                }
            }
        }
    }

    #[test]
    fn text_on_any_scale_colour_is_readable() {
        for p in [Palette::DARK, Palette::LIGHT] {
            for i in 0..=20 {
                let t = i as f32 / 20.0;
                for fill in [p.confidence_color(t), p.step_fraction_color(t)] {
                    assert!(contrast_ratio(fill, text_color_on(fill)) >= 4.5, "{fill:?}");
                }
            }
            for fill in [p.mask_fill, p.special_fill, p.pinned_fill, p.flash] {
                assert!(contrast_ratio(fill, text_color_on(fill)) >= 4.5, "{fill:?}");
            }
            assert!(contrast_ratio(p.mask_fill, p.mask_text) >= 3.0);
            assert!(contrast_ratio(p.special_fill, p.special_text) >= 4.5);
            assert!(contrast_ratio(p.pinned_fill, p.pinned_text) >= 4.5);
            assert!(contrast_ratio(p.error_fill, p.error_text) >= 7.0);
        }
    }

    #[test]
    fn out_of_range_inputs_are_clamped() {
        assert_eq!(
            Palette::DARK.confidence_color(-3.0),
            Palette::DARK.confidence_color(0.0)
        );
        assert_eq!(
            Palette::LIGHT.confidence_color(7.0),
            Palette::LIGHT.confidence_color(1.0)
        );
        assert_eq!(
            Palette::DARK.confidence_color(f32::NAN),
            Palette::DARK.confidence_color(0.0)
        );
        assert_eq!(
            Palette::DARK.step_color(99, 10),
            Palette::DARK.step_color(10, 10)
        );
        assert_eq!(
            Palette::DARK.step_color(0, 10),
            Palette::DARK.step_color(1, 10)
        );
        assert_eq!(step_fraction(5, 0), 0.0);
        assert_eq!(step_fraction(1, 1), 0.0);
        assert_eq!(step_fraction(10, 10), 1.0);
    }

    #[test]
    fn mix_hits_both_ends_and_the_middle() {
        let a = Color32::from_rgb(0, 100, 200);
        let b = Color32::from_rgb(200, 100, 0);
        assert_eq!(mix(a, b, 0.0), a);
        assert_eq!(mix(a, b, 1.0), b);
        assert_eq!(mix(a, b, 0.5), Color32::from_rgb(100, 100, 100));
        assert_eq!(mix(a, b, 2.0), b);
    }

    #[test]
    fn fresh_commit_goes_mask_flash_final() {
        for p in [Palette::DARK, Palette::LIGHT] {
            let settled = p.confidence_color(0.5);
            assert_eq!(p.fresh_commit_fill(settled, 0.0), p.mask_fill);
            assert_eq!(p.fresh_commit_fill(settled, FLASH_RISE_FRACTION), p.flash);
            assert_eq!(p.fresh_commit_fill(settled, 1.0), settled);
        }
    }

    #[test]
    fn special_mask_and_flash_are_distinct_from_each_other() {
        for p in [Palette::DARK, Palette::LIGHT] {
            let cs = [p.mask_fill, p.special_fill, p.pinned_fill, p.flash];
            for (i, a) in cs.iter().enumerate() {
                for b in &cs[i + 1..] {
                    assert!(dist(*a, *b) > 40, "{a:?} vs {b:?}");
                }
            }
        }
    }

    #[test]
    fn guesses_fade_with_probability() {
        for p in [Palette::DARK, Palette::LIGHT] {
            let weak = contrast_ratio(p.guess_text(0.05), p.mask_fill);
            let strong = contrast_ratio(p.guess_text(0.95), p.mask_fill);
            assert!(strong > weak);
            assert!(weak > 1.2, "an unlikely guess must stay visible");
        }
    }

    #[test]
    fn run_colors_are_distinct() {
        for p in [Palette::DARK, Palette::LIGHT] {
            for i in 0..6 {
                for j in i + 1..6 {
                    assert_ne!(p.run_color(i), p.run_color(j));
                }
            }
            assert_eq!(p.run_color(6), p.run_color(0));
        }
    }

    #[test]
    fn the_log_scale_spaces_the_nines_evenly_and_keeps_the_linear_scales_ends() {
        assert_eq!(nines_fraction(0.0), 0.0);
        for (p, want) in [(0.9, 0.25), (0.99, 0.5), (0.999, 0.75), (0.9999, 1.0)] {
            assert!(
                (nines_fraction(p) - want).abs() < 0.01,
                "{p}: {}",
                nines_fraction(p)
            );
        }
        assert_eq!(nines_fraction(1.0), 1.0);
        assert_eq!(nines_fraction(f32::NAN), 0.0);
        for p in [Palette::DARK, Palette::LIGHT] {
            // 0.99 and 0.9999 look alike on the linear scale and clearly differ on the log one.
            let linear = dist(
                p.confidence_fill(ColorMode::Confidence, 0.99),
                p.confidence_fill(ColorMode::Confidence, 0.9999),
            );
            let log = dist(
                p.confidence_fill(ColorMode::ConfidenceLog, 0.99),
                p.confidence_fill(ColorMode::ConfidenceLog, 0.9999),
            );
            assert!(linear < 10, "{linear}");
            assert!(log > 100, "{log}");
        }
    }

    #[test]
    fn each_explanation_names_the_colours_its_theme_draws() {
        let light = explanation(ColorMode::Confidence, &Palette::LIGHT);
        assert!(
            light.contains("green = sure") && !light.contains("yellow"),
            "{light}"
        );
        let dark = explanation(ColorMode::Confidence, &Palette::DARK);
        assert!(dark.contains("green-yellow = sure"), "{dark}");
        for mode in ColorMode::ALL {
            assert_eq!(ColorMode::from_key(mode.key()), Some(mode));
        }
    }
}
