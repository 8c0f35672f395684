//! The shipped `pipeline.toml`: it compiles, and says what the platform guides demand.

mod common;

use common::compiled;
use docgate_config::{Config, Profile, RuleSet};
use docgate_core::{DocumentKind, Format, RuleId, Severity};

const MIB: u64 = 1024 * 1024;

fn shipped() -> &'static Config {
    Config::embedded_default()
}

fn profile(name: &str) -> &'static Profile {
    shipped()
        .profile(name)
        .unwrap_or_else(|| panic!("the shipped config has no profile `{name}`"))
}

fn kind(p: &Profile, k: DocumentKind) -> &RuleSet {
    p.rules(Some(k))
}

#[test]
fn shipped_config_compiles() {
    // Compiled afresh (not through the OnceLock) so that a failure prints every error.
    let c = compiled(Config::EMBEDDED_SOURCE);
    assert_eq!(c.version(), shipped().version());
    assert_eq!(
        c.profile_names().collect::<Vec<_>>(),
        [
            "1688",
            "alibaba_intl",
            "default",
            "ec_public_service",
            "single_window"
        ]
    );
}

#[test]
fn every_profile_and_kind_is_resolved_and_within_limits() {
    let c = shipped();
    let limits = c.limits();
    assert_eq!(limits.max_file_bytes, 64 * MIB);
    for name in c.profile_names() {
        let p = profile(name);
        assert_eq!(p.name, name);
        assert!(!p.description.is_empty(), "{name} has no description");
        assert!(!p.required_documents.is_empty(), "{name} requires nothing");
        let sets = std::iter::once(p.rules(None))
            .chain(DocumentKind::ALL.iter().map(|k| p.rules(Some(*k))));
        for rs in sets {
            // Every rule has a severity (the match in `severity` is exhaustive) ...
            assert_eq!(rs.severities().count(), RuleId::ALL.len());
            // ... and the thresholds are reachable.
            assert!(rs.image_file_size.params.max_bytes <= limits.max_file_bytes);
            assert!(rs.image_resolution.params.min_megapixels <= limits.max_megapixels);
            assert!(!rs.image_format.params.allowed.is_empty());
        }
        // Submission-level rules never vary by kind.
        for rule in docgate_config::SUBMISSION_LEVEL_RULES {
            for k in DocumentKind::ALL {
                assert_eq!(
                    p.rules(Some(k)).severity(*rule),
                    p.rules(None).severity(*rule)
                );
            }
        }
    }
}

#[test]
fn default_profile() {
    let d = profile("default");
    assert_eq!(d.extends, None);
    assert_eq!(
        d.required_documents,
        [
            DocumentKind::BusinessLicense,
            DocumentKind::IdCardFront,
            DocumentKind::IdCardBack
        ]
    );
    let lic = kind(d, DocumentKind::BusinessLicense);
    assert_eq!(
        lic.image_format.params.allowed,
        [Format::Jpeg, Format::Png, Format::Pdf]
    );
    assert_eq!(lic.image_resolution.params.min_short_side, 600);
    // ID cards are small: their own resolution floor.
    assert_eq!(
        kind(d, DocumentKind::IdCardFront)
            .image_resolution
            .params
            .min_short_side,
        400
    );
    // Colour originals for the licence; invoices only warn.
    assert_eq!(lic.image_color.severity, Severity::Fail);
    assert_eq!(
        kind(d, DocumentKind::VatInvoice).image_color.severity,
        Severity::Warn
    );
    // General-taxpayer rates only.
    let tax = &d.rules(None).invoice_tax_rate.params;
    for ok in [13.0, 9.0, 6.0, 16.0, 10.0, 17.0, 11.0] {
        assert!(tax.allowed_percent.contains(&ok), "{ok} % should pass");
    }
    for small in [3.0, 1.0, 0.0] {
        assert!(
            !tax.allowed_percent.contains(&small),
            "{small} % should fail"
        );
    }
    assert!(!tax.allow_exempt);
    assert_eq!(d.rules(None).invoice_date.params.allow_future_days, 1);
    assert_eq!(d.rules(None).letter_seal.severity, Severity::Review);
    assert_eq!(
        d.rules(None).form_organization_code.severity,
        Severity::Warn
    );
}

