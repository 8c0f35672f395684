//! docgate-vision: pure measurements on one decoded page (`RgbImage → VisionMeasurements`):
//! the document's quadrilateral and corners, its pixel size, sharpness, colourfulness,
//! glare and red seals. No I/O; deterministic; never panics on any input (1×1, all black,
//! all white).
//!
//! Everything but sharpness runs on one area-averaged working copy of the whole frame
//! (long side ≤ [`FRAME_WORK_LONG`] px): edges and corners, the document mask, seals,
//! colour and glare. Sharpness needs detail, so it reads a few edge-rich tiles of the page
//! itself, resampled to a fixed scale relative to the document (long side
//! [`DOC_WORK_LONG`]). So after one pass over the page's pixels the cost is independent of
//! the camera, and the extra memory is a few MB whatever the page size (about 16 bytes per
//! working pixel: ≈ 8 MB for the frame copy, < 1 MB for the tiles). What is independent
//! runs side by side (rayon): the four sides' edge searches and the red-mark search, then
//! sharpness, colour and glare; so do the rows of the downscale and the tiles.

mod blur;
mod color;
mod glare;
mod quad;
mod seal;
mod work;

use docgate_core::{CornerMeasurement, Region, Seal, VisionMeasurements};
use image::RgbImage;

pub use docgate_core::VisionMeasurements as Measurements;

/// Long side of the frame's working copy (edges, seals, colour, glare).
pub const FRAME_WORK_LONG: u32 = 800;
/// The document's long side at the scale sharpness is measured at (pages whose document is
/// smaller are measured at their own scale, never upsampled). 1400 keeps a printed A4
/// page's small text several pixels tall, which sharpness needs to see defocus.
pub const DOC_WORK_LONG: u32 = 1400;

/// How far outside the frame (working pixels of the frame copy) a corner may be measured
/// and still count as at the frame's edge: the precision of two fitted edges' crossing.
pub const CORNER_TOL: f64 = 2.5;

