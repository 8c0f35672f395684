//! Rules over fields read from documents: codes valid, dates in force, allowed tax rates,
//! and every `match.*` rule (document vs form, and document vs document).
//!
//! A document whose reader did not run has no entry in `extracted` and is not judged here;
//! a reader that ran but could not find a field yields `Uncertain` (a person looks).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use docgate_codes::{credit, normalize, registration, resident_id};
use docgate_config::{MatchParams, Profile, RuleCfg};
use docgate_core::{
    fields as f, mask, DocumentKind, ExtractedField, RuleId, Submission, SubmissionMeasurements,
    Verdict,
};

use crate::emit::{Emitter, Evidence};
use crate::normalize::{compare_names, Comparison};

type Fields = BTreeMap<String, ExtractedField>;

/// Documents that were read, with their kind.
struct Read<'a> {
    id: &'a str,
    kind: DocumentKind,
    fields: &'a Fields,
}

impl Read<'_> {
    fn get(&self, name: &str) -> Option<&ExtractedField> {
        self.fields.get(name).filter(|v| !v.value.trim().is_empty())
    }
}

fn evidence(field: Option<&ExtractedField>) -> Evidence {
    Evidence {
        region: field.and_then(|v| v.region),
        ..Evidence::default()
    }
}

pub(crate) fn check(
    out: &mut Emitter,
    profile: &Profile,
    sub: &Submission,
    m: &SubmissionMeasurements,
    as_of: NaiveDate,
) {
    let read: Vec<Read<'_>> = sub
        .documents
        .iter()
        .filter_map(|d| {
            Some(Read {
                id: &d.id,
                kind: d.kind()?,
                fields: m.extracted.get(&d.id)?,
            })
        })
        .collect();
    for doc in &read {
        match doc.kind {
            DocumentKind::BusinessLicense => {
                license_code(out, profile, doc);
                expiry(
                    out,
                    profile,
                    doc,
                    RuleId::LicenseTerm,
                    f::TERM_END,
                    "licence term",
                    as_of,
                );
            }
            DocumentKind::IdCardFront => id_number(out, profile, doc, as_of),
            DocumentKind::IdCardBack => expiry(
                out,
                profile,
                doc,
                RuleId::IdExpiry,
                f::ID_VALID_TO,
                "ID card",
                as_of,
            ),
            DocumentKind::VatInvoice => {
                tax_rate(out, profile, doc);
                invoice_date(out, profile, doc, as_of);
            }
            DocumentKind::AuthorizationLetter | DocumentKind::BankPermit => {}
        }
    }
    matches(out, profile, sub, &read);
}

fn license_code(out: &mut Emitter, profile: &Profile, doc: &Read<'_>) {
    let sev = profile.rules(Some(doc.kind)).license_credit_code.severity;
    let code = doc.get(f::CREDIT_CODE);
    let reg = doc.get(f::REGISTRATION_NUMBER);
    let (verdict, message, field) = match (code, reg) {
        (Some(v), _) => {
            let repaired = v
                .repaired_from
                .as_ref()
                .map(|raw| format!(" (read as {raw}, repaired by its check character)"))
                .unwrap_or_default();
            // The embedded organisation code's own check character must hold too: a
            // misread satisfies the credit code's alone one time in 31.
            let org_ok = credit::is_valid_in_full(&v.value);
            match credit::validate(&v.value) {
                Ok(()) if org_ok => (
                    Verdict::Pass,
                    format!("licence credit code {} is valid{repaired}", v.value),
                    Some(v),
                ),
                Ok(()) => (
                    Verdict::Uncertain,
                    format!(
                        "licence credit code read as {} is invalid: its organisation code \
                         (characters 9-17) fails its check character",
                        v.value
                    ),
                    Some(v),
                ),
                // A code printed on a licence that fails its checksum was almost always misread.
                Err(e) => (
                    Verdict::Uncertain,
                    format!("licence credit code read as {} is invalid: {e}", v.value),
                    Some(v),
                ),
            }
        }
        (None, Some(v)) => match registration::validate(&v.value) {
            Ok(()) => (
                Verdict::Pass,
                format!(
                    "pre-2016 licence: registration number {} is valid (ISO 7064 MOD 11,10)",
                    v.value
                ),
                Some(v),
            ),
            Err(e) => (
                Verdict::Uncertain,
                format!(
                    "licence registration number read as {} is invalid: {e}",
                    v.value
                ),
                Some(v),
            ),
        },
        (None, None) => (
            Verdict::Uncertain,
            "licence credit code could not be read".to_string(),
            None,
        ),
    };
    out.verdict(
        RuleId::LicenseCreditCode,
        sev,
        Some(doc.id),
        verdict,
        message,
        evidence(field),
    );
}

