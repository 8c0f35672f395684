//! Drawing primitives for paper documents: paper, ink (multiply-blended, so red seal ink
//! over black text leaves the text black, as real stamp ink does), text, rules, seals,
//! QR-like blocks and handwritten-looking signatures.

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{GrayImage, Luma, Rgb, RgbImage};
use rand::Rng;

/// Black-ish printing ink.
pub const INK: Rgb<u8> = Rgb([28, 26, 30]);
/// Seal red (slightly bluish like stamp-pad ink).
pub const SEAL_RED: Rgb<u8> = Rgb([214, 30, 48]);

/// A paper-coloured page with faint fibre noise. `tone` is the base colour.
pub fn paper(w: u32, h: u32, tone: Rgb<u8>, rng: &mut impl Rng) -> RgbImage {
    // No real paper is flat, but per-pixel grain costs JPEG bytes the repository cannot
    // afford; capture adds sensor noise anyway. So: a gentle low-frequency unevenness.
    let (ax, ay) = (
        rng.gen_range(0.001..0.004f32),
        rng.gen_range(0.001..0.004f32),
    );
    let (px, py) = (
        rng.gen_range(0.0..std::f32::consts::TAU),
        rng.gen_range(0.0..std::f32::consts::TAU),
    );
    let amp = rng.gen_range(1.0..3.0f32);
    RgbImage::from_fn(w, h, |x, y| {
        let d = amp * ((x as f32 * ax + px).sin() + (y as f32 * ay + py).cos()) / 2.0;
        Rgb(tone.0.map(|c| (c as f32 + d).clamp(0.0, 255.0) as u8))
    })
}

