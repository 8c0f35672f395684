//! The [`Ocr`] trait every engine implements, and the request/answer types shared by the
//! Tesseract pool, the fake engine and the readers.

use docgate_core::Region;
use image::GrayImage;

/// A recognition model. Which one reads a field is part of the field's recipe: the English
/// model reads Latin codes and digits with higher confidence than chi_sim does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// `eng.traineddata`: digits, Latin letters, punctuation.
    Eng,
    /// `chi_sim.traineddata`: simplified Chinese (and digits), Debian's fast model.
    ChiSim,
    /// The standard `chi_sim` model (tessdata, 44 MB, see `models/tesseract.toml`): about as
    /// fast per character here, and it reads rare name characters (霞, 磊, 萱) the fast
    /// model turns into common ones. Used for names; engines without it use [`Model::ChiSim`].
    ChiSimStd,
}

impl Model {
    /// A name for logs and counters (`eng`, `chi_sim`, `chi_sim_std`).
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Eng => "eng",
            Model::ChiSim => "chi_sim",
            Model::ChiSimStd => "chi_sim_std",
        }
    }

    /// The traineddata language the model is loaded as.
    pub fn lang(self) -> &'static str {
        match self {
            Model::Eng => "eng",
            Model::ChiSim | Model::ChiSimStd => "chi_sim",
        }
    }
}

/// Tesseract page segmentation modes the readers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Psm {
    /// 3: fully automatic page segmentation (full-page OCR, only for comparison).
    Auto,
    /// 6: a single uniform block of text.
    Block,
    /// 7: a single text line: the crop of one field value.
    Line,
    /// 11: sparse text, in no particular order.
    Sparse,
    /// 13: a raw line, Tesseract's own layout heuristics bypassed: our layout pass already
    /// found the line, and Tesseract's line finder drops short, light labels (a blurred
    /// 税率 read as nothing under 7 and correctly under 13).
    RawLine,
}

impl Psm {
    /// Tesseract's numeric mode.
    pub fn number(self) -> u32 {
        match self {
            Psm::Auto => 3,
            Psm::Block => 6,
            Psm::Line => 7,
            Psm::Sparse => 11,
            Psm::RawLine => 13,
        }
    }
}

/// One recognition: a greyscale crop, where it lies on the page, and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The pixels to read (already cropped, possibly rescaled).
    pub image: &'a GrayImage,
    /// The page rectangle `image` shows, in page pixels: answers are mapped back to it, and
    /// the fake engine uses it to decide what text is "in" the crop.
    pub origin: Region,
    /// The model.
    pub model: Model,
    /// The segmentation mode.
    pub psm: Psm,
    /// Characters allowed in the answer, when the field's alphabet is known.
    pub whitelist: Option<&'a str>,
}

/// A recognised word with its confidence and box.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The text as recognised.
    pub text: String,
    /// 0..1
    pub confidence: f32,
    /// Box in page pixels.
    pub region: Region,
    /// Line index within the answer (words of one line share it).
    pub line: u32,
}

/// What a recognition returned: its words, in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// Words in reading order.
    pub words: Vec<Word>,
}

impl Reading {
    /// The words' text, joined with no separator (Chinese has none; codes are read without
    /// spaces anyway), lines joined by `\n`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut line = None;
        for w in &self.words {
            if line.is_some() && line != Some(w.line) {
                out.push('\n');
            }
            line = Some(w.line);
            out.push_str(&w.text);
        }
        out
    }

    /// Mean word confidence weighted by characters (0 when empty).
    pub fn confidence(&self) -> f32 {
        let (mut sum, mut n) = (0.0f32, 0usize);
        for w in &self.words {
            let c = w.text.chars().count();
            sum += w.confidence * c as f32;
            n += c;
        }
        if n == 0 {
            0.0
        } else {
            sum / n as f32
        }
    }

    /// The smallest page box holding every word.
    pub fn region(&self) -> Option<Region> {
        union(self.words.iter().map(|w| w.region))
    }
}

/// The smallest box holding all of `boxes`.
pub fn union(boxes: impl IntoIterator<Item = Region>) -> Option<Region> {
    let mut it = boxes.into_iter();
    let first = it.next()?;
    let (mut x0, mut y0, mut x1, mut y1) =
        (first[0], first[1], first[0] + first[2], first[1] + first[3]);
    for b in it {
        x0 = x0.min(b[0]);
        y0 = y0.min(b[1]);
        x1 = x1.max(b[0] + b[2]);
        y1 = y1.max(b[1] + b[3]);
    }
    Some([x0, y0, x1 - x0, y1 - y0])
}

/// Why a recognition produced nothing. Readers turn every error into an absent field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// The read took longer than the per-read timeout.
    #[error("OCR timed out after {0} ms")]
    Timeout(u64),
    /// The engine could not be started (missing model, library).
    #[error("OCR engine unavailable: {0}")]
    Unavailable(String),
    /// The engine failed on this image.
    #[error("OCR failed: {0}")]
    Failed(String),
}

/// An OCR engine. Implementations are shared between threads; each call is independent.
pub trait Ocr: Send + Sync {
    /// Recognises the request's image.
    fn read(&self, req: &Request<'_>) -> Result<Reading, OcrError>;

    /// Layout only, no recognition: the boxes of the words (or text runs) in `image` (page
    /// pixels, mapped through `origin`). Cheap compared with [`Ocr::read`]; the page groups
    /// them into line segments.
    fn lines(&self, image: &GrayImage, origin: Region) -> Result<Vec<Region>, OcrError>;
}

/// Maps a box in crop pixels to page pixels through the crop's `origin`.
pub fn to_page(b: [f32; 4], image: (u32, u32), origin: Region) -> Region {
    let sx = origin[2] as f32 / image.0.max(1) as f32;
    let sy = origin[3] as f32 / image.1.max(1) as f32;
    [
        (origin[0] as f32 + b[0] * sx).round().max(0.0) as u32,
        (origin[1] as f32 + b[1] * sy).round().max(0.0) as u32,
        (b[2] * sx).round().max(1.0) as u32,
        (b[3] * sy).round().max(1.0) as u32,
    ]
}
