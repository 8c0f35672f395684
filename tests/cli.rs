//! End-to-end tests of the `docgate` binary: exit codes, output shapes, hostile inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn docgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docgate"))
        .args(args)
        .current_dir(root())
        .env_remove("DOCGATE_CONFIG")
        .output()
        .expect("run docgate")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_hostile_file_becomes_a_failing_finding_on_its_document() {
    let o = docgate(&[
        "check",
        "fixtures/hostile/all-files.json",
        "--format",
        "json",
        "--as-of",
        "2026-11-24",
    ]);
    assert_eq!(o.status.code(), Some(4), "stderr: {}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    assert_eq!(report["decision"], "fail");
    let findings = report["findings"].as_array().expect("findings");
    let worst = |doc: &str| -> (String, String) {
        findings
            .iter()
            .filter(|f| f["document"] == doc)
            .map(|f| {
                (
                    f["outcome"].as_str().unwrap_or("").to_string(),
                    f["rule"].as_str().unwrap_or("").to_string(),
                )
            })
            .max_by_key(|(o, _)| {
                ["pass", "warn", "review", "fail"]
                    .iter()
                    .position(|x| x == o)
            })
            .unwrap_or_else(|| panic!("no finding on {doc}"))
    };
    let expect = [
        ("empty", "image.format"),
        ("truncated", "image.decode"),
        ("huge-dims", "image.decode"),
        ("webp-as-jpg", "image.format"),
        ("broken-xref", "image.decode"),
        ("encrypted", "image.decode"),
        ("pages-5000", "image.decode"),
        ("huge-image", "image.decode"),
        ("text-as-jpg", "image.format"),
        ("heic", "image.format"),
        ("missing", "document.access"),
        ("escape", "document.access"),
        ("absolute", "document.access"),
        ("dir", "document.access"),
    ];
    for (doc, rule) in expect {
        let (outcome, got_rule) = worst(doc);
        assert_eq!(outcome, "fail", "{doc}: {findings:#?}");
        assert!(
            findings
                .iter()
                .any(|f| f["document"] == doc && f["rule"] == rule && f["outcome"] == "fail"),
            "{doc}: expected a failing {rule}, worst was {got_rule}"
        );
    }
    // A JPEG named .png is acceptable content: a warning about the name, nothing worse from format.
    assert!(findings.iter().any(|f| f["document"] == "jpeg-as-png"
        && f["rule"] == "image.format"
        && f["outcome"] == "warn"));
}

#[test]
fn escaping_uris_never_read_outside_the_folder() {
    for manifest in [
        "fixtures/hostile/escape.json",
        "fixtures/hostile/absolute.json",
    ] {
        let o = docgate(&["check", manifest, "--format", "json"]);
        assert_eq!(o.status.code(), Some(4), "{manifest}");
        let out = stdout(&o);
        assert!(out.contains("\"document.access\""), "{out}");
        assert!(
            !out.contains("root:"),
            "contents of /etc/passwd leaked: {out}"
        );
    }
}

#[test]
fn broken_manifests_are_clear_input_errors() {
    let cases = [
        ("fixtures/hostile/not-json.json", "expected value"),
        (
            "fixtures/hostile/missing-fields.json",
            "missing field `documents`",
        ),
        (
            "fixtures/hostile/no-such-manifest.json",
            "cannot read manifest",
        ),
    ];
    for (path, message) in cases {
        let o = docgate(&["check", path]);
        assert_eq!(o.status.code(), Some(5), "{path}");
        assert!(stderr(&o).contains(message), "{path}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{path}");
    }
}

#[test]
fn unknown_profile_names_the_known_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = dir.path().join("submission.json");
    std::fs::write(&m, r#"{"submission_id":"S","profile":"taobao","documents":[{"id":"a","kind":"id_card_front","uri":"a.jpg"}]}"#)
        .expect("write");
    let o = docgate(&["check", m.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("unknown profile `taobao`") && stderr(&o).contains("alibaba_intl"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn config_check_accepts_the_default_and_names_every_broken_key() {
    let o = docgate(&["config", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("version sha256:"), "{}", stdout(&o));

    let o = docgate(&["config", "check", "pipeline.toml"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the shipped file checks from disk too: {}",
        stderr(&o)
    );

    let broken = std::fs::read_to_string(root().join("pipeline.toml"))
        .expect("read")
        .replacen(
            "\"image.file_size\" = { severity = \"fail\"",
            "\"image.filesize\" = { severity = \"fail\"",
            1,
        )
        .replacen("max_pdf_pages = 50", "max_pdf_pages = \"fifty\"", 1)
        + "\n[profiles.broken]\nextends = \"nope\"\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, broken).expect("write");
    let o = docgate(&["config", "check", path.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(6));
    let err = stderr(&o);
    for needle in [
        "image.filesize",
        "did you mean",
        "limits.max_pdf_pages",
        "profiles.broken.extends",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn json_output_follows_the_result_contract_and_text_puts_the_decision_first() {
    let o = docgate(&[
        "check",
        "fixtures/hostile/escape.json",
        "--format",
        "json",
        "--as-of",
        "2026-01-02",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for key in [
        "submission_id",
        "decision",
        "config_version",
        "findings",
        "extracted",
        "as_of",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["as_of"], "2026-01-02");
    let f = &v["findings"][0];
    for key in ["rule", "outcome", "message"] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    let o = docgate(&["check", "fixtures/hostile/escape.json"]);
    assert!(stdout(&o).starts_with("FAIL  S-HOSTILE"), "{}", stdout(&o));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let o = docgate(&["check", "x.json", "--as-of", "2026-13-01"]);
    assert_eq!(o.status.code(), Some(2));
    let o = docgate(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Copies the files of fixtures/small's case `name` into `to/name`.
fn copy_case(name: &str, to: &Path) {
    let from = root().join("fixtures/small").join(name);
    std::fs::create_dir_all(to.join(name)).expect("mkdir");
    for e in std::fs::read_dir(&from).expect("case folder").flatten() {
        std::fs::copy(e.path(), to.join(name).join(e.file_name())).expect("copy");
    }
}

#[test]
fn eval_replays_saved_measurements_under_another_config_and_refuses_changed_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = dir.path().join("cases");
    for name in ["FX7-0001", "FX7-0002"] {
        copy_case(name, &cases);
    }
    let (c, saved) = (cases.display().to_string(), dir.path().join("m.jsonl"));
    let saved_s = saved.display().to_string();
    let report = |o: &Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", stderr(o));
        serde_json::from_str(&stdout(o)).expect("eval json")
    };
    let measured = report(&docgate(&[
        "eval",
        &c,
        "--format",
        "json",
        "--save-measurements",
        &saved_s,
    ]));
    assert_eq!(
        std::fs::read_to_string(&saved)
            .expect("saved")
            .lines()
            .count(),
        2,
        "one line per case"
    );
    // The same config replayed: the same scores, nothing measured again.
    let replayed = report(&docgate(&[
        "eval", &c, "--format", "json", "--replay", &saved_s,
    ]));
    for key in ["confusion", "rules", "fields", "mistakes", "stages"] {
        assert_eq!(replayed[key], measured[key], "{key} differs on replay");
    }
    // A rule owner's change (every page "blurred") shows in the replayed scores.
    let strict = dir.path().join("strict.toml");
    let source = std::fs::read_to_string(root().join("pipeline.toml")).expect("pipeline.toml");
    assert!(source.contains("min_sharpness = 16.7"));
    std::fs::write(
        &strict,
        source.replace("min_sharpness = 16.7", "min_sharpness = 99.9"),
    )
    .expect("write config");
    let tuned = report(&docgate(&[
        "eval",
        &c,
        "--format",
        "json",
        "--replay",
        &saved_s,
        "--config",
        &strict.display().to_string(),
    ]));
    let fired = |r: &serde_json::Value| {
        r["rules"]["image.blur"]["tp"].as_u64().unwrap_or(0)
            + r["rules"]["image.blur"]["fp"].as_u64().unwrap_or(0)
    };
    assert!(
        fired(&tuned) > fired(&measured),
        "blur fired {} times replayed under the strict config, {} measured",
        fired(&tuned),
        fired(&measured)
    );
    // A changed file is never judged on stale measurements.
    let manifest = cases.join("FX7-0002/submission.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(&manifest, format!("{text}\n")).expect("touch manifest");
    let o = docgate(&["eval", &c, "--replay", &saved_s]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("changed since its measurements were saved"),
        "{}",
        stderr(&o)
    );
}
