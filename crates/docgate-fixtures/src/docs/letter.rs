//! 授权委托书: an A4 letter naming the company, signed by the legal representative and
//! stamped with the company's round seal (公章) over the signature.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use docgate_core::fields;
use rand::Rng;

use super::{jit, paper_tone, put, Flat};
use crate::draw::{self, INK};
use crate::fonts::FontSet;
use crate::people::{cn_date, person_name, Company};

/// Renders the letter. `with_seal = false` leaves the company seal off (a defect).
pub fn render(
    c: &Company,
    platform: &str,
    date: NaiveDate,
    with_seal: bool,
    fonts: &FontSet,
    rng: &mut impl Rng,
) -> Flat {
    let w = rng.gen_range(1240..1480u32);
    let h = (w as f32 * 1.414) as u32;
    let (wf, hf) = (w as f32, h as f32);
    let mut img = draw::paper(w, h, paper_tone(rng), rng);
    let font = fonts.pick(rng, None);
    let title_font = fonts.pick_title(rng);
    let fs = jit(rng, wf / 35.0, 0.06);
    let title = "授权委托书";
    let tpx = fs * 1.9;
    let tw = draw::text_width(&title_font.font, tpx, title) + tpx * 1.5;
    draw::text_spread(
        &mut img,
        &title_font.font,
        tpx,
        (wf - tw) / 2.0,
        hf * jit(rng, 0.08, 0.15),
        tw,
        title,
        INK,
    );
    let x = wf * jit(rng, 0.11, 0.15);
    let width = wf - 2.0 * x;
    let agent = person_name(rng);
    let mut y = hf * 0.16;
    y = draw::text_wrapped(
        &mut img,
        &font.font,
        fs,
        x,
        y,
        width,
        &format!("致：{platform}"),
        1.8,
        INK,
    ) + fs;
    let body = [
        format!("　　兹授权我单位{agent}（身份证号码见附件）为我单位合法委托代理人，代表我单位办理在贵平台的企业入驻、实名认证及资质审核相关事宜，并签署相关文件。"),
        "　　委托代理人在上述授权范围内所签署的文件和处理的一切事务，我单位均予以承认，并承担相应的法律责任。".to_string(),
        format!("　　委托期限：自{}起至{}止。委托代理人无转委托权。", cn_date(date), cn_date(date + chrono::Duration::days(365))),
        "　　特此授权。".to_string(),
    ];
    for p in &body {
        y = draw::text_wrapped(&mut img, &font.font, fs, x, y, width, p, 1.8, INK) + fs * 0.6;
    }
    y += fs * 2.0;
    draw::text(
        &mut img,
        &font.font,
        fs,
        x,
        y,
        &format!("委托单位（盖章）：{}", c.name),
        INK,
    );
    y += fs * 2.6;
    draw::text(
        &mut img,
        &font.font,
        fs,
        x,
        y,
        &format!("统一社会信用代码：{}", c.credit_code),
        INK,
    );
    y += fs * 2.6;
    let sig_label = "法定代表人（签字）：";
    let lw = draw::text_width(&font.font, fs, sig_label);
    draw::text(&mut img, &font.font, fs, x, y, sig_label, INK);
    let sig_x = x + lw + fs * 0.5;
    draw::signature(
        &mut img,
        sig_x,
        y - fs * 0.8,
        fs * rng.gen_range(4.0..7.0),
        fs * 2.2,
        rng,
    );
    y += fs * 2.6;
    draw::text(
        &mut img,
        &font.font,
        fs,
        x,
        y,
        &format!("被授权人（签字）：{agent}"),
        INK,
    );
    y += fs * 3.5;
    let d = cn_date(date);
    let dw = draw::text_width(&font.font, fs, &d);
    draw::text(&mut img, &font.font, fs, wf - x - dw, y, &d, INK);
    if with_seal {
        let r = wf * rng.gen_range(0.09..0.11);
        // The seal is placed over the company name and signature, as it is in practice.
        let cx = sig_x + rng.gen_range(0.0..fs * 3.0);
        let cy = y - fs * 6.5 + rng.gen_range(-fs..fs);
        let seal_font = fonts.pick(rng, Some(crate::fonts::Style::Sans));
        draw::seal(
            &mut img,
            &seal_font.font,
            cx,
            cy,
            r,
            &c.name,
            if rng.gen_bool(0.3) {
                "合同专用章"
            } else {
                ""
            },
            rng,
        );
    }
    let mut f = BTreeMap::new();
    put(&mut f, fields::COMPANY_NAME, &c.name);
    put(&mut f, fields::CREDIT_CODE, &c.credit_code);
    Flat {
        image: img,
        fields: f,
        corner_radius: 0.0,
    }
}
