//! Behaviour of the judge on hand-made measurements under the shipped profiles: one test per
//! behaviour, each asserting the rule, outcome and the evidence in the message.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{
    Decision, DocumentMeasurements, ExtractedField, Finding, Format, IngestProblem,
    IngestProblemKind, Outcome, PageMeasurements, Report, RuleId, Submission,
    SubmissionMeasurements,
};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
}

fn submission(profile: &str, form: serde_json::Value, docs: &[(&str, &str)]) -> Submission {
    let documents: Vec<_> = docs
        .iter()
        .map(|(id, kind)| serde_json::json!({"id": id, "kind": kind, "uri": format!("{id}.jpg")}))
        .collect();
    let v = serde_json::json!({"submission_id": "S-T", "profile": profile, "form": form, "documents": documents});
    Submission::from_json(v.to_string().as_bytes()).expect("valid manifest")
}

fn jpeg(id: &str, bytes: u64, w: u32, h: u32) -> DocumentMeasurements {
    DocumentMeasurements {
        document: id.into(),
        bytes,
        format: Some(Format::Jpeg),
        claimed_format: Some(Format::Jpeg),
        page_count: 1,
        pages: vec![PageMeasurements {
            index: 0,
            width: w,
            height: h,
            vision: None,
        }],
        has_text_layer: false,
        problem: None,
    }
}

fn field(v: &str) -> ExtractedField {
    ExtractedField {
        value: v.into(),
        confidence: 0.9,
        region: Some([10, 10, 100, 20]),
        repaired_from: None,
        alternatives: Vec::new(),
        char_confidence: Vec::new(),
    }
}

fn judge(sub: &Submission, m: &SubmissionMeasurements) -> Report {
    docgate_rules::judge(Config::embedded_default(), sub, m, as_of()).expect("known profile")
}

fn find<'a>(r: &'a Report, rule: RuleId, doc: Option<&str>) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.rule == rule && f.document.as_deref() == doc)
        .unwrap_or_else(|| panic!("no {rule} finding on {doc:?} in {:#?}", r.findings))
}

const FULL_SET: &[(&str, &str)] = &[
    ("lic", "business_license"),
    ("idf", "id_card_front"),
    ("idb", "id_card_back"),
    ("bp", "bank_permit"),
];

/// Clean measurements of FULL_SET, with no fields read.
fn clean() -> SubmissionMeasurements {
    SubmissionMeasurements {
        documents: clean_docs(),
        extracted: BTreeMap::new(),
    }
}

fn clean_docs() -> Vec<DocumentMeasurements> {
    vec![
        jpeg("lic", 900_000, 2400, 1700),
        jpeg("idf", 300_000, 1600, 1000),
        jpeg("idb", 300_000, 1600, 1000),
        jpeg("bp", 400_000, 2000, 1400),
    ]
}

#[test]
fn clean_submission_passes_and_records_every_check() {
    let sub = submission(
        "1688",
        serde_json::json!({"credit_code": "91350100M000100Y43"}),
        FULL_SET,
    );
    let m = clean();
    let r = judge(&sub, &m);
    assert_eq!(r.decision, Decision::Pass, "{:#?}", r.findings);
    assert!(r.config_version.starts_with("sha256:"));
    assert_eq!(
        find(&r, RuleId::ImageResolution, Some("lic")).outcome,
        Outcome::Pass
    );
    assert_eq!(
        find(&r, RuleId::FormCreditCode, None).outcome,
        Outcome::Pass
    );
}

#[test]
fn oversize_file_fails_with_measured_and_threshold() {
    let sub = submission("1688", serde_json::json!({}), FULL_SET);
    let mut docs = clean_docs();
    docs[0].bytes = 12 * 1024 * 1024;
    let r = judge(
        &sub,
        &SubmissionMeasurements {
            documents: docs,
            extracted: BTreeMap::new(),
        },
    );
    let f = find(&r, RuleId::ImageFileSize, Some("lic"));
    assert_eq!(f.outcome, Outcome::Fail);
    assert_eq!(f.measured, Some((12 * 1024 * 1024) as f64));
    assert_eq!(f.threshold, Some((10 * 1024 * 1024) as f64));
    assert!(f.message.contains("12.00 MiB"), "{}", f.message);
    assert_eq!(r.decision, Decision::Fail);
    assert_eq!(
        r.findings[0].outcome,
        Outcome::Fail,
        "worst findings come first"
    );
}

