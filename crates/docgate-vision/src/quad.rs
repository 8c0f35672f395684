//! The document's quadrilateral: four dominant straight edges, found by walking scanlines
//! in from each side of the frame to the first step edges (background → paper), and fitting
//! a line per side with RANSAC. Corners are where neighbouring edges meet, so a corner that
//! is cut off by the frame is placed outside it, and a side whose edge cannot be found at
//! all (the document runs off the frame there) leaves its two corners unknown.
//!
//! Why step edges on band means and not a gradient: a band mean on both sides of the
//! candidate rejects thin lines (text, a printed border) and noise, and still sees the
//! faint (3–6 levels) paper-on-scanner-bed edge. Why "inner side looks like paper": wood
//! grain or fabric lines outside the document are straight too, but their inner side is
//! background, not the document's paper colour.

use rayon::prelude::*;

use crate::work::{luma, quantile, Work};

/// A line `a·x + b·y + c = 0` with unit normal `(a, b)`, in working pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Line {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

impl Line {
    fn through(p: [f64; 2], q: [f64; 2]) -> Option<Line> {
        let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
        let n = (dx * dx + dy * dy).sqrt();
        if n < 1e-9 {
            return None;
        }
        let (a, b) = (-dy / n, dx / n);
        Some(Line {
            a,
            b,
            c: -(a * p[0] + b * p[1]),
        })
    }

    fn dist(&self, p: [f64; 2]) -> f64 {
        (self.a * p[0] + self.b * p[1] + self.c).abs()
    }

    /// Total-least-squares fit through points.
    fn fit(pts: &[[f64; 2]]) -> Option<Line> {
        if pts.len() < 2 {
            return None;
        }
        let n = pts.len() as f64;
        let mx = pts.iter().map(|p| p[0]).sum::<f64>() / n;
        let my = pts.iter().map(|p| p[1]).sum::<f64>() / n;
        let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
        for p in pts {
            let (dx, dy) = (p[0] - mx, p[1] - my);
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        // Direction of largest spread; the normal is perpendicular to it.
        let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        let (dx, dy) = (theta.cos(), theta.sin());
        let (a, b) = (-dy, dx);
        Some(Line {
            a,
            b,
            c: -(a * mx + b * my),
        })
    }

    /// Where two lines meet; `None` when (nearly) parallel.
    pub fn intersect(&self, o: &Line) -> Option<[f64; 2]> {
        let det = self.a * o.b - o.a * self.b;
        if det.abs() < 1e-6 {
            return None;
        }
        Some([
            (self.b * o.c - o.b * self.c) / det,
            (o.a * self.c - self.a * o.c) / det,
        ])
    }
}

/// The four sides in corner-friendly order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Top,
    Right,
    Bottom,
    Left,
}

const SIDES: [Side; 4] = [Side::Top, Side::Right, Side::Bottom, Side::Left];

/// Band width and gap of the step detector, in working pixels.
const BAND: usize = 6;
const GAP: usize = 1;
/// Smallest colour step (levels) that can be an edge: above band-mean noise, below the
/// faint paper-on-scanner-bed step.
const MIN_STEP: f32 = 3.0;
/// Smallest step of the second walk, for strong edges only (a document against its
/// background is tens of levels; a desk's texture or shading, a few).
const STRONG_STEP: f32 = 12.0;
/// Shallowest faint edge line (levels below the paper beside it) on the working copy. A
/// flatbed's one-pixel shadow line, 4-9 levels deep on the page, is averaged to 2 levels
/// or less at 2-3 page px per working px; a line is also one or two working px wide, with a
/// uniform band outside and a straight run across the side, which noise of that depth is
/// not. On seed 11 (rev 2) 1.0-2.0 find the same edges and 2.5 loses a grey ID copy's: 1.5.
const FAINT_MIN: f32 = 1.5;
/// How far behind a coloured band paper must start, as a share of the scanline.
const REACH: f64 = 0.1;
/// Candidates kept per scanline (the first ones from the border).
const PER_LINE: usize = 3;

/// The result: the edge found per side (top, right, bottom, left), and how far along its
/// side each edge was seen (min and max of x for top/bottom, of y for left/right, in
/// working pixels): an edge seen up to the frame border shows the document runs on past it.
#[derive(Debug, Clone)]
pub(crate) struct Edges {
    pub lines: [Option<Line>; 4],
    pub spans: [Option<[f64; 2]>; 4],
}

/// The document's paper colour: per-channel median of the brighter 40 % of the central box.
pub(crate) fn paper_colour(w: &Work) -> [f32; 3] {
    paper_colour_in(w, [0, 0, w.w, w.h])
}

/// [`paper_colour`] of the box `[x0, y0, x1, y1)`: the brighter 40 % of its central half.
pub(crate) fn paper_colour_in(w: &Work, b: [usize; 4]) -> [f32; 3] {
    paper_colour_with(w, b, false)
}

/// [`paper_colour_in`], leaving blown-out pixels (every channel ≥ 250) out when they are
/// a minority of the box: under a glare patch over a tinted card, its colour, not the
/// glare's. (A flatbed clips white paper to white everywhere: then they are the paper.)
fn paper_colour_without_glare(w: &Work) -> [f32; 3] {
    paper_colour_with(w, [0, 0, w.w, w.h], true)
}