/// Parses `YYYY-MM-DD` (also `YYYY.MM.DD`, `YYYY年MM月DD日`, `YYYYMMDD`); `Ok(None)` for 长期.
fn parse_end_date(s: &str) -> Result<Option<NaiveDate>, ()> {
    let t: String = normalize(s);
    if t.contains("长期") || t == "00000000" {
        return Ok(None);
    }
    parse_date(&t).map(Some).ok_or(())
}

/// Parses the date formats printed on Chinese documents.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let digits: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match digits.as_slice() {
        [y, m, d] => NaiveDate::from_ymd_opt(i32::try_from(*y).ok()?, *m, *d),
        [ymd] if s.trim().len() == 8 => NaiveDate::from_ymd_opt(
            i32::try_from(ymd / 10000).ok()?,
            (ymd / 100) % 100,
            ymd % 100,
        ),
        _ => None,
    }
}

fn expiry(
    out: &mut Emitter,
    profile: &Profile,
    doc: &Read<'_>,
    rule: RuleId,
    field: &str,
    what: &str,
    as_of: NaiveDate,
) {
    let cfg = match rule {
        RuleId::LicenseTerm => &profile.rules(Some(doc.kind)).license_term,
        _ => &profile.rules(Some(doc.kind)).id_expiry,
    };
    let min_days = cfg.params.min_days_remaining;
    let v = doc.get(field);
    let (verdict, message, ev) = match v.map(|v| parse_end_date(&v.value)) {
        None => (
            Verdict::Uncertain,
            format!("{what}: the validity end date could not be read"),
            evidence(None),
        ),
        Some(Err(())) => (
            Verdict::Uncertain,
            format!(
                "{what}: validity end {:?} is not a date",
                v.map(|v| v.value.as_str()).unwrap_or("")
            ),
            evidence(v),
        ),
        Some(Ok(None)) => (
            Verdict::Pass,
            format!("{what} is valid long-term (长期)"),
            evidence(v),
        ),
        Some(Ok(Some(end))) => {
            let left = (end - as_of).num_days();
            let mut ev = evidence(v);
            ev.measured = Some(left as f64);
            ev.threshold = Some(min_days as f64);
            if left < min_days {
                let state = if left < 0 { "expired" } else { "expires" };
                (Verdict::Violated, format!("{what} {state} on {end} ({left} days from {as_of}; at least {min_days} required)"), ev)
            } else {
                (
                    Verdict::Pass,
                    format!("{what} valid until {end} ({left} days left)"),
                    ev,
                )
            }
        }
    };
    out.verdict(rule, cfg.severity, Some(doc.id), verdict, message, ev);
}

fn id_number(out: &mut Emitter, profile: &Profile, doc: &Read<'_>, as_of: NaiveDate) {
    let sev = profile.rules(Some(doc.kind)).id_number.severity;
    let v = doc.get(f::ID_NUMBER);
    let (verdict, message) = match v {
        None => (
            Verdict::Uncertain,
            "ID number could not be read".to_string(),
        ),
        Some(v) => {
            let shown = mask(&v.value);
            match resident_id::validate(&normalize(&v.value)) {
                Ok(info) if info.birth_date > as_of => (
                    Verdict::Uncertain,
                    format!("ID number {shown} has a birth date after {as_of}"),
                ),
                Ok(_) => (
                    Verdict::Pass,
                    format!("ID number {shown} is valid (GB 11643)"),
                ),
                Err(_) => (
                    Verdict::Uncertain,
                    format!("ID number read as {shown} fails its check digit or birth date"),
                ),
            }
        }
    };
    out.verdict(
        RuleId::IdNumber,
        sev,
        Some(doc.id),
        verdict,
        message,
        evidence(v),
    );
}

