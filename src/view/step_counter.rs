//! The big "step N / M" counter: the playback bar's, and the one exported frames show.

use egui::RichText;

/// The counter text: `step N / M`, with `M` the planned total while a run is generating (or `…`
/// when the schedule does not know it).
pub fn step_counter_text(
    frame: usize,
    frame_count: usize,
    live: bool,
    planned: Option<u32>,
) -> String {
    let last = frame_count.saturating_sub(1);
    match (live, planned) {
        (true, Some(p)) => format!("step {frame} / {}", (p as usize).max(last)),
        (true, None) => format!("step {frame} / {last}…"),
        (false, _) => format!("step {frame} / {last}"),
    }
}

/// The big "step N / M" counter (the playback bar's, and the one exported animations show).
pub fn step_counter_ui(ui: &mut egui::Ui, text: String, size: f32) -> egui::Response {
    ui.add(egui::Label::new(RichText::new(text).size(size).strong().monospace()).selectable(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_text() {
        assert_eq!(step_counter_text(3, 11, false, Some(10)), "step 3 / 10");
        assert_eq!(step_counter_text(3, 5, true, Some(10)), "step 3 / 10");
        assert_eq!(step_counter_text(4, 5, true, None), "step 4 / 4…");
        assert_eq!(step_counter_text(0, 1, false, None), "step 0 / 0");
    }
}
