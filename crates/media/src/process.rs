//! From the bytes a phone sent to the images canyu serves. The type is read from the bytes
//! (never the file name or the Content-Type a client claims), the dimensions from the header
//! before any pixel is decoded, and what is served is re-encoded from pixels: EXIF (with the
//! photo's location), XMP, ICC profiles and comments never reach another fan, and a file that
//! only pretends to be an image never reaches a browser.

use canyu_core::ErrorCode;
use canyu_core::media::{
    DISPLAY_MAX_SIDE, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, THUMB_MAX_SIDE,
};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// Photos are served at this JPEG quality: indistinguishable on a phone, about a third of the
/// camera's bytes.
const JPEG_QUALITY: u8 = 82;
/// Decoders may allocate at most this much (a 40-megapixel RGBA image is 160 MB).
const MAX_DECODE_ALLOC: u64 = 192 * 1024 * 1024;

/// An upload made safe to serve: the display image and its thumbnail, content-addressed.
#[derive(Debug, Clone)]
pub struct ProcessedImage {
    /// `<sha256 of display>.jpg|png`: the same picture uploaded twice is stored once.
    pub key: String,
    pub display: Vec<u8>,
    /// `<same hash>_t.jpg`.
    pub thumb_key: String,
    pub thumb: Vec<u8>,
    pub content_type: &'static str,
    /// Of the display image, upright.
    pub width: u32,
    pub height: u32,
}

/// The formats accepted, by their magic bytes.
fn sniff(bytes: &[u8]) -> Result<ImageFormat, ErrorCode> {
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif)) => Ok(f),
        _ => Err(ErrorCode::ImageUnsupportedType),
    }
}

/// Checks, decodes, strips and scales one upload. CPU-bound (tens of milliseconds for a
/// phone photo): call it off the async runtime.
pub fn process(bytes: &[u8]) -> Result<ProcessedImage, ErrorCode> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ErrorCode::ImageTooLarge);
    }
    let format = sniff(bytes)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(ErrorCode::ImageCorrupt);
    }
    if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE || u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(ErrorCode::ImageDimensionsTooLarge);
    }
    // Phones store photos sideways and say which way is up in EXIF; the EXIF goes, so the
    // rotation is applied to the pixels first.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    image.apply_orientation(orientation);

    let transparent = image.color().has_alpha() && has_transparency(&image);
    let as_png = transparent || matches!(format, ImageFormat::Png | ImageFormat::Gif);
    let display = fit(image, DISPLAY_MAX_SIDE);
    let (width, height) = (display.width(), display.height());
    let (display_bytes, content_type, ext) = if as_png {
        (encode_png(&display)?, "image/png", "png")
    } else {
        (encode_jpeg(&display)?, "image/jpeg", "jpg")
    };
    let thumb = encode_jpeg(&fit(display, THUMB_MAX_SIDE))?;
    let hash = hex::encode(Sha256::digest(&display_bytes));
    Ok(ProcessedImage {
        key: format!("{hash}.{ext}"),
        thumb_key: format!("{hash}_t.jpg"),
        display: display_bytes,
        thumb,
        content_type,
        width,
        height,
    })
}

/// Why a decoder gave up, as the fan is told it.
fn refusal(e: image::ImageError) -> ErrorCode {
    match e {
        image::ImageError::Limits(_) => ErrorCode::ImageDimensionsTooLarge,
        image::ImageError::Unsupported(_) => ErrorCode::ImageUnsupportedType,
        _ => ErrorCode::ImageCorrupt,
    }
}

fn has_transparency(image: &DynamicImage) -> bool {
    match image {
        DynamicImage::ImageRgba8(px) => px.pixels().any(|p| p.0[3] < 255),
        DynamicImage::ImageLumaA8(px) => px.pixels().any(|p| p.0[1] < 255),
        other => other.to_rgba8().pixels().any(|p| p.0[3] < 255),
    }
}

/// Scales down (never up) so the longest side is at most `max_side`.
fn fit(image: DynamicImage, max_side: u32) -> DynamicImage {
    if image.width() <= max_side && image.height() <= max_side {
        return image;
    }
    image.resize(max_side, max_side, FilterType::Lanczos3)
}

