//! Sharpness by re-blurring (after Crété-Roffet et al., "The blur effect", 2007), per
//! direction: along a direction θ, compare the edge contrast `D0 = I(x+u) − I(x−u)` with
//! the contrast after a further 5-tap box blur along θ, `D1`. A crisp edge loses most of
//! its contrast to that blur; an already blurred edge loses little. A direction's score is
//! the share of contrast lost, `Σ max(0, |D0| − |D1|) / Σ |D0|` over edge pixels, × 100,
//! weighted by that direction's strong-edge contrast (98th percentile of `|D0|`) over the
//! most contrasted direction's: motion blur smears thin strokes along its direction into
//! plateaus whose ends stay as steep as the stroke was wide, so the share lost alone
//! barely drops there, while the contrast does (to about stroke width / smear length).
//!
//! Why this generalises: it is a ratio, so it does not depend on contrast, lighting or how
//! much text the page holds, and it runs on tiles resampled to a fixed scale relative to
//! the document (long side [`crate::DOC_WORK_LONG`] px), so a 1 MP and a 12 MP photo of the
//! same page score alike. Why per direction, with edges chosen per direction: motion blur
//! smears only along its direction, leaving edges across it crisp. Edge pixels are those
//! whose contrast *along θ* is strong relative to the other contrasts along θ, so in the
//! smeared direction the (smeared) edges themselves are scored, not the few that happen to
//! survive a page-wide contrast cut. The minimum over eight directions catches motion blur;
//! defocus lowers all of them.
//!
//! Why tiles: sharpness is a property of edges, and text edges are everywhere on a
//! document, so a few tiles rich in edges (chosen on the frame's working copy) say what the
//! whole document would, at a fraction of the cost of resampling all of it.

use image::RgbImage;
use rayon::prelude::*;

use crate::work::{downscale, quantile, Work};

/// Eight directions, 22.5° apart.
const DIRECTIONS: usize = 8;
/// Tile side in normalised working pixels, and how many tiles at most.
const TILE: u32 = 112;
const TILES: usize = 10;

/// Where to measure: the page image, the frame's working copy with its document mask, and
/// the document's bounding box on the page.
pub(crate) struct Input<'a> {
    pub img: &'a RgbImage,
    pub frame: &'a Work,
    pub mask: &'a [bool],
    pub region: [u32; 4],
}

/// `(min over directions, max over directions)` of the sharpness score, 0..100.
pub(crate) fn sharpness(inp: &Input) -> (f64, f64) {
    let tiles = pick_tiles(inp);
    // Per tile, per candidate pixel: D0 and D1 in every direction.
    let per_tile: Vec<Vec<[f32; 2 * DIRECTIONS]>> = tiles
        .par_iter()
        .filter_map(|t| downscale(inp.img, *t, TILE))
        .map(|w| contrasts(&w, inp))
        .collect();
    let all: Vec<&[f32; 2 * DIRECTIONS]> = per_tile.iter().flatten().collect();
    if all.len() < 32 {
        return (0.0, 0.0);
    }
    // The document's ink-to-paper contrast (luma, 1st to 99th percentile). Edges must carry
    // a share of it: in a badly blurred page the crispest steps left are JPEG block
    // boundaries of a few levels, which say nothing about the print.
    let mut l: Vec<f32> = inp
        .frame
        .luma
        .iter()
        .zip(inp.mask)
        .step_by(3)
        .filter(|(_, m)| **m)
        .map(|(l, _)| *l)
        .collect();
    let range = quantile(&mut l, 0.99) - quantile(&mut l, 0.01);
    let floor = (0.08 * range).max(4.0);
    // Per direction: the score, and the strong-edge contrast level along it.
    let mut scores: Vec<(f64, f64)> = Vec::with_capacity(DIRECTIONS);
    for k in 0..DIRECTIONS {
        let mut d0: Vec<f32> = all.iter().map(|c| c[2 * k]).collect();
        let level = quantile(&mut d0, 0.98);
        // Edges along θ: a quarter of this direction's strong-edge level, and above the floor.
        let thr = (0.25 * level).max(floor);
        let (mut lost, mut tot) = (0f64, 0f64);
        for c in &all {
            let (a, b) = (c[2 * k], c[2 * k + 1]);
            if a >= thr {
                lost += f64::from((a - b).max(0.0));
                tot += f64::from(a);
            }
        }
        if tot > 0.0 {
            scores.push((100.0 * lost / tot, f64::from(level)));
        }
    }
    if scores.is_empty() {
        return (0.0, 0.0);
    }
    // Each direction's score is weighted by its contrast relative to the most contrasted
    // direction. Motion blur smears thin strokes along its direction into low plateaus
    // whose ends stay as steep as the stroke was wide: the share of contrast a re-blur
    // destroys along it stays high, but the contrast itself falls to about stroke width /
    // smear length. Across the smear, strokes along it keep their full contrast. Defocus
    // lowers every direction's contrast alike, and so leaves the weights near 1.
    let top = scores.iter().map(|s| s.1).fold(0.0, f64::max).max(1e-9);
    let weighted: Vec<f64> = scores.iter().map(|(s, a)| s * a / top).collect();
    let min = weighted.iter().copied().fold(f64::INFINITY, f64::min);
    let max = weighted.iter().copied().fold(0.0, f64::max);
    (min, max)
}

