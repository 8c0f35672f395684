//! Raster images (JPEG, PNG, WebP, TIFF, BMP, GIF): header measurement and bounded decoding.

use std::io::Cursor;

use docgate_core::{Format, IngestProblem, IngestProblemKind, PageMeasurements};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};

use crate::{page, problem, Limits};

fn image_format(format: Format) -> Option<ImageFormat> {
    Some(match format {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::Webp => ImageFormat::WebP,
        Format::Tiff => ImageFormat::Tiff,
        Format::Bmp => ImageFormat::Bmp,
        Format::Gif => ImageFormat::Gif,
        Format::Pdf | Format::Heic => return None,
    })
}

/// The decoder limits matching our caps. Each side may be as long as the whole pixel budget
/// (a 1-pixel strip is fine); the product is checked separately, before decoding.
fn decoder_limits(limits: &Limits) -> image::Limits {
    let side = u32::try_from(limits.max_pixels()).unwrap_or(u32::MAX);
    let mut l = image::Limits::default();
    l.max_image_width = Some(side);
    l.max_image_height = Some(side);
    l.max_alloc = Some(limits.max_alloc());
    l
}

/// Header-only measurement of one image: its page (size after EXIF orientation) and, when
/// the header is fine, a structural problem found cheaply (a JPEG without EOI, a PNG without
/// IEND: both [`IngestProblemKind::Truncated`]).
pub(crate) fn measure(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<(PageMeasurements, Option<IngestProblem>), IngestProblem> {
    let (width, height, orientation) = header(bytes, format, limits)?;
    let (width, height) = if swaps_axes(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    Ok((page(0, width, height), completeness(bytes, format).err()))
}

/// Reads the header: stored dimensions (checked against the pixel cap) and EXIF orientation.
fn header(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<(u32, u32, Orientation), IngestProblem> {
    let Some(fmt) = image_format(format) else {
        return Err(problem(
            IngestProblemKind::UnsupportedFormat,
            format!("{format} is not a raster format"),
        ));
    };
    if format == Format::Png {
        // Checked by hand before the png crate sees the file, so that not even a decoder is
        // built for an absurd claim.
        let (w, h) = png_ihdr(bytes)?;
        check_pixels(w, h, limits)?;
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), fmt);
    // Only dimensions are strict here: they are what we want to report, so a too-large image
    // must reach our own check (with its numbers) rather than fail inside the decoder.
    let mut l = decoder_limits(limits);
    l.max_image_width = None;
    l.max_image_height = None;
    reader.limits(l);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| image_problem(&e, format))?;
    let (w, h) = decoder.dimensions();
    check_pixels(w, h, limits)?;
    // A broken EXIF block must not fail measurement: the pixels are still there.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    Ok((w, h, orientation))
}

fn check_pixels(w: u32, h: u32, limits: &Limits) -> Result<(), IngestProblem> {
    if w == 0 || h == 0 {
        return Err(problem(
            IngestProblemKind::Corrupt,
            format!("the header claims an empty image ({w}×{h})"),
        ));
    }
    if !limits.pixels_ok(u64::from(w), u64::from(h)) {
        return Err(problem(
            IngestProblemKind::TooManyPixels,
            format!(
                "the header claims {w}×{h} = {:.1} MP; the cap is {} MP",
                f64::from(w) * f64::from(h) / 1e6,
                limits.max_megapixels
            ),
        ));
    }
    Ok(())
}

/// EXIF orientations 5–8 turn the picture by a quarter, so width and height trade places.
fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Width and height from a PNG's IHDR, which must be the first chunk.
fn png_ihdr(bytes: &[u8]) -> Result<(u32, u32), IngestProblem> {
    let Some(ihdr) = bytes.get(8..24) else {
        return Err(problem(
            IngestProblemKind::Truncated,
            "the PNG ends inside its IHDR header",
        ));
    };
    if &ihdr[4..8] != b"IHDR" {
        return Err(problem(
            IngestProblemKind::Corrupt,
            "the PNG does not start with an IHDR chunk",
        ));
    }
    let w = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let h = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    Ok((w, h))
}

/// Cheap structural completeness for the formats whose truncation is common (interrupted
/// phone uploads) and whose decoders may hide it (zune-jpeg fills missing scan data with grey
/// rather than failing).
pub(crate) fn completeness(bytes: &[u8], format: Format) -> Result<(), IngestProblem> {
    match format {
        Format::Jpeg => jpeg_complete(bytes),
        Format::Png => png_complete(bytes),
        _ => Ok(()),
    }
}

/// Walks the JPEG's marker segments from SOI to EOI: segment lengths skip APPn blocks (whose
/// EXIF thumbnails carry their own EOI) and entropy-coded data is scanned for the next real
/// marker (`FF` followed by neither `00` stuffing nor `D0`–`D7` restarts), so an `FF D9` is
/// only ever taken from where a marker can stand. Bytes after EOI (motion-photo videos,
/// vendor trailers, often megabytes) are ignored, which a "search the last few KB" test would
/// get wrong. One linear pass over the bytes; no allocation.
fn jpeg_complete(b: &[u8]) -> Result<(), IngestProblem> {
    let truncated = || {
        problem(
            IngestProblemKind::Truncated,
            "the JPEG ends before its end-of-image marker (FFD9): the upload was cut off",
        )
    };
    let mut i = 2; // after SOI
    loop {
        // Find the marker prefix; tolerate stray bytes between segments as decoders do.
        let Some(off) = b.get(i..).and_then(|r| r.iter().position(|&x| x == 0xFF)) else {
            return Err(truncated());
        };
        i += off;
        while b.get(i + 1) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        let Some(&marker) = b.get(i + 1) else {
            return Err(truncated());
        };
        match marker {
            0xD9 => return Ok(()),
            0x00 | 0x01 | 0xD0..=0xD8 => i += 2,
            _ => {
                let Some(len) = b.get(i + 2..i + 4) else {
                    return Err(truncated());
                };
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                i += 2 + len.max(2);
                if i > b.len() {
                    return Err(truncated());
                }
                if marker == 0xDA {
                    i = skip_entropy_coded(b, i).ok_or_else(truncated)?;
                }
            }
        }
    }
}

/// From the start of scan data, the index of the next marker that is not a restart.
fn skip_entropy_coded(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += b.get(i..)?.iter().position(|&x| x == 0xFF)?;
        match *b.get(i + 1)? {
            0x00 | 0xD0..=0xD7 | 0xFF => i += 1,
            _ => return Some(i),
        }
    }
}

