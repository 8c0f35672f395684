//! 居民身份证, both sides, on an 85.6 × 54 mm card with a faint security pattern.

use std::collections::BTreeMap;

use chrono::Datelike;
use docgate_core::fields;
use image::{GrayImage, Rgb, RgbImage};
use rand::Rng;

use super::{jit, put, Flat};
use crate::draw::{self, INK};
use crate::fonts::{FontSet, Style};
use crate::people::{iso, Person};

const LABEL: Rgb<u8> = Rgb([70, 120, 175]);

fn card(rng: &mut impl Rng) -> (RgbImage, f32) {
    let w = rng.gen_range(1000..1300u32);
    let h = (w as f32 * 54.0 / 85.6) as u32;
    let mut img = RgbImage::new(w, h);
    // Pale blue-green to pink gradient with wavy security lines.
    let phase: f32 = rng.gen_range(0.0..6.0);
    let tint = rng.gen_range(0.0..1.0f32);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let t = x as f32 / w as f32;
        let wave =
            ((y as f32 * 0.09 + (x as f32 * 0.012 + phase).sin() * 6.0).sin() * 0.5 + 0.5) * 5.0;
        let r = 236.0 - 6.0 * (1.0 - t) * tint + 4.0 * t - wave;
        let g = 240.0 - 2.0 * t - wave;
        let b = 242.0 + 4.0 * (1.0 - t) - 8.0 * t * tint - wave * 0.5;
        *p = Rgb([
            r.clamp(0.0, 255.0) as u8,
            g.clamp(0.0, 255.0) as u8,
            b.clamp(0.0, 255.0) as u8,
        ]);
    }
    (img, w as f32 / 85.6 * 3.18)
}

fn portrait(img: &mut RgbImage, x: f32, y: f32, w: f32, h: f32, rng: &mut impl Rng) {
    let mut mask = GrayImage::new(w as u32, h as u32);
    let (cx, hy) = (w / 2.0, h * 0.36);
    let hr = w * rng.gen_range(0.22..0.27);
    for (px, py, m) in mask.enumerate_pixels_mut() {
        let (fx, fy) = (px as f32, py as f32);
        let head = ((fx - cx) / hr).powi(2) + ((fy - hy) / (hr * 1.25)).powi(2) <= 1.0;
        let shoulders = fy > h * 0.66
            && ((fx - cx) / (w * 0.48)).powi(2) + ((fy - h) / (h * 0.36)).powi(2) <= 1.0;
        let neck = fy > hy && fy < h * 0.72 && (fx - cx).abs() < hr * 0.45;
        if head || shoulders || neck {
            m.0[0] = 255;
        }
    }
    let tone = rng.gen_range(95..150u8);
    draw::apply_ink(
        img,
        &mask,
        x as i32,
        y as i32,
        Rgb([tone, tone, tone + 8]),
        0.55,
    );
}

/// The portrait side. Fields: id_name, id_number.
pub fn front(p: &Person, fonts: &FontSet, rng: &mut impl Rng) -> Flat {
    let (mut img, radius) = card(rng);
    let (w, h) = (img.width() as f32, img.height() as f32);
    let font = fonts.pick(rng, Some(Style::Sans));
    let value_font = fonts.pick(rng, None);
    let u = h / 20.0;
    let fs = jit(rng, u * 0.95, 0.06);
    let x0 = w * 0.06;
    let vx = x0 + fs * 3.8;
    let mut y = h * jit(rng, 0.1, 0.1);
    draw::text_spread(
        &mut img,
        &font.font,
        fs * 0.9,
        x0,
        y,
        fs * 2.0,
        "姓名",
        LABEL,
    );
    draw::text(
        &mut img,
        &value_font.font,
        fs * 1.25,
        vx,
        y - fs * 0.15,
        &p.name,
        INK,
    );
    y += fs * 2.3;
    draw::text_spread(
        &mut img,
        &font.font,
        fs * 0.9,
        x0,
        y,
        fs * 2.0,
        "性别",
        LABEL,
    );
    draw::text(&mut img, &value_font.font, fs, vx, y, p.sex, INK);
    draw::text_spread(
        &mut img,
        &font.font,
        fs * 0.9,
        vx + fs * 3.5,
        y,
        fs * 2.0,
        "民族",
        LABEL,
    );
    draw::text(
        &mut img,
        &value_font.font,
        fs,
        vx + fs * 6.5,
        y,
        p.ethnicity,
        INK,
    );
    y += fs * 2.3;
    draw::text_spread(
        &mut img,
        &font.font,
        fs * 0.9,
        x0,
        y,
        fs * 2.0,
        "出生",
        LABEL,
    );
    let b = p.birth;
    let birth = format!("{}　年　{}　月　{}　日", b.year(), b.month(), b.day());
    draw::text(&mut img, &value_font.font, fs, vx, y, &birth, INK);
    y += fs * 2.3;
    draw::text_spread(
        &mut img,
        &font.font,
        fs * 0.9,
        x0,
        y,
        fs * 2.0,
        "住址",
        LABEL,
    );
    draw::text_wrapped(
        &mut img,
        &value_font.font,
        fs,
        vx,
        y,
        w * 0.58 - vx,
        &p.address,
        1.45,
        INK,
    );
    let ny = h * 0.82;
    draw::text(
        &mut img,
        &font.font,
        fs * 0.9,
        x0,
        ny,
        "公民身份号码",
        LABEL,
    );
    draw::text(
        &mut img,
        &value_font.font,
        fs * 1.35,
        x0 + fs * 6.8,
        ny - fs * 0.2,
        &p.id_number,
        INK,
    );
    portrait(&mut img, w * 0.63, h * 0.1, w * 0.31, h * 0.62, rng);
    let mut f = BTreeMap::new();
    put(&mut f, fields::ID_NAME, &p.name);
    put(&mut f, fields::ID_NUMBER, &p.id_number);
    Flat {
        image: img,
        fields: f,
        corner_radius: radius,
    }
}

