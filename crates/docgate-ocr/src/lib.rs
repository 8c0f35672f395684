//! docgate-ocr: reading the fields the rules need, and nothing more.
//!
//! - [`engine`]: the [`Ocr`] trait, requests and readings (words with confidence and boxes).
//! - [`tesseract`]: the Tesseract 5 pool (one handle per model per worker thread).
//! - [`fake`]: a scripted engine for fast tests of reader logic.
//! - [`layout`]: text pieces from ink components (no recognition), split at wide gaps and rules.
//! - [`page`]: page preparation (quad rectification, deskew), label lookup, value crops.
//! - [`readers`]: one reader per document kind; [`text`]: the same from a PDF text layer.
//! - [`values`]: readings → field values (codes repaired by check characters, dates, rates).
//!
//! An OCR failure or timeout is never an error here: the field is absent, and the rules say
//! Uncertain.

pub mod engine;
pub mod fake;
pub mod layout;
pub mod page;
pub mod readers;
pub mod tesseract;
pub mod text;
pub mod values;

pub use engine::{Model, Ocr, OcrError, Psm, Reading, Request, Word};
pub use fake::FakeOcr;
pub use page::{quad_of, Quad};
pub use readers::{read_document, Fields};
pub use tesseract::{read_stats, TesseractConfig, TesseractPool};
