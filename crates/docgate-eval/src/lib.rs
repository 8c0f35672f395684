//! docgate-eval: scores pipeline results against labelled ground truth, the library behind
//! `docgate eval DIR`.
//!
//! The crate is pure: it never runs the pipeline. The binary [`discover`]s labelled cases,
//! runs each one, and hands the results to [`score`] as [`CaseResult`]s. That keeps scoring
//! fast to test and lets the same scorer serve replays of stored results.
//!
//! # Scoring semantics
//!
//! **Decisions.** Each case's report decision is compared with the truth's
//! `expected_decision` in a 3×3 confusion matrix (`confusion[expected][got]`, every cell
//! present, zeros included).
//!
//! - *False pass rate* = cases expected `review` or `fail` but decided `pass`, divided by
//!   cases expected `review` or `fail`. This is the worst error: a defective submission
//!   goes through with nobody looking at it.
//! - *False fail rate* = cases expected `pass` but decided `fail`, divided by cases expected
//!   `pass`. (Expected `pass` decided `review` costs a reviewer's time but is not a false
//!   fail.)
//! - *Decision accuracy* = cases on the diagonal / all cases.
//!
//! **Rules.** A rule *fired* on a (rule, document) pair when the report holds a finding for
//! that rule and document (document `None` = form or submission level) whose outcome is not
//! `pass`: `warn`, `review` and `fail` all count as reported. Each truth [`Defect`] is a
//! positive (rule, document). Per case:
//!
//! - TP = a positive that fired; FN = a positive that did not fire;
//!   FP = a fired pair with no such positive.
//! - Each (case, rule, document) counts once, however many findings or defects name it.
//! - Documents must match exactly: a defect on `lic` is not found by a form-level finding.
//!
//! Precision = TP / (TP + FP), recall = TP / (TP + FN); `None` when the denominator is 0.
//! [`EvalReport::rules`] lists every rule that appears in the truth or fired.
//!
//! **Fields.** For every (document, field) in the truth's `fields`, the field is *exact* when
//! `report.extracted[document][field].value` equals the truth value after trimming
//! surrounding whitespace, and *missing* when the report has no such field. No other
//! normalisation is applied: the readers must produce canonical forms (see
//! [`docgate_core::fields`]). Accuracy = exact / total. The same is reported over the
//! *legible* documents alone: those the truth labels with no [`LEGIBILITY_RULES`] defect
//! (blurred, under the resolution minimum, glare, cut off, undecodable), whose fields a
//! reader can fairly be asked to get right; elsewhere unread is the expected outcome.
//!
//! **Timings.** Each case carries stage name → seconds (`ingest`, `measure`, `read`,
//! `judge`, `total`, …). Throughput = documents / sum of `total` timings, counting only
//! the cases that have a `total` (a case timed without one would otherwise inflate it).
//! Per stage: count, mean, p50 and p95 (nearest rank: the smallest observed value with at
//! least p % of the observations at or below it) in milliseconds, and the sum in seconds.
//! Non-finite or negative timings are ignored.
//!
//! **Mistakes.** For debugging, every wrong decision and every rule FN/FP is listed with the
//! submission id, in case order (within a case: the decision, then rules in
//! [`RuleId::ALL`] order), bounded to [`MAX_MISTAKES`]; the number left off is in
//! [`EvalReport::mistakes_omitted`]. FN lines carry the defect's label; FP lines carry the
//! finding's message (already masked by the result contract) and any harmless variation
//! recorded on that document, which is usually the cause of a false alarm.
//!
//! **Comparing.** [`compare`] lists each metric that changed between two runs, and whether
//! that is better or worse; [`Comparison::regressed`] is true when anything got worse.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use docgate_core::{Decision, Defect, GroundTruth, Outcome, Report, RuleId};
use serde::{Deserialize, Serialize};

