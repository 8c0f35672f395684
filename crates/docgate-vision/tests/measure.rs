//! Measurements on hand-made pages (not from the fixture generator): different proportions,
//! backgrounds and scales, each asserting one property a reviewer relies on.

use docgate_vision::measure;
use image::{Rgb, RgbImage};
use imageproc::filter::gaussian_blur_f32;

/// A document of `dw × dh` with text-like strokes in all directions, rotated by `deg`,
/// centred at `(cx, cy)` on a `w × h` frame with a striped brown or grey background.
#[allow(clippy::too_many_arguments)]
fn scene(w: u32, h: u32, dw: f32, dh: f32, cx: f32, cy: f32, deg: f32, colour: bool) -> RgbImage {
    let (s, c) = deg.to_radians().sin_cos();
    let unit = dw / 60.0;
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
        if u.abs() <= dw / 2.0 && v.abs() <= dh / 2.0 {
            let (a, b) = (u + dw / 2.0, v + dh / 2.0);
            // A coloured border band on colour originals.
            if colour
                && (a < 3.0 * unit || b < 3.0 * unit || dw - a < 3.0 * unit || dh - b < 3.0 * unit)
            {
                return Rgb([60, 110, 190]);
            }
            let (i, j) = ((a / unit) as i32, (b / unit) as i32);
            let inside_text =
                a > 6.0 * unit && a < dw - 6.0 * unit && b > 6.0 * unit && b < dh - 6.0 * unit;
            // Strokes: horizontal, vertical and diagonal segments in a character grid.
            let (fa, fb) = (a / unit - i as f32, b / unit - j as f32);
            let stroke = match (i + 3 * j).rem_euclid(4) {
                0 => (fb - 0.5).abs() < 0.12,
                1 => (fa - 0.5).abs() < 0.12,
                2 => (fa - fb).abs() < 0.15,
                _ => (fa + fb - 1.0).abs() < 0.15,
            };
            if inside_text && j % 2 == 0 && stroke {
                Rgb([30, 30, 35])
            } else {
                Rgb([236, 234, 228])
            }
        } else {
            let g = 110.0 + 25.0 * ((y as f32 * 0.07 + (x as f32 * 0.01).sin() * 3.0).sin());
            Rgb([g as u8, (g * 0.7) as u8, (g * 0.45) as u8])
        }
    })
}

#[test]
fn sharpness_is_scale_free_and_drops_with_blur() {
    // Two scales of one page, both with the document above the normalised size
    // (docgate_vision::DOC_WORK_LONG): below it a page is measured at its own scale.
    let small = scene(2400, 1800, 1600.0, 1040.0, 1200.0, 900.0, 3.0, true);
    let big = scene(4800, 3600, 3200.0, 2080.0, 2400.0, 1800.0, 3.0, true);
    const { assert!(1600 > docgate_vision::DOC_WORK_LONG) };
    let (s1, s2) = (measure(&small).sharpness, measure(&big).sharpness);
    assert!(s1 > 20.0 && s2 > 20.0, "sharp pages: {s1} {s2}");
    assert!(
        (s1 - s2).abs() < 0.25 * s1.max(s2),
        "same page, two scales: {s1} vs {s2}"
    );
    // The same blur relative to the page at both scales.
    let b1 = measure(&gaussian_blur_f32(&small, 3.5)).sharpness;
    let b2 = measure(&gaussian_blur_f32(&big, 7.0)).sharpness;
    assert!(
        b1 < 0.6 * s1 && b2 < 0.6 * s2,
        "blurred: {b1} {b2} vs sharp {s1} {s2}"
    );
    assert!(
        (b1 - b2).abs() < 0.35 * b1.max(b2).max(1.0),
        "blurred at two scales: {b1} vs {b2}"
    );
}

