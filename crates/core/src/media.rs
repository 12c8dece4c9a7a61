//! Images on posts and comments: what may be uploaded and how many go with one thing. The
//! processing (sniffing, decoding, stripping, thumbnails) lives in `canyu-media`; these are
//! the numbers it and the forms agree on.

/// The largest file accepted, as sent: a phone's full-size photo is 3–8 MB.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Pixels of the largest image decoded (a 48-megapixel sensor's binned 12 MP photo passes; a
/// 1-pixel-high strip 40 million wide does not: see [`MAX_IMAGE_SIDE`]). Checked from the
/// file's header before anything is decoded, so an "image bomb" costs nothing.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// The longest side accepted (long screenshots of a chat run to about 10,000 px).
pub const MAX_IMAGE_SIDE: u32 = 16_000;
/// Served images are scaled down to this longest side: sharp on any phone, a fraction of the
/// original's bytes.
pub const DISPLAY_MAX_SIDE: u32 = 2_048;
/// Thumbnails in lists and threads.
pub const THUMB_MAX_SIDE: u32 = 480;
/// Images one post may carry (a phone community's usual nine-grid).
pub const MAX_IMAGES_PER_POST: usize = 9;
/// Images one comment may carry.
pub const MAX_IMAGES_PER_COMMENT: usize = 3;
/// Uploads not attached to a post or comment within this long are deleted.
pub const UNATTACHED_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// The file types accepted, as the browser's file picker is told.
pub const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif";

/// Whether `key` names a stored image: `<64 hex>.jpg|png`, or its thumbnail `<64 hex>_t.jpg`.
/// Served paths are checked against this before the store is asked.
pub fn is_media_key(key: &str) -> bool {
    let (stem, ext) = match key.rsplit_once('.') {
        Some(parts) => parts,
        None => return false,
    };
    let hash = stem.strip_suffix("_t").unwrap_or(stem);
    matches!(ext, "jpg" | "png")
        && hash.len() == 64
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The Content-Type of a stored image, from its key.
pub fn content_type_of(key: &str) -> &'static str {
    if key.ends_with(".png") { "image/png" } else { "image/jpeg" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_keys_are_hashes_with_known_extensions() {
        let hash = "a".repeat(64);
        assert!(is_media_key(&format!("{hash}.jpg")));
        assert!(is_media_key(&format!("{hash}_t.jpg")));
        assert!(is_media_key(&format!("{hash}.png")));
        for bad in [
            format!("{hash}.svg"),
            format!("{}.jpg", "A".repeat(64)),
            format!("{}.jpg", "a".repeat(63)),
            "../etc/passwd".to_string(),
            hash.clone(),
            format!("x/{hash}.jpg"),
        ] {
            assert!(!is_media_key(&bad), "{bad}");
        }
        assert_eq!(content_type_of(&format!("{hash}.png")), "image/png");
        assert_eq!(content_type_of(&format!("{hash}_t.jpg")), "image/jpeg");
    }
}