/// The labelled case's manifest file name.
pub const MANIFEST_FILE: &str = "submission.json";
/// The ground truth file name, beside the manifest.
pub const TRUTH_FILE: &str = "truth.json";
/// How deep below `dir` [`discover`] looks (`dir` itself is depth 0).
pub const MAX_DEPTH: usize = 4;
/// The most [`Mistake`]s kept in an [`EvalReport`]; the rest are only counted.
pub const MAX_MISTAKES: usize = 200;
/// Relative change in throughput below which [`compare`] treats it as timing noise.
pub const THROUGHPUT_NOISE: f64 = 0.10;

/// The `timings` key holding a case's end-to-end seconds.
pub const TOTAL_STAGE: &str = "total";

/// The order the text report lists known stages in (the pipeline's order, total last).
const STAGE_ORDER: &[&str] = &[
    "ingest",
    "measure",
    "read",
    "judge",
    "store",
    "publish",
    TOTAL_STAGE,
];

/// Why labelled cases could not be discovered. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A directory or file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `truth.json` is not valid ground truth.
    #[error("{} is not valid ground truth: {source}", path.display())]
    Truth {
        /// The truth file.
        path: PathBuf,
        /// The parse error, with line and column.
        source: serde_json::Error,
    },
    /// `submission.json` has no readable `submission_id`.
    #[error("{} has no readable submission_id: {source}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The parse error, with line and column.
        source: serde_json::Error,
    },
    /// The truth describes a different submission than the manifest beside it.
    #[error(
        "{} is for submission {truth_id:?} but the manifest beside it is {manifest_id:?}",
        path.display()
    )]
    IdMismatch {
        /// The truth file.
        path: PathBuf,
        /// The id in `truth.json`.
        truth_id: String,
        /// The id in `submission.json`.
        manifest_id: String,
    },
}

/// One labelled submission's run, as the binary hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// What is really true of the submission.
    pub truth: GroundTruth,
    /// What the pipeline concluded.
    pub report: Report,
    /// How many documents the submission has (for throughput).
    pub documents: usize,
    /// Stage name → seconds, e.g. `ingest`, `measure`, `read`, `judge`, `total`.
    pub timings: BTreeMap<String, f64>,
}

/// Finds labelled cases: every directory under `dir` (including `dir` itself, at most
/// [`MAX_DEPTH`] levels down) holding both `submission.json` and `truth.json`.
///
/// Returns (manifest path, truth) sorted by path. A case directory is not searched further
/// (its other contents are the documents). Hidden directories (`.git`, …) and symbolic
/// links to directories are skipped: the first are never fixtures and the second could
/// revisit a case. The truth's `submission_id` must equal the manifest's; only that field of
/// the manifest is read here, so deliberately malformed manifests can still be labelled.
pub fn discover(dir: &Path) -> Result<Vec<(PathBuf, GroundTruth)>, EvalError> {
    let mut found = Vec::new();
    walk(dir, 0, &mut found)?;
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

fn walk(
    dir: &Path,
    depth: usize,
    found: &mut Vec<(PathBuf, GroundTruth)>,
) -> Result<(), EvalError> {
    let manifest = dir.join(MANIFEST_FILE);
    let truth = dir.join(TRUTH_FILE);
    if manifest.is_file() && truth.is_file() {
        found.push((manifest.clone(), load_case(&manifest, &truth)?));
        return Ok(());
    }
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    let io = |source| EvalError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        // `DirEntry::file_type` does not follow symlinks, which is what keeps the walk a tree.
        let is_dir = entry.file_type().map_err(io)?.is_dir();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if is_dir && !hidden {
            subdirs.push(entry.path());
        }
    }
    subdirs.sort();
    for sub in subdirs {
        walk(&sub, depth + 1, found)?;
    }
    Ok(())
}

