//! Per-kind readers: find the printed labels, read only the value next to each, with the
//! model and alphabet that suit the field, and turn readings into field values.

use std::collections::BTreeMap;

use docgate_codes::repair::CodeKind;
use docgate_core::{fields as f, DocumentKind, ExtractedField, Region};
use image::RgbImage;

use crate::engine::{Model, Ocr, Psm, Reading, Word};
use crate::page::{padded, LabelHit, Page, Quad};
use crate::values::{self, CREDIT_ALPHABET, DIGITS, ID_ALPHABET};

/// Fields read from one document, by field name.
pub type Fields = BTreeMap<String, ExtractedField>;

/// Reads the fields the rules need from one document page. `text_layer` is the PDF text of
/// that page when the PDF has one: then no OCR runs at all. `page` is the decoded page image
/// (`None` for a vector-only PDF page). Never fails: what cannot be read is absent.
pub fn read_document(
    ocr: &dyn Ocr,
    kind: DocumentKind,
    page: Option<&RgbImage>,
    quad: Option<&Quad>,
    text_layer: Option<&str>,
) -> Fields {
    if let Some(text) = text_layer.filter(|t| t.chars().filter(|c| !c.is_whitespace()).count() > 20)
    {
        let from_text = crate::text::read_text(kind, text);
        if !from_text.is_empty() {
            return from_text;
        }
    }
    let Some(page) = page else {
        return Fields::new();
    };
    let mut p = Page::new(ocr, page, quad, kind != DocumentKind::VatInvoice);
    let mut out = Out {
        fields: Fields::new(),
    };
    read_page(kind, &mut p, &mut out);
    // A company seal stamped over a code's line can hide its label from the washed
    // greyscale altogether (seed 73: two letters' credit codes under the seal, not found).
    // Read such a page again on its seal-free greyscale, for the fields still missing.
    let codes: &[&str] = match kind {
        DocumentKind::BusinessLicense => &[f::CREDIT_CODE, f::REGISTRATION_NUMBER],
        DocumentKind::AuthorizationLetter => &[f::CREDIT_CODE],
        DocumentKind::BankPermit => &[f::ACCOUNT_NUMBER],
        _ => &[],
    };
    if !codes.is_empty() && codes.iter().all(|c| !out.fields.contains_key(*c)) {
        if let Some(mut q) = Page::new_seal_free(ocr, page, quad) {
            let mut again = Out {
                fields: Fields::new(),
            };
            read_page(kind, &mut q, &mut again);
            for (name, field) in again.fields {
                out.fields.entry(name).or_insert(field);
            }
        }
    }
    // Last, and after the seal-free look (which also fills the fields the first pass
    // missed), a licence's one valid code read from wherever it stands.
    let valid = out
        .fields
        .get(f::CREDIT_CODE)
        .is_some_and(|v| values::is_valid_code(CodeKind::CreditCode, &v.value));
    if kind == DocumentKind::BusinessLicense
        && !valid
        && !out.fields.contains_key(f::REGISTRATION_NUMBER)
    {
        licence_code_by_shape(&mut p, &mut out);
    }
    out.fields
}

fn read_page(kind: DocumentKind, p: &mut Page<'_>, out: &mut Out) {
    match kind {
        DocumentKind::BusinessLicense => license(p, out),
        DocumentKind::IdCardFront => id_front(p, out),
        DocumentKind::IdCardBack => id_back(p, out),
        DocumentKind::VatInvoice => invoice(p, out),
        DocumentKind::AuthorizationLetter => letter(p, out),
        DocumentKind::BankPermit => bank(p, out),
    }
}

struct Out {
    fields: Fields,
}

impl Out {
    fn put(&mut self, p: &Page<'_>, name: &str, value: String, r: &Reading, raw: Option<String>) {
        self.fields.insert(
            name.to_string(),
            ExtractedField {
                char_confidence: char_confidence(&value, r),
                value,
                confidence: r.confidence(),
                region: r.region().map(|g: Region| p.to_original(g)),
                repaired_from: raw,
                alternatives: Vec::new(),
            },
        );
    }
}

/// The confidence of each character of `value` (a cleaned-up reading of `r`): each character
/// takes the confidence of the next recognised character it equals (NFKC, so full-width
/// brackets find their half-width selves); a character that is not found (a repair, a
/// normalisation) takes the confidence of the word where the search stands.
fn char_confidence(value: &str, r: &Reading) -> Vec<f32> {
    use unicode_normalization::UnicodeNormalization;
    let fold = |c: char| c.nfkc().next().unwrap_or(c);
    let read: Vec<(char, f32)> = r
        .words
        .iter()
        .flat_map(|w| w.text.chars().map(move |c| (fold(c), w.confidence)))
        .collect();
    let mut at = 0;
    value
        .chars()
        .map(|c| {
            let c = fold(c);
            match read[at.min(read.len())..].iter().position(|x| x.0 == c) {
                Some(k) => {
                    at += k + 1;
                    read[at - 1].1
                }
                None => read.get(at).or(read.last()).map_or(0.0, |x| x.1),
            }
        })
        .collect()
}

/// Reads a code right of (or, failing that, below) a label, validated and repaired.
#[allow(clippy::too_many_arguments)]
fn code_field(
    p: &Page<'_>,
    out: &mut Out,
    hit: &LabelHit,
    name: &str,
    len: usize,
    alphabet: &str,
    kind: CodeKind,
    below_too: bool,
) -> bool {
    let reads = |p: &Page<'_>| {
        let mut tries: Vec<Option<Reading>> = vec![p.right_of(hit, Model::Eng, Some(alphabet))];
        if below_too {
            tries.push(p.below(hit, Model::Eng, Some(alphabet)));
        }
        tries
    };
    let mut fallback = None;
    // Read as is; only when no reading validates, look again: seals seen through, then
    // 1.5x larger, then small print at a line height Tesseract reads (see
    // `Page::seal_free`, `Page::zoomed` and `Page::ink_fitted`).
    let looks: [&dyn Fn() -> Vec<Option<Reading>>; 4] = [
        &|| reads(p),
        &|| p.seal_free(reads).unwrap_or_default(),
        &|| p.zoomed(1.5, reads),
        &|| p.ink_fitted(reads),
    ];
    for look in looks {
        for r in look().into_iter().flatten() {
            if let Some(c) = values::code(&r.text(), len, alphabet, kind) {
                let valid = values::is_valid_code(kind, &c.value);
                if valid {
                    out.put(p, name, c.value, &r, c.repaired_from);
                    return true;
                }
                fallback.get_or_insert((c, r));
            }
        }
    }
    // An invalid reading is still evidence: the rules say Uncertain and show it.
    if let Some((c, r)) = fallback {
        out.put(p, name, c.value, &r, c.repaired_from);
        return true;
    }
    false
}

fn name_right(p: &Page<'_>, out: &mut Out, hit: &LabelHit, name: &str, person: bool) {
    if person {
        name_after(p, out, hit, name, values::person);
    } else {
        name_after(p, out, hit, name, values::name);
    }
}

