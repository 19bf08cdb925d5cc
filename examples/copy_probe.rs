//! How well a model copies the first operand of a problem into its working: for held-out
//! 3-operation problems in the reasoning-first layout, the model predicts the first reasoning cell
//! (the first digit of the start value) once with the whole response masked and once with only
//! that cell masked. The MODEL_CARD's "What limits it" table comes from this.
//!
//! A second probe asks whether the model adds: the result of the first clause (`47 + 38 = 85.`) is
//! masked where it is written and where the next clause repeats it, everything else stays
//! visible, and the model must produce every digit of it at once. It is repeated for the second
//! clause, whose first operand is the first clause's result (often three digits), and for the
//! third, whose result is also the answer.
//!
//! The second probe is broken down by digit place (units, tens, hundreds) and by whether the
//! clause carries or borrows, to tell a model that cannot line digits up (units digits wrong)
//! from one that cannot carry (units right, tens wrong where a carry comes in). It also says how
//! often the units prediction is simply one operand's units digit, and how often it is the same
//! digit whatever the operands (a model that has given up on the units place).
//!
//! A last probe repeats the second on single-clause problems with every digit after the `=`
//! masked (the result and the answer), where nothing but the operands says what the result is.
//!
//!     cargo run --release --example copy_probe -- [MODEL_DIR] [N]

use std::path::PathBuf;

use anyhow::{Context, Result};
use unmask::data::arith::{Layout, encode_example, held_out_problems};
use unmask::model::{LoadOptions, load_model};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "assets/model".into()));
    let n: usize = args.next().map_or(Ok(200), |s| s.parse())?;
    let mut model = load_model(&dir, &LoadOptions::default())
        .with_context(|| format!("loading {}", dir.display()))?;
    let mask = model.info.mask_token_id;
    let pinned: Vec<u32> = ["\n", "Answer", ":"]
        .iter()
        .filter_map(|t| model.tokenizer.token_to_id(&t.replace('\n', "Ċ")))
        .collect();
    let (mut from_blank, mut from_context) = (0usize, 0usize);
    let problems = held_out_problems(3, n, Some(3));
    for problem in &problems {
        let example = encode_example(problem, Layout::ReasoningFirst, &model.tokenizer, 0)?;
        let first = example.prompt_ids.len();
        let target = example.response_ids[0];
        let mut canvas = example.prompt_ids.clone();
        canvas.extend(&example.response_ids);
        let mut blank = canvas.clone();
        for (cell, &id) in blank[first..].iter_mut().zip(&example.response_ids) {
            if !pinned.contains(&id) {
                *cell = mask;
            }
        }
        let mut one = canvas;
        one[first] = mask;
        if argmax(&model.denoiser.logits(&blank, &[first as u32])?) == target {
            from_blank += 1;
        }
        if argmax(&model.denoiser.logits(&one, &[first as u32])?) == target {
            from_context += 1;
        }
    }
    let pct = |k: usize| 100.0 * k as f64 / problems.len().max(1) as f64;
    for (clause, name) in ["first", "second", "third"].into_iter().enumerate() {
        let sums = SumProbe::run(
            &mut model,
            &problems,
            Masking::ResultAndItsRepeat { clause },
        )?;
        sums.print(
            &dir,
            &format!("result of the {name} clause with its operands visible"),
        );
    }
    // The same on single-clause problems, with every digit after the `=` masked (the result and
    // the answer): nothing else on the canvas says what the result is, so only the addition or
    // subtraction of the visible operands can.
    let single = held_out_problems(3, n, Some(1));
    let sums = SumProbe::run(&mut model, &single, Masking::EverythingAfterEquals)?;
    sums.print(&dir, "single clause, every digit after `=` masked");
    println!(
        "{}: first digit of the start value, {} problems: {:.1} % with the whole response masked, \
         {:.1} % with only that cell masked",
        dir.display(),
        problems.len(),
        pct(from_blank),
        pct(from_context)
    );
    Ok(())
}

/// Which cells the sum probe masks.
#[derive(Clone, Copy, PartialEq)]
enum Masking {
    /// A clause's result and the next clause's copy of it (or the answer, after the last).
    ResultAndItsRepeat { clause: usize },
    /// Every digit after the first `=` (for single clauses: the result and the answer).
    EverythingAfterEquals,
}

/// Counts of the sum probe: whole results and digits right, by place and carry.
#[derive(Default)]
struct SumProbe {
    problems: usize,
    sums_right: usize,
    digits_right: usize,
    digits: usize,
    /// `[place][carry?]` → (right, total); place 0 = units.
    by_place: [[(usize, usize); 2]; 3],
    /// How often the units prediction equals the first operand's units digit, and the second's.
    units_is_a: usize,
    units_is_b: usize,
    /// Units predictions by token id, to see whether the model guesses or always says the same.
    units_predicted: std::collections::BTreeMap<u32, usize>,
}