fn load_case(manifest: &Path, truth_path: &Path) -> Result<GroundTruth, EvalError> {
    /// Just the id: the rest of the manifest is the pipeline's to judge.
    #[derive(Deserialize)]
    struct ManifestId {
        submission_id: String,
    }
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let truth: GroundTruth =
        serde_json::from_slice(&read(truth_path)?).map_err(|source| EvalError::Truth {
            path: truth_path.to_path_buf(),
            source,
        })?;
    let id: ManifestId =
        serde_json::from_slice(&read(manifest)?).map_err(|source| EvalError::Manifest {
            path: manifest.to_path_buf(),
            source,
        })?;
    if id.submission_id != truth.submission_id {
        return Err(EvalError::IdMismatch {
            path: truth_path.to_path_buf(),
            truth_id: truth.submission_id,
            manifest_id: id.submission_id,
        });
    }
    Ok(truth)
}

/// Detection counts and rates of one rule over all cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleScore {
    /// Positives that fired.
    pub tp: usize,
    /// Fired without a positive.
    pub fp: usize,
    /// Positives that did not fire.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// TP / (TP + FP); `None` when the rule never fired.
    pub precision: Option<f64>,
    /// TP / (TP + FN); `None` when the truth has no positive for the rule.
    pub recall: Option<f64>,
}

/// How well one field was read over all cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldScore {
    /// (document, field) pairs in the truth.
    pub total: usize,
    /// Read exactly (after trimming).
    pub exact: usize,
    /// Not read at all.
    pub missing: usize,
    /// exact / total; `None` when total is 0.
    pub accuracy: Option<f64>,
    /// Of `total`, those on documents labelled with no legibility defect
    /// ([`LEGIBILITY_RULES`]): what a reader can be asked to get right.
    #[serde(default)]
    pub legible_total: usize,
    /// Of `exact`, those on legible documents.
    #[serde(default)]
    pub legible_exact: usize,
    /// legible_exact / legible_total.
    #[serde(default)]
    pub legible_accuracy: Option<f64>,
}

/// Defects that make a document's text illegible: blurred, under the resolution minimum,
/// covered by glare, cut off by the frame, or not decodable. Fields on such documents are
/// expected to go unread (and the document to review or fail); [`FieldScore`] counts them
/// in `total` and reports the legible documents apart.
pub const LEGIBILITY_RULES: [&str; 5] = [
    "image.blur",
    "image.resolution",
    "image.glare",
    "image.corners",
    "image.decode",
];

/// Timing statistics of one stage over the cases that report it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageStats {
    /// How many cases reported this stage.
    pub count: usize,
    /// Mean, milliseconds.
    pub mean_ms: f64,
    /// Median (nearest rank), milliseconds.
    pub p50_ms: f64,
    /// 95th percentile (nearest rank), milliseconds.
    pub p95_ms: f64,
    /// Sum, seconds.
    pub total_s: f64,
}

/// One thing a case got wrong, for debugging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mistake {
    /// The submission.
    pub submission_id: String,
    /// What went wrong, e.g. `FN image.blur on lic: gaussian blur sigma=3.2`.
    pub what: String,
}

/// The scores of one evaluation run. Stable, round-trippable JSON (maps are ordered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Labelled submissions scored.
    pub cases: usize,
    /// Documents across them.
    pub documents: usize,
    /// expected decision → decided → count; all nine cells present.
    pub confusion: BTreeMap<Decision, BTreeMap<Decision, usize>>,
    /// Expected review/fail but decided pass, over expected review/fail. The worst error.
    pub false_pass_rate: Option<f64>,
    /// Expected pass but decided fail, over expected pass.
    pub false_fail_rate: Option<f64>,
    /// Decided as expected, over all cases.
    pub decision_accuracy: Option<f64>,
    /// Per rule id, every rule that appears in the truth or fired.
    pub rules: BTreeMap<String, RuleScore>,
    /// Per field name, every field that appears in the truth.
    pub fields: BTreeMap<String, FieldScore>,
    /// Documents per second of `total` time.
    pub throughput_docs_per_s: Option<f64>,
    /// Per stage name.
    pub stages: BTreeMap<String, StageStats>,
    /// Wrong decisions and rule FN/FP, in case order, at most [`MAX_MISTAKES`].
    pub mistakes: Vec<Mistake>,
    /// Mistakes beyond [`MAX_MISTAKES`], counted but not listed.
    #[serde(default)]
    pub mistakes_omitted: usize,
}