/// Measures one decoded page. See [`VisionMeasurements`] for what each field means.
pub fn measure(img: &RgbImage) -> VisionMeasurements {
    let (iw, ih) = img.dimensions();
    let full: Region = [0, 0, iw, ih];
    let Some(frame) = work::downscale(img, full, FRAME_WORK_LONG) else {
        return empty(iw, ih);
    };
    let paper = quad::paper_colour(&frame);
    // The edges and the red marks are independent: side by side. A mark is kept as a seal
    // only once the document's size is known (below).
    let (edges, raw_seals) = rayon::join(|| quad::find(&frame, paper), || seal::find(&frame, 1.0));
    let found = edges.lines.iter().filter(|l| l.is_some()).count() as u32;

    // Corners: top-left = top ∩ left, top-right = top ∩ right, ...
    let pairs = [(0, 3), (0, 1), (2, 1), (2, 3)];
    let short = f64::from(iw.min(ih)).max(1.0);
    let mut pos: [Option<[f64; 2]>; 4] = [None; 4];
    if found >= 3 {
        for (k, (a, b)) in pairs.iter().enumerate() {
            if let (Some(la), Some(lb)) = (edges.lines[*a], edges.lines[*b]) {
                pos[k] = la.intersect(&lb).map(|p| frame.to_page(p[0], p[1]));
            }
        }
    }
    // A quadrilateral that is tiny or self-intersecting is not a document.
    if pos.iter().all(|p| p.is_some()) {
        let q: Vec<[f64; 2]> = pos.iter().flatten().copied().collect();
        if !convex(&q) || area(&q) < 0.03 * f64::from(iw) * f64::from(ih) {
            pos = [None; 4];
        }
    }
    let have_quad = pos.iter().filter(|p| p.is_some()).count() >= 2;
    let corners: Vec<CornerMeasurement> = if have_quad {
        pos.iter()
            .zip(pairs)
            .map(|(p, (a, b))| match p {
                Some(p) => {
                    let m = p[0]
                        .min(p[1])
                        .min(f64::from(iw) - p[0])
                        .min(f64::from(ih) - p[1]);
                    let m = at_edge_within_tolerance(m, frame.scale);
                    CornerMeasurement {
                        position: Some(*p),
                        margin_fraction: Some(m / short),
                        visible: m >= 0.0,
                        off_frame: false,
                    }
                }
                None => CornerMeasurement {
                    position: None,
                    margin_fraction: None,
                    visible: false,
                    off_frame: runs_off(&edges, &frame, a, b) || runs_off(&edges, &frame, b, a),
                },
            })
            .collect()
    } else {
        Vec::new()
    };

    // Document region: the known corners' box, reaching the frame edge on sides not found.
    let (region, size) = if have_quad {
        let known: Vec<[f64; 2]> = pos.iter().flatten().copied().collect();
        let mut x0 = known.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        let mut x1 = known.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max);
        let mut y0 = known.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        let mut y1 = known.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max);
        if edges.lines[0].is_none() {
            y0 = 0.0;
        }
        if edges.lines[1].is_none() {
            x1 = f64::from(iw);
        }
        if edges.lines[2].is_none() {
            y1 = f64::from(ih);
        }
        if edges.lines[3].is_none() {
            x0 = 0.0;
        }
        let cx0 = x0.clamp(0.0, f64::from(iw));
        let cy0 = y0.clamp(0.0, f64::from(ih));
        let cx1 = x1.clamp(0.0, f64::from(iw));
        let cy1 = y1.clamp(0.0, f64::from(ih));
        let region = [
            cx0 as u32,
            cy0 as u32,
            (cx1 - cx0).max(1.0) as u32,
            (cy1 - cy0).max(1.0) as u32,
        ];
        let size = if pos.iter().all(|p| p.is_some()) {
            let d = |a: usize, b: usize| {
                let (p, q) = (pos[a].unwrap_or_default(), pos[b].unwrap_or_default());
                ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
            };
            [
                ((d(0, 1) + d(3, 2)) / 2.0).round() as u32,
                ((d(0, 3) + d(1, 2)) / 2.0).round() as u32,
            ]
        } else {
            [region[2], region[3]]
        };
        (region, size)
    } else {
        (full, [iw, ih])
    };

    // Pixels of the document on the frame copy: inside the quadrilateral, 2 % of its short
    // side in from its edges (the edge itself and the background beyond it are not the
    // document); the document's box when there is no quadrilateral.
    let quad_frame: Option<Vec<[f64; 2]>> = pos.iter().all(|p| p.is_some()).then(|| {
        pos.iter()
            .flatten()
            .map(|p| frame.page_to_work(*p))
            .collect()
    });
    let bx = [
        f64::from(region[0]) / frame.scale,
        f64::from(region[1]) / frame.scale,
        f64::from(region[0] + region[2]) / frame.scale,
        f64::from(region[1] + region[3]) / frame.scale,
    ];
    let short_frame = (bx[2] - bx[0]).min(bx[3] - bx[1]);
    let mut mask = document_mask(&frame, bx, quad_frame.as_deref(), 0.02 * short_frame);
    if !mask.iter().any(|m| *m) {
        mask.iter_mut().for_each(|m| *m = true);
    }

    let doc_short_frame = f64::from(region[2].min(region[3])) / frame.scale;
    // A seal is on the document: at least 8 % of its short side across, its centre inside
    // the document's box, and smaller than the document (red things around a document are
    // not its seal).
    let in_doc = |s: &seal::RawSeal| {
        let c = frame.to_page(s.center[0], s.center[1]);
        let r = s.radii[0].max(s.radii[1]) * frame.scale;
        2.0 * s.radii[0].min(s.radii[1]) >= 0.08 * doc_short_frame
            && c[0] >= f64::from(region[0])
            && c[1] >= f64::from(region[1])
            && c[0] <= f64::from(region[0]) + f64::from(region[2])
            && c[1] <= f64::from(region[1]) + f64::from(region[3])
            && 2.0 * r <= 0.7 * f64::from(region[2].min(region[3]))
    };
    let frame_seals: Vec<&seal::RawSeal> = raw_seals.iter().filter(|s| in_doc(s)).collect();
    let seals: Vec<Seal> = frame_seals
        .iter()
        .map(|s| Seal {
            center: frame.to_page(s.center[0], s.center[1]),
            radii: [s.radii[0] * frame.scale, s.radii[1] * frame.scale],
            score: s.score,
        })
        .collect();
    // Colour is measured without the seals (a red stamp on a copy is not an original).
    let mut colour_mask = mask.clone();
    for s in &frame_seals {
        let (rx, ry) = ((s.radii[0] * 1.25).max(1.0), (s.radii[1] * 1.25).max(1.0));
        let (c, fw, fh) = (s.center, frame.w as f64, frame.h as f64);
        let (x0, x1) = ((c[0] - rx).max(0.0) as usize, (c[0] + rx).min(fw) as usize);
        let (y0, y1) = ((c[1] - ry).max(0.0) as usize, (c[1] + ry).min(fh) as usize);
        for y in y0..y1 {
            for x in x0..x1 {
                let dx = (x as f64 + 0.5 - c[0]) / rx;
                let dy = (y as f64 + 0.5 - c[1]) / ry;
                if dx * dx + dy * dy <= 1.0 {
                    colour_mask[y * frame.w + x] = false;
                }
            }
        }
    }
    // The document's outer band (2-10 % of its short side in from its edges), where a
    // licence's ornate border is printed: colour there counts even on the red hue axis,
    // which elsewhere is left out as possible seal ink. A seal is round and found (and
    // masked above); a printed border is a long band along the edges.
    let inner = document_mask(&frame, bx, quad_frame.as_deref(), 0.10 * short_frame);
    let band: Vec<bool> = if quad_frame.is_some() {
        mask.iter().zip(&inner).map(|(m, i)| *m && !*i).collect()
    } else {
        vec![false; mask.len()]
    };
    let doc_paper = paper_in(&frame, &mask);
    let paper_level = glare::paper_level(&frame, &mask);
    let blur_in = blur::Input {
        img,
        frame: &frame,
        mask: &mask,
        region,
    };
    let ((sharp, sharp_max), (colorfulness, (glare_fraction, glare_box))) = rayon::join(
        || blur::sharpness(&blur_in),
        || {
            rayon::join(
                || color::colorfulness(&frame, &colour_mask, &band, doc_paper),
                || glare::glare(&frame, &mask, paper_level),
            )
        },
    );
    let glare_region = glare_box.map(|b| {
        let p = frame.to_page(b[0] as f64, b[1] as f64);
        [
            p[0] as u32,
            p[1] as u32,
            (b[2] as f64 * frame.scale).ceil() as u32,
            (b[3] as f64 * frame.scale).ceil() as u32,
        ]
    });
    VisionMeasurements {
        corners,
        edges_found: found,
        document_region: region,
        document_size: size,
        sharpness: round2(sharp),
        sharpness_max: round2(sharp_max),
        colorfulness: round2(colorfulness),
        glare_fraction: (glare_fraction * 1e4).round() / 1e4,
        glare_region,
        seals,
    }
}

