//! Images for tests: photos with EXIF (an orientation and a GPS position), screenshots, GIFs,
//! and headers that claim impossible sizes. Built here, not stored in the repository.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use std::io::Cursor;

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encoding a test image");
    out.into_inner()
}

fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 128]))
}

/// A `w`×`h` PNG, half transparent if `alpha`.
pub fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
    if alpha {
        let img = RgbaImage::from_fn(w, h, |x, _| Rgba([200, 100, 50, if x % 2 == 0 { 255 } else { 0 }]));
        encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png)
    } else {
        encode(&DynamicImage::ImageRgb8(gradient(w, h)), ImageFormat::Png)
    }
}

pub fn gif(w: u32, h: u32) -> Vec<u8> {
    encode(&DynamicImage::ImageRgb8(gradient(w, h)), ImageFormat::Gif)
}

/// A `w`×`h` JPEG carrying EXIF: the given orientation (1–8) and a GPS latitude.
pub fn jpeg_with_exif(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let jpeg = encode(&DynamicImage::ImageRgb8(gradient(w, h)), ImageFormat::Jpeg);
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
    // IFD0: orientation, and where the GPS IFD is.
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
    tiff.extend_from_slice(&38u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 38: latitude N 39°54′0″ (Beijing), its three rationals at 68.
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3]);
    tiff.extend_from_slice(&68u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    for (num, den) in [(39u32, 1u32), (54, 1), (0, 1)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut app1 = vec![0xff, 0xe1];
    let len = u16::try_from(2 + 6 + tiff.len()).expect("small segment");
    app1.extend_from_slice(&len.to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Whether the bytes carry an EXIF block anywhere.
pub fn has_exif(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"Exif\0\0")
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).expect("small chunk").to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A valid PNG header that claims `w`×`h` pixels, followed by almost no data: an image bomb.
pub fn png_header_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of a few zero bytes: would inflate to w×h×3 bytes if anyone tried.
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}