#[test]
fn alibaba_rejects_a_pdf_licence_but_default_accepts_it() {
    let mut docs = clean_docs();
    docs[0].format = Some(Format::Pdf);
    docs[0].claimed_format = Some(Format::Pdf);
    let m = SubmissionMeasurements {
        documents: docs,
        extracted: BTreeMap::new(),
    };
    let alibaba = judge(
        &submission("alibaba_intl", serde_json::json!({}), FULL_SET),
        &m,
    );
    assert_eq!(
        find(&alibaba, RuleId::ImageFormat, Some("lic")).outcome,
        Outcome::Fail
    );
    let default = judge(&submission("default", serde_json::json!({}), FULL_SET), &m);
    assert_eq!(
        find(&default, RuleId::ImageFormat, Some("lic")).outcome,
        Outcome::Pass
    );
}

#[test]
fn mislabelled_file_is_a_warning_not_a_failure() {
    let mut docs = clean_docs();
    docs[1].claimed_format = Some(Format::Png);
    let r = judge(
        &submission("1688", serde_json::json!({}), FULL_SET),
        &SubmissionMeasurements {
            documents: docs,
            extracted: BTreeMap::new(),
        },
    );
    let f = find(&r, RuleId::ImageFormat, Some("idf"));
    assert_eq!(f.outcome, Outcome::Warn);
    assert!(f.message.contains("really jpeg"), "{}", f.message);
    assert_eq!(r.decision, Decision::Pass);
}

#[test]
fn storage_problem_is_an_access_finding_and_nothing_else_on_that_document() {
    let mut docs = clean_docs();
    docs[0] = unread_licence(IngestProblem {
        kind: IngestProblemKind::OutsideRoot,
        detail: "`..` in path".into(),
    });
    let r = judge(
        &submission("1688", serde_json::json!({}), FULL_SET),
        &SubmissionMeasurements {
            documents: docs,
            extracted: BTreeMap::new(),
        },
    );
    assert_eq!(
        find(&r, RuleId::DocumentAccess, Some("lic")).outcome,
        Outcome::Fail
    );
    assert!(r
        .findings
        .iter()
        .all(|f| f.document.as_deref() != Some("lic") || f.rule == RuleId::DocumentAccess));
}

#[test]
fn decode_problems_and_low_resolution() {
    let mut docs = clean_docs();
    docs[0].problem = Some(IngestProblem {
        kind: IngestProblemKind::TooManyPixels,
        detail: "10000 MP > 120 MP".into(),
    });
    docs[0].pages.clear();
    docs[1].pages[0] = PageMeasurements {
        index: 0,
        width: 320,
        height: 200,
        vision: None,
    };
    let r = judge(
        &submission("1688", serde_json::json!({}), FULL_SET),
        &SubmissionMeasurements {
            documents: docs,
            extracted: BTreeMap::new(),
        },
    );
    assert_eq!(
        find(&r, RuleId::ImageDecode, Some("lic")).outcome,
        Outcome::Fail
    );
    let res = find(&r, RuleId::ImageResolution, Some("idf"));
    assert_eq!(res.outcome, Outcome::Fail);
    assert_eq!(res.measured, Some(200.0));
}

#[test]
fn unknown_kind_and_missing_required_document() {
    let sub = submission(
        "1688",
        serde_json::json!({}),
        &[("lic", "business_license"), ("pp", "passport")],
    );
    let m = SubmissionMeasurements {
        documents: vec![jpeg("lic", 1000, 2400, 1700), jpeg("pp", 1000, 2400, 1700)],
        extracted: BTreeMap::new(),
    };
    let r = judge(&sub, &m);
    let k = find(&r, RuleId::SubmissionDocumentKind, Some("pp"));
    // The shipped default sends an unknown upload to a person rather than failing it.
    assert_eq!(k.outcome, Outcome::Review);
    assert!(k.message.contains("\"passport\""), "{}", k.message);
    let req = find(&r, RuleId::SubmissionRequiredDocuments, None);
    assert_eq!(req.outcome, Outcome::Fail);
    assert!(req.message.contains("id_card_front"), "{}", req.message);
}

#[test]
fn invalid_form_codes_fail_and_personal_data_stays_masked() {
    let form = serde_json::json!({"credit_code": "91350100M000100Y44", "legal_rep_id_number": "110105194912310021"});
    let r = judge(&submission("1688", form, FULL_SET), &clean());
    assert_eq!(
        find(&r, RuleId::FormCreditCode, None).outcome,
        Outcome::Fail
    );
    let id = find(&r, RuleId::FormLegalRepIdNumber, None);
    assert_eq!(id.outcome, Outcome::Fail);
    assert!(id.message.contains("1101**********0021"), "{}", id.message);
    let all = serde_json::to_string(&r.findings).expect("json");
    assert!(
        !all.contains("19491231"),
        "ID number leaked into a message: {all}"
    );
}