fn paper_colour_with(w: &Work, b: [usize; 4], skip_glare: bool) -> [f32; 3] {
    let (bw, bh) = (b[2].saturating_sub(b[0]), b[3].saturating_sub(b[1]));
    let (x0, x1, y0, y1) = (
        b[0] + bw / 4,
        (b[0] + 3 * bw / 4).max(b[0] + bw / 4 + 1),
        b[1] + bh / 4,
        (b[1] + 3 * bh / 4).max(b[1] + bh / 4 + 1),
    );
    // Every second pixel of every second row once the box is large: a median of a quarter of
    // a smooth paper's pixels is the same median, at a quarter of the sorting.
    let st = if (x1 - x0) * (y1 - y0) >= 4096 { 2 } else { 1 };
    let mut px: Vec<[f32; 3]> = Vec::new();
    for y in (y0..y1.min(w.h)).step_by(st) {
        for x in (x0..x1.min(w.w)).step_by(st) {
            px.push(w.rgb[y * w.w + x]);
        }
    }
    if skip_glare {
        let clipped = |p: &[f32; 3]| p[0].min(p[1]).min(p[2]) >= 250.0;
        if px.iter().filter(|p| clipped(p)).count() * 2 < px.len() {
            px.retain(|p| !clipped(p));
        }
    }
    if px.is_empty() {
        return [255.0; 3];
    }
    let mut l: Vec<f32> = px.iter().map(|p| luma(*p)).collect();
    let cut = quantile(&mut l, 0.6);
    let bright: Vec<[f32; 3]> = px.into_iter().filter(|p| luma(*p) >= cut).collect();
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let mut ch: Vec<f32> = bright.iter().map(|p| p[c]).collect();
        *o = quantile(&mut ch, 0.5);
    }
    out
}

/// Whether a colour could be the document's paper under uneven light: not much darker,
/// and the same chromaticity (a colour cast scales channels, not their ratios).
fn paper_like(c: [f32; 3], paper: [f32; 3]) -> bool {
    let (lc, lp) = (luma(c).max(1.0), luma(paper).max(1.0));
    if lc < 0.55 * lp {
        return false;
    }
    // Tighter than `same_chroma`: a pale fabric or desk is close in hue to white paper, and
    // a colour cast is the same on the paper's centre and its edges.
    let (lc, lp) = (luma(c).max(1.0), luma(paper).max(1.0));
    (0..3).all(|i| (c[i] / lc - paper[i] / lp).abs() <= 0.06)
}

/// Whether two colours have the same chromaticity (channel shares within 0.12), whatever
/// their brightness: the light and dark stripes of one wood grain or fabric do.
fn same_chroma(a: [f32; 3], b: [f32; 3]) -> bool {
    let (la, lb) = (luma(a).max(1.0), luma(b).max(1.0));
    (0..3).all(|i| (a[i] / la - b[i] / lb).abs() <= 0.12)
}

/// Finds the document's edges on a working copy of the whole frame.
pub(crate) fn find(w: &Work, paper: [f32; 3]) -> Edges {
    // Under glare the brightest part of the middle is the glare: the card's edges next to
    // the patch meet paper the colour of the glare, the others paper of its own colour.
    // When the two estimates differ, a side whose edge the first does not find (or finds
    // with the document's printed paper beyond it) is searched again with the second.
    let own = paper_colour_without_glare(w);
    let second = ((0..3)
        .map(|c| (own[c] - paper[c]).powi(2))
        .sum::<f32>()
        .sqrt()
        > 6.0)
        .then_some(own);
    // The four sides are independent: one rayon task each.
    let mut per_side: Vec<Option<(Line, [f64; 2])>> = SIDES
        .par_iter()
        .map(|side| side_edge(w, *side, paper, second, None))
        .collect();
    // Opposite edges with (almost) no document between them, or crossed, are one edge
    // seen from both sides: a side's walk found nothing before the far edge (or a printed
    // line near it). The deeper of the two is searched again on its own side of the other,
    // at least MIN_WIDTH of the frame away from it.
    for (a, b) in [(0, 2), (1, 3)] {
        let (Some(la), Some(lb)) = (per_side[a].map(|c| c.0), per_side[b].map(|c| c.0)) else {
            continue;
        };
        let len = if a == 0 { w.h } else { w.w } as f64;
        let (da, db) = (depth(&la, SIDES[a], w), depth(&lb, SIDES[b], w));
        if len - da - db >= MIN_WIDTH * len {
            continue;
        }
        let (deep, other) = if da > db { (a, lb) } else { (b, la) };
        per_side[deep] = side_edge(w, SIDES[deep], paper, second, Some(other));
    }
    Edges {
        lines: std::array::from_fn(|k| per_side[k].map(|c| c.0)),
        spans: std::array::from_fn(|k| per_side[k].map(|c| c.1)),
    }
}

/// Narrowest share of the frame a document spans between opposite edges: anything
/// smaller is too small to read (and the area check in `measure` would refuse it).
const MIN_WIDTH: f64 = 0.1;

