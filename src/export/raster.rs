//! A small CPU rasterizer for egui's tessellated output, so exports need no GPU and no display.
//!
//! It does what `egui_glow` does, on the CPU: vertex colours and texels are sRGBA with
//! premultiplied alpha and are multiplied in gamma space, fragments are blended with
//! `ONE, ONE_MINUS_SRC_ALPHA`, every mesh is cut to its clip rectangle (rounded to whole pixels)
//! and textures are sampled bilinearly. Pixel centres are sampled once each; egui's tessellator
//! already feathers edges for anti-aliasing. Triangle coverage uses integer edge functions with
//! the top-left rule, so two triangles sharing an edge never blend a pixel twice.

use std::collections::HashMap;

use egui::epaint::textures::TexturesDelta;
use egui::epaint::{ClippedPrimitive, ImageData, Mesh, Primitive, TextureId};
use egui::{Color32, ColorImage};

/// Sub-pixel precision of vertex positions: 1/256 pixel.
const SUBPIXEL_BITS: u32 = 8;
const SUBPIXEL: i64 = 1 << SUBPIXEL_BITS;

/// An RGBA image, row by row from the top, 8 bits per channel, premultiplied alpha.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbaImage {
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// `width_px * height_px` pixels.
    pub pixels: Vec<[u8; 4]>,
}

impl RgbaImage {
    /// An image of one colour.
    pub fn filled(width_px: u32, height_px: u32, color: Color32) -> RgbaImage {
        RgbaImage {
            width_px,
            height_px,
            pixels: vec![color.to_array(); width_px as usize * height_px as usize],
        }
    }

    /// The pixel at `(x, y)` (`None` outside the image).
    pub fn get(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width_px || y >= self.height_px {
            return None;
        }
        self.pixels
            .get(y as usize * self.width_px as usize + x as usize)
            .copied()
    }

    /// The pixels as packed RGB bytes (alpha dropped; exports are opaque).
    pub fn to_rgb_bytes(&self) -> Vec<u8> {
        self.pixels
            .iter()
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect()
    }
}

/// The textures egui asked for (the font atlas, mostly), kept up to date from each frame's
/// [`TexturesDelta`].
#[derive(Default)]
pub struct TextureStore {
    textures: HashMap<TextureId, ColorImage>,
}

