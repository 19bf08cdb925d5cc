//! Off-screen egui: a headless `egui::Context` with the app's fonts and theme runs the scene,
//! tessellates it, and [`raster`](super::raster) paints the triangles into an RGBA image.

use egui::{Pos2, RawInput, Rect, Vec2, ViewportId};

use super::raster::{self, RgbaImage, TextureStore};
use super::scene::Scene;
use crate::view::palette::Palette;
use crate::view::{fonts, style};

/// Tallest frame rendered, points (a guard against a runaway layout).
const MAX_HEIGHT_PT: f32 = 8192.0;

/// Renders frames of one scene at a fixed size.
pub struct Renderer {
    ctx: egui::Context,
    textures: TextureStore,
    pixels_per_point: f32,
    width_px: u32,
    /// UI time of the next pass, seconds (advances so egui sees time moving).
    time_s: f64,
}

impl Renderer {
    /// A renderer of frames `width_px` wide at `pixels_per_point`, in the theme of `palette`.
    pub fn new(width_px: u32, pixels_per_point: f32, palette: &Palette) -> Renderer {
        let ctx = egui::Context::default();
        fonts::install_fonts(&ctx, &fonts::system_candidates());
        style::apply_theme(&ctx, palette);
        Renderer {
            ctx,
            textures: TextureStore::default(),
            pixels_per_point,
            width_px,
            time_s: 0.0,
        }
    }

    fn input(&mut self, height_pt: f32) -> RawInput {
        let size = Vec2::new(self.width_px as f32 / self.pixels_per_point, height_pt);
        let mut input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, size)),
            time: Some(self.time_s),
            ..RawInput::default()
        };
        input
            .viewports
            .entry(ViewportId::ROOT)
            .or_default()
            .native_pixels_per_point = Some(self.pixels_per_point);
        self.time_s += 0.1;
        input
    }

    /// Run one pass of the scene at `position` in a frame `height_pt` tall; returns the content
    /// height, the output, and keeps the font atlas up to date.
    fn run(&mut self, scene: &mut Scene, position: f64, height_pt: f32) -> (f32, egui::FullOutput) {
        let input = self.input(height_pt);
        let mut needed = 0.0;
        let output = self.ctx.run_ui(input, |ui| {
            needed = scene.ui(ui, position);
        });
        self.textures.apply(&output.textures_delta);
        (needed, output)
    }

    /// The height in pixels that fits the scene at every position of `positions`.
    pub fn measure(&mut self, scene: &mut Scene, positions: &[f64]) -> u32 {
        let mut needed: f32 = 0.0;
        // Fonts load in the first pass; run it once before measuring.
        let (_, mut warm_up) = self.run(
            scene,
            positions.first().copied().unwrap_or(0.0),
            MAX_HEIGHT_PT,
        );
        self.textures.free(&mut warm_up.textures_delta);
        for &position in positions {
            let (h, mut output) = self.run(scene, position, MAX_HEIGHT_PT);
            self.textures.free(&mut output.textures_delta);
            needed = needed.max(h);
        }
        (needed.min(MAX_HEIGHT_PT) * self.pixels_per_point).ceil() as u32
    }

    /// The scene at `position`, `height_px` tall.
    pub fn render(&mut self, scene: &mut Scene, position: f64, height_px: u32) -> RgbaImage {
        let height_pt = height_px as f32 / self.pixels_per_point;
        // Two passes: the first settles layout that egui sizes from the previous pass.
        let (_, mut first) = self.run(scene, position, height_pt);
        self.textures.free(&mut first.textures_delta);
        let (_, mut output) = self.run(scene, position, height_pt);
        let shapes = std::mem::take(&mut output.shapes);
        let primitives = self.ctx.tessellate(shapes, output.pixels_per_point);
        let background = self.ctx.global_style().visuals.panel_fill;
        let mut image = RgbaImage::filled(self.width_px, height_px, background);
        raster::paint(
            &mut image,
            &primitives,
            &self.textures,
            output.pixels_per_point,
        );
        self.textures.free(&mut output.textures_delta);
        image
    }
}
