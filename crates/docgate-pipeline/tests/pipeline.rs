//! One submission end to end on real files: ingest, judge, and replay over stored
//! measurements after the files are gone.

use std::path::Path;

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{Decision, Outcome, RuleId, SubmissionMeasurements};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
}

fn write_png(dir: &Path, name: &str, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    img.save(dir.join(name)).expect("save png");
}

fn manifest(dir: &Path, profile: &str) -> std::path::PathBuf {
    let m = serde_json::json!({
        "submission_id": "S-PIPE",
        "profile": profile,
        "form": {"credit_code": "91350100M000100Y43"},
        "documents": [
            {"id": "lic", "kind": "business_license", "uri": "lic.png"},
            {"id": "idf", "kind": "id_card_front", "uri": "idf.png"},
            {"id": "idb", "kind": "id_card_back", "uri": "sub/idb.png"}
        ]
    });
    let path = dir.join("submission.json");
    std::fs::write(&path, m.to_string()).expect("write manifest");
    path
}

#[test]
fn measures_real_files_in_manifest_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_png(dir.path(), "lic.png", 1400, 1000);
    write_png(dir.path(), "idf.png", 300, 200);
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    write_png(&dir.path().join("sub"), "idb.png", 900, 600);
    let checked = docgate_pipeline::check_manifest(
        &manifest(dir.path(), "default"),
        Config::embedded_default(),
        as_of(),
    )
    .expect("checked");
    let ids: Vec<&str> = checked
        .measurements
        .documents
        .iter()
        .map(|d| d.document.as_str())
        .collect();
    assert_eq!(ids, ["lic", "idf", "idb"]);
    assert_eq!(checked.measurements.documents[0].pages[0].width, 1400);
    let low = checked
        .report
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ImageResolution && f.document.as_deref() == Some("idf"))
        .expect("resolution finding");
    assert_eq!(low.outcome, Outcome::Fail);
    assert_eq!(low.measured, Some(200.0));
    assert_eq!(checked.report.decision, Decision::Fail);
    assert!(checked.timings.stages.contains_key("total"));
}

#[test]
fn replay_needs_no_files_and_follows_the_new_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_png(dir.path(), "lic.png", 1400, 1000);
    write_png(dir.path(), "idf.png", 300, 200);
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    write_png(&dir.path().join("sub"), "idb.png", 900, 600);
    let path = manifest(dir.path(), "default");
    let config = Config::embedded_default();
    let checked = docgate_pipeline::check_manifest(&path, config, as_of()).expect("checked");
    let submission = docgate_pipeline::read_manifest(&path).expect("manifest");

    // Stored measurements survive a JSON round trip (that is what the store keeps).
    let stored: SubmissionMeasurements =
        serde_json::from_str(&serde_json::to_string(&checked.measurements).expect("ser"))
            .expect("de");
    drop(dir); // the files are gone

    let replayed =
        docgate_pipeline::rejudge(&submission, &stored, config, as_of()).expect("replay");
    assert_eq!(
        replayed, checked.report,
        "replay with the same config reproduces the report"
    );

    // A rule owner lowers the ID card minimum: the same measurements now pass.
    let lowered = Config::EMBEDDED_SOURCE.replacen(
        "\"image.resolution\" = { min_short_side = 400, min_megapixels = 0.2 }",
        "\"image.resolution\" = { min_short_side = 150, min_megapixels = 0.05 }",
        1,
    );
    assert_ne!(
        lowered,
        Config::EMBEDDED_SOURCE,
        "the shipped default must set the ID card minimum to 400"
    );
    let new_config = Config::from_toml_str(&lowered).expect("valid");
    let replayed =
        docgate_pipeline::rejudge(&submission, &stored, &new_config, as_of()).expect("replay");
    let res = replayed
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ImageResolution && f.document.as_deref() == Some("idf"))
        .expect("finding");
    assert_eq!(res.outcome, Outcome::Pass);
    assert_ne!(replayed.config_version, checked.report.config_version);
}

#[test]
fn missing_files_are_findings_not_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let checked = docgate_pipeline::check_manifest(
        &manifest(dir.path(), "default"),
        Config::embedded_default(),
        as_of(),
    )
    .expect("a missing file is not an error");
    let access: Vec<_> = checked
        .report
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::DocumentAccess)
        .collect();
    assert_eq!(access.len(), 3);
    assert!(access.iter().all(|f| f.outcome == Outcome::Fail));
}
