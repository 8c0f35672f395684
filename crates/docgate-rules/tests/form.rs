//! Form rules on the shipped default profile: codes typed by the business are verified by
//! their own check characters before anything is compared with a document.

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{Outcome, Report, RuleId, Submission, SubmissionMeasurements};

fn judge(form: serde_json::Value) -> Report {
    let v = serde_json::json!({"submission_id": "S-F", "profile": "default", "form": form,
        "documents": [{"id": "lic", "kind": "business_license", "uri": "lic.jpg"}]});
    let sub = Submission::from_json(v.to_string().as_bytes()).expect("manifest");
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    docgate_rules::judge(
        Config::embedded_default(),
        &sub,
        &SubmissionMeasurements::default(),
        as_of,
    )
    .expect("judge")
}

fn outcome(r: &Report, rule: RuleId) -> Outcome {
    r.findings
        .iter()
        .find(|f| f.rule == rule)
        .map(|f| f.outcome)
        .unwrap_or_else(|| panic!("no {rule}"))
}

#[test]
fn pre_2016_registration_number_is_accepted_when_valid() {
    // 440301108548379 is a published registration number (ISO 7064 MOD 11,10 valid).
    let r = judge(serde_json::json!({"credit_code": "440301108548379"}));
    assert_eq!(outcome(&r, RuleId::FormCreditCode), Outcome::Pass);
    let r = judge(serde_json::json!({"credit_code": "440301108548378"}));
    assert_eq!(outcome(&r, RuleId::FormCreditCode), Outcome::Fail);
}

#[test]
fn full_width_and_spaced_codes_are_normalised_before_checking() {
    let r = judge(serde_json::json!({"credit_code": "９１３５０１００Ｍ０００１００Ｙ４３"}));
    assert_eq!(outcome(&r, RuleId::FormCreditCode), Outcome::Pass);
    let r = judge(serde_json::json!({"credit_code": "9135 0100 M000 100Y 43"}));
    assert_eq!(outcome(&r, RuleId::FormCreditCode), Outcome::Pass);
}

#[test]
fn every_single_character_typo_in_a_credit_code_fails() {
    let good = "91350100M000100Y43";
    for (i, c) in good.char_indices() {
        let other = if c == '0' { '1' } else { '0' };
        let typo: String = good
            .char_indices()
            .map(|(j, d)| if j == i { other } else { d })
            .collect();
        let r = judge(serde_json::json!({"credit_code": typo}));
        assert_eq!(
            outcome(&r, RuleId::FormCreditCode),
            Outcome::Fail,
            "typo at {i}: {typo}"
        );
    }
}
