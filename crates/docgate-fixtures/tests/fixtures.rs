//! Generator tests: determinism, ground-truth validity, and the committed `fixtures/small` set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use docgate_core::{fields, DocumentKind, GroundTruth, RuleId, Submission};

fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("prefix").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn submissions(dir: &Path) -> Vec<(Submission, GroundTruth, PathBuf)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if !p.is_dir() {
            continue;
        }
        let s = Submission::from_json(&std::fs::read(p.join("submission.json")).expect("manifest"))
            .expect("valid manifest");
        let t: GroundTruth =
            serde_json::from_slice(&std::fs::read(p.join("truth.json")).expect("truth"))
                .expect("valid truth");
        v.push((s, t, p));
    }
    v.sort_by(|a, b| a.0.submission_id.cmp(&b.0.submission_id));
    v
}

/// The checks every generated submission must pass; returns a list of problems.
fn problems(dir: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    for (s, t, path) in submissions(dir) {
        let id = &s.submission_id;
        if &t.submission_id != id || path.file_name().and_then(|n| n.to_str()) != Some(id.as_str())
        {
            bad.push(format!("{id}: id mismatch with truth or folder"));
        }
        let docs: BTreeSet<&str> = s.documents.iter().map(|d| d.id.as_str()).collect();
        for d in &s.documents {
            if d.kind().is_none() {
                bad.push(format!("{id}: unknown kind {}", d.kind));
            }
            if !path.join(&d.uri).is_file() || d.uri.contains('/') {
                bad.push(format!(
                    "{id}: uri {} missing or not relative to the folder",
                    d.uri
                ));
            }
        }
        for d in &t.defects {
            if let Some(doc) = &d.document {
                if !docs.contains(doc.as_str()) {
                    bad.push(format!(
                        "{id}: defect {} names absent document {doc}",
                        d.rule
                    ));
                }
            }
            if !(0.0..=1.0).contains(&d.level) {
                bad.push(format!("{id}: level {} out of 0..1", d.level));
            }
        }
        for doc in t.fields.keys() {
            if !docs.contains(doc.as_str()) {
                bad.push(format!("{id}: fields for absent document {doc}"));
            }
        }
        let has = |r: RuleId| t.defects.iter().any(|d| d.rule == r);
        // Printed codes are always valid: defects change the form, never the document's code.
        for (doc, f) in &t.fields {
            for (name, v) in f {
                let ok = match name.as_str() {
                    fields::CREDIT_CODE | fields::SELLER_TAX_ID => {
                        docgate_codes::credit::is_valid(v)
                            && docgate_codes::org::is_valid(&v[8..17])
                    }
                    fields::REGISTRATION_NUMBER => docgate_codes::registration::is_valid(v),
                    fields::ID_NUMBER => docgate_codes::resident_id::is_valid(v),
                    _ => fields::ALL.contains(&name.as_str()),
                };
                if !ok {
                    bad.push(format!("{id}/{doc}: field {name} invalid"));
                }
            }
        }
        if let Some(code) = &s.form.credit_code {
            let valid = docgate_codes::credit::is_valid(code)
                || docgate_codes::registration::is_valid(code);
            if valid == has(RuleId::FormCreditCode) {
                bad.push(format!("{id}: form credit code validity {valid} disagrees with the form.credit_code defect"));
            }
        }
        if let Some(n) = &s.form.legal_rep_id_number {
            if !docgate_codes::resident_id::is_valid(n.expose()) {
                bad.push(format!("{id}: form ID number invalid"));
            }
        }
        // The form equals the truth unless a mismatch defect says otherwise.
        if let (Some(lic), Some(name)) = (t.fields.get("lic"), &s.form.company_name) {
            let norm = |x: &str| {
                x.replace(['(', '（'], "(")
                    .replace([')', '）'], ")")
                    .replace(' ', "")
            };
            if norm(name) != norm(&lic[fields::COMPANY_NAME]) && !has(RuleId::MatchCompanyName) {
                bad.push(format!("{id}: company name differs without a defect"));
            }
        }
        if t.as_of != as_of() {
            bad.push(format!("{id}: as_of {}", t.as_of));
        }
    }
    bad
}

