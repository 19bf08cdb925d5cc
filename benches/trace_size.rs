//! Size and speed of a large trace: 1024 positions decoded in 1024 steps with top-5 guesses at
//! every still-masked position. Prints the in-memory and on-disk sizes, then times `frame_at` in the
//! middle and at the end, and `Trace::load` of the file.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use unmask::trace::Trace;
use unmask::trace::synthetic::synthetic_trace;

const POSITIONS: usize = 1024;
const TOP_K: u8 = 5;

fn trace_size(c: &mut Criterion) {
    let trace = synthetic_trace(POSITIONS, TOP_K, 1);
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("cannot create a temporary folder: {e}");
            return;
        }
    };
    let path = dir.path().join("large.trace");
    if let Err(e) = trace.save(&path) {
        eprintln!("{e}");
        return;
    }
    let disk_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mb = |b: f64| b / 1_000_000.0;
    println!(
        "trace of {POSITIONS} positions, {} steps, top_k {TOP_K}: in memory {:.2} MB ({} bytes), on disk {:.2} MB ({disk_bytes} bytes), {} token ids",
        trace.steps.len(),
        mb(trace.memory_bytes() as f64),
        trace.memory_bytes(),
        mb(disk_bytes as f64),
        trace.tokens.len(),
    );

    let middle = trace.frame_count() / 2;
    let last = trace.frame_count() - 1;
    c.bench_function("frame_at middle (1024 positions)", |b| {
        b.iter(|| black_box(trace.frame_at(black_box(middle))))
    });
    c.bench_function("frame_at last (1024 positions)", |b| {
        b.iter(|| black_box(trace.frame_at(black_box(last))))
    });
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("Trace::load 1024×1024 top-5", |b| {
        b.iter(|| black_box(Trace::load(&path).map(|t| t.steps.len())))
    });
    group.finish();
}

criterion_group!(benches, trace_size);
criterion_main!(benches);
