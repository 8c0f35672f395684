//! Colour original or greyscale copy: how far the document's pixels stray from grey once
//! a uniform colour cast is removed, with red seals left out.
//!
//! Why: a photocopy photographed under warm light is uniformly tinted, so raw chroma would
//! call it colour; dividing each channel by the paper's own colour (von Kries white
//! balance on the paper) removes any cast that scales channels. A red company seal stamped
//! on a copy is colour, but it does not make the copy an original: the seals found are
//! masked out before measuring. What remains colourful on an original (printed borders,
//! emblems, tinted security patterns, photos) is what copies lose.

use crate::work::{luma, quantile, Work};

/// Colourfulness, 0 for grey: the 97th percentile of white-balanced chroma (levels) over
/// mid-tone pixels where `mask` is true.
pub(crate) fn colorfulness(w: &Work, mask: &[bool], paper: [f32; 3]) -> f64 {
    let pl = luma(paper).max(1.0);
    let gain = paper.map(|c| pl / c.max(1.0));
    let mut chroma: Vec<f32> = w
        .rgb
        .iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .filter_map(|(p, _)| {
            let l = luma(*p);
            // Very dark pixels carry little reliable chroma (JPEG, noise); saturated ones none.
            if !(40.0..=250.0).contains(&l) {
                return None;
            }
            let r = p[0] * gain[0];
            let g = p[1] * gain[1];
            let b = p[2] * gain[2];
            let rg = r - g;
            let yb = 0.5 * (r + g) - b;
            Some((rg * rg + yb * yb).sqrt())
        })
        .collect();
    if chroma.len() < 16 {
        return 0.0;
    }
    f64::from(quantile(&mut chroma, 0.97))
}