/// Unsharp-mask radius for the licence's company name (see [`Page::sharpened`]). Scored
/// with `docgate eval` over seeds 113, 101, 73, 97, 61 and fixtures/small, sharpening every
/// name read (σ 1.0, both models) against none: licence company names 326 → 343 of 440
/// (seed 113, never tuned on: 77.5 → 80.4 %), while the other names did not gain (legal
/// representative 327 → 322, ID name 316 → 312, invoice buyer 151 → 155 and seller
/// 152 → 151 of 227, account name 146 → 146 of 186, letter company name 86 → 85 of 98).
/// σ 1.5 and 3 were worse, and sharpening every read cost dates.
const LICENCE_NAME_SHARPEN: f32 = 1.0;

/// [`name_right`] with the reading's text turned into the value by `value`.
fn name_after(
    p: &Page<'_>,
    out: &mut Out,
    hit: &LabelHit,
    name: &str,
    value: impl Fn(&str) -> Option<String>,
) {
    let clean = |r: Reading| value(&r.text()).map(|v| (v, r));
    // Read twice: the fast model (whose reading of a short piece the label search already
    // made) and the standard one, which knows rarer characters. Agreement is kept; on
    // disagreement the more confident reading wins.
    let fast = p.value_after(hit, None).and_then(clean);
    let std = p
        .value_after_with(hit, None, Model::ChiSimStd)
        .and_then(clean);
    // The standard model's reading is preferred only when clearly more confident: on
    // company names the fast one is as often right (fixtures/small and seed 23, 2026-11-24).
    let (best, other) = match (fast, std) {
        (Some(a), Some(b)) if b.1.confidence() >= a.1.confidence() + 0.05 => (Some(b), Some(a)),
        (Some(a), b) => (Some(a), b),
        (None, b) => (b, None),
    };
    if let Some((v, r)) = best {
        let mut alternatives: Vec<String> = other
            .as_ref()
            .map(|o| o.0.clone())
            .filter(|o| *o != v)
            .into_iter()
            .collect();
        out.put(p, name, v.clone(), &r, None);
        // Two readings of the same length that differ in a few characters: each character
        // from the reading that was surer of it (the fast model slips on rare characters the
        // standard one knows, and the other way round). Both whole readings stay evidence.
        if let Some(f) = out.fields.get_mut(name) {
            let merged = other.and_then(|(ov, or)| {
                merge_readings(&v, &f.char_confidence, &ov, &char_confidence(&ov, &or))
            });
            if let Some((merged, conf)) = merged.filter(|m| m.0 != v) {
                alternatives.push(v);
                alternatives.retain(|a| *a != merged);
                f.value = merged;
                f.char_confidence = conf;
            }
            f.alternatives = alternatives;
        }
    }
}

/// Character by character, the surer of two readings of the same print; `None` unless they
/// have the same length and differ in at most a third of their characters (more is not
/// the same alignment).
fn merge_readings(a: &str, ca: &[f32], b: &str, cb: &[f32]) -> Option<(String, Vec<f32>)> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() != b.len() || ca.len() != a.len() || cb.len() != b.len() {
        return None;
    }
    let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    if differ * 3 > a.len() {
        return None;
    }
    Some(
        (0..a.len())
            .map(|i| {
                if cb[i] > ca[i] {
                    (b[i], cb[i])
                } else {
                    (a[i], ca[i])
                }
            })
            .unzip(),
    )
}

const DATE_CHARS: &str = "0123456789年月日.-至长期";

fn license(p: &mut Page<'_>, out: &mut Out) {
    if let Some(hit) = p.find_label(&["统一社会信用代码", "社会信用代码"]) {
        code_field(
            p,
            out,
            &hit,
            f::CREDIT_CODE,
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
            true,
        );
    } else if let Some(hit) = p.find_label(&["注册号"]) {
        code_field(
            p,
            out,
            &hit,
            f::REGISTRATION_NUMBER,
            15,
            DIGITS,
            CodeKind::RegistrationNumber,
            false,
        );
    }
    if let Some(hit) = p.find_label(&["名称"]) {
        p.sharpened(LICENCE_NAME_SHARPEN, |p| {
            name_right(p, out, &hit, f::COMPANY_NAME, false)
        });
    }
    if let Some(hit) = p.find_label(&["法定代表人", "负责人", "经营者", "投资人"]) {
        name_right(p, out, &hit, f::LEGAL_REP_NAME, true);
    }
    if let Some(hit) = p.find_label(&["营业期限", "经营期限", "合伙期限"]) {
        if let Some(r) = p.value_after(&hit, Some(DATE_CHARS)) {
            if let Some(v) = values::end_of_term(&r.text()) {
                out.put(p, f::TERM_END, v, &r, None);
            }
        }
    }
    if let Some(hit) = p.find_label(&["成立日期", "注册日期"]) {
        if let Some(r) = p.value_after(&hit, Some(DATE_CHARS)) {
            if let Some(v) = values::dates(&r.text()).into_iter().next() {
                out.put(p, f::ESTABLISHED, v, &r, None);
            }
        }
    }
}

fn id_front(p: &mut Page<'_>, out: &mut Out) {
    if let Some(hit) = p.find_label(&["姓名"]) {
        name_right(p, out, &hit, f::ID_NAME, true);
    }
    if !out.fields.contains_key(f::ID_NAME) {
        name_above_sex(p, out);
    }
    if let Some(hit) = p.find_label(&["公民身份号码", "身份号码", "公民身份"]) {
        code_field(
            p,
            out,
            &hit,
            f::ID_NUMBER,
            18,
            ID_ALPHABET,
            CodeKind::ResidentId,
            false,
        );
    }
}

/// The card's labels are printed pale and small beside a large, dark name, and 姓名 is what
/// most often fails to read. The values of 姓名 and 性别 start in one column: the name is
/// the row above 性别, read from where 性别's value starts.
fn name_above_sex(p: &mut Page<'_>, out: &mut Out) {
    let Some(hit) = p.find_label(&["性别"]) else {
        return;
    };
    let Some(x) = p.value_start(&hit) else {
        return;
    };
    let Some(row) = p.row_above(&hit, x) else {
        return;
    };
    let h = row[3];
    let x0 = x.saturating_sub(h / 3).max(row[0]);
    let area = padded([x0, row[1], row[0] + row[2] - x0, h]);
    if let Some(r) = p.read(area, Model::ChiSim, Psm::Line, None) {
        if let Some(v) = values::person(&r.text()) {
            out.put(p, f::ID_NAME, v, &r, None);
        }
    }
}

fn id_back(p: &mut Page<'_>, out: &mut Out) {
    let labelled = p
        .find_label(&["有效期限", "有效期"])
        .and_then(|hit| p.value_after(&hit, Some("0123456789.-长期")));
    if labelled.is_some_and(|r| validity(p, out, &r)) {
        return;
    }
    // The label is printed small and pale (light blue on a real card) and is often what
    // fails to read while the dates beside it are dark: find the line by its shape instead,
    // from the bottom up (the validity period is the card's last line).
    let lines: Vec<Region> = p.lines.iter().rev().map(|l| l.region).collect();
    for r in lines {
        if let Some(reading) = p.read(padded(r), Model::ChiSim, Psm::Line, None) {
            if validity(p, out, &reading) {
                return;
            }
        }
    }
}

/// Puts the validity period read in `r` ("2024.11.06-2044.11.06", "…-长期"); whether a
/// start date was found.
fn validity(p: &Page<'_>, out: &mut Out, r: &Reading) -> bool {
    let text = r.text();
    let ds = values::dates(&text);
    let Some(from) = ds.first() else {
        return false;
    };
    out.put(p, f::ID_VALID_FROM, from.clone(), r, None);
    if let Some(to) = values::end_of_term(&text) {
        if ds.len() >= 2 || to == "长期" {
            out.put(p, f::ID_VALID_TO, to, r, None);
        }
    }
    true
}

