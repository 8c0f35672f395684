//! Ground truth beside a labelled fixture submission (`truth.json`), read by `docgate eval`
//! and written by the fixture generator.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rule::{Decision, RuleId};

/// What is really true of one submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundTruth {
    /// Must equal the manifest's `submission_id`.
    pub submission_id: String,
    /// The decision a careful human reviewer would reach under the manifest's profile.
    pub expected_decision: Decision,
    /// The date the submission is judged at (`docgate check --as-of`), so that expiry and
    /// invoice-age defects stay true forever.
    pub as_of: chrono::NaiveDate,
    /// Injected defects and mismatches: each one a rule that should fire on a document
    /// (or on the form/submission when `document` is absent).
    #[serde(default)]
    pub defects: Vec<Defect>,
    /// Harmless perturbations (mild blur, slight tilt, a borderline that is still fine):
    /// no rule should fire because of them. Recorded so that false alarms can be traced.
    #[serde(default)]
    pub variations: Vec<Variation>,
    /// True field values, per document id, then per field name (see [`crate::fields`]).
    #[serde(default)]
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
}

/// One injected defect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defect {
    /// The rule that should fire.
    pub rule: RuleId,
    /// The document it concerns; absent for form- or submission-level defects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// What was done, in words with parameters: `gaussian blur sigma=3.2`.
    pub label: String,
    /// Graded severity in 0..1: near 0 is borderline, 1 is blatant.
    #[serde(default)]
    pub level: f64,
}

/// One harmless perturbation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variation {
    /// The document it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// What was done, with parameters.
    pub label: String,
}
