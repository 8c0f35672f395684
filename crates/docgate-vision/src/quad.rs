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
    let (bw, bh) = (b[2].saturating_sub(b[0]), b[3].saturating_sub(b[1]));
    let (x0, x1, y0, y1) = (
        b[0] + bw / 4,
        (b[0] + 3 * bw / 4).max(b[0] + bw / 4 + 1),
        b[1] + bh / 4,
        (b[1] + 3 * bh / 4).max(b[1] + bh / 4 + 1),
    );
    let mut px: Vec<[f32; 3]> = Vec::new();
    for y in y0..y1.min(w.h) {
        for x in x0..x1.min(w.w) {
            px.push(w.rgb[y * w.w + x]);
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
    let mut lines = [None; 4];
    let mut spans = [None; 4];
    for (k, side) in SIDES.iter().enumerate() {
        let pts = candidates(w, *side, paper);
        let scanlines = match side {
            Side::Top | Side::Bottom => w.w / 2,
            Side::Left | Side::Right => w.h / 2,
        };
        let step = best_line(&pts, *side, scanlines, w);
        // A white page on a white scanner bed has no step at its edge, only the faint
        // shadow line the paper's thickness casts, and a step found further in is then
        // text or a line's far side. The paper's edge is the outermost of the two.
        let faint = best_line(&faint_candidates(w, *side, paper), *side, scanlines, w);
        let chosen = match (step, faint) {
            (Some(s), Some(f)) => Some(if depth(&f.0, *side, w) < depth(&s.0, *side, w) {
                f
            } else {
                s
            }),
            (s, f) => s.or(f),
        };
        lines[k] = chosen.map(|c| c.0);
        spans[k] = chosen.map(|c| c.1);
    }
    Edges { lines, spans }
}

/// How far in from its side of the frame a line lies, at the middle of that side.
pub(crate) fn depth(l: &Line, side: Side, w: &Work) -> f64 {
    let (mx, my) = (w.w as f64 / 2.0, w.h as f64 / 2.0);
    match side {
        // x on the line at y = my, y on the line at x = mx.
        Side::Left => -(l.b * my + l.c) / l.a,
        Side::Right => w.w as f64 + (l.b * my + l.c) / l.a,
        Side::Top => -(l.a * mx + l.c) / l.b,
        Side::Bottom => w.h as f64 + (l.a * mx + l.c) / l.b,
    }
}

/// Darkest a faint edge line may be below the paper, as a share of the paper's luma: a
/// flatbed's shadow line is a few percent; printed lines and text are far darker.
const FAINT_MAX: f32 = 0.2;

/// Faint-edge candidates for one side: on every second scanline, walking inwards, the first
/// thin dark line (one or two working pixels, at least [`MIN_STEP`] and at most
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
        for p in BAND + 3..len - BAND - 3 {
            if l(p) < (1.0 - FAINT_MAX) * lp {
                break;
            }
            // Cheap test first: darker than the pixels three away on both sides.
            let (lm, l0, l1) = (l(p - 1), l(p), l(p + 1));
            if l(p - 3).min(l(p + 3)) - l0 < MIN_STEP {
                continue;
            }
            // A local minimum, one or two pixels wide.
            if !(l0 <= lm && l0 < l1 || l0 < lm && l0 <= l1) {
                continue;
            }
            let (o, olo, ohi) = band(p - 2 - BAND, p - 2);
            let (i, _, _) = band(p + 3, p + 3 + BAND);
            let depth = luma(o).min(luma(i)) - l0;
            if depth < MIN_STEP
                || !paper_like(o, paper)
                || !paper_like(i, paper)
                || ohi - olo > depth.max(MIN_STEP)
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
fn candidates(w: &Work, side: Side, paper: [f32; 3]) -> Vec<[f64; 2]> {
    let (n_lines, len) = match side {
        Side::Top | Side::Bottom => (w.w, w.h),
        Side::Left | Side::Right => (w.h, w.w),
    };
    if len < 2 * (BAND + GAP) + 3 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut prefix = vec![[0f32; 3]; len + 1];
    let mut vals = vec![[0f32; 3]; len];
    for k in (0..n_lines).step_by(2) {
        for p in 0..len {
            let (x, y) = match side {
                Side::Left => (p, k),
                Side::Right => (w.w - 1 - p, k),
                Side::Top => (k, p),
                Side::Bottom => (k, w.h - 1 - p),
            };
            let v = w.rgb[y * w.w + x];
            vals[p] = v;
            for c in 0..3 {
                prefix[p + 1][c] = prefix[p][c] + v[c];
            }
        }
        let mean = |a: usize, b: usize| -> [f32; 3] {
            let n = (b - a) as f32;
            [
                (prefix[b][0] - prefix[a][0]) / n,
                (prefix[b][1] - prefix[a][1]) / n,
                (prefix[b][2] - prefix[a][2]) / n,
            ]
        };
        let step = |p: usize| -> f32 {
            let o = mean(p - GAP - BAND, p - GAP);
            let i = mean(p + GAP, p + GAP + BAND);
            (0..3).map(|c| (i[c] - o[c]).abs()).fold(0.0, f32::max)
        };
        // The whole scanline: a document need not be centred (one cut by the far side of
        // the frame may start past the middle); the first few candidates are kept anyway.
        let lo = BAND + GAP + 1;
        let hi = len - BAND - GAP - 1;
        let reach = ((len as f64 * REACH) as usize).max(2 * BAND);
        let mut found = 0;
        let mut p = lo;
        // step(p - 1), step(p), step(p + 1), rolled forward so each is computed once.
        let mut win = [step(p - 1), step(p), step(p + 1)];
        while p < hi && found < PER_LINE {
            let s = win[1];
            let local_max = s >= MIN_STEP && s >= win[0] && s > win[2];
            if local_max {
                let inner = mean(p + GAP, p + GAP + BAND);
                let outer = mean(p - GAP - BAND, p - GAP);
                // The document starts here: paper, or a printed band of another colour than
                // the outside (a card's coloured border, a licence's ornament) with paper
                // right behind it. A stripe of the background is no start: same colour.
                // Paper starts here only if the step brings the colour closer to the
                // paper's (a step inside the paper, from noise or light, does not).
                let dist = |c: [f32; 3]| {
                    (0..3)
                        .map(|i| (c[i] - paper[i]).powi(2))
                        .sum::<f32>()
                        .sqrt()
                };
                let document = (paper_like(inner, paper) && dist(outer) >= dist(inner) + MIN_STEP)
                    || (!same_chroma(inner, outer)
                        && (p + GAP..(p + reach).min(len - BAND))
                            .step_by(2)
                            .any(|q| paper_like(mean(q, q + BAND), paper)));
                // Where the outer band touches the frame edge, nothing beyond it shows
                // whether it is background: accept it only if it is uniform, as a desk or
                // a scanner bed is and a printed border cut by the frame is not.
                let document = document
                    && (p > lo + 2 * BAND || {
                        let spread = (0..3)
                            .map(|c| {
                                let band = &vals[p - GAP - BAND..p - GAP];
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
                        win = [step(p - 1), step(p), step(p + 1)];
                    }
                    continue;
                }
            }
            p += 1;
            if p < hi {
                win = [win[1], win[2], step(p + 1)];
            }
        }
    }
    out
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

/// RANSAC for the side's edge: lines of the right orientation with enough support, then the
/// outermost of those nearly as well supported as the best (a printed border inside the
/// paper is straight and strong too, but the paper's edge lies outside it).
fn best_line(pts: &[[f64; 2]], side: Side, scanlines: usize, w: &Work) -> Option<(Line, [f64; 2])> {
    const TOL: f64 = 1.5;
    let min_support = (scanlines as f64 * 0.12).max(8.0) as usize;
    let oriented = |l: &Line| match side {
        // Edges within 40° of the side's own direction.
        Side::Left | Side::Right => l.a.abs() >= 0.766,
        Side::Top | Side::Bottom => l.b.abs() >= 0.766,
    };
    let mut rest: Vec<[f64; 2]> = pts.to_vec();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut found: Vec<(usize, Vec<[f64; 2]>)> = Vec::new();
    for _ in 0..3 {
        if rest.len() < min_support {
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
        found.push((n, inl));
        rest = out;
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
    let along = |p: &[f64; 2]| match side {
        Side::Top | Side::Bottom => p[0],
        Side::Left | Side::Right => p[1],
    };
    let lo = chosen.1.iter().map(along).fold(f64::INFINITY, f64::min);
    let hi = chosen.1.iter().map(along).fold(f64::NEG_INFINITY, f64::max);
    Line::fit(&chosen.1).filter(oriented).map(|l| (l, [lo, hi]))
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
}
