//! Animated GIF writing that keeps the app's colours exact and the file small.
//!
//! Each frame stores only the rectangle that changed since the previous frame, with unchanged
//! pixels inside it transparent (so long runs of them compress to almost nothing), and its own
//! palette of the colours in that rectangle. A palette holds the most frequent colours exactly
//! (the theme's flat fills always are); only when a rectangle has more than 255 colours are the
//! rare ones (anti-aliased text edges) mapped to their nearest kept colour. Identical consecutive
//! frames are merged into one longer frame.

use std::collections::HashMap;
use std::io::Write;

use gif::{DisposalMethod, Encoder, Frame, Repeat};

use super::raster::RgbaImage;

/// Colours a GIF palette holds.
const PALETTE_SIZE: usize = 256;

/// Writes frames of one size into an animated GIF.
pub struct GifWriter<W: Write> {
    encoder: Encoder<W>,
    width_px: u16,
    height_px: u16,
    /// The last frame added (true colours), to find what changed.
    previous: Option<RgbaImage>,
    /// A frame waiting for its delay to be final (the next frame may be identical).
    pending: Option<Frame<'static>>,
    /// Milliseconds of animation written so far, to round delays without drift.
    elapsed_ms: u64,
    /// Frames written.
    frames: usize,
}

/// A GIF error as text.
pub type GifError = String;

impl<W: Write> GifWriter<W> {
    /// Start a looping GIF of `width_px × height_px`.
    pub fn new(out: W, width_px: u32, height_px: u32) -> Result<GifWriter<W>, GifError> {
        let w =
            u16::try_from(width_px).map_err(|_| format!("{width_px} px is too wide for a GIF"))?;
        let h = u16::try_from(height_px)
            .map_err(|_| format!("{height_px} px is too tall for a GIF"))?;
        let mut encoder = Encoder::new(out, w, h, &[]).map_err(|e| e.to_string())?;
        encoder
            .set_repeat(Repeat::Infinite)
            .map_err(|e| e.to_string())?;
        Ok(GifWriter {
            encoder,
            width_px: w,
            height_px: h,
            previous: None,
            pending: None,
            elapsed_ms: 0,
            frames: 0,
        })
    }

    /// Add a frame shown for `delay_ms` (rounded to the GIF's 10 ms ticks, without drift).
    pub fn add(&mut self, image: &RgbaImage, delay_ms: u32) -> Result<(), GifError> {
        if image.width_px != u32::from(self.width_px)
            || image.height_px != u32::from(self.height_px)
        {
            return Err(format!(
                "frame is {}×{} px, the GIF {}×{}",
                image.width_px, image.height_px, self.width_px, self.height_px
            ));
        }
        let start_cs = self.elapsed_ms.div_ceil(10);
        self.elapsed_ms += u64::from(delay_ms);
        // At least 2 ticks: browsers show shorter delays as 100 ms.
        let delay_cs =
            (self.elapsed_ms.div_ceil(10) - start_cs).clamp(2, u64::from(u16::MAX)) as u16;
        let changed = match &self.previous {
            None => Some(Bounds::all(image)),
            Some(prev) => Bounds::changed(prev, image),
        };
        match (changed, self.pending.as_mut()) {
            (None, Some(pending)) => {
                pending.delay = pending.delay.saturating_add(delay_cs);
            }
            (changed, _) => {
                self.flush()?;
                let bounds = changed.unwrap_or(Bounds {
                    x: 0,
                    y: 0,
                    w: 1,
                    h: 1,
                });
                let mut frame = encode_frame(self.previous.as_ref(), image, bounds);
                frame.delay = delay_cs;
                self.pending = Some(frame);
            }
        }
        self.previous = Some(image.clone());
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GifError> {
        if let Some(frame) = self.pending.take() {
            self.encoder
                .write_frame(&frame)
                .map_err(|e| e.to_string())?;
            self.frames += 1;
        }
        Ok(())
    }

    /// Write the last frame and the trailer; returns the number of GIF frames written and the
    /// writer.
    pub fn finish(mut self) -> Result<(usize, W), GifError> {
        self.flush()?;
        let frames = self.frames;
        let out = self.encoder.into_inner().map_err(|e| e.to_string())?;
        Ok((frames, out))
    }
}

/// A rectangle of pixels, `w × h` at `(x, y)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bounds {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

impl Bounds {
    fn all(image: &RgbaImage) -> Bounds {
        Bounds {
            x: 0,
            y: 0,
            w: image.width_px,
            h: image.height_px,
        }
    }

