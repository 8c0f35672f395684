//! A page prepared for targeted reading: rectified to the document quad when vision found
//! one, greyscale with red seals washed out, deskewed; a cheap layout pass (text pieces from
//! ink components, no recognition); then label lookup by recognising only the first few characters of each
//! line, and value crops placed relative to the label that was found.
//!
//! Everything is relative to printed labels and line geometry, never to fixed positions, so
//! that photos and scans from any source work the same way.

use docgate_core::Region;
use image::{GrayImage, RgbImage};
use imageproc::geometric_transformations::{Interpolation, Projection};

use crate::engine::{Model, Ocr, Psm, Reading, Request, Word};

/// Quad corners in page pixels (any order), as vision reports the document outline.
pub type Quad = [[f32; 2]; 4];

/// The document quad vision measured, when all four corners have a position.
pub fn quad_of(v: &docgate_core::VisionMeasurements) -> Option<Quad> {
    if v.corners.len() != 4 {
        return None;
    }
    let mut q = [[0f32; 2]; 4];
    for (slot, c) in q.iter_mut().zip(&v.corners) {
        let p = c.position?;
        *slot = [p[0] as f32, p[1] as f32];
    }
    Some(q)
}

/// A text line from the layout pass, with its label prefix once recognised.
#[derive(Debug, Clone)]
pub struct Line {
    /// Box in (prepared) page pixels.
    pub region: Region,
    prefix: Option<Reading>,
    prefix_done: bool,
}

/// Where a label was found.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelHit {
    /// The label as printed (one of those asked for).
    pub text: String,
    /// Characters of the label read wrongly (0 to 2, by the label's length).
    pub misses: usize,
    /// Index into the page's lines.
    pub line: usize,
    /// The label's box (page pixels).
    pub label: Region,
    /// The line's box.
    pub line_region: Region,
}

/// How much of a piece the label search reads, in text heights (about characters): labels
/// are at most 8 characters, 9 widths when spread.
const PREFIX_WIDTHS: u32 = 9;

/// A line read (PSM 7) less confident than this is read again as a raw line (PSM 13).
const RAW_LINE_BELOW: f32 = 0.3;
/// ... and its raw reading replaces it when at least this much surer.
const RAW_LINE_MARGIN: f32 = 0.3;

/// Documents whose long side is shorter than this are enlarged before the layout pass.
const MIN_LONG_SIDE: u32 = 1200;
/// An ink band (a text line's height in a crop) under this many pixels is small print,
/// read enlarged to [`INK_TARGET`] pixels: what a padded line crop brought to 48 px holds.
const SMALL_INK: u32 = 16;
const INK_TARGET: f32 = 24.0;

/// A page ready for label lookups and value reads.
pub struct Page<'a> {
    ocr: &'a dyn Ocr,
    /// The prepared greyscale page.
    pub gray: GrayImage,
    /// Maps prepared-page pixels back to the original page (for reported regions).
    back: Projection,
    /// Layout lines, top to bottom.
    pub lines: Vec<Line>,
    /// The median piece height (the page's text size).
    median_height: u32,
    prefixes_read: bool,
    /// Extra enlargement of every crop read (1.0 normally; see [`Page::zoomed`]).
    zoom: std::cell::Cell<f32>,
    /// Unsharp-mask radius (σ, page pixels after enlarging) applied to crops; 0 = none.
    sharpen: std::cell::Cell<f32>,
    /// Whether small print is enlarged by its ink band (see [`Page::ink_fitted`]).
    fit_ink: std::cell::Cell<bool>,
    /// The page with seals seen through (same geometry as `gray`), when it has seal red; on
    /// an invoice, its black print alone (see [`black_print_gray`]).
    seal_free: Option<GrayImage>,
    /// Whether reads use `seal_free` (see [`Page::seal_free`]).
    use_seal_free: std::cell::Cell<bool>,
}

impl<'a> Page<'a> {
    /// Prepares `rgb` (rectify the document quad, greyscale — without red seals when
    /// `wash_red` — deskew) and runs the layout pass. A failed layout pass leaves no lines
    /// (every field then absent).
    ///
    /// `wash_red` is false for forms whose printed labels are themselves red or brown (VAT
    /// invoices: washing seal red there erased 税率, 开票日期 and 发票号码 with it).
    pub fn new(ocr: &'a dyn Ocr, rgb: &RgbImage, quad: Option<&Quad>, wash_red: bool) -> Page<'a> {
        Page::build(ocr, rgb, quad, wash_red, false)
    }

    /// The page read on its seal-free greyscale (see [`seal_free_gray`]) from the start,
    /// labels included: for a line a company seal covers so densely that its label is not
    /// found on the washed greyscale (an authorization letter's credit code under the
    /// seal). `None` when the page shows no seal red.
    pub fn new_seal_free(
        ocr: &'a dyn Ocr,
        rgb: &RgbImage,
        quad: Option<&Quad>,
    ) -> Option<Page<'a>> {
        has_seal_red(rgb).then(|| Page::build(ocr, rgb, quad, true, true))
    }