/// Pixels of the frame copy inside the document's quadrilateral `quad` (working pixels;
/// its box `bx` when there is none), at least `inset` working pixels in from its edges.
fn document_mask(
    frame: &work::Work,
    bx: [f64; 4],
    quad: Option<&[[f64; 2]]>,
    inset: f64,
) -> Vec<bool> {
    let half_planes = quad.map(|q| half_planes(q, inset));
    let mut mask: Vec<bool> = vec![false; frame.w * frame.h];
    for (y, row) in mask.chunks_mut(frame.w).enumerate() {
        let py = y as f64 + 0.5;
        if py < bx[1] + inset || py > bx[3] - inset {
            continue;
        }
        // The row's span inside every half-plane (pixel centres at x + 0.5).
        let (mut lo, mut hi) = (bx[0] + inset, bx[2] - inset);
        for l in half_planes.iter().flatten() {
            let rest = l[1] * py + l[2];
            if l[0].abs() < 1e-12 {
                if rest < 0.0 {
                    hi = f64::NEG_INFINITY;
                }
            } else if l[0] > 0.0 {
                lo = lo.max(-rest / l[0]);
            } else {
                hi = hi.min(-rest / l[0]);
            }
        }
        let a = (lo - 0.5).ceil().max(0.0);
        let b = (hi - 0.5).floor().min(frame.w as f64 - 1.0);
        if a <= b {
            row[a as usize..=b as usize]
                .iter_mut()
                .for_each(|m| *m = true);
        }
    }
    mask
}