/// One side's edge (see [`find`]); with `opposite`, only from candidates at least
/// [`MIN_WIDTH`] of the frame on this side's side of that opposite edge.
fn side_edge(
    w: &Work,
    side: Side,
    paper: [f32; 3],
    second: Option<[f32; 3]>,
    opposite: Option<Line>,
) -> Option<(Line, [f64; 2])> {
    let scanlines = match side {
        Side::Top | Side::Bottom => w.w / 2,
        Side::Left | Side::Right => w.h / 2,
    };
    let keep = |mut pts: Vec<[f64; 2]>| -> Vec<[f64; 2]> {
        if let Some(o) = opposite {
            pts.retain(|p| room_to(&o, side, *p, w) >= MIN_WIDTH);
        }
        pts
    };
    // A line with the document's printed paper beyond it is inside the document.
    // Each judged with the paper colour it was found with.
    let outside_ok = |c: &(Line, [f64; 2])| !paper_beyond(w, c, side, paper, PRINT_INK);
    let search = |col: [f32; 3], min_step: f32, min_ink: f64| {
        best_line(
            &keep(candidates(w, side, col, min_step)),
            side,
            scanlines,
            w,
            &|l, span| steps_along(w, l, side, span, col),
        )
        .filter(|c| !paper_beyond(w, c, side, col, min_ink))
    };
    // A textured or shaded background has steps of a few levels everywhere, and a walk
    // that keeps the first few per scanline may never reach the document's edge: when
    // nothing is found, the walk is repeated for strong steps only. Then the side most
    // often runs off the frame, and a strong straight step inside the document (a
    // portrait's edge, a coloured block) is the danger: the strip beyond it must not be
    // the paper at all, printed or not (a pale scanner bed beyond a faint edge has no
    // strong step to be found by this walk).
    let step = search(paper, MIN_STEP, PRINT_INK)
        .or_else(|| search(second?, MIN_STEP, PRINT_INK))
        .or_else(|| search(paper, STRONG_STEP, 0.0));
    // A white page on a white scanner bed has no step at its edge, only the faint
    // shadow line the paper's thickness casts, and a step found further in is then
    // text or a line's far side. The paper's edge is the outermost of the two.
    let faint = best_line(
        &keep(faint_candidates(w, side, paper)),
        side,
        scanlines,
        w,
        &|_, _| true,
    )
    .filter(outside_ok);
    match (step, faint) {
        (Some(s), Some(f)) => Some(if depth(&f.0, side, w) < depth(&s.0, side, w) {
            f
        } else {
            s
        }),
        (s, f) => s.or(f),
    }
}

/// How far point `p` lies from the opposite side's edge `o`, towards `side`'s own border,
/// as a share of the frame across (negative past it).
fn room_to(o: &Line, side: Side, p: [f64; 2], w: &Work) -> f64 {
    match side {
        // x of `o` on p's row minus p's x, over the width; and so on.
        Side::Left => (-(o.b * p[1] + o.c) / o.a - p[0]) / w.w as f64,
        Side::Right => (p[0] + (o.b * p[1] + o.c) / o.a) / w.w as f64,
        Side::Top => (-(o.a * p[0] + o.c) / o.b - p[1]) / w.h as f64,
        Side::Bottom => (p[1] + (o.a * p[0] + o.c) / o.b) / w.h as f64,
    }
}

/// Whether the strip between line `l` (seen along `span` of its side) and its side of the
/// frame is the document's own printed paper: over the scanlines that cross a strip at
/// least [`BAND`] wide (see below for which), most of its pixels look like the paper (its hue,
/// at least 80 % of its brightness) and at least `min_ink` of them ([`PRINT_INK`], or none
/// at all for a line that must have no paper beyond it) are ink, well darker than the paper.
/// Then the document runs on past the line (a printed border, a row of text) to the frame
/// border, and the line is not its edge. A desk, fabric or wood is not paper-coloured; a
/// scanner bed may be, but it carries no print (a few specks or the paper's own shadow
/// line are far under 5 %).
/// With no print asked for (is there any paper beyond?), only the scanlines across the span
/// are judged: past its ends the line is extrapolated, and beyond the document's
/// neighbouring edges the strip is background whatever the line is, which only dilutes the
/// paper (seed 73 FX73-0022: a line through a tilted licence's border, a third of its strip
/// past the page's sides, all wood: 49.6 % paper across the frame, 70 % across the span).
/// The print test still reads the whole frame: at the working scale text and thin printed
/// lines average to mid-tones and seldom count as ink (0.3 % of a strip over a licence's
/// text rows), and background beside the document, darker than 0.6 of the paper, does.
/// Judged across the span alone it missed lines in the text of 7 cut licences and permits
/// on seeds 11, 31 and 47. Until print is measured as print, it stays as it was.
fn paper_beyond(
    w: &Work,
    (l, span): &(Line, [f64; 2]),
    side: Side,
    paper: [f32; 3],
    min_ink: f64,
) -> bool {
    let lp = luma(paper).max(1.0);
    let (n_lines, len) = match side {
        Side::Top | Side::Bottom => (w.w, w.h),
        Side::Left | Side::Right => (w.h, w.w),
    };
    let (k0, k1) = if min_ink > 0.0 {
        (0, n_lines.saturating_sub(1))
    } else {
        let k1 = (span[1].max(0.0) as usize).min(n_lines.saturating_sub(1));
        (span[0].max(0.0) as usize, k1)
    };
    let (mut total, mut like, mut ink, mut crossed) = (0usize, 0usize, 0usize, 0usize);
    for k in (k0..=k1).step_by(4) {
        let kk = k as f64 + 0.5;
        // Depth of the line from the border along this scanline.
        let d = depth_on(l, side, w, kk);
        // The edge's own blur, shadow and any printed line along it (a band's width) are
        // not the strip.
        if !d.is_finite() || d < (2 * BAND) as f64 {
            continue;
        }
        crossed += 1;
        let end = ((d - BAND as f64) as usize).min(len);
        for p in 0..end {
            let i = match side {
                Side::Left => k * w.w + p,
                Side::Right => k * w.w + (w.w - 1 - p),
                Side::Top => p * w.w + k,
                Side::Bottom => (w.h - 1 - p) * w.w + k,
            };
            let c = w.rgb[i];
            total += 1;
            // Paper as bright as the document's (a grey desk of the paper's hue is not).
            if paper_like(c, paper) && luma(c) >= 0.8 * lp {
                like += 1;
            } else if luma(c) < 0.6 * lp {
                ink += 1;
            }
        }
    }
    crossed >= 4 && like * 2 >= total && ink as f64 >= min_ink * total as f64
}

