//! 营业执照: the current (2016+) layout with the credit code and QR block, and the pre-2016
//! layout with the 15-digit 注册号. Landscape or portrait, font, sizes and positions vary.

use std::collections::BTreeMap;

use docgate_core::fields;
use image::Rgb;
use rand::Rng;

use super::{jit, paper_tone, put, Flat};
use crate::draw::{self, INK};
use crate::fonts::{FontSet, Style};
use crate::people::{capital_text, cn_date, iso, Company, EntityType};

/// Which licence generation to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Unified social credit code, QR block (2016 on).
    Current,
    /// 15-digit registration number (before 2016).
    Old,
}

/// Renders a licence. `with_seal = false` omits the registration authority's seal (a defect).
/// The issue date printed is never after `as_of`.
pub fn render(
    c: &Company,
    as_of: chrono::NaiveDate,
    layout: Layout,
    with_seal: bool,
    fonts: &FontSet,
    rng: &mut impl Rng,
) -> Flat {
    let landscape = rng.gen_bool(0.65);
    let long = rng.gen_range(1600..2000u32) as f32;
    let (w, h) = if landscape {
        (long, long / 1.414)
    } else {
        (long / 1.414, long)
    };
    let (w, h) = (w as u32, h as u32);
    let mut img = draw::paper(w, h, paper_tone(rng), rng);
    let body = fonts.pick(rng, None);
    let title_font = fonts.pick_title(rng);
    let seal_font = fonts.pick(rng, Some(Style::Sans));
    let border_col = if rng.gen_bool(0.7) {
        Rgb([150, 100, 60])
    } else {
        Rgb([120, 60, 50])
    };
    let margin = (w.min(h) as f32 * rng.gen_range(0.025..0.04)) as u32;
    let band = (w.min(h) as f32 * rng.gen_range(0.018..0.03)) as u32;
    draw::ornate_border(&mut img, margin, band, border_col, rng);
    let inner = (margin + band) as f32;
    let unit = w.min(h) as f32 / 60.0; // base text size
    let fs = jit(rng, unit * 1.4, 0.1);
    let mut f = BTreeMap::new();

    // Title, centred, spaced out.
    let title_px = jit(rng, unit * 4.2, 0.1);
    let title_w = title_px * 6.5;
    let ty = inner + h as f32 * jit(rng, 0.1, 0.15);
    draw::text_spread(
        &mut img,
        &title_font.font,
        title_px,
        (w as f32 - title_w) / 2.0,
        ty,
        title_w,
        "营业执照",
        INK,
    );
    if rng.gen_bool(0.5) {
        let sub = "（副　本）";
        let sw = draw::text_width(&body.font, fs * 1.3, sub);
        draw::text(
            &mut img,
            &body.font,
            fs * 1.3,
            (w as f32 - sw) / 2.0,
            ty + title_px * 1.35,
            sub,
            INK,
        );
    }
    // National emblem stand-in above the title: gold, not seal red.
    let em_r = title_px * 0.55;
    let mut em = image::GrayImage::new((em_r * 2.0 + 8.0) as u32, (em_r * 2.0 + 8.0) as u32);
    let ec = em.width() as f32 / 2.0;
    draw::ring(&mut em, ec, ec, em_r * 0.9, em_r * 0.12);
    draw::star(&mut em, ec, ec - em_r * 0.15, em_r * 0.35);
    draw::apply_ink(
        &mut img,
        &em,
        (w as f32 / 2.0 - ec) as i32,
        (ty - em_r * 2.3) as i32,
        Rgb([205, 150, 40]),
        0.9,
    );

    let left = inner + w as f32 * jit(rng, 0.05, 0.25);
    let code_y = inner + h as f32 * jit(rng, 0.045, 0.2);
    match layout {
        Layout::Current => {
            draw::text(
                &mut img,
                &body.font,
                fs,
                left,
                code_y,
                "统一社会信用代码",
                INK,
            );
            draw::text(
                &mut img,
                &body.font,
                fs * 1.25,
                left,
                code_y + fs * 1.6,
                &c.credit_code,
                INK,
            );
            put(&mut f, fields::CREDIT_CODE, &c.credit_code);
            let qr = (unit * rng.gen_range(7.0..9.0)) as u32;
            let qx = w as f32 - inner - w as f32 * 0.05 - qr as f32;
            draw::qr_block(&mut img, qx as i32, code_y as i32, qr, rng);
            let small = fs * 0.6;
            draw::text(
                &mut img,
                &body.font,
                small,
                qx - small,
                code_y + qr as f32 + small * 0.5,
                "扫描二维码登录“国家企业信用",
                INK,
            );
            draw::text(
                &mut img,
                &body.font,
                small,
                qx - small,
                code_y + qr as f32 + small * 1.8,
                "信息公示系统”了解更多登记、",
                INK,
            );
        }
        Layout::Old => {
            let t = format!("注册号　{}", c.registration_number);
            let tw = draw::text_width(&body.font, fs * 1.1, &t);
            draw::text(
                &mut img,
                &body.font,
                fs * 1.1,
                w as f32 - inner - w as f32 * 0.06 - tw,
                code_y + fs * 1.2,
                &t,
                INK,
            );
            put(&mut f, fields::REGISTRATION_NUMBER, &c.registration_number);
        }
    }

    let rep_label = match c.entity {
        EntityType::Company => "法定代表人",
        EntityType::Branch => "负责人",
        EntityType::SoleTrader => "经营者",
    };
    let term = match c.term_end {
        None => format!("{}至长期", cn_date(c.established)),
        Some(e) => format!("{}至{}", cn_date(c.established), cn_date(e)),
    };
    put(&mut f, fields::COMPANY_NAME, &c.name);
    put(&mut f, fields::LEGAL_REP_NAME, &c.rep.name);
    put(&mut f, fields::ESTABLISHED, iso(c.established));
    put(
        &mut f,
        fields::TERM_END,
        c.term_end.map_or("长期".to_string(), iso),
    );
    let name_label = "名称";
    let capital = if c.entity == EntityType::SoleTrader {
        None
    } else {
        Some(capital_text(c.capital_wan))
    };
    let mut items: Vec<(&str, String)> = vec![
        (name_label, c.name.clone()),
        ("类型", c.type_text.clone()),
        (rep_label, c.rep.name.clone()),
    ];
    let scope_item = ("经营范围", c.scope.clone());
    let mut right: Vec<(&str, String)> = Vec::new();
    if let Some(cap) = capital {
        right.push(("注册资本", cap));
    }
    right.push(("成立日期", cn_date(c.established)));
    right.push(("营业期限", term));
    right.push((
        if c.entity == EntityType::SoleTrader {
            "经营场所"
        } else {
            "住所"
        },
        c.address.clone(),
    ));

    let label_w = fs * 5.2;
    let line = fs * jit(rng, 2.0, 0.12);
    let mut y =
        ty + title_px * jit(rng, 2.6, 0.1) + if layout == Layout::Old { fs * 1.5 } else { 0.0 };
    let label = |img: &mut image::RgbImage, x: f32, y: f32, s: &str| {
        if s.chars().count() >= 4 {
            draw::text(img, &body.font, fs, x, y, s, INK);
        } else {
            draw::text_spread(img, &body.font, fs, x, y, fs * 4.0, s, INK);
        }
    };
    if landscape {
        let col_w = (w as f32 - 2.0 * left) / 2.0;
        let start = y;
        for (k, v) in &items {
            label(&mut img, left, y, k);
            y = draw::text_wrapped(
                &mut img,
                &body.font,
                fs,
                left + label_w,
                y,
                col_w - label_w - fs,
                v,
                1.45,
                INK,
            ) + line
                - fs * 1.45;
        }
        label(&mut img, left, y, scope_item.0);
        draw::text_wrapped(
            &mut img,
            &body.font,
            fs,
            left + label_w,
            y,
            col_w - label_w - fs,
            &scope_item.1,
            1.45,
            INK,
        );
        let mut y2 = start;
        let x2 = left + col_w + fs;
        for (k, v) in &right {
            label(&mut img, x2, y2, k);
            y2 = draw::text_wrapped(
                &mut img,
                &body.font,
                fs,
                x2 + label_w,
                y2,
                col_w - label_w - fs,
                v,
                1.45,
                INK,
            ) + line
                - fs * 1.45;
        }
    } else {
        items.extend(right);
        items.push(scope_item);
        let col_w = w as f32 - 2.0 * left;
        for (k, v) in &items {
            label(&mut img, left, y, k);
            y = draw::text_wrapped(
                &mut img,
                &body.font,
                fs,
                left + label_w,
                y,
                col_w - label_w,
                v,
                1.45,
                INK,
            ) + line
                - fs * 1.45;
        }
    }

    // Registration authority and date, bottom right, with the seal over them.
    let auth_x = w as f32 * jit(rng, 0.66, 0.04);
    let auth_y = h as f32 - inner - h as f32 * jit(rng, 0.17, 0.15);
    draw::text(
        &mut img,
        &body.font,
        fs * 1.1,
        auth_x - fs * 6.0,
        auth_y,
        "登记机关",
        INK,
    );
    let issue = c.established + chrono::Duration::days(rng.gen_range(0..1500));
    let mut issue = issue.min(as_of);
    if layout == Layout::Old {
        issue = issue.min(chrono::NaiveDate::from_ymd_opt(2015, 9, 30).unwrap_or(issue));
    }
    draw::text(
        &mut img,
        &body.font,
        fs * 1.1,
        auth_x,
        auth_y + fs * 2.4,
        &cn_date(issue)
            .replace('年', " 年 ")
            .replace('月', " 月 ")
            .replace('日', " 日"),
        INK,
    );
    if with_seal {
        let r = unit * rng.gen_range(6.0..7.5);
        let authority = c.authority.clone();
        draw::seal(
            &mut img,
            &seal_font.font,
            auth_x + fs * 4.5 + rng.gen_range(-fs..fs),
            auth_y + rng.gen_range(-fs..fs * 1.5),
            r,
            &authority,
            "",
            rng,
        );
    }
    // Footer.
    let fx = fs * 0.8;
    let foot = if layout == Layout::Current {
        "国家市场监督管理总局监制"
    } else {
        "国家工商行政管理总局监制"
    };
    let fw = draw::text_width(&body.font, fx, foot);
    draw::text(
        &mut img,
        &body.font,
        fx,
        (w as f32 - fw) / 2.0,
        h as f32 - inner - fx * 2.2,
        foot,
        INK,
    );
    if layout == Layout::Current {
        let site = "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn";
        draw::text(
            &mut img,
            &body.font,
            fx,
            left,
            h as f32 - inner - fx * 4.0,
            site,
            INK,
        );
    }
    Flat {
        image: img,
        fields: f,
        corner_radius: 0.0,
    }
}
