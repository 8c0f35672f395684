//! Scoring a tiny hand-made run whose every number is worked out by hand below.
//!
//! Six cases (S-1 … S-6). What each one exercises:
//!
//! | case | expected | got    | docs | rules                                              |
//! |------|----------|--------|------|----------------------------------------------------|
//! | S-1  | pass     | pass   | 2    | blur lic pass (not fired); glare lic warn = FP     |
//! | S-2  | fail     | fail   | 3    | blur lic TP (two findings, counted once); form company name TP |
//! | S-3  | fail     | pass   | 2    | id.expiry idb FN (finding passed); blur idf FN      |
//! | S-4  | review   | review | 2    | corners lic TP; blur lic TP; letter.seal auth FP    |
//! | S-5  | pass     | fail   | 2    | blur idf FP; resolution lic FP                      |
//! | S-6  | review   | pass   | 1    | invoice.tax_rate inv FN; no "total" timing          |

use std::collections::BTreeMap;

use docgate_core::{
    Decision, Defect, ExtractedField, Finding, GroundTruth, Outcome, Report, RuleId, Variation,
};
use docgate_eval::{compare, score, CaseResult, EvalReport, MAX_MISTAKES};

fn date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

fn defect(rule: RuleId, document: Option<&str>, label: &str) -> Defect {
    Defect {
        rule,
        document: document.map(str::to_string),
        label: label.to_string(),
        level: 0.5,
    }
}

fn finding(rule: RuleId, document: Option<&str>, outcome: Outcome, message: &str) -> Finding {
    Finding {
        rule,
        document: document.map(str::to_string),
        outcome,
        message: message.to_string(),
        measured: None,
        threshold: None,
        region: None,
    }
}

