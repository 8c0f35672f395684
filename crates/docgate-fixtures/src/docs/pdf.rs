//! The born-digital PDF of a 数电票, with a real text layer.
//!
//! CJK text uses the standard Adobe-GB1 font `STSong-Light` through a Type0 font with the
//! predefined `UniGB-UCS2-H` CMap, not embedded: viewers supply it (every PDF reader ships
//! the Adobe CJK fallback), the file stays a few KB, and the character codes are UCS-2, so an
//! identity `ToUnicode` CMap makes the text extractable exactly (lopdf, pdftotext).

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};

use super::invoice::{yuan, Invoice};

/// Page size in points (the e-invoice is about 240 × 140 mm).
const W: f32 = 680.0;
const H: f32 = 400.0;

fn ucs2(s: &str) -> Object {
    let mut b = Vec::with_capacity(s.len() * 2);
    for u in s.encode_utf16() {
        b.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(b, StringFormat::Hexadecimal)
}

/// An identity ToUnicode CMap for 2-byte UCS-2 codes. bfrange entries may only vary in the
/// last byte, hence one range per high byte.
fn to_unicode() -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let highs: Vec<u32> = (0..=0xFFu32)
        .filter(|h| !(0xD8..=0xDF).contains(h))
        .collect();
    for chunk in highs.chunks(100) {
        s.push_str(&format!("{} beginbfrange\n", chunk.len()));
        for h in chunk {
            s.push_str(&format!("<{h:02X}00> <{h:02X}FF> <{h:02X}00>\n"));
        }
        s.push_str("endbfrange\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}

struct Page {
    ops: Vec<Operation>,
}

impl Page {
    fn text(&mut self, x: f32, y_top: f32, size: f32, s: &str, rgb: (f32, f32, f32)) {
        let y = H - y_top - size;
        self.ops.push(Operation::new(
            "rg",
            vec![rgb.0.into(), rgb.1.into(), rgb.2.into()],
        ));
        self.ops.push(Operation::new("BT", vec![]));
        self.ops
            .push(Operation::new("Tf", vec!["F1".into(), size.into()]));
        self.ops
            .push(Operation::new("Td", vec![x.into(), y.into()]));
        self.ops.push(Operation::new("Tj", vec![ucs2(s)]));
        self.ops.push(Operation::new("ET", vec![]));
    }
    fn rect(&mut self, x: f32, y_top: f32, w: f32, h: f32) {
        self.ops.push(Operation::new(
            "re",
            vec![x.into(), (H - y_top - h).into(), w.into(), h.into()],
        ));
        self.ops.push(Operation::new("S", vec![]));
    }
    fn hline(&mut self, x0: f32, x1: f32, y_top: f32) {
        self.ops
            .push(Operation::new("m", vec![x0.into(), (H - y_top).into()]));
        self.ops
            .push(Operation::new("l", vec![x1.into(), (H - y_top).into()]));
        self.ops.push(Operation::new("S", vec![]));
    }
}

/// Writes the invoice as a one-page PDF with a text layer.
pub fn write(inv: &Invoice) -> Result<Vec<u8>, lopdf::Error> {
    let form = (0.6, 0.25, 0.15);
    let ink = (0.0, 0.0, 0.0);
    let mut p = Page {
        ops: vec![
            Operation::new("w", vec![0.8.into()]),
            Operation::new("RG", vec![form.0.into(), form.1.into(), form.2.into()]),
        ],
    };
    p.text(200.0, 22.0, 18.0, "电子发票（增值税专用发票）", form);
    p.text(470.0, 24.0, 9.0, "发票号码：", form);
    p.text(520.0, 24.0, 9.0, &inv.number, ink);
    p.text(470.0, 40.0, 9.0, "开票日期：", form);
    p.text(
        520.0,
        40.0,
        9.0,
        &inv.date.format("%Y年%m月%d日").to_string(),
        ink,
    );
    p.rect(20.0, 64.0, 640.0, 300.0);
    p.hline(20.0, 660.0, 124.0);
    p.hline(340.0, 340.0, 64.0);
    p.ops
        .push(Operation::new("m", vec![340.0.into(), (H - 64.0).into()]));
    p.ops
        .push(Operation::new("l", vec![340.0.into(), (H - 124.0).into()]));
    p.ops.push(Operation::new("S", vec![]));
    for (x, side, name, tax) in [
        (24.0, "购买方信息", &inv.buyer_name, &inv.buyer_tax_id),
        (344.0, "销售方信息", &inv.seller_name, &inv.seller_tax_id),
    ] {
        p.text(x, 70.0, 9.0, side, form);
        p.text(x + 10.0, 88.0, 9.0, "名称：", form);
        p.text(x + 40.0, 88.0, 9.0, name, ink);
        p.text(
            x + 10.0,
            104.0,
            9.0,
            "统一社会信用代码/纳税人识别号：",
            form,
        );
        p.text(x + 150.0, 104.0, 9.0, tax, ink);
    }
    let cols = [
        (24.0, "项目名称"),
        (200.0, "规格型号"),
        (260.0, "单位"),
        (300.0, "数量"),
        (350.0, "单价"),
        (420.0, "金额"),
        (500.0, "税率/征收率"),
        (580.0, "税额"),
    ];
    for (x, t) in cols {
        p.text(x, 130.0, 8.5, t, form);
    }
    let rate = format!("{}%", inv.rate);
    for (i, l) in inv.lines.iter().enumerate() {
        let y = 148.0 + i as f32 * 14.0;
        let amount = Invoice::amount(l);
        for (x, v) in [
            (24.0, l.name.clone()),
            (260.0, "个".to_string()),
            (300.0, l.qty.to_string()),
            (350.0, yuan(l.unit_fen)),
            (420.0, yuan(amount)),
            (500.0, rate.clone()),
            (580.0, yuan(amount * inv.rate as u64 / 100)),
        ] {
            p.text(x, y, 8.5, &v, ink);
        }
    }
    let (net, tax) = inv.totals();
    p.hline(20.0, 660.0, 300.0);
    p.text(24.0, 306.0, 9.0, "合计", form);
    p.text(420.0, 306.0, 9.0, &format!("¥{}", yuan(net)), ink);
    p.text(580.0, 306.0, 9.0, &format!("¥{}", yuan(tax)), ink);
    p.hline(20.0, 660.0, 322.0);
    p.text(24.0, 330.0, 9.0, "价税合计（大写）", form);
    p.text(420.0, 330.0, 9.0, "（小写）", form);
    p.text(460.0, 330.0, 9.0, &format!("¥{}", yuan(net + tax)), ink);
    p.text(24.0, 372.0, 9.0, "开票人：", form);

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "STSong-Light", "Flags" => 6,
        "FontBBox" => vec![(-25).into(), (-254).into(), 1000.into(), 880.into()],
        "ItalicAngle" => 0, "Ascent" => 880, "Descent" => -120, "CapHeight" => 880, "StemV" => 93,
    });
    let cid = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "STSong-Light",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("GB1"), "Supplement" => 2 },
        "FontDescriptor" => descriptor, "DW" => 1000,
        // CIDs 1-95 are the proportional ASCII glyphs; half width keeps numbers compact.
        "W" => vec![1.into(), 95.into(), 500.into()],
    });
    let tounicode = doc.add_object(Stream::new(dictionary! {}, to_unicode()));
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "STSong-Light",
        "Encoding" => "UniGB-UCS2-H", "DescendantFonts" => vec![cid.into()], "ToUnicode" => tounicode,
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let content = Content { operations: p.ops };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode()?));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources,
        "MediaBox" => vec![0.into(), 0.into(), W.into(), H.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! { "Producer" => Object::string_literal("docgate-fixtures"), "Title" => Object::string_literal("e-invoice (synthetic)") });
    doc.trailer.set("Info", info);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}