const DECISIONS: [Decision; 3] = [Decision::Pass, Decision::Review, Decision::Fail];

fn ratio(num: usize, den: usize) -> Option<f64> {
    // Precision is `usize as f64`: exact for any count a run can reach (< 2^53).
    (den > 0).then(|| num as f64 / den as f64)
}

/// Where a defect or finding applies: the document, or `None` for the form/submission.
type Target = (RuleId, Option<String>);

fn place(document: &Option<String>) -> String {
    match document {
        Some(d) => format!("on {d}"),
        None => "on the form".to_string(),
    }
}

/// Scores a run. See the crate docs for the exact semantics.
pub fn score(cases: &[CaseResult]) -> EvalReport {
    let mut confusion: BTreeMap<Decision, BTreeMap<Decision, usize>> = DECISIONS
        .iter()
        .map(|&e| (e, DECISIONS.iter().map(|&g| (g, 0)).collect()))
        .collect();
    let mut rules: BTreeMap<String, RuleScore> = BTreeMap::new();
    let mut fields: BTreeMap<String, FieldScore> = BTreeMap::new();
    let mut stage_samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut mistakes = Vec::new();
    let mut mistakes_omitted = 0;
    let mut push = |submission_id: &str, what: String| {
        if mistakes.len() < MAX_MISTAKES {
            mistakes.push(Mistake {
                submission_id: submission_id.to_string(),
                what,
            });
        } else {
            mistakes_omitted += 1;
        }
    };
    let (mut timed_docs, mut timed_secs) = (0usize, 0f64);

    for case in cases {
        let (truth, report) = (&case.truth, &case.report);
        let id = truth.submission_id.as_str();
        let expected = truth.expected_decision;
        *confusion
            .entry(expected)
            .or_default()
            .entry(report.decision)
            .or_default() += 1;
        if report.decision != expected {
            push(
                id,
                format!("decision: expected {expected}, got {}", report.decision),
            );
        }

        // Sets, so that several findings (one per page) or repeated defects count once.
        let mut positives: BTreeMap<Target, Vec<&Defect>> = BTreeMap::new();
        for d in &truth.defects {
            positives
                .entry((d.rule, d.document.clone()))
                .or_default()
                .push(d);
        }
        let mut fired: BTreeMap<Target, Vec<&str>> = BTreeMap::new();
        for f in report
            .findings
            .iter()
            .filter(|f| f.outcome != Outcome::Pass)
        {
            fired
                .entry((f.rule, f.document.clone()))
                .or_default()
                .push(&f.message);
        }
        let targets: BTreeSet<&Target> = positives.keys().chain(fired.keys()).collect();
        for target @ (rule, document) in targets {
            let s = rules.entry(rule.as_str().to_string()).or_default();
            match (positives.get(target), fired.get(target)) {
                (Some(_), Some(_)) => s.tp += 1,
                (Some(defects), None) => {
                    s.fn_ += 1;
                    let labels: Vec<&str> = defects.iter().map(|d| d.label.as_str()).collect();
                    push(
                        id,
                        format!("FN {rule} {}: {}", place(document), labels.join("; ")),
                    );
                }
                (None, Some(messages)) => {
                    s.fp += 1;
                    let mut what = format!("FP {rule} {}: {}", place(document), messages[0]);
                    // A harmless variation on the same document is the usual false-alarm cause.
                    let near: Vec<&str> = truth
                        .variations
                        .iter()
                        .filter(|v| &v.document == document)
                        .map(|v| v.label.as_str())
                        .collect();
                    if !near.is_empty() {
                        let _ = write!(what, " [variations: {}]", near.join("; "));
                    }
                    push(id, what);
                }
                (None, None) => unreachable!("target came from one of the two maps"),
            }
        }

        for (doc, doc_fields) in &truth.fields {
            let legible = !truth.defects.iter().any(|d| {
                d.document.as_deref() == Some(doc.as_str())
                    && LEGIBILITY_RULES.contains(&d.rule.as_str())
            });
            for (name, want) in doc_fields {
                let s = fields.entry(name.clone()).or_default();
                s.total += 1;
                s.legible_total += usize::from(legible);
                match report.extracted.get(doc).and_then(|m| m.get(name)) {
                    None => s.missing += 1,
                    Some(got) if got.value.trim() == want.trim() => {
                        s.exact += 1;
                        s.legible_exact += usize::from(legible);
                    }
                    // Wrong values are not listed as mistakes: they are often personal data.
                    Some(_) => {}
                }
            }
        }

        for (stage, &secs) in &case.timings {
            if !secs.is_finite() || secs < 0.0 {
                continue;
            }
            stage_samples.entry(stage.clone()).or_default().push(secs);
            if stage == TOTAL_STAGE {
                timed_docs += case.documents;
                timed_secs += secs;
            }
        }
    }

    for s in rules.values_mut() {
        s.precision = ratio(s.tp, s.tp + s.fp);
        s.recall = ratio(s.tp, s.tp + s.fn_);
    }
    for s in fields.values_mut() {
        s.accuracy = ratio(s.exact, s.total);
        s.legible_accuracy = ratio(s.legible_exact, s.legible_total);
    }
    let stages = stage_samples
        .into_iter()
        .map(|(name, samples)| (name, stage_stats(samples)))
        .collect();

    let cell = |e: Decision, g: Decision| confusion[&e][&g];
    let row = |e: Decision| DECISIONS.iter().map(|&g| cell(e, g)).sum::<usize>();
    let not_pass = row(Decision::Review) + row(Decision::Fail);
    let false_pass = cell(Decision::Review, Decision::Pass) + cell(Decision::Fail, Decision::Pass);
    let correct: usize = DECISIONS.iter().map(|&d| cell(d, d)).sum();

    EvalReport {
        cases: cases.len(),
        documents: cases.iter().map(|c| c.documents).sum(),
        false_pass_rate: ratio(false_pass, not_pass),
        false_fail_rate: ratio(cell(Decision::Pass, Decision::Fail), row(Decision::Pass)),
        decision_accuracy: ratio(correct, cases.len()),
        confusion,
        rules,
        fields,
        throughput_docs_per_s: (timed_secs > 0.0).then(|| timed_docs as f64 / timed_secs),
        stages,
        mistakes,
        mistakes_omitted,
    }
}