#[test]
fn organisation_code_must_equal_the_embedded_one() {
    let ok =
        serde_json::json!({"credit_code": "91350100M000100Y43", "organization_code": "M000100Y-4"});
    let r = judge(&submission("single_window", ok, FULL_SET), &clean());
    assert_eq!(
        find(&r, RuleId::FormOrganizationCode, None).outcome,
        Outcome::Pass
    );
    let bad =
        serde_json::json!({"credit_code": "91350100M000100Y43", "organization_code": "802100433"});
    let r = judge(&submission("single_window", bad, FULL_SET), &clean());
    let f = find(&r, RuleId::FormOrganizationCode, None);
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(f.message.contains("M000100Y4"), "{}", f.message);
}

fn with_fields(
    docs: &[(&str, &[(&str, &str)])],
) -> BTreeMap<String, BTreeMap<String, ExtractedField>> {
    docs.iter()
        .map(|(id, fs)| {
            (
                id.to_string(),
                fs.iter().map(|(k, v)| (k.to_string(), field(v))).collect(),
            )
        })
        .collect()
}

const INVOICE_SET: &[(&str, &str)] = &[
    ("lic", "business_license"),
    ("idf", "id_card_front"),
    ("idb", "id_card_back"),
    ("bp", "bank_permit"),
    ("inv", "vat_invoice"),
];

/// Judges a 1688 submission with an invoice and an empty form on `extracted`.
fn judge_invoice(extracted: BTreeMap<String, BTreeMap<String, ExtractedField>>) -> Report {
    judge(
        &submission("1688", serde_json::json!({}), INVOICE_SET),
        &SubmissionMeasurements {
            documents: invoice_docs(),
            extracted,
        },
    )
}

fn invoice_docs() -> Vec<DocumentMeasurements> {
    let mut d = clean_docs();
    d.push(jpeg("inv", 500_000, 2400, 1600));
    d
}

#[test]
fn small_scale_rate_and_old_invoice_fail_on_1688() {
    let extracted = with_fields(&[("inv", &[("tax_rate", "3%"), ("issue_date", "2026-07-01")])]);
    let r = judge_invoice(extracted);
    let rate = find(&r, RuleId::InvoiceTaxRate, Some("inv"));
    assert_eq!(rate.outcome, Outcome::Fail);
    assert!(rate.message.contains("3%"), "{}", rate.message);
    let date = find(&r, RuleId::InvoiceDate, Some("inv"));
    assert_eq!(date.outcome, Outcome::Fail);
    assert_eq!(date.measured, Some(146.0));
    assert_eq!(date.threshold, Some(90.0));
}

#[test]
fn a_rate_fixed_by_the_rows_amounts_says_so_and_is_judged_like_a_read_one() {
    let mut extracted =
        with_fields(&[("inv", &[("tax_rate", "3%"), ("issue_date", "2026-10-01")])]);
    if let Some(f) = extracted.get_mut("inv").and_then(|d| d.get_mut("tax_rate")) {
        f.repaired_from = Some("3野".into());
    }
    let r = judge_invoice(extracted);
    let rate = find(&r, RuleId::InvoiceTaxRate, Some("inv"));
    assert_eq!(rate.outcome, Outcome::Fail);
    assert!(
        rate.message.contains("amount and tax") && rate.message.contains("3野"),
        "{}",
        rate.message
    );
}

#[test]
fn general_rate_and_recent_invoice_pass() {
    let extracted = with_fields(&[(
        "inv",
        &[("tax_rate", "13%"), ("issue_date", "2026年10月01日")],
    )]);
    let r = judge_invoice(extracted);
    assert_eq!(
        find(&r, RuleId::InvoiceTaxRate, Some("inv")).outcome,
        Outcome::Pass
    );
    assert_eq!(
        find(&r, RuleId::InvoiceDate, Some("inv")).outcome,
        Outcome::Pass
    );
}

