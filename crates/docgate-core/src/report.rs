//! The result contract: what is stored, published on `docgate.results`, and printed by
//! `docgate check --format json`.

use serde::{Deserialize, Serialize};

use crate::measure::Extracted;
use crate::rule::{Decision, Finding};

/// Bumped when the result's shape changes incompatibly.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The review result of one submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The submission's id.
    pub submission_id: String,
    /// The profile whose rules were applied.
    pub profile: String,
    /// pass / review / fail
    pub decision: Decision,
    /// `sha256:<hex>` of the compiled config that judged it.
    pub config_version: String,
    /// The date rules were judged against (`--as-of`, or today).
    pub as_of: chrono::NaiveDate,
    /// Every rule's conclusion, non-passing first.
    pub findings: Vec<Finding>,
    /// Fields read, per document id.
    #[serde(default)]
    pub extracted: Extracted,
}