/// Nearest-rank percentile of sorted, non-empty samples: an observed value, so that a p95
/// over a handful of cases is a real case's time rather than an interpolation.
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn stage_stats(mut samples: Vec<f64>) -> StageStats {
    samples.sort_by(f64::total_cmp);
    let total_s: f64 = samples.iter().sum();
    StageStats {
        count: samples.len(),
        mean_ms: total_s / samples.len() as f64 * 1e3,
        p50_ms: nearest_rank(&samples, 50.0) * 1e3,
        p95_ms: nearest_rank(&samples, 95.0) * 1e3,
        total_s,
    }
}

const NA: &str = "—";

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| NA.to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// Width of a table's first column: its longest entry, at least `min`.
fn key_width<'a>(keys: impl Iterator<Item = &'a String>, min: usize) -> usize {
    keys.map(|k| k.chars().count()).fold(min, usize::max)
}

impl EvalReport {
    /// A readable report: decision confusion matrix, false-pass and false-fail rates,
    /// per-rule and per-field tables, throughput, per-stage timings and the mistakes.
    /// Fixed-width columns; `—` where a value is not applicable.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        // `write!` into a String cannot fail; the results are ignored for that reason.
        let _ = writeln!(
            out,
            "docgate eval: {} cases, {} documents",
            self.cases, self.documents
        );