#[test]
fn an_old_date_that_one_unsure_digit_would_make_recent_is_review() {
    let run = |date: &str, conf: &[f32]| {
        let mut f = field(date);
        f.char_confidence = conf.to_vec();
        let fields = [("issue_date".to_string(), f)].into_iter().collect();
        let r = judge(
            &submission("1688", serde_json::json!({}), INVOICE_SET),
            &SubmissionMeasurements {
                documents: invoice_docs(),
                extracted: [("inv".to_string(), fields)].into_iter().collect(),
            },
        );
        find(&r, RuleId::InvoiceDate, Some("inv")).clone()
    };
    // Seed 101 FX101-0052: 2026-11-14 read as 2026-01-14, the month's digits unsure.
    let sure = [0.92f32; 10];
    let mut month = sure;
    month[5] = 0.56;
    month[6] = 0.56;
    let unsure = run("2026-01-14", &month);
    assert_eq!(unsure.outcome, Outcome::Review, "{}", unsure.message);
    assert!(unsure.message.contains("2026-11-14"), "{}", unsure.message);
    // Read sure, it is old.
    assert_eq!(run("2026-01-14", &sure).outcome, Outcome::Fail);
    // Unsure only where no digit brings it inside the window (the year's first digit).
    let mut year = sure;
    year[0] = 0.3;
    assert_eq!(run("2026-01-14", &year).outcome, Outcome::Fail);
    // No per-character confidences (a text layer): as read.
    assert_eq!(run("2026-01-14", &[]).outcome, Outcome::Fail);
}

#[test]
fn expiry_rules_accept_long_term_and_reject_the_past() {
    let extracted = with_fields(&[
        ("lic", &[("term_end", "长期")]),
        ("idb", &[("id_valid_to", "2025.03.01")]),
    ]);
    let r = judge(
        &submission("1688", serde_json::json!({}), FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted,
        },
    );
    assert_eq!(
        find(&r, RuleId::LicenseTerm, Some("lic")).outcome,
        Outcome::Pass
    );
    let id = find(&r, RuleId::IdExpiry, Some("idb"));
    assert_eq!(id.outcome, Outcome::Fail);
    assert!(
        id.message.contains("expired on 2025-03-01"),
        "{}",
        id.message
    );
}

#[test]
fn unreadable_field_goes_to_review_not_fail() {
    let extracted = with_fields(&[("lic", &[("company_name", "杭州示例科技有限公司")])]);
    let r = judge(
        &submission("1688", serde_json::json!({}), FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted,
        },
    );
    assert_eq!(
        find(&r, RuleId::LicenseCreditCode, Some("lic")).outcome,
        Outcome::Review
    );
    assert_eq!(r.decision, Decision::Review);
}

#[test]
fn company_name_near_miss_reviews_and_legal_form_difference_fails() {
    let form = serde_json::json!({"company_name": "杭州示例科技有限公司"});
    let near = with_fields(&[(
        "lic",
        &[
            ("company_name", "杭州示列科技有限公司"),
            ("credit_code", "91350100M000100Y43"),
        ],
    )]);
    let r = judge(
        &submission("1688", form.clone(), FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted: near,
        },
    );
    let f = find(&r, RuleId::MatchCompanyName, Some("lic"));
    assert_eq!(f.outcome, Outcome::Review, "{}", f.message);
    assert!(f.message.contains("0.90"), "{}", f.message);

    let legal = with_fields(&[(
        "lic",
        &[
            ("company_name", "杭州示例科技有限责任公司"),
            ("credit_code", "91350100M000100Y43"),
        ],
    )]);
    let r = judge(
        &submission("1688", form.clone(), FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted: legal,
        },
    );
    assert_eq!(
        find(&r, RuleId::MatchCompanyName, Some("lic")).outcome,
        Outcome::Fail
    );

    let same = with_fields(&[(
        "lic",
        &[
            ("company_name", "杭州示例科技 有限公司"),
            ("credit_code", "91350100M000100Y43"),
        ],
    )]);
    let r = judge(
        &submission("1688", form, FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted: same,
        },
    );
    assert_eq!(
        find(&r, RuleId::MatchCompanyName, Some("lic")).outcome,
        Outcome::Pass
    );
}

