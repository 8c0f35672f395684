//! Stable rule ids, severities, outcomes, findings, and how findings make a decision.

use serde::{Deserialize, Serialize};

macro_rules! rule_ids {
    ($( $(#[$doc:meta])* $variant:ident => $id:literal ),+ $(,)?) => {
        /// A stable rule id. These strings are the keys rule owners tune in `pipeline.toml`
        /// and the names reviewers filter by: never rename one, only add.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $( $(#[$doc])* $variant, )+
        }

        impl RuleId {
            /// Every rule id, in a stable order.
            pub const ALL: &'static [RuleId] = &[ $( RuleId::$variant, )+ ];

            /// The id as written in config and results.
            pub fn as_str(self) -> &'static str {
                match self { $( RuleId::$variant => $id, )+ }
            }
        }
    };
}

rule_ids! {
    /// The manifest names a document kind docgate does not know.
    SubmissionDocumentKind => "submission.document_kind",
    /// The profile's required document kinds are all present.
    SubmissionRequiredDocuments => "submission.required_documents",
    /// The file could be fetched from storage (exists, inside the root, readable).
    DocumentAccess => "document.access",
    /// Real content type (sniffed from the bytes) is allowed for this profile and kind.
    ImageFormat => "image.format",
    /// File size within the profile's limit.
    ImageFileSize => "image.file_size",
    /// The file decodes: not truncated, not encrypted, within pixel and page caps.
    ImageDecode => "image.decode",
    /// Pixel size of the document (short side, megapixels).
    ImageResolution => "image.resolution",
    /// Sharpness of the document region.
    ImageBlur => "image.blur",
    /// The document's four corners lie inside the frame, with a margin.
    ImageCorners => "image.corners",
    /// Colour original, not a greyscale copy.
    ImageColor => "image.color",
    /// No over-exposed glare over the document.
    ImageGlare => "image.glare",
    /// The licence's credit code was read and is valid under GB 32100.
    LicenseCreditCode => "license.credit_code",
    /// The licence is not expired.
    LicenseTerm => "license.term",
    /// The licence carries the registration authority's red seal.
    LicenseSeal => "license.seal",
    /// The ID number was read and is valid under GB 11643.
    IdNumber => "id.number",
    /// The ID card is not expired (`长期` is valid).
    IdExpiry => "id.expiry",
    /// The invoice's tax rate is in the profile's allowed set.
    InvoiceTaxRate => "invoice.tax_rate",
    /// The invoice was issued within the profile's window.
    InvoiceDate => "invoice.date",
    /// The authorization letter carries a red company seal.
    LetterSeal => "letter.seal",
    /// The form's credit code is valid under GB 32100 (with a valid embedded org code).
    FormCreditCode => "form.credit_code",
    /// The form's organisation code is valid and equals characters 9-17 of the credit code.
    FormOrganizationCode => "form.organization_code",
    /// The form's legal representative ID number is valid under GB 11643.
    FormLegalRepIdNumber => "form.legal_rep_id_number",
    /// Document company name agrees with the form.
    MatchCompanyName => "match.company_name",
    /// Document credit code agrees with the form.
    MatchCreditCode => "match.credit_code",
    /// Document legal representative agrees with the form.
    MatchLegalRepName => "match.legal_rep_name",
    /// ID card number agrees with the form.
    MatchLegalRepIdNumber => "match.legal_rep_id_number",
    /// The invoice seller is the company itself.
    MatchInvoiceSeller => "match.invoice_seller",
    /// The bank account name equals the company name.
    MatchBankAccountName => "match.bank_account_name",
}

impl RuleId {
    /// Parses a rule id as written in config.
    pub fn parse(s: &str) -> Option<RuleId> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RuleId::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown rule id `{s}`")))
    }
}

/// What a rule owner chose for a rule: what a violation becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A violation fails the submission.
    Fail,
    /// A violation sends the submission to a person.
    Review,
    /// A violation is reported but does not change the decision.
    Warn,
    /// The rule is not evaluated.
    Off,
}

