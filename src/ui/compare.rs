//! Compare mode: several configurations on the same prompt, run one after another on the worker and
//! played side by side on one synced timeline (by step, or by normalised progress).

use egui::RichText;

use crate::generate::GenerateRequest;
use crate::lessons::Lesson;
use crate::playback::Playback;
use crate::trace::{RunOutcome, Trace};
use crate::view::canvas::{self, CanvasOptions};
use crate::view::run_column::{column_heading_ui, column_step_ui, column_text_size};
use crate::view::run_summary::{
    describe_params, elapsed_ms, entry_label, final_answer, tokens_per_s,
};
use crate::view::timeline::{PlotAxis, synced_frame};

/// Where a compared configuration stands.
#[derive(Clone, Debug, PartialEq)]
pub enum EntryStatus {
    /// Not run yet (or loaded from a finished run).
    Idle,
    /// Waiting for the worker.
    Queued,
    /// Generating now.
    Running,
    /// The run ended.
    Done,
    /// It could not run; why.
    Failed(String),
}

/// One configuration in the comparison.
#[derive(Clone, Debug)]
pub struct CompareEntry {
    /// Short name ("A", "B"…).
    pub label: String,
    /// What differs, in words ("threshold 0.9 · low-confidence").
    pub description: String,
    /// The request to run (its prompt is replaced by the shared one); `None` for a run added as is.
    pub request: Option<GenerateRequest>,
    /// Its run, once started.
    pub trace: Option<Trace>,
    /// Where it stands.
    pub status: EntryStatus,
}

/// Everything compare mode holds.
#[derive(Debug)]
pub struct CompareState {
    /// The configurations, in display order.
    pub entries: Vec<CompareEntry>,
    /// The shared timeline.
    pub playback: Playback,
    /// Sync by step or by progress.
    pub axis: PlotAxis,
    /// The lesson these runs show, if they came from the Lessons menu.
    pub lesson: Option<LessonNote>,
}

/// The lesson on screen: its name and what to look for.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonNote {
    /// The lesson's name.
    pub title: String,
    /// What to look for.
    pub look_for: String,
}

impl Default for CompareState {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            playback: Playback::default(),
            axis: PlotAxis::Step,
            lesson: None,
        }
    }
}

/// One summary line: `A · 12 steps · 0.31 s · 41 tokens/s · answer: 42`.
/// `shown_frame`: the frame the pane shows; the answer stays hidden until playback reaches the
/// run's end, so a lesson's outcome is not given away above a canvas still being written.
pub fn summary_text(entry: &CompareEntry, shown_frame: usize) -> String {
    let Some(trace) = &entry.trace else {
        return match &entry.status {
            EntryStatus::Failed(e) => format!("{} · failed: {e}", entry.label),
            EntryStatus::Queued => format!("{} · waiting for the worker", entry.label),
            _ => format!("{} · not run yet", entry.label),
        };
    };
    let state = match (&entry.status, &trace.summary) {
        (EntryStatus::Running, _) => " (running)".to_string(),
        (_, Some(s)) => match &s.outcome {
            RunOutcome::Finished => String::new(),
            RunOutcome::Cancelled => " (cancelled)".to_string(),
            RunOutcome::Failed(e) => format!(" (failed: {e})"),
        },
        _ => String::new(),
    };
    let answer = if shown_frame + 1 >= trace.frame_count() && trace.summary.is_some() {
        final_answer(trace, 40)
    } else {
        "at the last step".to_string()
    };
    format!(
        "{} · {} steps · {:.2} s · {:.0} tokens/s · answer: {answer}{state}",
        entry.label,
        trace.steps.len(),
        elapsed_ms(trace) / 1000.0,
        tokens_per_s(trace),
    )
}

impl CompareState {
    /// Mark the entries as `lesson`'s runs, in order: each description starts with its run's
    /// label, and the lesson's note shows above them.
    pub fn show_lesson(&mut self, lesson: &Lesson) {
        for (entry, run) in self.entries.iter_mut().zip(&lesson.runs) {
            entry.description = format!("{} · {}", run.label, entry.description);
        }
        self.lesson = Some(LessonNote {
            title: lesson.title.into(),
            look_for: lesson.look_for.into(),
        });
    }

    /// Add a configuration; returns its label.
    pub fn add_request(&mut self, request: GenerateRequest) -> String {
        let label = entry_label(self.entries.len());
        self.entries.push(CompareEntry {
            description: describe_params(&request.params),
            label: label.clone(),
            request: Some(request),
            trace: None,
            status: EntryStatus::Idle,
        });
        label
    }

    /// Add a finished (or loaded) run as it is.
    pub fn add_trace(&mut self, trace: Trace) -> String {
        let label = entry_label(self.entries.len());
        self.entries.push(CompareEntry {
            description: describe_params(&trace.header.params),
            label: label.clone(),
            request: Some(GenerateRequest {
                prompt: trace.header.prompt.clone(),
                template: trace.header.template.clone(),
                params: trace.header.params.clone(),
                raw_prompt: false,
            }),
            trace: Some(trace),
            status: EntryStatus::Done,
        });
        label
    }

