//! docgate-fixtures: labelled synthetic onboarding documents (licences, ID cards, invoices,
//! authorization letters, bank permits) rendered with real CJK fonts, captured as phone
//! photos, scans or born-digital PDFs, with graded defects and ground truth.
//!
//! - [`fonts`]: CJK fonts installed on the machine.
//! - [`draw`]: paper, ink, text, seals, signatures.
//! - [`people`]: invented people and companies with valid codes.
//! - [`docs`]: one module per document kind, plus the PDF writer.
//! - [`photo`]: capture effects and degradations.
//! - [`defects`]: the defect catalogue and schedule.
//! - [`generate`]: planning, rendering and writing a generation.

pub mod defects;
pub mod docs;
pub mod draw;
pub mod fonts;
pub mod generate;
pub mod people;
pub mod photo;

pub use generate::{generate, IndexEntry, Options};