#[test]
fn motion_blur_is_seen_as_anisotropic() {
    let img = scene(1400, 1000, 900.0, 600.0, 700.0, 500.0, 0.0, true);
    let sharp = measure(&img);
    // Horizontal motion: average of 15 pixels along x.
    let (w, h) = img.dimensions();
    let smeared = RgbImage::from_fn(w, h, |x, y| {
        let mut acc = [0u32; 3];
        for t in -7i64..=7 {
            let sx = (x as i64 + t).clamp(0, w as i64 - 1) as u32;
            let p = img.get_pixel(sx, y).0;
            for k in 0..3 {
                acc[k] += u32::from(p[k]);
            }
        }
        Rgb(acc.map(|a| (a / 15) as u8))
    });
    let m = measure(&smeared);
    // The smear leaves thin strokes' ends steep but their contrast along x low: the
    // contrast-weighted score along x falls well below a third of the sharp page's.
    assert!(
        m.sharpness < 0.33 * sharp.sharpness,
        "{} vs {}",
        m.sharpness,
        sharp.sharpness
    );
    assert!(
        m.sharpness < 0.4 * m.sharpness_max,
        "anisotropy: {} / {}",
        m.sharpness,
        m.sharpness_max
    );
}

#[test]
fn quad_found_on_rotated_card_on_texture() {
    let (cx, cy, dw, dh, deg) = (640.0f64, 470.0f64, 700.0f64, 441.0f64, 8.0f64);
    let img = scene(
        1280, 960, dw as f32, dh as f32, cx as f32, cy as f32, deg as f32, true,
    );
    let m = measure(&img);
    assert_eq!(m.edges_found, 4, "{m:?}");
    assert!(m.hidden_corners().is_empty());
    let (s, c) = deg.to_radians().sin_cos();
    let truth = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)].map(|(a, b)| {
        let (u, v) = (a * dw / 2.0, b * dh / 2.0);
        [cx + u * c - v * s, cy + u * s + v * c]
    });
    for (k, t) in truth.iter().enumerate() {
        let p = m.corners[k].position.expect("corner");
        let d = ((p[0] - t[0]).powi(2) + (p[1] - t[1]).powi(2)).sqrt();
        assert!(d < 15.0, "corner {k}: {p:?} vs {t:?}");
    }
    let short = m.document_size[0].min(m.document_size[1]);
    assert!(
        (short as f64 - dh).abs() < 20.0,
        "document size {:?}",
        m.document_size
    );
}

#[test]
fn card_cut_by_the_frame_has_a_hidden_corner() {
    // The card's right part runs 60 px past the right frame edge.
    let img = scene(
        1280,
        960,
        700.0,
        441.0,
        1280.0 - 350.0 + 60.0,
        470.0,
        4.0,
        true,
    );
    let m = measure(&img);
    let hidden = m.hidden_corners();
    assert!(
        hidden.contains(&"top-right") || hidden.contains(&"bottom-right"),
        "hidden {hidden:?}, corners {:?}",
        m.corners
    );
}

#[test]
fn grey_copy_with_red_stamp_is_not_colour() {
    let mut copy = scene(1400, 1000, 1000.0, 700.0, 700.0, 500.0, 2.0, false);
    // Page on a neutral grey background, as a scan or photocopy would be.
    for p in copy.pixels_mut() {
        let l = ((u32::from(p.0[0]) * 299 + u32::from(p.0[1]) * 587 + u32::from(p.0[2]) * 114)
            / 1000) as u8;
        *p = Rgb([l, l, l]);
    }
    let grey = measure(&copy);
    // Stamp a red seal ring with a star-ish centre on the copy.
    let (sx, sy, r) = (900.0f32, 650.0f32, 110.0f32);
    for (x, y, p) in copy.enumerate_pixels_mut() {
        let d = ((x as f32 - sx).powi(2) + (y as f32 - sy).powi(2)).sqrt();
        if (d - r).abs() < 6.0 || d < 25.0 || ((d - 0.7 * r).abs() < 8.0 && (x / 9) % 2 == 0) {
            *p = Rgb([205, 45, 50]);
        }
    }
    let stamped = measure(&copy);
    assert!(!stamped.seals.is_empty(), "seal found");
    assert!(grey.colorfulness < 4.0, "grey copy {}", grey.colorfulness);
    assert!(
        stamped.colorfulness < 4.0,
        "stamped copy {}",
        stamped.colorfulness
    );
    let original = measure(&scene(1400, 1000, 1000.0, 700.0, 700.0, 500.0, 2.0, true));
    assert!(
        original.colorfulness >= 4.0,
        "colour original {}",
        original.colorfulness
    );
}