    /// Remove entry `index` and relabel the rest.
    pub fn remove(&mut self, index: usize) {
        if index < self.entries.len() {
            self.entries.remove(index);
        }
        for (i, e) in self.entries.iter_mut().enumerate() {
            e.label = entry_label(i);
        }
    }

    /// Frames of the shared timeline: the longest run's.
    pub fn frame_count(&self) -> usize {
        self.entries
            .iter()
            .filter_map(|e| e.trace.as_ref())
            .map(Trace::frame_count)
            .max()
            .unwrap_or(1)
    }

    /// Whether a compared run is generating.
    pub fn live(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.status, EntryStatus::Running | EntryStatus::Queued))
    }

    /// The frame and dissolve progress of `trace` at the shared timeline's position.
    pub fn run_frame(&self, trace: &Trace) -> (usize, f32) {
        synced_frame(self.playback.position, self.frame_count(), trace, self.axis)
    }
}

/// The side-by-side view: a column per run with its summary row and canvas.
pub fn compare_ui(ui: &mut egui::Ui, state: &CompareState, options: &CanvasOptions) {
    if state.entries.is_empty() {
        ui.add_space(20.0);
        ui.vertical_centered(|ui| {
            ui.heading("Nothing to compare yet");
            ui.label(
                "Add configurations on the left (\"Add current settings\"), then press \"Run all\": \
                 every configuration runs on the same prompt, one after another, and plays here \
                 side by side on one timeline.",
            );
        });
        return;
    }
    if let Some(note) = &state.lesson {
        ui.label(
            RichText::new(format!("Lesson: {}", note.title))
                .strong()
                .size(20.0),
        );
        ui.add(egui::Label::new(RichText::new(&note.look_for).size(17.0)).wrap());
        ui.separator();
    }
    let n = state.entries.len();
    let mut column_options = options.clone();
    column_options.text_size = column_text_size(options.text_size, n);
    // Runs of one canvas shape are laid out together, so each position sits in the same place in
    // every pane.
    let traces: Vec<&Trace> = state
        .entries
        .iter()
        .filter_map(|e| e.trace.as_ref())
        .collect();
    ui.columns(n, |columns| {
        for (i, (col, entry)) in columns.iter_mut().zip(&state.entries).enumerate() {
            let color = options.palette.run_color(i);
            column_heading_ui(col, &entry.label, &entry.description, color);
            // A left-aligned layout: the columns' justified layout would stretch wrapped text.
            col.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                let shown = entry.trace.as_ref().map_or(0, |t| state.run_frame(t).0);
                ui.add(egui::Label::new(summary_text(entry, shown)).wrap());
            });
            col.separator();
            match &entry.trace {
                Some(trace) => {
                    let (frame, transition) = state.run_frame(trace);
                    column_step_ui(col, frame, trace.frame_count());
                    egui::ScrollArea::vertical()
                        .id_salt(("compare_canvas", i))
                        .auto_shrink([false, false])
                        .show(col, |ui| {
                            canvas::canvas_ui_aligned(
                                ui,
                                &traces,
                                trace,
                                frame,
                                transition,
                                &column_options,
                                None,
                            );
                        });
                }
                None => {
                    col.label(RichText::new("no run yet").italics());
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;

    #[test]
    fn synced_frames_by_step_and_by_progress() {
        let mut state = CompareState::default();
        state.add_trace(synthetic_trace(10, 1, 1));
        state.add_trace(synthetic_trace(5, 1, 2));
        assert_eq!(state.frame_count(), 11);
        state.playback.position = 8.0;
        let short = state.entries[1].trace.clone().unwrap();
        assert_eq!(
            state.run_frame(&short),
            (5, 1.0),
            "by step: clamped to its end"
        );
        state.axis = PlotAxis::Progress;
        assert_eq!(state.run_frame(&short).0, 4, "80% of 5 steps");
        state.playback.position = 10.0;
        assert_eq!(state.run_frame(&short).0, 5);
        state.remove(0);
        assert_eq!(state.entries[0].label, "A");
        assert_eq!(state.frame_count(), 6);
    }

    #[test]
    fn summary_of_a_finished_run() {
        let mut state = CompareState::default();
        state.add_trace(synthetic_trace(6, 1, 4));
        let text = summary_text(&state.entries[0], 6);
        assert!(text.starts_with("A · 6 steps · "), "{text}");
        assert!(text.contains("tokens/s · answer: t"), "{text}");
        // Mid-playback the answer is not given away.
        let mid = summary_text(&state.entries[0], 3);
        assert!(mid.contains("answer: at the last step"), "{mid}");
    }
}
