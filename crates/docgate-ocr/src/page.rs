//! A page prepared for targeted reading: greyscale, cropped to the document quad when vision
//! found one, deskewed; a cheap layout pass (text-line boxes, no recognition) on a
//! downscaled copy; then label lookup by recognising only the first few characters of each
//! line, and value crops placed relative to the label that was found.
//!
//! Everything is relative to printed labels and line geometry, never to fixed positions, so
//! that photos and scans from any source work the same way.

use docgate_core::Region;
use image::{GrayImage, RgbImage};

use crate::engine::{Model, Ocr, Psm, Reading, Request, Word};

/// Quad corners in page pixels (any order), as vision reports the document outline.
pub type Quad = [[f32; 2]; 4];

/// A text line from the layout pass, with its label prefix once recognised.
#[derive(Debug, Clone)]
pub struct Line {
    /// Box in (prepared) page pixels.
    pub region: Region,
    prefix: Option<Reading>,
}

/// Where a label was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelHit {
    /// Index into the page's lines.
    pub line: usize,
    /// The label's box (page pixels).
    pub label: Region,
    /// The line's box.
    pub line_region: Region,
}

/// A page ready for label lookups and value reads.
pub struct Page<'a> {
    ocr: &'a dyn Ocr,
    /// The prepared greyscale page.
    pub gray: GrayImage,
    /// Offset of the prepared page in the original page (for reported regions).
    offset: (u32, u32),
    /// Layout lines, top to bottom.
    pub lines: Vec<Line>,
    prefixes_read: bool,
}

/// Long side of the copy the layout pass runs on: enough to separate lines, far cheaper than
/// full resolution.
const LAYOUT_LONG_SIDE: u32 = 1600;

impl<'a> Page<'a> {
    /// Prepares `rgb` (crop to `quad`, greyscale, deskew) and runs the layout pass. A failed
    /// layout pass leaves no lines (every field then absent).
    pub fn new(ocr: &'a dyn Ocr, rgb: &RgbImage, quad: Option<&Quad>) -> Page<'a> {
        let mut gray = image::imageops::grayscale(rgb);
        let mut offset = (0, 0);
        if let Some(q) = quad {
            if let Some((img, off)) = crop_to_quad(&gray, q) {
                gray = img;
                offset = off;
            }
        }
        let gray = deskew(gray);
        let (w, h) = gray.dimensions();
        let scale = (LAYOUT_LONG_SIDE as f32 / w.max(h).max(1) as f32).min(1.0);
        let lines = if w < 8 || h < 8 {
            Vec::new()
        } else {
            let small = if scale < 1.0 {
                image::imageops::resize(
                    &gray,
                    ((w as f32 * scale) as u32).max(1),
                    ((h as f32 * scale) as u32).max(1),
                    image::imageops::FilterType::Triangle,
                )
            } else {
                gray.clone()
            };
            match ocr.lines(&small, [0, 0, w, h]) {
                Ok(l) => l,
                Err(e) => {
                    tracing::debug!(error = %e, "layout pass failed");
                    Vec::new()
                }
            }
        };
        tracing::trace!("page {w}x{h}: {} layout lines {:?}", lines.len(), lines);
        let mut lines: Vec<Line> = segments(lines)
            .into_iter()
            // Borders and rules are tall-thin or flat-wide boxes, not text lines.
            .filter(|r| r[3] >= 6 && r[2] * 2 >= r[3] && r[3] <= h / 6)
            .map(|region| Line {
                region,
                prefix: None,
            })
            .collect();
        lines.sort_by_key(|l| (l.region[1], l.region[0]));
        Page {
            ocr,
            gray,
            offset,
            lines,
            prefixes_read: false,
        }
    }

    /// A region in the original page's pixels (what results report).
    pub fn to_original(&self, r: Region) -> Region {
        [r[0] + self.offset.0, r[1] + self.offset.1, r[2], r[3]]
    }

    /// Recognises the first characters of every line (where labels are printed), once.
    fn read_prefixes(&mut self) {
        if self.prefixes_read {
            return;
        }
        self.prefixes_read = true;
        for i in 0..self.lines.len() {
            let r = self.lines[i].region;
            // Labels are at most 8 characters; a character is about as wide as the line is
            // tall.
            let w = r[2].min(r[3] * 9);
            let area = [r[0], r[1], w, r[3]];
            self.lines[i].prefix = self.read(area, Model::ChiSim, Psm::Line, None);
            tracing::trace!(
                "line {:?} prefix {:?}",
                r,
                self.lines[i].prefix.as_ref().map(Reading::text)
            );
        }
    }

    /// Recognises a page area (clamped to the page); `None` when nothing was read.
    pub fn read(
        &self,
        area: Region,
        model: Model,
        psm: Psm,
        whitelist: Option<&str>,
    ) -> Option<Reading> {
        let area = clamp(area, self.gray.dimensions())?;
        let crop =
            image::imageops::crop_imm(&self.gray, area[0], area[1], area[2], area[3]).to_image();
        // Small text is read better larger: Tesseract's LSTM expects x-heights of ~20-30 px.
        let crop = if area[3] < 40 {
            let f = 48.0 / area[3].max(1) as f32;
            image::imageops::resize(
                &crop,
                ((area[2] as f32 * f) as u32).max(1),
                ((area[3] as f32 * f) as u32).max(1),
                image::imageops::FilterType::CatmullRom,
            )
        } else {
            crop
        };
        let req = Request {
            image: &crop,
            origin: area,
            model,
            psm,
            whitelist,
        };
        match self.ocr.read(&req) {
            Ok(r) if !r.words.is_empty() => Some(r),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!(error = %e, "read failed");
                None
            }
        }
    }

