//! One run's column in a side-by-side comparison: its heading, its step line and its text size,
//! drawn the same in the app's compare mode and in multi-run exports.

use egui::{Color32, RichText};

/// The canvas text size in a comparison of `runs` columns, from the single-run `text_size`.
pub fn column_text_size(text_size: f32, runs: usize) -> f32 {
    (text_size * if runs > 2 { 0.72 } else { 0.85 }).max(11.0)
}

/// The run's letter in its colour, then its decoding described in words.
pub fn column_heading_ui(ui: &mut egui::Ui, label: &str, description: &str, color: Color32) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(label).strong().size(22.0).color(color));
        ui.label(RichText::new(description).strong());
    });
}

/// `step 3 / 12`: the frame this column shows out of its own run's steps.
pub fn column_step_ui(ui: &mut egui::Ui, frame: usize, frame_count: usize) {
    ui.label(
        RichText::new(format!("step {frame} / {}", frame_count.saturating_sub(1)))
            .monospace()
            .size(18.0),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_shrink_the_text_but_keep_it_readable() {
        assert_eq!(column_text_size(20.0, 2), 17.0);
        assert!(column_text_size(20.0, 3) < column_text_size(20.0, 2));
        assert_eq!(column_text_size(8.0, 4), 11.0);
    }
}
