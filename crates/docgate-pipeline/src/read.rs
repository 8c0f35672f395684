//! The read stage: the fields the rules need, read from each document's decoded page by
//! docgate-ocr's per-kind readers (targeted OCR), or from a born-digital PDF's text layer.
//!
//! The Tesseract pool is process-wide and created on first use: creating a handle costs
//! ≈0.3 s per model, far more than reading a document's fields, so it must be paid once per
//! process, not per submission. When Tesseract cannot start (or `DOCGATE_OCR=off`), no field
//! is read, nothing is recorded in `extracted`, and the field rules do not run for those
//! documents; the submission is still checked.

use std::sync::OnceLock;

use docgate_core::{DocumentMeasurements, Extracted, Submission};
use docgate_ocr::{Ocr, Quad, TesseractConfig, TesseractPool};
use image::RgbImage;
use rayon::prelude::*;

/// A document after the measure stage, with what reading it needs.
#[derive(Debug)]
pub struct Decoded {
    /// Its measurements.
    pub measurements: DocumentMeasurements,
    /// Page 0, decoded once for vision and OCR (`None` when not decoded).
    pub page: Option<RgbImage>,
    /// The bytes of a PDF, for its text layer.
    pub pdf: Option<Vec<u8>>,
}

impl Decoded {
    /// Measurements only: nothing to read.
    pub fn bare(measurements: DocumentMeasurements) -> Decoded {
        Decoded {
            measurements,
            page: None,
            pdf: None,
        }
    }
}

/// The process-wide OCR engine, or `None` when OCR is off or unavailable.
pub fn default_ocr() -> Option<&'static dyn Ocr> {
    static POOL: OnceLock<Option<TesseractPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        if std::env::var("DOCGATE_OCR").is_ok_and(|v| v == "off") {
            return None;
        }
        match TesseractPool::new(&TesseractConfig::default()) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(error = %e, "OCR unavailable: no field will be read");
                None
            }
        }
    })
    .as_ref()
    .map(|p| p as &dyn Ocr)
}

/// The document quadrilateral vision found, when all four corners are known.
fn quad(m: &DocumentMeasurements) -> Option<Quad> {
    docgate_ocr::quad_of(m.pages.first()?.vision.as_ref()?)
}

/// Reads every document with the default engine; see [`read_with`].
pub fn read_all(
    submission: &Submission,
    decoded: Vec<Decoded>,
    limits: &docgate_ingest::Limits,
) -> (Vec<DocumentMeasurements>, Extracted) {
    read_with(default_ocr(), submission, decoded, limits)
}

/// Reads the fields of every readable document (in parallel) with `ocr`. A document with
/// an ingest problem, an unknown kind, or no page is not read (no entry in `extracted`).
pub fn read_with(
    ocr: Option<&dyn Ocr>,
    submission: &Submission,
    decoded: Vec<Decoded>,
    limits: &docgate_ingest::Limits,
) -> (Vec<DocumentMeasurements>, Extracted) {
    let fields: Vec<_> = decoded
        .par_iter()
        .zip(submission.documents.par_iter())
        .map(|(d, doc)| {
            let ocr = ocr?;
            let kind = doc.kind()?;
            if d.measurements.problem.is_some() {
                return None;
            }
            let text = d
                .pdf
                .as_deref()
                .filter(|_| d.measurements.has_text_layer)
                .and_then(|b| docgate_ingest::pdf_text(b, limits).ok())
                .and_then(|pages| pages.into_iter().next());
            if d.page.is_none() && text.is_none() {
                return None;
            }
            let q = quad(&d.measurements);
            let f =
                docgate_ocr::read_document(ocr, kind, d.page.as_ref(), q.as_ref(), text.as_deref());
            Some((doc.id.clone(), f))
        })
        .collect();
    let extracted = fields.into_iter().flatten().collect();
    (
        decoded.into_iter().map(|d| d.measurements).collect(),
        extracted,
    )
}
