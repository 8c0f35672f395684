//! Sharpness by re-blurring (after Crété-Roffet et al., "The blur effect", 2007), per
//! direction: along a direction θ, compare the edge contrast `D0 = I(x+u) − I(x−u)` with
//! the contrast after a further 5-tap box blur along θ, `D1`. A crisp edge loses most of
//! its contrast to that blur; an already blurred edge loses little. The score is the share
//! of contrast lost, `Σ max(0, |D0| − |D1|) / Σ |D0|` over edge pixels, × 100.
//!
//! Why this generalises: it is a ratio, so it does not depend on contrast, lighting or how
//! much text the page holds, and it runs on a copy resampled to a fixed working scale, so a
//! 1 MP and a 12 MP photo of the same page score alike. Why per direction: motion blur
//! smears only along its direction, leaving edges across it crisp; the minimum over eight
//! directions catches it while defocus lowers all of them.

use rayon::prelude::*;

use crate::work::{quantile, Work};

/// Eight directions, 22.5° apart.
const DIRECTIONS: usize = 8;

/// `(min over directions, max over directions)` of the sharpness score, 0..100, over the
/// pixels where `mask` is true.
pub(crate) fn sharpness(w: &Work, mask: &[bool]) -> (f64, f64) {
    if w.w < 9 || w.h < 9 {
        return (0.0, 0.0);
    }
    let dirs: Vec<(f32, f32)> = (0..DIRECTIONS)
        .map(|k| {
            let t = k as f32 * std::f32::consts::PI / DIRECTIONS as f32;
            (t.cos(), t.sin())
        })
        .collect();
    // Edge pixels: contrast above a quarter of the strong-edge level (the 98th percentile
    // of axis-aligned contrast), and above noise.
    let mut sample: Vec<f32> = (4..w.h - 4)
        .step_by(3)
        .flat_map(|y| (4..w.w - 4).step_by(3).map(move |x| (x, y)))
        .filter(|&(x, y)| mask[y * w.w + x])
        .map(|(x, y)| {
            let (xi, yi) = (x as isize, y as isize);
            let gx = (w.l(xi + 1, yi) - w.l(xi - 1, yi)).abs();
            let gy = (w.l(xi, yi + 1) - w.l(xi, yi - 1)).abs();
            gx.max(gy)
        })
        .collect();
    let strong = quantile(&mut sample, 0.98);
    let thr = (0.25 * strong).max(4.0);
    let sums: Vec<[f64; 2 * DIRECTIONS]> = (4..w.h - 4)
        .into_par_iter()
        .step_by(2)
        .map(|y| {
            let mut acc = [0f64; 2 * DIRECTIONS];
            for x in 4..w.w - 4 {
                if !mask[y * w.w + x] {
                    continue;
                }
                let (fx, fy) = (x as f32, y as f32);
                for (k, (c, s)) in dirs.iter().enumerate() {
                    let at = |t: f32| w.bilinear(fx + t * c, fy + t * s);
                    let d0 = (at(1.0) - at(-1.0)).abs();
                    if d0 < thr {
                        continue;
                    }
                    let d1 = ((at(3.0) + at(2.0) - at(-2.0) - at(-3.0)) / 5.0).abs();
                    acc[2 * k] += f64::from((d0 - d1).max(0.0));
                    acc[2 * k + 1] += f64::from(d0);
                }
            }
            acc
        })
        .collect();
    let mut tot = [0f64; 2 * DIRECTIONS];
    for a in &sums {
        for (t, v) in tot.iter_mut().zip(a) {
            *t += v;
        }
    }
    let scores: Vec<f64> = (0..DIRECTIONS)
        .filter(|k| tot[2 * k + 1] > 0.0)
        .map(|k| 100.0 * tot[2 * k] / tot[2 * k + 1])
        .collect();
    if scores.is_empty() {
        return (0.0, 0.0);
    }
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let max = scores.iter().copied().fold(0.0, f64::max);
    (min, max)
}