/// Multiply-blends `color` into `img` where `mask` has coverage, scaled by `opacity`.
pub fn apply_ink(
    img: &mut RgbImage,
    mask: &GrayImage,
    ox: i32,
    oy: i32,
    color: Rgb<u8>,
    opacity: f32,
) {
    for (mx, my, m) in mask.enumerate_pixels() {
        if m.0[0] == 0 {
            continue;
        }
        let x = ox + mx as i32;
        let y = oy + my as i32;
        if x < 0 || y < 0 || x >= img.width() as i32 || y >= img.height() as i32 {
            continue;
        }
        let a = m.0[0] as f32 / 255.0 * opacity;
        let p = img.get_pixel_mut(x as u32, y as u32);
        for c in 0..3 {
            let ink = color.0[c] as f32 / 255.0;
            let f = 1.0 - a + a * ink;
            p.0[c] = (p.0[c] as f32 * f).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Width of `text` at `px` pixels.
pub fn text_width(font: &FontVec, px: f32, text: &str) -> f32 {
    let sf = font.as_scaled(PxScale::from(px));
    let mut w = 0.0;
    let mut prev = None;
    for ch in text.chars() {
        let id = sf.glyph_id(ch);
        if let Some(p) = prev {
            w += sf.kern(p, id);
        }
        w += sf.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Rasterises `text` into a coverage mask; `spacing` adds pixels between characters.
pub fn text_mask(font: &FontVec, px: f32, text: &str, spacing: f32) -> GrayImage {
    let sf = font.as_scaled(PxScale::from(px));
    let n = text.chars().count() as f32;
    let w = (text_width(font, px, text) + spacing * n).ceil() as u32 + 4;
    let h = (sf.ascent() - sf.descent()).ceil() as u32 + 4;
    let mut mask = GrayImage::new(w.max(1), h.max(1));
    let mut x = 2.0;
    let mut prev = None;
    for ch in text.chars() {
        let id = sf.glyph_id(ch);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        let glyph =
            id.with_scale_and_position(PxScale::from(px), ab_glyph::point(x, 2.0 + sf.ascent()));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, c| {
                let px_ = b.min.x as i32 + gx as i32;
                let py_ = b.min.y as i32 + gy as i32;
                if px_ >= 0
                    && py_ >= 0
                    && (px_ as u32) < mask.width()
                    && (py_ as u32) < mask.height()
                {
                    let m = mask.get_pixel_mut(px_ as u32, py_ as u32);
                    m.0[0] = m.0[0].max((c * 255.0) as u8);
                }
            });
        }
        x += sf.h_advance(id) + spacing;
        prev = Some(id);
    }
    mask
}

/// Draws `text` with its top-left at (x, y). Returns the drawn width.
pub fn text(
    img: &mut RgbImage,
    font: &FontVec,
    px: f32,
    x: f32,
    y: f32,
    s: &str,
    color: Rgb<u8>,
) -> f32 {
    let mask = text_mask(font, px, s, 0.0);
    apply_ink(img, &mask, x as i32 - 2, y as i32 - 2, color, 0.95);
    mask.width() as f32 - 4.0
}

/// Draws `text` spaced out so it fills exactly `width` pixels (titles like 营 业 执 照).
// Position, size, width, text and colour are all needed; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn text_spread(
    img: &mut RgbImage,
    font: &FontVec,
    px: f32,
    x: f32,
    y: f32,
    width: f32,
    s: &str,
    color: Rgb<u8>,
) {
    let n = s.chars().count().max(2) as f32;
    let natural = text_width(font, px, s);
    let spacing = ((width - natural) / (n - 1.0)).max(0.0);
    let mask = text_mask(font, px, s, spacing);
    apply_ink(img, &mask, x as i32 - 2, y as i32 - 2, color, 0.95);
}

/// Draws `text` wrapped to `width`, returning the y after the last line.
#[allow(clippy::too_many_arguments)]
pub fn text_wrapped(
    img: &mut RgbImage,
    font: &FontVec,
    px: f32,
    x: f32,
    y: f32,
    width: f32,
    s: &str,
    line_gap: f32,
    color: Rgb<u8>,
) -> f32 {
    let mut line = String::new();
    let mut yy = y;
    for ch in s.chars() {
        line.push(ch);
        if text_width(font, px, &line) > width {
            line.pop();
            text(img, font, px, x, yy, &line, color);
            yy += px * line_gap;
            line.clear();
            line.push(ch);
        }
    }
    if !line.is_empty() {
        text(img, font, px, x, yy, &line, color);
        yy += px * line_gap;
    }
    yy
}

/// A filled axis-aligned rectangle of ink.
pub fn rect(img: &mut RgbImage, x: i32, y: i32, w: u32, h: u32, color: Rgb<u8>, opacity: f32) {
    let mask = GrayImage::from_pixel(w.max(1), h.max(1), Luma([255]));
    apply_ink(img, &mask, x, y, color, opacity);
}

/// A rectangle outline `t` pixels thick.
pub fn frame(img: &mut RgbImage, x: i32, y: i32, w: u32, h: u32, t: u32, color: Rgb<u8>) {
    rect(img, x, y, w, t, color, 0.95);
    rect(img, x, y + h as i32 - t as i32, w, t, color, 0.95);
    rect(img, x, y, t, h, color, 0.95);
    rect(img, x + w as i32 - t as i32, y, t, h, color, 0.95);
}

/// Stamps a disc of radius `r` at (x, y) into a mask (used for strokes).
fn dab(mask: &mut GrayImage, x: f32, y: f32, r: f32, v: f32) {
    let (w, h) = mask.dimensions();
    let x0 = (x - r - 1.0).floor().max(0.0) as u32;
    let y0 = (y - r - 1.0).floor().max(0.0) as u32;
    let x1 = ((x + r + 1.0).ceil() as u32).min(w.saturating_sub(1));
    let y1 = ((y + r + 1.0).ceil() as u32).min(h.saturating_sub(1));
    for yy in y0..=y1 {
        for xx in x0..=x1 {
            let d = ((xx as f32 - x).powi(2) + (yy as f32 - y).powi(2)).sqrt();
            let c = (r + 0.5 - d).clamp(0.0, 1.0) * v;
            let m = mask.get_pixel_mut(xx, yy);
            m.0[0] = m.0[0].max((c * 255.0) as u8);
        }
    }
}

/// A ring (circle outline) of radius `r`, `t` thick, into a mask.
pub fn ring(mask: &mut GrayImage, cx: f32, cy: f32, r: f32, t: f32) {
    let (w, h) = mask.dimensions();
    for y in 0..h {
        for x in 0..w {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            let c = (t / 2.0 + 0.5 - (d - r).abs()).clamp(0.0, 1.0);
            if c > 0.0 {
                let m = mask.get_pixel_mut(x, y);
                m.0[0] = m.0[0].max((c * 255.0) as u8);
            }
        }
    }
}

/// A filled five-pointed star centred at (cx, cy) with outer radius `r`, into a mask.
pub fn star(mask: &mut GrayImage, cx: f32, cy: f32, r: f32) {
    let pts: Vec<(f32, f32)> = (0..10)
        .map(|i| {
            let a = -std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
            let rr = if i % 2 == 0 { r } else { r * 0.382 };
            (cx + rr * a.cos(), cy + rr * a.sin())
        })
        .collect();
    let (w, h) = mask.dimensions();
    for y in (cy - r).max(0.0) as u32..((cy + r) as u32).min(h) {
        for x in (cx - r).max(0.0) as u32..((cx + r) as u32).min(w) {
            // 2x2 supersampling for a smooth edge.
            let mut cov = 0.0;
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                if inside(&pts, x as f32 + sx, y as f32 + sy) {
                    cov += 0.25;
                }
            }
            if cov > 0.0 {
                let m = mask.get_pixel_mut(x, y);
                m.0[0] = m.0[0].max((cov * 255.0) as u8);
            }
        }
    }
}

fn inside(poly: &[(f32, f32)], x: f32, y: f32) -> bool {
    let mut c = false;
    let n = poly.len();
    for i in 0..n {
        let (xi, yi) = poly[i];
        let (xj, yj) = poly[(i + n - 1) % n];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            c = !c;
        }
    }
    c
}

