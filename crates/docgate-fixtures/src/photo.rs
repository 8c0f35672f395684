//! Capture effects: how a flat document becomes a phone photo or a scan, and the image
//! degradations the defects are made of (blur, glare, photocopy, downscaling), plus encoding.

use image::imageops::{self, FilterType};
use image::{GrayImage, Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::geometric_transformations::{warp_into, Interpolation, Projection};
use rand::Rng;

/// A roughly normal sample (Irwin-Hall of 4 uniforms), cheap and deterministic.
pub fn gauss(rng: &mut impl Rng) -> f32 {
    (0..4).map(|_| rng.gen::<f32>()).sum::<f32>() - 2.0
}

/// Smooth random field in 0..1 (bilinear upsampling of a coarse grid).
fn smooth_field(w: u32, h: u32, cells: u32, rng: &mut impl Rng) -> GrayImage {
    let gw = cells + 1;
    let gh = (cells * h / w.max(1)).max(1) + 1;
    let coarse = GrayImage::from_fn(gw, gh, |_, _| image::Luma([rng.gen_range(0..=255u8)]));
    imageops::resize(&coarse, w, h, FilterType::Triangle)
}

/// A surface to lay a document on: wood grain, fabric weave, or a plain desk.
pub fn background(w: u32, h: u32, rng: &mut impl Rng) -> (RgbImage, &'static str) {
    let field = smooth_field(w, h, 6, rng);
    let kind = rng.gen_range(0..3);
    let mut img = RgbImage::new(w, h);
    match kind {
        0 => {
            let base = [
                rng.gen_range(120.0..190.0f32),
                rng.gen_range(75.0..120.0f32),
                rng.gen_range(40.0..70.0f32),
            ];
            let freq = rng.gen_range(0.02..0.05f32);
            let warp_amp = rng.gen_range(10.0..40.0f32);
            for (x, y, p) in img.enumerate_pixels_mut() {
                let f = field.get_pixel(x, y).0[0] as f32 / 255.0;
                let grain =
                    ((y as f32 + f * warp_amp + (x as f32 * 0.004).sin() * 20.0) * freq).sin();
                let k = 0.85 + 0.12 * grain + rng.gen_range(-0.03..0.03);
                *p = Rgb(base.map(|c| (c * k).clamp(0.0, 255.0) as u8));
            }
            (img, "wood")
        }
        1 => {
            let g = rng.gen_range(50.0..200.0f32);
            let base = [
                g + rng.gen_range(-40.0..40.0f32),
                g + rng.gen_range(-30.0..30.0f32),
                g + rng.gen_range(-30.0..30.0f32),
            ];
            let period = rng.gen_range(3.0..7.0f32);
            for (x, y, p) in img.enumerate_pixels_mut() {
                let f = field.get_pixel(x, y).0[0] as f32 / 255.0;
                let weave = (x as f32 / period * std::f32::consts::TAU).sin()
                    * (y as f32 / period * std::f32::consts::TAU).cos();
                let k = 0.85 + 0.07 * weave + 0.1 * f + rng.gen_range(-0.04..0.04);
                *p = Rgb(base.map(|c| (c * k).clamp(0.0, 255.0) as u8));
            }
            (img, "fabric")
        }
        _ => {
            let g = rng.gen_range(30.0..235.0f32);
            let base = [
                g + rng.gen_range(-15.0..15.0),
                g + rng.gen_range(-15.0..15.0),
                g + rng.gen_range(-15.0..15.0),
            ];
            for (x, y, p) in img.enumerate_pixels_mut() {
                let f = field.get_pixel(x, y).0[0] as f32 / 255.0;
                let k = 0.9 + 0.12 * f + rng.gen_range(-0.02..0.02);
                *p = Rgb(base.map(|c| (c * k).clamp(0.0, 255.0) as u8));
            }
            (img, "desk")
        }
    }
}

/// How to photograph a document.
#[derive(Debug, Clone)]
pub struct PhotoParams {
    /// Output frame size.
    pub frame: (u32, u32),
    /// Fraction of the frame's limiting dimension the document spans (0.4..0.9).
    pub fill: f32,
    /// In-plane rotation in degrees.
    pub rotation: f32,
    /// Perspective: corner jitter as a fraction of the document size.
    pub perspective: f32,
    /// Move the quad so that this many corners fall outside the frame by `cut_px` (0 = none).
    pub cut_corners: usize,
    /// How far outside the frame the cut corners are, in pixels.
    pub cut_px: f32,
    /// Lighting gradient strength (0 = flat).
    pub light: f32,
}

/// A photo and where the document's corners ended up.
pub struct Photo {
    /// The frame.
    pub image: RgbImage,
    /// Document corners (TL, TR, BR, BL) in frame pixels.
    pub quad: [(f32, f32); 4],
    /// Background kind, for labels.
    pub background: &'static str,
    /// How many corners lie outside the frame.
    pub corners_outside: usize,
}

/// Lays the document on a surface and photographs it: perspective, rotation, shadow, lighting.
pub fn photograph(
    doc: &RgbImage,
    corner_radius: f32,
    p: &PhotoParams,
    rng: &mut impl Rng,
) -> Photo {
    let (fw, fh) = p.frame;
    let (dw, dh) = (doc.width() as f32, doc.height() as f32);
    let scale = (fw as f32 * p.fill / dw).min(fh as f32 * p.fill / dh);
    let (sw, sh) = (dw * scale, dh * scale);
    let (s, c) = p.rotation.to_radians().sin_cos();
    let jitter = p.perspective * sw.min(sh);
    let mut quad = [(0.0f32, 0.0f32); 4];
    let src = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)];
    // A phone held at an angle: one side nearer, so that side is larger (keystone), plus jitter.
    let keystone = rng.gen_range(-1.0..1.0f32) * p.perspective;
    for (i, (x, y)) in src.iter().enumerate() {
        let (ux, uy) = (x * scale - sw / 2.0, y * scale - sh / 2.0);
        let k = 1.0 + keystone * (uy / sh) * 2.0;
        let (ux, uy) = (
            ux * k + gauss(rng) * jitter * 0.3,
            uy + gauss(rng) * jitter * 0.3,
        );
        quad[i] = (ux * c - uy * s, ux * s + uy * c);
    }
    // Centre, with some freedom, keeping a margin (3% of the frame) unless corners are cut.
    let margin = 0.03 * fw.min(fh) as f32;
    let (minx, maxx) = quad
        .iter()
        .fold((f32::MAX, f32::MIN), |a, q| (a.0.min(q.0), a.1.max(q.0)));
    let (miny, maxy) = quad
        .iter()
        .fold((f32::MAX, f32::MIN), |a, q| (a.0.min(q.1), a.1.max(q.1)));
    let free_x = (fw as f32 - 2.0 * margin - (maxx - minx)).max(0.0);
    let free_y = (fh as f32 - 2.0 * margin - (maxy - miny)).max(0.0);
    let tx = margin - minx + rng.gen_range(0.0..=free_x.max(0.001));
    let ty = margin - miny + rng.gen_range(0.0..=free_y.max(0.001));
    for q in quad.iter_mut() {
        q.0 += tx;
        q.1 += ty;
    }
    if p.cut_corners >= 4 {
        // Too close: the document is wider than the frame, cut on both sides.
        let (minx, maxx) = quad
            .iter()
            .fold((f32::MAX, f32::MIN), |a, q| (a.0.min(q.0), a.1.max(q.0)));
        let (miny, maxy) = quad
            .iter()
            .fold((f32::MAX, f32::MIN), |a, q| (a.0.min(q.1), a.1.max(q.1)));
        let _ = (miny, maxy);
        let k = (fw as f32 + 2.0 * p.cut_px) / (maxx - minx).max(1.0);
        let (cx, cy) = ((minx + maxx) / 2.0, (miny + maxy) / 2.0);
        for q in quad.iter_mut() {
            q.0 = fw as f32 / 2.0 + (q.0 - cx) * k;
            q.1 = fh as f32 / 2.0 + (q.1 - cy) * k;
        }
    } else if p.cut_corners > 0 {
        // Push the quad off one edge until exactly `cut_corners` corners (by that edge's order)
        // are `cut_px` outside.
        let edge = rng.gen_range(0..4);
        let key = |q: &(f32, f32)| match edge {
            0 => q.0,
            1 => fw as f32 - q.0,
            2 => q.1,
            _ => fh as f32 - q.1,
        };
        let mut ks: Vec<f32> = quad.iter().map(key).collect();
        ks.sort_by(f32::total_cmp);
        let n = p.cut_corners.min(4) - 1;
        let shift = ks[n] + p.cut_px;
        for q in quad.iter_mut() {
            match edge {
                0 => q.0 -= shift,
                1 => q.0 += shift,
                2 => q.1 -= shift,
                _ => q.1 += shift,
            }
        }
    }
    let (bg, background) = background(fw, fh, rng);
    // Document with rounded-corner alpha.
    let mut rgba = RgbaImage::new(doc.width(), doc.height());
    for (x, y, px) in rgba.enumerate_pixels_mut() {
        let d = doc.get_pixel(x, y).0;
        let a = rounded_alpha(x as f32 + 0.5, y as f32 + 0.5, dw, dh, corner_radius);
        *px = Rgba([d[0], d[1], d[2], (a * 255.0) as u8]);
    }
    let proj = Projection::from_control_points(src, quad)
        .unwrap_or_else(|| Projection::scale(scale, scale));
    let mut warped = RgbaImage::new(fw, fh);
    warp_into(
        &rgba,
        &proj,
        Interpolation::Bilinear,
        Rgba([0, 0, 0, 0]),
        &mut warped,
    );
    // Soft shadow under the document, offset towards the bottom right.
    let alpha = GrayImage::from_fn(fw, fh, |x, y| image::Luma([warped.get_pixel(x, y).0[3]]));
    let shadow = imageproc::filter::gaussian_blur_f32(&alpha, 0.012 * fw as f32);
    let (ox, oy) = (rng.gen_range(2..12i64), rng.gen_range(3..14i64));
    let shadow_k = rng.gen_range(0.25..0.5f32);
    let mut out = bg;
    for (x, y, px) in out.enumerate_pixels_mut() {
        let sx = (x as i64 - ox).clamp(0, fw as i64 - 1) as u32;
        let sy = (y as i64 - oy).clamp(0, fh as i64 - 1) as u32;
        let sh_ = shadow.get_pixel(sx, sy).0[0] as f32 / 255.0 * shadow_k;
        let w = warped.get_pixel(x, y).0;
        let a = w[3] as f32 / 255.0;
        for (c, wc) in px.0.iter_mut().zip(w) {
            let b = *c as f32 * (1.0 - sh_);
            *c = (b * (1.0 - a) + wc as f32 * a).clamp(0.0, 255.0) as u8;
        }
    }
    lighting(&mut out, p.light, rng);
    sensor_noise(&mut out, rng.gen_range(0.8..1.8), rng);
    let corners_outside = quad
        .iter()
        .filter(|q| q.0 < 0.0 || q.1 < 0.0 || q.0 > fw as f32 || q.1 > fh as f32)
        .count();
    Photo {
        image: out,
        quad,
        background,
        corners_outside,
    }
}

