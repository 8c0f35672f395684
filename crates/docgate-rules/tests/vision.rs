//! The vision rules on hand-made measurements under the shipped profiles: blur, corners,
//! colour, glare and seals, each asserting outcome, evidence and the numbers in the message.

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{
    CornerMeasurement, DocumentMeasurements, Finding, Format, Outcome, PageMeasurements, Report,
    RuleId, Seal, Submission, SubmissionMeasurements, VisionMeasurements,
};

fn submission(profile: &str, docs: &[(&str, &str)]) -> Submission {
    let documents: Vec<_> = docs
        .iter()
        .map(|(id, kind)| serde_json::json!({"id": id, "kind": kind, "uri": format!("{id}.jpg")}))
        .collect();
    let v = serde_json::json!({"submission_id": "S-V", "profile": profile, "form": {}, "documents": documents});
    Submission::from_json(v.to_string().as_bytes()).expect("valid manifest")
}

fn corner(x: f64, y: f64, w: f64, h: f64) -> CornerMeasurement {
    let m = x.min(y).min(w - x).min(h - y);
    CornerMeasurement {
        position: Some([x, y]),
        margin_fraction: Some(m / w.min(h)),
        visible: m >= 0.0,
        off_frame: false,
    }
}

/// A clean page: a 1600×1000 document inside a 2000×1500 frame, sharp, colour, one seal.
fn clean() -> VisionMeasurements {
    let (w, h) = (2000.0, 1500.0);
    VisionMeasurements {
        corners: vec![
            corner(200.0, 250.0, w, h),
            corner(1800.0, 250.0, w, h),
            corner(1800.0, 1250.0, w, h),
            corner(200.0, 1250.0, w, h),
        ],
        edges_found: 4,
        document_region: [200, 250, 1600, 1000],
        document_size: [1600, 1000],
        sharpness: 50.0,
        sharpness_max: 60.0,
        colorfulness: 25.0,
        glare_fraction: 0.0,
        glare_region: None,
        seals: vec![Seal {
            center: [1500.0, 1000.0],
            radii: [120.0, 118.0],
            score: 0.9,
        }],
    }
}

fn doc(id: &str, v: VisionMeasurements) -> DocumentMeasurements {
    DocumentMeasurements {
        document: id.into(),
        bytes: 500_000,
        format: Some(Format::Jpeg),
        claimed_format: Some(Format::Jpeg),
        page_count: 1,
        pages: vec![PageMeasurements {
            index: 0,
            width: 2000,
            height: 1500,
            vision: Some(v),
        }],
        has_text_layer: false,
        problem: None,
    }
}

fn judge(profile: &str, kind: &str, v: VisionMeasurements) -> Report {
    let sub = submission(profile, &[("d", kind)]);
    let m = SubmissionMeasurements {
        documents: vec![doc("d", v)],
        extracted: Default::default(),
    };
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    docgate_rules::judge(Config::embedded_default(), &sub, &m, as_of).expect("known profile")
}

fn find(r: &Report, rule: RuleId) -> &Finding {
    r.findings
        .iter()
        .find(|f| f.rule == rule && f.document.as_deref() == Some("d"))
        .unwrap_or_else(|| panic!("no {rule} finding in {:#?}", r.findings))
}

#[test]
fn clean_page_passes_every_vision_rule() {
    let r = judge("default", "business_license", clean());
    for rule in [
        RuleId::ImageBlur,
        RuleId::ImageCorners,
        RuleId::ImageColor,
        RuleId::ImageGlare,
        RuleId::LicenseSeal,
        RuleId::ImageResolution,
    ] {
        assert_eq!(
            find(&r, rule).outcome,
            Outcome::Pass,
            "{rule}: {:?}",
            find(&r, rule)
        );
    }
    // Resolution is the document's own size, not the frame's.
    assert!(find(&r, RuleId::ImageResolution)
        .message
        .contains("1600×1000"));
}