#[test]
fn glare_blob_is_measured() {
    let mut img = scene(1400, 1000, 1000.0, 700.0, 700.0, 500.0, 1.0, true);
    let clean = measure(&img).glare_fraction;
    let (gx, gy, r) = (650.0f32, 480.0f32, 150.0f32);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let d2 = ((x as f32 - gx).powi(2) + (y as f32 - gy).powi(2)) / (r * r);
        let k = (2.5 * (-d2).exp()).min(1.0);
        for ch in p.0.iter_mut() {
            *ch = (f32::from(*ch) + (255.0 - f32::from(*ch)) * k) as u8;
        }
    }
    let m = measure(&img);
    assert!(clean < 0.01, "clean {clean}");
    assert!(m.glare_fraction > 0.05, "glare {}", m.glare_fraction);
    let g = m.glare_region.expect("region");
    assert!(
        g[0] < 650 && g[0] + g[2] > 650 && g[1] < 480 && g[1] + g[3] > 480,
        "{g:?}"
    );
}

#[test]
fn degenerate_pages_do_not_panic() {
    for (w, h, v) in [
        (1, 1, 0u8),
        (1, 1, 255),
        (2, 3, 9),
        (3, 2000, 0),
        (640, 480, 0),
        (640, 480, 255),
        (17, 5, 128),
    ] {
        let m = measure(&RgbImage::from_pixel(w, h, Rgb([v, v, v])));
        assert!(
            m.sharpness.is_finite() && m.colorfulness.is_finite() && m.glare_fraction.is_finite()
        );
        assert!(m.glare_fraction <= 1.0);
    }
}

/// A white page on a white scanner bed: the only boundary is the faint shadow line the
/// paper's edge casts (a few levels, 1–2 px). The corners come from that line, so they are
/// found and inside the frame, not "edges not found".
#[test]
fn white_page_on_white_bed_is_bounded_by_its_faint_shadow_line() {
    let (w, h) = (1000u32, 1400u32);
    let (x0, y0, x1, y1) = (40u32, 50u32, 960u32, 1350u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([250, 250, 250]));
    for x in x0 - 2..x1 + 2 {
        for t in 1..=2 {
            img.put_pixel(x, y0 - t, Rgb([235, 235, 235]));
            img.put_pixel(x, y1 + t - 1, Rgb([232, 232, 232]));
        }
    }
    for y in y0..y1 {
        for t in 1..=2 {
            img.put_pixel(x0 - t, y, Rgb([236, 236, 236]));
            img.put_pixel(x1 + t - 1, y, Rgb([233, 233, 233]));
        }
    }
    // Text lines well inside the page: words of varying width, ragged ends.
    for row in 0..20u32 {
        let y = 200 + row * 50;
        let end = 700 + (row * 37) % 150;
        for x in 150 + (row * 13) % 40..end {
            if ((x + row * 7) * (row + 3) / 11) % 4 != 0 {
                for dy in 0..12 {
                    img.put_pixel(x, y + dy, Rgb([30, 30, 30]));
                }
            }
        }
    }
    let img = gaussian_blur_f32(&img, 0.6);
    let m = measure(&img);
    assert_eq!(m.corners.len(), 4, "{m:?}");
    let want = [
        [x0 as f64, y0 as f64],
        [x1 as f64, y0 as f64],
        [x1 as f64, y1 as f64],
        [x0 as f64, y1 as f64],
    ];
    for (c, t) in m.corners.iter().zip(want) {
        let p = c.position.expect("corner position");
        let d = ((p[0] - t[0]).powi(2) + (p[1] - t[1]).powi(2)).sqrt();
        assert!(d < 12.0, "corner {p:?} is {d:.1} px from {t:?}");
        assert!(c.visible);
    }
}

/// A licence-like page: paper with a dark printed border band inset from its edge, text
/// rows inside the band and one row of small print in the margin below it, placed at
/// (`left`, `top`) on a brown desk; parts past the frame are simply not in the picture.
fn bordered_page(w: u32, h: u32, left: i32, top: i32, pw: i32, ph: i32, inset: i32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (a, b) = (x as i32 - left, y as i32 - top);
        if a < 0 || b < 0 || a >= pw || b >= ph {
            let g = 120 + ((y / 7) % 3) as u8 * 6;
            return Rgb([g, (f32::from(g) * 0.7) as u8, (f32::from(g) * 0.45) as u8]);
        }
        let band = 18;
        let d = a.min(b).min(pw - 1 - a).min(ph - 1 - b);
        if d >= inset && d < inset + band && (a + b) % 6 < 3 {
            return Rgb([90, 60, 50]);
        }
        // Text rows inside the band, and a row of small print in the bottom margin.
        let inside = d >= inset + band + 30;
        let margin_row = b > ph - inset + 8 && b < ph - inset + 22 && a > pw / 5 && a < pw * 4 / 5;
        let text =
            (inside && (b / 14) % 3 == 0 && (a / 9) % 3 != 0) || (margin_row && (a / 7) % 3 != 0);
        if text {
            Rgb([35, 35, 40])
        } else {
            Rgb([238, 234, 226])
        }
    })
}

