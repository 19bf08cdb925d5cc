//! PNG files, one per frame, for frame-by-frame slides.

use std::io::BufWriter;
use std::path::Path;

use super::ExportError;
use super::raster::RgbaImage;

/// Write `image` as an opaque 8-bit RGB PNG.
pub fn write_png(image: &RgbaImage, path: &Path) -> Result<(), ExportError> {
    let mut bytes = Vec::new();
    {
        let mut encoder =
            png::Encoder::new(BufWriter::new(&mut bytes), image.width_px, image.height_px);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        let png_error = |e: png::EncodingError| ExportError::Png {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer
            .write_image_data(&image.to_rgb_bytes())
            .map_err(png_error)?;
        writer.finish().map_err(png_error)?;
    }
    super::write_atomic(path, &bytes)
}
