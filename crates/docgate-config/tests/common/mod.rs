//! Test helpers shared by the integration tests.

#![allow(dead_code)]

/// The smallest complete config: limits and a `default` profile that sets every rule.
/// Tests edit or extend it, so that each test shows only what it is about.
pub const MINIMAL: &str = r#"
[limits]
max_file_bytes = 20000000
max_megapixels = 100.0
max_pdf_pages = 10

[profiles.default]
description = "minimal"
required_documents = ["business_license"]

[profiles.default.rules]
"submission.document_kind" = { severity = "review" }
"submission.required_documents" = { severity = "fail" }
"document.access" = { severity = "fail" }
"image.format" = { severity = "fail", allowed = ["jpeg", "png", "pdf"] }
"image.file_size" = { severity = "fail", max_bytes = 10000000 }
"image.decode" = { severity = "fail" }
"image.resolution" = { severity = "fail", min_short_side = 600, min_megapixels = 0.5 }
"image.blur" = { severity = "fail", min_sharpness = 120.0 }
"image.corners" = { severity = "review", min_margin_fraction = 0.01 }
"image.color" = { severity = "fail", min_colorfulness = 10.0 }
"image.glare" = { severity = "review", max_glare_fraction = 0.05 }
"license.credit_code" = { severity = "fail" }
"license.term" = { severity = "fail", min_days_remaining = 0 }
"license.seal" = { severity = "review" }
"id.number" = { severity = "fail" }
"id.expiry" = { severity = "fail", min_days_remaining = 0 }
"invoice.tax_rate" = { severity = "fail", allowed_percent = [13, 9, 6], allow_exempt = false }
"invoice.date" = { severity = "fail", max_age_days = 90 }
"letter.seal" = { severity = "review", min_seals = 1 }
"form.credit_code" = { severity = "fail" }
"form.organization_code" = { severity = "warn" }
"form.legal_rep_id_number" = { severity = "fail" }
"match.company_name" = { severity = "fail", review_similarity = 0.8 }
"match.credit_code" = { severity = "fail", review_similarity = 0.9 }
"match.legal_rep_name" = { severity = "fail", review_similarity = 0.5 }
"match.legal_rep_id_number" = { severity = "fail", review_similarity = 0.9 }
"match.invoice_seller" = { severity = "fail", review_similarity = 0.8 }
"match.bank_account_name" = { severity = "fail", review_similarity = 0.8 }
"#;

/// `MINIMAL` with `from` replaced by `to`; panics (failing the test) if `from` is absent,
/// so that an edit to `MINIMAL` cannot silently turn a test into a no-op.
pub fn minimal_with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "MINIMAL has no `{from}`");
    MINIMAL.replacen(from, to, 1)
}

/// The errors of a config that must not compile, one `path: message` per line.
pub fn errors_of(src: &str) -> docgate_config::ConfigErrors {
    match docgate_config::Config::from_toml_str(src) {
        Ok(_) => panic!("expected this config to be rejected:\n{src}"),
        Err(e) => e,
    }
}

/// A config that must compile.
pub fn compiled(src: &str) -> docgate_config::Config {
    match docgate_config::Config::from_toml_str(src) {
        Ok(c) => c,
        Err(e) => panic!("expected this config to compile, got:\n{e}"),
    }
}