    fn build(
        ocr: &'a dyn Ocr,
        rgb: &RgbImage,
        quad: Option<&Quad>,
        wash_red: bool,
        seal_free_only: bool,
    ) -> Page<'a> {
        let gray_of = |img: &RgbImage| {
            if wash_red {
                text_gray(img)
            } else {
                image::imageops::grayscale(img)
            }
        };
        // A quad with paper all around it is a printed frame (an invoice's table border on a
        // page scanned edge to edge), not the paper's edge: cropping to it would cut off
        // what is printed outside it (the invoice number and date). Read the whole frame.
        let quad = quad.filter(|q| !paper_outside(rgb, q));
        let rectified = quad.and_then(|q| rectify(rgb, q));
        let (doc, mut back) = match &rectified {
            Some((img, proj)) => (img, *proj),
            None => (rgb, Projection::scale(1.0, 1.0)),
        };
        // Where a seal was washed out, a second greyscale for second looks at codes.
        // An invoice's form (labels, rules, seal) is printed in one colour and its data in
        // black: its second look is at the black print alone.
        let (gray, seal_free) = if seal_free_only {
            (seal_free_gray(doc), None)
        } else if wash_red {
            (gray_of(doc), has_seal_red(doc).then(|| seal_free_gray(doc)))
        } else {
            (gray_of(doc), Some(black_print_gray(doc)))
        };
        // A small document (a 340 px ID card photo) has text of 6-8 px, below what the
        // layout pass separates from the card's background pattern: bring its long side up
        // to MIN_LONG_SIDE first (at most 3x).
        let long = gray.width().max(gray.height()).max(1);
        let enlarge = (long < MIN_LONG_SIDE).then(|| (MIN_LONG_SIDE as f32 / long as f32).min(3.0));
        let grow = |g: GrayImage| match enlarge {
            Some(f) => image::imageops::resize(
                &g,
                (g.width() as f32 * f).round() as u32,
                (g.height() as f32 * f).round() as u32,
                image::imageops::FilterType::CatmullRom,
            ),
            None => g,
        };
        if let Some(f) = enlarge {
            back = back * Projection::scale(1.0 / f, 1.0 / f);
        }
        let gray = grow(gray);
        let angle = crate::layout::skew_degrees(&gray);
        let (gray, rotation) = rotate(gray, angle);
        let seal_free = seal_free.map(|g| rotate(grow(g), angle).0);
        drop(rectified);
        if let Some(r) = rotation {
            back = back * r.invert();
        }
        let (w, h) = gray.dimensions();
        let lines = if w < 8 || h < 8 {
            Vec::new()
        } else {
            match ocr.lines(&gray, [0, 0, w, h]) {
                Ok(l) => l,
                Err(e) => {
                    tracing::debug!(error = %e, "layout pass failed");
                    Vec::new()
                }
            }
        };
        tracing::trace!("page {w}x{h}: {} layout pieces {:?}", lines.len(), lines);
        let mut lines: Vec<Line> = lines
            .into_iter()
            // Borders and rules are tall-thin or flat-wide boxes, not text lines.
            .filter(|r| r[3] >= 6 && r[2] * 2 >= r[3] && r[3] <= h / 6)
            .map(|region| Line {
                region,
                prefix: None,
                prefix_done: false,
            })
            .collect();
        lines.sort_by_key(|l| (l.region[1], l.region[0]));
        let median_height = text_height(lines.iter().map(|l| l.region));
        Page {
            ocr,
            gray,
            back,
            lines,
            median_height,
            prefixes_read: false,
            zoom: std::cell::Cell::new(1.0),
            sharpen: std::cell::Cell::new(0.0),
            fit_ink: std::cell::Cell::new(false),
            seal_free,
            use_seal_free: std::cell::Cell::new(false),
        }
    }

    /// Runs `f` reading from the seal-free greyscale (see [`seal_free_gray`]; on an invoice,
    /// [`black_print_gray`]) when the page has one; `None` when it has not (no seal red).
    pub fn seal_free<T>(&self, f: impl FnOnce(&Self) -> T) -> Option<T> {
        self.seal_free.as_ref()?;
        let old = self.use_seal_free.replace(true);
        let out = f(self);
        self.use_seal_free.set(old);
        Some(out)
    }

    /// Runs `f` with every crop read `factor` times larger. A second reading at another
    /// scale is an independent look at the same print: Tesseract's slips (a serif 5 read as
    /// G) change with the scale, while a check character tells which reading is right.
    pub fn zoomed<T>(&self, factor: f32, f: impl FnOnce(&Self) -> T) -> T {
        let old = self.zoom.replace(factor);
        let out = f(self);
        self.zoom.set(old);
        out
    }

    /// Runs `f` with every crop enlarged so that its ink band (the printed line's height)
    /// is [`INK_TARGET`] pixels when it is under [`SMALL_INK`]. A crop taller than its
    /// line (a tax id's crop padded by a label box read twice the line's height) is
    /// otherwise read at the page's scale, and at 10 px Tesseract dropped a tax id's last
    /// character (seed 101 FX101-0065). A last look for codes only: applied to every read
    /// it cost more names than it gained (licence company names −1 to −3 on each of five
    /// seeds) and misread a 10 px tax id's serif 1s that the page's scale read right.
    pub fn ink_fitted<T>(&self, f: impl FnOnce(&Self) -> T) -> T {
        let old = self.fit_ink.replace(true);
        let out = f(self);
        self.fit_ink.set(old);
        out
    }

    /// Width and height of the prepared page.
    pub fn dimensions(&self) -> (u32, u32) {
        self.gray.dimensions()
    }

    /// Runs `f` with every crop unsharp-masked at radius `sigma` (after enlarging): strokes
    /// a phone photo softened read better crisp. Names gain and dates lose (the figures are
    /// at `readers::LICENCE_NAME_SHARPEN`), so it is each reader's choice, not the page's.
    pub fn sharpened<T>(&self, sigma: f32, f: impl FnOnce(&Self) -> T) -> T {
        let old = self.sharpen.replace(sigma);
        let out = f(self);
        self.sharpen.set(old);
        out
    }

    /// A region in the original page's pixels (what results report).
    pub fn to_original(&self, r: Region) -> Region {
        let p = self.back;
        let (x0, y0) = (r[0] as f32, r[1] as f32);
        let (x1, y1) = ((r[0] + r[2]) as f32, (r[1] + r[3]) as f32);
        let pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)].map(|q| p * q);
        let min_x = pts
            .iter()
            .map(|q| q.0)
            .fold(f32::INFINITY, f32::min)
            .max(0.0);
        let min_y = pts
            .iter()
            .map(|q| q.1)
            .fold(f32::INFINITY, f32::min)
            .max(0.0);
        let max_x = pts.iter().map(|q| q.0).fold(0.0f32, f32::max);
        let max_y = pts.iter().map(|q| q.1).fold(0.0f32, f32::max);
        [
            min_x.round() as u32,
            min_y.round() as u32,
            ((max_x - min_x).round() as u32).max(1),
            ((max_y - min_y).round() as u32).max(1),
        ]
    }

    /// Recognises the first characters of every line (where labels are printed), once.
    fn read_prefixes(&mut self) {
        if self.prefixes_read {
            return;
        }
        self.prefixes_read = true;
        for i in 0..self.lines.len() {
            self.read_prefix(i);
        }
    }

    /// Recognises the first characters of line `i` (once).
    fn read_prefix(&mut self, i: usize) {
        if self.lines[i].prefix_done {
            return;
        }
        self.lines[i].prefix_done = true;
        let r = self.lines[i].region;
        // Labels are printed at the page's text size: a piece more than twice as tall as
        // the median piece is a title, an emblem or a frame pattern, and reading it costs
        // the most (~100 ms).
        if r[3] > 2 * self.median_height {
            return;
        }
        // Labels are at most 8 characters (9 widths when spread); a character is about as wide as the piece is
        // tall. Tesseract wants a white margin.
        let pad = r[3] / 2;
        let area = [
            r[0].saturating_sub(pad),
            r[1].saturating_sub(pad),
            r[2].min(r[3] * PREFIX_WIDTHS) + 2 * pad,
            r[3] + 2 * pad,
        ];
        self.lines[i].prefix = self.read(area, Model::ChiSim, Psm::Line, None);
        tracing::trace!(
            "line {:?} prefix of {:?} chars",
            r,
            self.lines[i]
                .prefix
                .as_ref()
                .map(|p| p.text().chars().count())
        );
    }

    /// Every line with its recognised prefix, for development probes.
    pub fn dump(&mut self) -> Vec<String> {
        self.read_prefixes();
        self.lines
            .iter()
            .map(|l| format!("{:?} {:?}", l.region, l.prefix.as_ref().map(Reading::text)))
            .collect()
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
        let source = match &self.seal_free {
            Some(g) if self.use_seal_free.get() => g,
            _ => &self.gray,
        };
        let crop = image::imageops::crop_imm(source, area[0], area[1], area[2], area[3]).to_image();
        // Small text is read better larger: Tesseract's LSTM expects x-heights of ~20-30 px.
        // A crop under 40 px is a padded line: brought to 48 px. A taller crop may still hold
        // small print: its ink band says (see `Page::ink_fitted`).
        let by_area = if area[3] < 40 {
            48.0 / area[3].max(1) as f32
        } else {
            1.0
        };
        // Measured only for the looks that ask: every other read skips the pass.
        let by_ink = match self.fit_ink.get().then(|| ink_band(&crop)).flatten() {
            Some(band) if band < SMALL_INK => (INK_TARGET / band as f32).min(3.0),
            _ => 1.0,
        };
        let f = by_area.max(by_ink) * self.zoom.get();
        let crop = if (f - 1.0).abs() > 0.01 {
            image::imageops::resize(
                &crop,
                ((area[2] as f32 * f) as u32).max(1),
                ((area[3] as f32 * f) as u32).max(1),
                image::imageops::FilterType::CatmullRom,
            )
        } else {
            crop
        };
        let sigma = self.sharpen.get();
        let crop = if sigma > 0.0 {
            image::imageops::unsharpen(&crop, sigma, 0)
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
        let first = self.ocr.read(&req);
        // Tesseract's line finder (PSM 7) sometimes drops a short, light line whole (a
        // blurred two-character 税率) or turns a short line of large characters into one
        // unsure glyph (an ID card's 王红 read as "3", confidence 0); read as a raw line
        // (PSM 13) the same crop reads. The raw answer replaces an unsure one only when
        // clearly surer and reading other characters: its word boxes are coarser, and the
        // same 注册号“330106361 read surer put the label's end inside the number
        // (fixtures/small FX7-0004, seed 97 FX97-0079).
        let answer = match first {
            Ok(r) if psm == Psm::Line && r.confidence() < RAW_LINE_BELOW => {
                let chars = |r: &Reading| -> String {
                    r.text().chars().filter(|c| c.is_alphanumeric()).collect()
                };
                match self.ocr.read(&Request {
                    psm: Psm::RawLine,
                    ..req
                }) {
                    Ok(raw)
                        if r.words.is_empty()
                            || (raw.confidence() >= r.confidence() + RAW_LINE_MARGIN
                                && chars(&raw) != chars(&r)) =>
                    {
                        Ok(raw)
                    }
                    Err(e) if r.words.is_empty() => Err(e),
                    _ => Ok(r),
                }
            }
            other => other,
        };
        // Lengths only: what is read may be a name or an ID number.
        tracing::trace!(
            "read {:?} {:?} whitelist {} -> {:?} chars",
            area,
            model,
            whitelist.is_some(),
            answer.as_ref().map(|r| r.text().chars().count())
        );
        match answer {
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
                if let Some((label_box, misses, _)) = match_label(prefix, label) {
                    hits.push(LabelHit {
                        text: label.to_string(),
                        misses,
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
    ///
    /// A hit read exactly wins over an earlier one read with a slip (账号 over 核准号); of
    /// hits read with a slip, one at the start of its line wins over one inside a longer
    /// word (张号 over the 准号 of 核准号).
    pub fn find_label(&mut self, labels: &[&str]) -> Option<LabelHit> {
        self.find_label_not(labels, &[])
    }

    /// [`Page::find_label`], where a line that reads exactly as one of `others` (other
    /// labels of the document) is never taken for a slip of `labels` (编号 is not 账号).
    pub fn find_label_not(&mut self, labels: &[&str], others: &[&str]) -> Option<LabelHit> {
        // Lazily, top to bottom: pieces below an exact hit are never read for this label.
        let mut best: Option<(LabelHit, usize)> = None;
        for i in 0..self.lines.len() {
            self.read_prefix(i);
            let line = &self.lines[i];
            let Some(prefix) = &line.prefix else { continue };
            for label in labels {
                if let Some((label_box, misses, start)) = match_label(prefix, label) {
                    if misses > 0
                        && others
                            .iter()
                            .any(|o| match_label(prefix, o).is_some_and(|m| m.1 == 0))
                    {
                        break;
                    }
                    let hit = LabelHit {
                        text: label.to_string(),
                        misses,
                        line: i,
                        label: label_box,
                        line_region: line.region,
                    };
                    if misses == 0 {
                        return Some(hit);
                    }
                    if best.as_ref().is_none_or(|b| start == 0 && b.1 > 0) {
                        best = Some((hit, start));
                    }
                    break;
                }
            }
        }
        best.map(|b| b.0)
    }

    /// The prefix reading of every piece, words and confidences included.
    pub fn prefix_readings(&mut self) -> Vec<(Region, Reading)> {
        self.read_prefixes();
        self.lines
            .iter()
            .filter_map(|l| Some((l.region, l.prefix.clone()?)))
            .collect()
    }

    /// The prefix reading of every piece (for fields found by shape, not by label).
    pub fn prefixes(&mut self) -> Vec<(Region, String)> {
        self.read_prefixes();
        self.lines
            .iter()
            .filter_map(|l| Some((l.region, l.prefix.as_ref()?.text())))
            .collect()
    }

    /// The text printed after a label: the label's whole piece is read once with chi_sim and
    /// the label's characters are stripped from the reading (so the value's start never
    /// depends on where the label's box was estimated to end). When the label stands alone
    /// in its piece, the next piece on the row is read instead.
    pub fn value_after(&self, hit: &LabelHit, whitelist: Option<&str>) -> Option<Reading> {
        self.value_after_with(hit, whitelist, Model::ChiSim)
    }

    /// [`Page::value_after`], read with `model`.
    pub fn value_after_with(
        &self,
        hit: &LabelHit,
        whitelist: Option<&str>,
        model: Model,
    ) -> Option<Reading> {
        let line = hit.line_region;
        let area = padded(line);
        // A piece no wider than the prefix read (PREFIX_WIDTHS text heights) was read whole
        // already, with the same crop and model: reuse it instead of recognising it twice.
        let whole = match self.lines.get(hit.line) {
            Some(l)
                if model == Model::ChiSim
                    && l.region == line
                    && line[2] <= line[3] * PREFIX_WIDTHS
                    && self.sharpen.get() == 0.0 =>
            {
                l.prefix.clone()
            }
            _ => self.read(area, model, Psm::Line, None),
        };
        if let Some(whole) = whole {
            // The label may read differently this time (another model, another crop): with
            // one more slip (贪责人郭殴董 is 负责人 and the name), else drop what lies left of
            // its box's end, character by character.
            let rest = after_label(&whole, &hit.text, 0)
                .or_else(|| after_label(&whole, &hit.text, 1))
                .or_else(|| right_of_x(&whole, hit.label[0] + hit.label[2]));
            let meaningful = |r: &Reading| r.text().chars().any(|c| c.is_alphanumeric());
            if let Some(rest) = rest.filter(meaningful) {
                let rest = match whitelist {
                    Some(w) => keep_chars(rest, w),
                    None => rest,
                };
                // No label read (a zero-width label box: the whole line is the value): the
                // label's faded remnants may come first, a gap before the value (seed 113
                // FX113-0001's buyer on the black print, "<证-   西安润润服饰有限公司").
                if hit.label[2] == 0 {
                    return longest_run(rest, line[3]);
                }
                return first_run(rest, line[3]);
            }
        }
        // Alone in its piece: the value is the next piece on the row.
        let next = self.next_on_row(hit)?;
        let area = padded(next);
        let r = self.read(area, model, Psm::Line, whitelist)?;
        first_run(r, next[3])
    }

    /// Where the value after a label starts (x, page pixels), from the label line's prefix
    /// reading: the left edge of the first character after the label.
    pub fn value_start(&self, hit: &LabelHit) -> Option<u32> {
        let prefix = self.lines.get(hit.line)?.prefix.as_ref()?;
        let chars = chars_of(prefix);
        let (_, last, _) = find_label_window(&chars, &hit.text)?;
        chars[last + 1..]
            .iter()
            .find(|c| label_char(c.0))
            .map(|c| c.1[0])
    }

    /// The piece on the row above a label's line (its text within three line heights above,
    /// reaching right of `x`).
    pub fn row_above(&self, hit: &LabelHit, x: u32) -> Option<Region> {
        let line = hit.line_region;
        let h = line[3];
        self.lines
            .iter()
            .map(|l| l.region)
            .filter(|r| {
                r[1] + r[3] <= line[1] + h / 4
                    && r[1] + r[3] + h * 3 >= line[1]
                    && r[0] < x + h
                    && r[0] + r[2] > x + h / 2
            })
            .max_by_key(|r| r[1] + r[3])
    }

    /// The nearest piece right of a label on the same row: starting within sixteen text
    /// heights of the label's end (a table's value column may stand 14 away), or within
    /// 35 % of the page's width from its start. A table's label column is as wide as its
    /// longest label, so a short label's value stands further from its end (a bank page's
    /// 账号: 16.8 heights, seed 113 FX113-0002; 18.6, FX113-0001; both 28 % of the page),
    /// while a licence's second column starts 44 % of the page from the first
    /// column's labels.
    fn next_on_row(&self, hit: &LabelHit) -> Option<Region> {
        let line = hit.line_region;
        let h = line[3].max(hit.label[3]);
        let label_end = hit.label[0] + hit.label[2];
        let row: Vec<Region> = self
            .lines
            .iter()
            .map(|l| l.region)
            .filter(|r| {
                // Same row: centres within 0.8 text heights. Values printed onto a
                // pre-printed form (paper VAT invoices) often sit half a line off their label.
                let (cy, ly) = (2 * r[1] + r[3], 2 * line[1] + line[3]);
                cy.abs_diff(ly) * 5 <= r[3].max(line[3]) * 8 && r[0] >= label_end && *r != line
            })
            .collect();
        let first = *row
            .iter()
            .filter(|r| r[0] < (label_end + h * 16).max(hit.label[0] + self.gray.width() * 7 / 20))
            .min_by_key(|r| r[0])?;
        Some(overlapping_run(first, &row))
    }

    /// Reads the value printed right of a label: the rest of the label's piece, or, when the
    /// label stands alone, the next piece on the same row ([`Page::next_on_row`]).
    pub fn right_of(
        &self,
        hit: &LabelHit,
        model: Model,
        whitelist: Option<&str>,
    ) -> Option<Reading> {
        let line = hit.line_region;
        let h = line[3].max(hit.label[3]);
        let label_end = hit.label[0] + hit.label[2];
        let line_end = line[0] + line[2];
        let pad = h / 2;
        // After the label on its own line, the crop starts where the label ends: half a pad
        // earlier takes in a sliver of the label's last character, and Tesseract then drops
        // the value's first character with it (seed 73 FX73-0020: 账号's 号 ending at 253,
        // the account number from 272, read without its leading 5 from 252). A piece of its
        // own starts at its first ink, so its crop keeps a margin before it.
        let span = if line_end > label_end + h {
            Some((label_end + h / 5, line_end, 0))
        } else {
            self.next_on_row(hit).map(|r| (r[0], r[0] + r[2], pad / 2))
        };
        let (x0, x1, before) = span?;
        let area = [
            x0.saturating_sub(before),
            line[1].saturating_sub(pad),
            x1.saturating_sub(x0) + pad + before,
            line[3] + 2 * pad,
        ];
        let r = self.read(area, model, Psm::Line, whitelist)?;
        first_run(r, h)
    }

    /// Reads the first piece below a label that starts near the label's left edge.
    pub fn below(&self, hit: &LabelHit, model: Model, whitelist: Option<&str>) -> Option<Reading> {
        let h = hit.line_region[3];
        let lb = hit.line_region[1] + hit.line_region[3];
        // The piece may start further left when the layout pass joined the page's frame
        // to the line (a landscape licence's border, one text height from the code): it
        // is read from three text heights left of the label on.
        let left = hit.label[0].saturating_sub(h * 3);
        let next = self.lines.iter().find(|l| {
            let r = l.region;
            r[1] + r[3] / 2 > lb
                && r[1] < lb + h * 4
                && r[0] + r[2] > hit.label[0] + h
                && r[0] < hit.label[0] + h * 3
        })?;
        let r = next.region;
        let r = if r[0] < left {
            [left, r[1], r[0] + r[2] - left, r[3]]
        } else {
            r
        };
        // The layout pass may leave a code's last character out of its piece (a serif J
        // below the line): read up to two text heights further, short of the next piece.
        let end = r[0] + r[2];
        let stop = self
            .lines
            .iter()
            .map(|l| l.region)
            .filter(|q| q[0] >= end && q[1] < r[1] + r[3] && q[1] + q[3] > r[1])
            .map(|q| q[0].saturating_sub(h / 2))
            .min()
            .unwrap_or(u32::MAX);
        let r = [r[0], r[1], (end + 2 * h).min(stop).max(end) - r[0], r[3]];
        let area = padded(r);
        let reading = self.read(area, model, Psm::Line, whitelist)?;
        first_run(reading, r[3])
    }
}

/// A piece's box with half its height of white around it: Tesseract reads a line best with
/// a margin.
pub fn padded(r: Region) -> Region {
    let pad = r[3] / 2;
    [
        r[0].saturating_sub(pad),
        r[1].saturating_sub(pad),
        r[2] + 2 * pad,
        r[3] + 2 * pad,
    ]
}

/// The words of the first line, left to right, in runs split by horizontal gaps wider
/// than 2.5 line heights (a label's colon read as a word of its own is no run's start).
fn runs_of(r: Reading, h: u32) -> Vec<Vec<Word>> {
    let Some(first_line) = r.words.first().map(|w| w.line) else {
        return Vec::new();
    };
    let mut words: Vec<Word> = r
        .words
        .into_iter()
        .filter(|w| w.line == first_line)
        .collect();
    words.sort_by_key(|w| w.region[0]);
    let mut runs: Vec<Vec<Word>> = Vec::new();
    for w in words {
        let joins = runs
            .last()
            .and_then(|run| run.last())
            .is_some_and(|prev| w.region[0] <= prev.region[0] + prev.region[2] + h * 5 / 2);
        match runs.last_mut() {
            Some(run) if joins => run.push(w),
            _ if w.text.chars().any(char::is_alphanumeric) => runs.push(vec![w]),
            _ => {}
        }
    }
    runs
}

/// The run of words with the most letters and digits (see [`runs_of`]).
fn longest_run(r: Reading, h: u32) -> Option<Reading> {
    let count = |run: &Vec<Word>| -> usize {
        run.iter()
            .map(|w| w.text.chars().filter(|c| c.is_alphanumeric()).count())
            .sum()
    };
    let words = runs_of(r, h)
        .into_iter()
        .rev()
        .max_by_key(|run| count(run))?;
    Some(Reading { words })
}

/// Keeps the words up to the first horizontal gap wider than 2.5 line heights.
fn first_run(r: Reading, h: u32) -> Option<Reading> {
    let words = runs_of(r, h).into_iter().next()?;
    Some(Reading { words })
}

/// Keeps only `allowed` characters of each word (what a whitelist would have let through).
fn keep_chars(r: Reading, allowed: &str) -> Reading {
    Reading {
        words: r
            .words
            .into_iter()
            .filter_map(|mut w| {
                w.text = w.text.chars().filter(|c| allowed.contains(*c)).collect();
                (!w.text.is_empty()).then_some(w)
            })
            .collect(),
    }
}

/// Characters of a reading with their (proportionally split) boxes and word index.
fn chars_of(r: &Reading) -> Vec<(char, Region, usize)> {
    let mut chars = Vec::new();
    for (wi, w) in r.words.iter().enumerate() {
        let cs: Vec<char> = w.text.chars().collect();
        let n = cs.len().max(1) as u32;
        for (i, c) in cs.into_iter().enumerate() {
            let i = i as u32;
            let x = w.region[0] + w.region[2] * i / n;
            let x1 = w.region[0] + w.region[2] * (i + 1) / n;
            chars.push((c, [x, w.region[1], (x1 - x).max(1), w.region[3]], wi));
        }
    }
    chars
}

/// Where `label` starts among the label-like characters `chars` (within the first four,
/// one misread tolerated in labels of four or more): the index range in `chars`.
fn find_label_window(
    chars: &[(char, Region, usize)],
    label: &str,
) -> Option<(usize, usize, usize)> {
    find_label_window_with(chars, label, 0)
}

/// [`find_label_window`] with `extra` more misreads tolerated: for a label already found on
/// the line, read again by another model (which slips on other characters).
fn find_label_window_with(
    chars: &[(char, Region, usize)],
    label: &str,
    extra: usize,
) -> Option<(usize, usize, usize)> {
    let idx: Vec<usize> = (0..chars.len())
        .filter(|&i| label_char(chars[i].0))
        .collect();
    let want: Vec<char> = label.chars().collect();
    // Long labels are distinctive: 纳税人识别号 read as 纳税人民明号 is still that label.
    let allowed_misses = extra
        + match want.len() {
            0..=3 => 0,
            4 | 5 => 1,
            _ => 2,
        };
    for start in 0..=3usize {
        // A long label may run past the end of the prefix read (a frame joined to the line
        // pushed it right): its first characters, all but two at most, are a hit when they
        // are read without a slip.
        let (window, cut) = match idx.get(start..start + want.len()) {
            Some(w) => (w, 0),
            None if want.len() >= 6 && idx.len() >= start + want.len() - 2 => {
                (&idx[start..], start + want.len() - idx.len())
            }
            None => break,
        };
        let misses = window
            .iter()
            .zip(&want)
            .filter(|(&i, w)| chars[i].0 != **w)
            .count();
        if cut > 0 && misses > 0 {
            continue;
        }
        // Two-character labels need both characters Han: 名称 read as 2称 does not count
        // as a hit, and 号码 does not match 名称.
        let han_ok = want.len() > 2 || window.iter().all(|&i| crate::values::is_han(chars[i].0));
        // A long label's slips at both ends still leave its distinctive middle read exactly
        // (兵税人识别叶 is 纳税人识别号).
        let exact_middle = want.len() >= 6
            && window.len() == want.len()
            && window[1..want.len() - 1]
                .iter()
                .zip(&want[1..want.len() - 1])
                .all(|(&i, w)| chars[i].0 == *w);
        let exact_ends = want.len() < 3
            || chars[window[0]].0 == want[0]
            || chars[*window.last()?].0 == *want.last()?
            || exact_middle;
        if misses <= allowed_misses.max(usize::from(want.len() == 2)) && han_ok && exact_ends {
            return Some((window[0], *window.last()?, misses));
        }
    }
    None
}

/// The words after `label` in a reading of a whole piece, the word holding the label's last
/// character trimmed to what follows it.
fn after_label(r: &Reading, label: &str, extra: usize) -> Option<Reading> {
    let chars = chars_of(r);
    let (_, last, _) = find_label_window_with(&chars, label, extra)?;
    kept_chars(r, &chars, |i, _| i > last)
}

/// The characters of `r` whose centre lies right of `x` (page pixels), as words.
fn right_of_x(r: &Reading, x: u32) -> Option<Reading> {
    kept_chars(r, &chars_of(r), |_, c| c.1[0] + c.1[2] / 2 > x)
}

/// The characters of `r` (`chars`, from [`chars_of`]) that `keep` keeps (by index and
/// character), regrouped into their words.
fn kept_chars(
    r: &Reading,
    chars: &[(char, Region, usize)],
    keep: impl Fn(usize, &(char, Region, usize)) -> bool,
) -> Option<Reading> {
    let mut words = Vec::new();
    for (wi, src) in r.words.iter().enumerate() {
        let rest: Vec<&(char, Region, usize)> = chars
            .iter()
            .enumerate()
            .filter(|(i, c)| c.2 == wi && keep(*i, c))
            .map(|(_, c)| c)
            .collect();
        if rest.is_empty() {
            continue;
        }
        words.push(Word {
            text: rest.iter().map(|c| c.0).collect(),
            confidence: src.confidence,
            region: crate::engine::union(rest.iter().map(|c| c.1))?,
            line: src.line,
        });
    }
    (!words.is_empty()).then_some(Reading { words })
}

/// Characters that never belong to a label as read (spacing, colons, brackets, stray marks).
fn label_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_ascii_punctuation() || "：，。、“”‘’（）【】·「」".contains(c))
}

/// Finds `label` at the start of a recognised prefix (allowing three stray characters before
/// it, and one misread character in labels of four or more). Returns the label's box.
pub(crate) fn match_label(prefix: &Reading, label: &str) -> Option<(Region, usize, usize)> {
    let chars = chars_of(prefix);
    let (first, last, misses) = find_label_window(&chars, label)?;
    Some((
        crate::engine::union(chars[first..=last].iter().map(|(_, r, _)| *r))?,
        misses,
        first,
    ))
}

/// `first` grown by the pieces of `row` that overlap it, repeatedly: the layout pass can
/// split one printed line into overlapping pieces ("2008年03月03" and "年03月03日至长期" on a
/// pre-2016 licence), and the value is their union.
fn overlapping_run(first: Region, row: &[Region]) -> Region {
    let (x0, mut x1) = (first[0], first[0] + first[2]);
    let (mut y0, mut y1) = (first[1], first[1] + first[3]);
    loop {
        let mut grown = false;
        for r in row {
            let (a, b) = (r[0], r[0] + r[2]);
            if a < x1 && b > x1 && a >= x0 {
                x1 = b;
                y0 = y0.min(r[1]);
                y1 = y1.max(r[1] + r[3]);
                grown = true;
            }
        }
        if !grown {
            return [x0, y0, x1 - x0, y1 - y0];
        }
    }
}

/// The page's text height: the height of the pieces two characters wide or more, a median
/// weighted by width up to 16 heights. Weighting by width lets the text lines outvote a
/// frame's ornaments, which a guilloche border breaks into a hundred short pieces of their
/// own height (pre-2016 licences); the cap keeps a frame's long flat rules (a bank permit's
/// border, 1,240 px long and 9 px high) from outvoting them in turn.
fn text_height(regions: impl Iterator<Item = Region>) -> u32 {
    let mut hs: Vec<(u32, u64)> = regions
        .filter(|r| r[2] >= 2 * r[3])
        .map(|r| (r[3], u64::from(r[2].min(16 * r[3]))))
        .collect();
    hs.sort_unstable();
    let half = hs.iter().map(|h| h.1).sum::<u64>() / 2;
    let mut seen = 0;
    for (h, w) in hs {
        seen += w;
        if seen > half {
            return h;
        }
    }
    u32::MAX / 4
}

/// The height of a crop's tallest band of inked rows (gaps of one row bridged): a row is
/// inked when 1 % of it is darker than halfway from paper (90th percentile) to ink (2nd).
/// `None` for a crop without contrast (under 32 levels: nothing printed to measure).
fn ink_band(crop: &GrayImage) -> Option<u32> {
    let (w, h) = crop.dimensions();
    let mut hist = [0u32; 256];
    for p in crop.pixels() {
        hist[usize::from(p.0[0])] += 1;
    }
    let total = w * h;
    let level = |q: f32| {
        let want = (total as f32 * q) as u32;
        let mut seen = 0;
        hist.iter()
            .position(|&n| {
                seen += n;
                seen > want
            })
            .unwrap_or(255) as i32
    };
    let (ink, paper) = (level(0.02), level(0.9));
    if paper - ink < 32 {
        return None;
    }
    let cut = ((ink + paper) / 2) as u8;
    let need = (w / 100).max(1);
    let inked: Vec<bool> = (0..h)
        .map(|y| (0..w).filter(|&x| crop.get_pixel(x, y).0[0] < cut).count() as u32 >= need)
        .collect();
    let (mut best, mut run, mut gap) = (0u32, 0u32, 0u32);
    for &row in &inked {
        if row {
            run += gap + 1;
            gap = 0;
        } else if run > 0 && gap == 0 {
            gap = 1;
        } else {
            run = 0;
            gap = 0;
        }
        best = best.max(run);
    }
    (best > 0).then_some(best)
}

fn clamp(a: Region, (w, h): (u32, u32)) -> Option<Region> {
    let x0 = a[0].min(w);
    let y0 = a[1].min(h);
    let x1 = (a[0].saturating_add(a[2])).min(w);
    let y1 = (a[1].saturating_add(a[3])).min(h);
    (x1 > x0 + 2 && y1 > y0 + 2).then_some([x0, y0, x1 - x0, y1 - y0])
}

/// Warps the document quad to an upright rectangle (perspective removed, so every text line
/// is straight and level). Returns the rectified image and the mapping back to the page.
/// `None` for a degenerate quad.
fn rectify(rgb: &RgbImage, q: &Quad) -> Option<(RgbImage, Projection)> {
    let c = order_corners(q)?;
    let d = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let w = d(c[0], c[1]).max(d(c[3], c[2]));
    let h = d(c[0], c[3]).max(d(c[1], c[2]));
    // Never larger than the page itself (a cap before allocation).
    let (pw, ph) = rgb.dimensions();
    let f = ((pw as f32 * ph as f32) / (w * h).max(1.0)).sqrt().min(1.0);
    let (w, h) = ((w * f).round(), (h * f).round());
    if w < 50.0 || h < 50.0 {
        return None;
    }
    let to = [
        (0.0, 0.0),
        (w - 1.0, 0.0),
        (w - 1.0, h - 1.0),
        (0.0, h - 1.0),
    ];
    let from = c.map(|p| (p[0], p[1]));
    let forward = Projection::from_control_points(from, to)?;
    let mut out = RgbImage::new(w as u32, h as u32);
    imageproc::geometric_transformations::warp_into(
        rgb,
        &forward,
        Interpolation::Bilinear,
        image::Rgb([255, 255, 255]),
        &mut out,
    );
    Some((out, forward.invert()))
}

/// Whether the frame outside the quad is nearly all as bright as the paper inside it: then
/// the quad is a frame printed on the page, and the page goes on beyond it. Sampled on a
/// grid of ~10 000 points.
fn paper_outside(rgb: &RgbImage, q: &Quad) -> bool {
    let Some(c) = order_corners(q) else {
        return false;
    };
    let (w, h) = rgb.dimensions();
    let step = ((w as f32 * h as f32 / 10_000.0).sqrt() as u32).max(1);
    // Inside iff on the same side of all four clockwise edges.
    let inside = |x: f32, y: f32| {
        (0..4).all(|i| {
            let (a, b) = (c[i], c[(i + 1) % 4]);
            (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]) >= 0.0
        })
    };
    let (mut ins, mut outs) = (Vec::new(), Vec::new());
    for y in (0..h).step_by(step as usize) {
        for x in (0..w).step_by(step as usize) {
            let [r, g, b] = rgb.get_pixel(x, y).0;
            let l = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
            if inside(x as f32, y as f32) {
                ins.push(l);
            } else {
                outs.push(l);
            }
        }
    }
    // Too little outside to judge: the quad is (nearly) the frame, so nothing is lost.
    if outs.len() * 20 < ins.len() || ins.is_empty() {
        return false;
    }
    ins.sort_unstable();
    outs.sort_unstable();
    // Paper: the bright majority inside (text and rules are a small dark share). Outside,
    // print is a small share too, so its 20th percentile is still paper when the page goes
    // on; a table, wood or fabric is darker than paper there.
    let paper = ins[ins.len() * 7 / 10];
    outs[outs.len() / 5] + 30 >= paper || paper_beyond_a_side(rgb, &c, paper)
}

/// Whether the strip just outside one side of the quad is paper along most of that side: the
/// side is then a line on the page (a text row under glare, a printed rule), not the paper's
/// edge, and cropping to the quad would cut off what is printed beyond it. A desk, a scanner
/// lid's shadow or fabric beyond a true edge is darker than the paper.
fn paper_beyond_a_side(rgb: &RgbImage, c: &[[f32; 2]; 4], paper: u32) -> bool {
    let (w, h) = rgb.dimensions();
    let d = ((w as f32).hypot(h as f32) * 0.015).max(6.0);
    let luma = |x: f32, y: f32| {
        let (x, y) = (x.round(), y.round());
        if x < 0.0 || y < 0.0 || x >= w as f32 || y >= h as f32 {
            return None;
        }
        let [r, g, b] = rgb.get_pixel(x as u32, y as u32).0;
        Some((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000)
    };
    (0..4).any(|i| {
        let (a, b) = (c[i], c[(i + 1) % 4]);
        let len = (b[0] - a[0]).hypot(b[1] - a[1]).max(1.0);
        // Outward normal of a clockwise (in image coordinates) outline.
        let (nx, ny) = ((b[1] - a[1]) / len, -(b[0] - a[0]) / len);
        let (mut seen, mut like) = (0u32, 0u32);
        for k in 0..40 {
            let t = 0.15 + 0.7 * k as f32 / 39.0;
            let (x, y) = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t);
            // Both one and two strip widths out: a shadow line or a dark rule just beyond
            // the edge does not make paper of a desk.
            let near = luma(x + nx * d, y + ny * d);
            let far = luma(x + nx * 2.0 * d, y + ny * 2.0 * d);
            if let (Some(p), Some(q)) = (near, far) {
                seen += 1;
                if p + 30 >= paper && q + 30 >= paper {
                    like += 1;
                }
            }
        }
        seen >= 20 && like * 4 >= seen * 3
    })
}

/// Orders quad corners as top-left, top-right, bottom-right, bottom-left.
fn order_corners(q: &Quad) -> Option<[[f32; 2]; 4]> {
    if q.iter().flatten().any(|v| !v.is_finite()) {
        return None;
    }
    let cx = q.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let cy = q.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    let mut c = *q;
    c.sort_by(|a, b| {
        let aa = (a[1] - cy).atan2(a[0] - cx);
        let bb = (b[1] - cy).atan2(b[0] - cx);
        aa.total_cmp(&bb)
    });
    // Angles sorted from -π: top-left comes first for an upright quad; rotate so the corner
    // nearest the origin leads, keeping clockwise order (image y points down).
    let tl = (0..4).min_by(|&i, &j| (c[i][0] + c[i][1]).total_cmp(&(c[j][0] + c[j][1])))?;
    c.rotate_left(tl);
    Some(c)
}

/// Greyscale for reading: luma, except that clearly red pixels (seals, red stamps) become
/// paper. Text under a seal stays dark; the seal's ring and its characters no longer cross
/// the values Tesseract reads.
pub fn text_gray(rgb: &RgbImage) -> GrayImage {
    let (w, h) = rgb.dimensions();
    let mut out = GrayImage::new(w, h);
    for (o, p) in out.pixels_mut().zip(rgb.pixels()) {
        let [r, g, b] = p.0;
        let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
        let red = r > 90 && r - g.max(b) > 50;
        o.0[0] = if red {
            255
        } else {
            ((r * 299 + g * 587 + b * 114) / 1000) as u8
        };
    }
    out
}

/// Whether at least 0.1 % of the page is clearly seal red (sampled on a grid).
fn has_seal_red(rgb: &RgbImage) -> bool {
    let (w, h) = rgb.dimensions();
    let step = ((w as f32 * h as f32 / 40_000.0).sqrt() as usize).max(1);
    let (mut n, mut red) = (0u32, 0u32);
    for y in (0..h).step_by(step) {
        for x in (0..w).step_by(step) {
            n += 1;
            red += u32::from(seal_red(rgb.get_pixel(x, y).0));
        }
    }
    red * 1000 >= n
}

/// Whether a pixel is clearly red (seal ink, not a red-tinted paper or light).
fn seal_red([r, g, b]: [u8; 3]) -> bool {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    r > 90 && r - g.max(b) > 50
}

/// Greyscale that sees through seals: the brighter of luma and the red channel (a
/// scanner's red dropout). Red ink absorbs green and blue but not red, so in the red
/// channel a seal's strokes fade towards the paper, while print under them stays dark:
/// ink multiplies, and grey print under red ink is dark in red too. Whitening every clearly
/// red pixel instead, as before, erased that print, since grey print under red ink is
/// clearly red (a letter's 1 under the seal's ring read as 4: letters' credit codes on the
/// 19 letters of seeds 113, 101, 73, 97 and 61 whose code was wrong or missing, probe: 3 ->
/// 9 right). Used only for second looks at codes: under warm light the red channel pales
/// ordinary text too, and it breaks a licence's brown border into character-sized
/// fragments.
fn seal_free_gray(rgb: &RgbImage) -> GrayImage {
    let (w, h) = rgb.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let p = rgb.get_pixel(x, y).0;
        let [r, g, b] = p.map(u32::from);
        let luma = (r * 299 + g * 587 + b * 114) / 1000;
        image::Luma([luma.max(r) as u8])
    })
}