/// Rates as printed: `13%`, `9%`, `免税`, several joined by `,`. `None` for exempt.
fn parse_rates(s: &str) -> Result<Vec<Option<f64>>, String> {
    normalize(s)
        .split([',', '、', ';'])
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let p = p.trim();
            if p.contains("免税") || p.contains("不征税") {
                Ok(None)
            } else {
                p.trim_end_matches('%')
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| p.to_string())
            }
        })
        .collect()
}

fn tax_rate(out: &mut Emitter, profile: &Profile, doc: &Read<'_>) {
    let cfg = &profile.rules(Some(doc.kind)).invoice_tax_rate;
    let allowed: Vec<String> = cfg
        .params
        .allowed_percent
        .iter()
        .map(|r| format!("{r}%"))
        .collect();
    let v = doc.get(f::TAX_RATE);
    let (verdict, message, measured) = match v.map(|v| parse_rates(&v.value)) {
        None => (
            Verdict::Uncertain,
            "invoice tax rate could not be read".to_string(),
            None,
        ),
        Some(Err(bad)) => (
            Verdict::Uncertain,
            format!("invoice tax rate {bad:?} is not a rate"),
            None,
        ),
        Some(Ok(rates)) if rates.is_empty() => (
            Verdict::Uncertain,
            "invoice tax rate could not be read".to_string(),
            None,
        ),
        Some(Ok(rates)) => {
            let bad: Vec<String> = rates
                .iter()
                .filter(|r| match r {
                    None => !cfg.params.allow_exempt,
                    Some(x) => !cfg
                        .params
                        .allowed_percent
                        .iter()
                        .any(|a| (a - x).abs() < 1e-6),
                })
                .map(|r| r.map_or("免税".to_string(), |x| format!("{x}%")))
                .collect();
            let first = rates.iter().flatten().next().copied();
            // A rate the reader took from a row's amount and tax rather than its cell.
            let computed = v
                .and_then(|v| v.repaired_from.as_ref())
                .map(|raw| {
                    format!(" (from the rows' amount and tax, which fix it; the rate cells read {raw:?})")
                })
                .unwrap_or_default();
            if bad.is_empty() {
                (
                    Verdict::Pass,
                    format!(
                        "invoice tax rate {} is allowed{computed}",
                        v.map(|v| v.value.as_str()).unwrap_or("")
                    ),
                    first,
                )
            } else {
                (
                    Verdict::Violated,
                    format!(
                        "invoice tax rate {} is not allowed here (allowed: {}){computed}",
                        bad.join(", "),
                        allowed.join(", ")
                    ),
                    first,
                )
            }
        }
    };
    let mut ev = evidence(v);
    ev.measured = measured;
    out.verdict(
        RuleId::InvoiceTaxRate,
        cfg.severity,
        Some(doc.id),
        verdict,
        message,
        ev,
    );
}