fn invoice(p: &mut Page<'_>, out: &mut Out) {
    // Buyer and seller blocks print the same labels. A seller field read from the buyer's
    // block would fail a correct submission (the buyer is another company), so each label
    // is tied to its block: the block's 销售方 mark (the first one; the footer's
    // "销售方（章）" comes after), and the seller's tax id to the seller's name above it.
    let names = p.find_labels(&["名称"]);
    let ids = p.find_labels(&["纳税人识别号", "统一社会信用代码"]);
    // The footer's "销售方（章）" is the seller's stamp, not the block's mark; without a
    // mark read, the seller's block is the one below the totals (价税合计) on paper invoices.
    let prefixes = p.prefixes();
    // The footer's row also prints 收款人, 复核 and 开票人: with 章 misread, those tell it.
    let footer = |h: &LabelHit| {
        let m = h.line_region;
        let same_row = |r: &Region| (r[1] + r[3] / 2).abs_diff(m[1] + m[3] / 2) < m[3].max(r[3]);
        prefixes.iter().any(|(r, t)| {
            (*r == m && t.contains('章'))
                || (*r != m
                    && same_row(r)
                    && ["收款人", "复核", "开票人"].iter().any(|w| t.contains(w)))
        })
    };
    let mark = p
        .find_labels(&["销售方"])
        .into_iter()
        .find(|h| !footer(h))
        .or_else(|| p.find_label(&["价税合计"]));
    let (buyer, seller) = match &mark {
        Some(m) => {
            let seller = in_block(m.line_region, &names);
            let buyer = names
                .iter()
                .filter(|h| seller.is_none_or(|s| h.line != s.line))
                .find(|h| {
                    h.line_region[1] + m.line_region[3] < m.line_region[1] || {
                        // Side by side (数电票): left of the seller's mark.
                        h.line_region[0] + m.line_region[3] < m.line_region[0]
                    }
                });
            (buyer, seller)
        }
        None if names.len() >= 2 => (names.first(), names.last()),
        // One 名称 and no block mark: whose it is cannot be told; read neither.
        None => (None, None),
    };
    let tax_id = match (seller, &mark) {
        (Some(s), _) => just_below(s.line_region, &ids),
        (None, Some(m)) => in_block(m.line_region, &ids),
        (None, None) => None,
    };
    // The buyer's tax id: above the seller's mark (or left of it, side by side).
    let buyer_id = mark.as_ref().and_then(|m| {
        ids.iter().find(|h| {
            h.line_region[1] + m.line_region[3] < m.line_region[1]
                || h.line_region[0] + m.line_region[3] < m.line_region[0]
        })
    });
    // A 名称 found above the mark but far from the buyer's tax id is another label (项目名称).
    let buyer = buyer.filter(|b| {
        buyer_id.is_none_or(|id| just_below(b.line_region, std::slice::from_ref(id)).is_some())
    });
    invoice_name(p, out, buyer, buyer_id, f::BUYER_NAME);
    invoice_name(p, out, seller, tax_id, f::SELLER_NAME);
    let read = tax_id.is_some_and(|hit| {
        code_field(
            p,
            out,
            hit,
            f::SELLER_TAX_ID,
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
            false,
        )
    });
    if !read {
        let (seller, mark) = (seller.map(|s| s.line_region), mark.map(|m| m.line_region));
        seller_id_by_shape(p, out, seller, mark);
    }
    if let Some(hit) = p.find_label(&["开票日期"]) {
        if let Some(r) = p.value_after(&hit, Some(DATE_CHARS)) {
            let value = r.region().unwrap_or(hit.line_region);
            let area = crate::engine::union([hit.line_region, value]);
            if let Some((v, r)) = area.and_then(|a| vote_date(p, a, Some(r))) {
                out.put(p, f::ISSUE_DATE, v, &r, None);
            }
        }
    }
    if !out.fields.contains_key(f::ISSUE_DATE) {
        issue_date_by_shape(p, out);
    }
    tax_rate(p, out);
    invoice_numbers(p, out);
}

/// A party's name on an invoice. The label 名称 is small print in the form's colour, and
/// the layout pass often joins it to the larger black name printed after it, so that the
/// label is not read at all. The name is then read again on the black print alone (the
/// label gone), from the line where the label was found or, without one, the line just
/// above the party's 纳税人识别号.
fn invoice_name(
    p: &Page<'_>,
    out: &mut Out,
    hit: Option<&LabelHit>,
    id: Option<&LabelHit>,
    name: &str,
) {
    if let Some(hit) = hit {
        name_right(p, out, hit, name, false);
    }
    if out.fields.contains_key(name) {
        return;
    }
    let line = hit.cloned().or_else(|| {
        let id = id?;
        whole_line(p, p.row_above(id, id.label[0])?, "名称")
    });
    if let Some(line) = line {
        p.seal_free(|p| name_right(p, out, &line, name, false));
    }
}

/// The label hit nearest a block mark (销售方), at or below its top and not left of it.
fn in_block(mark: Region, hits: &[LabelHit]) -> Option<&LabelHit> {
    let h = mark[3].max(1);
    hits.iter()
        .filter(|t| t.line_region[1] + h >= mark[1] && t.line_region[0] + h >= mark[0])
        .min_by_key(|t| {
            t.line_region[1].saturating_sub(mark[1]) + t.line_region[0].saturating_sub(mark[0]) / 4
        })
}

/// The seller's tax id when its label did not read (纳税人识别号 at 9 px, both ends
/// slipped): the first code-shaped piece of the seller's block, under the seller's 名称 or
/// else below the block's 销售方 mark, taken only when its check characters hold. The
/// buyer's id stands above the mark (or left of it), outside the block.
fn seller_id_by_shape(p: &mut Page<'_>, out: &mut Out, name: Option<Region>, mark: Option<Region>) {
    let in_block = |r: &Region| match (name, mark) {
        (Some(n), _) => {
            let h = n[3].max(1);
            r[1] > n[1] + h / 2 && r[1] <= n[1] + 5 * h && r[0] + 3 * h >= n[0]
        }
        // The mark may be the totals row (价税合计) just above the block: the id is the
        // block's second row, rows being three to four text heights apart.
        (None, Some(m)) => {
            let h = m[3].max(1);
            r[1] + h >= m[1] && r[1] <= m[1] + 12 * h && r[0] >= m[0]
        }
        (None, None) => false,
    };
    let mut pieces: Vec<Region> = p
        .prefixes()
        .into_iter()
        .filter(|(r, t)| {
            let code_chars = t.chars().filter(char::is_ascii_alphanumeric).count();
            in_block(r) && code_chars >= 12 && r[2] >= 6 * r[3]
        })
        .map(|(r, _)| r)
        .collect();
    pieces.sort_by_key(|r| r[1]);
    for r in pieces {
        if let Some((c, reading)) = valid_code_in(p, r) {
            out.put(p, f::SELLER_TAX_ID, c.value, &reading, c.repaired_from);
            return;
        }
    }
    if mark.is_none() {
        seller_id_by_layout(p, out);
    }
}

