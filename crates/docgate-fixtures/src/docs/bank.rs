//! 开户许可证 (the permit issued before 2019) or 基本存款账户信息 (the bank's printout where
//! permits were abolished).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use docgate_core::fields;
use image::Rgb;
use rand::Rng;

use super::{jit, paper_tone, put, Flat};
use crate::draw::{self, INK};
use crate::fonts::FontSet;
use crate::people::{cn_date, Company};

/// Renders a permit or account-information sheet for `account_name` (normally the company
/// name; something else for the bank-account-name defect).
pub fn render(
    c: &Company,
    account_name: &str,
    opened: NaiveDate,
    fonts: &FontSet,
    rng: &mut impl Rng,
) -> Flat {
    let permit = rng.gen_bool(0.6);
    let font = fonts.pick(rng, None);
    let title_font = fonts.pick_title(rng);
    let seal_font = fonts.pick(rng, Some(crate::fonts::Style::Sans));
    let (w, h) = if permit {
        (rng.gen_range(1500..1800u32), 0)
    } else {
        (rng.gen_range(1240..1600u32), 0)
    };
    let h = if permit {
        (w as f32 * 0.7) as u32
    } else {
        (w as f32 * 1.414) as u32 + h
    };
    let (wf, hf) = (w as f32, h as f32);
    let mut img = draw::paper(w, h, paper_tone(rng), rng);
    let fs = jit(rng, wf / if permit { 55.0 } else { 42.0 }, 0.1);
    let mut f = BTreeMap::new();
    put(&mut f, fields::ACCOUNT_NAME, account_name);
    put(&mut f, fields::ACCOUNT_NUMBER, &c.account_number);
    if permit {
        draw::ornate_border(
            &mut img,
            (wf * 0.03) as u32,
            (wf * 0.02) as u32,
            Rgb([60, 110, 150]),
            rng,
        );
        let tpx = fs * 2.8;
        let tw = tpx * 7.0;
        draw::text_spread(
            &mut img,
            &title_font.font,
            tpx,
            (wf - tw) / 2.0,
            hf * 0.12,
            tw,
            "开户许可证",
            INK,
        );
        let x = wf * 0.14;
        let mut y = hf * 0.3;
        draw::text(
            &mut img,
            &font.font,
            fs,
            x,
            y,
            &format!("核准号：{}", c.permit_number),
            INK,
        );
        let no = format!(
            "编号：{}-{:08}",
            &c.permit_number[1..5],
            rng.gen_range(0..99_999_999u32)
        );
        draw::text(&mut img, &font.font, fs, wf * 0.6, y, &no, INK);
        y += fs * 2.6;
        let lines = [
            format!("经审核，{account_name}符合开户条件，准予开立基本存款账户。"),
            format!("法定代表人（单位负责人）　{}", c.rep.name),
            format!("开户银行　{}", c.bank),
            format!("账　　号　{}", c.account_number),
        ];
        for l in &lines {
            y = draw::text_wrapped(&mut img, &font.font, fs * 1.1, x, y, wf * 0.72, l, 1.6, INK)
                + fs * 1.2;
        }
        let sx = wf * 0.7;
        let sy = hf * 0.78;
        draw::text(
            &mut img,
            &font.font,
            fs,
            sx - fs * 3.0,
            sy - fs * 2.0,
            "发证机关（盖章）",
            INK,
        );
        draw::text(
            &mut img,
            &font.font,
            fs,
            sx - fs * 3.0,
            sy + fs * 1.5,
            &cn_date(opened),
            INK,
        );
        draw::seal(
            &mut img,
            &seal_font.font,
            sx + fs * 3.0,
            sy,
            wf * 0.075,
            &format!("中国人民银行{}中心支行", c.city),
            "账户管理专用章",
            rng,
        );
    } else {
        let tpx = fs * 1.6;
        let t = "基本存款账户信息";
        let tw = draw::text_width(&title_font.font, tpx, t);
        draw::text(
            &mut img,
            &title_font.font,
            tpx,
            (wf - tw) / 2.0,
            hf * 0.08,
            t,
            INK,
        );
        let x = wf * 0.1;
        let tw_ = wf * 0.8;
        let rows = [
            ("账户名称", account_name.to_string()),
            ("账号", c.account_number.clone()),
            ("开户银行", c.bank.clone()),
            ("账户性质", "基本存款账户".to_string()),
            ("开户日期", cn_date(opened)),
            ("基本存款账户编号", c.permit_number.clone()),
            ("法定代表人（单位负责人）", c.rep.name.clone()),
        ];
        let mut y = hf * 0.16;
        let row_h = fs * 2.6;
        draw::frame(
            &mut img,
            x as i32,
            y as i32,
            tw_ as u32,
            (row_h * rows.len() as f32) as u32,
            2,
            INK,
        );
        for (k, v) in &rows {
            draw::text(
                &mut img,
                &font.font,
                fs * 0.95,
                x + fs * 0.6,
                y + fs * 0.7,
                k,
                INK,
            );
            draw::text(
                &mut img,
                &font.font,
                fs,
                x + tw_ * 0.38,
                y + fs * 0.7,
                v,
                INK,
            );
            y += row_h;
            draw::rect(&mut img, x as i32, y as i32, tw_ as u32, 1, INK, 0.8);
        }
        draw::rect(
            &mut img,
            (x + tw_ * 0.36) as i32,
            (hf * 0.16) as i32,
            1,
            (row_h * rows.len() as f32) as u32,
            INK,
            0.8,
        );
        y += fs * 2.0;
        draw::text(
            &mut img,
            &font.font,
            fs * 0.9,
            x,
            y,
            "以上信息由开户银行根据人民银行账户管理系统打印，仅供参考。",
            INK,
        );
        let sx = wf * jit(rng, 0.7, 0.05);
        draw::text(
            &mut img,
            &font.font,
            fs,
            sx - fs * 3.0,
            y + fs * 4.0,
            "开户银行（盖章）",
            INK,
        );
        draw::text(
            &mut img,
            &font.font,
            fs,
            sx - fs * 3.0,
            y + fs * 6.0,
            &cn_date(opened + chrono::Duration::days(rng.gen_range(0..900))),
            INK,
        );
        draw::seal(
            &mut img,
            &seal_font.font,
            sx + fs * 2.0,
            y + fs * 5.0,
            wf * 0.09,
            &c.bank,
            "业务专用章",
            rng,
        );
    }
    Flat {
        image: img,
        fields: f,
        corner_radius: 0.0,
    }
}