/// Greyscale of the black print alone: coloured ink (a VAT invoice's brown or maroon form,
/// its red seal) fades to paper by its chroma, from none at 16 levels to full at 48, so
/// dark and grey print (the data a printer put on the form) is all that is left. Paper
/// VAT invoices are always printed so: the form pre-printed in colour, the data in black.
fn black_print_gray(rgb: &RgbImage) -> GrayImage {
    let (w, h) = rgb.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0.map(i32::from);
        let luma = (r * 299 + g * 587 + b * 114) / 1000;
        let chroma = r.max(g).max(b) - r.min(g).min(b);
        let fade = (chroma - 16).clamp(0, 32);
        image::Luma([(luma + (255 - luma) * fade / 32) as u8])
    })
}

/// Estimates the text skew by projection profiles (the angle at which dark pixels pile into
/// the sharpest rows) and rotates the page upright when it is off by more than 0.3°; returns
/// the rotation (input → output) so reported regions can be mapped back.
///
/// Readers crop axis-aligned boxes right of labels; on a photo tilted by 5° a value 800 px
/// from its label is 70 px off its line without this.
pub fn deskew(gray: GrayImage) -> (GrayImage, Option<Projection>) {
    let angle = crate::layout::skew_degrees(&gray);
    rotate(gray, angle)
}