fn rounded_alpha(x: f32, y: f32, w: f32, h: f32, r: f32) -> f32 {
    if r <= 0.0 {
        return 1.0;
    }
    let cx = x.clamp(r, w - r);
    let cy = y.clamp(r, h - r);
    let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
    (r - d + 0.5).clamp(0.0, 1.0)
}

/// Multiplies by a smooth lighting field: a directional gradient plus vignetting and a
/// warm/cool cast. `strength` 0.1 is mild, 0.4 strong.
pub fn lighting(img: &mut RgbImage, strength: f32, rng: &mut impl Rng) {
    let (w, h) = img.dimensions();
    let a = rng.gen_range(0.0..std::f32::consts::TAU);
    let (dx, dy) = (a.cos(), a.sin());
    let warm = rng.gen_range(-0.04..0.06f32);
    let vignette = rng.gen_range(0.05..0.2f32);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let u = x as f32 / w as f32 - 0.5;
        let v = y as f32 / h as f32 - 0.5;
        let g = 1.0
            - strength * (0.5 + u * dx + v * dy).clamp(0.0, 1.5) * 0.6
            - vignette * (u * u + v * v) * 2.0;
        let k = [g * (1.0 + warm), g, g * (1.0 - warm)];
        for (c, kc) in p.0.iter_mut().zip(k) {
            *c = (*c as f32 * kc).clamp(0.0, 255.0) as u8;
        }
    }
}