#[test]
fn cross_document_checks_without_a_form() {
    // No form at all: the licence is the reference for the ID card and the invoice.
    let extracted = with_fields(&[
        (
            "lic",
            &[
                ("company_name", "杭州示例科技有限公司"),
                ("credit_code", "91350100M000100Y43"),
                ("legal_rep_name", "张三丰"),
            ],
        ),
        (
            "idf",
            &[("id_name", "李四"), ("id_number", "11010519491231002X")],
        ),
        (
            "inv",
            &[
                ("seller_name", "杭州示例科技有限公司"),
                ("seller_tax_id", "91110000802100433B"),
            ],
        ),
    ]);
    let r = judge_invoice(extracted);
    let name = find(&r, RuleId::MatchLegalRepName, Some("idf"));
    assert_eq!(name.outcome, Outcome::Fail);
    assert!(
        !name.message.contains("张三丰") && !name.message.contains("李四"),
        "names must be masked: {}",
        name.message
    );
    let seller = find(&r, RuleId::MatchInvoiceSeller, Some("inv"));
    assert_eq!(seller.outcome, Outcome::Fail, "{}", seller.message);
    assert!(
        seller.message.contains("91110000802100433B"),
        "{}",
        seller.message
    );
    assert!(
        r.findings
            .iter()
            .all(|f| !(f.rule == RuleId::MatchCompanyName && f.document.as_deref() == Some("lic"))),
        "licence is not compared with itself"
    );
}

#[test]
fn a_second_reading_equal_to_the_form_settles_a_name() {
    let form = serde_json::json!({"legal_rep_name": "石志霞"});
    let mut rep = field("石志起");
    rep.alternatives = vec!["石志霞".into()];
    let mut extracted = with_fields(&[("lic", &[])]);
    extracted
        .get_mut("lic")
        .expect("licence fields")
        .insert("legal_rep_name".into(), rep.clone());
    let r = judge(
        &submission("1688", form.clone(), FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted: extracted.clone(),
        },
    );
    let f = find(&r, RuleId::MatchLegalRepName, Some("lic"));
    assert_eq!(f.outcome, Outcome::Pass, "{}", f.message);
    assert!(!f.message.contains("石志霞"), "masked: {}", f.message);
    // A second reading that agrees with nothing changes nothing.
    rep.alternatives = vec!["石志超".into()];
    extracted
        .get_mut("lic")
        .expect("licence fields")
        .insert("legal_rep_name".into(), rep);
    let r = judge(
        &submission("1688", form, FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted,
        },
    );
    assert_ne!(
        find(&r, RuleId::MatchLegalRepName, Some("lic")).outcome,
        Outcome::Pass
    );
}

/// The invoice seller's finding for `form` with the invoice showing `seller` and `tax_id`,
/// and the licence (when given) showing `licence_code`.
fn seller_finding(
    form: serde_json::Value,
    seller: &str,
    tax_id: &str,
    licence_code: Option<&str>,
) -> Finding {
    let lic: Vec<(&str, &str)> = licence_code
        .map(|c| ("credit_code", c))
        .into_iter()
        .collect();
    let extracted = with_fields(&[
        ("inv", &[("seller_name", seller), ("seller_tax_id", tax_id)]),
        ("lic", &lic),
    ]);
    let r = judge(
        &submission("1688", form, INVOICE_SET),
        &SubmissionMeasurements {
            documents: invoice_docs(),
            extracted,
        },
    );
    find(&r, RuleId::MatchInvoiceSeller, Some("inv")).clone()
}

#[test]
fn an_invoice_tax_id_and_a_registration_number_agree_only_in_their_area() {
    // The form gives a pre-2016 licence's 15-digit registration number; the invoice prints
    // an 18-character credit code. Different schemes: the registration area (digits 1-6,
    // characters 3-8) is all they can share.
    let form = serde_json::json!({
        "company_name": "杭州示例科技有限公司",
        "credit_code": "110105657755375",
    });
    let same_area = docgate_codes::credit::complete("91110105MA0100433").expect("code");
    let other_area = "91110000802100433B";
    let ok = seller_finding(form.clone(), "杭州示例科技有限公司", &same_area, None);
    assert_eq!(ok.outcome, Outcome::Pass, "{}", ok.message);
    assert!(
        ok.message.contains("registration area 110105"),
        "{}",
        ok.message
    );
    // Same area, another company's name: the name decides.
    let name = seller_finding(form.clone(), "宁波另一贸易有限公司", &same_area, None);
    assert_eq!(name.outcome, Outcome::Fail, "{}", name.message);
    // Same area, no name read: the area alone is not the company.
    let form_only = seller_finding(form.clone(), "", &same_area, None);
    assert_eq!(form_only.outcome, Outcome::Review, "{}", form_only.message);
    let far = seller_finding(form, "杭州示例科技有限公司", other_area, None);
    assert_eq!(far.outcome, Outcome::Review, "{}", far.message);
    assert!(
        far.message.contains("different kinds of number"),
        "{}",
        far.message
    );
}

