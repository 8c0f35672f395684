//! Glare: blown-out, colourless patches brighter than the paper itself, as connected blobs.
//!
//! Why relative to the paper: a flatbed scan clips white paper to ~255 everywhere, and that
//! is not glare; a specular reflection is a patch brighter than the surrounding paper that
//! washes out the print. Why blobs: a few isolated clipped pixels hide nothing.

use crate::work::{luma, Work};

/// The paper's brightness: the median luma of the document. Glare covers at most a
/// minority of it and text is sparse, so the median is paper, not the highlight.
/// Every second pixel of every second row: the median of a quarter of the paper is the same.
pub(crate) fn paper_level(w: &Work, mask: &[bool]) -> f32 {
    let mut l: Vec<f32> = (0..w.h)
        .step_by(2)
        .flat_map(|y| (0..w.w).step_by(2).map(move |x| y * w.w + x))
        .filter(|i| mask[*i])
        .map(|i| w.luma[i])
        .collect();
    if l.is_empty() {
        // A mask too thin for the subsample: all of it.
        l = w
            .luma
            .iter()
            .zip(mask)
            .filter(|(_, m)| **m)
            .map(|(l, _)| *l)
            .collect();
    }
    crate::work::quantile(&mut l, 0.5)
}

/// `(fraction of the masked area covered by glare blobs, bbox [x, y, w, h] of the largest
/// blob in working pixels)`.
pub(crate) fn glare(w: &Work, mask: &[bool], paper_level: f32) -> (f64, Option<[usize; 4]>) {
    let area = mask.iter().filter(|m| **m).count();
    if area == 0 {
        return (0.0, None);
    }
    let level = (paper_level + 10.0).max(244.0);
    let hot: Vec<bool> = w
        .rgb
        .iter()
        .zip(mask)
        .map(|(p, m)| {
            let spread =
                p.iter().copied().fold(0.0, f32::max) - p.iter().copied().fold(255.0, f32::min);
            *m && luma(*p) >= level && spread <= 24.0
        })
        .collect();
    let min_blob = (area as f64 * 0.002).max(4.0) as usize;
    let mut seen = vec![false; hot.len()];
    let mut total = 0usize;
    let mut largest: Option<(usize, [usize; 4])> = None;
    let mut stack = Vec::new();
    for start in 0..hot.len() {
        if !hot[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut n, mut x0, mut y0, mut x1, mut y1) = (0usize, usize::MAX, usize::MAX, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w.w, i / w.w);
            n += 1;
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
            let mut push = |j: usize| {
                if hot[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w.w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w.w);
            }
            if y + 1 < w.h {
                push(i + w.w);
            }
        }
        if n >= min_blob {
            total += n;
            if largest.is_none_or(|(m, _)| n > m) {
                largest = Some((n, [x0, y0, x1 - x0 + 1, y1 - y0 + 1]));
            }
        }
    }
    (total as f64 / area as f64, largest.map(|l| l.1))
}