/// Adds per-pixel noise with standard deviation about `sigma` (luma and a little chroma).
pub fn sensor_noise(img: &mut RgbImage, sigma: f32, rng: &mut impl Rng) {
    for p in img.pixels_mut() {
        let l = gauss(rng) * sigma * 1.7;
        for c in p.0.iter_mut() {
            let n = l + gauss(rng) * sigma * 0.6;
            *c = (*c as f32 + n).clamp(0.0, 255.0) as u8;
        }
    }
}

/// A flatbed scan: slight skew on the white bed, flattened paper, a little noise and softness.
pub fn scan(doc: &RgbImage, skew_deg: f32, rng: &mut impl Rng) -> RgbImage {
    let pad = (doc.width().max(doc.height()) as f32 * rng.gen_range(0.01..0.03)) as u32;
    let bed = Rgb([rng.gen_range(244..255u8); 3]);
    let mut big = RgbImage::from_pixel(doc.width() + 2 * pad, doc.height() + 2 * pad, bed);
    imageops::overlay(&mut big, doc, pad as i64, pad as i64);
    let mut out = imageproc::geometric_transformations::rotate_about_center(
        &big,
        skew_deg.to_radians(),
        Interpolation::Bilinear,
        bed,
    );
    // Scanners brighten paper and lift blacks a bit.
    let gain = rng.gen_range(0.99..1.03f32);
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (*c as f32 * gain + 2.0).clamp(0.0, 252.0) as u8;
        }
    }
    let soft = rng.gen_range(0.3..0.7);
    let mut out = imageproc::filter::gaussian_blur_f32(&out, soft);
    sensor_noise(&mut out, rng.gen_range(0.5..1.1), rng);
    out
}