#[test]
fn an_invoice_tax_id_that_is_the_licences_code_is_the_company_whatever_the_form_says() {
    let licence = "91110000802100433B";
    // The form's code has a typo (match.credit_code's finding): the invoice is still the
    // licence's company.
    let form = serde_json::json!({
        "company_name": "杭州示例科技有限公司",
        "credit_code": "91110000802100438B",
    });
    let f = seller_finding(form.clone(), "杭州示例科技有限公司", licence, Some(licence));
    assert_eq!(f.outcome, Outcome::Pass, "{}", f.message);
    assert!(
        f.message.contains("is the licence's credit code"),
        "{}",
        f.message
    );
    // A licence code that fails its checksum vouches for nothing.
    let misread = "91110000802100433C";
    let f = seller_finding(form.clone(), "杭州示例科技有限公司", misread, Some(misread));
    assert_ne!(f.outcome, Outcome::Pass, "{}", f.message);
    // Another company's valid code, on neither the form nor the licence: fail.
    let f = seller_finding(
        form,
        "杭州示例科技有限公司",
        "91350100M000100Y43",
        Some(licence),
    );
    assert_eq!(f.outcome, Outcome::Fail, "{}", f.message);
}

#[test]
fn a_seller_name_that_differs_under_the_forms_tax_id_is_review_not_fail() {
    let form = serde_json::json!({"company_name": "北京航盛恒益服饰股份有限公司", "credit_code": "91110000802100433B"});
    let run = |tax_id: &str| {
        let extracted = with_fields(&[(
            "inv",
            &[
                ("seller_name", "北京航蠹恒苑服饰航份有限公司"),
                ("seller_tax_id", tax_id),
            ],
        )]);
        let r = judge(
            &submission("1688", form.clone(), INVOICE_SET),
            &SubmissionMeasurements {
                documents: invoice_docs(),
                extracted,
            },
        );
        find(&r, RuleId::MatchInvoiceSeller, Some("inv")).clone()
    };
    // Similarity 0.79, read sure: a failure on the name alone…
    let other = run("91350100M000100Y43");
    assert_eq!(other.outcome, Outcome::Fail, "{}", other.message);
    // …but the tax id, checked by its check characters, is the company's: review.
    let same = run("91110000802100433B");
    assert_eq!(same.outcome, Outcome::Review, "{}", same.message);
    assert!(
        same.message.contains("tax id is the form's credit code"),
        "{}",
        same.message
    );
}

#[test]
fn misread_code_differing_by_one_character_is_review() {
    let form = serde_json::json!({"credit_code": "91350100M000100Y43"});
    let extracted = with_fields(&[("lic", &[("credit_code", "91350100M0001O0Y43")])]);
    let r = judge(
        &submission("1688", form, FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted,
        },
    );
    assert_eq!(
        find(&r, RuleId::MatchCreditCode, Some("lic")).outcome,
        Outcome::Review
    );
}

#[test]
fn a_repaired_code_that_differs_from_the_form_is_review_unless_the_reading_was_far() {
    // Seed 101 FX101-0033: read 91310LLGMAE2M8L938 (confidence 0), folded and repaired into
    // a valid code two characters off the form's — a wrong guess that validated.
    let form = serde_json::json!({"credit_code": "91310115MAE2M8L938"});
    let run = |value: &str, raw: Option<&str>| {
        let mut fields = BTreeMap::new();
        let mut f = field(value);
        f.repaired_from = raw.map(str::to_string);
        fields.insert("credit_code".to_string(), f);
        let r = judge(
            &submission("1688", form.clone(), FULL_SET),
            &SubmissionMeasurements {
                documents: clean_docs(),
                extracted: [("lic".to_string(), fields)].into_iter().collect(),
            },
        );
        find(&r, RuleId::MatchCreditCode, Some("lic")).clone()
    };
    let guessed = run("91810116MAE2M8L938", Some("91310LLGMAE2M8L938"));
    assert_eq!(guessed.outcome, Outcome::Review, "{}", guessed.message);
    assert!(
        guessed.message.contains("repaired from"),
        "{}",
        guessed.message
    );
    // Read as such, the same valid code is another company's.
    let read = run("91810116MAE2M8L938", None);
    assert_eq!(read.outcome, Outcome::Fail, "{}", read.message);
    // Left unrepaired, letters where the division's digits stand are misreadings, not
    // differences: the code is the form's, misread.
    let raw = run("91310LLGMAE2M8L938", None);
    assert_eq!(raw.outcome, Outcome::Review, "{}", raw.message);
    // Two characters apart inside the organisation code, both codes valid: a misreading
    // that met both check characters by chance (seed 113 FX113-0014), so review.
    let both = run("91310115MAE2M8L938", None);
    assert_eq!(both.outcome, Outcome::Pass);
    let form_org = serde_json::json!({"credit_code": "91440106MADGTA115F"});
    let r = judge(
        &submission("1688", form_org, FULL_SET),
        &SubmissionMeasurements {
            documents: clean_docs(),
            extracted: [(
                "lic".to_string(),
                [("credit_code".to_string(), field("91440106MADGTAL55F"))]
                    .into_iter()
                    .collect(),
            )]
            .into_iter()
            .collect(),
        },
    );
    let near = find(&r, RuleId::MatchCreditCode, Some("lic"));
    assert_eq!(near.outcome, Outcome::Review, "{}", near.message);
    assert!(
        near.message.contains("2 character(s) apart"),
        "{}",
        near.message
    );
    // A repair of a reading far from the form's code is another company's too.
    let far = run("91350100M000100Y43", Some("91350100M0001O0Y43"));
    assert_eq!(far.outcome, Outcome::Fail, "{}", far.message);
}

