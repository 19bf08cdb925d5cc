//! Compare mode: several configurations on the same prompt, run one after another on the worker and
//! played side by side on one synced timeline (by step, or by normalised progress).

use egui::{Color32, RichText};

use crate::canvas::CellKind;
use crate::generate::GenerateRequest;
use crate::playback::Playback;
use crate::sampler::{Order, Remasking, SamplerParams, Schedule};
use crate::trace::{Cell, RunOutcome, Trace};
use crate::ui::canvas_view::{self, CanvasOptions};
use crate::ui::plots::PlotAxis;

/// Colour of compared run number `index` (cycles after six): Okabe–Ito hues, which stay apart
/// with the common colour-vision deficiencies. Same signature as the theme's `run_color` on the
/// panels branch; after the merge this can forward to it.
pub fn run_color(index: usize, dark: bool) -> Color32 {
    crate::ui::theme::run_color(index, dark)
}

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
}

impl Default for CompareState {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            playback: Playback::default(),
            axis: PlotAxis::Step,
        }
    }
}

/// A letter label for entry `index`: A, B, … Z, then A2, B2…
pub fn entry_label(index: usize) -> String {
    let letter = char::from(b'A' + (index % 26) as u8);
    if index < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", index / 26 + 1)
    }
}

/// The decoding rule of `params` in a few words.
pub fn describe_params(params: &SamplerParams) -> String {
    let mut parts = Vec::new();
    match (params.threshold, params.factor) {
        (Some(t), _) => parts.push(format!("threshold {t}")),
        (None, Some(f)) => parts.push(format!("factor {f}")),
        (None, None) => {
            let schedule = match params.schedule {
                Schedule::Quota => "quota",
                Schedule::Timestep { .. } => "timestep",
            };
            parts.push(format!("{} steps ({schedule})", params.steps));
        }
    }
    parts.push(
        match params.remasking {
            Remasking::LowConfidence => "low-confidence",
            Remasking::Random => "random",
            Remasking::Margin => "margin",
            Remasking::Entropy => "entropy",
        }
        .to_string(),
    );
    match &params.order {
        Order::Free => {}
        Order::LeftToRight => parts.push("left-to-right".into()),
        Order::Regions(names) => parts.push(format!("{} first", names.join(" → "))),
    }
    if let Some(b) = params.block_length {
        parts.push(format!("blocks of {b}"));
    }
    if params.temperature > 0.0 {
        parts.push(format!("temperature {}", params.temperature));
    }
    if params.suppress_eos {
        parts.push("EOS suppressed".into());
    }
    if params.stop_at_eos {
        parts.push("text stops at EOS".into());
    }
    if params.eos_last {
        parts.push("EOS last".into());
    }
    parts.join(" · ")
}

/// The text the run ended with: the `answer` region when the canvas has one, else the whole
/// response; special tokens and masks left out, at most `max_chars` characters.
pub fn final_answer(trace: &Trace, max_chars: usize) -> String {
    let canvas = &trace.header.canvas;
    let answer_region = canvas.regions.iter().position(|r| r.name == "answer");
    let text = match answer_region {
        Some(region) => {
            let frame = trace.frame_at(trace.steps.len());
            let mut bytes = Vec::new();
            for (pos, cell) in frame.cells.iter().enumerate() {
                let in_region = matches!(canvas.kinds.get(pos), Some(CellKind::Masked { region: r }) if usize::from(*r) == region);
                if !in_region {
                    continue;
                }
                if let Cell::Committed { token, .. } = cell
                    && let Some(info) = trace.tokens.get(token)
                    && !info.special
                    && !trace.header.eos_token_ids.contains(token)
                {
                    bytes.extend_from_slice(&info.bytes);
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        None => trace.text(),
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max_chars {
        let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// Wall time of a run so far, milliseconds (the summary's when it ended).
pub fn elapsed_ms(trace: &Trace) -> f64 {
    match &trace.summary {
        Some(s) => s.elapsed_ms,
        None => trace
            .steps
            .iter()
            .map(|s| f64::from(s.forward_ms + s.sampling_ms))
            .sum(),
    }
}

/// Generated tokens per second (the summary's when it ended).
pub fn tokens_per_s(trace: &Trace) -> f64 {
    match &trace.summary {
        Some(s) => s.tokens_per_s,
        None => {
            let ms = elapsed_ms(trace);
            let committed = trace.initial_masks() - trace.masks_left();
            if ms > 0.0 {
                committed as f64 / (ms / 1000.0)
            } else {
                0.0
            }
        }
    }
}

/// One summary line: `A · 12 steps · 0.31 s · 41 tokens/s · answer: 42`.
pub fn summary_text(entry: &CompareEntry) -> String {
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
    format!(
        "{} · {} steps · {:.2} s · {:.0} tokens/s · answer: {}{state}",
        entry.label,
        trace.steps.len(),
        elapsed_ms(trace) / 1000.0,
        tokens_per_s(trace),
        final_answer(trace, 40),
    )
}

impl CompareState {
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
        let master_last = self.frame_count().saturating_sub(1).max(1) as f64;
        let last = trace.frame_count().saturating_sub(1) as f64;
        let position = match self.axis {
            PlotAxis::Step => self.playback.position.min(last),
            PlotAxis::Progress => (self.playback.position / master_last).clamp(0.0, 1.0) * last,
        };
        let at = Playback {
            position,
            ..Playback::default()
        };
        (at.frame(), at.transition())
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
    let n = state.entries.len();
    let mut column_options = options.clone();
    column_options.text_size = (options.text_size * if n > 2 { 0.7 } else { 0.85 }).max(11.0);
    ui.columns(n, |columns| {
        for (i, (col, entry)) in columns.iter_mut().zip(&state.entries).enumerate() {
            let color = run_color(i, options.dark);
            col.horizontal_wrapped(|ui| {
                ui.label(RichText::new(&entry.label).strong().size(22.0).color(color));
                ui.label(RichText::new(&entry.description).strong());
            });
            // A left-aligned layout: the columns' justified layout would stretch wrapped text.
            col.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                ui.add(egui::Label::new(summary_text(entry)).wrap());
            });
            col.separator();
            match &entry.trace {
                Some(trace) => {
                    let (frame, transition) = state.run_frame(trace);
                    col.label(
                        RichText::new(format!(
                            "step {frame} / {}",
                            trace.frame_count().saturating_sub(1)
                        ))
                        .monospace()
                        .size(18.0),
                    );
                    egui::ScrollArea::vertical()
                        .id_salt(("compare_canvas", i))
                        .auto_shrink([false, false])
                        .show(col, |ui| {
                            canvas_view::canvas_ui(
                                ui,
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
    fn labels_and_descriptions() {
        assert_eq!(entry_label(0), "A");
        assert_eq!(entry_label(27), "B2");
        let p = SamplerParams {
            threshold: Some(0.9),
            ..SamplerParams::default()
        };
        assert_eq!(describe_params(&p), "threshold 0.9 · low-confidence");
        let p = SamplerParams {
            steps: 8,
            order: Order::Regions(vec!["answer".into(), "reasoning".into()]),
            ..SamplerParams::default()
        };
        assert_eq!(
            describe_params(&p),
            "8 steps (quota) · low-confidence · answer → reasoning first"
        );
    }

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
        let text = summary_text(&state.entries[0]);
        assert!(text.starts_with("A · 6 steps · "), "{text}");
        assert!(text.contains("tokens/s · answer: t"), "{text}");
    }
}