impl SumProbe {
    fn run(
        model: &mut unmask::model::LoadedModel,
        problems: &[unmask::data::arith::Problem],
        masking: Masking,
    ) -> Result<SumProbe> {
        let mask = model.info.mask_token_id;
        let vocab = model.info.vocab_size;
        let mut out = SumProbe {
            problems: problems.len(),
            ..SumProbe::default()
        };
        for problem in problems {
            let example = encode_example(problem, Layout::ReasoningFirst, &model.tokenizer, 0)?;
            let text: Vec<String> = example
                .response_ids
                .iter()
                .map(|&id| {
                    model
                        .tokenizer
                        .decode(&[id], false)
                        .map(|t| t.trim().to_string())
                })
                .collect::<std::result::Result<_, _>>()
                .map_err(anyhow::Error::msg)?;
            let is_digit = |t: &String| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
            // The digits that follow `start`, after any space tokens.
            let digits_after = |start: usize| -> Vec<usize> {
                let from = (start..text.len())
                    .find(|&i| !text[i].is_empty())
                    .unwrap_or(text.len());
                (from..text.len())
                    .take_while(|&i| is_digit(&text[i]))
                    .collect()
            };
            let clause = match masking {
                Masking::ResultAndItsRepeat { clause } => clause,
                Masking::EverythingAfterEquals => 0,
            };
            let Some(eq) = text
                .iter()
                .enumerate()
                .filter(|(_, t)| *t == "=")
                .map(|(i, _)| i)
                .nth(clause)
            else {
                continue;
            };
            let result = digits_after(eq + 1);
            if result.is_empty() {
                continue;
            }
            let hidden: Vec<usize> = match masking {
                // The cells `mark_results` gives this clause's value: the result and its repeat.
                Masking::ResultAndItsRepeat { clause } => (0..text.len())
                    .filter(|&i| example.response_results[i] == u8::try_from(clause).ok())
                    .collect(),
                Masking::EverythingAfterEquals => (eq + 1..text.len())
                    .filter(|&i| is_digit(&text[i]))
                    .collect(),
            };
            let first = example.prompt_ids.len();
            let mut canvas = example.prompt_ids.clone();
            canvas.extend(&example.response_ids);
            for &i in &hidden {
                canvas[first + i] = mask;
            }
            let rows: Vec<u32> = result.iter().map(|&i| (first + i) as u32).collect();
            let logits = model.denoiser.logits(&canvas, &rows)?;
            let op = problem.ops()[clause];
            let a = match clause {
                0 => problem.start(),
                k => problem.running_values()[k - 1],
            };
            let b = op.operand;
            let carries = match op.kind {
                unmask::data::arith::OpKind::Add => a % 10 + b % 10 >= 10,
                unmask::data::arith::OpKind::Subtract => a % 10 < b % 10,
            };
            let mut right = 0;
            let units_pred = argmax(&logits[(result.len() - 1) * vocab..result.len() * vocab]);
            let digit_id = |d: u32| model.tokenizer.token_to_id(&d.to_string());
            *out.units_predicted.entry(units_pred).or_default() += 1;
            out.units_is_a += usize::from(digit_id(a % 10) == Some(units_pred));
            out.units_is_b += usize::from(digit_id(b % 10) == Some(units_pred));
            for (r, &i) in result.iter().enumerate() {
                let place = (result.len() - 1 - r).min(2);
                let ok = argmax(&logits[r * vocab..(r + 1) * vocab]) == example.response_ids[i];
                let cell = &mut out.by_place[place][usize::from(carries)];
                cell.0 += usize::from(ok);
                cell.1 += 1;
                right += usize::from(ok);
            }
            out.digits += result.len();
            out.digits_right += right;
            out.sums_right += usize::from(right == result.len());
        }
        Ok(out)
    }

    /// Results probed: every result has a units digit.
    fn units_seen(&self) -> usize {
        self.by_place[0][0].1 + self.by_place[0][1].1
    }

    fn print(&self, dir: &std::path::Path, what: &str) {
        let units_seen = self.units_seen().max(1) as f64;
        println!(
            "{}: {what}, {} problems: {:.1} % exact, {:.1} % of its digits",
            dir.display(),
            self.problems,
            100.0 * self.sums_right as f64 / self.problems.max(1) as f64,
            100.0 * self.digits_right as f64 / self.digits.max(1) as f64
        );
        let share = |(right, total): (usize, usize)| {
            if total == 0 {
                "-".to_string()
            } else {
                format!("{:.1} % of {total}", 100.0 * right as f64 / total as f64)
            }
        };
        for (place, name) in ["units", "tens", "hundreds"].iter().enumerate() {
            println!(
                "    {name:<8} digit: {} without a carry/borrow, {} with one",
                share(self.by_place[place][0]),
                share(self.by_place[place][1])
            );
        }
        println!(
            "    units prediction equals the first operand's units digit {:.1} %, the second's {:.1} %",
            100.0 * self.units_is_a as f64 / units_seen,
            100.0 * self.units_is_b as f64 / units_seen
        );
        let top = self.units_predicted.values().max().copied().unwrap_or(0);
        println!(
            "    {} different units predictions; the most frequent one {:.1} % of the time",
            self.units_predicted.len(),
            100.0 * top as f64 / units_seen
        );
    }
}

/// The id of the largest logit.
fn argmax(row: &[f32]) -> u32 {
    row.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i as u32)
}
