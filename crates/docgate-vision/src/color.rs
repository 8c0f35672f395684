//! Colour original or greyscale copy: how much of the document carries colour that is not
//! seal red, once a uniform colour cast is removed.
//!
//! Why white balance on the paper: a photocopy photographed under warm light is uniformly
//! tinted, so raw chroma would call it colour; dividing each channel by the paper's own
//! colour (von Kries) removes any cast that scales channels, and what is left of a cast
//! (uneven light) is low and smooth. Why seal red is left out: a red company seal stamped
//! on a copy is colour, but it does not make the copy an original, so the seals found are
//! masked out and so is every pixel on the red hue axis (the seal's faint or anti-aliased
//! ink, a seal too faint to be found). Why a tail and not a typical value: what stays
//! colourful on an original (a printed border, an emblem, tinted labels, a photo) may be a
//! thin part of the page, under 3 % of its pixels; a copy has none of it anywhere. Chroma
//! is averaged over 3 × 3 neighbourhoods first, so that sensor and JPEG chroma noise
//! (random in sign) cancels while printed colour (coherent) stays.

use crate::work::{luma, quantile, Work};

/// Share of the document's pixels that must carry at least the reported chroma: 0.5 %,
/// a thin printed border or a few coloured labels, far more than noise or a speck.
const TAIL: f64 = 0.005;

/// Whether a white-balanced pixel lies on the red hue axis (seal ink, faint or mixed
/// with paper or print): red above green and blue, green and blue alike.
#[inline]
fn reddish(r: f32, g: f32, b: f32) -> bool {
    let excess = r - g.max(b);
    excess >= 6.0 && (g - b).abs() <= 0.6 * excess
}

/// Colourfulness, 0 for grey: the white-balanced chroma (levels) that at least [`TAIL`]
/// of the document's usable pixels reach, after 3 × 3 averaging, seal red excluded except
/// in `band` (the document's outer band, where borders are printed).
pub(crate) fn colorfulness(w: &Work, mask: &[bool], band: &[bool], paper: [f32; 3]) -> f64 {
    let pl = luma(paper).max(1.0);
    let gain = paper.map(|c| pl / c.max(1.0));
    // Opponent chroma (a, b) and a weight of 1 per usable pixel, 0 where the pixel says
    // nothing about colour, one row at a time, each channel in its own row (so that the
    // sums below run as vectorised loops).
    let chroma_row = |y: usize, out: &mut [Vec<f32>; 3]| {
        let [oa, ob, on] = out;
        for (x, ((ca, cb), cn)) in oa.iter_mut().zip(ob.iter_mut()).zip(on).enumerate() {
            (*ca, *cb, *cn) = (0.0, 0.0, 0.0);
            let i = y * w.w + x;
            if !mask[i] {
                continue;
            }
            let p = w.rgb[i];
            let l = luma(p);
            // Very dark pixels carry little reliable chroma (JPEG, noise); clipped ones none.
            if !(40.0..=250.0).contains(&l) {
                continue;
            }
            let (r, g, b) = (p[0] * gain[0], p[1] * gain[1], p[2] * gain[2]);
            if reddish(r, g, b) && !band[i] {
                continue;
            }
            (*ca, *cb, *cn) = (r - g, 0.5 * (r + g) - b, 1.0);
        }
    };
    // 3 × 3 sums, separably: each row's horizontal sums, then three of those added. Three
    // rows of each are kept (a ring), not the whole page. Sums are added in the same order
    // at every pixel (centre, left, right; then middle, upper, lower row).
    let hsum = |r: &[f32], out: &mut [f32]| {
        let n = r.len();
        if n == 1 {
            out[0] = r[0];
        } else if n > 1 {
            out[0] = r[0] + r[1];
            for x in 1..n - 1 {
                out[x] = r[x] + r[x - 1] + r[x + 1];
            }
            out[n - 1] = r[n - 1] + r[n - 2];
        }
    };
    let row = || [vec![0f32; w.w], vec![0f32; w.w], vec![0f32; w.w]];
    let mut ch = [row(), row(), row()];
    let mut hs = [row(), row(), row()];
    let hsums = |c: &[Vec<f32>; 3], h: &mut [Vec<f32>; 3]| {
        for (r, o) in c.iter().zip(h.iter_mut()) {
            hsum(r, o);
        }
    };
    if w.h > 0 {
        chroma_row(0, &mut ch[0]);
        hsums(&ch[0], &mut hs[0]);
    }
    // At most one value per pixel: reserved once (no regrowth copies).
    let mut smooth: Vec<f32> = Vec::with_capacity(mask.iter().filter(|m| **m).count());
    // Per row: the 3 × 3 sums, then the square roots and divisions over the whole row (one
    // pixel at a time they were the colour measurement's main cost), then the usable
    // pixels kept.
    let [mut va, mut vb, mut vn] = row();
    for y in 0..w.h {
        if y + 1 < w.h {
            let k = (y + 1) % 3;
            chroma_row(y + 1, &mut ch[k]);
            hsums(&ch[k], &mut hs[k]);
        }
        let (me, up, down) = (y % 3, (y + 2) % 3, (y + 1) % 3);
        for (c, v) in [&mut va, &mut vb, &mut vn].into_iter().enumerate() {
            v.copy_from_slice(&hs[me][c]);
            if y > 0 {
                v.iter_mut().zip(&hs[up][c]).for_each(|(s, u)| *s += u);
            }
            if y + 1 < w.h {
                v.iter_mut().zip(&hs[down][c]).for_each(|(s, d)| *s += d);
            }
        }
        for ((a, b), n) in va.iter_mut().zip(&vb).zip(&vn) {
            *a = (*a * *a + b * b).sqrt() / n;
        }
        smooth.extend(
            va.iter()
                .zip(&ch[me][2])
                .filter(|(_, n)| **n != 0.0)
                .map(|(v, _)| *v),
        );
    }
    if smooth.len() < 64 {
        return 0.0;
    }
    f64::from(quantile(&mut smooth, 1.0 - TAIL))
}
