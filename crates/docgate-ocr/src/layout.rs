//! Text layout without recognition: ink by a local (adaptive) threshold, connected
//! components, and components grouped into horizontal text pieces that stop at wide gaps and
//! at vertical rules (table cell borders).
//!
//! Why our own and not Tesseract's layout pass: Tesseract's page layout dropped labels of the
//! right-hand column of two-column licences and merged table cells on invoices, and its word
//! boxes come from a recognition-oriented segmentation. Readers need one thing: where runs of
//! text begin and end, split where a form splits them. That is cheap and local, so it holds
//! for scans, phone photos under uneven light and born-digital renders alike.

use docgate_core::Region;
use image::{GrayImage, Luma};
use imageproc::region_labelling::{connected_components, Connectivity};

/// Layout runs on a copy whose long side is at most this: text lines on larger photos are
/// big enough to separate at this size, and labelling costs grow with pixels.
const WORK_LONG_SIDE: u32 = 2000;

/// A gap wider than this many text heights ends a piece: spread labels (名　　称) have gaps of
/// two to three character widths; the next column of a form starts much further away.
const GAP_HEIGHTS: f32 = 4.5;

/// A component of ink, as a box in work pixels.
#[derive(Debug, Clone, Copy)]
struct Blob {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Blob {
    fn w(&self) -> u32 {
        self.x1 - self.x0
    }
    fn h(&self) -> u32 {
        self.y1 - self.y0
    }
}

/// Text pieces of `gray`, as boxes in its pixels, top to bottom then left to right.
pub fn pieces(gray: &GrayImage) -> Vec<Region> {
    let (w, h) = gray.dimensions();
    if w < 16 || h < 16 {
        return Vec::new();
    }
    let k = w.max(h).div_ceil(WORK_LONG_SIDE);
    let shrunk;
    let work = if k > 1 {
        shrunk = shrink(gray, k);
        &shrunk
    } else {
        gray
    };
    let scale = 1.0 / k as f32;
    let mut ink = threshold(work);
    erase_long_rows(&mut ink);
    let blobs = blobs(&ink);
    let (ww, wh) = work.dimensions();
    let mut out: Vec<Region> = group(blobs, ww, wh)
        .into_iter()
        .map(|b| {
            let f = 1.0 / scale;
            let x0 = (b.x0 as f32 * f) as u32;
            let y0 = (b.y0 as f32 * f) as u32;
            let x1 = ((b.x1 as f32 * f).ceil() as u32).min(w);
            let y1 = ((b.y1 as f32 * f).ceil() as u32).min(h);
            [
                x0,
                y0,
                x1.saturating_sub(x0).max(1),
                y1.saturating_sub(y0).max(1),
            ]
        })
        .collect();
    out.sort_by_key(|r| (r[1], r[0]));
    out
}

/// The text's skew in degrees (positive: lines fall to the right in image coordinates),
/// from the centres of text-sized ink components: they pile into the sharpest rows when
/// projected at the right angle. Wood grain, fabric and shadows in a photo's background are
/// not text-sized components, so unlike a projection of all dark pixels this sees the text.
pub fn skew_degrees(gray: &GrayImage) -> f32 {
    let (w, h) = gray.dimensions();
    let k = w.max(h).div_ceil(1200).max(1);
    let small = shrink(gray, k);
    let (sw, sh) = small.dimensions();
    if sw < 32 || sh < 32 {
        return 0.0;
    }
    let mut ink = threshold(&small);
    erase_long_rows(&mut ink);
    let blobs = blobs(&ink);
    let t = text_height(&blobs, sh).max(4);
    let pts: Vec<(f32, f32)> = blobs
        .iter()
        .filter(|b| {
            b.h() * 2 >= t && b.h() <= t * 3 / 2 && b.w() * 3 >= b.h() && b.w() <= b.h() * 3
        })
        .map(|b| ((b.x0 + b.x1) as f32 / 2.0, (b.y0 + b.y1) as f32 / 2.0))
        .collect();
    if pts.len() < 20 {
        return 0.0;
    }
    let bin = (t as f32 / 3.0).max(1.0);
    let score = |deg: f32| {
        let (s, c) = deg.to_radians().sin_cos();
        let n = ((sw + sh) as f32 / bin) as usize * 2 + 4;
        let mut bins = vec![0u32; n];
        for &(x, y) in &pts {
            let yy = (y * c - x * s + sw as f32) / bin;
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
        let (mut a, mut best_a, mut best_s) = (from, 0.0, f64::MIN);
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
    let coarse = best(-12.0, 12.0, 0.5);
    best(coarse - 0.5, coarse + 0.5, 0.1)
}

/// Shrinks by an integer factor, averaging each k×k block: an order of magnitude faster than
/// a filtered resize, and exact enough for layout and skew estimation.
pub fn shrink(g: &GrayImage, k: u32) -> GrayImage {
    let k = k.max(1);
    let (w, h) = g.dimensions();
    let (sw, sh) = ((w / k).max(1), (h / k).max(1));
    let mut acc = vec![0u32; sw as usize];
    let mut out = GrayImage::new(sw, sh);
    let src = g.as_raw();
    for oy in 0..sh {
        acc.fill(0);
        for y in oy * k..((oy + 1) * k).min(h) {
            let row = &src[(y * w) as usize..((y + 1) * w) as usize];
            for (ox, a) in acc.iter_mut().enumerate() {
                let x0 = ox * k as usize;
                *a += row[x0..(x0 + k as usize).min(w as usize)]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            }
        }
        let n = k * k;
        for (ox, a) in acc.iter().enumerate() {
            out.put_pixel(ox as u32, oy, Luma([(a / n) as u8]));
        }
    }
    out
}

/// Ink where a pixel is clearly darker than its neighbourhood (Bradley–Roth with an absolute
/// floor, so flat paper texture and JPEG noise are not ink). Ink is 255.
fn threshold(g: &GrayImage) -> GrayImage {
    let (w, h) = g.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    // Integral image with a zero row and column.
    let mut sum = vec![0u64; (wu + 1) * (hu + 1)];
    for y in 0..hu {
        let mut row = 0u64;
        for x in 0..wu {
            row += u64::from(g.as_raw()[y * wu + x]);
            sum[(y + 1) * (wu + 1) + x + 1] = sum[y * (wu + 1) + x + 1] + row;
        }
    }
    // About two text heights of a typical document at this size.
    let r = (w.max(h) / 60).max(7) as usize;
    let mut out = GrayImage::new(w, h);
    for y in 0..hu {
        let (ya, yb) = (y.saturating_sub(r), (y + r + 1).min(hu));
        for x in 0..wu {
            let (xa, xb) = (x.saturating_sub(r), (x + r + 1).min(wu));
            let s = sum[yb * (wu + 1) + xb] + sum[ya * (wu + 1) + xa]
                - sum[ya * (wu + 1) + xb]
                - sum[yb * (wu + 1) + xa];
            let n = ((yb - ya) * (xb - xa)) as u64;
            let p = u64::from(g.as_raw()[y * wu + x]);
            // p < 0.85·mean and at least 20 grey levels below it.
            if p * 100 * n < s * 85 && p * n + 20 * n < s {
                out.as_mut()[y * wu + x] = 255;
            }
        }
    }
    out
}

/// Erases horizontal runs of ink longer than a twelfth of the width: table rules and
/// underlines, which would otherwise join every character touching them into one component.
fn erase_long_rows(ink: &mut GrayImage) {
    let (w, h) = ink.dimensions();
    let long = (w / 12).max(40) as usize;
    let wu = w as usize;
    let buf: &mut [u8] = ink.as_mut();
    for y in 0..h as usize {
        let row = &mut buf[y * wu..(y + 1) * wu];
        let mut x = 0;
        while x < wu {
            if row[x] == 0 {
                x += 1;
                continue;
            }
            let start = x;
            while x < wu && row[x] != 0 {
                x += 1;
            }
            if x - start >= long {
                row[start..x].fill(0);
            }
        }
    }
}

/// Bounding boxes of the 8-connected ink components, minus specks.
fn blobs(ink: &GrayImage) -> Vec<Blob> {
    let labels = connected_components(ink, Connectivity::Eight, Luma([0u8]));
    let mut boxes: Vec<Option<Blob>> = Vec::new();
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l.0[0] as usize;
        if l == 0 {
            continue;
        }
        if boxes.len() <= l {
            boxes.resize(l + 1, None);
        }
        match &mut boxes[l] {
            Some(b) => {
                b.x0 = b.x0.min(x);
                b.y0 = b.y0.min(y);
                b.x1 = b.x1.max(x + 1);
                b.y1 = b.y1.max(y + 1);
            }
            None => {
                boxes[l] = Some(Blob {
                    x0: x,
                    y0: y,
                    x1: x + 1,
                    y1: y + 1,
                })
            }
        }
    }
    boxes
        .into_iter()
        .flatten()
        .filter(|b| b.w() * b.h() >= 6 && (b.w() >= 2 || b.h() >= 4))
        .collect()
}

/// An open piece while grouping.
struct Open {
    b: Blob,
    /// Height of the tallest ordinary (text-like) component: the piece's text height.
    text_h: u32,
    blobs: u32,
    closed: bool,
}

/// Joins pieces that overlap side by side on one row. Small print beside large print (an
/// ID card's pale 姓名 beside a dark 高雨) grows two pieces, and the small inner strokes of
/// the first large character join the small print's piece: the label's piece then ends
/// inside the name, and neither reads whole. Two lines of text never overlap like that; a
/// title (text over twice the page's `text_h`) may overlap a line beside it (a licence's
/// credit code under 营业执照) and stays apart, as in [`group`].
fn merge_overlapping(pieces: &mut Vec<Open>, text_h: u32) {
    let tall = |p: &Open| p.text_h > 2 * text_h;
    let mut i = 0;
    while i < pieces.len() {
        let mut merged = false;
        for j in i + 1..pieces.len() {
            let (a, b) = (pieces[i].b, pieces[j].b);
            let across = a.x0 < b.x1 && b.x0 < a.x1;
            let overlap = a.y1.min(b.y1).saturating_sub(a.y0.max(b.y0));
            let alike = tall(&pieces[i]) == tall(&pieces[j]);
            if alike && across && overlap * 2 >= a.h().min(b.h()).max(1) {
                let q = pieces.swap_remove(j);
                let p = &mut pieces[i];
                p.b = Blob {
                    x0: a.x0.min(b.x0),
                    y0: a.y0.min(b.y0),
                    x1: a.x1.max(b.x1),
                    y1: a.y1.max(b.y1),
                };
                p.text_h = p.text_h.max(q.text_h);
                p.blobs += q.blobs;
                merged = true;
                break;
            }
        }
        // A grown piece may now overlap one it missed: look again from it.
        if !merged {
            i += 1;
        }
    }
}

/// The height of ordinary text on the page: a high percentile of roughly square components
/// (whole characters and digits; radicals and punctuation are smaller, so the median would
/// undershoot). Falls back to 16 px on a page without such components.
fn text_height(blobs: &[Blob], page_h: u32) -> u32 {
    let mut hs: Vec<u32> = blobs
        .iter()
        .filter(|b| b.h() >= 6 && b.h() <= page_h / 8 && b.w() * 2 >= b.h() && b.w() <= b.h() * 2)
        .map(Blob::h)
        .collect();
    if hs.len() < 5 {
        return 16;
    }
    hs.sort_unstable();
    hs[hs.len() * 4 / 5]
}

/// Joins the stacked parts of a large character (营 is 艹 over two 口s) into one box when
/// together they are clearly taller than the page's text: a title's parts are each
/// text-sized, and one by one they would join a line of text printed beside the title. Parts
/// are stacked when one lies within the other's width and the vertical gap between them is
/// under a sixth of the text height (less than the spacing of any two printed lines).
/// Everything else is left as it was. `blobs` are sorted by `x0`.
fn stack_tall(blobs: Vec<Blob>, text_h: u32) -> Vec<Blob> {
    let n = blobs.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let slack = (text_h / 8).max(2);
    let max_gap = (text_h / 6).max(2);
    for i in 0..n {
        let a = blobs[i];
        for (j, b) in blobs.iter().enumerate().skip(i + 1) {
            if b.x0 > a.x1 {
                break;
            }
            let within = |o: &Blob, c: &Blob| o.x0 + slack >= c.x0 && o.x1 <= c.x1 + slack;
            if !(within(&a, b) || within(b, &a)) {
                continue;
            }
            let gap = b.y0.max(a.y0).saturating_sub(b.y1.min(a.y1));
            if gap <= max_gap {
                let (ra, rb) = (root(&mut parent, i), root(&mut parent, j));
                parent[ra] = rb;
            }
        }
    }
    let mut union: Vec<Option<Blob>> = vec![None; n];
    for (i, &b) in blobs.iter().enumerate() {
        let r = root(&mut parent, i);
        union[r] = Some(match union[r] {
            Some(u) => Blob {
                x0: u.x0.min(b.x0),
                y0: u.y0.min(b.y0),
                x1: u.x1.max(b.x1),
                y1: u.y1.max(b.y1),
            },
            None => b,
        });
    }
    let tall = |u: &Blob| u.h() * 2 > text_h * 3 && u.h() <= text_h * 3;
    // A thin, pale character (an invoice's brown 名) thresholds into strokes each a fraction
    // of the text height; they measure gaps in their own small height and never reach the
    // next character of a spread label. Stacked, together about one character high, they
    // are one character.
    let character =
        |u: &Blob| u.h() * 10 >= text_h * 6 && u.h() * 10 <= text_h * 13 && u.w() * 2 <= text_h * 3;
    let mut emitted = vec![false; n];
    let mut out = Vec::with_capacity(n);
    for (i, &b) in blobs.iter().enumerate() {
        let r = root(&mut parent, i);
        match union[r] {
            Some(u) if tall(&u) || character(&u) => {
                if !emitted[r] {
                    emitted[r] = true;
                    out.push(u);
                }
            }
            _ => out.push(b),
        }
    }
    out
}

/// Groups components into pieces, left to right.
fn group(mut blobs: Vec<Blob>, w: u32, h: u32) -> Vec<Blob> {
    blobs.sort_by_key(|b| b.x0);
    let text_h = text_height(&blobs, h);
    let mut blobs = stack_tall(blobs, text_h);
    blobs.sort_by_key(|b| b.x0);
    // Components much taller than text are pictures, seals, QR codes, frames or titles.
    let max_text = text_h * 3;
    let max_gap = (GAP_HEIGHTS * max_text as f32) as u32;
    let mut done: Vec<Open> = Vec::new();
    let mut active: Vec<Open> = Vec::new();
    for b in blobs {
        // Pieces too far left to ever grow again are finished (blobs come in x order).
        let mut i = 0;
        while i < active.len() {
            if active[i].closed || active[i].b.x1 + max_gap < b.x0 {
                done.push(active.swap_remove(i));
            } else {
                i += 1;
            }
        }
        let open = &mut active;
        // A vertical rule: thin and clearly taller than the text beside it. It closes every
        // piece whose band it crosses, so table cells stay apart and a frame's pattern never
        // joins the text inside it. A thin component that
        // closes nothing is a character (1, l, 丨) and is grouped as one.
        if b.h() >= 4 * b.w().max(1) && b.h() >= 16 {
            let mut closed_any = false;
            for p in open.iter_mut().filter(|p| !p.closed) {
                let spans = b.y0 <= p.b.y0 + p.b.h() / 4 && b.y1 + p.b.h() / 4 >= p.b.y1;
                if spans && b.x0 + 1 >= p.b.x1 && b.h() * 10 >= p.text_h * 18 {
                    p.closed = true;
                    closed_any = true;
                }
            }
            // Characters are never much taller than the page's text and this thin: this is
            // a rule or a frame's pattern.
            if closed_any || b.h() * 2 > text_h * 3 {
                continue;
            }
        }
        if b.h() > max_text || b.w() > w / 3 {
            continue;
        }
        let fits = |p: &Open| {
            if p.closed {
                return false;
            }
            let top = p.b.y0.max(b.y0);
            let bottom = p.b.y1.min(b.y1);
            let overlap = bottom.saturating_sub(top);
            let small = p.b.h().min(b.h()).max(1);
            // Gaps are measured in the piece's text height: a tall neighbour (an emblem's
            // arc, a star) must not stretch the gap it may jump.
            let unit = p.text_h.max(b.h().min(p.text_h * 5 / 4)).max(8) as f32;
            let gap = b.x0.saturating_sub(p.b.x1) as f32;
            let merged_h = p.b.y1.max(b.y1) - p.b.y0.min(b.y0);
            // Text does not join something more than twice the page's text height (an
            // emblem, a title, a picture beside a line), nor the reverse: the merged piece
            // would swallow the lines above and below it. Specks still join anything.
            let tall = |h: u32| h > 2 * text_h;
            let mixed = tall(p.text_h) != tall(b.h()) && p.text_h.min(b.h()) * 10 >= text_h * 6;
            // A lone thin stroke (a 1, an l, or a piece of a frame's broken rule) is text only
            // beside a neighbour within a character's width: spread labels leave wide gaps
            // between whole characters, never after a stroke, and a frame's rule stands far
            // from the text inside it (a rule fragment at a label's left had become the start
            // of the label's piece, and the whole line read as garbage).
            let stroke = |x: &Blob| x.h() >= 4 * x.w().max(1);
            let max_gap = if (p.blobs == 1 && stroke(&p.b)) || stroke(&b) {
                unit
            } else {
                GAP_HEIGHTS * unit
            };
            !mixed
                && overlap * 2 >= small
                && gap <= max_gap
                && (merged_h as f32) <= 1.6 * (p.text_h.max(b.h()) as f32).max(8.0)
        };
        // The nearest fitting piece to the left (the most recently extended).
        let best = open
            .iter_mut()
            .filter(|p| fits(p))
            .min_by_key(|p| b.x0.saturating_sub(p.b.x1));
        match best {
            Some(p) => {
                p.b.x0 = p.b.x0.min(b.x0);
                p.b.y0 = p.b.y0.min(b.y0);
                p.b.x1 = p.b.x1.max(b.x1);
                p.b.y1 = p.b.y1.max(b.y1);
                p.text_h = p.text_h.max(b.h());
                p.blobs += 1;
            }
            None => open.push(Open {
                b,
                text_h: b.h(),
                blobs: 1,
                closed: false,
            }),
        }
    }
    done.extend(active);
    merge_overlapping(&mut done, text_h);
    done.into_iter()
        .map(|p| (p.b, p.blobs))
        // One component is a speck, unless it is a text-high run of touching characters
        // (a bold or blurred "6%" or "4854.61" is a single component). Two narrow
        // characters ("6%" in a condensed font) are about as wide as tall; one character
        // (narrower than tall) is no field's value.
        .filter(|(b, n)| {
            let text_high = b.h() * 10 >= text_h * 6 && b.h() * 10 <= text_h * 16;
            b.h() >= 8
                && if *n >= 2 {
                    b.w() * 10 >= b.h() * 13
                } else {
                    b.w() * 2 >= b.h() * 3 && text_high
                }
        })
        .map(|(b, _)| b)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(w: u32, h: u32) -> GrayImage {
        GrayImage::from_pixel(w, h, Luma([235]))
    }

    /// Draws a fake "character": a dark square with a gap, so each is a component or two.
    fn glyph(img: &mut GrayImage, x: u32, y: u32, s: u32) {
        for yy in y..y + s {
            for xx in x..x + s {
                let inner =
                    xx > x + s / 4 && xx < x + 3 * s / 4 && yy > y + s / 4 && yy < y + 3 * s / 4;
                if !inner {
                    img.put_pixel(xx, yy, Luma([30]));
                }
            }
        }
    }

    fn word(img: &mut GrayImage, x: u32, y: u32, s: u32, n: u32) {
        for i in 0..n {
            glyph(img, x + i * (s + s / 5), y, s);
        }
    }

    fn blob(x0: u32, y0: u32, x1: u32, y1: u32) -> Blob {
        Blob { x0, y0, x1, y1 }
    }

    #[test]
    fn pieces_overlapping_on_a_row_join_and_stacked_lines_do_not() {
        let open = |b: Blob| Open {
            b,
            text_h: b.h(),
            blobs: 2,
            closed: false,
        };
        // A pale label's piece ending inside the large name beside it, and the name's piece.
        let mut row = vec![open(blob(72, 87, 243, 115)), open(blob(208, 75, 288, 114))];
        merge_overlapping(&mut row, 30);
        assert_eq!(row.len(), 1);
        assert_eq!(
            (row[0].b.x0, row[0].b.y0, row[0].b.x1, row[0].b.y1),
            (72, 75, 288, 115)
        );
        assert_eq!(row[0].blobs, 4);
        // Two lines one above the other, and two pieces of one row apart, stay apart.
        let mut lines = vec![
            open(blob(10, 10, 200, 30)),
            open(blob(10, 36, 200, 56)),
            open(blob(260, 12, 400, 30)),
        ];
        merge_overlapping(&mut lines, 20);
        assert_eq!(lines.len(), 3);
        // A credit code's end under a title's first character stays a line of its own.
        let mut title = vec![
            open(blob(160, 127, 300, 140)),
            open(blob(265, 118, 300, 160)),
        ];
        merge_overlapping(&mut title, 13);
        assert_eq!(title.len(), 2);
    }

    #[test]
    fn a_pale_character_broken_into_strokes_is_one_character() {
        // Text 13 px high; 名 thresholded into a 6 px and a 3 px stroke, 2 px apart.
        let parts = vec![blob(191, 275, 196, 281), blob(192, 270, 194, 273)];
        let out = stack_tall(parts, 13);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            (out[0].x0, out[0].y0, out[0].x1, out[0].y1),
            (191, 270, 196, 281)
        );
        // Strokes further apart than a sixth of the text height are not one character.
        let apart = vec![blob(191, 276, 196, 282), blob(192, 270, 194, 273)];
        assert_eq!(stack_tall(apart, 13).len(), 2);
        // Two whole characters of lines spaced as print is: not joined.
        let lines = vec![blob(10, 10, 23, 23), blob(10, 28, 23, 41)];
        assert_eq!(stack_tall(lines, 13).len(), 2);
    }

    #[test]
    fn columns_split_at_wide_gaps_and_rules() {
        let mut img = page(1400, 600);
        // Row 1: label, value, and a second column far to the right.
        word(&mut img, 100, 100, 24, 4);
        word(&mut img, 260, 100, 24, 8);
        word(&mut img, 900, 100, 24, 4);
        // Row 2: two cells separated by a vertical rule, text close to it on both sides.
        word(&mut img, 100, 300, 24, 3);
        for y in 260..380 {
            for x in 200..203 {
                img.put_pixel(x, y, Luma([20]));
            }
        }
        word(&mut img, 212, 300, 24, 3);
        // A table rule under row 2 touching the characters.
        for x in 50..1300 {
            img.put_pixel(x, 324, Luma([20]));
        }
        let p = pieces(&img);
        let row1: Vec<_> = p.iter().filter(|r| r[1] < 200).collect();
        assert_eq!(row1.len(), 2, "{p:?}");
        assert!(row1[0][0] <= 100 && row1[0][0] + row1[0][2] >= 255 + 8 * 28 - 10);
        assert!(row1[1][0] >= 890);
        let row2: Vec<_> = p.iter().filter(|r| r[1] > 200).collect();
        assert_eq!(row2.len(), 2, "{p:?}");
        assert!(row2[0][0] + row2[0][2] <= 200);
        assert!(row2[1][0] >= 203);
    }

    #[test]
    fn a_line_beside_a_title_or_an_emblem_stays_a_line_of_its_own() {
        let mut img = page(1400, 600);
        // A label, and the code printed below it; a title of characters 2.3x the text height
        // starts just right of the code, half a line lower; each title character is three
        // stacked text-sized parts (like 营), the first overlapping the code's row.
        word(&mut img, 100, 100, 24, 8);
        word(&mut img, 100, 150, 24, 12);
        for i in 0..4 {
            let x = 520 + i * 90;
            for (dy, w) in [(0, 56), (20, 40), (40, 40)] {
                for yy in 160 + dy..160 + dy + 16 {
                    for xx in x + (56 - w) / 2..x + (56 - w) / 2 + w {
                        img.put_pixel(xx, yy, Luma([30]));
                    }
                }
            }
        }
        // An emblem (a ring three times the text height) right of the label.
        for yy in 80..152 {
            for xx in 420..492 {
                let d = ((xx as f32 - 456.0).powi(2) + (yy as f32 - 116.0).powi(2)).sqrt();
                if (30.0..35.0).contains(&d) {
                    img.put_pixel(xx, yy, Luma([30]));
                }
            }
        }
        let p = pieces(&img);
        let label = p
            .iter()
            .find(|r| r[1] <= 100 && r[1] + 10 > 100 && r[0] <= 100);
        let code = p
            .iter()
            .find(|r| r[1] <= 150 && r[1] + 10 > 150 && r[0] <= 100);
        let (Some(label), Some(code)) = (label, code) else {
            panic!("label and code pieces expected: {p:?}")
        };
        assert!(label[3] <= 30 && label[0] + label[2] < 420, "{p:?}");
        assert!(code[3] <= 30 && code[0] + code[2] < 520, "{p:?}");
    }

    #[test]
    fn a_frames_broken_rule_never_starts_or_ends_a_line() {
        // A frame's thin rule broken into pieces (thresholding a double line), one piece
        // beside each line at 3.5 text heights: not a "1" starting the label, nor one ending
        // the value. A real 1 beside its neighbours is still text.
        let mut img = page(1400, 400);
        for (y0, y1) in [(60, 96), (100, 126), (130, 175), (180, 220)] {
            for y in y0..y1 {
                for x in [98, 99, 1200, 1201] {
                    img.put_pixel(x, y, Luma([30]));
                }
            }
        }
        word(&mut img, 190, 100, 24, 5);
        word(&mut img, 350, 100, 24, 3);
        word(&mut img, 900, 100, 24, 4);
        for y in 300..324 {
            for x in 190..194 {
                img.put_pixel(x, y, Luma([30]));
            }
        }
        word(&mut img, 200, 300, 24, 4);
        let p = pieces(&img);
        let line: Vec<_> = p.iter().filter(|r| r[1] < 200).collect();
        assert!(!line.is_empty(), "{p:?}");
        for r in &line {
            assert!(
                r[0] >= 180 && r[0] + r[2] <= 1010,
                "a rule joined the line: {p:?}"
            );
        }
        let one = p.iter().find(|r| r[1] > 250).expect("the line with a 1");
        assert!(one[0] <= 190, "the 1 was dropped: {p:?}");
    }

    #[test]
    fn uneven_light_and_blank_pages() {
        assert!(pieces(&page(800, 600)).is_empty());
        assert!(pieces(&page(10, 10)).is_empty());
        // A dark gradient (shadow) across the page is not ink; the text on it is.
        let mut img = GrayImage::from_fn(1000, 400, |x, _| Luma([(250 - x / 8) as u8]));
        word(&mut img, 600, 150, 30, 5);
        let p = pieces(&img);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0][0] >= 590 && p[0][0] <= 605);
    }
}