/// A licence's credit code when its label did not read (统一社会信用代码 slipped: seeds 101
/// and 97 had three such scans and photos) or what was read after it does not validate: a
/// licence prints one credit code, so a valid one (both check characters, a mainland
/// province) read from any piece that starts like a code is it. Only a single distinct
/// valid code is taken.
fn licence_code_by_shape(p: &mut Page<'_>, out: &mut Out) {
    let found = valid_codes_in_pieces(p, |r, t| {
        let digits = t.chars().filter(char::is_ascii_digit).count();
        let code_chars = t.chars().filter(char::is_ascii_alphanumeric).count();
        digits >= 4 && code_chars >= 8 && r[2] >= 8 * r[3]
    });
    if let [(_, c, reading)] = found.as_slice() {
        out.put(
            p,
            f::CREDIT_CODE,
            c.value.clone(),
            reading,
            c.repaired_from.clone(),
        );
    }
}

/// The distinct valid credit codes read (by [`valid_code_in`]) from the pieces whose
/// region and prefix reading pass `candidate`, with the piece each was read from.
fn valid_codes_in_pieces(
    p: &mut Page<'_>,
    candidate: impl Fn(&Region, &str) -> bool,
) -> Vec<(Region, values::Code, Reading)> {
    let pieces: Vec<Region> = p
        .prefixes()
        .into_iter()
        .filter(|(r, t)| candidate(r, t))
        .map(|(r, _)| r)
        .collect();
    let mut found: Vec<(Region, values::Code, Reading)> = Vec::new();
    for r in pieces {
        if let Some((c, reading)) = valid_code_in(p, r) {
            if !found.iter().any(|k| k.1.value == c.value) {
                found.push((r, c, reading));
            }
        }
    }
    found
}

/// A piece taken as the line of a label that was not read (`label`, with all its
/// characters missed): a zero-width label box, so that the whole piece is the value. Used
/// for a party's name line above its tax id, and for a code's own piece, whose row above
/// is then the party's name ([`invoice_name`]).
fn whole_line(p: &Page<'_>, r: Region, label: &str) -> Option<LabelHit> {
    Some(LabelHit {
        text: label.into(),
        misses: label.chars().count(),
        line: p.lines.iter().position(|l| l.region == r)?,
        label: [r[0], r[1], 0, r[3]],
        line_region: r,
    })
}

/// The first valid credit code read in a piece, by the looks of `code_field`.
fn valid_code_in(p: &Page<'_>, r: Region) -> Option<(values::Code, Reading)> {
    let reads =
        |p: &Page<'_>, r: Region| p.read(padded(r), Model::Eng, Psm::Line, Some(CREDIT_ALPHABET));
    let looks: [&dyn Fn() -> Option<Reading>; 4] = [
        &|| reads(p, r),
        &|| p.seal_free(|p| reads(p, r)).flatten(),
        &|| p.zoomed(1.5, |p| reads(p, r)),
        &|| p.ink_fitted(|p| reads(p, r)),
    ];
    for reading in looks.into_iter().filter_map(|look| look()) {
        let code = values::code(&reading.text(), 18, CREDIT_ALPHABET, CodeKind::CreditCode);
        if let Some(c) = code.filter(|c| values::is_valid_code(CodeKind::CreditCode, &c.value)) {
            return Some((c, reading));
        }
    }
    None
}

/// The seller's tax id when no label of the seller's block read (名称, 纳税人识别号,
/// 销售方 and 价税合计 all slipped at 9-10 px: seeds 113, 73 and 61 had such paper
/// invoices). Both national layouts place the parties' ids where their position tells
/// whose each is: a paper VAT invoice prints the buyer's block above the goods and the
/// seller's below them; a fully digital one prints the buyer left and the seller right on
/// one row. So every wide piece that may hold a code (digits in its prefix, or a prefix
/// joined to its label) is read, and of the distinct valid codes the lower one is the
/// seller's, or on one row the right one. A lone code is the seller's only where no buyer's
/// id stands: in the page's lower half or its right half.
fn seller_id_by_layout(p: &mut Page<'_>, out: &mut Out) {
    let (width, height) = p.dimensions();
    let codes = valid_codes_in_pieces(p, |r, t| {
        t.chars().filter(char::is_ascii_digit).count() >= 3 && r[2] >= 8 * r[3]
    });
    let mid = |r: &Region| (r[0] + r[2] / 2, r[1] + r[3] / 2);
    let seller = match codes.as_slice() {
        [] => None,
        [one] => {
            let (x, y) = mid(&one.0);
            (2 * y > height || 2 * x > width).then_some(one)
        }
        [a, b] => {
            let ((ax, ay), (bx, by)) = (mid(&a.0), mid(&b.0));
            let h = a.0[3].max(b.0[3]);
            Some(if ay.abs_diff(by) > 3 * h {
                if by > ay {
                    b
                } else {
                    a
                }
            } else if bx > ax {
                b
            } else {
                a
            })
        }
        // More distinct codes than two parties: which is whose is a guess.
        _ => None,
    };
    let Some((at, c, reading)) = seller else {
        return;
    };
    out.put(
        p,
        f::SELLER_TAX_ID,
        c.value.clone(),
        reading,
        c.repaired_from.clone(),
    );
    // Each party's name is printed on the row above its id.
    if !out.fields.contains_key(f::SELLER_NAME) {
        let hit = whole_line(p, *at, "纳税人识别号");
        invoice_name(p, out, None, hit.as_ref(), f::SELLER_NAME);
    }
    let buyer = codes.iter().find(|k| k.1.value != c.value).map(|k| k.0);
    if !out.fields.contains_key(f::BUYER_NAME) {
        let hit = buyer.and_then(|r| whole_line(p, r, "纳税人识别号"));
        invoice_name(p, out, None, hit.as_ref(), f::BUYER_NAME);
    }
}

/// The label hit on the lines just below `above` (within four line heights), starting
/// near its left edge: the tax id printed under a block's 名称.
fn just_below(above: Region, hits: &[LabelHit]) -> Option<&LabelHit> {
    let h = above[3].max(1);
    hits.iter()
        .filter(|t| {
            let r = t.line_region;
            r[1] > above[1] + h / 2 && r[1] <= above[1] + 4 * h && r[0].abs_diff(above[0]) <= 3 * h
        })
        .min_by_key(|t| t.line_region[1])
}

/// The issue date when 开票日期 did not read (开日其 at 9 px): an invoice prints one full
/// date, in its header above the parties' blocks. The pieces of the page's top quarter whose
/// prefix holds a 年 and four digits are read whole; a date is taken only when exactly one
/// distinct date results.
fn issue_date_by_shape(p: &mut Page<'_>, out: &mut Out) {
    let (_, height) = p.dimensions();
    let pieces: Vec<Region> = p
        .prefixes()
        .into_iter()
        .filter(|(r, t)| {
            r[1] < height / 4
                && t.contains('年')
                && t.chars().filter(char::is_ascii_digit).count() >= 4
        })
        .map(|(r, _)| r)
        .collect();
    let mut found: Vec<(String, Reading)> = Vec::new();
    for r in pieces {
        if let Some((d, reading)) = vote_date(p, r, None) {
            if !found.iter().any(|(x, _)| *x == d) {
                found.push((d, reading));
            }
        }
    }
    if let [(d, r)] = found.as_slice() {
        out.put(p, f::ISSUE_DATE, d.clone(), r, None);
    }
}

