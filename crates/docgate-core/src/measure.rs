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
    /// What docgate-vision measured on the decoded page (absent when the page was not
    /// decoded, e.g. measurements stored before vision existed, or a decode problem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vision: Option<VisionMeasurements>,
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

/// A point in page pixels (sub-pixel, `x` right, `y` down); may lie outside the page.
pub type Point = [f64; 2];

/// The four corners of a document, in the order top-left, top-right, bottom-right,
/// bottom-left as the document appears in the frame.
pub const CORNER_NAMES: [&str; 4] = ["top-left", "top-right", "bottom-right", "bottom-left"];

/// One corner of the detected document quadrilateral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CornerMeasurement {
    /// Where the corner is: the intersection of its two edges, in page pixels. `None` when
    /// one of its edges was not found (the edge is hidden or outside the frame).
    pub position: Option<Point>,
    /// Signed distance from the corner to the nearest frame edge, as a fraction of the
    /// page's short side: negative when the corner lies outside the frame. `None` when the
    /// position is unknown.
    pub margin_fraction: Option<f64>,
    /// Whether the corner can be seen: its position is known and inside the frame.
    pub visible: bool,
    /// The position is unknown, but a neighbouring edge was seen running up to the frame
    /// border towards this corner: the document continues past the frame there, so the
    /// corner is outside it. `false` when the position is known, or when nothing shows
    /// where the document ends (its edge was simply not found).
    #[serde(default)]
    pub off_frame: bool,
}

/// A red seal (round or oval red mark) found on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seal {
    /// Centre in page pixels.
    pub center: Point,
    /// Half-axes (horizontal, vertical) in page pixels.
    pub radii: [f64; 2],
    /// How seal-like the mark is, 0..1 (roundness and ring-like ink coverage).
    pub score: f64,
}

/// What docgate-vision measured on one decoded page. All positions are in page pixels;
/// scores are documented with the fields they belong to. Every field is computed from
/// pixels only, never from file metadata, so re-measuring the same pixels gives the same
/// values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisionMeasurements {
    /// Detected document edges: the four corners (TL, TR, BR, BL). When fewer than three
    /// edges are found no quadrilateral is reported and the document is taken to be the
    /// whole page.
    #[serde(default)]
    pub corners: Vec<CornerMeasurement>,
    /// How many of the four document edges were found.
    #[serde(default)]
    pub edges_found: u32,
    /// The document's bounding box, clipped to the page (the whole page when no
    /// quadrilateral was found).
    pub document_region: Region,
    /// The document's own pixel size `[width, height]` (mean lengths of opposite edges of
    /// the quadrilateral; the page size when no quadrilateral was found).
    pub document_size: [u32; 2],
    /// Sharpness of the document region at a fixed working scale (long side ≤ 1000 px), in
    /// 0..100: the share of edge contrast that a further small blur would destroy, in the
    /// direction where the image is least sharp (so motion blur counts). Higher is sharper.
    pub sharpness: f64,
    /// The same share in the sharpest direction; with `sharpness` it shows anisotropy
    /// (motion blur: high here, low in `sharpness`).
    #[serde(default)]
    pub sharpness_max: f64,
    /// Colourfulness of the document outside red seals, 0 for a greyscale image (any
    /// uniform colour cast removed); higher means more colour.
    pub colorfulness: f64,
    /// Fraction of the document region blown out by glare (saturated, colourless, brighter
    /// than the paper), 0..1.
    pub glare_fraction: f64,
    /// Bounding box of the largest glare patch, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glare_region: Option<Region>,
    /// Red seals found, largest first.
    #[serde(default)]
    pub seals: Vec<Seal>,
}

impl VisionMeasurements {
    /// Corners that are not visible, by name (`top-left`, ...), in TL, TR, BR, BL order.
    pub fn hidden_corners(&self) -> Vec<&'static str> {
        self.corners
            .iter()
            .zip(CORNER_NAMES)
            .filter(|(c, _)| !c.visible)
            .map(|(_, n)| n)
            .collect()
    }

    /// The smallest corner margin (fraction of the short side), when every corner's
    /// position is known.
    pub fn min_margin_fraction(&self) -> Option<f64> {
        if self.corners.len() != 4 {
            return None;
        }
        self.corners
            .iter()
            .map(|c| c.margin_fraction)
            .try_fold(f64::INFINITY, |m, c| c.map(|c| m.min(c)))
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
    /// The raw reading when a repair changed it: a code's check-character repair, or an
    /// invoice's tax rate fixed by its rows' amount and tax (the rate cells as read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired_from: Option<String>,
    /// Other readings of the same print (a second OCR model) that differ from `value`.
    /// A match rule accepts a reference that equals any of them: two independent readings
    /// do not both slip into exactly the typed value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// OCR confidence (0..1) of each character of `value`, in order: the confidence of the
    /// recognised character it came from. Empty when unknown (a text layer, a test). Lets a
    /// match rule tell a misreading (the differing characters read unsure) from a different
    /// name (read sure).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub char_confidence: Vec<f32>,
}

impl std::fmt::Debug for ExtractedField {
    // Extracted values are often personal data: never print them whole.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtractedField")
            .field("value", &crate::personal::mask(&self.value))
            .field("confidence", &self.confidence)
            .field("region", &self.region)
            .field("repaired", &self.repaired_from.is_some())
            .field("alternatives", &self.alternatives.len())
            .field("char_confidence", &self.char_confidence)
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
            alternatives: Vec::new(),
            char_confidence: Vec::new(),
        };
        assert!(!format!("{f:?}").contains("19800101"));
    }
}