#[test]
fn blurred_page_fails_with_numbers_and_region() {
    let mut v = clean();
    v.sharpness = 8.5;
    v.sharpness_max = 40.0;
    let r = judge("1688", "business_license", v.clone());
    let f = find(&r, RuleId::ImageBlur);
    assert_eq!(f.outcome, Outcome::Fail);
    assert_eq!((f.measured, f.threshold), (Some(8.5), Some(16.7)));
    assert!(f.message.contains("8.5 < 16.7"), "{}", f.message);
    assert!(f.message.contains("motion"), "{}", f.message);
    assert_eq!(f.region, Some([200, 250, 1600, 1000]));
    // Defocus lowers every direction alike: blurred, not called motion.
    v.sharpness_max = 12.0;
    let f = find(&judge("1688", "business_license", v), RuleId::ImageBlur).clone();
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(!f.message.contains("motion"), "{}", f.message);
}

#[test]
fn cut_corner_fails_id_cards_on_1688_and_goes_to_review_elsewhere() {
    let mut v = clean();
    v.corners[1] = corner(2030.0, 250.0, 2000.0, 1500.0);
    let r = judge("1688", "id_card_front", v.clone());
    let f = find(&r, RuleId::ImageCorners);
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(f.message.contains("top-right"), "{}", f.message);
    assert!(f.measured.is_some_and(|m| m < 0.0));
    let r = judge("default", "business_license", v);
    assert_eq!(find(&r, RuleId::ImageCorners).outcome, Outcome::Review);
}

#[test]
fn scan_cropped_to_the_page_passes_and_edges_not_found_go_to_review() {
    // "四边四角完整可见": a corner exactly on the frame edge is visible.
    let mut v = clean();
    v.corners[3] = corner(0.0, 1250.0, 2000.0, 1500.0);
    let c = find(&judge("1688", "id_card_back", v), RuleId::ImageCorners).clone();
    assert_eq!(c.outcome, Outcome::Pass, "{}", c.message);
    assert!(c.message.contains("0.0 % ≥ 0.0 %"), "{}", c.message);
    // Three pixels past it, it is not.
    let mut v = clean();
    v.corners[3] = corner(-3.0, 1250.0, 2000.0, 1500.0);
    let c = find(&judge("1688", "id_card_back", v), RuleId::ImageCorners).clone();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(
        c.message.contains("bottom-left") && c.message.contains("0.0 %"),
        "{}",
        c.message
    );
    let mut v = clean();
    v.corners.clear();
    v.edges_found = 1;
    let r = judge("1688", "id_card_back", v);
    // Not knowing is never worse than review.
    assert_eq!(find(&r, RuleId::ImageCorners).outcome, Outcome::Review);
}

#[test]
fn unknown_corners_fail_only_when_the_document_is_seen_running_off_the_frame() {
    // The right edge was not found: the two right corners have no position.
    let unknown = CornerMeasurement {
        position: None,
        margin_fraction: None,
        visible: false,
        off_frame: false,
    };
    let mut v = clean();
    v.edges_found = 3;
    v.corners[1] = unknown.clone();
    v.corners[2] = unknown.clone();
    // Nothing shows where the page ends (white page, white bed): review, "edge not found".
    let c = find(
        &judge("1688", "id_card_front", v.clone()),
        RuleId::ImageCorners,
    )
    .clone();
    assert_eq!(c.outcome, Outcome::Review, "{}", c.message);
    assert!(c.message.contains("edge not found"), "{}", c.message);
    // The top and bottom edges run up to the frame's right border: the card is cut off.
    v.corners[1].off_frame = true;
    let c = find(&judge("1688", "id_card_front", v), RuleId::ImageCorners).clone();
    assert_eq!(c.outcome, Outcome::Fail, "{}", c.message);
    assert!(c.message.contains("top-right"), "{}", c.message);
}

#[test]
fn grey_copy_fails_licence_and_is_not_judged_on_letters() {
    let mut v = clean();
    v.colorfulness = 1.5;
    let f = find(
        &judge("1688", "business_license", v.clone()),
        RuleId::ImageColor,
    )
    .clone();
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(f.message.contains("1.5 < 3"), "{}", f.message);
    // No guide asks for a colour letter, and black print plus a red seal is what an
    // original and a stamped copy both are: the rule is off for letters.
    let r = judge("ec_public_service", "authorization_letter", v);
    assert!(
        !r.findings.iter().any(|f| f.rule == RuleId::ImageColor),
        "{:#?}",
        r.findings
    );
    // The invoice keeps its report-only colour check.
    let mut v = clean();
    v.colorfulness = 1.5;
    let r = judge("default", "vat_invoice", v);
    assert_eq!(find(&r, RuleId::ImageColor).outcome, Outcome::Warn);
}