    /// The smallest rectangle holding every pixel that differs; `None` when none does.
    fn changed(a: &RgbaImage, b: &RgbaImage) -> Option<Bounds> {
        let width = b.width_px as usize;
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for (i, (p, q)) in a.pixels.iter().zip(&b.pixels).enumerate() {
            if p != q {
                let (x, y) = (i % width, i / width);
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
        (x0 != usize::MAX).then(|| Bounds {
            x: x0 as u32,
            y: y0 as u32,
            w: (x1 - x0 + 1) as u32,
            h: (y1 - y0 + 1) as u32,
        })
    }
}

fn rgb(p: [u8; 4]) -> [u8; 3] {
    [p[0], p[1], p[2]]
}

/// Pixels a colour must cover to be kept exactly when a frame has too many colours (a cell's fill
/// covers hundreds; an anti-aliased edge shade or a gradient step a few dozen).
const EXACT_MIN_PIXELS: u32 = 100;
/// Palette entries always left for the means of the rare colours when a frame has too many.
const SHARED_ENTRIES: usize = 32;

/// The palette of `counts` (colour → pixels): all colours if they fit in `room`; else the flat
/// fills (colours covering at least [`EXACT_MIN_PIXELS`]) exactly, and the means of median-cut
/// boxes of the rest (anti-aliased edges, gradients) in the entries left, so those stay close.
fn choose_palette(counts: HashMap<[u8; 3], u32>, room: usize) -> Vec<[u8; 3]> {
    let mut colors: Vec<([u8; 3], u32)> = counts.into_iter().collect();
    // Most frequent first; ties by colour so the output is deterministic.
    colors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if colors.len() <= room {
        return colors.into_iter().map(|(c, _)| c).collect();
    }
    let exact = colors
        .iter()
        .take_while(|c| c.1 >= EXACT_MIN_PIXELS)
        .count()
        .min(room.saturating_sub(SHARED_ENTRIES));
    let rest = colors.split_off(exact);
    let mut palette: Vec<[u8; 3]> = colors.into_iter().map(|(c, _)| c).collect();
    palette.extend(median_cut(rest, room - exact));
    palette
}

/// Up to `boxes` colours standing for `colors` (with counts): split the box with the widest
/// channel range at its median until there are `boxes`, then take each box's weighted mean.
fn median_cut(colors: Vec<([u8; 3], u32)>, boxes: usize) -> Vec<[u8; 3]> {
    let range = |b: &[([u8; 3], u32)]| -> (usize, u8) {
        (0..3)
            .map(|k| {
                let lo = b.iter().map(|c| c.0[k]).min().unwrap_or(0);
                let hi = b.iter().map(|c| c.0[k]).max().unwrap_or(0);
                (k, hi - lo)
            })
            .max_by_key(|&(_, r)| r)
            .unwrap_or((0, 0))
    };
    let mut parts: Vec<Vec<([u8; 3], u32)>> = vec![colors];
    while parts.len() < boxes {
        // The box with the widest range that can still be split.
        let Some((i, channel)) = parts
            .iter()
            .enumerate()
            .filter(|(_, b)| b.len() > 1)
            .map(|(i, b)| (i, range(b)))
            .max_by_key(|&(_, (_, r))| r)
            .filter(|&(_, (_, r))| r > 0)
            .map(|(i, (k, _))| (i, k))
        else {
            break;
        };
        let mut part = parts.swap_remove(i);
        part.sort_by_key(|c| c.0[channel]);
        // Split at the median of the distinct colours, not of the pixels: a gradient's many
        // rare steps then get as many entries as the shades of text edges.
        let cut = (part.len() / 2).clamp(1, part.len() - 1);
        let upper = part.split_off(cut);
        parts.push(part);
        parts.push(upper);
    }
    parts
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| {
            let total: u64 = b.iter().map(|c| u64::from(c.1)).sum::<u64>().max(1);
            [0, 1, 2].map(|k| {
                let sum: u64 = b.iter().map(|c| u64::from(c.0[k]) * u64::from(c.1)).sum();
                ((sum + total / 2) / total) as u8
            })
        })
        .collect()
}

/// Index of the palette colour nearest to `c` (squared RGB distance, weighted for the eye).
fn nearest(palette: &[[u8; 3]], c: [u8; 3]) -> u8 {
    let dist = |p: &[u8; 3]| {
        let d = |k: usize| i32::from(p[k]) - i32::from(c[k]);
        2 * d(0) * d(0) + 4 * d(1) * d(1) + 3 * d(2) * d(2)
    };
    palette
        .iter()
        .enumerate()
        .min_by_key(|(_, p)| dist(p))
        .map_or(0, |(i, _)| i as u8)
}

/// The GIF frame of the `bounds` of `image`: pixels equal to `previous` become transparent.
fn encode_frame(previous: Option<&RgbaImage>, image: &RgbaImage, bounds: Bounds) -> Frame<'static> {
    let width = image.width_px as usize;
    let index = |x: u32, y: u32| y as usize * width + x as usize;
    let same = |x: u32, y: u32| {
        previous.is_some_and(|p| p.pixels[index(x, y)] == image.pixels[index(x, y)])
    };
    let mut counts: HashMap<[u8; 3], u32> = HashMap::new();
    let mut any_same = false;
    for y in bounds.y..bounds.y + bounds.h {
        for x in bounds.x..bounds.x + bounds.w {
            if same(x, y) {
                any_same = true;
            } else {
                *counts.entry(rgb(image.pixels[index(x, y)])).or_default() += 1;
            }
        }
    }
    let room = if any_same {
        PALETTE_SIZE - 1
    } else {
        PALETTE_SIZE
    };
    let palette = choose_palette(counts, room);
    let exact: HashMap<[u8; 3], u8> = palette
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i as u8))
        .collect();
    let transparent = any_same.then_some(palette.len() as u8);
    let mut mapped: HashMap<[u8; 3], u8> = HashMap::new();
    let mut buffer = Vec::with_capacity(bounds.w as usize * bounds.h as usize);
    for y in bounds.y..bounds.y + bounds.h {
        for x in bounds.x..bounds.x + bounds.w {
            if same(x, y) {
                buffer.push(transparent.unwrap_or(0));
                continue;
            }
            let c = rgb(image.pixels[index(x, y)]);
            let i = match exact.get(&c) {
                Some(&i) => i,
                None => *mapped.entry(c).or_insert_with(|| nearest(&palette, c)),
            };
            buffer.push(i);
        }
    }
    let mut flat: Vec<u8> = palette.iter().flatten().copied().collect();
    if transparent.is_some() {
        flat.extend_from_slice(&[0, 0, 0]);
    }
    // A palette needs at least two entries.
    while flat.len() < 6 {
        flat.extend_from_slice(&[0, 0, 0]);
    }
    Frame {
        left: bounds.x as u16,
        top: bounds.y as u16,
        width: bounds.w as u16,
        height: bounds.h as u16,
        buffer: buffer.into(),
        palette: Some(flat),
        transparent,
        dispose: DisposalMethod::Keep,
        ..Frame::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::Color32;

    /// Decode a GIF into full RGBA frames (compositing each sub-rectangle over the last).
    pub fn decode(bytes: &[u8]) -> Vec<(Vec<[u8; 4]>, u16)> {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::RGBA);
        let mut d = options.read_info(bytes).unwrap();
        let (w, h) = (d.width() as usize, d.height() as usize);
        let mut canvas = vec![[0u8; 4]; w * h];
        let mut out = Vec::new();
        while let Some(f) = d.read_next_frame().unwrap() {
            for y in 0..f.height as usize {
                for x in 0..f.width as usize {
                    let i = (y * f.width as usize + x) * 4;
                    let px = [
                        f.buffer[i],
                        f.buffer[i + 1],
                        f.buffer[i + 2],
                        f.buffer[i + 3],
                    ];
                    if px[3] != 0 {
                        canvas[(f.top as usize + y) * w + f.left as usize + x] = px;
                    }
                }
            }
            out.push((canvas.clone(), f.delay));
        }
        out
    }

    fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> RgbaImage {
        let mut img = RgbaImage::filled(w, h, Color32::BLACK);
        for y in 0..h {
            for x in 0..w {
                img.pixels[(y * w + x) as usize] = f(x, y);
            }
        }
        img
    }

    #[test]
    fn frames_round_trip_exactly_when_colours_fit() {
        let a = image(16, 8, |x, _| [x as u8 * 10, 50, 60, 255]);
        let b = image(16, 8, |x, y| {
            if (4..8).contains(&x) && y == 3 {
                [255, 0, 0, 255]
            } else {
                [x as u8 * 10, 50, 60, 255]
            }
        });
        let mut w = GifWriter::new(Vec::new(), 16, 8).unwrap();
        w.add(&a, 100).unwrap();
        w.add(&b, 100).unwrap();
        w.add(&b, 250).unwrap();
        let (frames, bytes) = w.finish().unwrap();
        assert_eq!(frames, 2, "identical frames merge");
        let decoded = decode(&bytes);
        assert_eq!(decoded.len(), 2);
        assert_eq!(decoded[0].0, a.pixels);
        assert_eq!(decoded[1].0, b.pixels);
        assert_eq!(decoded[0].1, 10);
        assert_eq!(decoded[1].1, 35);
    }

    #[test]
    fn many_colours_keep_the_frequent_ones_exact() {
        // 300 distinct greys in one row, and a large flat area of one colour.
        let img = image(300, 4, |x, y| {
            if y == 0 {
                [x as u8, (x / 2) as u8, (x / 3) as u8, 255]
            } else {
                [12, 200, 99, 255]
            }
        });
        let mut w = GifWriter::new(Vec::new(), 300, 4).unwrap();
        w.add(&img, 100).unwrap();
        let (_, bytes) = w.finish().unwrap();
        let decoded = decode(&bytes);
        assert_eq!(decoded[0].0[300 * 2 + 7], [12, 200, 99, 255]);
        // Rare colours land near their true value.
        let p = decoded[0].0[150];
        assert!(p[0].abs_diff(150) < 8, "{p:?}");
    }
}