fn invoice_date(out: &mut Emitter, profile: &Profile, doc: &Read<'_>, as_of: NaiveDate) {
    let cfg = &profile.rules(Some(doc.kind)).invoice_date;
    let (max_age, future) = (
        i64::from(cfg.params.max_age_days),
        i64::from(cfg.params.allow_future_days),
    );
    let v = doc.get(f::ISSUE_DATE);
    let mut ev = evidence(v);
    let (verdict, message) = match v.map(|v| parse_date(&normalize(&v.value))) {
        None => (
            Verdict::Uncertain,
            "invoice date could not be read".to_string(),
        ),
        Some(None) => (Verdict::Uncertain, "invoice date is not a date".to_string()),
        Some(Some(d)) => {
            let age = (as_of - d).num_days();
            ev.measured = Some(age as f64);
            ev.threshold = Some(max_age as f64);
            let inside = |d: NaiveDate| {
                let age = (as_of - d).num_days();
                age <= max_age && -age <= future
            };
            let slip = v.and_then(|v| unsure_digit_fix(v, cfg.params.slip_confidence, inside));
            if let (false, Some(fixed)) = (inside(d), slip) {
                (
                    Verdict::Uncertain,
                    format!(
                        "invoice issued {d} as read, out of the window ({age} days before {as_of}, at most {max_age}), but a digit read unsure could make it {fixed}: misread?"
                    ),
                )
            } else if age > max_age {
                (
                    Verdict::Violated,
                    format!("invoice issued {d}, {age} days before {as_of} (at most {max_age})"),
                )
            } else if -age > future {
                (
                    Verdict::Violated,
                    format!("invoice dated {d}, in the future of {as_of}"),
                )
            } else {
                (
                    Verdict::Pass,
                    format!("invoice issued {d}, {age} days ago (at most {max_age})"),
                )
            }
        }
    };
    out.verdict(
        RuleId::InvoiceDate,
        cfg.severity,
        Some(doc.id),
        verdict,
        message,
        ev,
    );
}

/// A date that one digit of `v` read below `slip` confidence, read otherwise, turns into
/// and that `ok` accepts; the first in reading order. None without per-character
/// confidences (a text layer is read sure).
fn unsure_digit_fix(
    v: &ExtractedField,
    slip: f64,
    ok: impl Fn(NaiveDate) -> bool,
) -> Option<NaiveDate> {
    let chars: Vec<char> = v.value.chars().collect();
    if v.char_confidence.len() != chars.len() {
        return None;
    }
    for (i, (&c, &conf)) in chars.iter().zip(&v.char_confidence).enumerate() {
        if !c.is_ascii_digit() || f64::from(conf) >= slip {
            continue;
        }
        for d in ('0'..='9').filter(|&d| d != c) {
            let mut t = chars.clone();
            t[i] = d;
            let text: String = t.into_iter().collect();
            if let Some(date) = parse_date(&normalize(&text)).filter(|&x| ok(x)) {
                return Some(date);
            }
        }
    }
    None
}

/// A value to compare against, and where it came from (for the message).
#[derive(Clone, Copy)]
struct Reference<'a> {
    value: &'a str,
    source: &'static str,
}

/// Verdict for two names under a rule's params. `personal` masks them in the message.
fn name_verdict(
    what: &str,
    field: &ExtractedField,
    reference: &Reference<'_>,
    params: &MatchParams,
    personal: bool,
) -> (Verdict, String) {
    let read = field.value.as_str();
    let show = |s: &str| if personal { mask(s) } else { s.to_string() };
    let comparison = compare_names(read, reference.value);
    // A second, independent reading that agrees with the reference settles it: two
    // models do not both slip into exactly the typed value.
    if comparison != Comparison::Same {
        if let Some(alt) = field
            .alternatives
            .iter()
            .find(|a| compare_names(a, reference.value) == Comparison::Same)
        {
            return (
                Verdict::Pass,
                format!(
                    "{what} {} agrees with {} (second reading; the first read {})",
                    show(alt),
                    reference.source,
                    show(read)
                ),
            );
        }
    }
    if let (Comparison::Different { similarity, .. }, Some(worst)) = (
        &comparison,
        misread_only(field, reference.value, params.slip_confidence),
    ) {
        return (
            Verdict::Uncertain,
            format!(
                "{what} {} differs from {} {} (similarity {similarity:.2}) only in characters read with OCR confidence below {:.2} (the surest {worst:.2}): misreadings, not a different name",
                show(read),
                reference.source,
                show(reference.value),
                params.slip_confidence
            ),
        );
    }
    let doubtful = f64::from(field.confidence) < params.trust_confidence;
    if let (Comparison::Different { similarity, .. }, true) = (&comparison, doubtful) {
        return (
            Verdict::Uncertain,
            format!(
                "{what} {} differs from {} {} (similarity {similarity:.2}), but it was read with OCR confidence {:.2} < {:.2}: the reading is in doubt",
                show(read),
                reference.source,
                show(reference.value),
                field.confidence,
                params.trust_confidence
            ),
        );
    }
    match comparison {
        Comparison::Same => (Verdict::Pass, format!("{what} {} agrees with {}", show(read), reference.source)),
        Comparison::Different { legal_form_differs: true, similarity } => (
            Verdict::Violated,
            format!(
                "{what} {} has a different legal form from {} {} (similarity {similarity:.2})",
                show(read),
                reference.source,
                show(reference.value)
            ),
        ),
        Comparison::Different { similarity, .. } if similarity >= params.review_similarity => (
            Verdict::Uncertain,
            format!(
                "{what} {} nearly matches {} {} (similarity {similarity:.2} ≥ {:.2}: an OCR slip or a typo?)",
                show(read),
                reference.source,
                show(reference.value),
                params.review_similarity
            ),
        ),
        Comparison::Different { similarity, .. } => (
            Verdict::Violated,
            format!("{what} {} differs from {} {} (similarity {similarity:.2})", show(read), reference.source, show(reference.value)),
        ),
    }
}