/// The emblem side. Fields: id_valid_from, id_valid_to.
pub fn back(p: &Person, fonts: &FontSet, rng: &mut impl Rng) -> Flat {
    let (mut img, radius) = card(rng);
    let (w, h) = (img.width() as f32, img.height() as f32);
    let font = fonts.pick(rng, Some(Style::Sans));
    let title_font = fonts.pick_title(rng);
    // Emblem: red disc with gold stars, top left.
    let r = h * 0.16;
    let size = (2.0 * r + 6.0) as u32;
    let mut disc = GrayImage::new(size, size);
    let c = size as f32 / 2.0;
    for (x, y, m) in disc.enumerate_pixels_mut() {
        if ((x as f32 - c).powi(2) + (y as f32 - c).powi(2)).sqrt() <= r {
            m.0[0] = 255;
        }
    }
    let (ex, ey) = (w * 0.07, h * 0.08);
    draw::apply_ink(
        &mut img,
        &disc,
        ex as i32,
        ey as i32,
        Rgb([200, 30, 35]),
        0.9,
    );
    let mut stars = GrayImage::new(size, size);
    draw::star(&mut stars, c - r * 0.3, c - r * 0.25, r * 0.3);
    for k in 0..4 {
        let a = -1.2 + k as f32 * 0.45;
        draw::star(
            &mut stars,
            c + r * 0.25 + r * 0.3 * a.cos(),
            c - r * 0.25 + r * 0.35 * a.sin(),
            r * 0.1,
        );
    }
    // Gold over red: lighten by painting the stars yellow on top via a lighter multiply.
    for (x, y, m) in stars.enumerate_pixels() {
        if m.0[0] > 100 {
            let px = img.get_pixel_mut(ex as u32 + x, ey as u32 + y);
            *px = Rgb([250, 210, 60]);
        }
    }
    let t1 = "中华人民共和国";
    let tx = w * 0.32;
    draw::text_spread(
        &mut img,
        &font.font,
        h * 0.075,
        tx,
        h * 0.14,
        w * 0.55,
        t1,
        INK,
    );
    draw::text_spread(
        &mut img,
        &title_font.font,
        h * 0.11,
        tx - w * 0.02,
        h * 0.3,
        w * 0.6,
        "居民身份证",
        INK,
    );
    let fs = jit(rng, h / 20.0, 0.06);
    let x0 = w * 0.2;
    let vx = x0 + fs * 5.0;
    draw::text_spread(
        &mut img,
        &font.font,
        fs * 0.9,
        x0,
        h * 0.68,
        fs * 4.0,
        "签发机关",
        LABEL,
    );
    draw::text(&mut img, &font.font, fs, vx, h * 0.68, &p.issuer, INK);
    draw::text_spread(
        &mut img,
        &font.font,
        fs * 0.9,
        x0,
        h * 0.8,
        fs * 4.0,
        "有效期限",
        LABEL,
    );
    let from = p.valid_from.format("%Y.%m.%d").to_string();
    let to = p
        .valid_to
        .map_or("长期".to_string(), |d| d.format("%Y.%m.%d").to_string());
    draw::text(
        &mut img,
        &font.font,
        fs,
        vx,
        h * 0.8,
        &format!("{from}-{to}"),
        INK,
    );
    let mut f = BTreeMap::new();
    put(&mut f, fields::ID_VALID_FROM, iso(p.valid_from));
    put(
        &mut f,
        fields::ID_VALID_TO,
        p.valid_to.map_or("长期".to_string(), iso),
    );
    Flat {
        image: img,
        fields: f,
        corner_radius: radius,
    }
}