/// Walks PNG chunks by their lengths to IEND. Bytes after IEND are ignored.
fn png_complete(b: &[u8]) -> Result<(), IngestProblem> {
    let mut i: usize = 8;
    loop {
        let Some(head) = b.get(i..i + 8) else {
            return Err(problem(
                IngestProblemKind::Truncated,
                "the PNG ends before its IEND chunk: the upload was cut off",
            ));
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        if len > 0x7FFF_FFFF {
            return Err(problem(
                IngestProblemKind::Corrupt,
                "a PNG chunk claims an invalid length",
            ));
        }
        if &head[4..8] == b"IEND" {
            return Ok(());
        }
        i = i.saturating_add(12).saturating_add(len as usize);
    }
}

/// Fully decodes an image to RGB8 under the caps, with EXIF orientation applied and alpha
/// composited on white.
pub(crate) fn decode(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<RgbImage, IngestProblem> {
    let Some(fmt) = image_format(format) else {
        return Err(problem(
            IngestProblemKind::UnsupportedFormat,
            format!("{format} is not a raster format"),
        ));
    };
    if format == Format::Png {
        let (w, h) = png_ihdr(bytes)?;
        check_pixels(w, h, limits)?;
    }
    completeness(bytes, format)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), fmt);
    reader.limits(decoder_limits(limits));
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| image_problem(&e, format))?;
    let (w, h) = decoder.dimensions();
    check_pixels(w, h, limits)?;
    if decoder.total_bytes() > limits.max_alloc() {
        return Err(problem(
            IngestProblemKind::TooManyPixels,
            format!("decoding {w}×{h} needs more memory than the cap allows"),
        ));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| image_problem(&e, format))?;
    img.apply_orientation(orientation);
    Ok(to_rgb_on_white(img))
}