        let cell = |e: Decision, g: Decision| {
            self.confusion
                .get(&e)
                .and_then(|r| r.get(&g))
                .copied()
                .unwrap_or(0)
        };
        let row = |e: Decision| DECISIONS.iter().map(|&g| cell(e, g)).sum::<usize>();
        let _ = writeln!(out, "\nDecisions (rows: expected, columns: got)");
        let _ = writeln!(
            out,
            "{:<16}{:>8}{:>8}{:>8}",
            "expected \\ got", "pass", "review", "fail"
        );
        for e in DECISIONS {
            let _ = write!(out, "{:<16}", e.as_str());
            for g in DECISIONS {
                let _ = write!(out, "{:>8}", cell(e, g));
            }
            out.push('\n');
        }
        let not_pass = row(Decision::Review) + row(Decision::Fail);
        let false_pass =
            cell(Decision::Review, Decision::Pass) + cell(Decision::Fail, Decision::Pass);
        let correct: usize = DECISIONS.iter().map(|&d| cell(d, d)).sum();
        out.push('\n');
        let _ = writeln!(
            out,
            "{:<20}{:>8}  ({correct}/{} cases)",
            "decision accuracy",
            pct(self.decision_accuracy),
            self.cases
        );
        let _ = writeln!(
            out,
            "{:<20}{:>8}  ({false_pass}/{not_pass} expected review or fail were passed)",
            "false pass rate",
            pct(self.false_pass_rate)
        );
        let _ = writeln!(
            out,
            "{:<20}{:>8}  ({}/{} expected pass were failed)",
            "false fail rate",
            pct(self.false_fail_rate),
            cell(Decision::Pass, Decision::Fail),
            row(Decision::Pass)
        );

        let w = key_width(self.rules.keys(), 4);
        let _ = writeln!(out, "\nRules");
        let _ = writeln!(
            out,
            "{:<w$}  {:>5} {:>5} {:>5}  {:>9}  {:>7}",
            "rule", "TP", "FP", "FN", "precision", "recall"
        );
        for (rule, s) in &self.rules {
            let _ = writeln!(
                out,
                "{rule:<w$}  {:>5} {:>5} {:>5}  {:>9}  {:>7}",
                s.tp,
                s.fp,
                s.fn_,
                pct(s.precision),
                pct(s.recall)
            );
        }
        if self.rules.is_empty() {
            let _ = writeln!(out, "(no rule in the truth or fired)");
        }

        let w = key_width(self.fields.keys(), 5);
        let _ = writeln!(out, "\nFields");
        let _ = writeln!(
            out,
            "{:<w$}  {:>6} {:>6} {:>7}  {:>8}  {:>8} {:>8}",
            "field", "total", "exact", "missing", "accuracy", "legible", "accuracy"
        );
        let mut all = FieldScore::default();
        let row = |out: &mut String, name: &str, s: &FieldScore| {
            let _ = writeln!(
                out,
                "{name:<w$}  {:>6} {:>6} {:>7}  {:>8}  {:>8} {:>8}",
                s.total,
                s.exact,
                s.missing,
                pct(ratio(s.exact, s.total)),
                s.legible_total,
                pct(ratio(s.legible_exact, s.legible_total))
            );
        };
        for (field, s) in &self.fields {
            row(&mut out, field, s);
            all.total += s.total;
            all.exact += s.exact;
            all.missing += s.missing;
            all.legible_total += s.legible_total;
            all.legible_exact += s.legible_exact;
        }
        row(&mut out, "(all)", &all);
        let _ = writeln!(
            out,
            "legible = on documents labelled with no {} defect",
            LEGIBILITY_RULES.join(", ")
        );