/// Page regions of up to [`TILES`] square tiles inside the document, richest in edges
/// first, each [`TILE`] normalised pixels across.
fn pick_tiles(inp: &Input) -> Vec<[u32; 4]> {
    let f = inp.frame;
    let (iw, ih) = (inp.img.width(), inp.img.height());
    let long = f64::from(inp.region[2].max(inp.region[3]));
    // Page pixels per normalised pixel (never upsampled).
    let s = (long / f64::from(crate::DOC_WORK_LONG)).max(1.0);
    let side_page = (f64::from(TILE) * s).min(f64::from(iw.min(ih)));
    let side = (side_page / f.scale).floor() as usize; // in frame pixels
    if side < 4 || f.w < side || f.h < side {
        return vec![inp.region];
    }
    // Edge content per cell of a grid over the frame copy (the sum of luma steps, so that a
    // badly blurred page still ranks its cells); a cell must lie in the document.
    let (nx, ny) = (f.w / side, f.h / side);
    let (ox, oy) = ((f.w - nx * side) / 2, (f.h - ny * side) / 2);
    let mut cells: Vec<(u32, usize, usize)> = Vec::new();
    for cy in 0..ny {
        for cx in 0..nx {
            let (x0, y0) = (ox + cx * side, oy + cy * side);
            let (mut inside, mut edges) = (0usize, 0f32);
            for y in y0..y0 + side {
                for x in x0..x0 + side {
                    let i = y * f.w + x;
                    if !inp.mask[i] {
                        continue;
                    }
                    inside += 1;
                    if x + 1 < f.w && y + 1 < f.h {
                        edges +=
                            (f.luma[i + 1] - f.luma[i]).abs() + (f.luma[i + f.w] - f.luma[i]).abs();
                    }
                }
            }
            if inside * 10 >= side * side * 9 {
                cells.push((edges as u32, x0, y0));
            }
        }
    }
    cells.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let tiles: Vec<[u32; 4]> = cells
        .iter()
        .take(TILES)
        .map(|&(_, x0, y0)| {
            let p = f.to_page(x0 as f64, y0 as f64);
            let x = (p[0].max(0.0) as u32).min(iw.saturating_sub(1));
            let y = (p[1].max(0.0) as u32).min(ih.saturating_sub(1));
            let side = side_page as u32;
            [x, y, side.min(iw - x), side.min(ih - y)]
        })
        .collect();
    if tiles.is_empty() {
        vec![inp.region]
    } else {
        tiles
    }
}

/// Bilinear taps of one sample at a fixed offset: index offsets of the four neighbours and
/// their weights. The offsets `t·(cos θ, sin θ)` are the same at every pixel, so the
/// interpolation weights are computed once per direction, not per pixel.
#[derive(Clone, Copy)]
struct Tap {
    idx: [isize; 4],
    wt: [f32; 4],
}

impl Tap {
    fn new(dx: f32, dy: f32, stride: usize) -> Tap {
        let (x0, y0) = (dx.floor(), dy.floor());
        let (fx, fy) = (dx - x0, dy - y0);
        let (xi, yi, s) = (x0 as isize, y0 as isize, stride as isize);
        Tap {
            idx: [
                yi * s + xi,
                yi * s + xi + 1,
                (yi + 1) * s + xi,
                (yi + 1) * s + xi + 1,
            ],
            wt: [
                (1.0 - fx) * (1.0 - fy),
                fx * (1.0 - fy),
                (1.0 - fx) * fy,
                fx * fy,
            ],
        }
    }

    #[inline]
    fn at(&self, l: &[f32], i: usize) -> f32 {
        let i = i as isize;
        (0..4)
            .map(|k| l[(i + self.idx[k]) as usize] * self.wt[k])
            .sum()
    }
}

/// D0 and D1 in every direction at each pixel of a tile that is in the document and has
/// some contrast in some direction.
fn contrasts(w: &Work, inp: &Input) -> Vec<[f32; 2 * DIRECTIONS]> {
    let mut out = Vec::new();
    if w.w < 9 || w.h < 9 {
        return out;
    }
    // Taps at t = −3, −2, −1, 1, 2, 3 along each direction.
    let taps: [[Tap; 6]; DIRECTIONS] = std::array::from_fn(|k| {
        let a = k as f32 * std::f32::consts::PI / DIRECTIONS as f32;
        let (c, s) = (a.cos(), a.sin());
        [-3.0f32, -2.0, -1.0, 1.0, 2.0, 3.0].map(|t| Tap::new(t * c, t * s, w.w))
    });
    let f = inp.frame;
    let l = &w.luma;
    // Every other pixel, in a checkerboard: the score is a ratio of sums over edge pixels
    // and the edge threshold a percentile, both of which half the pixels of an edge-rich
    // tile estimate as well as all of them, at half the cost.
    for y in 4..w.h - 4 {
        for x in (4 + (y & 1)..w.w - 4).step_by(2) {
            let i = y * w.w + x;
            // Cheap pre-filter: flat paper has nothing to say about sharpness.
            let gx = (l[i + 1] - l[i - 1]).abs();
            let gy = (l[i + w.w] - l[i - w.w]).abs();
            if gx.max(gy) < 3.0 {
                continue;
            }
            let q = f.page_to_work(w.to_page(x as f64 + 0.5, y as f64 + 0.5));
            let (fx, fy) = (q[0] as usize, q[1] as usize);
            if fx >= f.w || fy >= f.h || !inp.mask[fy * f.w + fx] {
                continue;
            }
            let mut c = [0f32; 2 * DIRECTIONS];
            for (k, t) in taps.iter().enumerate() {
                let v = t.map(|tap| tap.at(l, i));
                c[2 * k] = (v[3] - v[2]).abs();
                c[2 * k + 1] = ((v[5] + v[4] - v[1] - v[0]) / 5.0).abs();
            }
            out.push(c);
        }
    }
    out
}