#[test]
fn page_running_off_the_frame_past_its_printed_border_is_cut() {
    // The paper's bottom edge is 60 px below the frame; its printed border and the small
    // print under it are inside. The border's outer line is straight and strong, but the
    // printed paper beyond it shows it is not the paper's edge.
    let img = bordered_page(1000, 1300, 120, 90, 760, 1270, 110);
    let m = measure(&img);
    let hidden = m.hidden_corners();
    assert!(
        hidden.contains(&"bottom-left") && hidden.contains(&"bottom-right"),
        "hidden {hidden:?}, corners {:?}",
        m.corners
    );
    assert!(
        m.corners.iter().any(|c| !c.visible && c.off_frame),
        "the cut must be seen as running off the frame: {:?}",
        m.corners
    );
    // The same page wholly inside the frame keeps all four corners.
    let whole = bordered_page(1000, 1400, 120, 60, 760, 1270, 110);
    let m = measure(&whole);
    assert!(m.hidden_corners().is_empty(), "{:?}", m.corners);
    assert_eq!(m.edges_found, 4);
}

#[test]
fn a_tinted_card_under_a_large_glare_patch_keeps_its_edges() {
    // A plain bluish card on a dark green desk, a blown-out patch over 40 % of the middle
    // of the frame: the brightest part of the middle is the glare, not the card, and no
    // edge is found with the glare's colour as the paper's.
    let (w, h) = (1280u32, 960u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let (dx, dy) = (fx - 640.0, fy - 480.0);
        let r = (dx * dx + dy * dy).sqrt();
        let on_card = (170.0..1110.0).contains(&fx) && (190.0..770.0).contains(&fy);
        if !on_card {
            return Rgb([40, 60, 35]);
        }
        if r < 200.0 {
            return Rgb([255, 255, 255]);
        }
        Rgb([205, 218, 238])
    });
    let m = measure(&img);
    assert_eq!(m.edges_found, 4, "{:?}", m.corners);
    assert!(m.hidden_corners().is_empty(), "{:?}", m.corners);
    let short = m.document_size[0].min(m.document_size[1]);
    assert!((short as f64 - 580.0).abs() < 20.0, "{:?}", m.document_size);
}

#[test]
fn a_border_printed_in_seal_red_is_colour_a_stamp_is_not() {
    // A licence whose ornate border is printed in the red of seal ink, and nothing else in
    // colour: the border runs along the document's edges, where no seal sits.
    let mut img = bordered_page(1280, 1000, 140, 90, 1000, 820, 30);
    for p in img.pixels_mut() {
        if p.0 == [90, 60, 50] {
            *p = Rgb([150, 52, 48]);
        }
    }
    let m = measure(&img);
    assert!(
        m.colorfulness >= 3.0,
        "red-bordered original {}",
        m.colorfulness
    );
    // The same page in grey with a red seal stamped in the middle: still a copy.
    let mut copy = bordered_page(1280, 1000, 140, 90, 1000, 820, 30);
    let (sx, sy, r) = (640.0f32, 500.0f32, 110.0f32);
    for (x, y, p) in copy.enumerate_pixels_mut() {
        let l = ((u32::from(p.0[0]) * 299 + u32::from(p.0[1]) * 587 + u32::from(p.0[2]) * 114)
            / 1000) as u8;
        *p = Rgb([l, l, l]);
        let d = ((x as f32 - sx).powi(2) + (y as f32 - sy).powi(2)).sqrt();
        if (d - r).abs() < 6.0 || d < 25.0 || ((d - 0.7 * r).abs() < 8.0 && (x / 9) % 2 == 0) {
            *p = Rgb([205, 45, 50]);
        }
    }
    let m = measure(&copy);
    assert!(m.colorfulness < 3.0, "stamped grey copy {}", m.colorfulness);
}