/// A small printed date read several ways (as is, 1.5x and 0.7x, the black print alone,
/// as a raw line, the standard model) and decided by [`values::vote_dates`]. `first` is a
/// reading already made of the area.
fn vote_date(p: &Page<'_>, area: Region, first: Option<Reading>) -> Option<(String, Reading)> {
    let a = padded(area);
    let chi = |p: &Page<'_>| p.read(a, Model::ChiSim, Psm::Line, None);
    let readings: Vec<Reading> = [
        first.or_else(|| chi(p)),
        p.zoomed(1.5, chi),
        p.zoomed(0.7, chi),
        p.seal_free(chi).flatten(),
        p.read(a, Model::ChiSim, Psm::RawLine, None),
        p.read(a, Model::ChiSimStd, Psm::Line, None),
    ]
    .into_iter()
    .flatten()
    .collect();
    let texts: Vec<String> = readings.iter().map(Reading::text).collect();
    let (date, k) = values::vote_dates(&texts)?;
    Some((date, readings[k].clone()))
}

/// The 税率 column: the header cell is a piece of its own (cells are split at their rules);
/// the rates are the pieces below it, within the column, down to the totals row (合计).
/// Each row's rate is checked against its arithmetic (see [`rates_by_arithmetic`]): where
/// a row's 金额 and 税额 fix its rate, that rate stands, read or not.
fn tax_rate(p: &mut Page<'_>, out: &mut Out) {
    let column: Vec<Region> = match p.find_label(&["税率", "征收率", "税率/征收率"]) {
        Some(head) => {
            let hr = head.line_region;
            let h = hr[3];
            let bottom = p
                .find_labels(&["合计", "价税合计"])
                .into_iter()
                .map(|t| t.line_region[1])
                .filter(|y| *y > hr[1] + h)
                .min()
                .unwrap_or(hr[1] + h * 20);
            let (cx0, cx1) = (hr[0].saturating_sub(h * 2), hr[0] + hr[2] + h * 2);
            p.lines
                .iter()
                .map(|l| l.region)
                .filter(|r| {
                    let cx = r[0] + r[2] / 2;
                    r[1] > hr[1] + h / 2 && r[1] + r[3] / 2 < bottom && cx >= cx0 && cx <= cx1
                })
                .collect()
        }
        None => Vec::new(),
    };
    let mut cells = read_rates(p, column);
    if cells.is_empty() {
        // The small header (9 px on a photographed paper invoice) is what fails to read, or
        // reads as its neighbour 税额 with one slip, while the rates below it read well. A
        // rate is the only thing an invoice prints as a short percentage: take the pieces
        // whose whole reading is one ("9%", "13%") and read them again with the digit model.
        let by_shape: Vec<Region> = p
            .prefixes()
            .into_iter()
            .filter(|(_, t)| is_rate_cell(t))
            .map(|(r, _)| r)
            .collect();
        cells = read_rates(p, by_shape);
    }
    let computed = rates_by_arithmetic(p);
    // Row by row: a rate the row's amounts fix replaces what its cell read (a 13 % read as
    // 1 %); a read rate in a row whose amounts did not read stays.
    let same_row = |a: Region, b: Region| {
        let (ca, cb) = (a[1] + a[3] / 2, b[1] + b[3] / 2);
        ca.abs_diff(cb) < a[3].max(b[3])
    };
    let mut rows: Vec<(u32, Vec<Word>)> = cells
        .into_iter()
        .filter(|(cell, _)| !computed.iter().any(|c| same_row(*cell, c.cell)))
        .map(|(cell, r)| (cell[1], r.words))
        .collect();
    let mut raw = Vec::new();
    for c in &computed {
        rows.push((c.cell[1], vec![c.word.clone()]));
        if values::tax_rates(&c.read).is_none_or(|r| r != c.word.text) {
            raw.push(c.read.clone());
        }
    }
    rows.sort_by_key(|r| r.0);
    let words: Vec<Word> = rows.into_iter().flat_map(|r| r.1).collect();
    let text: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
    if let Some(v) = values::tax_rates(&text.join("\n")) {
        // The cells' own readings, when the arithmetic overruled or supplied any of them.
        let raw = (!raw.is_empty()).then(|| raw.join(","));
        out.put(p, f::TAX_RATE, v, &Reading { words }, raw);
    }
}

/// What an amount is printed with.
const AMOUNT_CHARS: &str = "0123456789.,-¥";

/// A row's rate fixed by its arithmetic: the rate cell, what it read as, and the rate as a
/// word (the cell's box, the lower confidence of the two amounts read).
struct ComputedRate {
    cell: Region,
    read: String,
    word: Word,
}

/// The rate of every row whose amounts read: a VAT invoice prints 税额 = 金额 × 税率 on
/// each item row (to within the 6 fen of rounding the tax system allows), and the totals
/// row's tax is its amount's at a single rate. The amount and the tax, long digit strings,
/// fix a rate whose small "9%" is what reads worst (the % lost, 6% read as "6ss" or "-").
/// A pair is two amounts side by side on a row, or with one short piece (the rate cell)
/// between them. A unit price and its amount never fit (the "tax" would exceed 17 %).
fn rates_by_arithmetic(p: &mut Page<'_>) -> Vec<ComputedRate> {
    let pieces = p.prefix_readings();
    // Amounts as the prefix read them; the digit model's reading is added only where the
    // prefix readings fix no rate (at 9 px either slips: the point lost, a digit doubled).
    let from_prefix = |i: usize| -> Vec<(i64, f32)> {
        let r = &pieces[i].1;
        values::amount_fen(&r.text())
            .map(|a| (a, r.confidence()))
            .into_iter()
            .collect()
    };
    let digit_model = |i: usize| -> Vec<(i64, f32)> {
        let (r, read) = &pieces[i];
        if read.text().chars().filter(char::is_ascii_digit).count() < 3 {
            return Vec::new();
        }
        p.read(padded(*r), Model::Eng, Psm::Line, Some(AMOUNT_CHARS))
            .and_then(|x| values::amount_fen(&x.text()).map(|a| (a, x.confidence())))
            .into_iter()
            .collect()
    };
    let mut out = Vec::new();
    for (b, (tax_box, tax_read)) in pieces.iter().enumerate() {
        if tax_read.text().chars().filter(char::is_ascii_digit).count() < 3 {
            continue;
        }
        let h = tax_box[3].max(1);
        // Within a text height: a row drifts a few pixels over the table's width on a page
        // deskewed to a fraction of a degree.
        let in_row = |r: &Region| {
            let (ca, cb) = (r[1] + r[3] / 2, tax_box[1] + tax_box[3] / 2);
            ca.abs_diff(cb) < h.max(r[3])
        };
        let before = |x: u32| {
            (0..pieces.len())
                .filter(|k| {
                    let r = pieces[*k].0;
                    in_row(&r) && r[0] + r[2] <= x
                })
                .max_by_key(|k| pieces[*k].0[0])
        };
        let Some(prev) = before(tax_box[0]) else {
            continue;
        };
        let short = |k: usize| {
            let (r, t) = &pieces[k];
            t.text().chars().filter(|c| !c.is_whitespace()).count() <= 4
                && !t.text().contains('.')
                && r[2] <= 4 * r[3]
        };
        // The amount and, when one stands between, the rate cell.
        let (a, cell) = if values::amount_fen(&pieces[prev].1.text()).is_none() && short(prev) {
            match before(pieces[prev].0[0]) {
                Some(a) => (a, Some(prev)),
                None => continue,
            }
        } else {
            (prev, None)
        };
        let fit = |nets: &[(i64, f32)], taxes: &[(i64, f32)]| -> Option<(u32, f32)> {
            let mut fits = nets.iter().flat_map(|(net, c1)| {
                taxes.iter().filter_map(move |(tax, c2)| {
                    values::rate_from_amounts(*net, *tax).map(|r| (r, c1.min(*c2)))
                })
            });
            let first = fits.next()?;
            // Two readings of the row fixing two rates: neither does.
            fits.all(|(r, _)| r == first.0).then_some(first)
        };
        let (mut nets, mut taxes) = (from_prefix(a), from_prefix(b));
        let mut found = fit(&nets, &taxes);
        if found.is_none() {
            nets.extend(digit_model(a));
            taxes.extend(digit_model(b));
            found = fit(&nets, &taxes);
        }
        let Some((rate, confidence)) = found else {
            continue;
        };
        let a_box = pieces[a].0;
        let region = match cell {
            Some(c) => pieces[c].0,
            None => [
                a_box[0] + a_box[2],
                tax_box[1],
                tax_box[0].saturating_sub(a_box[0] + a_box[2]).max(1),
                h,
            ],
        };
        out.push(ComputedRate {
            cell: region,
            read: cell.map(|c| pieces[c].1.text()).unwrap_or_default(),
            word: Word {
                text: format!("{rate}%"),
                confidence,
                region,
                line: 0,
            },
        });
    }
    out
}