fn encode_jpeg(image: &DynamicImage) -> Result<Vec<u8>, ErrorCode> {
    // JPEG has no alpha: transparent pixels go onto white, as a chat app shows them.
    let rgb = if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        let mut flat = image::RgbImage::new(rgba.width(), rgba.height());
        for (dst, src) in flat.pixels_mut().zip(rgba.pixels()) {
            let a = u16::from(src.0[3]);
            for c in 0..3 {
                let blended = (u16::from(src.0[c]) * a + 255 * (255 - a)) / 255;
                dst.0[c] = u8::try_from(blended).unwrap_or(u8::MAX);
            }
        }
        flat
    } else {
        image.to_rgb8()
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .write_image(rgb.as_raw(), rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8)
        .map_err(|e| internal(&e))?;
    Ok(out)
}

fn encode_png(image: &DynamicImage) -> Result<Vec<u8>, ErrorCode> {
    let rgba = image.to_rgba8();
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(rgba.as_raw(), rgba.width(), rgba.height(), image::ExtendedColorType::Rgba8)
        .map_err(|e| internal(&e))?;
    Ok(out)
}

fn internal(e: &image::ImageError) -> ErrorCode {
    tracing::error!(error = %e, "encoding an upload failed");
    ErrorCode::Internal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn a_photo_comes_back_upright_without_its_exif() {
        // 40×20, EXIF orientation 6 (rotate 90° clockwise) and a GPS position.
        let jpeg = testing::jpeg_with_exif(40, 20, 6);
        assert!(testing::has_exif(&jpeg));
        let out = process(&jpeg).expect("a photo");
        assert_eq!((out.width, out.height), (20, 40), "rotated upright");
        assert_eq!(out.content_type, "image/jpeg");
        assert!(!testing::has_exif(&out.display), "EXIF stripped");
        assert!(!testing::has_exif(&out.thumb));
        assert!(out.key.ends_with(".jpg") && out.thumb_key.ends_with("_t.jpg"));
        assert_eq!(&out.key[..64], &out.thumb_key[..64]);
    }

    #[test]
    fn large_photos_are_scaled_to_the_display_size() {
        let out = process(&testing::png(3000, 1000, false)).expect("a screenshot");
        assert_eq!((out.width, out.height), (DISPLAY_MAX_SIDE, 683));
        assert_eq!(out.content_type, "image/png");
        let thumb = image::load_from_memory(&out.thumb).expect("thumb decodes");
        assert_eq!(thumb.width(), THUMB_MAX_SIDE);
    }

    #[test]
    fn transparent_webp_or_gif_is_kept_as_png() {
        let out = process(&testing::png(10, 10, true)).expect("png");
        assert_eq!(out.content_type, "image/png");
        let gif = testing::gif(8, 8);
        assert_eq!(process(&gif).expect("gif").content_type, "image/png");
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".repeat(10);
        assert_eq!(process(&elf).unwrap_err(), ErrorCode::ImageUnsupportedType);
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(process(svg).unwrap_err(), ErrorCode::ImageUnsupportedType);
        assert_eq!(process(b"%PDF-1.7\n").unwrap_err(), ErrorCode::ImageUnsupportedType);
        assert_eq!(process(b"").unwrap_err(), ErrorCode::ImageUnsupportedType);
        // A JPEG's first bytes and then nothing.
        assert_eq!(process(b"\xff\xd8\xff\xe0\0\x10JFIF\0").unwrap_err(), ErrorCode::ImageCorrupt);
    }

    #[test]
    fn an_image_bomb_is_refused_from_its_header() {
        // 100,000 × 100,000 pixels claimed by a file of a few dozen bytes.
        let bomb = testing::png_header_claiming(100_000, 100_000);
        assert_eq!(process(&bomb).unwrap_err(), ErrorCode::ImageDimensionsTooLarge);
        // Each side allowed, the area not: 15,000 × 15,000 = 225 megapixels.
        let wide = testing::png_header_claiming(15_000, 15_000);
        assert_eq!(process(&wide).unwrap_err(), ErrorCode::ImageDimensionsTooLarge);
    }

    #[test]
    fn oversize_files_are_refused_before_sniffing() {
        let mut big = testing::png(4, 4, false);
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(process(&big).unwrap_err(), ErrorCode::ImageTooLarge);
    }
}