/// Pastes a mask rotated by `angle` (radians) centred at (cx, cy) into `dst` (max-combined).
fn paste_rotated(dst: &mut GrayImage, src: &GrayImage, cx: f32, cy: f32, angle: f32) {
    let (sw, sh) = src.dimensions();
    let (scx, scy) = (sw as f32 / 2.0, sh as f32 / 2.0);
    let rad = ((sw * sw + sh * sh) as f32).sqrt() / 2.0 + 1.0;
    let (s, c) = angle.sin_cos();
    let (w, h) = dst.dimensions();
    for y in (cy - rad).max(0.0) as u32..((cy + rad) as u32).min(h) {
        for x in (cx - rad).max(0.0) as u32..((cx + rad) as u32).min(w) {
            let dx = x as f32 - cx;
            let dy = y as f32 - cy;
            // Inverse rotation into the source.
            let sx = c * dx + s * dy + scx;
            let sy = -s * dx + c * dy + scy;
            if sx < 0.0 || sy < 0.0 || sx >= sw as f32 - 1.0 || sy >= sh as f32 - 1.0 {
                continue;
            }
            let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
            let (fx, fy) = (sx.fract(), sy.fract());
            let g = |xx, yy| src.get_pixel(xx, yy).0[0] as f32;
            let v = g(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + g(x0 + 1, y0) * fx * (1.0 - fy)
                + g(x0, y0 + 1) * (1.0 - fx) * fy
                + g(x0 + 1, y0 + 1) * fx * fy;
            let m = dst.get_pixel_mut(x, y);
            m.0[0] = m.0[0].max(v as u8);
        }
    }
}

/// A round red seal: ring, star, the organisation name as arc text along the top, an
/// optional line under the star. Stamped semi-transparently with uneven ink.
#[allow(clippy::too_many_arguments)]
pub fn seal(
    img: &mut RgbImage,
    font: &FontVec,
    cx: f32,
    cy: f32,
    r: f32,
    arc_text: &str,
    bottom: &str,
    rng: &mut impl Rng,
) {
    let size = (2.0 * r + 8.0) as u32;
    let mut mask = GrayImage::new(size, size);
    let c = size as f32 / 2.0;
    ring(&mut mask, c, c, r - r * 0.03, r * 0.055);
    star(&mut mask, c, c, r * 0.3);
    let n = arc_text.chars().count().max(1);
    let span = (200.0f32 + 25.0 * (n as f32 / 18.0).min(1.0))
        .to_radians()
        .min(n as f32 * 0.42);
    let px = (r * 0.25).min(2.6 * r * span / n as f32 / 2.0);
    let text_r = r * 0.72;
    for (i, ch) in arc_text.chars().enumerate() {
        let t = if n == 1 {
            0.5
        } else {
            i as f32 / (n - 1) as f32
        };
        let a = -std::f32::consts::FRAC_PI_2 - span / 2.0 + t * span;
        let gm = text_mask(font, px, &ch.to_string(), 0.0);
        paste_rotated(
            &mut mask,
            &gm,
            c + text_r * a.cos(),
            c + text_r * a.sin(),
            a + std::f32::consts::FRAC_PI_2,
        );
    }
    if !bottom.is_empty() {
        let bpx = r * 0.17;
        let bm = text_mask(font, bpx, bottom, 0.0);
        paste_rotated(&mut mask, &bm, c, c + r * 0.52, 0.0);
    }
    // Stamp ink is uneven: blotchy coverage and a few gaps.
    let blotch = rng.gen_range(0.05..0.3f32);
    let phase: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    for (x, y, m) in mask.enumerate_pixels_mut() {
        if m.0[0] == 0 {
            continue;
        }
        let wave = ((x as f32 * 0.05 + phase).sin() * (y as f32 * 0.043 - phase).cos() + 1.0) / 2.0;
        let noise: f32 = rng.gen_range(0.85..1.0);
        m.0[0] = (m.0[0] as f32 * (1.0 - blotch * wave) * noise) as u8;
    }
    let opacity = rng.gen_range(0.7..0.9);
    let color = Rgb([
        SEAL_RED.0[0].saturating_sub(rng.gen_range(0..30)),
        SEAL_RED.0[1],
        SEAL_RED.0[2] + rng.gen_range(0..20),
    ]);
    apply_ink(img, &mask, (cx - c) as i32, (cy - c) as i32, color, opacity);
}

/// A QR-code-like block: three finder squares and random modules.
pub fn qr_block(img: &mut RgbImage, x: i32, y: i32, size: u32, rng: &mut impl Rng) {
    let n = 29u32;
    let m = (size / n).max(1);
    let finder = |i: u32, j: u32| -> Option<bool> {
        for (fx, fy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            if i >= fx && i < fx + 7 && j >= fy && j < fy + 7 {
                let (a, b) = (i - fx, j - fy);
                let edge = a == 0 || b == 0 || a == 6 || b == 6;
                let core = (2..=4).contains(&a) && (2..=4).contains(&b);
                return Some(edge || core);
            }
            if i + 1 >= fx && i <= fx + 7 && j + 1 >= fy && j <= fy + 7 {
                return Some(false);
            }
        }
        None
    };
    for j in 0..n {
        for i in 0..n {
            let on = finder(i, j).unwrap_or_else(|| rng.gen_bool(0.5));
            if on {
                rect(img, x + (i * m) as i32, y + (j * m) as i32, m, m, INK, 0.95);
            }
        }
    }
}

/// A handwritten-looking signature: a few cubic Bézier strokes with varying pen pressure.
pub fn signature(img: &mut RgbImage, x: f32, y: f32, w: f32, h: f32, rng: &mut impl Rng) {
    let mut mask = GrayImage::new(w as u32 + 20, h as u32 + 20);
    let strokes = rng.gen_range(3..7);
    let pen = rng.gen_range(1.6..3.2f32) * (h / 90.0).max(0.6);
    let mut cursor = 10.0;
    for _ in 0..strokes {
        let seg_w = w / strokes as f32 * rng.gen_range(0.9..1.6);
        let p0 = (cursor, 10.0 + rng.gen_range(0.2..0.8) * h);
        let p1 = (
            cursor + rng.gen_range(-0.2..0.6) * seg_w,
            10.0 + rng.gen_range(-0.1..1.1) * h,
        );
        let p2 = (
            cursor + rng.gen_range(0.2..1.2) * seg_w,
            10.0 + rng.gen_range(-0.1..1.1) * h,
        );
        let p3 = ((cursor + seg_w).min(w), 10.0 + rng.gen_range(0.1..0.9) * h);
        let steps = 300;
        for k in 0..=steps {
            let t = k as f32 / steps as f32;
            let u = 1.0 - t;
            let bx = u * u * u * p0.0
                + 3.0 * u * u * t * p1.0
                + 3.0 * u * t * t * p2.0
                + t * t * t * p3.0;
            let by = u * u * u * p0.1
                + 3.0 * u * u * t * p1.1
                + 3.0 * u * t * t * p2.1
                + t * t * t * p3.1;
            // Pressure: thin at the ends of each stroke, as with a real pen.
            let pressure = (t * std::f32::consts::PI).sin().powf(0.5) * 0.8 + 0.2;
            dab(&mut mask, bx, by, pen * pressure, 1.0);
        }
        cursor += seg_w * rng.gen_range(0.5..0.9);
    }
    let blue_black = if rng.gen_bool(0.5) {
        Rgb([20, 30, 90])
    } else {
        INK
    };
    apply_ink(img, &mask, x as i32 - 10, y as i32 - 10, blue_black, 0.9);
}

/// A decorative guilloche-like border: two nested frames with a wave band between them.
pub fn ornate_border(
    img: &mut RgbImage,
    margin: u32,
    band: u32,
    color: Rgb<u8>,
    rng: &mut impl Rng,
) {
    let (w, h) = img.dimensions();
    frame(
        img,
        margin as i32,
        margin as i32,
        w - 2 * margin,
        h - 2 * margin,
        3,
        color,
    );
    let inner = margin + band;
    frame(
        img,
        inner as i32,
        inner as i32,
        w - 2 * inner,
        h - 2 * inner,
        2,
        color,
    );
    let mut mask = GrayImage::new(w, h);
    let period = rng.gen_range(10.0..22.0f32);
    let amp = band as f32 * 0.35;
    let mid = margin as f32 + band as f32 / 2.0;
    let mut t = 0.0f32;
    let len_x = (w - 2 * margin) as f32;
    let len_y = (h - 2 * margin) as f32;
    while t < len_x {
        let off = (t / period * std::f32::consts::TAU).sin() * amp;
        let off2 = (t / period * std::f32::consts::TAU).cos() * amp;
        let x = margin as f32 + t;
        dab(&mut mask, x, mid + off, 0.9, 1.0);
        dab(&mut mask, x, mid + off2, 0.9, 1.0);
        dab(&mut mask, x, h as f32 - mid + off, 0.9, 1.0);
        dab(&mut mask, x, h as f32 - mid + off2, 0.9, 1.0);
        t += 0.5;
    }
    t = 0.0;
    while t < len_y {
        let off = (t / period * std::f32::consts::TAU).sin() * amp;
        let off2 = (t / period * std::f32::consts::TAU).cos() * amp;
        let y = margin as f32 + t;
        dab(&mut mask, mid + off, y, 0.9, 1.0);
        dab(&mut mask, mid + off2, y, 0.9, 1.0);
        dab(&mut mask, w as f32 - mid + off, y, 0.9, 1.0);
        dab(&mut mask, w as f32 - mid + off2, y, 0.9, 1.0);
        t += 0.5;
    }
    apply_ink(img, &mask, 0, 0, color, 0.8);
}
