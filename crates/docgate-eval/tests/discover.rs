//! Finding labelled cases on disk: sorted, bounded in depth, errors that name the file.

use std::fs;
use std::path::Path;

use docgate_eval::{discover, EvalError};

fn case(dir: &Path, id: &str) {
    fs::create_dir_all(dir).expect("mkdir");
    fs::write(
        dir.join("submission.json"),
        format!(r#"{{"submission_id": "{id}", "documents": []}}"#),
    )
    .expect("write manifest");
    fs::write(
        dir.join("truth.json"),
        format!(
            r#"{{"submission_id": "{id}", "expected_decision": "review", "as_of": "2026-11-23",
                 "defects": [{{"rule": "image.blur", "document": "lic", "label": "sigma=3"}}]}}"#
        ),
    )
    .expect("write truth");
}

#[test]
fn finds_cases_sorted_and_within_depth() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    case(&root.join("b/0002"), "S-2");
    case(&root.join("a/0001"), "S-1");
    case(&root.join("a/0003"), "S-3");
    // depth 4 is the deepest searched
    case(&root.join("1/2/3/4"), "S-4");
    case(&root.join("1/2/3/4b/5"), "S-5");
    case(&root.join(".hidden/x"), "S-6");
    // a manifest without truth is not a labelled case
    fs::create_dir_all(root.join("c")).expect("mkdir");
    fs::write(root.join("c/submission.json"), "{}").expect("write");

    let found = discover(root).expect("discover");
    let got: Vec<(String, String)> = found
        .iter()
        .map(|(p, t)| {
            (
                p.strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string(),
                t.submission_id.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("1/2/3/4/submission.json".to_string(), "S-4".to_string()),
            ("a/0001/submission.json".to_string(), "S-1".to_string()),
            ("a/0003/submission.json".to_string(), "S-3".to_string()),
            ("b/0002/submission.json".to_string(), "S-2".to_string()),
        ]
    );
    assert_eq!(found[1].1.defects[0].label, "sigma=3");

    // The directory itself may be a case.
    let one = discover(&root.join("a/0001")).expect("discover");
    assert_eq!(one.len(), 1);
}

#[test]
fn bad_truth_names_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    case(&tmp.path().join("ok"), "S-1");
    let bad = tmp.path().join("zz");
    case(&bad, "S-2");
    fs::write(
        bad.join("truth.json"),
        r#"{"submission_id": "S-2", "expected_decision": "maybe", "as_of": "2026-11-23"}"#,
    )
    .expect("write");
    let err = discover(tmp.path()).expect_err("invalid truth");
    assert!(matches!(err, EvalError::Truth { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("zz/truth.json") && msg.contains("maybe"),
        "{msg}"
    );
}

#[test]
fn truth_for_another_submission_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("c1");
    case(&dir, "S-1");
    fs::write(dir.join("submission.json"), r#"{"submission_id": "S-9"}"#).expect("write");
    let msg = discover(tmp.path()).expect_err("mismatch").to_string();
    assert!(
        msg.contains("c1/truth.json") && msg.contains("\"S-1\"") && msg.contains("\"S-9\""),
        "{msg}"
    );
}

#[test]
fn missing_directory_is_an_io_error_naming_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let gone = tmp.path().join("nope");
    let err = discover(&gone).expect_err("missing");
    assert!(matches!(err, EvalError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("nope"), "{err}");
}