/// RGB8 with any alpha composited on white (documents are paper; transparent means blank).
pub(crate) fn to_rgb_on_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p.0[3]);
        for c in 0..3 {
            let v = u32::from(p.0[c]) * a + 255 * (255 - a);
            // Rounded division by 255; the result is at most 255.
            o.0[c] = ((v + 127) / 255) as u8;
        }
    }
    out
}

/// Maps an `image` error to a problem kind. Decoders report truncation in several ways (an
/// `UnexpectedEof` I/O error, or a decoding message), so both are recognised.
pub(crate) fn image_problem(e: &ImageError, format: Format) -> IngestProblem {
    match e {
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => problem(
            IngestProblemKind::Truncated,
            format!("the {format} data ends early"),
        ),
        ImageError::Limits(l) => problem(
            IngestProblemKind::TooManyPixels,
            format!("the {format} decoder's limits were exceeded: {l}"),
        ),
        ImageError::Unsupported(u) => problem(
            IngestProblemKind::UnsupportedFormat,
            format!("this {format} variant is not supported: {u}"),
        ),
        other => {
            let msg = other.to_string();
            let lower = msg.to_ascii_lowercase();
            let kind = if [
                "eof",
                "end of",
                "truncat",
                "no more bytes",
                "exhausted",
                "unexpected end",
            ]
            .iter()
            .any(|needle| lower.contains(needle))
            {
                IngestProblemKind::Truncated
            } else {
                IngestProblemKind::Corrupt
            };
            // Decoder messages are about structure, never content; cap their length anyway.
            let msg: String = msg.chars().take(200).collect();
            problem(kind, format!("the {format} data cannot be decoded: {msg}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_marker_walk() {
        // SOI, APP0 len 4, SOS len 2 header, data with stuffing and a restart, EOI, trailer.
        let ok =
            b"\xFF\xD8\xFF\xE0\x00\x04ab\xFF\xDA\x00\x02\x12\xFF\x00\x34\xFF\xD0\x56\xFF\xD9junk";
        assert!(jpeg_complete(ok).is_ok());
        for cut in 0..ok.len() - 5 {
            assert!(jpeg_complete(&ok[..cut]).is_err(), "cut at {cut}");
        }
        // An FFD9 inside an APP segment (an EXIF thumbnail) does not count.
        let thumb = b"\xFF\xD8\xFF\xE1\x00\x06\xFF\xD9\x00\x00\xFF\xDA\x00\x02\x12";
        assert!(jpeg_complete(thumb).is_err());
    }

    #[test]
    fn png_chunk_walk() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(b"\0\0\0\x01abcdX0000");
        png.extend_from_slice(b"\0\0\0\0IEND\xAE\x42\x60\x82");
        assert!(png_complete(&png).is_ok());
        assert!(png_complete(&png[..png.len() - 8]).is_err());
    }

    #[test]
    fn alpha_on_white() {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            1,
            1,
            image::Rgba([0, 0, 0, 0]),
        ));
        assert_eq!(to_rgb_on_white(img).get_pixel(0, 0).0, [255, 255, 255]);
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            1,
            1,
            image::Rgba([0, 0, 0, 255]),
        ));
        assert_eq!(to_rgb_on_white(img).get_pixel(0, 0).0, [0, 0, 0]);
    }
}
