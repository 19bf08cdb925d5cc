//! Frame time of the canvas + plots on a synthetic 1024-position, 1024-step trace (top-5 guesses at
//! every mask): the CPU work of one egui frame — running the UI code (layout, text shaping from the
//! galley cache, painting) and tessellating the shapes into meshes — in a headless
//! `egui::Context` at 1600×1000 points. GPU upload and drawing are not included.
//!
//! The cursor moves 7 frames per iteration so each frame shows a different canvas, as playback does.
//! The canvas is laid out once per run (`view::layout`, kept per trace as the app keeps it); the
//! "first frame of a run" case measures that layout too, on a fresh copy of the trace each time.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use egui::{Pos2, RawInput, Rect, Vec2};
use unmask::trace::Trace;
use unmask::trace::synthetic::synthetic_trace;
use unmask::ui::plots::{self, PlotRun};
use unmask::view::canvas::{self, CanvasOptions};
use unmask::view::palette::ColorMode;
use unmask::view::timeline::PlotAxis;

const POSITIONS: usize = 1024;

/// What one frame draws.
#[derive(Clone, Copy)]
struct Scene {
    canvas: bool,
    plots: bool,
    transition: f32,
    color_mode: ColorMode,
}

/// One full egui frame plus tessellation; returns the number of triangles (kept alive).
fn frame(ctx: &egui::Context, trace: &Trace, step: usize, time_s: f64, scene: Scene) -> usize {
    let input = RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1600.0, 1000.0))),
        time: Some(time_s),
        ..RawInput::default()
    };
    let options = CanvasOptions {
        color_mode: scene.color_mode,
        ..CanvasOptions::default()
    };
    let mut out = ctx.run_ui(input, |ui| {
        if scene.plots {
            egui::Panel::bottom("plots")
                .exact_size(260.0)
                .show(ui, |ui| {
                    let runs = [PlotRun {
                        label: "run",
                        trace,
                        color: egui::Color32::LIGHT_BLUE,
                        frame: step,
                    }];
                    plots::plots_ui(ui, &runs, PlotAxis::Step);
                });
        }
        if scene.canvas {
            egui::CentralPanel::default().show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    canvas::canvas_ui(ui, trace, step, scene.transition, &options, None);
                });
            });
        }
    });
    out.textures_delta.clear();
    let meshes = ctx.tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point);
    black_box(meshes.len())
}

fn ui_frame(c: &mut Criterion) {
    let trace = synthetic_trace(POSITIONS, 5, 42);
    let ctx = egui::Context::default();
    // The bundled CJK font only, so the numbers do not depend on the machine's fonts.
    unmask::view::fonts::install_fonts(&ctx, &[]);
    let scenes = [
        (
            "canvas+plots, mid-dissolve, log confidence",
            Scene {
                canvas: true,
                plots: true,
                transition: 0.5,
                color_mode: ColorMode::ConfidenceLog,
            },
        ),
        (
            "canvas+plots, settled, decode order",
            Scene {
                canvas: true,
                plots: true,
                transition: 1.0,
                color_mode: ColorMode::DecodeOrder,
            },
        ),
        (
            "canvas only",
            Scene {
                canvas: true,
                plots: false,
                transition: 0.5,
                color_mode: ColorMode::Confidence,
            },
        ),
        (
            "plots only",
            Scene {
                canvas: false,
                plots: true,
                transition: 1.0,
                color_mode: ColorMode::Confidence,
            },
        ),
    ];
    let mut group = c.benchmark_group("ui_frame_cpu_1024_tokens");
    {
        let scene = Scene {
            canvas: true,
            plots: true,
            transition: 0.5,
            color_mode: ColorMode::ConfidenceLog,
        };
        frame(&ctx, &trace, POSITIONS / 2, 0.0, scene);
        let mut time_s = 0.0;
        group.bench_function(
            "first frame of a run (layout measured over all 1025 frames)",
            |b| {
                b.iter_batched(
                    || trace.clone(),
                    |fresh| {
                        time_s += 1.0 / 60.0;
                        frame(&ctx, &fresh, POSITIONS / 2, time_s, scene)
                    },
                    BatchSize::LargeInput,
                )
            },
        );
    }
    for (name, scene) in scenes {
        // Warm the font atlas and galley cache once.
        frame(&ctx, &trace, POSITIONS / 2, 0.0, scene);
        let mut step = 0usize;
        let mut time_s = 0.0;
        group.bench_function(name, |b| {
            b.iter(|| {
                step = (step + 7) % (POSITIONS + 1);
                time_s += 1.0 / 60.0;
                frame(&ctx, &trace, step, time_s, scene)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ui_frame);
criterion_main!(benches);