impl TextureStore {
    /// Apply new textures and patches; call before painting a frame.
    pub fn apply(&mut self, delta: &TexturesDelta) {
        for (id, deltas) in &delta.set {
            for d in deltas {
                let ImageData::Color(image) = &d.image;
                match d.pos {
                    None => {
                        self.textures.insert(*id, ColorImage::clone(image));
                    }
                    Some([x0, y0]) => {
                        let Some(target) = self.textures.get_mut(id) else {
                            continue;
                        };
                        let [w, h] = image.size;
                        for y in 0..h {
                            for x in 0..w {
                                let (tx, ty) = (x0 + x, y0 + y);
                                if tx < target.size[0] && ty < target.size[1] {
                                    target.pixels[ty * target.size[0] + tx] =
                                        image.pixels[y * w + x];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Forget freed textures and mark the delta handled; call after painting a frame.
    pub fn free(&mut self, delta: &mut TexturesDelta) {
        for id in &delta.free {
            self.textures.remove(id);
        }
        delta.clear();
    }

    fn get(&self, id: TextureId) -> Option<&ColorImage> {
        self.textures.get(&id)
    }
}

/// Paint `primitives` (from `Context::tessellate` at `pixels_per_point`) over `target`.
/// Paint callbacks are skipped (the canvas uses none); meshes naming an unknown texture are drawn
/// as if it were white.
pub fn paint(
    target: &mut RgbaImage,
    primitives: &[ClippedPrimitive],
    textures: &TextureStore,
    pixels_per_point: f32,
) {
    for clipped in primitives {
        let Primitive::Mesh(mesh) = &clipped.primitive else {
            continue;
        };
        let clip = clip_pixels(clipped.clip_rect, pixels_per_point, target);
        if clip.0 >= clip.2 || clip.1 >= clip.3 {
            continue;
        }
        paint_mesh(
            target,
            mesh,
            textures.get(mesh.texture_id),
            pixels_per_point,
            clip,
        );
    }
}

/// A clip rectangle in whole pixels `(min_x, min_y, max_x, max_y)`, max exclusive, inside the
/// target (rounded like egui_glow's scissor).
fn clip_pixels(rect: egui::Rect, ppp: f32, target: &RgbaImage) -> (i64, i64, i64, i64) {
    let w = i64::from(target.width_px);
    let h = i64::from(target.height_px);
    let round = |v: f32, max: i64| ((v * ppp).round() as i64).clamp(0, max);
    (
        round(rect.min.x, w),
        round(rect.min.y, h),
        round(rect.max.x, w),
        round(rect.max.y, h),
    )
}

/// A vertex in sub-pixel integer coordinates with its colour (0..=1) and texture coordinate.
#[derive(Clone, Copy)]
struct Vert {
    x: i64,
    y: i64,
    color: [f32; 4],
    uv: [f32; 2],
}

fn paint_mesh(
    target: &mut RgbaImage,
    mesh: &Mesh,
    texture: Option<&ColorImage>,
    ppp: f32,
    clip: (i64, i64, i64, i64),
) {
    let scale = ppp * SUBPIXEL as f32;
    let vert = |i: u32| -> Option<Vert> {
        let v = mesh.vertices.get(i as usize)?;
        let c = v.color.to_array();
        Some(Vert {
            x: (v.pos.x * scale).round() as i64,
            y: (v.pos.y * scale).round() as i64,
            color: c.map(|ch| f32::from(ch) / 255.0),
            uv: [v.uv.x, v.uv.y],
        })
    };
    for tri in mesh.indices.chunks_exact(3) {
        let (Some(a), Some(b), Some(c)) = (vert(tri[0]), vert(tri[1]), vert(tri[2])) else {
            continue;
        };
        paint_triangle(target, [a, b, c], texture, clip);
    }
}

/// Twice the signed area of `(a, b, p)`: positive when `p` is on the interior side of `a → b`
/// for a triangle of positive area.
fn edge(a: (i64, i64), b: (i64, i64), p: (i64, i64)) -> i64 {
    (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0)
}

/// Whether edge `a → b` is a top or left edge (pixels exactly on it belong to this triangle).
fn top_left(a: (i64, i64), b: (i64, i64)) -> bool {
    (a.1 == b.1 && b.0 > a.0) || b.1 < a.1
}

fn paint_triangle(
    target: &mut RgbaImage,
    mut v: [Vert; 3],
    texture: Option<&ColorImage>,
    clip: (i64, i64, i64, i64),
) {
    let p = |v: &Vert| (v.x, v.y);
    let mut area = edge(p(&v[0]), p(&v[1]), p(&v[2]));
    if area == 0 {
        return;
    }
    if area < 0 {
        v.swap(1, 2);
        area = -area;
    }
    // Bounding box in whole pixels, cut to the clip rectangle.
    let min_x = (v.iter().map(|v| v.x).min().unwrap_or(0) >> SUBPIXEL_BITS).max(clip.0);
    let min_y = (v.iter().map(|v| v.y).min().unwrap_or(0) >> SUBPIXEL_BITS).max(clip.1);
    let max_x = ((v.iter().map(|v| v.x).max().unwrap_or(0) >> SUBPIXEL_BITS) + 1).min(clip.2);
    let max_y = ((v.iter().map(|v| v.y).max().unwrap_or(0) >> SUBPIXEL_BITS) + 1).min(clip.3);
    if min_x >= max_x || min_y >= max_y {
        return;
    }
    let edges = [(1, 2), (2, 0), (0, 1)].map(|(i, j)| (p(&v[i]), p(&v[j])));
    // Pixels exactly on an edge count only for top-left edges.
    let bias = edges.map(|(a, b)| if top_left(a, b) { 0 } else { -1 });
    // Per-pixel increments of each edge function along x and y.
    let dx = edges.map(|(a, b)| -(b.1 - a.1) * SUBPIXEL);
    let dy = edges.map(|(a, b)| (b.0 - a.0) * SUBPIXEL);
    let center = |x: i64, y: i64| (x * SUBPIXEL + SUBPIXEL / 2, y * SUBPIXEL + SUBPIXEL / 2);
    let start = center(min_x, min_y);
    let mut row = edges.map(|(a, b)| edge(a, b, start));

    // Flat triangles (one colour, one texel) are the common case: background, fills, strokes.
    let same_uv = v[0].uv == v[1].uv && v[1].uv == v[2].uv;
    let same_color = v[0].color == v[1].color && v[1].color == v[2].color;
    let flat = (same_uv && same_color).then(|| {
        let texel = sample(texture, v[0].uv);
        to_u8(mul(v[0].color, texel))
    });
    let inv_area = 1.0 / area as f64;
    let width = target.width_px as usize;

    for y in min_y..max_y {
        let mut w = row;
        for x in min_x..max_x {
            if w[0] + bias[0] >= 0 && w[1] + bias[1] >= 0 && w[2] + bias[2] >= 0 {
                let src = match flat {
                    Some(c) => c,
                    None => {
                        let l = w.map(|wi| (wi as f64 * inv_area) as f32);
                        let lerp4 = |f: fn(&Vert) -> [f32; 4]| {
                            let (a, b, c) = (f(&v[0]), f(&v[1]), f(&v[2]));
                            [0, 1, 2, 3].map(|k| a[k] * l[0] + b[k] * l[1] + c[k] * l[2])
                        };
                        let color = lerp4(|v| v.color);
                        let uv = [0, 1]
                            .map(|k| v[0].uv[k] * l[0] + v[1].uv[k] * l[1] + v[2].uv[k] * l[2]);
                        let texel = if same_uv {
                            sample(texture, v[0].uv)
                        } else {
                            sample(texture, uv)
                        };
                        to_u8(mul(color, texel))
                    }
                };
                if let Some(dst) = target.pixels.get_mut(y as usize * width + x as usize) {
                    blend(dst, src);
                }
            }
            for k in 0..3 {
                w[k] += dx[k];
            }
        }
        for k in 0..3 {
            row[k] += dy[k];
        }
    }
}

fn mul(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    [a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]]
}

fn to_u8(c: [f32; 4]) -> [u8; 4] {
    c.map(|ch| (ch * 255.0).round().clamp(0.0, 255.0) as u8)
}

/// Premultiplied "over": `dst = src + dst × (1 − src.a)`.
fn blend(dst: &mut [u8; 4], src: [u8; 4]) {
    let sa = u32::from(src[3]);
    if sa == 255 {
        *dst = src;
        return;
    }
    if src == [0, 0, 0, 0] {
        return;
    }
    let keep = 255 - sa;
    for k in 0..4 {
        let d = (u32::from(dst[k]) * keep + 127) / 255;
        dst[k] = (u32::from(src[k]) + d).min(255) as u8;
    }
}

/// Bilinear sample of `texture` at normalised `uv` (clamped to the edge), as 0..=1 channels;
/// white when there is no texture.
fn sample(texture: Option<&ColorImage>, uv: [f32; 2]) -> [f32; 4] {
    let Some(t) = texture else {
        return [1.0; 4];
    };
    let [w, h] = t.size;
    if w == 0 || h == 0 {
        return [1.0; 4];
    }
    let fx = (uv[0] * w as f32 - 0.5).clamp(0.0, (w - 1) as f32);
    let fy = (uv[1] * h as f32 - 0.5).clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
    let px = |x: usize, y: usize| t.pixels[y * w + x].to_array();
    let (a, b, c, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
    [0, 1, 2, 3].map(|k| {
        let top = f32::from(a[k]) * (1.0 - tx) + f32::from(b[k]) * tx;
        let bottom = f32::from(c[k]) * (1.0 - tx) + f32::from(d[k]) * tx;
        (top * (1.0 - ty) + bottom * ty) / 255.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::epaint::Vertex;
    use egui::{Pos2, Rect, pos2};

    fn quad(mesh: &mut Mesh, rect: Rect, color: Color32) {
        mesh.add_colored_rect(rect, color);
    }

    fn one(mesh: Mesh, clip: Rect) -> Vec<ClippedPrimitive> {
        vec![ClippedPrimitive {
            clip_rect: clip,
            primitive: Primitive::Mesh(mesh),
        }]
    }

    #[test]
    fn an_opaque_rect_covers_exactly_its_pixels_once() {
        let mut img = RgbaImage::filled(10, 10, Color32::BLACK);
        let mut mesh = Mesh::default();
        quad(
            &mut mesh,
            Rect::from_min_max(pos2(2.0, 3.0), pos2(6.0, 8.0)),
            Color32::from_rgb(200, 100, 50),
        );
        paint(
            &mut img,
            &one(mesh, Rect::EVERYTHING),
            &TextureStore::default(),
            1.0,
        );
        let covered = img.pixels.iter().filter(|p| **p != [0, 0, 0, 255]).count();
        assert_eq!(covered, 4 * 5);
        assert_eq!(img.get(2, 3), Some([200, 100, 50, 255]));
        assert_eq!(img.get(5, 7), Some([200, 100, 50, 255]));
        assert_eq!(img.get(6, 7), Some([0, 0, 0, 255]));
    }

    #[test]
    fn a_translucent_rect_blends_once_along_its_diagonal() {
        let mut img = RgbaImage::filled(8, 8, Color32::BLACK);
        let mut mesh = Mesh::default();
        // Half-transparent white, premultiplied.
        quad(
            &mut mesh,
            Rect::from_min_max(Pos2::ZERO, pos2(8.0, 8.0)),
            Color32::from_rgba_premultiplied(128, 128, 128, 128),
        );
        paint(
            &mut img,
            &one(mesh, Rect::EVERYTHING),
            &TextureStore::default(),
            1.0,
        );
        assert!(
            img.pixels.iter().all(|p| *p == [128, 128, 128, 255]),
            "{:?}",
            img.pixels
        );
    }

    #[test]
    fn clip_rect_and_pixels_per_point_apply() {
        let mut img = RgbaImage::filled(20, 20, Color32::BLACK);
        let mut mesh = Mesh::default();
        quad(
            &mut mesh,
            Rect::from_min_max(Pos2::ZERO, pos2(10.0, 10.0)),
            Color32::WHITE,
        );
        let clip = Rect::from_min_max(Pos2::ZERO, pos2(5.0, 10.0));
        paint(&mut img, &one(mesh, clip), &TextureStore::default(), 2.0);
        let covered = img.pixels.iter().filter(|p| p[0] == 255).count();
        assert_eq!(covered, 10 * 20);
    }

    #[test]
    fn vertex_colours_interpolate() {
        let mut img = RgbaImage::filled(101, 1, Color32::BLACK);
        let mut mesh = Mesh::default();
        let v = |x: f32, y: f32, c: Color32| Vertex {
            pos: pos2(x, y),
            uv: egui::epaint::WHITE_UV,
            color: c,
        };
        mesh.vertices = vec![
            v(0.0, 0.0, Color32::BLACK),
            v(101.0, 0.0, Color32::WHITE),
            v(101.0, 1.0, Color32::WHITE),
            v(0.0, 1.0, Color32::BLACK),
        ];
        mesh.indices = vec![0, 1, 2, 0, 2, 3];
        paint(
            &mut img,
            &one(mesh, Rect::EVERYTHING),
            &TextureStore::default(),
            1.0,
        );
        let mid = img.get(50, 0).unwrap_or_default()[0];
        assert!((120..=135).contains(&mid), "{mid}");
        assert!(img.get(0, 0).unwrap_or_default()[0] < 5);
    }
}