        let _ = writeln!(out, "\nTiming");
        let _ = writeln!(
            out,
            "throughput {} docs/s (documents / sum of \"{TOTAL_STAGE}\" seconds, over the cases that have one)",
            self.throughput_docs_per_s
                .map_or_else(|| NA.to_string(), |t| format!("{t:.2}"))
        );
        let w = key_width(self.stages.keys(), 5);
        let _ = writeln!(
            out,
            "{:<w$}  {:>5}  {:>9}  {:>9}  {:>9}  {:>9}",
            "stage", "n", "mean ms", "p50 ms", "p95 ms", "total s"
        );
        // Pipeline order reads better than alphabetical; unknown stages follow, sorted.
        let rank = |name: &str| {
            STAGE_ORDER
                .iter()
                .position(|&s| s == name)
                .unwrap_or(STAGE_ORDER.len())
        };
        let mut stages: Vec<(&String, &StageStats)> = self.stages.iter().collect();
        stages.sort_by_key(|(name, _)| rank(name));
        for (stage, s) in stages {
            let _ = writeln!(
                out,
                "{stage:<w$}  {:>5}  {:>9.1}  {:>9.1}  {:>9.1}  {:>9.3}",
                s.count, s.mean_ms, s.p50_ms, s.p95_ms, s.total_s
            );
        }

        let listed = self.mistakes.len();
        let _ = match (listed, self.mistakes_omitted) {
            (0, 0) => writeln!(out, "\nMistakes: none"),
            (n, 0) => writeln!(out, "\nMistakes ({n})"),
            (n, more) => writeln!(out, "\nMistakes (first {n} of {})", n + more),
        };
        let w = key_width(self.mistakes.iter().map(|m| &m.submission_id), 10);
        for m in &self.mistakes {
            let _ = writeln!(out, "{:<w$}  {}", m.submission_id, m.what);
        }

        let _ = writeln!(
            out,
            "\nfalse pass = a submission that should have gone to review or failed was passed \
             with nobody looking: the worst error.\n\
             false fail = a submission that should have passed was failed (review is not counted).\n\
             A rule fired when it reported warn, review or fail on the document (or on the form)."
        );
        out
    }
}

/// One metric that changed between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// Metric name: `decision_accuracy`, `rule.image.blur.recall`, `field.credit_code.accuracy`, …
    pub metric: String,
    /// The old value (`None`: not applicable then).
    pub old: Option<f64>,
    /// The new value (`None`: not applicable now).
    pub new: Option<f64>,
    /// `Some(true)` better, `Some(false)` worse, `None` when neither can be said
    /// (the metric appeared or vanished, or it is a count of the input).
    pub better: Option<bool>,
}

/// The metrics that changed between two runs, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Each changed metric.
    pub lines: Vec<Delta>,
}

/// Which direction is good for a metric.
#[derive(Clone, Copy)]
enum Goal {
    /// Rates of correct results: any fall is worse (the pipeline is deterministic).
    Higher,
    /// Rates of errors: any rise is worse.
    Lower,
    /// Throughput: only a change beyond [`THROUGHPUT_NOISE`] counts at all.
    HigherNoisy,
    /// A count of the input (cases, documents): reported, never judged.
    Neither,
}

