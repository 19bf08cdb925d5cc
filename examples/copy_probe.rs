//! How well a model copies the first operand of a problem into its working: for held-out
//! 3-operation problems in the reasoning-first layout, the model predicts the first reasoning cell
//! (the first digit of the start value) once with the whole response masked and once with only
//! that cell masked. The MODEL_CARD's "What limits it" table comes from this.
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
    let argmax = |row: &[f32]| {
        row.iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i as u32)
    };
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
