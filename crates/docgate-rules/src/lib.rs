//! docgate-rules: the judge. A pure function of measurements, extracted fields, the form,
//! the profile and a date; it does no I/O, so replaying a new config over stored
//! measurements costs microseconds per submission.
//!
//! Each rule reads the [`RuleSet`](docgate_config::RuleSet) resolved for the document's kind,
//! skips itself when its severity is `off`, and emits one [`Finding`] per document (or one for
//! the form) with the measured value and threshold in its message.

mod document;
mod emit;
mod fields;
mod form;
pub mod normalize;
mod submission;
mod vision;

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{Decision, Finding, Report, Submission, SubmissionMeasurements};

use emit::Emitter;

/// Why judging could not start at all (as opposed to findings, which are data).
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    /// The manifest names a profile the config does not define.
    #[error("unknown profile `{name}`; the config defines: {known}")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The profiles the config has, comma-separated.
        known: String,
    },
}

/// The named profile, or the error that lists the profiles the config has. Callers that do
/// expensive work before judging use it to fail fast.
pub fn profile<'c>(
    config: &'c Config,
    name: &str,
) -> Result<&'c docgate_config::Profile, JudgeError> {
    config
        .profile(name)
        .ok_or_else(|| JudgeError::UnknownProfile {
            name: name.to_string(),
            known: config.profile_names().collect::<Vec<_>>().join(", "),
        })
}

/// Judges one submission. Findings come out worst first, then by rule id and document.
pub fn judge(
    config: &Config,
    submission: &Submission,
    measurements: &SubmissionMeasurements,
    as_of: NaiveDate,
) -> Result<Report, JudgeError> {
    let profile = profile(config, &submission.profile)?;
    let mut out = Emitter::default();
    submission::check(&mut out, profile, submission);
    for doc in &submission.documents {
        let m = measurements.documents.iter().find(|m| m.document == doc.id);
        document::check(&mut out, profile, doc, m);
        vision::check(&mut out, profile, doc, m);
    }
    fields::check(&mut out, profile, submission, measurements, as_of);
    form::check(&mut out, profile.rules(None), &submission.form, as_of);

    let mut findings: Vec<Finding> = out.into_findings();
    findings.sort_by(|a, b| {
        b.outcome
            .cmp(&a.outcome)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.document.cmp(&b.document))
    });
    Ok(Report {
        submission_id: submission.submission_id.clone(),
        profile: submission.profile.clone(),
        decision: Decision::from_findings(&findings),
        config_version: config.version().to_string(),
        as_of,
        findings,
        extracted: measurements.extracted.clone(),
    })
}
