//! Cost of one sampler step apart from the forward pass: analysing every still-masked row of
//! logits (softmax, top-5 guesses for the trace, the commit rule). Two shapes: the embedded
//! model's default arithmetic canvas (60 rows × 2 048) and a LLaDA-8B generation (256 rows ×
//! 126 464), where a step has more than a million logits and the rows are analysed on all cores.
//! Each iteration starts from a fresh canvas and sampler (built outside the timed part), so every
//! timed step does the full work.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use unmask::canvas::{Canvas, plain_template};
use unmask::sampler::{Sampler, SamplerParams};

fn step_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("sampler_step");
    group.sample_size(10);
    for (rows, vocab) in [(60usize, 2048usize), (256, 126_464)] {
        let mask = (vocab - 1) as u32;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let logits: Vec<f32> = (0..rows * vocab)
            .map(|_| rng.random_range(-8.0f32..8.0))
            .collect();
        let params = SamplerParams {
            steps: rows,
            threshold: Some(0.9),
            ..SamplerParams::default()
        };
        let fresh = || {
            let canvas =
                match Canvas::build(&[0], &plain_template(rows), mask, 100_000, |_| Ok(vec![])) {
                    Ok(c) => c,
                    Err(e) => panic!("bench canvas: {e}"),
                };
            let sampler = match Sampler::new(params.clone(), &canvas, vocab) {
                Ok(s) => s,
                Err(e) => panic!("bench sampler: {e}"),
            };
            (canvas, sampler)
        };
        group.bench_function(format!("{rows}x{vocab}"), |b| {
            b.iter_batched(
                fresh,
                |(mut canvas, mut sampler)| {
                    black_box(
                        sampler
                            .step(&mut canvas, black_box(&logits))
                            .map(|d| d.commits.len()),
                    )
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, step_cost);
criterion_main!(benches);
