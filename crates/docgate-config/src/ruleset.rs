//! The resolved rule set (one typed field per rule id) and its layered raw form.

use docgate_core::{RuleId, Severity};
use serde::Serialize;

use crate::error::{join, Errors};
use crate::params::{
    BlurParams, BlurPartial, ColorParams, ColorPartial, CornersParams, CornersPartial,
    ExpiryParams, ExpiryPartial, FileSizeParams, FileSizePartial, FormatParams, FormatPartial,
    GlareParams, GlarePartial, InvoiceDateParams, InvoiceDatePartial, KnownLimits, MatchParams,
    MatchPartial, NoParams, RawRule, ResolutionParams, ResolutionPartial, RuleCfg, SealParams,
    SealPartial, TaxRateParams, TaxRatePartial,
};

/// Rules judged once per submission (on the manifest or the form), never per document.
/// They live only at profile level: a per-kind override of one is a config error, because
/// it could never take effect. Read them from `Profile::rules(None)`.
pub const SUBMISSION_LEVEL_RULES: &[RuleId] = &[
    RuleId::SubmissionDocumentKind,
    RuleId::SubmissionRequiredDocuments,
    RuleId::FormCreditCode,
    RuleId::FormOrganizationCode,
    RuleId::FormLegalRepIdNumber,
];

macro_rules! rule_set {
    ($( $field:ident, $variant:ident, $id:literal, $params:ty, $partial:ty; )+) => {
        /// Every rule's severity and thresholds, fully resolved for one profile (and, where
        /// the profile overrides per document kind, for one kind). One field per rule id;
        /// serialised as a map keyed by rule id.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct RuleSet {
            $(
                #[doc = concat!("`", $id, "`")]
                #[serde(rename = $id)]
                pub $field: RuleCfg<$params>,
            )+
        }

        impl RuleSet {
            /// The severity configured for `rule`.
            pub fn severity(&self, rule: RuleId) -> Severity {
                // Exhaustive: a rule id added to docgate-core without a field here does not compile.
                match rule {
                    $( RuleId::$variant => self.$field.severity, )+
                }
            }
        }

        /// One layer of rules (a profile's `rules` table or a kind's override).
        #[derive(Debug, Clone, Default)]
        pub(crate) struct PartialRuleSet {
            $( $field: RawRule<$partial>, )+
        }

        impl PartialRuleSet {
            /// Reads this layer's entry for `rule`.
            pub(crate) fn parse_rule(
                &mut self,
                rule: RuleId,
                value: &toml::Value,
                path: &str,
                limits: &KnownLimits,
                errs: &mut Errors,
            ) {
                match rule {
                    $( RuleId::$variant => self.$field.parse(value, path, rule, limits, errs), )+
                }
            }

            /// Takes everything `top` sets.
            pub(crate) fn overlay(&mut self, top: &Self) {
                $( self.$field.overlay(&top.$field); )+
            }

            /// Reports every incomplete rule of a profile without `extends`, and returns
            /// the rules it has no entry for at all (the caller reports those).
            pub(crate) fn report_missing(
                &self,
                rules_path: &str,
                profile: &str,
                errs: &mut Errors,
            ) -> Vec<RuleId> {
                let mut absent = Vec::new();
                $(
                    if !self.$field.report_missing(&join(rules_path, $id), profile, errs) {
                        absent.push(RuleId::$variant);
                    }
                )+
                absent
            }

            /// The resolved set; `None` while any rule is incomplete.
            pub(crate) fn finish(&self) -> Option<RuleSet> {
                Some(RuleSet { $( $field: self.$field.finish()?, )+ })
            }
        }

        #[cfg(test)]
        const FIELD_IDS: &[(RuleId, &str)] = &[ $( (RuleId::$variant, $id), )+ ];
    };
}

rule_set! {
    submission_document_kind, SubmissionDocumentKind, "submission.document_kind", (), NoParams;
    submission_required_documents, SubmissionRequiredDocuments, "submission.required_documents", (), NoParams;
    document_access, DocumentAccess, "document.access", (), NoParams;
    image_format, ImageFormat, "image.format", FormatParams, FormatPartial;
    image_file_size, ImageFileSize, "image.file_size", FileSizeParams, FileSizePartial;
    image_decode, ImageDecode, "image.decode", (), NoParams;
    image_resolution, ImageResolution, "image.resolution", ResolutionParams, ResolutionPartial;
    image_blur, ImageBlur, "image.blur", BlurParams, BlurPartial;
    image_corners, ImageCorners, "image.corners", CornersParams, CornersPartial;
    image_color, ImageColor, "image.color", ColorParams, ColorPartial;
    image_glare, ImageGlare, "image.glare", GlareParams, GlarePartial;
    license_credit_code, LicenseCreditCode, "license.credit_code", (), NoParams;
    license_term, LicenseTerm, "license.term", ExpiryParams, ExpiryPartial;
    license_seal, LicenseSeal, "license.seal", (), NoParams;
    id_number, IdNumber, "id.number", (), NoParams;
    id_expiry, IdExpiry, "id.expiry", ExpiryParams, ExpiryPartial;
    invoice_tax_rate, InvoiceTaxRate, "invoice.tax_rate", TaxRateParams, TaxRatePartial;
    invoice_date, InvoiceDate, "invoice.date", InvoiceDateParams, InvoiceDatePartial;
    letter_seal, LetterSeal, "letter.seal", SealParams, SealPartial;
    form_credit_code, FormCreditCode, "form.credit_code", (), NoParams;
    form_organization_code, FormOrganizationCode, "form.organization_code", (), NoParams;
    form_legal_rep_id_number, FormLegalRepIdNumber, "form.legal_rep_id_number", (), NoParams;
    match_company_name, MatchCompanyName, "match.company_name", MatchParams, MatchPartial;
    match_credit_code, MatchCreditCode, "match.credit_code", MatchParams, MatchPartial;
    match_legal_rep_name, MatchLegalRepName, "match.legal_rep_name", MatchParams, MatchPartial;
    match_legal_rep_id_number, MatchLegalRepIdNumber, "match.legal_rep_id_number", MatchParams, MatchPartial;
    match_invoice_seller, MatchInvoiceSeller, "match.invoice_seller", MatchParams, MatchPartial;
    match_bank_account_name, MatchBankAccountName, "match.bank_account_name", MatchParams, MatchPartial;
}

impl RuleSet {
    /// Every rule id with its severity, in [`RuleId::ALL`] order (for listings).
    pub fn severities(&self) -> impl Iterator<Item = (RuleId, Severity)> + '_ {
        RuleId::ALL.iter().map(|r| (*r, self.severity(*r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_are_the_core_ids_in_order() {
        let ours: Vec<RuleId> = FIELD_IDS.iter().map(|(r, _)| *r).collect();
        assert_eq!(ours, RuleId::ALL.to_vec());
        for (rule, id) in FIELD_IDS {
            assert_eq!(rule.as_str(), *id);
        }
    }
}
