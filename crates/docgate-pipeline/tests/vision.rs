//! The pipeline decodes page 0 of every image document and stores docgate-vision's
//! measurements beside the header measurement; a file that cannot be decoded becomes an
//! `image.decode` finding; the `measure` stage is timed.

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{Outcome, RuleId};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
}

/// A light document with dark strokes, blue printed headings (colour that is not a seal:
/// seals are left out of the colour measure by design) and a red ring, on a brown background.
fn page(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let inside = x > w / 8 && x < 7 * w / 8 && y > h / 8 && y < 7 * h / 8;
        if !inside {
            return image::Rgb([140, 90, 50]);
        }
        let (dx, dy) = (x as f32 - 0.7 * w as f32, y as f32 - 0.65 * h as f32);
        let r = (dx * dx + dy * dy).sqrt();
        if (r - 0.1 * h as f32).abs() < 3.0 {
            image::Rgb([210, 40, 45])
        } else if (y / 12) % 6 == 0 && (x / 9) % 3 != 0 && x > w / 5 && x < 2 * w / 5 {
            image::Rgb([40, 70, 170])
        } else if (y / 12) % 3 == 0 && (x / 9) % 3 != 0 && x > w / 5 && x < 4 * w / 5 {
            image::Rgb([30, 30, 30])
        } else {
            image::Rgb([238, 236, 230])
        }
    })
}

#[test]
fn image_documents_get_vision_measurements() {
    let dir = tempfile::tempdir().expect("tempdir");
    page(1600, 1100)
        .save(dir.path().join("lic.png"))
        .expect("save");
    // A PNG signature with nothing after it: the header cannot even be read.
    std::fs::write(dir.path().join("idf.png"), b"\x89PNG\r\n\x1a\n").expect("write");
    let m = serde_json::json!({
        "submission_id": "S-VIS",
        "profile": "default",
        "form": {},
        "documents": [
            {"id": "lic", "kind": "business_license", "uri": "lic.png"},
            {"id": "idf", "kind": "id_card_front", "uri": "idf.png"}
        ]
    });
    let path = dir.path().join("submission.json");
    std::fs::write(&path, m.to_string()).expect("manifest");
    let checked =
        docgate_pipeline::check_manifest(&path, Config::embedded_default(), as_of()).expect("ok");
    let lic = &checked.measurements.documents[0];
    assert_eq!((lic.pages[0].width, lic.pages[0].height), (1600, 1100));
    let v = lic.pages[0].vision.as_ref().expect("vision measured");
    assert_eq!(v.edges_found, 4, "{v:?}");
    assert!(v.hidden_corners().is_empty());
    assert!(v.sharpness > 0.0 && v.colorfulness > 0.0);
    assert!(checked.timings.stages.contains_key("measure"));
    // Findings from the vision rules are there, with evidence.
    let blur = checked
        .report
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ImageBlur && f.document.as_deref() == Some("lic"))
        .expect("blur finding");
    assert!(blur.measured.is_some() && blur.threshold.is_some() && blur.region.is_some());
    // The broken file: no vision, and image.decode says why.
    let idf = &checked.measurements.documents[1];
    assert!(idf.pages.iter().all(|p| p.vision.is_none()));
    let decode = checked
        .report
        .findings
        .iter()
        .find(|f| f.rule == RuleId::ImageDecode && f.document.as_deref() == Some("idf"))
        .expect("decode finding");
    assert_eq!(decode.outcome, Outcome::Fail);
    // Stored measurements round-trip through JSON with the vision fields.
    let json = serde_json::to_string(&checked.measurements).expect("serialise");
    let back: docgate_core::SubmissionMeasurements =
        serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, checked.measurements);
}