/// When every character of the reading that the reference does not share was read with
/// confidence below `below`, and the reading leaves none of the reference's characters out
/// unreplaced: the highest of those confidences. `None` otherwise, or without per-character
/// confidences.
fn misread_only(field: &ExtractedField, reference: &str, below: f64) -> Option<f64> {
    let conf = &field.char_confidence;
    if conf.len() != field.value.chars().count() {
        return None;
    }
    let (differ, lacking) = crate::normalize::unshared(&field.value, reference);
    if differ.is_empty() || lacking > differ.len() {
        return None;
    }
    let worst = differ
        .iter()
        .map(|&i| f64::from(conf[i]))
        .fold(0.0, f64::max);
    (worst < below).then_some(worst)
}

/// A code's check (is it valid?) and which character it can have at a (0-based) position.
/// A code's validity, which characters may stand where, and how many characters apart two
/// valid codes may be and still be one code misread.
type CodeRules = (fn(&str) -> bool, fn(usize, char) -> bool, usize);

/// Credit codes: [`credit::is_valid_in_full`]; digits in the division code (3-8). Inside
/// the organisation code (characters 9-18) two check characters, the organisation code's
/// and the code's own, both hold only for the right code or a misreading that satisfied
/// both by chance; a valid reading there at most two characters from a valid reference
/// (seed 113 FX113-0014: MADGTA115F read as MADGTAL55F) is such a misreading at least as
/// often as another company's code: review, not fail. A difference in the division code
/// has only the code's own check against it and still fails.
const CREDIT: CodeRules = (
    credit::is_valid_in_full,
    |i, c| credit::ALPHABET.contains(c) && (!(2..8).contains(&i) || c.is_ascii_digit()),
    2,
);

/// ID numbers: digits, and X as the check character. One check digit validates a misread
/// one time in eleven, and two valid numbers a digit apart are two people: none.
const ID_NUMBER: CodeRules = (
    resident_id::is_valid,
    |i, c| c.is_ascii_digit() || (i == 17 && c == 'X'),
    0,
);

