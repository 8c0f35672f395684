//! Submission-level rules: unknown document kinds, required documents present.

use docgate_config::Profile;
use docgate_core::{DocumentKind, RuleId, Submission, TaxpayerType, Verdict};

use crate::emit::{Emitter, Evidence};

pub(crate) fn check(out: &mut Emitter, profile: &Profile, sub: &Submission) {
    let rules = profile.rules(None);
    for doc in &sub.documents {
        if doc.kind().is_none() {
            let known: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
            out.verdict(
                RuleId::SubmissionDocumentKind,
                rules.submission_document_kind.severity,
                Some(&doc.id),
                Verdict::Violated,
                format!(
                    "unknown document kind {:?}; known kinds: {}",
                    truncate(&doc.kind, 40),
                    known.join(", ")
                ),
                Evidence::default(),
            );
        }
    }
    let severity = rules.submission_required_documents.severity;
    let present: Vec<DocumentKind> = sub.documents.iter().filter_map(|d| d.kind()).collect();
    // 1688 asks general taxpayers (only) for a VAT special invoice as proof.
    let general = sub.form.taxpayer_type == Some(TaxpayerType::General);
    let conditional = profile
        .required_if_general_taxpayer
        .iter()
        .filter(|_| general);
    let missing: Vec<&str> = profile
        .required_documents
        .iter()
        .chain(conditional)
        .filter(|k| !present.contains(k))
        .map(|k| k.as_str())
        .collect();
    let (verdict, message) = if missing.is_empty() {
        (
            Verdict::Pass,
            format!(
                "all documents profile `{}` requires are present",
                profile.name
            ),
        )
    } else {
        (
            Verdict::Violated,
            format!(
                "profile `{}` requires documents that are missing: {}",
                profile.name,
                missing.join(", ")
            ),
        )
    };
    out.verdict(
        RuleId::SubmissionRequiredDocuments,
        severity,
        None,
        verdict,
        message,
        Evidence::default(),
    );
}

/// Caps untrusted text echoed into messages.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        s.chars().take(max_chars).chain("…".chars()).collect()
    }
}