/// Reads rate cells with the digit model: each cell that reads as a rate, with its reading.
fn read_rates(p: &Page<'_>, cells: Vec<Region>) -> Vec<(Region, Reading)> {
    cells
        .into_iter()
        .filter_map(|c| {
            let r = p.read(padded(c), Model::Eng, Psm::Line, Some("0123456789%"))?;
            values::tax_rates(&r.text()).map(|_| (c, r))
        })
        .collect()
}

/// A piece read as nothing but a percentage of one or two digits.
fn is_rate_cell(t: &str) -> bool {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(num) = t.strip_suffix('%').or_else(|| t.strip_suffix('％')) else {
        return false;
    };
    (1..=2).contains(&num.len()) && num.chars().all(|c| c.is_ascii_digit())
}

/// Invoice number and code. Fully digital invoices print 发票号码 with 20 digits; paper
/// special invoices print "No" and 8 digits at the top right, and the 10- or 12-digit code
/// at the top left, without a label.
fn invoice_numbers(p: &mut Page<'_>, out: &mut Out) {
    if let Some(hit) = p.find_label(&["发票号码"]) {
        if let Some(r) = p.right_of(&hit, Model::Eng, Some(DIGITS)) {
            let d: String = r.text().chars().filter(char::is_ascii_digit).collect();
            if d.len() == 20 || d.len() == 8 {
                out.put(p, f::INVOICE_NUMBER, d, &r, None);
            }
        }
    }
    if let Some(hit) = p.find_label(&["发票代码"]) {
        if let Some(r) = p.right_of(&hit, Model::Eng, Some(DIGITS)) {
            let d: String = r.text().chars().filter(char::is_ascii_digit).collect();
            if d.len() == 10 || d.len() == 12 {
                out.put(p, f::INVOICE_CODE, d, &r, None);
            }
        }
    }
    if out.fields.contains_key(f::INVOICE_NUMBER) && out.fields.contains_key(f::INVOICE_CODE) {
        return;
    }
    let (w, h) = p.gray.dimensions();
    // Only the top band of the page, where both are printed.
    let top: Vec<(Region, String)> = p
        .prefixes()
        .into_iter()
        .filter(|(r, _)| r[1] < h / 4 && r[2] < w / 2)
        .collect();
    for (r, prefix) in top {
        let t: String = prefix.chars().filter(|c| !c.is_whitespace()).collect();
        // A paper invoice's number is printed after "No" at the top right: "No" is read
        // as Ne, NM or Mo, or lost (seeds 101, 113, 73, 97: six numbers missed). A piece
        // right of the middle, in the page's top eighth (the 密码区's lines of digits and
        // symbols start below it), that starts with a Latin letter or a digit and holds no
        // date is read for it too; only exactly eight digits are taken.
        let dated = t.contains(['年', '月', '日', '期']);
        let head = t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        let no = t.starts_with("No")
            || t.starts_with("N0")
            || t.starts_with("NO")
            || (r[0] > w / 2
                && r[1] < h / 8
                && head
                && !dated
                && t.chars().filter(char::is_ascii_digit).count() >= 6);
        let area = padded(r);
        if no && !out.fields.contains_key(f::INVOICE_NUMBER) {
            if let Some(rd) = p.read(area, Model::Eng, Psm::Line, Some("0123456789NoMe")) {
                let d: String = rd.text().chars().filter(char::is_ascii_digit).collect();
                if d.len() == 8 {
                    out.put(p, f::INVOICE_NUMBER, d, &rd, None);
                }
            }
        } else if !no
            && r[0] < w / 3
            && !out.fields.contains_key(f::INVOICE_CODE)
            && t.chars().filter(char::is_ascii_digit).count() >= 6
        {
            if let Some(rd) = p.read(area, Model::Eng, Psm::Line, Some(DIGITS)) {
                let d: String = rd.text().chars().filter(char::is_ascii_digit).collect();
                if d.len() == 10 || d.len() == 12 {
                    out.put(p, f::INVOICE_CODE, d, &rd, None);
                }
            }
        }
    }
}

fn letter(p: &mut Page<'_>, out: &mut Out) {
    if let Some(hit) = p.find_label(&["委托单位", "授权单位", "单位名称", "公司名称"])
    {
        name_right(p, out, &hit, f::COMPANY_NAME, false);
    }
    if let Some(hit) = p.find_label(&["统一社会信用代码", "社会信用代码", "信用代码"])
    {
        code_field(
            p,
            out,
            &hit,
            f::CREDIT_CODE,
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
            false,
        );
    }
}