    /// Every line whose first characters are one of `labels`, top to bottom.
    pub fn find_labels(&mut self, labels: &[&str]) -> Vec<LabelHit> {
        self.read_prefixes();
        let mut hits = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let Some(prefix) = &line.prefix else { continue };
            for label in labels {
                if let Some(label_box) = match_label(prefix, label) {
                    hits.push(LabelHit {
                        line: i,
                        label: label_box,
                        line_region: line.region,
                    });
                    break;
                }
            }
        }
        hits
    }

    /// The first line (top to bottom) starting with one of `labels`.
    pub fn find_label(&mut self, labels: &[&str]) -> Option<LabelHit> {
        self.find_labels(labels).into_iter().next()
    }

    /// Reads the value printed right of a label, on the same line: from the label's end to
    /// the page edge, then keeps the first run of words (a wide gap ends the value: the next
    /// column begins there).
    pub fn right_of(
        &self,
        hit: &LabelHit,
        model: Model,
        whitelist: Option<&str>,
    ) -> Option<Reading> {
        let h = hit.line_region[3].max(hit.label[3]);
        let x0 = hit.label[0] + hit.label[2] + h / 5;
        let pad = h * 2 / 5;
        let area = [
            x0,
            hit.line_region[1].saturating_sub(pad),
            self.gray.width().saturating_sub(x0),
            h + 2 * pad,
        ];
        let r = self.read(area, model, Psm::Line, whitelist)?;
        first_run(r, h)
    }

    /// Reads the first line below a label that starts near the label's left edge.
    pub fn below(&self, hit: &LabelHit, model: Model, whitelist: Option<&str>) -> Option<Reading> {
        let h = hit.line_region[3];
        let lb = hit.line_region[1] + hit.line_region[3];
        let next = self.lines.iter().find(|l| {
            let r = l.region;
            r[1] + r[3] / 2 > lb
                && r[1] < lb + h * 4
                && r[0] + h * 3 > hit.label[0]
                && r[0] < hit.label[0] + h * 3
        })?;
        let r = next.region;
        let pad = r[3] / 3;
        let area = [
            r[0].saturating_sub(pad),
            r[1].saturating_sub(pad),
            r[2] + 2 * pad,
            r[3] + 2 * pad,
        ];
        let reading = self.read(area, model, Psm::Line, whitelist)?;
        first_run(reading, r[3])
    }
}