/// [`scan`] with the faint shadow line a flatbed leaves along the paper's edge: the lid's
/// light grazes the paper's thickness, so a line one or two pixels wide, a few percent
/// darker than the bed, outlines the page (stronger on the sides away from the lamp). A
/// white page on a white bed is otherwise bounded only by that line.
pub fn scan_with_edge(doc: &RgbImage, skew_deg: f32, rng: &mut impl Rng) -> RgbImage {
    let pad = (doc.width().max(doc.height()) as f32 * rng.gen_range(0.01..0.03)) as u32;
    let bed = Rgb([rng.gen_range(244..255u8); 3]);
    let (w, h) = (doc.width() + 2 * pad, doc.height() + 2 * pad);
    let mut big = RgbImage::from_pixel(w, h, bed);
    // Darkening of the line per side (top, right, bottom, left), from 4 % to 12 %.
    let lamp_far = rng.gen_bool(0.5);
    let depth: [f32; 4] = std::array::from_fn(|i| {
        let far = (i % 2 == 0) == lamp_far;
        if far {
            rng.gen_range(0.07..0.12)
        } else {
            rng.gen_range(0.04..0.07)
        }
    });
    let width = rng.gen_range(1..=2u32);
    let (x0, y0, x1, y1) = (pad, pad, pad + doc.width(), pad + doc.height());
    for t in 1..=width {
        // The outer pixel of a 2-px line is half as dark.
        let k = if t == 1 { 1.0 } else { 0.5 };
        let mut shade = |x: u32, y: u32, d: f32| {
            if x < w && y < h {
                let p = big.get_pixel_mut(x, y);
                for c in p.0.iter_mut() {
                    *c = (*c as f32 * (1.0 - d * k)) as u8;
                }
            }
        };
        for x in x0.saturating_sub(t)..x1 + t {
            shade(x, y0.wrapping_sub(t), depth[0]);
            shade(x, y1 + t - 1, depth[2]);
        }
        for y in y0..y1 {
            shade(x1 + t - 1, y, depth[1]);
            shade(x0.wrapping_sub(t), y, depth[3]);
        }
    }
    imageops::overlay(&mut big, doc, pad as i64, pad as i64);
    let mut out = imageproc::geometric_transformations::rotate_about_center(
        &big,
        skew_deg.to_radians(),
        Interpolation::Bilinear,
        bed,
    );
    let gain = rng.gen_range(0.99..1.03f32);
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (*c as f32 * gain + 2.0).clamp(0.0, 252.0) as u8;
        }
    }
    let soft = rng.gen_range(0.3..0.7);
    let mut out = imageproc::filter::gaussian_blur_f32(&out, soft);
    sensor_noise(&mut out, rng.gen_range(0.5..1.1), rng);
    out
}

/// Gaussian blur (defocus).
pub fn gaussian(img: &RgbImage, sigma: f32) -> RgbImage {
    imageproc::filter::gaussian_blur_f32(img, sigma)
}

