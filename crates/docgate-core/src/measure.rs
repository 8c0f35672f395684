//! Measurements: what the expensive stages (ingest, vision, OCR) found, stored once so that
//! judging (and replaying a new config) is a cheap pure function of them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A real content type, sniffed from the bytes (never from the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// JPEG / JFIF / EXIF
    Jpeg,
    /// PNG
    Png,
    /// WebP (RIFF)
    Webp,
    /// TIFF, either byte order
    Tiff,
    /// Windows bitmap
    Bmp,
    /// GIF
    Gif,
    /// PDF
    Pdf,
    /// HEIF / HEIC (phones produce it; not decodable here)
    Heic,
}

impl Format {
    /// Every format, in a stable order.
    pub const ALL: [Format; 8] = [
        Format::Jpeg,
        Format::Png,
        Format::Webp,
        Format::Tiff,
        Format::Bmp,
        Format::Gif,
        Format::Pdf,
        Format::Heic,
    ];

    /// The id used in config (`allowed = ["jpeg", "png"]`) and results.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Tiff => "tiff",
            Format::Bmp => "bmp",
            Format::Gif => "gif",
            Format::Pdf => "pdf",
            Format::Heic => "heic",
        }
    }

    /// Parses a format id.
    pub fn parse(s: &str) -> Option<Format> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The format a file name's extension claims, if any (used only to report mislabelling).
    pub fn from_extension(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "jpg" | "jpeg" | "jpe" | "jfif" => Format::Jpeg,
            "png" => Format::Png,
            "webp" => Format::Webp,
            "tif" | "tiff" => Format::Tiff,
            "bmp" => Format::Bmp,
            "gif" => Format::Gif,
            "pdf" => Format::Pdf,
            "heic" | "heif" => Format::Heic,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rectangle in page pixels: `[x, y, width, height]`.
pub type Region = [u32; 4];

/// Why a document could not be (fully) ingested. The kind decides the rule that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestProblemKind {
    /// The uri names no file.
    NotFound,
    /// The uri escapes the storage root (`..`, absolute path, symlink out).
    OutsideRoot,
    /// Reading failed for another reason (permissions, I/O).
    Unreadable,
    /// The file is larger than the hard cap on bytes read.
    TooLarge,
    /// Zero bytes.
    Empty,
    /// The bytes are no format docgate reads.
    UnknownFormat,
    /// A known format that this build cannot decode (e.g. HEIC).
    UnsupportedFormat,
    /// The file ends before its structure does.
    Truncated,
    /// The structure is broken.
    Corrupt,
    /// The header claims more pixels than the cap allows.
    TooManyPixels,
    /// The PDF has more pages than the cap allows.
    TooManyPages,
    /// The PDF is encrypted.
    Encrypted,
}

impl IngestProblemKind {
    /// Storage problems are about access; everything else is about the file's content.
    pub fn is_access(self) -> bool {
        matches!(
            self,
            IngestProblemKind::NotFound
                | IngestProblemKind::OutsideRoot
                | IngestProblemKind::Unreadable
        )
    }
}

/// A problem found while ingesting a document, with a short reason for the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestProblem {
    /// What went wrong.
    pub kind: IngestProblemKind,
    /// Details for the finding's message (never personal data).
    pub detail: String,
}

/// Measurements of one page (an image file is one page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageMeasurements {
    /// 0-based page index.
    pub index: u32,
    /// Width in pixels, after EXIF orientation.
    pub width: u32,
    /// Height in pixels, after EXIF orientation.
    pub height: u32,
}

impl PageMeasurements {
    /// The shorter side in pixels.
    pub fn short_side(&self) -> u32 {
        self.width.min(self.height)
    }

    /// Megapixels.
    pub fn megapixels(&self) -> f64 {
        f64::from(self.width) * f64::from(self.height) / 1e6
    }
}

/// Everything measured about one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentMeasurements {
    /// The document id from the manifest.
    pub document: String,
    /// File size in bytes (0 when the file could not be read).
    pub bytes: u64,
    /// The sniffed content type, when recognised.
    pub format: Option<Format>,
    /// The type the file name claims, when it has a known extension.
    pub claimed_format: Option<Format>,
    /// Number of pages (1 for an image file; for a PDF, its page count).
    pub page_count: u32,
    /// Per-page measurements, as far as ingest got.
    pub pages: Vec<PageMeasurements>,
    /// Whether a PDF has a text layer (born-digital); false for images.
    pub has_text_layer: bool,
    /// What stopped ingest, if anything.
    pub problem: Option<IngestProblem>,
}

/// One field read from a document, with the evidence a reviewer needs.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedField {
    /// The value as read (after check-character repair, if one applied).
    pub value: String,
    /// 0..1
    pub confidence: f32,
    /// Where on the first page it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// The raw reading when a check-character repair changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired_from: Option<String>,
}

impl std::fmt::Debug for ExtractedField {
    // Extracted values are often personal data: never print them whole.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtractedField")
            .field("value", &crate::personal::mask(&self.value))
            .field("confidence", &self.confidence)
            .field("region", &self.region)
            .field("repaired", &self.repaired_from.is_some())
            .finish()
    }
}

/// Fields read per document id, then per field name.
pub type Extracted = BTreeMap<String, BTreeMap<String, ExtractedField>>;

/// All measurements of one submission: the input of judging and of replay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubmissionMeasurements {
    /// Per document, in manifest order.
    pub documents: Vec<DocumentMeasurements>,
    /// Fields read, per document id.
    #[serde(default)]
    pub extracted: Extracted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_claims() {
        assert_eq!(Format::from_extension("a.JPG"), Some(Format::Jpeg));
        assert_eq!(Format::from_extension("scan.tar.pdf"), Some(Format::Pdf));
        assert_eq!(Format::from_extension("noext"), None);
        assert_eq!(Format::from_extension("x.docx"), None);
    }

    #[test]
    fn extracted_field_debug_is_masked() {
        let f = ExtractedField {
            value: "330106198001011234".into(),
            confidence: 0.9,
            region: None,
            repaired_from: None,
        };
        assert!(!format!("{f:?}").contains("19800101"));
    }
}