/// Groups word boxes into line segments: words on the same row (vertical overlap of at least
/// half the smaller height) closer than 4.5 heights (spread labels like 名　　称 have gaps of
/// three to four characters). A wider gap starts a new segment, so the right column of a
/// two-column form has its own segments, whose first words are labels.
pub(crate) fn segments(mut words: Vec<Region>) -> Vec<Region> {
    words.retain(|w| w[2] > 0 && w[3] > 0);
    words.sort_by_key(|w| w[0]);
    let mut segs: Vec<Region> = Vec::new();
    for w in words {
        let joined = segs.iter_mut().rev().find(|s| {
            let top = s[1].max(w[1]);
            let bottom = (s[1] + s[3]).min(w[1] + w[3]);
            let overlap = bottom.saturating_sub(top);
            let h = s[3].min(w[3]).max(1);
            let right = s[0] + s[2];
            overlap * 2 >= h && w[0] + 2 >= s[0] && w[0] <= right + w[3].max(s[3]) * 9 / 2
        });
        match joined {
            Some(s) => {
                if let Some(u) = crate::engine::union([*s, w]) {
                    *s = u;
                }
            }
            None => segs.push(w),
        }
    }
    segs
}

/// Keeps the words up to the first horizontal gap wider than 2.5 line heights.
fn first_run(r: Reading, h: u32) -> Option<Reading> {
    let first_line = r.words.first()?.line;
    let mut words: Vec<Word> = r
        .words
        .into_iter()
        .filter(|w| w.line == first_line)
        .collect();
    words.sort_by_key(|w| w.region[0]);
    let mut out: Vec<Word> = Vec::new();
    for w in words {
        if let Some(prev) = out.last() {
            if w.region[0] > prev.region[0] + prev.region[2] + h * 5 / 2 {
                break;
            }
        }
        out.push(w);
    }
    (!out.is_empty()).then_some(Reading { words: out })
}

/// Characters that never belong to a label as read (spacing, colons, brackets, stray marks).
fn label_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_ascii_punctuation() || "：，。、“”‘’（）【】·「」".contains(c))
}

/// Finds `label` at the start of a recognised prefix (allowing two stray characters before
/// it, and one misread character in labels of four or more). Returns the label's box.
pub(crate) fn match_label(prefix: &Reading, label: &str) -> Option<Region> {
    // Characters with the box of the word they came from, proportionally split.
    let mut chars: Vec<(char, Region)> = Vec::new();
    for w in &prefix.words {
        let cs: Vec<char> = w.text.chars().collect();
        let n = cs.len().max(1) as u32;
        for (i, c) in cs.into_iter().enumerate() {
            if label_char(c) {
                let i = i as u32;
                let x = w.region[0] + w.region[2] * i / n;
                let x1 = w.region[0] + w.region[2] * (i + 1) / n;
                chars.push((c, [x, w.region[1], (x1 - x).max(1), w.region[3]]));
            }
        }
    }
    let want: Vec<char> = label.chars().collect();
    // One misread character is tolerated (spread labels like 名　　称 often lose one); the
    // window must start within the first two characters of the line.
    let allowed_misses = 1;
    for start in 0..=2usize {
        let Some(window) = chars.get(start..start + want.len()) else {
            break;
        };
        let misses = window
            .iter()
            .zip(&want)
            .filter(|((c, _), w)| c != *w)
            .count();
        // Two-character labels need one exact character at its own position and the other
        // a Han character: 名称 read as 2称 still counts, 号码 does not match 名称.
        let han_ok = want.len() > 2 || window.iter().all(|(c, _)| crate::values::is_han(*c));
        if misses <= allowed_misses && han_ok {
            return crate::engine::union(window.iter().map(|(_, r)| *r));
        }
    }
    None
}

fn clamp(a: Region, (w, h): (u32, u32)) -> Option<Region> {
    let x0 = a[0].min(w);
    let y0 = a[1].min(h);
    let x1 = (a[0].saturating_add(a[2])).min(w);
    let y1 = (a[1].saturating_add(a[3])).min(h);
    (x1 > x0 + 2 && y1 > y0 + 2).then_some([x0, y0, x1 - x0, y1 - y0])
}

