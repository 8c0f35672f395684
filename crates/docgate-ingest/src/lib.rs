//! docgate-ingest: untrusted upload bytes → a measured document, bounded before anything is decoded.
//!
//! Uploads are hostile until proven otherwise, so every stage checks a cap *before* it
//! allocates for the next one (the pict-rs order):
//!
//! 1. [`Storage::read`] reads at most [`Limits::max_file_bytes`] + 1 bytes, whatever the
//!    file system claims.
//! 2. [`sniff`] decides the real format from magic bytes, never from the file name.
//! 3. [`measure`] reads headers only: image dimensions (checked against
//!    [`Limits::max_megapixels`]), EXIF orientation, structural completeness, PDF page count
//!    (checked against [`Limits::max_pdf_pages`]), page sizes and whether a text layer exists.
//! 4. [`decode_page`] and [`pdf_text`] do the expensive work later, again under the same caps.
//!
//! Every parser of hostile structure that could panic (lopdf) runs under
//! `std::panic::catch_unwind`, and a panic becomes [`IngestProblemKind::Corrupt`].

use std::path::PathBuf;

use docgate_core::{
    DocumentMeasurements, DocumentRef, Format, IngestProblem, IngestProblemKind, PageMeasurements,
};

mod pdf;
mod raster;
mod sniff;
mod storage;

pub use sniff::sniff;
pub use storage::{too_large, uri_segments};

/// Hard caps applied to every upload. Checked before the allocation they protect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest file read, in bytes. One more byte than this is read to detect an oversize file.
    pub max_file_bytes: u64,
    /// Largest image (or embedded PDF page image) accepted, in megapixels (10⁶ pixels).
    pub max_megapixels: f64,
    /// Most pages a PDF may have.
    pub max_pdf_pages: u32,
}

impl Default for Limits {
    /// Generous for phone photos and scans of A4 documents, small enough for a 2-core worker.
    fn default() -> Limits {
        Limits {
            max_file_bytes: 20 * 1024 * 1024,
            max_megapixels: 50.0,
            max_pdf_pages: 50,
        }
    }
}

impl Limits {
    /// The pixel cap as a whole number. A NaN or negative megapixel cap allows nothing.
    pub fn max_pixels(&self) -> u64 {
        let px = self.max_megapixels * 1e6;
        if px.is_nan() || px <= 0.0 {
            0
        } else if px >= u64::MAX as f64 {
            u64::MAX
        } else {
            px as u64
        }
    }

    /// Whether `width × height` pixels are within the cap (computed without overflow).
    pub fn pixels_ok(&self, width: u64, height: u64) -> bool {
        width
            .checked_mul(height)
            .is_some_and(|px| px <= self.max_pixels())
    }

    /// The decoder allocation budget: the output at 8 bytes per pixel (RGBA16, the widest
    /// format decoded here) plus slack for the decoder's own tables, and never more than
    /// [`HARD_MAX_ALLOC`] whatever the configured caps say (a cap of "infinite megapixels"
    /// must not turn into a 30 GB allocation).
    pub(crate) fn max_alloc(&self) -> u64 {
        self.max_pixels()
            .saturating_mul(8)
            .saturating_add(16 << 20)
            .min(HARD_MAX_ALLOC)
    }
}

/// The most any single decode may allocate (4 GiB), a backstop under the configured caps.
pub const HARD_MAX_ALLOC: u64 = 4 << 30;

/// Where uploads live. Every uri is resolved under this root and may never leave it.
#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    /// Uris whose problem a fetching layer already knows ([`Storage::with_known_problem`]).
    known: std::sync::Arc<std::collections::BTreeMap<String, IngestProblem>>,
}

pub(crate) fn problem(kind: IngestProblemKind, detail: impl Into<String>) -> IngestProblem {
    IngestProblem {
        kind,
        detail: detail.into(),
    }
}