/// A white page on a white bed running off the frame on the right: its only edges are the
/// faint shadow lines on the other three sides. The right side's walk crosses the whole
/// page to the left edge's shadow line; that line is the left edge, not the right one, so
/// the right corners are unknown (and cut: the top and bottom edges run to the border)
/// while the left ones are found.
#[test]
fn one_shadow_line_is_not_both_opposite_edges() {
    let (w, h) = (1000u32, 1400u32);
    let (x0, y0, y1) = (60u32, 50u32, 1350u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([250, 250, 250]));
    for x in x0 - 2..w {
        for t in 1..=2 {
            img.put_pixel(x, y0 - t, Rgb([235, 235, 235]));
            img.put_pixel(x, y1 + t - 1, Rgb([232, 232, 232]));
        }
    }
    for y in y0..y1 {
        for t in 1..=2 {
            img.put_pixel(x0 - t, y, Rgb([236, 236, 236]));
        }
    }
    // Sparse print, as on a letter: under 5 % ink, so the page itself does not show it
    // is printed paper beyond a line.
    for row in 0..8u32 {
        let y = 200 + row * 120;
        for x in 200..800 {
            if ((x + row * 7) * (row + 3) / 11) % 4 != 0 {
                for dy in 0..12 {
                    img.put_pixel(x, y + dy, Rgb([30, 30, 30]));
                }
            }
        }
    }
    let img = gaussian_blur_f32(&img, 0.6);
    let m = measure(&img);
    assert_eq!(m.corners.len(), 4, "{m:?}");
    assert_eq!(
        m.hidden_corners(),
        ["top-right", "bottom-right"],
        "{:?}",
        m.corners
    );
    let tl = m.corners[0].position.expect("top-left");
    assert!((tl[0] - f64::from(x0)).abs() < 12.0, "{tl:?}");
}

/// A scan cropped 5 px outside a slightly grey page on a white lid: the edge is a plain
/// step, closer to the frame border than a full band of the step detector, and is found.
#[test]
fn an_edge_a_few_pixels_from_the_frame_border_is_found() {
    let (w, h, e) = (420u32, 600u32, 5u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        if x < e || y < e || x >= w - e || y >= h - e {
            return Rgb([251, 251, 251]);
        }
        let text =
            y > 60 && y < h - 60 && x > 50 && x < w - 50 && (y / 9) % 3 == 0 && (x / 5) % 3 != 0;
        if text {
            Rgb([30, 30, 30])
        } else {
            Rgb([242, 242, 242])
        }
    });
    let img = gaussian_blur_f32(&img, 0.6);
    let m = measure(&img);
    assert_eq!(m.edges_found, 4, "{m:?}");
    assert!(m.hidden_corners().is_empty(), "{:?}", m.corners);
    let tl = m.corners[0].position.expect("top-left");
    assert!(
        (tl[0] - f64::from(e)).abs() < 3.0 && (tl[1] - f64::from(e)).abs() < 3.0,
        "{tl:?}"
    );
}

/// A large scan of a white page on a white lid whose shadow line is one page pixel, 6
/// levels deep: averaged into the working copy it is about 2 levels deep, under the step
/// detector's 3, and is still the page's edge on all four sides.
#[test]
fn a_shadow_line_two_levels_deep_in_the_working_copy_is_an_edge() {
    let (w, h) = (1600u32, 2200u32);
    let (x0, y0, x1, y1) = (50u32, 60u32, 1550u32, 2140u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([250, 250, 250]));
    for x in x0..=x1 {
        img.put_pixel(x, y0, Rgb([244, 244, 244]));
        img.put_pixel(x, y1, Rgb([244, 244, 244]));
    }
    for y in y0..=y1 {
        img.put_pixel(x0, y, Rgb([244, 244, 244]));
        img.put_pixel(x1, y, Rgb([244, 244, 244]));
    }
    for row in 0..10u32 {
        let y = 300 + row * 160;
        for x in 300..1300 {
            if ((x + row * 7) * (row + 3) / 11) % 4 != 0 {
                for dy in 0..16 {
                    img.put_pixel(x, y + dy, Rgb([30, 30, 30]));
                }
            }
        }
    }
    let m = measure(&img);
    assert_eq!(m.edges_found, 4, "{m:?}");
    let want = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    for (c, t) in m.corners.iter().zip(want) {
        let p = c.position.expect("corner position");
        let d = ((p[0] - f64::from(t[0])).powi(2) + (p[1] - f64::from(t[1])).powi(2)).sqrt();
        assert!(
            d < 12.0 && c.visible,
            "corner {p:?} is {d:.1} px from {t:?}"
        );
    }
}