/// Share of ink (pixels well darker than the paper) that makes paper-coloured pixels
/// beyond a line printed paper rather than a pale scanner bed; see [`paper_beyond`].
const PRINT_INK: f64 = 0.05;

/// How far in from its side of the frame a line lies, at the middle of that side.
pub(crate) fn depth(l: &Line, side: Side, w: &Work) -> f64 {
    let mid = match side {
        Side::Left | Side::Right => w.h as f64 / 2.0,
        Side::Top | Side::Bottom => w.w as f64 / 2.0,
    };
    depth_on(l, side, w, mid)
}

/// How deep line `l` lies from `side`'s frame border along scanline `k` (a row for the left
/// and right sides, a column for the top and bottom).
fn depth_on(l: &Line, side: Side, w: &Work, k: f64) -> f64 {
    match side {
        // x on the line at y = k, y on the line at x = k.
        Side::Left => -(l.b * k + l.c) / l.a,
        Side::Right => w.w as f64 + (l.b * k + l.c) / l.a,
        Side::Top => -(l.a * k + l.c) / l.b,
        Side::Bottom => w.h as f64 + (l.a * k + l.c) / l.b,
    }
}

/// Darkest a faint edge line may be below the paper, as a share of the paper's luma: a
/// flatbed's shadow line is a few percent; printed lines and text are far darker.
const FAINT_MAX: f32 = 0.2;

/// Faint-edge candidates for one side: on every second scanline, walking inwards, the first
/// thin dark line (one or two working pixels, at least [`FAINT_MIN`] and at most
/// [`FAINT_MAX`] below its surroundings) with the paper's colour on both sides and a
/// uniform band outside. The walk stops at anything darker (text, a printed border): past
/// that it is inside the document. A straight run of these across the side is the edge.
fn faint_candidates(w: &Work, side: Side, paper: [f32; 3]) -> Vec<[f64; 2]> {
    let (n_lines, len) = match side {
        Side::Top | Side::Bottom => (w.w, w.h),
        Side::Left | Side::Right => (w.h, w.w),
    };
    if len < 2 * (BAND + 3) + 3 {
        return Vec::new();
    }
    let lp = luma(paper).max(1.0);
    let mut out = Vec::new();
    for k in (0..n_lines).step_by(2) {
        // Read in place: the walk usually stops within a few pixels (at the background
        // of a photo, or at the page's first text), so nothing is copied up front.
        let at = |p: usize| -> usize {
            let (x, y) = match side {
                Side::Left => (p, k),
                Side::Right => (w.w - 1 - p, k),
                Side::Top => (k, p),
                Side::Bottom => (k, w.h - 1 - p),
            };
            y * w.w + x
        };
        let l = |p: usize| w.luma[at(p)];
        let band = |a: usize, b: usize| -> ([f32; 3], f32, f32) {
            let n = (b - a) as f32;
            let mut m = [0f32; 3];
            let (mut lo, mut hi) = (f32::MAX, f32::MIN);
            for q in a..b {
                let v = w.rgb[at(q)];
                for c in 0..3 {
                    m[c] += v[c] / n;
                }
                lo = lo.min(l(q));
                hi = hi.max(l(q));
            }
            (m, lo, hi)
        };
        // From as near the border as an outer band of [`MIN_OUTER`] px allows: a scan
        // cropped just outside the page has its shadow line a few pixels from the border.
        for p in MIN_OUTER + 2..len - BAND - 3 {
            if l(p) < (1.0 - FAINT_MAX) * lp {
                break;
            }
            // Cheap test first: darker than the pixels three away on both sides.
            let (lm, l0, l1) = (l(p - 1), l(p), l(p + 1));
            if l(p - 3).min(l(p + 3)) - l0 < FAINT_MIN {
                continue;
            }
            // A local minimum, one or two pixels wide.
            if !(l0 <= lm && l0 < l1 || l0 < lm && l0 <= l1) {
                continue;
            }
            let (o, olo, ohi) = band((p - 2).saturating_sub(BAND), p - 2);
            let (i, _, _) = band(p + 3, p + 3 + BAND);
            let depth = luma(o).min(luma(i)) - l0;
            if depth < FAINT_MIN
                || !paper_like(o, paper)
                || !paper_like(i, paper)
                || ohi - olo > depth.max(FAINT_MIN)
            {
                continue;
            }
            let pos = p as f64 + 0.5;
            let kk = k as f64 + 0.5;
            out.push(match side {
                Side::Left => [pos, kk],
                Side::Right => [w.w as f64 - pos, kk],
                Side::Top => [kk, pos],
                Side::Bottom => [kk, w.h as f64 - pos],
            });
            break;
        }
    }
    out
}