/// Whether side `found`'s edge was seen up to the frame border on side `missing`'s end
/// (sides: 0 top, 1 right, 2 bottom, 3 left) while `missing`'s edge was not found: then
/// the document runs on past the frame there. An edge that stops short of the border
/// says nothing (the corner may be inside, its other edge merely not found).
fn runs_off(edges: &quad::Edges, frame: &work::Work, found: usize, missing: usize) -> bool {
    if edges.lines[missing].is_some() {
        return false;
    }
    let Some([lo, hi]) = edges.spans[found] else {
        return false;
    };
    // Along a horizontal edge x runs 0..w, along a vertical one y runs 0..h.
    let len = if matches!(found, 0 | 2) {
        frame.w
    } else {
        frame.h
    } as f64;
    // Candidates sit on every second scanline: the last one is within 2 px of the border.
    let tol = (0.015 * len).max(4.0);
    match missing {
        0 | 3 => lo <= tol,
        _ => hi >= len - tol,
    }
}

/// A corner's margin (page px, negative outside the frame) with the measurement's own
/// imprecision taken out: a corner is where two fitted lines meet, each good to about a
/// working pixel, so one less than [`CORNER_TOL`] working pixels (`scale` page px each)
/// outside the frame is at its edge as far as can be told (a scan cropped to the page).
fn at_edge_within_tolerance(m: f64, scale: f64) -> f64 {
    if m < 0.0 && m >= -CORNER_TOL * scale {
        0.0
    } else {
        m
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Measurements of a page too small to hold anything.
fn empty(w: u32, h: u32) -> VisionMeasurements {
    VisionMeasurements {
        corners: Vec::new(),
        edges_found: 0,
        document_region: [0, 0, w, h],
        document_size: [w, h],
        sharpness: 0.0,
        sharpness_max: 0.0,
        colorfulness: 0.0,
        glare_fraction: 0.0,
        glare_region: None,
        seals: Vec::new(),
    }
}

/// Twice the signed area's sign test: all cross products of consecutive edges agree.
fn convex(q: &[[f64; 2]]) -> bool {
    let n = q.len();
    let mut sign = 0.0f64;
    for i in 0..n {
        let (a, b, c) = (q[i], q[(i + 1) % n], q[(i + 2) % n]);
        let cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cross.abs() < 1e-9 {
            return false;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    true
}

/// Polygon area (shoelace).
fn area(q: &[[f64; 2]]) -> f64 {
    let n = q.len();
    (0..n)
        .map(|i| q[i][0] * q[(i + 1) % n][1] - q[(i + 1) % n][0] * q[i][1])
        .sum::<f64>()
        .abs()
        / 2.0
}

/// The paper colour of the document: [`quad::paper_colour`] on the masked pixels' box.
fn paper_in(frame: &work::Work, mask: &[bool]) -> [f32; 3] {
    // Row by row, each row's first and last masked pixel: no division per pixel.
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (y, row) in mask.chunks(frame.w.max(1)).enumerate() {
        let (Some(a), Some(b)) = (row.iter().position(|m| *m), row.iter().rposition(|m| *m)) else {
            continue;
        };
        x0 = x0.min(a);
        y0 = y0.min(y);
        x1 = x1.max(b);
        y1 = y1.max(y);
    }
    if x0 > x1 || y0 > y1 {
        return quad::paper_colour(frame);
    }
    quad::paper_colour_in(frame, [x0, y0, x1 + 1, y1 + 1])
}

/// The edges of the convex polygon `q` as half-planes `a·x + b·y + c ≥ 0` that hold at
/// least `inset` inside every edge.
fn half_planes(q: &[[f64; 2]], inset: f64) -> Vec<[f64; 3]> {
    let n = q.len();
    let orient = {
        let (a, b, c) = (q[0], q[1], q[2]);
        ((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])).signum()
    };
    (0..n)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % n]);
            let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2))
                .sqrt()
                .max(1e-9);
            // d(p) = ((b−a) × (p−a)) / len · orient − inset
            let ka = -(b[1] - a[1]) / len * orient;
            let kb = (b[0] - a[0]) / len * orient;
            [ka, kb, -(ka * a[0] + kb * a[1]) - inset]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corner_within_the_fit_precision_outside_the_frame_is_at_its_edge() {
        // 2 working px at 2 page px each: 4 px out is at the edge, 6 px out is outside.
        assert_eq!(at_edge_within_tolerance(-4.0, 2.0), 0.0);
        assert_eq!(at_edge_within_tolerance(-6.0, 2.0), -6.0);
        assert_eq!(at_edge_within_tolerance(3.0, 2.0), 3.0);
    }
}