#[test]
fn profile_1688_demands_what_its_guide_demands() {
    let p = profile("1688");
    assert_eq!(p.extends.as_deref(), Some("default"));
    // Licence, ID card both sides, bank permit; a general taxpayer adds a VAT invoice.
    assert_eq!(
        p.required_documents,
        [
            DocumentKind::BusinessLicense,
            DocumentKind::IdCardFront,
            DocumentKind::IdCardBack,
            DocumentKind::BankPermit
        ]
    );
    assert_eq!(p.required_if_general_taxpayer, [DocumentKind::VatInvoice]);
    for k in DocumentKind::ALL {
        let rs = kind(p, k);
        // "大小不得超过 10M".
        assert_eq!(rs.image_file_size.params.max_bytes, 10 * MIB, "{k}");
        assert_eq!(rs.image_file_size.severity, Severity::Fail);
        // "清晰": clear, for every document.
        assert_eq!(rs.image_blur.severity, Severity::Fail, "{k}");
    }
    // Colour originals of licence, ID card and bank permit.
    for k in [
        DocumentKind::BusinessLicense,
        DocumentKind::IdCardFront,
        DocumentKind::IdCardBack,
    ] {
        assert_eq!(kind(p, k).image_color.severity, Severity::Fail, "{k}");
    }
    // The permit too, but its 基本存款账户信息 form is black print and a red seal, the same
    // pixels as a stamped grey copy: a person reviews it instead of an automatic fail.
    assert_eq!(
        kind(p, DocumentKind::BankPermit).image_color.severity,
        Severity::Review
    );
    // Four edges and four corners of the ID card visible.
    for k in [DocumentKind::IdCardFront, DocumentKind::IdCardBack] {
        assert_eq!(kind(p, k).image_corners.severity, Severity::Fail, "{k}");
    }
    assert_eq!(
        kind(p, DocumentKind::BusinessLicense)
            .image_corners
            .severity,
        Severity::Review
    );
    // A self-issued special invoice from the last 90 days at a general-taxpayer rate.
    let inv = kind(p, DocumentKind::VatInvoice);
    assert_eq!(inv.invoice_date.params.max_age_days, 90);
    assert_eq!(inv.invoice_date.severity, Severity::Fail);
    assert!(inv.invoice_tax_rate.params.allowed_percent.contains(&13.0));
    assert!(!inv.invoice_tax_rate.params.allowed_percent.contains(&3.0));
    assert!(!inv.invoice_tax_rate.params.allowed_percent.contains(&1.0));
    assert_eq!(inv.match_invoice_seller.severity, Severity::Fail);
    // Account name = company name.
    assert_eq!(
        kind(p, DocumentKind::BankPermit)
            .match_bank_account_name
            .severity,
        Severity::Fail
    );
    // Valid documents.
    assert_eq!(p.rules(None).license_term.severity, Severity::Fail);
    assert_eq!(p.rules(None).id_expiry.severity, Severity::Fail);
}

#[test]
fn alibaba_intl_licence_is_jpg_or_png_under_2mb() {
    let p = profile("alibaba_intl");
    assert_eq!(p.required_documents, [DocumentKind::BusinessLicense]);
    let lic = kind(p, DocumentKind::BusinessLicense);
    assert_eq!(lic.image_format.params.allowed, [Format::Jpeg, Format::Png]);
    assert_eq!(lic.image_format.severity, Severity::Fail);
    // "2MB" read as binary, as upload widgets and file managers display sizes.
    assert_eq!(lic.image_file_size.params.max_bytes, 2 * MIB);
    assert_eq!(lic.image_file_size.severity, Severity::Fail);
    // The override is the licence's only: other kinds keep default's formats and size.
    let other = kind(p, DocumentKind::IdCardFront);
    assert!(other.image_format.params.allowed.contains(&Format::Pdf));
    assert_eq!(other.image_file_size.params.max_bytes, 10 * MIB);
    // Company name identical to the licence.
    assert_eq!(lic.match_company_name.severity, Severity::Fail);
}

#[test]
fn ec_public_service_requires_a_stamped_authorization_letter() {
    let p = profile("ec_public_service");
    assert_eq!(
        p.required_documents,
        [
            DocumentKind::BusinessLicense,
            DocumentKind::AuthorizationLetter
        ]
    );
    let letter = kind(p, DocumentKind::AuthorizationLetter);
    assert_eq!(letter.letter_seal.severity, Severity::Fail);
    assert!(letter.letter_seal.params.min_seals >= 1);
}

#[test]
fn single_window_checks_the_organization_code() {
    let p = profile("single_window");
    let rs = p.rules(None);
    assert_eq!(rs.form_organization_code.severity, Severity::Fail);
    assert_eq!(rs.form_credit_code.severity, Severity::Fail);
    assert_eq!(rs.form_legal_rep_id_number.severity, Severity::Fail);
    for rule in [
        RuleId::MatchCompanyName,
        RuleId::MatchCreditCode,
        RuleId::MatchLegalRepName,
        RuleId::MatchLegalRepIdNumber,
    ] {
        assert_eq!(rs.severity(rule), Severity::Fail, "{rule}");
    }
    assert_eq!(p.required_documents, profile("default").required_documents);
}

#[test]
fn version_of_shipped_ignores_comments_and_layout() {
    // Drop every comment-only and blank line, and indent what is left.
    let stripped: String = Config::EMBEDDED_SOURCE
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#')
        })
        .map(|l| format!("  {l}\n"))
        .collect();
    assert_ne!(stripped, Config::EMBEDDED_SOURCE);
    let c = compiled(&stripped);
    assert_eq!(c.version(), shipped().version());

    // One threshold changed: a different version.
    let changed = Config::EMBEDDED_SOURCE.replacen("max_age_days = 90", "max_age_days = 91", 1);
    assert_ne!(changed, Config::EMBEDDED_SOURCE);
    assert_ne!(compiled(&changed).version(), shipped().version());
}

#[test]
fn canonical_json_is_keyed_by_rule_id() {
    let json: serde_json::Value =
        serde_json::from_str(&shipped().canonical_json()).expect("canonical JSON parses");
    let blur = &json["profiles"]["default"]["rules"]["image.blur"];
    assert_eq!(blur["severity"], "fail");
    assert!(blur["min_sharpness"].is_number());
    assert_eq!(
        json["profiles"]["alibaba_intl"]["kinds"]["business_license"]["image.file_size"]
            ["max_bytes"],
        2 * MIB
    );
}
