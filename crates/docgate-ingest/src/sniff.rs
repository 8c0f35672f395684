//! Content sniffing: the real format from magic bytes, never from the file name.

use docgate_core::Format;

/// How far into the file a `%PDF-` header may start: real PDFs sometimes carry junk before
/// it (mail gateways, broken uploaders), and readers accept up to 1024 bytes of it.
pub(crate) const PDF_HEADER_WINDOW: usize = 1024;

/// The real format of `bytes`, from magic numbers:
/// JPEG `FF D8 FF`, PNG signature, `RIFF....WEBP`, TIFF `II*\0` / `MM\0*`, BMP `BM` with a
/// known DIB header size, GIF87a/89a, `%PDF-` within the first 1024 bytes, and an ISO-BMFF
/// `ftyp` box with a HEIF brand. `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Some(Format::Webp);
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Some(Format::Tiff);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(Format::Gif);
    }
    if is_bmp(bytes) {
        return Some(Format::Bmp);
    }
    if is_heif(bytes) {
        return Some(Format::Heic);
    }
    if pdf_header_offset(bytes).is_some() {
        return Some(Format::Pdf);
    }
    None
}

/// Where `%PDF-` starts, if it does within the header window.
pub(crate) fn pdf_header_offset(bytes: &[u8]) -> Option<usize> {
    let window = &bytes[..bytes.len().min(PDF_HEADER_WINDOW + 5)];
    window.windows(5).position(|w| w == b"%PDF-")
}

/// `BM` alone is two ASCII letters (any text starting "BMW…" would match), so also require a
/// DIB header size that some BMP version actually uses.
fn is_bmp(bytes: &[u8]) -> bool {
    if bytes.len() < 18 || !bytes.starts_with(b"BM") {
        return false;
    }
    let dib = u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]);
    matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

/// An ISO-BMFF `ftyp` box whose major brand is a HEIF one. `mif1`/`msf1` are also the
/// generic brands AVIF files list, so those count only when no AVIF brand is listed.
fn is_heif(bytes: &[u8]) -> bool {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let major = &bytes[8..12];
    if matches!(
        major,
        b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis"
    ) {
        return true;
    }
    if matches!(major, b"mif1" | b"msf1") {
        let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        let end = size.clamp(16, 256).min(bytes.len());
        let compatible = bytes.get(16..end).unwrap_or(&[]);
        return !compatible
            .chunks_exact(4)
            .any(|b| b == b"avif" || b == b"avis");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nxxxx"), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Some(Format::Tiff));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Some(Format::Tiff));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(Format::Gif));
        let mut bmp = b"BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec();
        assert_eq!(sniff(&bmp), Some(Format::Bmp));
        bmp[14] = 7;
        assert_eq!(sniff(&bmp), None);
        assert_eq!(sniff(b"BMW owners club minutes"), None);
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Format::Pdf));
        let mut junk = vec![b'x'; 1000];
        junk.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff(&junk), Some(Format::Pdf));
        let mut far = vec![b'x'; 2000];
        far.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff(&far), None);
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Some(Format::Heic)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic"),
            Some(Format::Heic)
        );
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1avif"), None);
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0isomiso2"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"hello"), None);
    }
}
