//! The canvas laid out once per run: every position gets a box as wide as the widest thing it ever
//! shows (its mask, each guess with its percentage, its token), and line breaks where the finished
//! text has them, so no cell moves while the run plays, and runs of one canvas shape line up.
//!
//! Measuring reads each step's guesses once and the newest frame's text ([`RunMeasure`], cached
//! per trace and extended as a live run grows); placing the boxes into the available width
//! ([`RunMeasure::place`]) is a cheap pass over the positions done every frame.

use std::sync::Arc;

use egui::{Color32, FontId, Pos2, Rect, Vec2};

use super::pieces::{Piece, PieceKind, guess_label, pieces, shown_guess};
use crate::trace::Trace;

/// Sizes derived from the text size.
#[derive(Clone, Debug)]
pub struct Metrics {
    /// Token text.
    pub font: FontId,
    /// Percentages and special-token labels.
    pub small: FontId,
    /// Height of a line of cells.
    pub row_h: f32,
    /// Height of a cell.
    pub cell_h: f32,
    /// Text inset inside a cell.
    pub pad_x: f32,
    /// Space between cells (and between a guess and its percentage).
    pub gap: f32,
    /// Extra space before a token that starts with a space.
    pub space: f32,
    /// Narrowest mask.
    pub mask_w: f32,
}

impl Metrics {
    /// The metrics of `text_size` points.
    pub fn new(text_size: f32) -> Self {
        Metrics {
            font: FontId::proportional(text_size),
            small: FontId::proportional((text_size * 0.62).max(9.0)),
            row_h: (text_size * 1.55).round(),
            cell_h: (text_size * 1.35).round(),
            pad_x: (text_size * 0.22).round().max(2.0),
            gap: (text_size * 0.12).round().max(1.0),
            space: (text_size * 0.3).round(),
            mask_w: (text_size * 1.8).round(),
        }
    }
}

/// The text a piece draws and the font it draws it in (`None`: an empty mask).
pub fn piece_label(piece: &Piece, show_guesses: bool) -> Option<(String, bool)> {
    match &piece.kind {
        PieceKind::Masked {
            guess: Some((text, _)),
        } if show_guesses => Some((shown_guess(text), piece.special)),
        PieceKind::Masked { .. } => None,
        _ => Some((piece.label(), piece.special)),
    }
}

/// What is known of one canvas position for layout.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Slot {
    /// Shown at all (prompt positions are hidden unless the prompt is shown).
    shown: bool,
    /// The widest box it needed in any frame measured.
    width: f32,
    /// Line breaks before and after it, from the latest frame in which it held text.
    breaks_before: u16,
    breaks_after: u16,
    /// A space precedes its text (same source).
    leading_space: bool,
}

/// What the layout of a run depends on besides the run.
#[derive(Clone, Debug, PartialEq)]
struct MeasureKey {
    trace_ids: Vec<u64>,
    text_size_bits: u32,
    show_guesses: bool,
    show_prompt: bool,
}

/// Every position's box width and line breaks over all frames measured of one run (or of several
/// runs of the same canvas shape, merged so they line up).
#[derive(Clone, Debug)]
pub struct RunMeasure {
    key: MeasureKey,
    /// Steps measured, per trace (their guesses, and the text of the frame after the last).
    steps_measured: Vec<usize>,
    /// Width of a mask showing a guess, by (trace, token).
    guess_w: std::collections::HashMap<(usize, u32), f32>,
    slots: Vec<Slot>,
    metrics: Metrics,
}

/// Boxes placed in a width: one optional rect per canvas position, relative to the canvas origin.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// The box of each position (`None`: not shown).
    pub rects: Vec<Option<Rect>>,
    /// Height the canvas needs.
    pub height: f32,
}

impl Placement {
    /// The box of a piece: the union of its positions' boxes when they share a row, else its
    /// first position's.
    pub fn piece_rect(&self, piece: &Piece) -> Option<Rect> {
        let first = self
            .rects
            .get(piece.positions.start as usize)
            .copied()
            .flatten()?;
        let mut rect = first;
        for pos in piece.positions.clone().skip(1) {
            match self.rects.get(pos as usize).copied().flatten() {
                Some(r) if (r.min.y - first.min.y).abs() < 0.5 => rect = rect.union(r),
                _ => break,
            }
        }
        Some(rect)
    }
}

impl RunMeasure {
    /// Measure `traces` (one run, or several runs whose canvases have the same length) with the
    /// painter's fonts.
    fn new(painter: &egui::Painter, traces: &[&Trace], key: MeasureKey) -> RunMeasure {
        let len = traces.first().map_or(0, |t| t.header.canvas.tokens.len());
        let mut measure = RunMeasure {
            metrics: Metrics::new(f32::from_bits(key.text_size_bits)),
            steps_measured: vec![0; traces.len()],
            guess_w: std::collections::HashMap::new(),
            slots: vec![Slot::default(); len],
            key,
        };
        measure.extend(painter, traces);
        measure
    }

