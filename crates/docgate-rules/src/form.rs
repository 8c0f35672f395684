//! Form rules: the codes the business typed are checked by their own check characters
//! before anything is compared with a document.

use chrono::NaiveDate;
use docgate_codes::{credit, normalize, org, registration, resident_id};
use docgate_config::RuleSet;
use docgate_core::{mask, Form, RuleId, Verdict};

use crate::emit::{Emitter, Evidence};
use crate::submission::truncate;

pub(crate) fn check(out: &mut Emitter, rules: &RuleSet, form: &Form, as_of: NaiveDate) {
    let credit_valid = form
        .credit_code
        .as_deref()
        .map(|raw| credit_code(out, rules, raw));
    if let Some(raw) = form.organization_code.as_deref() {
        organization_code(
            out,
            rules,
            raw,
            form.credit_code
                .as_deref()
                .filter(|_| credit_valid == Some(true)),
        );
    }
    if let Some(id) = form.legal_rep_id_number.as_ref() {
        id_number(out, rules, id.expose(), as_of);
    }
}

/// Returns whether the code is a valid 18-character credit code (for the org-code check).
fn credit_code(out: &mut Emitter, rules: &RuleSet, raw: &str) -> bool {
    let sev = rules.form_credit_code.severity;
    let code = normalize(raw);
    let shown = truncate(&code, 24);
    let (verdict, message, valid) = if code.len() == 15 && code.bytes().all(|b| b.is_ascii_digit())
    {
        // Pre-2016 licences carry a 15-digit registration number instead of a credit code;
        // the domain treats a valid one as that licence's code (severity is the rule owner's).
        match registration::validate(&code) {
            Ok(()) => (
                Verdict::Pass,
                format!("form gives a pre-2016 15-digit registration number {shown}, valid (ISO 7064 MOD 11,10)"),
                false,
            ),
            Err(e) => (Verdict::Violated, format!("form registration number {shown} is invalid: {e}"), false),
        }
    } else {
        match credit::validate(&code) {
            Ok(()) => match credit::organization_code(&code).map(org::validate) {
                Ok(Ok(())) => (Verdict::Pass, format!("form credit code {shown} is valid (GB 32100)"), true),
                // The whole code verifies but its embedded organisation code does not: rare
                // in genuine codes, so a person looks rather than an automatic fail.
                Ok(Err(e)) | Err(e) => (
                    Verdict::Uncertain,
                    format!("form credit code {shown} verifies, but its organisation code (characters 9-17) does not: {e}"),
                    true,
                ),
            },
            Err(e) => (Verdict::Violated, format!("form credit code {shown} is invalid: {e}"), false),
        }
    };
    out.verdict(
        RuleId::FormCreditCode,
        sev,
        None,
        verdict,
        message,
        Evidence::default(),
    );
    valid
}

fn organization_code(out: &mut Emitter, rules: &RuleSet, raw: &str, valid_credit: Option<&str>) {
    let sev = rules.form_organization_code.severity;
    let code: String = normalize(raw).chars().filter(|c| *c != '-').collect();
    let shown = truncate(&code, 24);
    let (verdict, message) = match org::validate(&code) {
        Err(e) => (Verdict::Violated, format!("form organisation code {shown} is invalid: {e}")),
        Ok(()) => match valid_credit.map(normalize) {
            Some(cc) => match credit::organization_code(&cc) {
                Ok(embedded) if embedded == code => (
                    Verdict::Pass,
                    format!("form organisation code {shown} is valid and equals characters 9-17 of the credit code"),
                ),
                Ok(embedded) => (
                    Verdict::Violated,
                    format!(
                        "form organisation code {shown} differs from characters 9-17 of the credit code ({embedded})"
                    ),
                ),
                Err(e) => (Verdict::Violated, format!("credit code has no organisation code: {e}")),
            },
            None => (Verdict::Pass, format!("form organisation code {shown} is valid (GB 11714)")),
        },
    };
    out.verdict(
        RuleId::FormOrganizationCode,
        sev,
        None,
        verdict,
        message,
        Evidence::default(),
    );
}

fn id_number(out: &mut Emitter, rules: &RuleSet, raw: &str, as_of: NaiveDate) {
    let sev = rules.form_legal_rep_id_number.severity;
    let id = normalize(raw);
    // Personal data: messages carry the masked form only.
    let shown = mask(&id);
    if is_prc_passport(&id) {
        // Alibaba and Single Window accept PRC passports; GB 11643 does not apply to them.
        out.verdict(
            RuleId::FormLegalRepIdNumber,
            sev,
            None,
            Verdict::Pass,
            format!("form gives a PRC passport number {shown}; it has no check digit to verify"),
            Evidence::default(),
        );
        return;
    }
    let (verdict, message) = match resident_id::validate(&id) {
        Ok(info) if info.birth_date > as_of => (
            Verdict::Violated,
            format!("form ID number {shown} has a birth date after {as_of}"),
        ),
        Ok(_) => (
            Verdict::Pass,
            format!("form ID number {shown} is valid (GB 11643)"),
        ),
        Err(e) => (
            Verdict::Violated,
            format!(
                "form ID number {shown} is invalid: {}",
                mask_error(&e.to_string(), &id)
            ),
        ),
    };
    out.verdict(
        RuleId::FormLegalRepIdNumber,
        sev,
        None,
        verdict,
        message,
        Evidence::default(),
    );
}

/// Error messages from the codes crate may quote the input; never let it through whole.
fn mask_error(msg: &str, secret: &str) -> String {
    if secret.len() >= 4 && msg.contains(secret) {
        msg.replace(secret, &mask(secret))
    } else {
        msg.to_string()
    }
}

/// PRC passport numbers: `E` + 8 digits, `E` + letter + 7 digits, or the older `G`/`P`/`S`/`D` + 7-8 digits.
fn is_prc_passport(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b {
        [b'E', rest @ ..] if rest.len() == 8 => {
            digits(rest) || (rest[0].is_ascii_uppercase() && digits(&rest[1..]))
        }
        [b'G' | b'P' | b'S' | b'D', rest @ ..] if rest.len() == 7 || rest.len() == 8 => {
            digits(rest)
        }
        _ => false,
    }
}