/// Lists the metrics that changed from `old` to `new` and whether each change is better.
///
/// False-pass and false-fail rates going up are worse; accuracy, precision and recall going
/// down are worse; throughput going down by more than [`THROUGHPUT_NOISE`] is worse (a smaller
/// throughput change is noise and not listed). A metric that appears or vanishes (a rule
/// seen in only one run) is listed with `better: None`. Unchanged metrics are not listed.
pub fn compare(old: &EvalReport, new: &EvalReport) -> Comparison {
    let mut lines = Vec::new();
    let mut add = |metric: String, o: Option<f64>, n: Option<f64>, goal: Goal| {
        let better = match (o, n) {
            (Some(o), Some(n)) => {
                // Rates are ratios of the same counts, so exact equality means unchanged.
                if o == n {
                    return;
                }
                match goal {
                    Goal::Higher => Some(n > o),
                    Goal::Lower => Some(n < o),
                    Goal::HigherNoisy => {
                        if (n - o).abs() <= THROUGHPUT_NOISE * o.abs() {
                            return;
                        }
                        Some(n > o)
                    }
                    Goal::Neither => None,
                }
            }
            (None, None) => return,
            _ => None,
        };
        lines.push(Delta {
            metric,
            old: o,
            new: n,
            better,
        });
    };
    let count = |c: usize| Some(c as f64);
    add(
        "cases".into(),
        count(old.cases),
        count(new.cases),
        Goal::Neither,
    );
    add(
        "documents".into(),
        count(old.documents),
        count(new.documents),
        Goal::Neither,
    );
    add(
        "false_pass_rate".into(),
        old.false_pass_rate,
        new.false_pass_rate,
        Goal::Lower,
    );
    add(
        "false_fail_rate".into(),
        old.false_fail_rate,
        new.false_fail_rate,
        Goal::Lower,
    );
    add(
        "decision_accuracy".into(),
        old.decision_accuracy,
        new.decision_accuracy,
        Goal::Higher,
    );
    let rule_ids: BTreeSet<&String> = old.rules.keys().chain(new.rules.keys()).collect();
    for id in rule_ids {
        let (o, n) = (old.rules.get(id), new.rules.get(id));
        add(
            format!("rule.{id}.precision"),
            o.and_then(|s| s.precision),
            n.and_then(|s| s.precision),
            Goal::Higher,
        );
        add(
            format!("rule.{id}.recall"),
            o.and_then(|s| s.recall),
            n.and_then(|s| s.recall),
            Goal::Higher,
        );
    }
    let field_names: BTreeSet<&String> = old.fields.keys().chain(new.fields.keys()).collect();
    for name in field_names {
        add(
            format!("field.{name}.accuracy"),
            old.fields.get(name).and_then(|s| s.accuracy),
            new.fields.get(name).and_then(|s| s.accuracy),
            Goal::Higher,
        );
    }
    add(
        "throughput_docs_per_s".into(),
        old.throughput_docs_per_s,
        new.throughput_docs_per_s,
        Goal::HigherNoisy,
    );
    Comparison { lines }
}

/// Formats a metric's value: rates as percentages, counts as integers, throughput to 0.01.
fn fmt_metric(metric: &str, v: Option<f64>) -> String {
    match v {
        None => NA.to_string(),
        Some(v) if metric == "cases" || metric == "documents" => format!("{v:.0}"),
        Some(v) if metric.starts_with("throughput") => format!("{v:.2}"),
        Some(v) => format!("{:.1}%", v * 100.0),
    }
}

impl Comparison {
    /// One line per changed metric: `metric  old → new  better|WORSE`.
    pub fn to_text(&self) -> String {
        if self.lines.is_empty() {
            return "no metric changed\n".to_string();
        }
        let w = key_width(self.lines.iter().map(|d| &d.metric), 6);
        let mut out = String::new();
        for d in &self.lines {
            let verdict = match d.better {
                Some(true) => "better",
                Some(false) => "WORSE",
                None => NA,
            };
            let _ = writeln!(
                out,
                "{:<w$}  {:>8} → {:>8}  {verdict}",
                d.metric,
                fmt_metric(&d.metric, d.old),
                fmt_metric(&d.metric, d.new)
            );
        }
        if self.regressed() {
            out.push_str("REGRESSED: at least one metric got worse\n");
        }
        out
    }

    /// Whether any metric got worse.
    pub fn regressed(&self) -> bool {
        self.lines.iter().any(|d| d.better == Some(false))
    }
}