/// Motion blur: average of `len` samples along `angle_deg`.
pub fn motion(img: &RgbImage, len: u32, angle_deg: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (s, c) = angle_deg.to_radians().sin_cos();
    let n = len.max(1) as i32;
    let offsets: Vec<(i64, i64)> = (0..n)
        .map(|t| {
            let t = t as f32 - (n - 1) as f32 / 2.0;
            ((t * c).round() as i64, (t * s).round() as i64)
        })
        .collect();
    RgbImage::from_fn(w, h, |x, y| {
        let mut acc = [0u32; 3];
        for (dx, dy) in &offsets {
            let sx = (x as i64 + dx).clamp(0, w as i64 - 1) as u32;
            let sy = (y as i64 + dy).clamp(0, h as i64 - 1) as u32;
            let p = img.get_pixel(sx, sy).0;
            for k in 0..3 {
                acc[k] += p[k] as u32;
            }
        }
        Rgb(acc.map(|a| (a / offsets.len() as u32) as u8))
    })
}

/// A bright specular blob at (cx, cy), radius `r`; `strength` ≥ 1 saturates the core.
pub fn glare(img: &mut RgbImage, cx: f32, cy: f32, r: f32, strength: f32, elongation: f32) {
    for (x, y, p) in img.enumerate_pixels_mut() {
        let dx = (x as f32 - cx) / (r * elongation);
        let dy = (y as f32 - cy) / r;
        let d2 = dx * dx + dy * dy;
        if d2 > 9.0 {
            continue;
        }
        let k = (strength * (-d2).exp()).min(1.0);
        for c in p.0.iter_mut() {
            *c = (*c as f32 + (255.0 - *c as f32) * k).round() as u8;
        }
    }
}

/// A greyscale photocopy: desaturated, contrast crushed, toner speckles and streaks.
pub fn photocopy(img: &RgbImage, rng: &mut impl Rng) -> RgbImage {
    let (w, h) = img.dimensions();
    let lo = rng.gen_range(40.0..90.0f32);
    let hi = rng.gen_range(180.0..220.0f32);
    let streak_x = rng.gen_range(0..w.max(1));
    let mut out = RgbImage::new(w, h);
    for (x, y, p) in img.enumerate_pixels() {
        let l = 0.299 * p.0[0] as f32 + 0.587 * p.0[1] as f32 + 0.114 * p.0[2] as f32;
        let mut v = ((l - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0;
        if rng.gen_bool(0.004) {
            v *= rng.gen_range(0.2..0.7);
        }
        if (x as i64 - streak_x as i64).abs() < 2 {
            v *= 0.85;
        }
        // Toner is never perfectly neutral.
        let g = v.clamp(0.0, 255.0) as u8;
        out.put_pixel(x, y, Rgb([g, g, g.saturating_sub(1)]));
        let _ = y;
    }
    let _ = h;
    out
}

/// Downscales so that the short side becomes `short` pixels.
pub fn downscale_short(img: &RgbImage, short: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let k = short as f32 / w.min(h) as f32;
    imageops::resize(
        img,
        ((w as f32 * k).round() as u32).max(1),
        ((h as f32 * k).round() as u32).max(1),
        FilterType::CatmullRom,
    )
}

/// How a file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JPEG at a quality.
    Jpeg(u8),
    /// PNG.
    Png,
    /// Windows bitmap.
    Bmp,
    /// Lossless WebP.
    WebP,
    /// GIF (256 colours).
    Gif,
}

impl Encoding {
    /// File extension.
    pub fn ext(self) -> &'static str {
        match self {
            Encoding::Jpeg(_) => "jpg",
            Encoding::Png => "png",
            Encoding::Bmp => "bmp",
            Encoding::WebP => "webp",
            Encoding::Gif => "gif",
        }
    }
}

/// Encodes an image.
pub fn encode(img: &RgbImage, enc: Encoding) -> Result<Vec<u8>, image::ImageError> {
    let mut buf = Vec::new();
    match enc {
        Encoding::Jpeg(q) => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, q).encode_image(img)?;
        }
        Encoding::Png => {
            img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut buf))?;
        }
        Encoding::Bmp => {
            img.write_with_encoder(image::codecs::bmp::BmpEncoder::new(&mut buf))?;
        }
        Encoding::Gif => {
            let rgba = image::DynamicImage::ImageRgb8(img.clone()).to_rgba8();
            let mut enc = image::codecs::gif::GifEncoder::new(&mut buf);
            enc.encode_frame(image::Frame::new(rgba))?;
        }
        Encoding::WebP => {
            img.write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut buf))?;
        }
    }
    Ok(buf)
}