/// Codes: exact after normalisation. A difference of one character where the read code
/// fails its own checksum is a misreading, so review; two valid codes that differ fail —
/// unless the valid one is a repair (look-alike characters chosen until the check
/// characters agreed) of a reading within three characters of the reference: a repair is a
/// guess, and a wrong guess can validate too (1 in 31 per check character), so review.
fn code_verdict(
    what: &str,
    field: &ExtractedField,
    reference: &Reference<'_>,
    (valid, admissible, near): CodeRules,
    personal: bool,
) -> (Verdict, String) {
    let show = |s: &str| if personal { mask(s) } else { s.to_string() };
    let (a, b) = (normalize(&field.value), normalize(reference.value));
    if a == b {
        return (
            Verdict::Pass,
            format!("{what} {} agrees with {}", show(&a), reference.source),
        );
    }
    let differing = |x: &str| {
        if x.chars().count() == b.chars().count() {
            x.chars().zip(b.chars()).filter(|(p, q)| p != q).count()
        } else {
            usize::MAX
        }
    };
    // A character the code cannot have where it stands (a letter among a credit code's
    // division digits) is a known misreading, not a difference: it says nothing of which
    // character is printed there.
    let differing_admissible = |x: &str| {
        if x.chars().count() == b.chars().count() {
            x.chars()
                .zip(b.chars())
                .enumerate()
                .filter(|&(i, (p, q))| p != q && admissible(i, p))
                .count()
        } else {
            usize::MAX
        }
    };
    // Every difference inside the organisation code (characters 9-18).
    let org_only = |x: &str| {
        x.chars()
            .zip(b.chars())
            .enumerate()
            .all(|(i, (p, q))| p == q || i >= 8)
    };
    let raw = field
        .repaired_from
        .as_deref()
        .map(normalize)
        .filter(|raw| differing(raw) <= 3);
    let (verdict, how) = if differing_admissible(&a) <= 2 && !valid(&a) {
        (
            Verdict::Uncertain,
            " (the document's code fails its checksum: misread?)".to_string(),
        )
    } else if let Some(raw) = raw {
        (
            Verdict::Uncertain,
            format!(
                " (repaired from the reading {}, {} character(s) from it: the repair may have guessed wrong)",
                show(&raw),
                differing(&raw)
            ),
        )
    } else if valid(&a) && valid(&b) && differing_admissible(&a) <= near && org_only(&a) {
        (
            Verdict::Uncertain,
            format!(
                " ({} character(s) apart, both valid: a misreading that satisfied every check \
                 character by chance is as likely as another company's code)",
                differing_admissible(&a)
            ),
        )
    } else {
        (Verdict::Violated, String::new())
    };
    (
        verdict,
        format!(
            "{what} {} differs from {} {}{how}",
            show(&a),
            reference.source,
            show(&b)
        ),
    )
}

/// The invoice seller's tax id against the company's code: is the company the seller?
///
/// The tax id is the seller's identity. It is the company's when it is the form's code, or,
/// when the form's code differs, the licence's own (checksum-valid) code: the form's
/// disagreement with the licence is `match.credit_code`'s finding, not evidence that
/// another company issued the invoice. A pre-2016 registration number (15 digits) and an
/// 18-character tax id are different schemes; they agree only in the registration area (the
/// number's first six digits, the code's characters 3-8), which with the seller's name
/// agreeing is the company; anything less is review.
fn seller_tax_verdict(
    field: &ExtractedField,
    reference: &Reference<'_>,
    licence: Option<&str>,
    name_agrees: bool,
) -> (Verdict, String) {
    let (a, b) = (normalize(&field.value), normalize(reference.value));
    let what = "invoice seller tax id";
    if a != b && reference.source.starts_with("the form") {
        if let Some(l) = licence.map(normalize) {
            if l == a && credit::is_valid_in_full(&l) {
                return (
                    Verdict::Pass,
                    format!(
                        "{what} {a} is the licence's credit code ({} {b} differs from both)",
                        reference.source
                    ),
                );
            }
        }
    }
    if a.chars().count() == b.chars().count() {
        return code_verdict(what, field, reference, CREDIT, false);
    }
    let (long, short) = if a.len() > b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let area = |s: &str, from: usize| s.get(from..from + 6).map(str::to_string);
    let same_area = short.len() == 15
        && short.bytes().all(|c| c.is_ascii_digit())
        && long.len() == 18
        && area(long, 2).is_some()
        && area(long, 2) == area(short, 0);
    let schemes = format!(
        "{what} {a} and {} {b} are different kinds of number",
        reference.source
    );
    match (same_area, name_agrees) {
        (true, true) => (
            Verdict::Pass,
            format!(
                "{schemes}; both name registration area {}, and the seller's name agrees",
                &short[..6]
            ),
        ),
        (true, false) => (
            Verdict::Uncertain,
            format!("{schemes}: the same registration area, but the seller's name does not agree"),
        ),
        (false, _) => (
            Verdict::Uncertain,
            format!("{schemes}, not even of the same registration area"),
        ),
    }
}