/// A card on a mauve desk that runs off the top of the frame, with a row of short grey
/// dashes (a quarter of the width printed) across it: the dashes' lower sides line up, but
/// paper lies between them, so they are no edge, and the top corners are off the frame.
#[test]
fn a_row_of_dashes_across_a_cut_card_is_not_its_top_edge() {
    let (w, h) = (1280u32, 960u32);
    let (x0, x1, y1) = (200u32, 1080u32, 600u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        if x < x0 || x >= x1 || y >= y1 {
            return Rgb([165, 140, 180]);
        }
        if (150..160).contains(&y) && (x / 12) % 4 == 0 {
            Rgb([180, 180, 186])
        } else {
            Rgb([236, 234, 228])
        }
    });
    let m = measure(&img);
    assert_eq!(m.edges_found, 3, "{m:?}");
    let hidden = m.hidden_corners();
    assert!(
        hidden.contains(&"top-left") && hidden.contains(&"top-right"),
        "{:?}",
        m.corners
    );
    assert!(
        m.corners[0].off_frame && m.corners[1].off_frame,
        "{:?}",
        m.corners
    );
}

/// A card on a mottled grey cloth whose blotches step by a few levels: the walk in from
/// the border meets several such steps before the card's own edge, and the edge is still
/// found on every side.
#[test]
fn an_edge_behind_a_mottled_background_is_found() {
    let (w, h) = (1280u32, 960u32);
    let (x0, y0, x1, y1) = (240u32, 150u32, 1040u32, 650u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
            return Rgb([236, 234, 228]);
        }
        let (fx, fy) = (x as f32, y as f32);
        let n = (fx * 0.09 + 2.0 * (fy * 0.05).sin()).sin()
            * (fy * 0.08 + 2.0 * (fx * 0.04).sin()).sin();
        let g = (150.0 + 12.0 * n) as u8;
        Rgb([g, g, g])
    });
    let m = measure(&img);
    assert_eq!(m.edges_found, 4, "{m:?}");
    let want = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    for (c, t) in m.corners.iter().zip(want) {
        let p = c.position.expect("corner position");
        let d = ((p[0] - f64::from(t[0])).powi(2) + (p[1] - f64::from(t[1])).powi(2)).sqrt();
        assert!(d < 8.0 && c.visible, "corner {p:?} is {d:.1} px from {t:?}");
    }
}

/// A licence with its ornate border printed in seal red and the registration authority's
/// seal stamped over the border's corner, as authorities stamp near the bottom right: the
/// seal is found where it was stamped, and the border alone is no seal.
#[test]
fn a_seal_stamped_over_a_red_border_is_found_and_the_border_is_no_seal() {
    let red_border = || {
        let mut img = bordered_page(1280, 1000, 140, 90, 1000, 820, 30);
        for p in img.pixels_mut() {
            if p.0 == [90, 60, 50] {
                *p = Rgb([150, 52, 48]);
            }
        }
        img
    };
    let plain = measure(&red_border());
    assert!(plain.seals.is_empty(), "border only: {:?}", plain.seals);
    // The ring crosses the border band (page x 1140 - 30 - 18 .. 1140 - 30).
    let mut img = red_border();
    let (sx, sy, r) = (1030.0f32, 760.0f32, 95.0f32);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let d = ((x as f32 - sx).powi(2) + (y as f32 - sy).powi(2)).sqrt();
        if (d - r).abs() < 5.0 || d < 22.0 || ((d - 0.7 * r).abs() < 7.0 && (x / 9) % 2 == 0) {
            *p = Rgb([205, 45, 50]);
        }
    }
    let m = measure(&img);
    let seal = m.seals.iter().find(|s| {
        (s.center[0] - f64::from(sx)).abs() < 25.0
            && (s.center[1] - f64::from(sy)).abs() < 25.0
            && (s.radii[0] - f64::from(r)).abs() < 20.0
    });
    assert!(seal.is_some(), "stamped over the border: {:?}", m.seals);
}