/// The outcome of one rule on one document (or on the form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Checked and fine.
    Pass,
    /// A problem that does not change the decision.
    Warn,
    /// A person must look.
    Review,
    /// The submission fails.
    Fail,
}

/// What a rule concluded before the profile's severity is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The check holds.
    Pass,
    /// The check is violated: the outcome is the rule's severity.
    Violated,
    /// The check could not be decided (an OCR near miss, an unreadable field):
    /// review, unless the severity is milder.
    Uncertain,
    /// Worth telling a reviewer but never decisive (a mislabelled file name): warn at most.
    Note,
}

impl Verdict {
    /// Applies a severity. `None` when the rule is off.
    pub fn outcome(self, severity: Severity) -> Option<Outcome> {
        let sev = match severity {
            Severity::Off => return None,
            Severity::Fail => Outcome::Fail,
            Severity::Review => Outcome::Review,
            Severity::Warn => Outcome::Warn,
        };
        Some(match self {
            Verdict::Pass => Outcome::Pass,
            Verdict::Violated => sev,
            Verdict::Uncertain => sev.min(Outcome::Review),
            Verdict::Note => sev.min(Outcome::Warn),
        })
    }
}

/// One rule's conclusion about one document (or the form), with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The stable rule id.
    pub rule: RuleId,
    /// The document id, or `None` for findings on the form or the submission as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// pass, warn, review or fail.
    pub outcome: Outcome,
    /// What was found, in words, with the measured value and threshold. Personal data masked.
    pub message: String,
    /// The measured value, where the rule compares a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<f64>,
    /// The threshold it was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Where on the page: `[x, y, width, height]` in pixels of the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<[u32; 4]>,
}

/// The submission's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every finding passed (or only warned).
    Pass,
    /// A person must look.
    Review,
    /// A finding failed.
    Fail,
}

impl Decision {
    /// `fail` if any finding fails, else `review` if any asks for a person, else `pass`.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Decision {
        let worst = findings
            .into_iter()
            .map(|f| f.outcome)
            .max()
            .unwrap_or(Outcome::Pass);
        match worst {
            Outcome::Fail => Decision::Fail,
            Outcome::Review => Decision::Review,
            Outcome::Pass | Outcome::Warn => Decision::Pass,
        }
    }

    /// The id used in results.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Review => "review",
            Decision::Fail => "fail",
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(outcome: Outcome) -> Finding {
        Finding {
            rule: RuleId::ImageBlur,
            document: None,
            outcome,
            message: String::new(),
            measured: None,
            threshold: None,
            region: None,
        }
    }

    #[test]
    fn decision_is_the_worst_outcome() {
        assert_eq!(Decision::from_findings(&[]), Decision::Pass);
        assert_eq!(
            Decision::from_findings(&[f(Outcome::Pass), f(Outcome::Warn)]),
            Decision::Pass
        );
        assert_eq!(
            Decision::from_findings(&[f(Outcome::Review), f(Outcome::Warn)]),
            Decision::Review
        );
        assert_eq!(
            Decision::from_findings(&[f(Outcome::Review), f(Outcome::Fail)]),
            Decision::Fail
        );
    }

    #[test]
    fn rule_ids_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for r in RuleId::ALL {
            assert!(seen.insert(r.as_str()), "duplicate {r}");
            assert_eq!(RuleId::parse(r.as_str()), Some(*r));
        }
        assert_eq!(RuleId::parse("image.blurr"), None);
    }

    #[test]
    fn uncertain_never_escalates_past_the_severity() {
        assert_eq!(
            Verdict::Uncertain.outcome(Severity::Fail),
            Some(Outcome::Review)
        );
        assert_eq!(
            Verdict::Uncertain.outcome(Severity::Warn),
            Some(Outcome::Warn)
        );
        assert_eq!(
            Verdict::Violated.outcome(Severity::Review),
            Some(Outcome::Review)
        );
        assert_eq!(Verdict::Pass.outcome(Severity::Off), None);
    }
}
