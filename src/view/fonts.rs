//! Fonts: egui's defaults plus a CJK font (a system one when present, else the bundled subset),
//! and Hack as a fallback for the arrows and blocks the app draws (▶ ◀ ↵ ▒…).

use std::path::PathBuf;
use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

/// System CJK fonts tried in order (Linux, macOS, Windows).
pub const SYSTEM_CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simsun.ttc",
];

/// The bundled fallback: 3,755 common hanzi, CJK punctuation, kana (see `assets/fonts/README.md`).
pub static BUNDLED_CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei-subset.ttf");

/// Name under which the CJK font is registered in egui.
pub const CJK_FONT_NAME: &str = "unmask-cjk";

/// Where the CJK glyphs come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CjkFont {
    /// A font file found on this system.
    System(PathBuf),
    /// The subset shipped inside the binary.
    Bundled,
}

impl std::fmt::Display for CjkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CjkFont::System(p) => write!(f, "system font {}", p.display()),
            CjkFont::Bundled => write!(f, "bundled WenQuanYi Micro Hei subset"),
        }
    }
}

/// Whether `bytes` start like a TrueType/OpenType font or collection (so a truncated or wrong
/// file is skipped instead of failing inside the font parser).
fn looks_like_font(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..4),
        Some([0, 1, 0, 0]) | Some(b"OTTO") | Some(b"ttcf") | Some(b"true")
    ) && bytes.len() > 1024
}

/// The first readable font among `candidates`.
fn find_system_font(candidates: &[PathBuf]) -> Option<(PathBuf, Vec<u8>)> {
    candidates.iter().find_map(|path| {
        let bytes = std::fs::read(path).ok()?;
        looks_like_font(&bytes).then(|| (path.clone(), bytes))
    })
}

/// egui's default fonts, Hack after the proportional font (for symbols Ubuntu lacks), and a CJK
/// font after both families: the first usable file among `candidates`, else the bundled subset.
pub fn font_definitions(candidates: &[PathBuf]) -> (FontDefinitions, CjkFont) {
    let mut fonts = FontDefinitions::default();
    let (data, source) = match find_system_font(candidates) {
        Some((path, bytes)) => (FontData::from_owned(bytes), CjkFont::System(path)),
        None => (FontData::from_static(BUNDLED_CJK_FONT), CjkFont::Bundled),
    };
    fonts
        .font_data
        .insert(CJK_FONT_NAME.to_owned(), Arc::new(data));
    let has_hack = fonts.font_data.contains_key("Hack");
    if let Some(prop) = fonts.families.get_mut(&FontFamily::Proportional) {
        // Keep the primary font first; symbols and CJK come after it.
        let at = prop.len().min(1);
        if has_hack {
            prop.insert(at, "Hack".to_owned());
        }
        prop.insert(at + usize::from(has_hack), CJK_FONT_NAME.to_owned());
    }
    if let Some(mono) = fonts.families.get_mut(&FontFamily::Monospace) {
        let at = mono.len().min(2);
        mono.insert(at, CJK_FONT_NAME.to_owned());
    }
    (fonts, source)
}

/// The system candidates as paths.
pub fn system_candidates() -> Vec<PathBuf> {
    SYSTEM_CJK_FONTS.iter().map(PathBuf::from).collect()
}

/// Install the app's fonts into `ctx`; `candidates` = system CJK font files to try (pass
/// [`system_candidates`]). Returns where the CJK glyphs come from.
pub fn install_fonts(ctx: &egui::Context, candidates: &[PathBuf]) -> CjkFont {
    let (fonts, source) = font_definitions(candidates);
    ctx.set_fonts(fonts);
    source
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_glyphs(ctx: &egui::Context, text: &str) -> bool {
        let mut out = ctx.run_ui(egui::RawInput::default(), |_| {});
        out.textures_delta.clear();
        ctx.fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), text))
    }

    #[test]
    fn bundled_font_is_used_when_no_system_font_exists() {
        let missing = vec![PathBuf::from("/nonexistent/cjk.ttc")];
        let (defs, source) = font_definitions(&missing);
        assert_eq!(source, CjkFont::Bundled);
        let prop = &defs.families[&FontFamily::Proportional];
        assert_eq!(prop.first().map(String::as_str), Some("Ubuntu-Light"));
        assert!(prop.iter().any(|n| n == CJK_FONT_NAME));
        let ctx = egui::Context::default();
        install_fonts(&ctx, &missing);
        assert!(
            has_glyphs(&ctx, "中文的回答是四十二"),
            "bundled subset lacks common hanzi"
        );
        assert!(
            has_glyphs(&ctx, "。，「」"),
            "bundled subset lacks CJK punctuation"
        );
        assert!(has_glyphs(&ctx, "▶◀↵▒‖"), "Hack fallback symbols missing");
    }

    #[test]
    fn a_file_that_is_not_a_font_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.ttc");
        std::fs::write(&bad, b"this is not a font").unwrap();
        let (_, source) = font_definitions(&[bad]);
        assert_eq!(source, CjkFont::Bundled);
    }

    #[test]
    fn a_readable_font_file_is_preferred() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("cjk.ttf");
        std::fs::write(&good, BUNDLED_CJK_FONT).unwrap();
        let (defs, source) = font_definitions(&[PathBuf::from("/nonexistent"), good.clone()]);
        assert_eq!(source, CjkFont::System(good));
        assert!(defs.font_data.contains_key(CJK_FONT_NAME));
    }
}
