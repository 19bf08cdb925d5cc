//! The settings one `unmask eval` measures: one row, the teaching table (both trained layouts ×
//! four orders), or one row per confidence threshold; every row decodes the same problems.

use crate::data::Layout;
use crate::sampler::{Order, SamplerParams};

/// Which rows an evaluation runs.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalMatrix {
    /// One row: this layout with the base parameters.
    Single(Layout),
    /// The teaching table: reasoning-first and answer-first × [`table_orders`].
    Table,
    /// One row per threshold τ on this layout; each row's count rule is that threshold (no factor).
    Thresholds(Layout, Vec<f32>),
}

/// A threshold outside (0, 1].
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("--thresholds: {0} is not a threshold (each must be greater than 0 and at most 1)")]
pub struct BadThreshold(pub f32);

impl EvalMatrix {
    /// The rows in the order they are run and printed: a layout and the decoding parameters,
    /// each derived from `base`.
    pub fn rows(&self, base: &SamplerParams) -> Result<Vec<(Layout, SamplerParams)>, BadThreshold> {
        Ok(match self {
            EvalMatrix::Single(layout) => vec![(*layout, base.clone())],
            EvalMatrix::Table => {
                let mut v = Vec::new();
                for layout in [Layout::ReasoningFirst, Layout::AnswerFirst] {
                    for order in table_orders() {
                        v.push((
                            layout,
                            SamplerParams {
                                order,
                                ..base.clone()
                            },
                        ));
                    }
                }
                v
            }
            EvalMatrix::Thresholds(layout, thresholds) => {
                if let Some(t) = thresholds.iter().find(|t| !(**t > 0.0 && **t <= 1.0)) {
                    return Err(BadThreshold(*t));
                }
                thresholds
                    .iter()
                    .map(|&t| {
                        let params = SamplerParams {
                            threshold: Some(t),
                            factor: None,
                            ..base.clone()
                        };
                        (*layout, params)
                    })
                    .collect()
            }
        })
    }
}

/// The orders of the teaching table: region orders both ways, strictly left to right (the order
/// of the layout), then free.
pub fn table_orders() -> Vec<Order> {
    vec![
        Order::Regions(vec!["reasoning".into(), "answer".into()]),
        Order::Regions(vec!["answer".into(), "reasoning".into()]),
        Order::LeftToRight,
        Order::Free,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SamplerParams {
        SamplerParams {
            factor: Some(1.0),
            seed: 7,
            ..SamplerParams::default()
        }
    }

    #[test]
    fn the_table_is_both_layouts_times_the_four_orders() {
        let rows = EvalMatrix::Table.rows(&base()).unwrap();
        assert_eq!(rows.len(), 8);
        for (i, (layout, params)) in rows.iter().enumerate() {
            let want = if i < 4 {
                Layout::ReasoningFirst
            } else {
                Layout::AnswerFirst
            };
            assert_eq!(*layout, want);
            assert_eq!(params.order, table_orders()[i % 4]);
            assert_eq!((params.factor, params.seed), (Some(1.0), 7));
        }
    }

    #[test]
    fn threshold_rows_replace_the_count_rule_and_refuse_bad_values() {
        let m = EvalMatrix::Thresholds(Layout::AnswerFirst, vec![0.5, 1.0]);
        let rows = m.rows(&base()).unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|(l, p)| (*l, p.threshold, p.factor))
            .collect();
        assert_eq!(
            got,
            [
                (Layout::AnswerFirst, Some(0.5), None),
                (Layout::AnswerFirst, Some(1.0), None)
            ]
        );
        let bad = EvalMatrix::Thresholds(Layout::AnswerFirst, vec![0.5, 0.0]);
        assert_eq!(bad.rows(&base()), Err(BadThreshold(0.0)));
        assert!(
            BadThreshold(1.5)
                .to_string()
                .starts_with("--thresholds: 1.5 is not")
        );
    }

    #[test]
    fn a_single_row_is_the_base() {
        let rows = EvalMatrix::Single(Layout::Plain).rows(&base()).unwrap();
        assert_eq!(rows, [(Layout::Plain, base())]);
    }
}
