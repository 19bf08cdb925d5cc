//! Per-step and per-position tables of a run, as tidy CSV for pandas, R or a spreadsheet.
//!
//! `OUT.csv` has one row per step: `step, committed, confidence_mean, confidence_min, masks_left,
//! forward_ms, sampling_ms, ms, tokens_per_s` (`ms` = forward + sampling; the confidence columns
//! are empty when the step committed nothing). `OUT.positions.csv` (next to it) has one row per
//! canvas position: `position, kind` (prompt / pinned / masked), `region, token_id, text, special,
//! commit_step, confidence` (empty for cells never masked or never written). Text fields are
//! always quoted; numbers use a dot and no thousands separator.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::ExportError;
use crate::canvas::CellKind;
use crate::trace::{Cell, Trace};

/// The files a CSV export wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvReport {
    /// The per-step table.
    pub steps_path: PathBuf,
    /// The per-position table.
    pub positions_path: PathBuf,
    /// Rows in the per-step table.
    pub steps: usize,
    /// Rows in the per-position table.
    pub positions: usize,
}

/// `run.csv` → `run.positions.csv` (any other name gets `.positions.csv` appended).
pub fn positions_path(steps_path: &Path) -> PathBuf {
    let is_csv = steps_path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let base = if is_csv {
        steps_path.with_extension("")
    } else {
        steps_path.to_path_buf()
    };
    let mut name = base.file_name().unwrap_or_default().to_os_string();
    name.push(".positions.csv");
    base.with_file_name(name)
}

/// A CSV text field: quoted, with quotes doubled.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn opt(v: Option<f32>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

/// The per-step table as text.
pub fn steps_csv(trace: &Trace) -> String {
    let mut out = String::from(
        "step,committed,confidence_mean,confidence_min,masks_left,forward_ms,sampling_ms,ms,tokens_per_s\n",
    );
    for m in trace.step_metrics() {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:.3},{:.3},{:.3},{:.3}",
            m.step,
            m.committed,
            opt(m.confidence_mean),
            opt(m.confidence_min),
            m.masks_left,
            m.forward_ms,
            m.sampling_ms,
            m.forward_ms + m.sampling_ms,
            m.tokens_per_s
        );
    }
    out
}

/// The per-position table as text.
pub fn positions_csv(trace: &Trace) -> String {
    let canvas = &trace.header.canvas;
    let last = trace.frame_at(trace.steps.len());
    let mut out =
        String::from("position,kind,region,token_id,text,special,commit_step,confidence\n");
    for (pos, cell) in last.cells.iter().enumerate() {
        let kind = canvas.kinds.get(pos).copied().unwrap_or(CellKind::Pinned);
        let (kind_name, region) = match kind {
            CellKind::Prompt => ("prompt", String::new()),
            CellKind::Pinned => ("pinned", String::new()),
            CellKind::Masked { region } => (
                "masked",
                canvas
                    .regions
                    .get(usize::from(region))
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
            ),
        };
        let (token, step, confidence) = match *cell {
            Cell::Fixed { token } => (Some(token), None, None),
            Cell::Committed {
                token,
                confidence,
                step,
            } => (Some(token), Some(step), Some(confidence)),
            Cell::Masked { .. } => (None, None, None),
        };
        let info = token.and_then(|t| trace.tokens.get(&t));
        let special = token.is_some_and(|t| trace.header.eos_token_ids.contains(&t))
            || info.is_some_and(|i| i.special);
        let _ = writeln!(
            out,
            "{pos},{kind_name},{},{},{},{},{},{}",
            quote(&region),
            token.map(|t| t.to_string()).unwrap_or_default(),
            quote(info.map(|i| i.text.as_str()).unwrap_or_default()),
            if token.is_some() {
                special.to_string()
            } else {
                String::new()
            },
            step.map(|s| s.to_string()).unwrap_or_default(),
            opt(confidence),
        );
    }
    out
}

/// Write both tables: `steps_path` and [`positions_path`] next to it.
pub fn write_csv(trace: &Trace, steps_path: &Path) -> Result<CsvReport, ExportError> {
    let positions = positions_path(steps_path);
    super::write_atomic(steps_path, steps_csv(trace).as_bytes())?;
    super::write_atomic(&positions, positions_csv(trace).as_bytes())?;
    Ok(CsvReport {
        steps_path: steps_path.to_path_buf(),
        positions_path: positions,
        steps: trace.steps.len(),
        positions: trace.header.canvas.tokens.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::synthetic::synthetic_trace;

    #[test]
    fn positions_file_sits_next_to_the_steps_file() {
        assert_eq!(
            positions_path(Path::new("/a/run.csv")),
            PathBuf::from("/a/run.positions.csv")
        );
        assert_eq!(
            positions_path(Path::new("run.data")),
            PathBuf::from("run.data.positions.csv")
        );
    }

    #[test]
    fn one_row_per_step_and_per_position() {
        let t = synthetic_trace(8, 2, 3);
        let steps = steps_csv(&t);
        assert_eq!(steps.lines().count(), 1 + 8);
        assert!(steps.lines().nth(1).unwrap_or_default().starts_with("1,1,"));
        assert!(
            steps.lines().last().unwrap_or_default().contains(",0,"),
            "{steps}"
        );
        let pos = positions_csv(&t);
        assert_eq!(pos.lines().count(), 1 + 8);
        for line in pos.lines().skip(1) {
            assert_eq!(line.split(',').count(), 8, "{line}");
            assert!(line.contains(",masked,"), "{line}");
        }
    }

    #[test]
    fn text_fields_are_quoted() {
        assert_eq!(quote("a,\"b\"\n"), "\"a,\"\"b\"\"\n\"");
    }
}