fn worst(a: (Verdict, String), b: Option<(Verdict, String)>) -> (Verdict, String) {
    let rank = |v: Verdict| match v {
        Verdict::Pass => 0,
        Verdict::Note => 1,
        Verdict::Uncertain => 2,
        Verdict::Violated => 3,
    };
    match b {
        None => a,
        Some(b) if rank(b.0) > rank(a.0) => (b.0, format!("{}; {}", b.1, a.1)),
        Some(b) => (a.0, format!("{}; {}", a.1, b.1)),
    }
}

fn matches<'a>(out: &mut Emitter, profile: &Profile, sub: &'a Submission, read: &'a [Read<'a>]) {
    let form = &sub.form;
    let license = read
        .iter()
        .find(|d| d.kind == DocumentKind::BusinessLicense);
    let lic_field = |name: &str| license.and_then(|l| l.get(name)).map(|v| v.value.as_str());
    // The form is the reference; without it, the licence is (cross-document checks).
    let company = form
        .company_name
        .as_deref()
        .map(|v| Reference {
            value: v,
            source: "the form's company name",
        })
        .or_else(|| {
            lic_field(f::COMPANY_NAME).map(|v| Reference {
                value: v,
                source: "the licence's name",
            })
        });
    let code = form
        .credit_code
        .as_deref()
        .map(|v| Reference {
            value: v,
            source: "the form's credit code",
        })
        .or_else(|| {
            lic_field(f::CREDIT_CODE).map(|v| Reference {
                value: v,
                source: "the licence's credit code",
            })
        });
    let rep = form
        .legal_rep_name
        .as_ref()
        .map(|v| Reference {
            value: v.expose(),
            source: "the form's legal representative",
        })
        .or_else(|| {
            lic_field(f::LEGAL_REP_NAME).map(|v| Reference {
                value: v,
                source: "the licence's legal representative",
            })
        });

    for doc in read {
        let rules = profile.rules(Some(doc.kind));
        let is_license = doc.kind == DocumentKind::BusinessLicense;
        let emit = |out: &mut Emitter,
                    rule: RuleId,
                    cfg_sev: docgate_core::Severity,
                    vm: (Verdict, String),
                    field: Option<&ExtractedField>| {
            out.verdict(rule, cfg_sev, Some(doc.id), vm.0, vm.1, evidence(field));
        };
        // The licence is only compared with the form, never with itself.
        let usable = |r: Option<Reference<'a>>| {
            r.filter(|r| !is_license || r.source.starts_with("the form"))
        };

        match doc.kind {
            DocumentKind::BusinessLicense | DocumentKind::AuthorizationLetter => {
                if let (Some(v), Some(r)) = (doc.get(f::COMPANY_NAME), usable(company)) {
                    let c = &rules.match_company_name;
                    emit(
                        out,
                        RuleId::MatchCompanyName,
                        c.severity,
                        name_verdict("company name", v, &r, &c.params, false),
                        Some(v),
                    );
                }
                if is_license {
                    if let (Some(v), Some(r)) = (doc.get(f::CREDIT_CODE), usable(code)) {
                        emit(
                            out,
                            RuleId::MatchCreditCode,
                            rules.match_credit_code.severity,
                            code_verdict("licence credit code", v, &r, CREDIT, false),
                            Some(v),
                        );
                    }
                    if let (Some(v), Some(r)) = (doc.get(f::LEGAL_REP_NAME), usable(rep)) {
                        let c = &rules.match_legal_rep_name;
                        emit(
                            out,
                            RuleId::MatchLegalRepName,
                            c.severity,
                            name_verdict("licence legal representative", v, &r, &c.params, true),
                            Some(v),
                        );
                    }
                }
            }
            DocumentKind::IdCardFront => {
                if let (Some(v), Some(r)) = (doc.get(f::ID_NAME), usable(rep)) {
                    let c = &rules.match_legal_rep_name;
                    emit(
                        out,
                        RuleId::MatchLegalRepName,
                        c.severity,
                        name_verdict("ID card name", v, &r, &c.params, true),
                        Some(v),
                    );
                }
                if let (Some(v), Some(id)) =
                    (doc.get(f::ID_NUMBER), form.legal_rep_id_number.as_ref())
                {
                    let r = Reference {
                        value: id.expose(),
                        source: "the form's ID number",
                    };
                    emit(
                        out,
                        RuleId::MatchLegalRepIdNumber,
                        rules.match_legal_rep_id_number.severity,
                        code_verdict("ID number", v, &r, ID_NUMBER, true),
                        Some(v),
                    );
                }
            }
            DocumentKind::VatInvoice => {
                let c: &RuleCfg<MatchParams> = &rules.match_invoice_seller;
                let name = doc
                    .get(f::SELLER_NAME)
                    .zip(company.as_ref())
                    .map(|(v, r)| name_verdict("invoice seller", v, r, &c.params, false));
                let name_agrees = matches!(name, Some((Verdict::Pass, _)));
                let tax = doc
                    .get(f::SELLER_TAX_ID)
                    .zip(code.as_ref())
                    .map(|(v, r)| seller_tax_verdict(v, r, lic_field(f::CREDIT_CODE), name_agrees));
                // The tax id is the seller's identity, checked by two check characters: when
                // it is the form's credit code, a name that differs is misread (or the
                // invoice is inconsistent), a case for a person, not a failure.
                let name = match (name, &tax) {
                    (Some((Verdict::Violated, m)), Some((Verdict::Pass, _))) => Some((
                        Verdict::Uncertain,
                        format!("{m}, but the seller's tax id is the form's credit code"),
                    )),
                    (n, _) => n,
                };
                let vm = match (name, tax) {
                    (Some(a), b) => Some(worst(a, b)),
                    (None, Some(b)) => Some(b),
                    (None, None) => None,
                };
                if let Some(vm) = vm {
                    emit(
                        out,
                        RuleId::MatchInvoiceSeller,
                        c.severity,
                        vm,
                        doc.get(f::SELLER_NAME),
                    );
                }
            }
            DocumentKind::BankPermit => {
                let c = &rules.match_bank_account_name;
                if let Some(v) = doc.get(f::ACCOUNT_NAME) {
                    let typed = form.bank_account_name.as_deref().map(|t| {
                        name_verdict(
                            "account name",
                            v,
                            &Reference {
                                value: t,
                                source: "the form's account name",
                            },
                            &c.params,
                            false,
                        )
                    });
                    let vs_company = company
                        .as_ref()
                        .map(|r| name_verdict("account name", v, r, &c.params, false));
                    let vm = match (vs_company, typed) {
                        (Some(a), b) => Some(worst(a, b)),
                        (None, Some(b)) => Some(b),
                        (None, None) => None,
                    };
                    if let Some(vm) = vm {
                        emit(out, RuleId::MatchBankAccountName, c.severity, vm, Some(v));
                    }
                }
            }
            DocumentKind::IdCardBack => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_printed_formats() {
        let d = NaiveDate::from_ymd_opt(2036, 5, 12);
        assert_eq!(parse_date("2036.05.12"), d);
        assert_eq!(parse_date("2036-05-12"), d);
        assert_eq!(parse_date("2036年05月12日"), d);
        assert_eq!(parse_date("20360512"), d);
        assert_eq!(parse_date("2036.13.12"), None);
        assert_eq!(parse_end_date("长期"), Ok(None));
        assert_eq!(parse_end_date("00000000"), Ok(None));
    }

    #[test]
    fn rates_as_printed() {
        assert_eq!(parse_rates("13%"), Ok(vec![Some(13.0)]));
        assert_eq!(parse_rates("13%,9%"), Ok(vec![Some(13.0), Some(9.0)]));
        assert_eq!(parse_rates("免税"), Ok(vec![None]));
        assert_eq!(parse_rates("１３％"), Ok(vec![Some(13.0)]));
        assert!(parse_rates("abc").is_err());
    }
}