/// Crops to the quad's bounding box (with a small margin). Perspective is left to the
/// deskew and to PSM 7's tolerance: the readers' crops are generous.
fn crop_to_quad(gray: &GrayImage, q: &Quad) -> Option<(GrayImage, (u32, u32))> {
    let (w, h) = gray.dimensions();
    let xs = q.iter().map(|p| p[0]);
    let ys = q.iter().map(|p| p[1]);
    let x0 = xs.clone().fold(f32::INFINITY, f32::min).max(0.0) as u32;
    let x1 = xs.fold(f32::NEG_INFINITY, f32::max).min(w as f32) as u32;
    let y0 = ys.clone().fold(f32::INFINITY, f32::min).max(0.0) as u32;
    let y1 = ys.fold(f32::NEG_INFINITY, f32::max).min(h as f32) as u32;
    if x1 <= x0 + 50 || y1 <= y0 + 50 {
        return None;
    }
    let m = 4;
    let (x0, y0) = (x0.saturating_sub(m), y0.saturating_sub(m));
    let (x1, y1) = ((x1 + m).min(w), (y1 + m).min(h));
    Some((
        image::imageops::crop_imm(gray, x0, y0, x1 - x0, y1 - y0).to_image(),
        (x0, y0),
    ))
}

/// Estimates the text skew by projection profiles (the angle at which dark pixels pile into
/// the sharpest rows) and rotates the page upright when it is off by more than 0.3°.
///
/// Readers crop axis-aligned boxes right of labels; on a photo tilted by 5° a value 800 px
/// from its label is 70 px off its line without this.
pub fn deskew(gray: GrayImage) -> GrayImage {
    let angle = skew_angle(&gray);
    tracing::trace!("skew {angle}");
    if angle.abs() < 0.3 {
        return gray;
    }
    imageproc::geometric_transformations::rotate_about_center(
        &gray,
        -angle.to_radians(),
        imageproc::geometric_transformations::Interpolation::Bilinear,
        image::Luma([255u8]),
    )
}

/// The skew in degrees (positive: text rises to the right... clockwise in image coordinates).
pub fn skew_angle(gray: &GrayImage) -> f32 {
    let (w, h) = gray.dimensions();
    let f = (600.0 / w.max(h).max(1) as f32).min(1.0);
    let (sw, sh) = (((w as f32) * f) as u32, ((h as f32) * f) as u32);
    if sw < 20 || sh < 20 {
        return 0.0;
    }
    let small = image::imageops::resize(gray, sw, sh, image::imageops::FilterType::Triangle);
    let mean = small.pixels().map(|p| u64::from(p.0[0])).sum::<u64>() / u64::from(sw * sh);
    let thr = mean.saturating_sub(50) as u8;
    let dark: Vec<(f32, f32)> = small
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0[0] < thr)
        .map(|(x, y, _)| (x as f32, y as f32))
        .collect();
    if dark.len() < 50 {
        return 0.0;
    }
    let score = |deg: f32| {
        let (s, c) = deg.to_radians().sin_cos();
        let n = (sh as f32 + sw as f32) as usize + 2;
        let mut bins = vec![0u32; n * 2];
        for &(x, y) in &dark {
            let yy = y * c - x * s + sw as f32;
            if yy >= 0.0 {
                if let Some(b) = bins.get_mut(yy as usize) {
                    *b += 1;
                }
            }
        }
        bins.iter()
            .map(|&b| f64::from(b) * f64::from(b))
            .sum::<f64>()
    };
    let best = |from: f32, to: f32, step: f32| {
        let mut a = from;
        let (mut best_a, mut best_s) = (0.0, f64::MIN);
        while a <= to + 1e-4 {
            let s = score(a);
            if s > best_s {
                best_s = s;
                best_a = a;
            }
            a += step;
        }
        best_a
    };
    let coarse = best(-10.0, 10.0, 0.5);
    best(coarse - 0.5, coarse + 0.5, 0.1)
}