/// Header-only measurement of an upload: no pixel data is decoded and nothing larger than the
/// caps is allocated.
///
/// Fills `bytes`, `format` (sniffed), `claimed_format` (from the uri's extension, only to
/// report mislabelling), `page_count`, `pages` (pixel size after EXIF orientation; for a PDF
/// page the embedded scan's pixel size, else its MediaBox at 150 dpi), `has_text_layer` and
/// `problem`. Pages are listed as far as ingest got: a header that was read and is within the
/// caps yields its page even when a later check (e.g. truncation) fails.
pub fn measure(doc: &DocumentRef, bytes: &[u8], limits: &Limits) -> DocumentMeasurements {
    let mut m = DocumentMeasurements {
        document: doc.id.clone(),
        bytes: bytes.len() as u64,
        format: None,
        claimed_format: Format::from_extension(&doc.uri),
        page_count: 0,
        pages: Vec::new(),
        has_text_layer: false,
        problem: None,
    };
    if bytes.is_empty() {
        m.problem = Some(problem(
            IngestProblemKind::Empty,
            "the file is empty (0 bytes)",
        ));
        return m;
    }
    // measure may be handed bytes that did not come through Storage::read.
    if m.bytes > limits.max_file_bytes {
        m.problem = Some(problem(
            IngestProblemKind::TooLarge,
            format!(
                "{} bytes exceeds the cap of {} bytes",
                m.bytes, limits.max_file_bytes
            ),
        ));
        return m;
    }
    let Some(format) = sniff(bytes) else {
        m.problem = Some(problem(
            IngestProblemKind::UnknownFormat,
            "the content is not JPEG, PNG, WebP, TIFF, BMP, GIF, HEIC or PDF",
        ));
        return m;
    };
    m.format = Some(format);
    match format {
        Format::Pdf => pdf::measure(bytes, limits, &mut m),
        Format::Heic => {
            m.page_count = 1;
            m.problem = Some(problem(
                IngestProblemKind::UnsupportedFormat,
                "HEIC/HEIF images cannot be decoded here; ask for JPEG or PNG",
            ));
        }
        _ => {
            m.page_count = 1;
            match raster::measure(bytes, format, limits) {
                Ok((page, problem)) => {
                    m.pages.push(page);
                    m.problem = problem;
                }
                Err(p) => m.problem = Some(p),
            }
        }
    }
    m
}

/// Reads a document from storage and measures it. A storage problem (not found, outside the
/// root, unreadable, too large) becomes the measurement's `problem` with `bytes = 0`; the bytes
/// are returned only when they were read, for the later decoding stages.
pub fn ingest(
    storage: &Storage,
    doc: &DocumentRef,
    limits: &Limits,
) -> (DocumentMeasurements, Option<Vec<u8>>) {
    match storage.read(&doc.uri, limits) {
        Ok(bytes) => (measure(doc, &bytes, limits), Some(bytes)),
        Err(p) => (
            DocumentMeasurements {
                document: doc.id.clone(),
                bytes: 0,
                format: None,
                claimed_format: Format::from_extension(&doc.uri),
                page_count: 0,
                pages: Vec::new(),
                has_text_layer: false,
                problem: Some(p),
            },
            None,
        ),
    }
}

/// Fully decodes page `index` (0-based) to RGB8 for the vision stage, bounded by `limits`.
///
/// Images: dimensions are checked against the pixel cap before decoding, the decoder runs
/// under `image::Limits`, EXIF orientation is applied, CMYK / 16-bit / palette images are
/// converted and alpha is composited on white. A JPEG or PNG that ends before its structure
/// does is [`IngestProblemKind::Truncated`] even if the decoder would tolerate it.
///
/// PDF: the largest embedded image on that page (DCTDecode JPEG bytes, or FlateDecode 8-bit
/// (1-bit for grey) DeviceRGB / DeviceGray / DeviceCMYK / ICCBased samples), its claimed
/// dimensions checked against the cap before anything is inflated. A page without an image
/// is [`IngestProblemKind::UnsupportedFormat`]: vector pages are not rendered here.
pub fn decode_page(
    bytes: &[u8],
    format: Format,
    index: u32,
    limits: &Limits,
) -> Result<image::RgbImage, IngestProblem> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(problem(
            IngestProblemKind::TooLarge,
            format!(
                "{} bytes exceeds the cap of {} bytes",
                bytes.len(),
                limits.max_file_bytes
            ),
        ));
    }
    match format {
        Format::Pdf => pdf::decode_page(bytes, index, limits),
        Format::Heic => Err(problem(
            IngestProblemKind::UnsupportedFormat,
            "HEIC/HEIF images cannot be decoded here",
        )),
        _ if index != 0 => Err(problem(
            IngestProblemKind::NotFound,
            format!("an image file has one page; page {index} does not exist"),
        )),
        _ => raster::decode(bytes, format, limits),
    }
}

/// The text layer of a born-digital PDF, one string per page (empty for a page without text),
/// via lopdf's `extract_text`. Refuses PDFs over the page cap; every stream lopdf would
/// decompress for a page is size-checked first, and a page whose text cannot be read safely
/// yields an empty string. Non-PDF bytes yield an empty vector.
pub fn pdf_text(bytes: &[u8], limits: &Limits) -> Result<Vec<String>, IngestProblem> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(problem(
            IngestProblemKind::TooLarge,
            format!(
                "{} bytes exceeds the cap of {} bytes",
                bytes.len(),
                limits.max_file_bytes
            ),
        ));
    }
    if sniff(bytes) != Some(Format::Pdf) {
        return Ok(Vec::new());
    }
    pdf::text(bytes, limits)
}

/// A one-page measurement, shared by the image and PDF paths.
pub(crate) fn page(index: u32, width: u32, height: u32) -> PageMeasurements {
    PageMeasurements {
        index,
        width,
        height,
        vision: None,
    }
}