#[test]
fn judging_is_deterministic_and_off_rules_are_silent() {
    let sub = submission(
        "1688",
        serde_json::json!({"credit_code": "91350100M000100Y43"}),
        FULL_SET,
    );
    let m = clean();
    assert_eq!(judge(&sub, &m), judge(&sub, &m));
    let toml = Config::EMBEDDED_SOURCE.replace(
        "\"form.credit_code\" = { severity = \"fail\" }",
        "\"form.credit_code\" = { severity = \"off\" }",
    );
    assert_ne!(
        toml,
        Config::EMBEDDED_SOURCE,
        "the shipped default must spell the form.credit_code rule this way"
    );
    let cfg = Config::from_toml_str(&toml).expect("valid");
    let r = docgate_rules::judge(
        &cfg,
        &submission("default", serde_json::json!({"credit_code": "X"}), FULL_SET),
        &m,
        as_of(),
    )
    .expect("ok");
    assert!(r.findings.iter().all(|f| f.rule != RuleId::FormCreditCode));
}

#[test]
fn general_taxpayers_on_1688_must_include_an_invoice() {
    let m = clean();
    let small = judge(
        &submission(
            "1688",
            serde_json::json!({"taxpayer_type": "small_scale"}),
            FULL_SET,
        ),
        &m,
    );
    assert_eq!(
        find(&small, RuleId::SubmissionRequiredDocuments, None).outcome,
        Outcome::Pass
    );
    let general = judge(
        &submission(
            "1688",
            serde_json::json!({"taxpayer_type": "general"}),
            FULL_SET,
        ),
        &m,
    );
    let f = find(&general, RuleId::SubmissionRequiredDocuments, None);
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(f.message.contains("vat_invoice"), "{}", f.message);
}

#[test]
fn prc_passport_is_accepted_where_an_id_number_is_asked() {
    let m = clean();
    let r = judge(
        &submission(
            "alibaba_intl",
            serde_json::json!({"legal_rep_id_number": "E12345678"}),
            FULL_SET,
        ),
        &m,
    );
    assert_eq!(
        find(&r, RuleId::FormLegalRepIdNumber, None).outcome,
        Outcome::Pass
    );
    let r = judge(
        &submission(
            "alibaba_intl",
            serde_json::json!({"legal_rep_id_number": "X1234"}),
            FULL_SET,
        ),
        &m,
    );
    assert_eq!(
        find(&r, RuleId::FormLegalRepIdNumber, None).outcome,
        Outcome::Fail
    );
}

#[test]
fn unknown_profile_is_an_error_naming_the_known_ones() {
    let sub = submission("taobao", serde_json::json!({}), FULL_SET);
    let e = docgate_rules::judge(
        Config::embedded_default(),
        &sub,
        &SubmissionMeasurements::default(),
        as_of(),
    )
    .expect_err("an unknown profile is an error");
    assert!(e.to_string().contains("1688"), "{e}");
}

