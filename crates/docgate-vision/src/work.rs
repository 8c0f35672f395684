//! Working copies: an area-averaged, downscaled float copy of (a region of) a page, so that
//! every measurement runs on at most about a megapixel whatever the camera produced.

use image::RgbImage;
use rayon::prelude::*;

/// A downscaled RGB copy of a page region, with its luma, and how to map back to the page.
#[derive(Debug, Clone)]
pub(crate) struct Work {
    /// Width in working pixels.
    pub w: usize,
    /// Height in working pixels.
    pub h: usize,
    /// Page pixels per working pixel (≥ 1: we never upsample).
    pub scale: f64,
    /// Page coordinates of the region's top-left corner.
    pub origin: [f64; 2],
    /// Row-major RGB, 0..255.
    pub rgb: Vec<[f32; 3]>,
    /// Row-major luma (BT.601), 0..255.
    pub luma: Vec<f32>,
}

impl Work {
    /// Page coordinates of a working-pixel position (pixel centres at +0.5).
    pub fn to_page(&self, x: f64, y: f64) -> [f64; 2] {
        [
            self.origin[0] + x * self.scale,
            self.origin[1] + y * self.scale,
        ]
    }

    /// Working coordinates of a page position.
    pub fn page_to_work(&self, p: [f64; 2]) -> [f64; 2] {
        [
            (p[0] - self.origin[0]) / self.scale,
            (p[1] - self.origin[1]) / self.scale,
        ]
    }
}

/// Luma of an RGB triple (BT.601).
#[inline]
pub(crate) fn luma(p: [f32; 3]) -> f32 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}

/// Area-averages `region` (`[x, y, w, h]`, clipped to the image) of `img` down so that its
/// long side is at most `max_long` working pixels. Each working pixel is the mean of the
/// page pixels it covers (a box filter exactly as wide as the step), which keeps noise
/// and aliasing low and costs one read of each source pixel. Rows run in parallel.
/// Returns `None` for an empty region.
pub(crate) fn downscale(img: &RgbImage, region: [u32; 4], max_long: u32) -> Option<Work> {
    let (iw, ih) = img.dimensions();
    let x0 = region[0].min(iw);
    let y0 = region[1].min(ih);
    let rw = region[2].min(iw - x0);
    let rh = region[3].min(ih - y0);
    if rw == 0 || rh == 0 {
        return None;
    }
    let long = rw.max(rh);
    let scale = (f64::from(long) / f64::from(max_long.max(1))).max(1.0);
    let w = ((f64::from(rw) / scale).round() as usize).clamp(1, rw as usize);
    let h = ((f64::from(rh) / scale).round() as usize).clamp(1, rh as usize);
    // Exact source spans per working column/row, so that blocks tile the region.
    let xs: Vec<(u32, u32)> = (0..w).map(|i| span(i, w, rw, x0)).collect();
    let raw = img.as_raw();
    let stride = iw as usize * 3;
    let (xa0, xb0) = (x0 as usize * 3, (x0 + rw) as usize * 3);
    let mut rgb = vec![[0f32; 3]; w * h];
    // Per working row: first the block's source rows summed column by column (one long,
    // branch-free loop the compiler vectorises), then each block's columns summed from that
    // row. Summing block by block instead ran loops a few pixels long, and cost more than
    // decoding the page.
    let widest = xs.iter().map(|&(a, b)| b - a).max().unwrap_or(1) as usize;
    rgb.par_chunks_mut(w).enumerate().for_each_init(
        || (vec![0u32; xb0 - xa0], vec![0f32; widest + 1]),
        |(acc, inv), (j, row)| {
            let (ya, yb) = span(j, h, rh, y0);
            // 1 / block area per column width (blocks are one of two widths): a division
            // per width and row, not per working pixel, where it was the tail's main cost.
            for (wd, k) in inv.iter_mut().enumerate() {
                *k = 1.0 / (wd as u32 * (yb - ya)).max(1) as f32;
            }
            let line = |y: u32| &raw[y as usize * stride + xa0..y as usize * stride + xb0];
            // The first row is copied in (no separate clearing pass), the others added.
            for (a, &v) in acc.iter_mut().zip(line(ya)) {
                *a = u32::from(v);
            }
            for y in ya + 1..yb {
                for (a, &v) in acc.iter_mut().zip(line(y)) {
                    *a += u32::from(v);
                }
            }
            for (out, &(xa, xb)) in row.iter_mut().zip(&xs) {
                let mut s = [0u32; 3];
                let (a, b) = ((xa - x0) as usize * 3, (xb - x0) as usize * 3);
                for px in acc[a..b].chunks_exact(3) {
                    s[0] += px[0];
                    s[1] += px[1];
                    s[2] += px[2];
                }
                let k = inv[(xb - xa) as usize];
                *out = [s[0] as f32 * k, s[1] as f32 * k, s[2] as f32 * k];
            }
        },
    );
    let luma = rgb.iter().map(|p| luma(*p)).collect();
    Some(Work {
        w,
        h,
        scale: f64::from(rw) / w as f64,
        origin: [f64::from(x0), f64::from(y0)],
        rgb,
        luma,
    })
}

