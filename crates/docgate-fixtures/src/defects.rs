//! The defect catalogue: which rule each injected defect should fire, what it needs (documents,
//! profile), and the schedule that spreads defect kinds evenly over a generation.

use docgate_core::{DocumentKind, RuleId};

/// One kind of injected defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefectKind {
    /// Gaussian or motion blur beyond readability.
    Blur,
    /// One or more document corners outside the frame.
    Corners,
    /// Document short side below the profile minimum.
    Resolution,
    /// File above the profile's size limit (alibaba_intl, 2 MiB).
    FileSize,
    /// A format the profile does not accept (BMP, WebP).
    Format,
    /// A greyscale photocopy (sometimes with a red seal stamped on afterwards).
    Color,
    /// A saturated specular blob over the text.
    Glare,
    /// The licence has no registration seal.
    LicenseSeal,
    /// The authorization letter has no company seal.
    LetterSeal,
    /// The ID card has expired.
    IdExpiry,
    /// The licence's term has ended.
    LicenseTerm,
    /// A small-scale tax rate (3 % or 1 %).
    TaxRate,
    /// The invoice is older than 90 days.
    InvoiceDate,
    /// The form's credit code has a typo (checksum fails).
    FormCreditCode,
    /// The form's company name differs from the licence.
    MatchCompanyName,
    /// The form's credit code is another valid code.
    MatchCreditCode,
    /// The form's legal representative differs from the licence and ID card.
    MatchLegalRepName,
    /// The form's ID number is someone else's.
    MatchLegalRepId,
    /// The invoice was issued by another company.
    MatchInvoiceSeller,
    /// The bank account is in another name.
    MatchBankAccountName,
}

impl DefectKind {
    /// Every kind, in the schedule order: neighbours in this list are compatible with each
    /// other, since consecutive kinds are paired in one submission.
    pub const CYCLE: [DefectKind; 20] = [
        DefectKind::Blur,
        DefectKind::MatchCompanyName,
        DefectKind::Corners,
        DefectKind::TaxRate,
        DefectKind::Resolution,
        DefectKind::MatchLegalRepName,
        DefectKind::Color,
        DefectKind::InvoiceDate,
        DefectKind::Glare,
        DefectKind::FormCreditCode,
        DefectKind::LicenseSeal,
        DefectKind::MatchInvoiceSeller,
        DefectKind::FileSize,
        DefectKind::IdExpiry,
        DefectKind::Format,
        DefectKind::MatchBankAccountName,
        DefectKind::LetterSeal,
        DefectKind::MatchLegalRepId,
        DefectKind::LicenseTerm,
        DefectKind::MatchCreditCode,
    ];

    /// The rule the defect should fire.
    pub fn rule(self) -> RuleId {
        match self {
            DefectKind::Blur => RuleId::ImageBlur,
            DefectKind::Corners => RuleId::ImageCorners,
            DefectKind::Resolution => RuleId::ImageResolution,
            DefectKind::FileSize => RuleId::ImageFileSize,
            DefectKind::Format => RuleId::ImageFormat,
            DefectKind::Color => RuleId::ImageColor,
            DefectKind::Glare => RuleId::ImageGlare,
            DefectKind::LicenseSeal => RuleId::LicenseSeal,
            DefectKind::LetterSeal => RuleId::LetterSeal,
            DefectKind::IdExpiry => RuleId::IdExpiry,
            DefectKind::LicenseTerm => RuleId::LicenseTerm,
            DefectKind::TaxRate => RuleId::InvoiceTaxRate,
            DefectKind::InvoiceDate => RuleId::InvoiceDate,
            DefectKind::FormCreditCode => RuleId::FormCreditCode,
            DefectKind::MatchCompanyName => RuleId::MatchCompanyName,
            DefectKind::MatchCreditCode => RuleId::MatchCreditCode,
            DefectKind::MatchLegalRepName => RuleId::MatchLegalRepName,
            DefectKind::MatchLegalRepId => RuleId::MatchLegalRepIdNumber,
            DefectKind::MatchInvoiceSeller => RuleId::MatchInvoiceSeller,
            DefectKind::MatchBankAccountName => RuleId::MatchBankAccountName,
        }
    }

    /// Documents the defect needs in the submission.
    pub fn needs(self) -> &'static [DocumentKind] {
        use DocumentKind::*;
        match self {
            DefectKind::LetterSeal => &[AuthorizationLetter],
            DefectKind::IdExpiry => &[IdCardBack],
            DefectKind::TaxRate | DefectKind::InvoiceDate | DefectKind::MatchInvoiceSeller => {
                &[VatInvoice]
            }
            DefectKind::MatchLegalRepId => &[IdCardFront],
            DefectKind::MatchBankAccountName => &[BankPermit],
            _ => &[BusinessLicense],
        }
    }

    /// Whether the defect is drawn on an image (and so needs a raster document to target).
    pub fn is_image(self) -> bool {
        matches!(
            self,
            DefectKind::Blur
                | DefectKind::Corners
                | DefectKind::Resolution
                | DefectKind::FileSize
                | DefectKind::Format
                | DefectKind::Color
                | DefectKind::Glare
        )
    }
}

/// Which defects submission `i` of a generation gets. About 30 % of submissions are clean
/// (every 3rd, 6th and 9th of ten); the others take the next one or two kinds of the cycle,
/// so that 30 submissions cover every kind exactly twice.
pub fn schedule(count: usize, offset: usize) -> Vec<Vec<DefectKind>> {
    let mut out = Vec::with_capacity(count);
    let mut next = offset;
    let mut j = 0usize;
    for i in 0..count {
        if matches!(i % 10, 3 | 6 | 9) {
            out.push(Vec::new());
            continue;
        }
        let n = if j % 8 == 7 { 1 } else { 2 };
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(DefectKind::CYCLE[next % DefectKind::CYCLE.len()]);
            next += 1;
        }
        out.push(v);
        j += 1;
    }
    out
}