/// A case builder: truth and report side by side, as a labeller would write them.
struct Case {
    id: &'static str,
    expected: Decision,
    got: Decision,
    documents: usize,
    defects: Vec<Defect>,
    variations: Vec<Variation>,
    findings: Vec<Finding>,
    truth_fields: Vec<(&'static str, &'static str, &'static str)>,
    read_fields: Vec<(&'static str, &'static str, &'static str)>,
    timings: Vec<(&'static str, f64)>,
}

impl Case {
    fn new(id: &'static str, expected: Decision, got: Decision, documents: usize) -> Case {
        Case {
            id,
            expected,
            got,
            documents,
            defects: vec![],
            variations: vec![],
            findings: vec![],
            truth_fields: vec![],
            read_fields: vec![],
            timings: vec![],
        }
    }

    fn build(self) -> CaseResult {
        let mut fields: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (doc, name, value) in self.truth_fields {
            fields
                .entry(doc.into())
                .or_default()
                .insert(name.into(), value.into());
        }
        let mut extracted: docgate_core::Extracted = BTreeMap::new();
        for (doc, name, value) in self.read_fields {
            extracted.entry(doc.into()).or_default().insert(
                name.into(),
                ExtractedField {
                    value: value.into(),
                    confidence: 0.9,
                    region: None,
                    repaired_from: None,
                    alternatives: Vec::new(),
                    char_confidence: Vec::new(),
                },
            );
        }
        CaseResult {
            truth: GroundTruth {
                submission_id: self.id.into(),
                expected_decision: self.expected,
                as_of: date(),
                defects: self.defects,
                variations: self.variations,
                fields,
            },
            report: Report {
                submission_id: self.id.into(),
                profile: "1688".into(),
                decision: self.got,
                config_version: "sha256:test".into(),
                as_of: date(),
                findings: self.findings,
                extracted,
            },
            documents: self.documents,
            timings: self
                .timings
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

const CODE: &str = "91330106MA2CFB8K5J";

fn tiny_set() -> Vec<CaseResult> {
    use Decision::{Fail, Pass, Review};
    use Outcome as O;
    use RuleId as R;

    let mut s1 = Case::new("S-1", Pass, Pass, 2);
    s1.variations.push(Variation {
        document: Some("lic".into()),
        label: "mild blur sigma=0.8".into(),
    });
    s1.findings = vec![
        finding(
            R::ImageBlur,
            Some("lic"),
            O::Pass,
            "sharp enough: 160 >= 120",
        ),
        finding(
            R::ImageGlare,
            Some("lic"),
            O::Warn,
            "glare over 4% of the licence",
        ),
    ];
    s1.truth_fields = vec![("lic", "credit_code", CODE)];
    // Surrounding whitespace is the only thing scoring forgives.
    s1.read_fields = vec![("lic", "credit_code", " 91330106MA2CFB8K5J\n")];
    s1.timings = vec![("total", 1.0), ("ingest", 0.1)];

    let mut s2 = Case::new("S-2", Fail, Fail, 3);
    s2.defects = vec![
        defect(R::ImageBlur, Some("lic"), "gaussian blur sigma=3.2"),
        defect(R::MatchCompanyName, None, "form company name changed"),
    ];
    s2.findings = vec![
        finding(
            R::ImageBlur,
            Some("lic"),
            O::Fail,
            "page 1 blurred: 41 < 120",
        ),
        finding(
            R::ImageBlur,
            Some("lic"),
            O::Fail,
            "page 2 blurred: 38 < 120",
        ),
        finding(R::MatchCompanyName, None, O::Fail, "company name differs"),
    ];
    s2.truth_fields = vec![
        ("lic", "company_name", "杭州示例科技有限公司"),
        ("idf", "id_number", "330106198001011234"),
    ];
    s2.read_fields = vec![
        ("lic", "company_name", "杭州示例科技有限公司"),
        ("idf", "id_number", "330106198001011235"),
    ];
    s2.timings = vec![("total", 2.0), ("ingest", 0.2)];

    let mut s3 = Case::new("S-3", Fail, Pass, 2);
    s3.defects = vec![
        defect(R::IdExpiry, Some("idb"), "expired 2020-01-01"),
        defect(R::ImageBlur, Some("idf"), "motion blur 9px"),
    ];
    s3.findings = vec![finding(R::IdExpiry, Some("idb"), O::Pass, "valid to 2030")];
    s3.truth_fields = vec![("idb", "id_valid_to", "2020-01-01")];
    s3.timings = vec![("total", 1.5), ("ingest", 0.3)];

    let mut s4 = Case::new("S-4", Review, Review, 2);
    s4.defects = vec![
        defect(R::ImageCorners, Some("lic"), "corner cut 12%"),
        defect(R::ImageBlur, Some("lic"), "gaussian blur sigma=1.9"),
    ];
    s4.findings = vec![
        finding(
            R::ImageCorners,
            Some("lic"),
            O::Review,
            "a corner is outside the frame",
        ),
        finding(
            R::ImageBlur,
            Some("lic"),
            O::Warn,
            "borderline sharpness 118 < 120",
        ),
        finding(R::LetterSeal, Some("auth"), O::Review, "no red seal found"),
    ];
    // Case matters: the reader must produce the canonical upper-case check character.
    s4.truth_fields = vec![("lic", "credit_code", CODE)];
    s4.read_fields = vec![("lic", "credit_code", "91330106MA2CFB8K5j")];
    s4.timings = vec![("total", 0.5), ("ingest", 0.4)];

    let mut s5 = Case::new("S-5", Pass, Fail, 2);
    s5.variations.push(Variation {
        document: Some("idf".into()),
        label: "tilt 3deg".into(),
    });
    s5.findings = vec![
        finding(
            R::ImageBlur,
            Some("idf"),
            O::Fail,
            "ID card blurred: 90 < 120",
        ),
        finding(
            R::ImageResolution,
            Some("lic"),
            O::Fail,
            "short side 700 < 800",
        ),
    ];
    s5.timings = vec![("total", 1.0), ("ingest", 0.5), ("judge", 0.001)];

    let mut s6 = Case::new("S-6", Review, Pass, 1);
    s6.defects = vec![defect(
        R::InvoiceTaxRate,
        Some("inv"),
        "rate 6% not allowed",
    )];
    s6.timings = vec![("ingest", 0.6)];

    [s1, s2, s3, s4, s5, s6]
        .into_iter()
        .map(Case::build)
        .collect()
}

#[track_caller]
fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
}

#[track_caller]
fn close_opt(got: Option<f64>, want: Option<f64>) {
    match (got, want) {
        (Some(g), Some(w)) => close(g, w),
        _ => assert_eq!(got, want),
    }
}

#[test]
fn decisions_confusion_and_rates() {
    use Decision::{Fail, Pass, Review};
    let r = score(&tiny_set());
    assert_eq!(r.cases, 6);
    assert_eq!(r.documents, 12);
    let cell = |e, g| r.confusion[&e][&g];
    let want = [(Pass, [1, 0, 1]), (Review, [1, 1, 0]), (Fail, [1, 0, 1])];
    for (e, row) in want {
        for (g, n) in [Pass, Review, Fail].into_iter().zip(row) {
            assert_eq!(cell(e, g), n, "expected {e}, got {g}");
        }
    }
    assert_eq!(r.confusion.values().map(|row| row.len()).sum::<usize>(), 9);
    // S-3 and S-6 passed out of S-2, S-3, S-4, S-6.
    close_opt(r.false_pass_rate, Some(0.5));
    // S-5 failed out of S-1, S-5.
    close_opt(r.false_fail_rate, Some(0.5));
    // S-1, S-2, S-4 right.
    close_opt(r.decision_accuracy, Some(0.5));
}

#[test]
fn per_rule_counts_and_rates() {
    let r = score(&tiny_set());
    /// rule id, TP, FP, FN, precision, recall
    type Want = (&'static str, usize, usize, usize, Option<f64>, Option<f64>);
    let want: &[Want] = &[
        // TP: S-2 lic (two findings, once), S-4 lic (warn counts); FP: S-5 idf; FN: S-3 idf.
        ("image.blur", 2, 1, 1, Some(2.0 / 3.0), Some(2.0 / 3.0)),
        ("image.corners", 1, 0, 0, Some(1.0), Some(1.0)),
        ("image.glare", 0, 1, 0, Some(0.0), None),
        ("image.resolution", 0, 1, 0, Some(0.0), None),
        // The finding passed, so the rule never fired: no precision at all.
        ("id.expiry", 0, 0, 1, None, Some(0.0)),
        ("invoice.tax_rate", 0, 0, 1, None, Some(0.0)),
        ("letter.seal", 0, 1, 0, Some(0.0), None),
        ("match.company_name", 1, 0, 0, Some(1.0), Some(1.0)),
    ];
    assert_eq!(
        r.rules.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut ids: Vec<&str> = want.iter().map(|w| w.0).collect();
            ids.sort();
            ids
        },
        "exactly the rules in truth or fired"
    );
    for &(id, tp, fp, fn_, precision, recall) in want {
        let s = &r.rules[id];
        assert_eq!((s.tp, s.fp, s.fn_), (tp, fp, fn_), "{id}");
        close_opt(s.precision, precision);
        close_opt(s.recall, recall);
    }
}

#[test]
fn fields_exact_after_trim_only() {
    let r = score(&tiny_set());
    let want: &[(&str, usize, usize, usize, f64)] = &[
        ("company_name", 1, 1, 0, 1.0),
        // S-1 exact after trimming; S-4 differs only in case, which is not forgiven.
        ("credit_code", 2, 1, 0, 0.5),
        ("id_number", 1, 0, 0, 0.0),
        ("id_valid_to", 1, 0, 1, 0.0),
    ];
    assert_eq!(r.fields.len(), want.len());
    for &(name, total, exact, missing, accuracy) in want {
        let s = &r.fields[name];
        assert_eq!(
            (s.total, s.exact, s.missing),
            (total, exact, missing),
            "{name}"
        );
        close_opt(s.accuracy, Some(accuracy));
    }
}

#[test]
fn legible_fields_leave_out_documents_with_a_legibility_defect() {
    let r = score(&tiny_set());
    // S-2's licence and S-4's licence are blurred (a legibility defect); S-3's expired ID
    // back is not illegible, and S-3's blur is on the other side of the card.
    let want: &[(&str, usize, usize, Option<f64>)] = &[
        ("company_name", 0, 0, None),
        ("credit_code", 1, 1, Some(1.0)),
        ("id_number", 1, 0, Some(0.0)),
        ("id_valid_to", 1, 0, Some(0.0)),
    ];
    for &(name, total, exact, accuracy) in want {
        let s = &r.fields[name];
        assert_eq!((s.legible_total, s.legible_exact), (total, exact), "{name}");
        close_opt(s.legible_accuracy, accuracy);
    }
}

#[test]
fn throughput_and_stage_percentiles() {
    let r = score(&tiny_set());
    // S-6 has no total: its one document is left out. 11 documents in 6.0 s.
    close_opt(r.throughput_docs_per_s, Some(11.0 / 6.0));

    // total: [0.5, 1.0, 1.0, 1.5, 2.0]
    let t = &r.stages["total"];
    assert_eq!(t.count, 5);
    close(t.mean_ms, 1200.0);
    close(t.p50_ms, 1000.0); // rank ceil(2.5) = 3
    close(t.p95_ms, 2000.0); // rank ceil(4.75) = 5
    close(t.total_s, 6.0);

    // ingest: [0.1 … 0.6]
    let i = &r.stages["ingest"];
    assert_eq!(i.count, 6);
    close(i.mean_ms, 350.0);
    close(i.p50_ms, 300.0); // rank 3
    close(i.p95_ms, 600.0); // rank ceil(5.7) = 6
    close(i.total_s, 2.1);

    let j = &r.stages["judge"];
    assert_eq!(j.count, 1);
    close(j.p50_ms, 1.0);
    close(j.p95_ms, 1.0);
    assert_eq!(r.stages.len(), 3);
}

#[test]
fn mistakes_name_the_case_and_the_cause() {
    let r = score(&tiny_set());
    let got: Vec<String> = r
        .mistakes
        .iter()
        .map(|m| format!("{} {}", m.submission_id, m.what))
        .collect();
    assert_eq!(
        got,
        [
            "S-1 FP image.glare on lic: glare over 4% of the licence [variations: mild blur sigma=0.8]",
            "S-3 decision: expected fail, got pass",
            "S-3 FN image.blur on idf: motion blur 9px",
            "S-3 FN id.expiry on idb: expired 2020-01-01",
            "S-4 FP letter.seal on auth: no red seal found",
            "S-5 decision: expected pass, got fail",
            "S-5 FP image.resolution on lic: short side 700 < 800",
            "S-5 FP image.blur on idf: ID card blurred: 90 < 120 [variations: tilt 3deg]",
            "S-6 decision: expected review, got pass",
            "S-6 FN invoice.tax_rate on inv: rate 6% not allowed",
        ]
    );
    assert_eq!(r.mistakes_omitted, 0);
}

#[test]
fn mistakes_are_bounded() {
    let one = tiny_set().swap_remove(5); // S-6: a wrong decision and one FN
    let cases = vec![one; 150];
    let r = score(&cases);
    assert_eq!(r.mistakes.len(), MAX_MISTAKES);
    assert_eq!(r.mistakes_omitted, 300 - MAX_MISTAKES);
    close_opt(r.false_pass_rate, Some(1.0));
}

#[test]
fn empty_run_has_no_rates() {
    let r = score(&[]);
    assert_eq!((r.cases, r.documents), (0, 0));
    assert_eq!(
        r.confusion
            .values()
            .flat_map(|row| row.values())
            .sum::<usize>(),
        0
    );
    assert_eq!(r.confusion.values().map(|row| row.len()).sum::<usize>(), 9);
    assert_eq!(r.false_pass_rate, None);
    assert_eq!(r.false_fail_rate, None);
    assert_eq!(r.decision_accuracy, None);
    assert_eq!(r.throughput_docs_per_s, None);
    assert!(r.rules.is_empty() && r.fields.is_empty() && r.stages.is_empty());
}

#[test]
fn json_round_trips_with_stable_names() {
    let r = score(&tiny_set());
    let json = serde_json::to_string_pretty(&r).expect("serialise");
    let back: EvalReport = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, r);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["confusion"]["fail"]["pass"], 1);
    assert_eq!(v["rules"]["image.blur"]["fn"], 1);
    assert!(v["rules"]["image.blur"].get("fn_").is_none());
    assert!(v["rules"]["id.expiry"]["precision"].is_null());
    assert_eq!(v["fields"]["id_valid_to"]["missing"], 1);
}

#[test]
fn text_report_snapshot() {
    insta::assert_snapshot!(score(&tiny_set()).to_text());
}

#[test]
fn compare_flags_worse_and_better_and_skips_unchanged() {
    let old = score(&tiny_set());
    assert!(compare(&old, &old).lines.is_empty());
    assert!(!compare(&old, &old).regressed());
    assert_eq!(compare(&old, &old).to_text(), "no metric changed\n");

    // Rerun where S-4's blur finding passes (recall falls) and S-6 is now sent to review
    // (accuracy up, false pass down), with throughput within noise.
    let mut cases = tiny_set();
    for f in &mut cases[3].report.findings {
        if f.rule == RuleId::ImageBlur {
            f.outcome = Outcome::Pass;
        }
    }
    cases[5].report.decision = Decision::Review;
    cases[0].timings.insert("total".into(), 1.2); // 11 docs / 6.2 s: -3%
    let new = score(&cases);
    let c = compare(&old, &new);
    let lines: Vec<(&str, Option<bool>)> = c
        .lines
        .iter()
        .map(|d| (d.metric.as_str(), d.better))
        .collect();
    assert_eq!(
        lines,
        [
            ("false_pass_rate", Some(true)),
            ("decision_accuracy", Some(true)),
            // TP 2 -> 1, FP 1, FN 1 -> 2: precision 2/3 -> 1/2, recall 2/3 -> 1/3.
            ("rule.image.blur.precision", Some(false)),
            ("rule.image.blur.recall", Some(false)),
        ]
    );
    let recall = &c.lines[3];
    close_opt(recall.old, Some(2.0 / 3.0));
    close_opt(recall.new, Some(1.0 / 3.0));
    assert!(c.regressed());
    let text = c.to_text();
    assert!(
        text.contains("rule.image.blur.recall") && text.contains("66.7% →    33.3%  WORSE"),
        "{text}"
    );
    assert!(
        text.contains("decision_accuracy") && text.contains("better"),
        "{text}"
    );

    // The reverse run flips every verdict.
    let back = compare(&new, &old);
    let flipped: Vec<(&str, Option<bool>)> = back
        .lines
        .iter()
        .map(|d| (d.metric.as_str(), d.better.map(|b| !b)))
        .collect();
    assert_eq!(flipped, lines);
}

#[test]
fn compare_throughput_beyond_noise_and_new_rules() {
    let old = score(&tiny_set());
    let mut new = old.clone();
    new.throughput_docs_per_s = old.throughput_docs_per_s.map(|t| t * 0.8);
    new.rules.insert(
        "image.color".into(),
        docgate_eval::RuleScore {
            tp: 1,
            fp: 0,
            fn_: 0,
            precision: Some(1.0),
            recall: Some(1.0),
        },
    );
    let c = compare(&old, &new);
    let lines: Vec<(&str, Option<bool>)> = c
        .lines
        .iter()
        .map(|d| (d.metric.as_str(), d.better))
        .collect();
    assert_eq!(
        lines,
        [
            ("rule.image.color.precision", None),
            ("rule.image.color.recall", None),
            ("throughput_docs_per_s", Some(false)),
        ]
    );
    assert!(c.regressed());

    let mut faster = old.clone();
    faster.throughput_docs_per_s = old.throughput_docs_per_s.map(|t| t * 1.5);
    let c = compare(&old, &faster);
    assert_eq!(c.lines.len(), 1);
    assert_eq!(c.lines[0].better, Some(true));
    assert!(!c.regressed());
}
