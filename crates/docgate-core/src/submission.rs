//! The intake contract: a submission manifest, the form the business typed, its documents.

use serde::{Deserialize, Serialize};

use crate::personal::Personal;

/// The kinds of document docgate knows how to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 营业执照
    BusinessLicense,
    /// 身份证 portrait side
    IdCardFront,
    /// 身份证 emblem side
    IdCardBack,
    /// 增值税专用发票
    VatInvoice,
    /// 法人代表签字授权文件
    AuthorizationLetter,
    /// 开户许可证 / 基本存款账户信息
    BankPermit,
}

impl DocumentKind {
    /// Every kind, in a stable order.
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::BusinessLicense,
        DocumentKind::IdCardFront,
        DocumentKind::IdCardBack,
        DocumentKind::VatInvoice,
        DocumentKind::AuthorizationLetter,
        DocumentKind::BankPermit,
    ];

    /// The id used in manifests and `pipeline.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::BusinessLicense => "business_license",
            DocumentKind::IdCardFront => "id_card_front",
            DocumentKind::IdCardBack => "id_card_back",
            DocumentKind::VatInvoice => "vat_invoice",
            DocumentKind::AuthorizationLetter => "authorization_letter",
            DocumentKind::BankPermit => "bank_permit",
        }
    }

    /// Parses a kind id; `None` for an unknown one (which is a finding, not an error).
    pub fn parse(s: &str) -> Option<DocumentKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A short human name for messages.
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::BusinessLicense => "business licence",
            DocumentKind::IdCardFront => "ID card (front)",
            DocumentKind::IdCardBack => "ID card (back)",
            DocumentKind::VatInvoice => "VAT invoice",
            DocumentKind::AuthorizationLetter => "authorization letter",
            DocumentKind::BankPermit => "bank account permit",
        }
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the business says it is a general or a small-scale VAT taxpayer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxpayerType {
    /// 一般纳税人
    General,
    /// 小规模纳税人
    SmallScale,
}

/// The facts the business typed. Absent fields are not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// 企业名称
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// 统一社会信用代码 (or the old 15-digit registration number)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// 组织机构代码 (Single Window asks for it separately)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_code: Option<String>,
    /// 法定代表人 name
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_name: Option<Personal>,
    /// 法定代表人 ID number
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_rep_id_number: Option<Personal>,
    /// general / small_scale
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxpayer_type: Option<TaxpayerType>,
    /// 开户名称
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account_name: Option<String>,
    /// 账号
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account_number: Option<Personal>,
}

/// One uploaded file, as the manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    /// Unique within the submission; findings refer to it.
    pub id: String,
    /// A [`DocumentKind`] id. Kept as text so that an unknown kind becomes a finding.
    pub kind: String,
    /// Relative to the storage root; may never escape it.
    pub uri: String,
}

impl DocumentRef {
    /// The parsed kind, or `None` when the manifest names a kind docgate does not know.
    pub fn kind(&self) -> Option<DocumentKind> {
        DocumentKind::parse(&self.kind)
    }
}

/// The intake message body, and the file `docgate check` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The platform's id for this submission.
    pub submission_id: String,
    /// The profile (platform) whose rules apply; `default` when absent.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// What the business typed.
    #[serde(default)]
    pub form: Form,
    /// The uploads.
    pub documents: Vec<DocumentRef>,
}

fn default_profile() -> String {
    "default".to_string()
}

/// Why a manifest could not be accepted at all (as opposed to findings on its documents).
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON, or not the submission schema.
    #[error("manifest is not a valid submission: {0}")]
    Schema(String),
    /// The manifest breaks a rule the schema cannot express.
    #[error("manifest is invalid: {0}")]
    Invalid(String),
}

/// Caps on manifest shape, checked before any document is touched.
pub const MAX_DOCUMENTS: usize = 64;
/// Longest accepted id or uri, in bytes.
pub const MAX_FIELD_LEN: usize = 1024;

impl Submission {
    /// Parses and validates a manifest. Schema errors name the offending field and position.
    pub fn from_json(bytes: &[u8]) -> Result<Submission, ManifestError> {
        let sub: Submission =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Schema(e.to_string()))?;
        sub.validate()?;
        Ok(sub)
    }

    /// Shape checks that serde cannot express: ids non-empty and unique, caps on sizes.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let bad = |m: String| Err(ManifestError::Invalid(m));
        if self.submission_id.trim().is_empty() {
            return bad("submission_id is empty".into());
        }
        if self.submission_id.len() > MAX_FIELD_LEN {
            return bad("submission_id is too long".into());
        }
        if self.documents.is_empty() {
            return bad("documents is empty".into());
        }
        if self.documents.len() > MAX_DOCUMENTS {
            return bad(format!(
                "{} documents; at most {MAX_DOCUMENTS} are accepted",
                self.documents.len()
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, d) in self.documents.iter().enumerate() {
            if d.id.trim().is_empty() {
                return bad(format!("documents[{i}].id is empty"));
            }
            if d.id.len() > MAX_FIELD_LEN || d.uri.len() > MAX_FIELD_LEN {
                return bad(format!("documents[{i}]: id or uri is too long"));
            }
            if d.uri.trim().is_empty() {
                return bad(format!("documents[{i}].uri is empty"));
            }
            if !seen.insert(d.id.as_str()) {
                return bad(format!("documents[{i}].id {:?} is used twice", d.id));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "submission_id": "S-1", "profile": "1688",
      "form": {"company_name": "杭州示例科技有限公司", "credit_code": "91350100M000100Y43",
               "legal_rep_name": "张三", "legal_rep_id_number": "11010519491231002X",
               "taxpayer_type": "general"},
      "documents": [{"id": "lic", "kind": "business_license", "uri": "lic.jpg"},
                    {"id": "x", "kind": "passport", "uri": "p.jpg"}]}"#;

    #[test]
    fn parses_example_and_keeps_unknown_kind_as_text() {
        let s = Submission::from_json(EXAMPLE.as_bytes()).expect("valid");
        assert_eq!(s.profile, "1688");
        assert_eq!(s.documents[0].kind(), Some(DocumentKind::BusinessLicense));
        assert_eq!(s.documents[1].kind(), None);
        assert_eq!(s.form.taxpayer_type, Some(TaxpayerType::General));
    }

    #[test]
    fn rejects_unknown_form_field_by_name() {
        let j = r#"{"submission_id":"S","form":{"company":"x"},"documents":[{"id":"a","kind":"id_card_front","uri":"a.jpg"}]}"#;
        let e = Submission::from_json(j.as_bytes())
            .expect_err("unknown field")
            .to_string();
        assert!(e.contains("unknown field `company`"), "{e}");
    }

    #[test]
    fn rejects_missing_fields_and_duplicates() {
        assert!(Submission::from_json(br#"{"submission_id":"S"}"#).is_err());
        assert!(Submission::from_json(br#"{"submission_id":"S","documents":[]}"#).is_err());
        let dup = r#"{"submission_id":"S","documents":[{"id":"a","kind":"id_card_front","uri":"a.jpg"},{"id":"a","kind":"id_card_back","uri":"b.jpg"}]}"#;
        let e = Submission::from_json(dup.as_bytes())
            .expect_err("duplicate id")
            .to_string();
        assert!(e.contains("used twice"), "{e}");
    }

    #[test]
    fn every_kind_round_trips() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.as_str()), Some(k));
        }
    }
}
