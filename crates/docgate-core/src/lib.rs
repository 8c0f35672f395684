//! docgate-core: the domain vocabulary every other crate speaks. No I/O lives here.
//!
//! - [`submission`]: the intake contract (manifest, form, document references).
//! - [`rule`]: stable rule ids, outcomes, severities, findings and the decision.
//! - [`measure`]: what the expensive stages measured about a document, stored for replay.
//! - [`personal`]: wrappers that keep personal data masked in logs and errors.
//! - [`report`]: the result contract (what is stored, published and printed).

pub mod fields;
pub mod measure;
pub mod personal;
pub mod report;
pub mod rule;
pub mod submission;
pub mod truth;

pub use measure::{
    CornerMeasurement, DocumentMeasurements, Extracted, ExtractedField, Format, IngestProblem,
    IngestProblemKind, PageMeasurements, Point, Region, Seal, SubmissionMeasurements,
    VisionMeasurements, CORNER_NAMES,
};
pub use personal::{mask, Personal};
pub use report::{Report, REPORT_SCHEMA_VERSION};
pub use rule::{Decision, Finding, Outcome, RuleId, Severity, Verdict};
pub use submission::{DocumentKind, DocumentRef, Form, ManifestError, Submission, TaxpayerType};
pub use submission::{MAX_DOCUMENTS, MAX_FIELD_LEN};
pub use truth::{Defect, GroundTruth, Variation};