    /// Measure what `traces` gained since the last call: the written and fixed text of each
    /// newest frame (text does not change once written) and the guesses of every new step (step
    /// k's are what the masks show at frame k − 1).
    fn extend(&mut self, painter: &egui::Painter, traces: &[&Trace]) {
        let percent_w = painter
            .layout_no_wrap(
                "100%".into(),
                self.metrics.small.clone(),
                Color32::PLACEHOLDER,
            )
            .size()
            .x;
        for (t, trace) in traces.iter().enumerate() {
            let newest = trace.frame_at(trace.frame_count() - 1);
            for piece in pieces(trace, &newest, self.key.show_prompt) {
                self.measure_piece(painter, &piece, percent_w);
            }
            if self.key.show_guesses {
                for step in &trace.steps[self.steps_measured[t].min(trace.steps.len())..] {
                    let k = usize::from(step.top_k.max(1));
                    for (i, &pos) in step.guess_pos.iter().enumerate() {
                        let Some(&token) = step.guess_tokens.get(i * k) else {
                            continue;
                        };
                        let w = match self.guess_w.get(&(t, token)) {
                            Some(&w) => w,
                            None => {
                                let w = self.guess_width(painter, trace, token, percent_w);
                                self.guess_w.insert((t, token), w);
                                w
                            }
                        };
                        if let Some(slot) = self.slots.get_mut(pos as usize) {
                            slot.shown = true;
                            slot.width = slot.width.max(w);
                        }
                    }
                }
            }
            self.steps_measured[t] = trace.steps.len();
        }
    }

    /// Width of a mask showing `token` as its guess, with its percentage.
    fn guess_width(
        &self,
        painter: &egui::Painter,
        trace: &Trace,
        token: u32,
        percent_w: f32,
    ) -> f32 {
        let m = &self.metrics;
        let (text, small) = guess_label(trace, token);
        let font = if small { &m.small } else { &m.font };
        let w = painter
            .layout_no_wrap(text, font.clone(), Color32::PLACEHOLDER)
            .size()
            .x;
        (w + percent_w + m.gap * 2.0 + 2.0 * m.pad_x).max(m.mask_w)
    }

    fn measure_piece(&mut self, painter: &egui::Painter, piece: &Piece, percent_w: f32) {
        let m = &self.metrics;
        let masked = matches!(piece.kind, PieceKind::Masked { .. });
        let text_w = match piece_label(piece, self.key.show_guesses) {
            Some((text, small)) => {
                let font = if small { &m.small } else { &m.font };
                let w = painter
                    .layout_no_wrap(text, font.clone(), Color32::PLACEHOLDER)
                    .size()
                    .x;
                if masked {
                    w + percent_w + m.gap * 2.0
                } else {
                    w
                }
            }
            None => 0.0,
        };
        let min_w = if masked { m.mask_w } else { m.cell_h * 0.6 };
        let width = (text_w + 2.0 * m.pad_x).max(min_w);
        // A piece over several positions (a character split across tokens) takes its first
        // position's box plus the others'.
        let start = piece.positions.start as usize;
        let others: f32 = piece
            .positions
            .clone()
            .skip(1)
            .filter_map(|p| self.slots.get(p as usize))
            .map(|s| s.width + m.gap)
            .sum();
        for pos in piece.positions.clone() {
            if let Some(slot) = self.slots.get_mut(pos as usize) {
                slot.shown = true;
            }
        }
        let Some(slot) = self.slots.get_mut(start) else {
            return;
        };
        slot.width = slot.width.max(width - others);
        if !masked {
            slot.breaks_before = slot.breaks_before.max(piece.breaks_before() as u16);
            slot.breaks_after = slot.breaks_after.max(piece.breaks_after() as u16);
            slot.leading_space |= piece.leading_space();
        }
    }

    /// Whether `trace` is one of the runs measured (a run of another canvas shape is not laid
    /// out with the others).
    pub fn covers(&self, trace: &Trace) -> bool {
        self.key.trace_ids.contains(&trace.id())
    }

    /// The sizes the boxes were measured with.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Place the boxes into `width` points, line by line like text: a box goes on the current
    /// line if it fits, else on the next.
    pub fn place(&self, width: f32) -> Placement {
        let m = &self.metrics;
        let mut rects = vec![None; self.slots.len()];
        let (mut x, mut y) = (0.0_f32, 0.0_f32);
        let mut line_has_content = false;
        let mut any = false;
        for (pos, slot) in self.slots.iter().enumerate() {
            if !slot.shown {
                continue;
            }
            any = true;
            for _ in 0..slot.breaks_before {
                x = 0.0;
                y += m.row_h;
                line_has_content = false;
            }
            let lead = if slot.leading_space && line_has_content {
                m.space + m.gap
            } else {
                m.gap
            };
            if line_has_content && x + lead + slot.width > width {
                x = 0.0;
                y += m.row_h;
                line_has_content = false;
            }
            let left = if line_has_content { x + lead } else { x };
            rects[pos] = Some(Rect::from_min_size(
                Pos2::new(left, y + (m.row_h - m.cell_h) / 2.0),
                Vec2::new(slot.width, m.cell_h),
            ));
            x = left + slot.width;
            line_has_content = true;
            for _ in 0..slot.breaks_after {
                x = 0.0;
                y += m.row_h;
                line_has_content = false;
            }
        }
        let height = if line_has_content || !any {
            y + m.row_h
        } else {
            y
        };
        Placement {
            rects,
            height: height.max(m.row_h),
        }
    }
}