/// Rotates by `-angle` degrees about the centre unless it is under 0.3° (see [`deskew`]).
fn rotate(gray: GrayImage, angle: f32) -> (GrayImage, Option<Projection>) {
    tracing::trace!("skew {angle}");
    if angle.abs() < 0.3 {
        return (gray, None);
    }
    let theta = -angle.to_radians();
    let (cx, cy) = (gray.width() as f32 / 2.0, gray.height() as f32 / 2.0);
    // The same mapping rotate_about_center applies (input → output), kept for regions.
    let rotation =
        Projection::translate(cx, cy) * Projection::rotate(theta) * Projection::translate(-cx, -cy);
    let out = imageproc::geometric_transformations::rotate_about_center(
        &gray,
        theta,
        Interpolation::Bilinear,
        image::Luma([255u8]),
    );
    (out, Some(rotation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn the_ink_band_is_the_text_lines_height_not_the_crops() {
        // A 10 px line of print in a crop padded to 49 px (seed 101 FX101-0065's tax id),
        // with one row of paper inside the line (a gap between strokes) bridged.
        let mut crop = GrayImage::from_pixel(185, 49, image::Luma([245]));
        for y in (20..30).filter(|&y| y != 24) {
            for x in (10..170).filter(|x| x % 9 < 4) {
                crop.put_pixel(x, y, image::Luma([40]));
            }
        }
        assert_eq!(ink_band(&crop), Some(10));
        // Paper alone has no band to measure.
        let blank = GrayImage::from_pixel(185, 49, image::Luma([245]));
        assert_eq!(ink_band(&blank), None);
    }

    #[test]
    fn text_height_is_set_by_the_long_lines_not_by_many_ornaments() {
        // A guilloche border read as 60 short pieces of height 12, and six text lines of
        // height 27: counting pieces says 12, which made every label line a "title".
        let ornaments = (0..60).map(|i| [93, 100 + 11 * i, 28, 12]);
        let text = (0..6).map(|i| [184, 576 + 60 * i, 460, 27]);
        assert_eq!(text_height(ornaments.chain(text)), 27);
        // Four border rules 1,240 px long and 9 px high, and seven text lines of height 18.
        let rules = (0..4).map(|i| [60, 40 + 270 * i, 1240, 9]);
        let text = (0..7).map(|i| [190, 280 + 70 * i, 250 + 30 * i, 18]);
        assert_eq!(text_height(rules.chain(text)), 18);
        assert_eq!(text_height(std::iter::empty()), u32::MAX / 4);
    }

    /// A reading's characters, 20 px apart on one line.
    fn chars(t: &str) -> Vec<(char, Region, usize)> {
        t.chars()
            .enumerate()
            .map(|(i, c)| (c, [i as u32 * 20, 0, 18, 18], 0))
            .collect()
    }

    /// Records the darkest and lightest pixel of each crop sent to the engine.
    struct Extremes(std::sync::Mutex<Vec<(u8, u8)>>);

    impl Ocr for Extremes {
        fn read(&self, req: &Request<'_>) -> Result<Reading, crate::engine::OcrError> {
            let px = req.image.pixels().map(|p| p.0[0]);
            let (lo, hi) = px.fold((255, 0), |(lo, hi), v| (lo.min(v), hi.max(v)));
            self.0.lock().expect("lock").push((lo, hi));
            Ok(Reading::default())
        }
        fn lines(&self, _: &GrayImage, _: Region) -> Result<Vec<Region>, crate::engine::OcrError> {
            Ok(Vec::new())
        }
    }

    #[test]
    fn a_sharpened_read_sends_a_crisper_crop_and_only_inside_the_call() {
        // A soft dark bar on paper: its grey ramp, unsharp-masked, overshoots both ways.
        let mut img = RgbImage::from_pixel(1400, 800, image::Rgb([200, 200, 200]));
        for y in 380..420 {
            for x in 300..1100 {
                let d = (y as i32 - 400).abs();
                let v = (60 + d * 7).min(200) as u8;
                img.put_pixel(x, y, image::Rgb([v, v, v]));
            }
        }
        let engine = Extremes(std::sync::Mutex::new(Vec::new()));
        let page = Page::new(&engine, &img, None, false);
        let area = [280, 360, 840, 80];
        page.read(area, Model::ChiSim, Psm::Line, None);
        page.sharpened(1.0, |p| p.read(area, Model::ChiSim, Psm::Line, None));
        page.read(area, Model::ChiSim, Psm::Line, None);
        // Each empty answer is asked again as a raw line: two crops per read.
        let seen = engine.0.lock().expect("lock").clone();
        assert_eq!(seen.len(), 6, "{seen:?}");
        let (plain, sharp, after) = (seen[0], seen[2], seen[4]);
        assert!(
            sharp.0 < plain.0 && sharp.1 >= plain.1,
            "{plain:?} {sharp:?}"
        );
        assert_eq!(after, plain);
    }

    /// Answers a line read (PSM 7) and a raw-line read (PSM 13) with fixed text and
    /// confidence, counting the raw-line reads.
    struct ByPsm {
        line: (&'static str, f32),
        raw: (&'static str, f32),
        raw_reads: std::sync::atomic::AtomicU32,
    }
    impl Ocr for ByPsm {
        fn read(&self, req: &Request<'_>) -> Result<Reading, crate::engine::OcrError> {
            let (text, confidence) = if req.psm == Psm::RawLine {
                self.raw_reads
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.raw
            } else {
                self.line
            };
            Ok(Reading {
                words: vec![crate::engine::Word {
                    text: text.into(),
                    confidence,
                    region: req.origin,
                    line: 0,
                }],
            })
        }
        fn lines(&self, _: &GrayImage, _: Region) -> Result<Vec<Region>, crate::engine::OcrError> {
            Ok(Vec::new())
        }
    }

    #[test]
    fn an_unsure_line_read_is_read_again_as_a_raw_line_and_the_surer_answer_kept() {
        let img = RgbImage::from_pixel(1400, 800, image::Rgb([220, 220, 220]));
        let area = [100, 100, 300, 60];
        let read = |line, raw| {
            let engine = ByPsm {
                line,
                raw,
                raw_reads: Default::default(),
            };
            let page = Page::new(&engine, &img, None, false);
            let text = page
                .read(area, Model::ChiSim, Psm::Line, None)
                .map(|r| r.text());
            (text, engine.raw_reads.into_inner())
        };
        // An ID card's 王红 read as one unsure glyph by the line finder.
        assert_eq!(read(("3", 0.0), ("王红", 0.85)), (Some("王红".into()), 1));
        // Both unsure: the surer one.
        assert_eq!(
            read(("王红", 0.25), ("干红", 0.1)),
            (Some("王红".into()), 1)
        );
        // A confident line read is not read twice.
        assert_eq!(
            read(("王红", 0.9), ("干红", 0.95)),
            (Some("王红".into()), 0)
        );
    }

    #[test]
    fn a_long_label_cut_by_the_end_of_the_prefix_read_is_still_found() {
        // The frame read as 全 before the label, and 码 beyond the prefix's width.
        let hit = find_label_window(&chars("全统一社会信用代"), "统一社会信用代码");
        assert_eq!(hit, Some((1, 7, 0)));
        // A cut label must be read without a slip, and two characters short at most.
        assert_eq!(
            find_label_window(&chars("全统一杜会信用代"), "统一社会信用代码"),
            None
        );
        assert_eq!(
            find_label_window(&chars("全统一社会信"), "统一社会信用代码"),
            None
        );
    }

    #[test]
    fn a_long_label_with_both_ends_slipped_is_found_by_its_exact_middle() {
        // Seed 97 FX97-0038's seller block: 纳税人识别号 read as 兵税人识别叶.
        assert_eq!(
            find_label_window(&chars("兵税人识别叶:"), "纳税人识别号"),
            Some((0, 5, 2))
        );
        // Three slips stay a miss.
        assert_eq!(
            find_label_window(&chars("兵税人识列叶"), "纳税人识别号"),
            None
        );
    }

    #[test]
    fn a_label_read_again_with_a_slip_still_ends_where_the_value_starts() {
        // Seed 101 FX101-0010, the standard model's reading of 负责人郭毅萱: the label with
        // a slip and stray quotes, its last character's box reaching past the label's end
        // as the fast model had read it (162).
        let word = |t: &str, x: u32, w: u32| Word {
            text: t.into(),
            confidence: 0.8,
            region: [x, 387, w, 22],
            line: 0,
        };
        let r = Reading {
            words: vec![
                word("贪", 87, 11),
                word("“", 119, 6),
                word("责", 125, 14),
                word("“", 151, 8),
                word("人", 158, 14),
                word("郭", 193, 14),
                word("殴", 207, 12),
                word("董", 220, 7),
            ],
        };
        assert!(after_label(&r, "负责人", 0).is_none());
        assert_eq!(
            after_label(&r, "负责人", 1).map(|r| r.text()),
            Some("郭殴董".to_string())
        );
        // By position alone, character by character: a word across the end is split.
        let joined = Reading {
            words: vec![word("负贵人郭殴", 87, 130)],
        };
        assert_eq!(
            right_of_x(&joined, 162).map(|r| r.text()),
            Some("郭殴".to_string())
        );
    }

    #[test]
    fn a_value_split_into_overlapping_pieces_is_read_as_their_union() {
        let first = [358, 886, 182, 21];
        let row = [first, [422, 883, 232, 27], [900, 883, 100, 27]];
        // The far piece does not touch the run and is left out.
        assert_eq!(overlapping_run(first, &row), [358, 883, 296, 27]);
        assert_eq!(overlapping_run(first, &[first]), first);
    }

    /// A page with a printed frame at (60, 50)–(340, 250) and a line of "print" above it.
    fn framed(background: u8) -> (RgbImage, Quad) {
        let mut img = RgbImage::from_pixel(400, 300, Rgb([background; 3]));
        for y in 20..280 {
            for x in 20..380 {
                img.put_pixel(x, y, Rgb([245, 245, 240]));
            }
        }
        for x in 60..=340 {
            for y in [50, 250] {
                img.put_pixel(x, y, Rgb([40, 40, 40]));
            }
        }
        for y in 50..=250 {
            for x in [60, 340] {
                img.put_pixel(x, y, Rgb([40, 40, 40]));
            }
        }
        for x in (200..330).filter(|x| x % 4 != 0) {
            for y in 30..40 {
                img.put_pixel(x, y, Rgb([30, 30, 30]));
            }
        }
        (
            img,
            [[60.0, 50.0], [340.0, 50.0], [340.0, 250.0], [60.0, 250.0]],
        )
    }

    /// A word of a one-line reading at `x`, 20 px wide and `h` high.
    fn word_at(text: &str, x: u32, h: u32) -> Word {
        Word {
            text: text.into(),
            confidence: 0.9,
            region: [x, 0, 20, h],
            line: 0,
        }
    }

    #[test]
    fn a_colon_read_alone_does_not_end_the_value_before_it_starts() {
        let word = |text: &str, x: u32| word_at(text, x, 14);
        // h = 14: the value starts 60 px (> 2.5 h) after the colon; a far column after it.
        let r = Reading {
            words: vec![
                word("：", 100),
                word("青岛祥信", 180),
                word("有限公司", 205),
                word("备注", 400),
            ],
        };
        let run = first_run(r, 14).expect("a run");
        assert_eq!(run.text(), "青岛祥信有限公司");
    }

    #[test]
    fn with_no_label_read_the_value_is_the_longest_run_not_the_labels_remnants() {
        let word = |text: &str, x: u32| word_at(text, x, 16);
        // Seed 113 FX113-0001's buyer on the black print: 名称 faded to "<证-", a gap.
        let r = Reading {
            words: vec![
                word("<证-", 0),
                word("西安润润", 150),
                word("服饰有限公司", 175),
            ],
        };
        assert_eq!(first_run(r.clone(), 16).expect("a run").text(), "<证-");
        assert_eq!(
            longest_run(r, 16).expect("a run").text(),
            "西安润润服饰有限公司"
        );
    }

    #[test]
    fn the_seal_free_grey_drops_faint_seal_strokes_and_keeps_black_print() {
        let img = RgbImage::from_fn(5, 1, |x, _| {
            Rgb(match x {
                0 => [236, 236, 232], // paper
                1 => [232, 196, 192], // a seal stroke's faint, anti-aliased edge
                2 => [40, 30, 30],    // black print under the seal
                3 => [200, 40, 50],   // seal ink
                _ => [99, 24, 24],    // grey print (120) multiplied by seal ink
            })
        });
        let g = seal_free_gray(&img);
        let t = text_gray(&img);
        // The faint edge stays a grey mark in the ordinary grey, but is paper here.
        assert!(t.get_pixel(1, 0).0[0] < 210, "{:?}", t);
        assert!(g.get_pixel(1, 0).0[0] >= 230, "{:?}", g);
        assert!(g.get_pixel(2, 0).0[0] <= 45);
        // Seal ink pales to its red channel (a scanner's red dropout), while grey print
        // under it, clearly red by `seal_red`, stays dark: whitening red erased it.
        assert!(g.get_pixel(3, 0).0[0] >= 200, "{:?}", g);
        assert!(seal_red([99, 24, 24]));
        assert!(g.get_pixel(4, 0).0[0] < 128, "{:?}", g);
        assert!(has_seal_red(&img));
        assert!(!has_seal_red(&RgbImage::from_pixel(
            50,
            50,
            Rgb([236, 236, 232])
        )));
    }

    #[test]
    fn a_frame_printed_on_a_page_is_not_the_paper_edge() {
        // The page extends 40 px beyond the frame on every side, onto a white bed.
        let (img, quad) = framed(250);
        assert!(paper_outside(&img, &quad));
    }

    #[test]
    fn paper_on_a_darker_surface_is_cropped_to_its_quad() {
        let (img, _) = framed(120);
        // The quad is the paper's edge this time: wood all around it.
        let paper = [[20.0, 20.0], [379.0, 20.0], [379.0, 279.0], [20.0, 279.0]];
        assert!(!paper_outside(&img, &paper));
        // A frame on paper on wood: 42 % of what lies outside the frame is wood, but paper
        // goes on beyond each side of the frame, so the frame is not the paper's edge.
        let (img, quad) = framed(120);
        assert!(paper_outside(&img, &quad));
    }

    #[test]
    fn a_quad_cut_at_a_line_on_the_page_is_not_the_document() {
        // The paper (20..380 x 20..280) on a dark desk; the quad's top side was taken at a
        // line across the page (y = 150), so paper goes on above it.
        let (img, _) = framed(120);
        let cut = [[20.0, 150.0], [379.0, 150.0], [379.0, 279.0], [20.0, 279.0]];
        assert!(paper_outside(&img, &cut));
    }
}