#[test]
fn glare_goes_to_review_with_its_region() {
    let mut v = clean();
    v.glare_fraction = 0.12;
    v.glare_region = Some([900, 600, 300, 200]);
    let f = find(&judge("default", "bank_permit", v), RuleId::ImageGlare).clone();
    assert_eq!(f.outcome, Outcome::Review);
    assert_eq!(f.region, Some([900, 600, 300, 200]));
    assert!(
        f.message.contains("12.0 %") && f.message.contains("5.0 %"),
        "{}",
        f.message
    );
}

#[test]
fn missing_seals() {
    let mut v = clean();
    v.seals.clear();
    let r = judge("ec_public_service", "authorization_letter", v.clone());
    let f = find(&r, RuleId::LetterSeal);
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(f.message.contains("0 red seal(s) < 1"), "{}", f.message);
    let r = judge("default", "business_license", v);
    assert_eq!(find(&r, RuleId::LicenseSeal).outcome, Outcome::Review);
    // A licence copied in greyscale: the copy fails by image.color; its seal, whose red a
    // copy cannot show, is only noted.
    let mut copy = clean();
    copy.seals.clear();
    copy.colorfulness = 1.5;
    let r = judge("1688", "business_license", copy.clone());
    assert_eq!(find(&r, RuleId::ImageColor).outcome, Outcome::Fail);
    let f = find(&r, RuleId::LicenseSeal);
    assert_eq!(f.outcome, Outcome::Warn, "{}", f.message);
    assert!(f.message.contains("greyscale copy"), "{}", f.message);
    // A grey letter without its seal still fails: the letter's seal is the point.
    let r = judge("ec_public_service", "authorization_letter", copy);
    assert_eq!(find(&r, RuleId::LetterSeal).outcome, Outcome::Fail);
    // A letter with its seal passes.
    let r = judge("ec_public_service", "authorization_letter", clean());
    assert_eq!(find(&r, RuleId::LetterSeal).outcome, Outcome::Pass);
}

#[test]
fn no_vision_no_vision_findings() {
    let sub = submission("default", &[("d", "business_license")]);
    let mut d = doc("d", clean());
    d.pages[0].vision = None;
    let m = SubmissionMeasurements {
        documents: vec![d],
        extracted: Default::default(),
    };
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let r = docgate_rules::judge(Config::embedded_default(), &sub, &m, as_of).expect("judged");
    assert!(!r.findings.iter().any(|f| f.rule == RuleId::ImageBlur));
    let res = r
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ImageResolution)
        .expect("resolution");
    assert!(res.message.contains("2000×1500"), "{}", res.message);
}

#[test]
fn a_bank_page_in_black_print_with_its_red_seal_is_no_proof_of_a_copy() {
    // 1688 asks for the permit in colour and accepts the bank's 基本存款账户信息 page, which
    // is black print plus the bank's red seal: low colourfulness with the seal present is
    // that page, not a copy.
    let mut v = clean();
    v.colorfulness = 1.8;
    assert!(!v.seals.is_empty());
    let f = find(&judge("1688", "bank_permit", v.clone()), RuleId::ImageColor).clone();
    assert_eq!(f.outcome, Outcome::Pass, "{}", f.message);
    assert!(f.message.contains("1.8 < 3"), "{}", f.message);
    // A grey copy that was not stamped again has no red seal left: that is a copy.
    v.seals.clear();
    let f = find(&judge("1688", "bank_permit", v.clone()), RuleId::ImageColor).clone();
    assert_eq!(f.outcome, Outcome::Review, "{}", f.message);
    assert!(f.message.contains("greyscale copy"), "{}", f.message);
    // A licence's seal never excuses it: its original is printed in colour.
    let mut lic = clean();
    lic.colorfulness = 1.8;
    let f = find(&judge("1688", "business_license", lic), RuleId::ImageColor).clone();
    assert_eq!(f.outcome, Outcome::Fail);
}