/// Measures kept per egui context (the main canvas, compare panes, an export): the most recent
/// first.
const CACHED_MEASURES: usize = 8;

/// The measure of `traces` drawn with `text_size` (and guesses / prompt shown or not), from the
/// context's cache when it holds these runs, extended by the frames they gained since. Several
/// traces are measured together (so their boxes line up) only when their canvases have the same
/// length; otherwise only the first is.
pub fn run_measure(
    ctx: &egui::Context,
    painter: &egui::Painter,
    traces: &[&Trace],
    text_size: f32,
    show_guesses: bool,
    show_prompt: bool,
) -> Arc<RunMeasure> {
    let len = traces.first().map_or(0, |t| t.header.canvas.tokens.len());
    let same_shape = traces.iter().all(|t| t.header.canvas.tokens.len() == len);
    let traces = if same_shape { traces } else { &traces[..1] };
    let key = MeasureKey {
        trace_ids: traces.iter().map(|t| t.id()).collect(),
        text_size_bits: text_size.to_bits(),
        show_guesses,
        show_prompt,
    };
    let id = egui::Id::unique("unmask-run-measures");
    let mut cache: Vec<Arc<RunMeasure>> = ctx.data(|d| d.get_temp(id)).unwrap_or_default();
    let found = cache.iter().position(|m| {
        m.key == key
            && m.steps_measured
                .iter()
                .zip(traces)
                .all(|(&n, t)| n <= t.steps.len())
    });
    let measure = match found.map(|i| cache.remove(i)) {
        Some(m)
            if m.steps_measured
                .iter()
                .zip(traces)
                .all(|(&n, t)| n == t.steps.len()) =>
        {
            m
        }
        Some(m) => {
            let mut m = Arc::unwrap_or_clone(m);
            m.extend(painter, traces);
            Arc::new(m)
        }
        None => Arc::new(RunMeasure::new(painter, traces, key)),
    };
    cache.insert(0, measure.clone());
    cache.truncate(CACHED_MEASURES);
    ctx.data_mut(|d| d.insert_temp(id, cache));
    measure
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;

    fn measure_of(traces: &[&Trace]) -> Arc<RunMeasure> {
        let ctx = egui::Context::default();
        let mut out = None;
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            out = Some(run_measure(
                ui.ctx(),
                ui.painter(),
                traces,
                20.0,
                true,
                false,
            ));
        });
        output.textures_delta.clear();
        out.unwrap()
    }

    #[test]
    fn every_frame_of_a_run_puts_each_position_in_the_same_box() {
        let trace = synthetic_trace(48, 8, 3);
        let measure = measure_of(&[&trace]);
        let placement = measure.place(500.0);
        for frame in 0..trace.frame_count() {
            let data = trace.frame_at(frame);
            for piece in pieces(&trace, &data, false) {
                let rect = placement
                    .piece_rect(&piece)
                    .expect("every shown piece has a box");
                assert!(rect.width() >= measure.metrics().mask_w.min(rect.width()));
                let first = placement.rects[piece.positions.start as usize].unwrap();
                assert_eq!(rect.min, first.min, "frame {frame}");
            }
        }
        // No two boxes overlap.
        let rects: Vec<Rect> = placement.rects.iter().flatten().copied().collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!a.shrink(0.5).intersects(b.shrink(0.5)), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn a_growing_run_is_measured_again_only_where_it_grew_and_ends_as_if_measured_at_once() {
        let full = synthetic_trace(40, 6, 5);
        let mut growing = Trace::new(full.header.clone(), full.tokens.clone());
        let ctx = egui::Context::default();
        let mut last = None;
        for k in 0..=full.steps.len() {
            if k > 0 {
                growing.push_step(full.steps[k - 1].clone()).unwrap();
            }
            let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
                last = Some(run_measure(
                    ui.ctx(),
                    ui.painter(),
                    &[&growing],
                    20.0,
                    true,
                    false,
                ));
            });
            output.textures_delta.clear();
        }
        let grown = last.unwrap();
        let at_once = measure_of(&[&full]);
        assert_eq!(grown.slots, at_once.slots);
    }

    #[test]
    fn runs_of_one_canvas_shape_line_up_and_others_are_laid_out_alone() {
        let a = synthetic_trace(32, 6, 1);
        let b = synthetic_trace(32, 4, 2);
        let together = measure_of(&[&a, &b]);
        for (slot, (sa, sb)) in together.slots.iter().zip(
            measure_of(&[&a])
                .slots
                .iter()
                .zip(measure_of(&[&b]).slots.iter()),
        ) {
            assert!(slot.width >= sa.width.max(sb.width) - 1e-3);
        }
        let c = synthetic_trace(20, 4, 2);
        let mixed = measure_of(&[&a, &c]);
        assert_eq!(mixed.slots, measure_of(&[&a]).slots);
    }
}