#[test]
fn same_seed_writes_identical_bytes() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    for d in [&a, &b] {
        let opts = docgate_fixtures::Options {
            seed: 11,
            count: 1,
            out: d.path().to_path_buf(),
            as_of: as_of(),
            revision: docgate_fixtures::generate::REVISION,
        };
        docgate_fixtures::generate(&opts).expect("generate");
    }
    let (ta, tb) = (tree(a.path()), tree(b.path()));
    assert!(ta.len() > 3, "too few files: {:?}", ta.keys());
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(
            v == &tb[k],
            "{} differs between two runs with the same seed",
            k.display()
        );
    }
    assert!(problems(a.path()).is_empty(), "{:?}", problems(a.path()));
}

#[test]
fn committed_truth_is_valid() {
    let p = problems(&small());
    assert!(p.is_empty(), "{p:#?}");
}

#[test]
fn committed_set_covers_every_defect_twice_and_stays_small() {
    let subs = submissions(&small());
    assert!(subs.len() >= 25, "only {} submissions", subs.len());
    let mut count: BTreeMap<RuleId, usize> = BTreeMap::new();
    let mut kinds = BTreeSet::new();
    let mut layouts = BTreeSet::new();
    let mut pdf = false;
    for (s, t, _) in &subs {
        // Count submissions, not documents, per rule.
        let rules: BTreeSet<RuleId> = t.defects.iter().map(|d| d.rule).collect();
        for r in rules {
            *count.entry(r).or_default() += 1;
        }
        for d in &s.documents {
            kinds.extend(d.kind());
            pdf |= d.uri.ends_with(".pdf");
        }
        if let Some(lic) = t.fields.get("lic") {
            layouts.insert(lic.contains_key(fields::REGISTRATION_NUMBER));
        }
    }
    use RuleId::*;
    for r in [
        ImageBlur,
        ImageCorners,
        ImageResolution,
        ImageFileSize,
        ImageFormat,
        ImageColor,
        ImageGlare,
        LicenseSeal,
        LetterSeal,
        IdExpiry,
        LicenseTerm,
        InvoiceTaxRate,
        InvoiceDate,
        FormCreditCode,
        MatchCompanyName,
        MatchCreditCode,
        MatchLegalRepName,
        MatchLegalRepIdNumber,
        MatchInvoiceSeller,
        MatchBankAccountName,
    ] {
        assert!(
            count.get(&r).copied().unwrap_or(0) >= 2,
            "{r} covered {} times",
            count.get(&r).copied().unwrap_or(0)
        );
    }
    assert_eq!(kinds.len(), DocumentKind::ALL.len(), "kinds: {kinds:?}");
    assert_eq!(layouts.len(), 2, "both licence layouts");
    assert!(pdf, "a born-digital PDF");
    let clean = subs.iter().filter(|(_, t, _)| t.defects.is_empty()).count();
    assert!(clean * 5 >= subs.len(), "only {clean} clean submissions");
    let bytes: u64 = tree(&small()).values().map(|v| v.len() as u64).sum();
    assert!(bytes < 25 * 1024 * 1024, "fixtures/small is {bytes} bytes");
}

#[test]
fn schedule_pairs_cover_the_cycle_in_thirty() {
    let s = docgate_fixtures::defects::schedule(30, 7);
    assert_eq!(s.iter().filter(|v| v.is_empty()).count(), 9);
    let mut c: BTreeMap<_, usize> = BTreeMap::new();
    for d in s.iter().flatten() {
        *c.entry(*d).or_default() += 1;
    }
    assert!(c.values().all(|&n| n == 2) && c.len() == 20, "{c:?}");
}

/// Revision 1 still writes the committed set: its first submissions (a harmless downscale
/// among them), byte for byte, so older labelled sets stay reproducible.
#[test]
fn revision_1_reproduces_the_committed_set() {
    let out = tempfile::tempdir().expect("tempdir");
    let opts = docgate_fixtures::Options {
        seed: 7,
        count: 6,
        out: out.path().to_path_buf(),
        as_of: as_of(),
        revision: 1,
    };
    docgate_fixtures::generate(&opts).expect("generate");
    let got = tree(out.path());
    let want = tree(&small());
    let mut compared = 0;
    for (k, v) in &got {
        if k.starts_with("index.json") {
            continue;
        }
        assert!(
            want.get(k) == Some(v),
            "{} differs from fixtures/small",
            k.display()
        );
        compared += 1;
    }
    assert!(compared > 20, "only {compared} files compared");
}
