//! What went wrong first in a missed arithmetic problem: the kinds `unmask eval` counts misses by.

use serde::{Deserialize, Serialize};

use crate::data::arith::{OpKind, Problem};

/// The first thing a wrong working gets wrong, reading its clauses left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissKind {
    /// A result has the right number of digits but a wrong one (`176 + 66 = 232`).
    ResultDigit,
    /// A result has too many or too few digits (`55 + 58 = 13`, `33 - 24 = 19`).
    ResultLength,
    /// A clause adds where the question subtracts, or the other way round.
    Sign,
    /// A clause's operand is not the question's number (or its first operand is not the previous
    /// result).
    Operand,
    /// A clause is not of the form `a ± b = c`.
    Malformed,
    /// Every clause written is right, but there are fewer or more clauses than operations.
    ClauseCount,
    /// The working is right and complete; the answer region is not its last result.
    Answer,
}

impl MissKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [MissKind; 7] = [
        MissKind::ResultDigit,
        MissKind::ResultLength,
        MissKind::Sign,
        MissKind::Operand,
        MissKind::Malformed,
        MissKind::ClauseCount,
        MissKind::Answer,
    ];

    /// Short words for reports ("result digit", "sign", …).
    pub fn label(self) -> &'static str {
        match self {
            MissKind::ResultDigit => "result digit",
            MissKind::ResultLength => "result length",
            MissKind::Sign => "sign",
            MissKind::Operand => "operand",
            MissKind::Malformed => "malformed clause",
            MissKind::ClauseCount => "clause count",
            MissKind::Answer => "answer",
        }
    }
}

/// Where a working first goes wrong: the kind, and the clause (1-based) unless it is the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Miss {
    /// What is wrong.
    pub kind: MissKind,
    /// The first wrong clause, counting from 1 (`None` for [`MissKind::Answer`]).
    pub clause: Option<usize>,
}

/// One `a ± b = c` clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Clause<'a> {
    left: &'a str,
    kind: OpKind,
    right: &'a str,
    result: &'a str,
}

fn parse_clause(text: &str) -> Option<Clause<'_>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [left, sign, right, "=", result] = words.as_slice() else {
        return None;
    };
    let kind = match *sign {
        "+" => OpKind::Add,
        "-" => OpKind::Subtract,
        _ => return None,
    };
    let number = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    (number(left) && number(right) && number(result)).then_some(Clause {
        left,
        kind,
        right,
        result,
    })
}

/// Classify a miss: compare the written `working` (the reasoning region, clauses ending in `.`)
/// clause by clause with the problem's right working. Returns `None` when the working and the
/// `given_answer` are both right (not a miss).
pub fn classify(problem: &Problem, working: &str, given_answer: Option<u32>) -> Option<Miss> {
    let written: Vec<&str> = working
        .split('.')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let mut value = problem.start();
    for (i, (op, next)) in problem
        .ops()
        .iter()
        .zip(problem.running_values())
        .enumerate()
    {
        let at = |kind| {
            Some(Miss {
                kind,
                clause: Some(i + 1),
            })
        };
        let Some(text) = written.get(i) else {
            return at(MissKind::ClauseCount);
        };
        let Some(c) = parse_clause(text) else {
            return at(MissKind::Malformed);
        };
        if c.kind != op.kind {
            return at(MissKind::Sign);
        }
        if c.left != value.to_string() || c.right != op.operand.to_string() {
            return at(MissKind::Operand);
        }
        let right = next.to_string();
        if c.result != right {
            let kind = if c.result.len() == right.len() {
                MissKind::ResultDigit
            } else {
                MissKind::ResultLength
            };
            return at(kind);
        }
        value = next;
    }
    if written.len() > problem.n_ops() {
        return Some(Miss {
            kind: MissKind::ClauseCount,
            clause: Some(problem.n_ops() + 1),
        });
    }
    (given_answer != Some(problem.answer())).then_some(Miss {
        kind: MissKind::Answer,
        clause: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::arith::Op;

    /// 46 + 90 = 136. 136 + 54 = 190. 190 - 55 = 135.
    fn shells() -> Problem {
        let op = |kind, operand| Op { kind, operand };
        Problem::new(
            46,
            vec![
                op(OpKind::Add, 90),
                op(OpKind::Add, 54),
                op(OpKind::Subtract, 55),
            ],
        )
        .unwrap()
    }

    fn kind_of(working: &str, answer: u32) -> Option<(MissKind, Option<usize>)> {
        classify(&shells(), working, Some(answer)).map(|m| (m.kind, m.clause))
    }

    #[test]
    fn the_right_working_and_answer_is_no_miss() {
        let p = shells();
        assert_eq!(
            p.reasoning_text(),
            "46 + 90 = 136. 136 + 54 = 190. 190 - 55 = 135."
        );
        assert_eq!(classify(&p, &p.reasoning_text(), Some(135)), None);
    }

    #[test]
    fn each_kind_is_found_at_its_first_wrong_clause() {
        use MissKind::*;
        let cases = [
            (
                "46 + 90 = 136. 136 + 54 = 190. 190 - 55 = 145.",
                145,
                ResultDigit,
                Some(3),
            ),
            (
                "46 + 90 = 36. 36 + 54 = 90. 90 - 55 = 35.",
                35,
                ResultLength,
                Some(1),
            ),
            (
                "46 + 90 = 136. 136 - 54 = 82. 82 - 55 = 27.",
                27,
                Sign,
                Some(2),
            ),
            (
                "46 + 90 = 136. 136 + 45 = 181. 181 - 55 = 126.",
                126,
                Operand,
                Some(2),
            ),
            (
                "46 + 90 = 136. 130 + 54 = 184. 184 - 55 = 129.",
                129,
                Operand,
                Some(2),
            ),
            (
                "46 + 90 = 136. 136 54 = 190. 190 - 55 = 135.",
                135,
                Malformed,
                Some(2),
            ),
            ("46 + 90 = 136. 136 + 54 = 190.", 190, ClauseCount, Some(3)),
            (
                "46 + 90 = 136. 136 + 54 = 190. 190 - 55 = 135. 135 - 55 = 80.",
                80,
                ClauseCount,
                Some(4),
            ),
            (
                "46 + 90 = 136. 136 + 54 = 190. 190 - 55 = 135.",
                153,
                Answer,
                None,
            ),
        ];
        for (working, answer, kind, clause) in cases {
            assert_eq!(kind_of(working, answer), Some((kind, clause)), "{working}");
        }
        // No answer at all, with a right working, is an answer miss.
        let p = shells();
        assert_eq!(
            classify(&p, &p.reasoning_text(), None).map(|m| m.kind),
            Some(Answer)
        );
    }

    #[test]
    fn kinds_serialize_as_kebab_case_names() {
        let names: Vec<String> = MissKind::ALL
            .iter()
            .map(|k| serde_json::to_string(k).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "\"result-digit\"",
                "\"result-length\"",
                "\"sign\"",
                "\"operand\"",
                "\"malformed\"",
                "\"clause-count\"",
                "\"answer\""
            ]
        );
    }
}