#[test]
fn a_name_mismatch_read_with_low_confidence_goes_to_review() {
    // The same clear mismatch: confident → fail; read at 0.55 (below trust_confidence 0.8)
    // → review, because the reading, not the document, is in doubt.
    let form = serde_json::json!({"legal_rep_name": "张三丰"});
    let run = |confidence: f32| {
        let mut extracted = with_fields(&[("idf", &[("id_name", "李四")])]);
        for fields in extracted.values_mut() {
            for f in fields.values_mut() {
                f.confidence = confidence;
            }
        }
        let r = judge(
            &submission("1688", form.clone(), FULL_SET),
            &SubmissionMeasurements {
                documents: clean_docs(),
                extracted,
            },
        );
        find(&r, RuleId::MatchLegalRepName, Some("idf")).clone()
    };
    assert_eq!(run(0.95).outcome, Outcome::Fail);
    let doubtful = run(0.55);
    assert_eq!(doubtful.outcome, Outcome::Review, "{}", doubtful.message);
    assert!(
        doubtful.message.contains("0.55 < 0.80"),
        "{}",
        doubtful.message
    );
    assert!(
        !doubtful.message.contains("李四"),
        "masked: {}",
        doubtful.message
    );
}

#[test]
fn a_name_differing_only_in_unsure_characters_goes_to_review() {
    // The name read as 东莞烈品诊启… for 东莞鼎品诚启… (similarity 0.79, under the 0.8 that
    // makes a near miss): three characters differ. Read with those three unsure (0.55,
    // 0.79, 0.87 < slip_confidence 0.9) it is misreading, so review; the same characters
    // read sure (0.95) are a different name, so fail; a sure character anywhere among the
    // differing ones is enough to fail.
    let form = serde_json::json!({"company_name": "东莞鼎品诚启包装材料有限公司"});
    let read = "东莞烈品诊启包装村料有限公司";
    let run = |unsure: [f32; 3]| {
        let mut extracted = with_fields(&[("lic", &[("company_name", read)])]);
        let f = extracted
            .get_mut("lic")
            .and_then(|d| d.get_mut("company_name"))
            .expect("the field");
        f.confidence = 0.9;
        f.char_confidence = read
            .chars()
            .enumerate()
            .map(|(i, _)| match i {
                2 => unsure[0],
                4 => unsure[1],
                8 => unsure[2],
                _ => 0.95,
            })
            .collect();
        let r = judge(
            &submission("1688", form.clone(), FULL_SET),
            &SubmissionMeasurements {
                documents: clean_docs(),
                extracted,
            },
        );
        find(&r, RuleId::MatchCompanyName, Some("lic")).clone()
    };
    let slips = run([0.55, 0.79, 0.87]);
    assert_eq!(slips.outcome, Outcome::Review, "{}", slips.message);
    assert!(slips.message.contains("below 0.90"), "{}", slips.message);
    assert_eq!(run([0.95, 0.95, 0.95]).outcome, Outcome::Fail);
    assert_eq!(run([0.55, 0.79, 0.93]).outcome, Outcome::Fail);
}

#[test]
fn a_file_over_the_hard_cap_is_too_large_not_empty() {
    // Ingest never reads past the cap, so it records 0 bytes: the findings must not call
    // the file empty nor pass its size.
    let mut docs = clean_docs();
    docs[0] = unread_licence(IngestProblem {
        kind: IngestProblemKind::TooLarge,
        detail: "the file is larger than the cap of 20971520 bytes".into(),
    });
    let r = judge(
        &submission("1688", serde_json::json!({}), FULL_SET),
        &SubmissionMeasurements {
            documents: docs,
            extracted: BTreeMap::new(),
        },
    );
    let size = find(&r, RuleId::ImageFileSize, Some("lic"));
    assert_eq!(size.outcome, Outcome::Fail, "{}", size.message);
    assert!(size.message.contains("hard cap"), "{}", size.message);
    let format = find(&r, RuleId::ImageFormat, Some("lic"));
    assert!(!format.message.contains("empty"), "{}", format.message);
    assert_ne!(format.outcome, Outcome::Pass);
    assert_eq!(
        find(&r, RuleId::ImageDecode, Some("lic")).outcome,
        Outcome::Fail
    );
}

/// The licence as ingest records a file it could not read: 0 bytes, nothing measured.
fn unread_licence(problem: IngestProblem) -> DocumentMeasurements {
    DocumentMeasurements {
        document: "lic".into(),
        bytes: 0,
        format: None,
        claimed_format: Some(Format::Jpeg),
        page_count: 0,
        pages: vec![],
        has_text_layer: false,
        problem: Some(problem),
    }
}