fn bank(p: &mut Page<'_>, out: &mut Out) {
    if let Some(hit) = p.find_label(&["存款人名称", "开户名称", "账户名称", "存款人"])
    {
        name_right(p, out, &hit, f::ACCOUNT_NAME, false);
    } else if let Some(hit) = p.find_label(&["经审核"]) {
        // 开户许可证: "经审核，{name}符合开户条件，准予开立基本存款账户。"
        name_after(p, out, &hit, f::ACCOUNT_NAME, |t| {
            values::name(t.split("符合").next().unwrap_or(""))
        });
    }
    if let Some(hit) = p.find_label_not(&["账号", "账户号码", "帐号"], &["编号", "核准号"])
    {
        if let Some(r) = p.right_of(&hit, Model::Eng, Some(DIGITS)) {
            let digits: String = r.text().chars().filter(char::is_ascii_digit).collect();
            if (8..=32).contains(&digits.len()) {
                out.put(p, f::ACCOUNT_NUMBER, digits, &r, None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_rate_cell, merge_readings};

    #[test]
    fn two_readings_merge_character_by_character_by_confidence() {
        // The fast model read 鼎 as 勐 (unsure), the standard one 优 as 伏 (unsure).
        let (v, c) = merge_readings(
            "杭州恒优勐贸易有限公司",
            &[0.9, 0.9, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
            "杭州恒伏鼎贸易有限公司",
            &[0.8, 0.8, 0.8, 0.3, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
        )
        .expect("same length");
        assert_eq!(v, "杭州恒优鼎贸易有限公司");
        assert_eq!(c[4], 0.7);
        // Different lengths, or too many differences, are not one alignment.
        assert!(merge_readings("杭州", &[0.9, 0.9], "杭州市", &[0.9; 3]).is_none());
        assert!(merge_readings("甲乙丙", &[0.9; 3], "丁戊丙", &[0.95; 3]).is_none());
    }

    /// Counts layout passes (one per page built) over a scripted engine.
    struct Passes(crate::fake::FakeOcr, std::sync::atomic::AtomicUsize);

    impl crate::engine::Ocr for Passes {
        fn read(
            &self,
            req: &crate::engine::Request<'_>,
        ) -> Result<crate::engine::Reading, crate::engine::OcrError> {
            self.0.read(req)
        }
        fn lines(
            &self,
            image: &image::GrayImage,
            origin: docgate_core::Region,
        ) -> Result<Vec<docgate_core::Region>, crate::engine::OcrError> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.0.lines(image, origin)
        }
    }

    #[test]
    fn a_page_missing_its_code_under_seal_red_is_read_again_on_the_seal_free_grey() {
        use docgate_core::{fields as f, DocumentKind};
        let passes = |seal: bool, code: bool| {
            let mut img = image::RgbImage::from_pixel(1400, 1000, image::Rgb([240, 240, 236]));
            if seal {
                for y in 600..800 {
                    for x in 300..500 {
                        img.put_pixel(x, y, image::Rgb([200, 40, 40]));
                    }
                }
            }
            let mut fake = crate::fake::FakeOcr::new(Vec::new())
                .with("委托单位", [100, 500, 160, 30])
                .with("杭州示例科技有限公司", [300, 500, 400, 30]);
            if code {
                fake = fake
                    .with("统一社会信用代码", [100, 700, 320, 30])
                    .with("91350100M000100Y43", [440, 700, 360, 30]);
            }
            let engine = Passes(fake, Default::default());
            let fields = super::read_document(
                &engine,
                DocumentKind::AuthorizationLetter,
                Some(&img),
                None,
                None,
            );
            assert_eq!(fields.contains_key(f::CREDIT_CODE), code);
            assert!(fields.contains_key(f::COMPANY_NAME));
            engine.1.load(std::sync::atomic::Ordering::Relaxed)
        };
        // Code missing and seal red on the page: a second page, on the seal-free grey.
        assert_eq!(passes(true, false), 2);
        // Code found, or no seal red to see through: one page.
        assert_eq!(passes(true, true), 1);
        assert_eq!(passes(false, false), 1);
    }

    /// Records where whitelisted reads (codes) start, over a scripted engine.
    struct Starts(crate::fake::FakeOcr, std::sync::Mutex<Vec<u32>>);

    impl crate::engine::Ocr for Starts {
        fn read(
            &self,
            req: &crate::engine::Request<'_>,
        ) -> Result<crate::engine::Reading, crate::engine::OcrError> {
            if req.whitelist.is_some() {
                self.1.lock().expect("lock").push(req.origin[0]);
            }
            self.0.read(req)
        }
        fn lines(
            &self,
            image: &image::GrayImage,
            origin: docgate_core::Region,
        ) -> Result<Vec<docgate_core::Region>, crate::engine::OcrError> {
            self.0.lines(image, origin)
        }
    }

    #[test]
    fn a_code_right_of_its_label_is_read_from_a_crop_without_the_label() {
        // Seed 73 FX73-0020: a sliver of 号 at the crop's left edge made Tesseract drop the
        // account number's first digit.
        use docgate_core::{fields as f, DocumentKind};
        let fake = crate::fake::FakeOcr::new(Vec::new())
            .with("账号", [185, 519, 68, 16])
            .with("5866112315762551116", [272, 520, 200, 13]);
        let engine = Starts(fake, Default::default());
        let img = image::RgbImage::from_pixel(1400, 1000, image::Rgb([240, 240, 236]));
        let fields =
            super::read_document(&engine, DocumentKind::BankPermit, Some(&img), None, None);
        assert_eq!(
            fields.get(f::ACCOUNT_NUMBER).map(|v| v.value.as_str()),
            Some("5866112315762551116")
        );
        let starts = engine.1.lock().expect("lock").clone();
        assert!(!starts.is_empty());
        assert!(starts.iter().all(|&x| x >= 185 + 68), "{starts:?}");
    }

    #[test]
    fn a_short_label_in_a_wide_table_column_finds_its_value_and_a_far_column_is_no_value() {
        // Seed 113 FX113-0001's bank page: 账号 at 177..211 (text 18 px), its value at 546,
        // 18.6 text heights after the label but 28 % of the page's width from its start.
        use docgate_core::{fields as f, DocumentKind};
        let img = image::RgbImage::from_pixel(1334, 1858, image::Rgb([240, 240, 236]));
        let read = |value_x: u32| {
            let fake = crate::fake::FakeOcr::new(Vec::new())
                .with("账号", [177, 414, 34, 18])
                .with("72269616236925787", [value_x, 416, 188, 16]);
            super::read_document(&fake, DocumentKind::BankPermit, Some(&img), None, None)
                .get(f::ACCOUNT_NUMBER)
                .map(|v| v.value.clone())
        };
        assert_eq!(read(546).as_deref(), Some("72269616236925787"));
        // Half the page away: another column, not this label's value.
        assert_eq!(read(177 + 667), None);
    }

    #[test]
    fn a_rate_cell_is_a_short_percentage_alone() {
        for t in ["9%", "13%", " 6 %", "3％"] {
            assert!(is_rate_cell(t), "{t}");
        }
        for t in ["100%", "%", "9", "13%,9%", "税率", "9211.66", "a9%"] {
            assert!(!is_rate_cell(t), "{t}");
        }
    }

    #[test]
    fn an_invoice_whose_labels_misread_still_gives_its_seller_id_and_issue_date() {
        use docgate_core::{fields as f, DocumentKind};
        let (buyer, seller) = ("91350100M000100Y43", "91440106146354063E");
        for c in [buyer, seller] {
            assert!(docgate_codes::credit::validate(c).is_ok(), "{c}");
        }
        let img = image::RgbImage::from_pixel(1600, 1000, image::Rgb([250, 250, 250]));
        let fake = crate::fake::FakeOcr::new(Vec::new())
            // 开票日期 misread: the header's one date is found by its shape.
            .with("开日其:2026年11月11日", [1000, 30, 300, 30])
            .with("名称:", [100, 100, 80, 30])
            .with("杭州示例科技有限公司", [450, 100, 400, 30])
            .with("纳税人识别号:", [100, 150, 200, 30])
            .with(buyer, [450, 150, 400, 30])
            .with("价税合计（大写）", [100, 400, 300, 30])
            // Seed 101 FX101-0035: the block's mark, 名称 and 纳税人识别号 all misread.
            .with("铺售力", [20, 500, 90, 30])
            .with("广州示例食品有限公司", [450, 500, 400, 30])
            .with("兵术人则", [100, 550, 120, 30])
            .with(seller, [450, 550, 400, 30])
            // The footer's 销售方（章） with 章 misread: 收款人 on its row tells it.
            .with("收款人:", [100, 800, 90, 30])
            .with("销售方:《井", [600, 800, 150, 30]);
        let fields = super::read_document(&fake, DocumentKind::VatInvoice, Some(&img), None, None);
        let id = fields.get(f::SELLER_TAX_ID).map(|v| v.value.as_str());
        assert_eq!(id, Some(seller));
        let date = fields.get(f::ISSUE_DATE).map(|v| v.value.as_str());
        assert_eq!(date, Some("2026-11-11"));
    }

    #[test]
    fn a_licence_whose_code_label_misread_still_gives_its_one_valid_code() {
        use docgate_core::{fields as f, DocumentKind};
        let code = "91440106146354063E";
        let img = image::RgbImage::from_pixel(1600, 1100, image::Rgb([250, 250, 250]));
        // Seed 97 FX97-0071: the label under the code read as garbage; the date's digits
        // make another candidate piece, which is no code.
        let fake = crate::fake::FakeOcr::new(Vec::new())
            .with("营业执照", [600, 100, 400, 60])
            .with("统乙杜全停用", [100, 250, 200, 30])
            .with(code, [100, 300, 420, 30])
            .with("2024年09月03日", [1200, 1000, 300, 30]);
        let fields =
            super::read_document(&fake, DocumentKind::BusinessLicense, Some(&img), None, None);
        assert_eq!(
            fields.get(f::CREDIT_CODE).map(|v| v.value.as_str()),
            Some(code)
        );
    }

    #[test]
    fn a_paper_invoices_number_is_found_with_its_no_misread_but_no_date_is_taken_for_it() {
        use docgate_core::{fields as f, DocumentKind};
        let img = image::RgbImage::from_pixel(1600, 1000, image::Rgb([250, 250, 250]));
        let number = |fake: &crate::fake::FakeOcr| {
            let fields =
                super::read_document(fake, DocumentKind::VatInvoice, Some(&img), None, None);
            fields.get(f::INVOICE_NUMBER).map(|v| v.value.clone())
        };
        // Seed 101 FX101-0005: "No" read as "Ne".
        let fake = crate::fake::FakeOcr::new(Vec::new())
            .with("Ne26019842", [1200, 60, 200, 30])
            .with("开票日期:2024年01月05日", [1200, 110, 330, 30]);
        assert_eq!(number(&fake).as_deref(), Some("26019842"));
        // A date's eight digits at the top right are no invoice number.
        let fake =
            crate::fake::FakeOcr::new(Vec::new()).with("2024年01月05日", [1200, 60, 330, 30]);
        assert_eq!(number(&fake), None);
    }

    #[test]
    fn with_no_party_label_read_the_lower_or_right_code_is_the_sellers() {
        use docgate_core::{fields as f, DocumentKind};
        let (buyer, seller) = ("91350100M000100Y43", "91440106146354063E");
        let img = image::RgbImage::from_pixel(1600, 1000, image::Rgb([250, 250, 250]));
        let read = |fake: &crate::fake::FakeOcr| {
            let fields =
                super::read_document(fake, DocumentKind::VatInvoice, Some(&img), None, None);
            fields.get(f::SELLER_TAX_ID).map(|v| v.value.clone())
        };
        // Seed 113 FX113-0023, a paper invoice: 名称, 纳税人识别号, 销售方 and 价税合计 all
        // slipped; the buyer's block is above the goods, the seller's below.
        let paper = |fake: crate::fake::FakeOcr| {
            fake.with("各寿:", [100, 100, 80, 30])
                .with("缚要人到强旨", [100, 150, 120, 30])
                .with("价税会让《大写)", [100, 400, 300, 30])
                .with("铺售方", [20, 500, 90, 30])
                .with("备本:", [100, 500, 80, 30])
                .with("精和要人识别与;", [100, 550, 160, 30])
        };
        let both = paper(crate::fake::FakeOcr::new(Vec::new()))
            .with(buyer, [450, 150, 400, 30])
            .with(seller, [450, 550, 400, 30]);
        assert_eq!(read(&both).as_deref(), Some(seller));
        // Each party's name stands on the row above its id.
        let both = both
            .with("杭州示例科技有限公司", [450, 100, 400, 30])
            .with("广州示例食品有限公司", [450, 500, 400, 30]);
        let fields = super::read_document(&both, DocumentKind::VatInvoice, Some(&img), None, None);
        let name = |k: &str| fields.get(k).map(|v| v.value.clone());
        assert_eq!(
            name(f::SELLER_NAME).as_deref(),
            Some("广州示例食品有限公司")
        );
        assert_eq!(name(f::BUYER_NAME).as_deref(), Some("杭州示例科技有限公司"));
        // The seller's id unread: the buyer's, alone in the upper left, is nobody's guess.
        let buyer_only =
            paper(crate::fake::FakeOcr::new(Vec::new())).with(buyer, [450, 150, 400, 30]);
        assert_eq!(read(&buyer_only), None);
        // A fully digital invoice prints the parties side by side: the right one sells.
        let digital = crate::fake::FakeOcr::new(Vec::new())
            .with("统一社会信用代码/纳税人识别号:", [60, 200, 500, 30])
            .with(buyer, [60, 250, 400, 30])
            .with(seller, [860, 250, 400, 30]);
        assert_eq!(read(&digital).as_deref(), Some(seller));
    }

    #[test]
    fn a_rows_amount_and_tax_fix_its_rate_where_the_cell_misreads() {
        use docgate_core::{fields as f, DocumentKind};
        let img = image::RgbImage::from_pixel(1600, 1000, image::Rgb([250, 250, 250]));
        let row = |fake: crate::fake::FakeOcr, y: u32, net: &str, rate: &str, tax: &str| {
            // Cells 5 heights apart, as the fake's layout pass splits pieces.
            fake.with(net, [700, y, 160, 30])
                .with(rate, [1050, y, 50, 30])
                .with(tax, [1300, y, 150, 30])
        };
        let mut fake = crate::fake::FakeOcr::new(Vec::new()).with("机", [1050, 300, 50, 30]);
        // The % lost: 23221.92 x 6 % = 1393.32 (printed 1393.31, within the rounding).
        fake = row(fake, 400, "23221.92", "6ss", "1393.31");
        // 13 % read as 1 %: the amounts overrule the cell.
        fake = row(fake, 450, "10000.00", "1%", "1300.00");
        // Amounts unread: the cell's own 3 % stands.
        fake = row(fake, 500, "人了", "3%", "木");
        // A unit price beside its amount fixes no rate.
        fake = fake
            .with("483.79", [300, 550, 120, 30])
            .with("23221.92", [700, 550, 160, 30]);
        let fields = super::read_document(&fake, DocumentKind::VatInvoice, Some(&img), None, None);
        let rate = fields.get(f::TAX_RATE).expect("a rate");
        assert_eq!(rate.value, "6%,13%,3%");
        assert_eq!(rate.repaired_from.as_deref(), Some("6ss,1%"));

        // Readings that agree with the arithmetic are no repair.
        let fake = row(
            crate::fake::FakeOcr::new(Vec::new()),
            400,
            "10000.00",
            "9%",
            "900.00",
        );
        let fields = super::read_document(&fake, DocumentKind::VatInvoice, Some(&img), None, None);
        let rate = fields.get(f::TAX_RATE).expect("a rate");
        assert_eq!(
            (rate.value.as_str(), rate.repaired_from.as_deref()),
            ("9%", None)
        );
    }
}