/// The source span `[a, b)` of working index `i` out of `n` over a length `len` from `start`.
fn span(i: usize, n: usize, len: u32, start: u32) -> (u32, u32) {
    // n ≤ len, so a < len and every span holds at least one pixel.
    let a = ((i as u64 * u64::from(len) / n as u64) as u32).min(len.saturating_sub(1));
    let b = (((i + 1) as u64 * u64::from(len) / n as u64) as u32).clamp(a + 1, len.max(a + 1));
    (start + a, start + b)
}

/// The `q`-quantile (0..1) of `v` (reordered in place); 0 for an empty slice.
pub(crate) fn quantile(v: &mut [f32], q: f64) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let k = ((v.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    if let Some(x) = tail_select(v, k) {
        return x;
    }
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    *x
}

/// Sample stride of [`tail_select`].
const TAIL_STRIDE: usize = 16;

/// The element of rank `k` (in `f32::total_cmp` order) when it lies in a tail (the
/// colour and sharpness quantiles: 0.5-2 % from an end of a few hundred thousand values),
/// without a selection over all of them: a threshold from every 16th value that leaves
/// the rank inside the tail, one pass keeping the values beyond it, and a selection among
/// those few. Every value below (above) the threshold ranks below (above) every value
/// kept, so the result is the same element a full selection finds. `None` when `k` is not
/// in a tail or the threshold left it out (then the full selection runs).
fn tail_select(v: &[f32], k: usize) -> Option<f32> {
    let n = v.len();
    if n < 64 * TAIL_STRIDE {
        return None;
    }
    let upper = k >= n / 2;
    // Values on the tail's side of rank k, k itself included.
    let need = if upper { n - k } else { k + 1 };
    if need * 16 > n {
        return None;
    }
    let mut sample: Vec<f32> = v.iter().step_by(TAIL_STRIDE).copied().collect();
    let m = sample.len();
    // Twice the share needed, and a margin: the sample's spread around that rank.
    let j = (2 * need / TAIL_STRIDE + 8).min(m - 1);
    let r = if upper { m - 1 - j } else { j };
    let (_, t, _) = sample.select_nth_unstable_by(r, f32::total_cmp);
    let t = *t;
    let mut kept: Vec<f32> = if upper {
        v.iter()
            .copied()
            .filter(|x| x.total_cmp(&t).is_ge())
            .collect()
    } else {
        v.iter()
            .copied()
            .filter(|x| x.total_cmp(&t).is_le())
            .collect()
    };
    let c = kept.len();
    if c < need {
        return None;
    }
    // Upper tail: the c kept values are the top c, so rank k is rank k - (n - c) in them.
    let r = if upper { k - (n - c) } else { k };
    let (_, x, _) = kept.select_nth_unstable_by(r, f32::total_cmp);
    Some(*x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscale_averages_and_maps_back() {
        let img = RgbImage::from_fn(400, 200, |x, _| {
            image::Rgb([if x < 200 { 0 } else { 200 }; 3])
        });
        let w = downscale(&img, [0, 0, 400, 200], 100).expect("non-empty");
        assert_eq!((w.w, w.h), (100, 50));
        assert!((w.scale - 4.0).abs() < 1e-9);
        assert_eq!(w.luma[0], 0.0);
        assert!((w.luma[99] - 200.0).abs() < 0.5);
        assert_eq!(w.to_page(50.0, 0.0), [200.0, 0.0]);
    }

    #[test]
    fn tail_quantiles_equal_a_full_selection() {
        // Many ties, a signed zero and both tails: the same element as a full selection.
        let mut seed = 12345u64;
        let v: Vec<f32> = (0..50_000)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                match i % 97 {
                    0 => -0.0,
                    1 => 0.0,
                    _ => ((seed >> 40) % 3000) as f32 / 7.0,
                }
            })
            .collect();
        for q in [0.0, 0.001, 0.01, 0.02, 0.3, 0.5, 0.98, 0.99, 0.995, 1.0] {
            let mut a = v.clone();
            let k = ((a.len() - 1) as f64 * q).round() as usize;
            let (_, want, _) = a.select_nth_unstable_by(k, f32::total_cmp);
            let want = *want;
            let got = quantile(&mut v.clone(), q);
            assert_eq!(got.to_bits(), want.to_bits(), "q {q}");
        }
    }

    #[test]
    fn tiny_and_empty_regions() {
        let img = RgbImage::new(1, 1);
        assert!(downscale(&img, [0, 0, 1, 1], 1000).is_some());
        assert!(downscale(&img, [5, 5, 3, 3], 1000).is_none());
    }
}
