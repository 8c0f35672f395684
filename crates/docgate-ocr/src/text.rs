//! Fields from a born-digital PDF's text layer (e-invoices): the same labels as on paper,
//! found in the extracted text, no OCR at all.

use docgate_codes::repair::CodeKind;
use docgate_core::{fields as f, DocumentKind, ExtractedField};

use crate::readers::Fields;
use crate::values::{self, CREDIT_ALPHABET};

/// The value printed after `label` (at or after byte `from`): colons and spaces skipped,
/// up to the next whitespace. Returns the value and where it ends.
fn after<'t>(text: &'t str, from: usize, label: &str) -> Option<(&'t str, usize)> {
    let i = from + text.get(from..)?.find(label)? + label.len();
    let rest = &text[i..];
    let skip = rest.len()
        - rest
            .trim_start_matches(|c: char| c.is_whitespace() || "：:".contains(c))
            .len();
    let start = i + skip;
    let len = text[start..]
        .find(char::is_whitespace)
        .unwrap_or(text.len() - start);
    (len > 0).then(|| (&text[start..start + len], start + len))
}

fn put(out: &mut Fields, name: &str, value: String, repaired_from: Option<String>) {
    out.insert(
        name.to_string(),
        ExtractedField {
            value,
            // Text from the file itself: nothing was guessed.
            confidence: 1.0,
            region: None,
            repaired_from,
            alternatives: Vec::new(),
            char_confidence: Vec::new(),
        },
    );
}

/// Reads the fields of `kind` from a page's text layer. Only invoices are born-digital in
/// practice; other kinds yield nothing here (their scans are OCR'd).
pub fn read_text(kind: DocumentKind, text: &str) -> Fields {
    let mut out = Fields::new();
    if kind != DocumentKind::VatInvoice {
        return out;
    }
    let seller_at = text.find("销售方");
    let buyer_at = text.find("购买方");
    // Every 名称 value and every 18-character code, in text order. Whichever side label
    // comes first in the text owns the first of each (top/bottom on paper, left/right on
    // 数电票 extracted line by line), the other side the last.
    let mut names = Vec::new();
    let mut from = 0;
    while let Some((val, end)) = after(text, from, "名称") {
        // 项目名称 (the items column) is not a party's name.
        let label_at = text[..end].rfind("名称").unwrap_or(0);
        let before = text[..label_at].chars().next_back();
        if !before.is_some_and(crate::values::is_han) {
            names.push(val);
        }
        from = end;
    }
    let codes: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| t.len() == 18 && t.chars().any(|c| c.is_ascii_digit()))
        .collect();
    let seller_first = match (seller_at, buyer_at) {
        (Some(s), Some(b)) => s < b,
        (Some(_), None) => true,
        _ => false,
    };
    let pick = |v: &[&str], first: bool| -> Option<String> {
        if first {
            v.first()
        } else {
            v.last().filter(|_| v.len() >= 2)
        }
        .map(|s| s.to_string())
    };
    if seller_at.is_some() {
        if let Some(v) = pick(&names, seller_first).and_then(|n| values::name(&n)) {
            put(&mut out, f::SELLER_NAME, v, None);
        }
        if let Some(c) = pick(&codes, seller_first)
            .and_then(|c| values::code(&c, 18, CREDIT_ALPHABET, CodeKind::CreditCode))
        {
            put(&mut out, f::SELLER_TAX_ID, c.value, c.repaired_from);
        }
    }
    if buyer_at.is_some() {
        if let Some(v) = pick(&names, !seller_first).and_then(|n| values::name(&n)) {
            put(&mut out, f::BUYER_NAME, v, None);
        }
    }
    if let Some((d, _)) = after(text, 0, "开票日期") {
        if let Some(v) = values::dates(d).into_iter().next() {
            put(&mut out, f::ISSUE_DATE, v, None);
        }
    }
    if let Some((n, _)) = after(text, 0, "发票号码") {
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            put(&mut out, f::INVOICE_NUMBER, digits, None);
        }
    }
    if let Some((c, _)) = after(text, 0, "发票代码") {
        let digits: String = c.chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            put(&mut out, f::INVOICE_CODE, digits, None);
        }
    }
    if let Some(at) = text.find("税率") {
        let end = text[at..].find("合计").map_or(text.len(), |e| at + e);
        if let Some(v) = values::tax_rates(&text[at..end]) {
            put(&mut out, f::TAX_RATE, v, None);
        }
    }
    out
}