/// Step-edge candidates for one side: on every second scanline, walking inwards from the
/// frame edge to the middle, the first few local maxima of the colour step whose inner band
/// looks like paper.
fn candidates(w: &Work, side: Side, paper: [f32; 3], min_step: f32) -> Vec<[f64; 2]> {
    let (n_lines, len) = match side {
        Side::Top | Side::Bottom => (w.w, w.h),
        Side::Left | Side::Right => (w.h, w.w),
    };
    if len < 2 * (BAND + GAP) + 3 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut sl = Scanline {
        prefix: vec![[0f32; 3]; len + 1],
        vals: vec![[0f32; 3]; len],
        band: vec![[0f32; 3]; len],
        filled: 0,
    };
    let reach = ((len as f64 * REACH) as usize).max(2 * BAND);
    // Everything a step at p and the paper search behind it read lies before p + ahead.
    let ahead = reach + 2 * (BAND + GAP) + 4;
    let dist = |c: [f32; 3]| {
        (0..3)
            .map(|i| (c[i] - paper[i]).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    for k in (0..n_lines).step_by(2) {
        // The scanline is read lazily, only as far as the walk looks: it usually stops after
        // its few candidates, well before the far side of the frame.
        sl.filled = 0;
        let at = |p: usize| -> usize {
            let (x, y) = match side {
                Side::Left => (p, k),
                Side::Right => (w.w - 1 - p, k),
                Side::Top => (k, p),
                Side::Bottom => (k, w.h - 1 - p),
            };
            y * w.w + x
        };
        // The whole scanline: a document need not be centred (one cut by the far side of
        // the frame may start past the middle); the first few candidates are kept anyway.
        // A step this close to the border is measured with a narrower outer band (down to
        // [`MIN_OUTER`] px): a scan cropped a few pixels outside the page has its edge there.
        let lo = GAP + MIN_OUTER + 1;
        let hi = len - BAND - GAP - 1;
        let mut found = 0;
        let mut p = lo;
        sl.fill(w, &at, p + ahead);
        // step(p - 1), step(p), step(p + 1), rolled forward so each is computed once.
        let mut win = [sl.step(p - 1), sl.step(p), sl.step(p + 1)];
        while p < hi && found < PER_LINE {
            sl.fill(w, &at, p + ahead);
            let s = win[1];
            let local_max = s >= min_step && s >= win[0] && s > win[2];
            if local_max {
                let inner = sl.band_at(p + GAP);
                let outer = sl.outer(p);
                // The document starts here: paper, or a printed band of another colour than
                // the outside (a card's coloured border, a licence's ornament) with paper
                // right behind it. A stripe of the background is no start: same colour.
                // Paper starts here only if the step brings the colour closer to the
                // paper's (a step inside the paper, from noise or light, does not).
                let document = (paper_like(inner, paper) && dist(outer) >= dist(inner) + MIN_STEP)
                    || (!same_chroma(inner, outer)
                        && (p + GAP..(p + reach).min(len - BAND))
                            .step_by(2)
                            .any(|q| paper_like(sl.band_at(q), paper)));
                // Where the outer band touches the frame edge, nothing beyond it shows
                // whether it is background: accept it only if it is uniform, as a desk or
                // a scanner bed is and a printed border cut by the frame is not.
                let document = document
                    && (p > BAND + GAP + 1 + 2 * BAND || {
                        let spread = (0..3)
                            .map(|c| {
                                let band = &sl.vals[outer_start(p)..p - GAP];
                                let hi = band.iter().map(|v| v[c]).fold(f32::MIN, f32::max);
                                let lo = band.iter().map(|v| v[c]).fold(f32::MAX, f32::min);
                                hi - lo
                            })
                            .fold(0.0, f32::max);
                        spread <= (0.5 * s).max(10.0)
                    });
                if document {
                    let pos = p as f64;
                    let kk = k as f64 + 0.5;
                    out.push(match side {
                        Side::Left => [pos, kk],
                        Side::Right => [w.w as f64 - pos, kk],
                        Side::Top => [kk, pos],
                        Side::Bottom => [kk, w.h as f64 - pos],
                    });
                    found += 1;
                    // Skip past this edge's own response.
                    p += BAND;
                    if p < hi {
                        sl.fill(w, &at, p + ahead);
                        win = [sl.step(p - 1), sl.step(p), sl.step(p + 1)];
                    }
                    continue;
                }
            }
            p += 1;
            if p < hi {
                win = [win[1], win[2], sl.step(p + 1)];
            }
        }
    }
    out
}

/// Narrowest outer band a step is measured with, next to the frame border.
const MIN_OUTER: usize = 3;

/// Where the outer band of a step at `p` starts: [`BAND`] wide, or as wide as the
/// scanline allows next to the border.
#[inline]
fn outer_start(p: usize) -> usize {
    p.saturating_sub(GAP + BAND)
}

/// One scanline's colours, their prefix sums and [`BAND`]-wide means, read up to `filled`.
struct Scanline {
    prefix: Vec<[f32; 3]>,
    vals: Vec<[f32; 3]>,
    /// `band[a]` = `mean(a, a + BAND)`, kept once computed: a step's inner band is the
    /// outer band of the step `BAND + 2 * GAP` further in, and each mean costs divisions
    /// (the walk's main cost); the same arithmetic, so the same values.
    band: Vec<[f32; 3]>,
    filled: usize,
}

impl Scanline {
    /// Reads the scanline (position → pixel index `at`) up to `upto` (clipped to its length).
    fn fill(&mut self, w: &Work, at: &impl Fn(usize) -> usize, upto: usize) {
        let upto = upto.min(self.vals.len());
        if upto <= self.filled {
            return;
        }
        for p in self.filled..upto {
            let v = w.rgb[at(p)];
            self.vals[p] = v;
            let q = self.prefix[p];
            self.prefix[p + 1] = [q[0] + v[0], q[1] + v[1], q[2] + v[2]];
            if p + 1 >= BAND {
                self.band[p + 1 - BAND] = self.mean(p + 1 - BAND, p + 1);
            }
        }
        self.filled = self.filled.max(upto);
    }

    /// Mean colour of positions `a..b` (read already).
    #[inline]
    fn mean(&self, a: usize, b: usize) -> [f32; 3] {
        let n = (b - a) as f32;
        let (pa, pb) = (self.prefix[a], self.prefix[b]);
        [
            (pb[0] - pa[0]) / n,
            (pb[1] - pa[1]) / n,
            (pb[2] - pa[2]) / n,
        ]
    }

    /// `mean(a, a + BAND)` (read already).
    #[inline]
    fn band_at(&self, a: usize) -> [f32; 3] {
        self.band[a]
    }

    /// Mean colour of the outer band of a step at `p` (narrower next to the border).
    #[inline]
    fn outer(&self, p: usize) -> [f32; 3] {
        let a = outer_start(p);
        if p - GAP - a == BAND {
            self.band[a]
        } else {
            self.mean(a, p - GAP)
        }
    }

    /// The colour step at `p`: the largest channel difference of the bands either side.
    #[inline]
    fn step(&self, p: usize) -> f32 {
        let o = self.outer(p);
        let i = self.band_at(p + GAP);
        (0..3).map(|c| (i[c] - o[c]).abs()).fold(0.0, f32::max)
    }
}

/// A tiny deterministic generator (xorshift), so measurements are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// RANSAC rounds per side: up to three lines are kept, and a line that `verify` turns
/// down (a chance alignment of text or pattern) costs a round without counting.
const RANSAC_ROUNDS: usize = 6;

/// Share of the scanlines across a line's span (every second one is walked) with a
/// candidate on the line that makes it continuous without further check.
const MIN_DENSITY: f64 = 0.5;

/// Luma above which both sides of a line are taken as blown out by glare.
const GLARE_LUMA: f32 = 235.0;

/// Smallest share of a step line's own step that a scanline's step must reach to count.
const STEP_SHARE: f32 = 0.25;

/// Share of the scanlines across a step line's span that must show the step themselves.
const MIN_STEP_SUPPORT: f64 = 0.5;

/// Whether a step line is a real edge: on most scanlines across its span (`span`, along the
/// side), the colour steps right at the line, sharply, towards the paper's colour, and the
/// same way all along. A document's edge is one continuous step between one background and
/// one paper; a straight line that RANSAC threads through scattered steps (tangents of a
/// card's wavy guilloche, text, a portrait's outline, noise in the shading) has a step only
/// at those points, and steps of either sign between them. Read on the scanlines themselves,
/// not from the candidates, which stop after a few per scanline (a vignetted background can
/// use them up before the edge).
fn steps_along(w: &Work, l: &Line, side: Side, span: [f64; 2], paper: [f32; 3]) -> bool {
    let (n_lines, len) = match side {
        Side::Top | Side::Bottom => (w.w, w.h),
        Side::Left | Side::Right => (w.h, w.w),
    };
    let dist = |c: [f32; 3]| {
        (0..3)
            .map(|i| (c[i] - paper[i]).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    let diff = |u: [f32; 3], v: [f32; 3]| (0..3).map(|c| (u[c] - v[c]).abs()).fold(0.0, f32::max);
    // A window of ±2 px (the fit's precision) with two bands either side.
    const WIN: usize = 2;
    let reach = WIN + 1 + GAP + 2 * BAND;
    let k0 = span[0].max(0.0) as usize;
    let k1 = (span[1].max(0.0) as usize).min(n_lines.saturating_sub(1));
    let (mut seen, mut near_border, mut blown) = (0usize, 0usize, 0usize);
    // The step (inner minus outer colour) on each scanline that shows one.
    let mut steps: Vec<[f32; 3]> = Vec::new();
    // The inner side's colour there.
    let mut inners: Vec<[f32; 3]> = Vec::new();
    let mut vals: Vec<[f32; 3]> = Vec::with_capacity(2 * reach + 1);
    for k in (k0..=k1).step_by(2) {
        let kk = k as f64 + 0.5;
        let d = depth_on(l, side, w, kk);
        if !d.is_finite() || d < 0.0 {
            continue;
        }
        let p = d.round() as usize;
        if p < GAP + MIN_OUTER + 2 + WIN {
            near_border += 1;
            continue;
        }
        if p + reach >= len {
            continue;
        }
        let a = p.saturating_sub(reach);
        vals.clear();
        vals.extend((a..=p + reach).map(|q| {
            let i = match side {
                Side::Left => k * w.w + q,
                Side::Right => k * w.w + (w.w - 1 - q),
                Side::Top => q * w.w + k,
                Side::Bottom => (w.h - 1 - q) * w.w + k,
            };
            w.rgb[i]
        }));
        let mean = |x: usize, y: usize| -> [f32; 3] {
            let n = (y - x) as f32;
            let mut m = [0f32; 3];
            for v in &vals[x - a..y - a] {
                for c in 0..3 {
                    m[c] += v[c] / n;
                }
            }
            m
        };
        let at = |q: usize| {
            let o = mean(q.saturating_sub(GAP + BAND).max(a), q - GAP);
            let i = mean(q + GAP, q + GAP + BAND);
            (o, i, diff(i, o))
        };
        // Under a glare patch both sides are blown out, and a white page on a white lid
        // steps by a level or two: nothing shows there either way.
        let (o, i, _) = at(p);
        if luma(o).min(luma(i)) >= GLARE_LUMA {
            blown += 1;
            continue;
        }
        seen += 1;
        // A step that peaks on the line (within the window) and passes the walk's own test
        // there; an edge a few px away, that the fitted line only passes near, does not.
        let best = (p - WIN..=p + WIN)
            .filter_map(|q| {
                let (o, i, s) = at(q);
                // (On a plateau, a thin line inside the inner band, the last position; the
                // band means differ there by rounding only.)
                const EPS: f32 = 1e-3;
                let peak = s >= MIN_STEP && s >= at(q - 1).2 - EPS && s > at(q + 1).2 + EPS;
                let document =
                    (paper_like(i, paper) && dist(o) >= dist(i) + MIN_STEP) || !same_chroma(i, o);
                // Sharp: flat on at least one side, as the background or the paper next
                // to a cut edge is; a smooth shading ramp (a guilloche band) slopes on both.
                let sharp = || {
                    let beyond_in = diff(i, mean(q + GAP + BAND, q + GAP + 2 * BAND));
                    let beyond_out = if q >= a + GAP + 2 * BAND {
                        diff(o, mean(q - GAP - 2 * BAND, q - GAP - BAND))
                    } else {
                        f32::MAX
                    };
                    beyond_in.min(beyond_out) <= 0.5 * s
                };
                (peak && document && sharp()).then_some((
                    s,
                    [i[0] - o[0], i[1] - o[1], i[2] - o[2]],
                    i,
                ))
            })
            .max_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((_, st, inner)) = best {
            steps.push(st);
            inners.push(inner);
        }
    }
    // Along the frame border the bands do not fit: a line that runs there for most of its
    // span (a scan cropped close to the page), or in white on white for most of it (a
    // page's faint edge on a scanner lid), is not judged, as before this check.
    let scanned = (k0..=k1).step_by(2).count();
    if (near_border + blown) * 4 > 3 * scanned {
        return true;
    }
    if seen == 0 {
        return false;
    }
    // A printed band's outer side (a licence's ornament: a thin line, then a zigzag) steps
    // to ink, not to paper, and only where the pattern is dense enough: it is left to
    // `paper_beyond`, which knows the paper on its far side.
    let median_of = |v: &[[f32; 3]]| -> [f32; 3] {
        std::array::from_fn(|c| {
            let mut ch: Vec<f32> = v.iter().map(|s| s[c]).collect();
            if ch.is_empty() {
                0.0
            } else {
                quantile(&mut ch, 0.5)
            }
        })
    };
    if !inners.is_empty() && !paper_like(median_of(&inners), paper) {
        return true;
    }
    // The line's own step: the per-channel median. A scanline's step counts when it points
    // the same way and is a real share of it (projection at least [`STEP_SHARE`] of it): the
    // light on one edge changes slowly, not from a few levels to tens.
    let median = median_of(&steps);
    let norm2: f32 = median.iter().map(|m| m * m).sum();
    let coherent = steps
        .iter()
        .filter(|s| (0..3).map(|c| s[c] * median[c]).sum::<f32>() >= STEP_SHARE * norm2)
        .count();
    coherent as f64 >= MIN_STEP_SUPPORT * seen as f64
}

/// RANSAC for the side's edge: lines of the right orientation with enough support, then the
/// outermost of those nearly as well supported as the best (a printed border inside the
/// paper is straight and strong too, but the paper's edge lies outside it).
fn best_line(
    pts: &[[f64; 2]],
    side: Side,
    scanlines: usize,
    w: &Work,
    verify: &dyn Fn(&Line, [f64; 2]) -> bool,
) -> Option<(Line, [f64; 2])> {
    const TOL: f64 = 1.5;
    let min_support = (scanlines as f64 * 0.12).max(8.0) as usize;
    let oriented = |l: &Line| match side {
        // Edges within 40° of the side's own direction.
        Side::Left | Side::Right => l.a.abs() >= 0.766,
        Side::Top | Side::Bottom => l.b.abs() >= 0.766,
    };
    let mut rest: Vec<[f64; 2]> = pts.to_vec();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let along = |p: &[f64; 2]| match side {
        Side::Top | Side::Bottom => p[0],
        Side::Left | Side::Right => p[1],
    };
    let span_of = |pts: &[[f64; 2]]| {
        let lo = pts.iter().map(along).fold(f64::INFINITY, f64::min);
        let hi = pts.iter().map(along).fold(f64::NEG_INFINITY, f64::max);
        [lo, hi]
    };
    let mut found: Vec<(usize, Vec<[f64; 2]>)> = Vec::new();
    for _ in 0..RANSAC_ROUNDS {
        if found.len() == 3 || rest.len() < min_support {
            break;
        }
        let mut best: Option<(usize, Line)> = None;
        for _ in 0..300 {
            let (i, j) = (rng.next(rest.len()), rng.next(rest.len()));
            let Some(l) = Line::through(rest[i], rest[j]) else {
                continue;
            };
            if !oriented(&l) {
                continue;
            }
            let n = rest.iter().filter(|p| l.dist(**p) <= TOL).count();
            if best.is_none_or(|(b, _)| n > b) {
                best = Some((n, l));
            }
        }
        let Some((n, l)) = best else { break };
        if n < min_support {
            break;
        }
        let (inl, out): (Vec<[f64; 2]>, Vec<[f64; 2]>) =
            rest.iter().partition(|p| l.dist(**p) <= TOL);
        rest = out;
        let Some(fit) = Line::fit(&inl) else { continue };
        // Candidates on most scanlines across the span are a continuous edge already; a
        // line with gaps between them must show its step on the scanlines themselves.
        let span = span_of(&inl);
        let dense = n as f64 * 2.0 >= MIN_DENSITY * (span[1] - span[0] + 2.0);
        if !dense && !verify(&fit, span) {
            continue;
        }
        found.push((n, inl));
    }
    let best_n = found.iter().map(|f| f.0).max()?;
    let outer = |pts: &[[f64; 2]]| -> f64 {
        let n = pts.len().max(1) as f64;
        match side {
            Side::Left => pts.iter().map(|p| p[0]).sum::<f64>() / n,
            Side::Right => w.w as f64 - pts.iter().map(|p| p[0]).sum::<f64>() / n,
            Side::Top => pts.iter().map(|p| p[1]).sum::<f64>() / n,
            Side::Bottom => w.h as f64 - pts.iter().map(|p| p[1]).sum::<f64>() / n,
        }
    };
    let chosen = found
        .iter()
        .filter(|f| f.0 * 10 >= best_n * 4)
        .min_by(|a, b| outer(&a.1).total_cmp(&outer(&b.1)))?;
    Line::fit(&chosen.1)
        .filter(oriented)
        .map(|l| (l, span_of(&chosen.1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_meet() {
        let v = Line::through([10.0, 0.0], [10.0, 100.0]).expect("line");
        let h = Line::through([0.0, 5.0], [100.0, 5.0]).expect("line");
        let p = v.intersect(&h).expect("meet");
        assert!((p[0] - 10.0).abs() < 1e-9 && (p[1] - 5.0).abs() < 1e-9);
        let fit = Line::fit(&[[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]).expect("fit");
        assert!(fit.dist([7.0, 1.0]) < 1e-9);
    }

    /// A 400 × 300 working copy (no downscale) from a pixel function.
    fn work(f: impl Fn(u32, u32) -> [u8; 3]) -> Work {
        let img = image::RgbImage::from_fn(400, 300, |x, y| image::Rgb(f(x, y)));
        crate::work::downscale(&img, [0, 0, 400, 300], 800).expect("work")
    }

    const PAPER: [u8; 3] = [236, 234, 228];

    #[test]
    fn a_line_through_scattered_steps_is_no_edge_a_continuous_step_is() {
        // Paper right of x = 40 on a dark desk, with a column of short grey dashes (a
        // quarter of the rows) ending at x = 200: their right ends line up, paper between.
        let w = work(|x, y| {
            if x < 40 {
                [90, 90, 95]
            } else if (190..200).contains(&x) && (y / 8) % 4 == 0 {
                [170, 170, 176]
            } else {
                PAPER
            }
        });
        let paper = PAPER.map(f32::from);
        let span = [0.0, 299.0];
        let edge = Line::through([40.0, 0.0], [40.0, 300.0]).expect("line");
        let dashes = Line::through([200.0, 0.0], [200.0, 300.0]).expect("line");
        assert!(steps_along(&w, &edge, Side::Left, span, paper));
        assert!(!steps_along(&w, &dashes, Side::Left, span, paper));
    }

    #[test]
    fn a_faint_edge_white_on_white_is_not_judged_by_its_steps() {
        // A white page (250) on a white lid (248) with its shadow line at x = 40 on a third
        // of the rows: nothing to see either side, so the line is kept as found.
        let w = work(|x, y| {
            if x == 40 && (y / 6) % 3 == 0 {
                [240, 240, 240]
            } else if x < 40 {
                [248, 248, 248]
            } else {
                [250, 250, 250]
            }
        });
        let line = Line::through([40.0, 0.0], [40.0, 300.0]).expect("line");
        assert!(steps_along(&w, &line, Side::Left, [0.0, 299.0], [250.0; 3]));
    }

    #[test]
    fn paper_beyond_a_strong_line_is_judged_across_its_span_not_the_frame() {
        // A page on a dark desk, between x = 120 and 280 only, running off the top of the
        // frame; a printed rule at y = 40 (the line) and a row of print at y = 20..24
        // beyond it. Across the whole frame the strip is mostly desk; across the line's
        // span it is paper, so the rule is inside the document (the strong walk's test:
        // no paper at all may lie beyond its line).
        let w = work(|x, y| {
            if !(120..280).contains(&x) {
                [90, 90, 95]
            } else if (20..24).contains(&y) || (40..42).contains(&y) {
                [60, 50, 50]
            } else {
                PAPER
            }
        });
        let paper = PAPER.map(f32::from);
        let rule = Line::through([120.0, 40.0], [280.0, 40.0]).expect("line");
        assert!(paper_beyond(
            &w,
            &(rule, [120.5, 279.5]),
            Side::Top,
            paper,
            0.0
        ));
        // The page's own left edge has desk beyond it.
        let edge = Line::through([120.0, 0.0], [120.0, 300.0]).expect("line");
        assert!(!paper_beyond(
            &w,
            &(edge, [0.5, 299.5]),
            Side::Left,
            paper,
            0.0
        ));
    }

    #[test]
    fn a_shadow_line_a_few_pixels_from_the_frame_border_is_a_faint_edge() {
        // A white page (250) on a white lid (248) scanned with the crop 6 px outside the
        // page: its shadow line (240) at x = 6, all the way down.
        let w = work(|x, _| match x {
            6 => [240, 240, 240],
            0..6 => [248, 248, 248],
            _ => [250, 250, 250],
        });
        let found = faint_candidates(&w, Side::Left, [250.0; 3]);
        let on_line = found.iter().filter(|p| (p[0] - 6.5).abs() < 1.0).count();
        // Every second of the 300 rows.
        assert!(on_line >= 140, "{on_line} of {} candidates", found.len());
    }

    #[test]
    fn a_printed_band_with_gaps_is_left_to_the_paper_beyond_check() {
        // A greyish page on a lid of its colour with a brown dashed border line at x = 40
        // (a third of the rows): it steps to ink, not to paper, and is not judged by its
        // gaps.
        let w = work(|x, y| {
            if (40..44).contains(&x) && (y / 6) % 3 == 0 {
                [170, 110, 70]
            } else {
                [225, 225, 225]
            }
        });
        let paper = [225.0; 3];
        let line = Line::through([40.0, 0.0], [40.0, 300.0]).expect("line");
        assert!(steps_along(&w, &line, Side::Left, [0.0, 299.0], paper));
    }
}
