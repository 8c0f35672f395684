//! One generation: plan each submission (profile, documents, defects, variations), render
//! and capture its documents, and write manifest, ground truth, files and the index.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use docgate_core::{
    Decision, Defect, DocumentKind, DocumentRef, Form, GroundTruth, Outcome, Personal, RuleId,
    Severity, Submission, TaxpayerType, Variation, Verdict,
};
use image::RgbImage;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::defects::{schedule, DefectKind};
use crate::docs::invoice::{Invoice, InvoiceKind};
use crate::docs::license::Layout;
use crate::docs::{self, Flat};
use crate::fonts::FontSet;
use crate::people::{self, Company};
use crate::photo::{self, Encoding, PhotoParams};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of the whole generation.
    pub seed: u64,
    /// Number of submissions.
    pub count: usize,
    /// Output folder.
    pub out: PathBuf,
    /// The date the submissions are judged at.
    pub as_of: NaiveDate,
    /// Generator revision (see [`REVISION`]); older ones stay reproducible byte for byte.
    pub revision: u32,
}

/// The current generator revision.
///
/// - 1: what wrote the committed `fixtures/small` (seed 7, 30 submissions). Downscales
///   sized the *frame*, so a "harmless" downscale or a format/size defect could leave the
///   document itself under the resolution minimum without a label.
/// - 2: downscales size the *document* (the quad's short side), a document that still ends
///   below the profile's minimum is labelled `image.resolution`, an oversize PNG is never
///   shrunk below it, and scans show the faint shadow line a flatbed leaves at the
///   paper's edge.
pub const REVISION: u32 = 2;

/// One line of `index.json`.
#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    /// Submission id (also its folder name).
    pub id: String,
    /// Profile named in the manifest.
    pub profile: String,
    /// What a careful reviewer decides.
    pub expected_decision: Decision,
    /// `rule@document` for every defect.
    pub defects: Vec<String>,
    /// Document ids and files.
    pub documents: Vec<String>,
}

/// Errors of a generation.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// No fonts.
    #[error(transparent)]
    Fonts(#[from] crate::fonts::FontError),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Encoding an image or PDF failed.
    #[error("cannot encode {0}")]
    Encode(String),
    /// The embedded pipeline config lacks a profile the generator uses.
    #[error("profile {0} is not in the embedded pipeline.toml")]
    Profile(String),
}

/// How a document reaches the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Scan,
    Photo,
    Pdf,
}

/// Image defects and harmless effects applied after capture.
#[derive(Debug, Clone)]
enum Effect {
    Gaussian(f32),
    Motion(u32, f32),
    Glare { strength: f32, frac: f32 },
    Copy { seal_after: bool },
    Downscale(u32),
}

struct DocPlan {
    id: &'static str,
    kind: DocumentKind,
    capture: Capture,
    encoding: Encoding,
    effects: Vec<Effect>,
    cut_corners: usize,
    cut_frac: f32,
    oversize: bool,
}

/// Ids used in manifests, one per kind.
fn doc_id(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::BusinessLicense => "lic",
        DocumentKind::IdCardFront => "idf",
        DocumentKind::IdCardBack => "idb",
        DocumentKind::VatInvoice => "inv",
        DocumentKind::AuthorizationLetter => "auth",
        DocumentKind::BankPermit => "bank",
    }
}

/// The profile's severity for a rule on a document kind (form rules: `kind = None`).
pub fn severity(
    profile: &str,
    kind: Option<DocumentKind>,
    rule: RuleId,
) -> Result<Severity, GenError> {
    let cfg = docgate_config::Config::embedded_default();
    let p = cfg
        .profile(profile)
        .ok_or_else(|| GenError::Profile(profile.to_string()))?;
    Ok(p.rules(kind).severity(rule))
}

/// Documents a profile requires (general taxpayer).
fn required(profile: &str) -> Result<Vec<DocumentKind>, GenError> {
    let cfg = docgate_config::Config::embedded_default();
    let p = cfg
        .profile(profile)
        .ok_or_else(|| GenError::Profile(profile.to_string()))?;
    let mut v = p.required_documents.clone();
    v.extend(p.required_if_general_taxpayer.iter().copied());
    Ok(v)
}

/// The profile's `image.resolution` minimums for a kind: short side (px) and megapixels.
fn resolution_min(profile: &str, kind: DocumentKind) -> Result<(u32, f64), GenError> {
    let cfg = docgate_config::Config::embedded_default();
    let p = cfg
        .profile(profile)
        .ok_or_else(|| GenError::Profile(profile.to_string()))?;
    let r = &p.rules(Some(kind)).image_resolution.params;
    Ok((r.min_short_side, r.min_megapixels))
}

fn min_short_side(kind: DocumentKind) -> u32 {
    // From pipeline.toml: 400 px for ID cards, 600 px otherwise. Used only to place
    // resolution defects and borderline variations well clear of the threshold.
    match kind {
        DocumentKind::IdCardFront | DocumentKind::IdCardBack => 400,
        _ => 600,
    }
}

fn pick_profile(defects: &[DefectKind], rng: &mut impl Rng) -> &'static str {
    if defects.contains(&DefectKind::FileSize) {
        return "alibaba_intl";
    }
    loop {
        let r: f64 = rng.gen();
        let p = if r < 0.32 {
            "1688"
        } else if r < 0.67 {
            "default"
        } else if r < 0.8 {
            "alibaba_intl"
        } else if r < 0.9 {
            "ec_public_service"
        } else {
            "single_window"
        };
        // A wrong company name on the form would also mismatch invoice and bank account,
        // which 1688 requires; keep that defect to one rule.
        if p == "1688" && defects.contains(&DefectKind::MatchCompanyName) {
            continue;
        }
        return p;
    }
}

/// Changes one character of a Chinese name to a look-alike-free different character.
fn one_char_off(s: &str, rng: &mut impl Rng) -> String {
    const SUBST: &[char] = &[
        '华', '瑞', '泰', '鑫', '达', '盛', '宏', '源', '伟', '明', '芳', '军', '杰', '涛',
    ];
    let chars: Vec<char> = s.chars().collect();
    // Only change a brand/given-name character, never the legal form suffix.
    let limit = chars.len().min(if chars.len() > 6 {
        chars.len() - 4
    } else {
        chars.len()
    });
    let start = if chars.len() > 6 {
        2
    } else {
        1.min(chars.len() - 1)
    };
    loop {
        let pos = rng.gen_range(start..limit.max(start + 1));
        let c = *SUBST.choose(rng).unwrap_or(&'华');
        if chars[pos] != c && !chars[pos].is_ascii() && !"（）()".contains(chars[pos]) {
            let mut v = chars.clone();
            v[pos] = c;
            return v.into_iter().collect();
        }
    }
}

/// A credit code with one character changed so that the checksum fails.
fn code_typo(code: &str, avoid_org: bool, rng: &mut impl Rng) -> String {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let chars: Vec<char> = code.chars().collect();
    loop {
        let pos = if avoid_org {
            *[2usize, 3, 4, 5, 6, 7, 17].choose(rng).unwrap_or(&17)
        } else {
            rng.gen_range(2..18)
        };
        let mut v = chars.clone();
        v[pos] = ALNUM[rng.gen_range(0..ALNUM.len())] as char;
        let s: String = v.into_iter().collect();
        if s != code && !docgate_codes::credit::is_valid(&s) {
            return s;
        }
    }
}

struct Built {
    submission: Submission,
    truth: GroundTruth,
    files: Vec<(String, Vec<u8>)>,
}

/// Generates `opts.count` submissions into `opts.out`.
pub fn generate(opts: &Options) -> Result<Vec<IndexEntry>, GenError> {
    let fonts = FontSet::discover()?;
    let plan = schedule(opts.count, (opts.seed % 20) as usize);
    let io = |path: &Path, source| GenError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(&opts.out).map_err(|e| io(&opts.out, e))?;
    let mut index = Vec::new();
    for (i, defects) in plan.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(
            opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64 + 1),
        );
        let id = format!("FX{}-{:04}", opts.seed, i + 1);
        let built = build(&id, defects, &fonts, opts.as_of, opts.revision, &mut rng)?;
        let dir = opts.out.join(&id);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| io(&dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        for (name, bytes) in &built.files {
            let p = dir.join(name);
            std::fs::write(&p, bytes).map_err(|e| io(&p, e))?;
        }
        let write_json = |name: &str, v: &dyn erased::Json| -> Result<(), GenError> {
            let p = dir.join(name);
            let mut s = v.to_json();
            s.push('\n');
            std::fs::write(&p, s).map_err(|e| io(&p, e))
        };
        write_json("submission.json", &built.submission)?;
        write_json("truth.json", &built.truth)?;
        index.push(IndexEntry {
            id: id.clone(),
            profile: built.submission.profile.clone(),
            expected_decision: built.truth.expected_decision,
            defects: built
                .truth
                .defects
                .iter()
                .map(|d| format!("{}@{}", d.rule, d.document.as_deref().unwrap_or("form")))
                .collect(),
            documents: built
                .submission
                .documents
                .iter()
                .map(|d| d.uri.clone())
                .collect(),
        });
    }
    let p = opts.out.join("index.json");
    let s = serde_json::to_string_pretty(&index).unwrap_or_default() + "\n";
    std::fs::write(&p, s).map_err(|e| io(&p, e))?;
    Ok(index)
}

mod erased {
    /// Pretty JSON of any serialisable value, object-safe.
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default()
        }
    }
}

fn build(
    id: &str,
    defects: &[DefectKind],
    fonts: &FontSet,
    as_of: NaiveDate,
    revision: u32,
    rng: &mut ChaCha8Rng,
) -> Result<Built, GenError> {
    let has = |k: DefectKind| defects.contains(&k);
    let profile = pick_profile(defects, rng);
    let layout = if !has(DefectKind::FormCreditCode)
        && !has(DefectKind::MatchCreditCode)
        && profile != "single_window"
        && rng.gen_bool(0.2)
    {
        Layout::Old
    } else {
        Layout::Current
    };
    let company = people::company(
        rng,
        as_of,
        has(DefectKind::LicenseTerm),
        has(DefectKind::IdExpiry),
        layout == Layout::Old,
    );
    let mut truth_defects: Vec<(Defect, Verdict)> = Vec::new();
    let mut variations: Vec<Variation> = Vec::new();
    let defect = |rule: RuleId, doc: Option<&str>, label: String, level: f64| Defect {
        rule,
        document: doc.map(str::to_string),
        label,
        level: (level.clamp(0.0, 1.0) * 100.0).round() / 100.0,
    };

    // Documents: required by the profile, needed by the defects, plus optional extras.
    let mut kinds: Vec<DocumentKind> = required(profile)?;
    for d in defects {
        kinds.extend_from_slice(d.needs());
    }
    for k in [
        DocumentKind::IdCardFront,
        DocumentKind::VatInvoice,
        DocumentKind::AuthorizationLetter,
        DocumentKind::BankPermit,
    ] {
        let p = if profile == "alibaba_intl" { 0.1 } else { 0.15 };
        if rng.gen_bool(p)
            && !(has(DefectKind::MatchCompanyName)
                && matches!(k, DocumentKind::VatInvoice | DocumentKind::BankPermit))
        {
            kinds.push(k);
        }
    }
    if kinds.contains(&DocumentKind::IdCardFront) || kinds.contains(&DocumentKind::IdCardBack) {
        kinds.push(DocumentKind::IdCardFront);
        kinds.push(DocumentKind::IdCardBack);
    }

    // Image defects each take a different document where possible.
    let mut plans: BTreeMap<DocumentKind, DocPlan> = BTreeMap::new();
    let mut image_targets: BTreeMap<DefectKind, DocumentKind> = BTreeMap::new();
    for d in defects.iter().filter(|d| d.is_image()) {
        use DocumentKind::*;
        let cands: &[DocumentKind] = match d {
            DefectKind::FileSize | DefectKind::Format => &[BusinessLicense],
            DefectKind::Color => &[BusinessLicense, IdCardFront, BankPermit],
            DefectKind::Glare | DefectKind::Corners => {
                &[IdCardFront, IdCardBack, BusinessLicense, BankPermit]
            }
            _ => &[
                BusinessLicense,
                IdCardFront,
                IdCardBack,
                BankPermit,
                AuthorizationLetter,
                VatInvoice,
            ],
        };
        let used: Vec<DocumentKind> = image_targets.values().copied().collect();
        let mut free: Vec<DocumentKind> = cands
            .iter()
            .copied()
            .filter(|k| kinds.contains(k) && !used.contains(k))
            .collect();
        if free.is_empty() {
            free = cands
                .iter()
                .copied()
                .filter(|k| !used.contains(k))
                .collect();
        }
        if free.is_empty() {
            free = vec![cands[0]];
        }
        let k = *free.choose(rng).unwrap_or(&cands[0]);
        if matches!(k, IdCardFront | IdCardBack) {
            kinds.push(IdCardFront);
            kinds.push(IdCardBack);
        }
        kinds.push(k);
        image_targets.insert(*d, k);
    }
    kinds.sort();
    kinds.dedup();

    let invoice_kind = if rng.gen_bool(0.5) {
        InvoiceKind::Paper
    } else {
        InvoiceKind::Digital
    };
    for &k in &kinds {
        let capture = match k {
            DocumentKind::IdCardFront | DocumentKind::IdCardBack => Capture::Photo,
            DocumentKind::VatInvoice
                if invoice_kind == InvoiceKind::Digital && rng.gen_bool(0.7) =>
            {
                Capture::Pdf
            }
            DocumentKind::VatInvoice => Capture::Scan,
            _ if rng.gen_bool(0.5) => Capture::Photo,
            _ => Capture::Scan,
        };
        let q = rng.gen_range(75..=85);
        plans.insert(
            k,
            DocPlan {
                id: doc_id(k),
                kind: k,
                capture,
                encoding: Encoding::Jpeg(q),
                effects: Vec::new(),
                cut_corners: 0,
                cut_frac: 0.0,
                oversize: false,
            },
        );
    }
    // An image defect never targets a born-digital PDF.
    for k in image_targets.values() {
        if let Some(p) = plans.get_mut(k) {
            if p.capture == Capture::Pdf {
                p.capture = Capture::Scan;
            }
        }
    }

    for (d, k) in &image_targets {
        let Some(p) = plans.get_mut(k) else { continue };
        let doc = Some(p.id);
        match d {
            DefectKind::Blur => {
                if rng.gen_bool(0.6) {
                    let sigma: f32 = rng.gen_range(2.2..5.5);
                    p.effects.push(Effect::Gaussian(sigma));
                    truth_defects.push((
                        defect(
                            RuleId::ImageBlur,
                            doc,
                            format!("gaussian blur sigma={sigma:.1}"),
                            (sigma as f64 - 2.0) / 3.5,
                        ),
                        Verdict::Violated,
                    ));
                } else {
                    let len = rng.gen_range(12..40u32);
                    let angle: f32 = rng.gen_range(0.0..180.0);
                    p.effects.push(Effect::Motion(len, angle));
                    truth_defects.push((
                        defect(
                            RuleId::ImageBlur,
                            doc,
                            format!("motion blur length={len}px angle={angle:.0}deg"),
                            (len as f64 - 10.0) / 30.0,
                        ),
                        Verdict::Violated,
                    ));
                }
            }
            DefectKind::Corners => {
                p.capture = Capture::Photo;
                // One corner barely out, one side's two corners out, or too close (all cut).
                p.cut_corners = *[1usize, 1, 2, 4].choose(rng).unwrap_or(&1);
                p.cut_frac = rng.gen_range(0.01..0.08);
                truth_defects.push((
                    defect(
                        RuleId::ImageCorners,
                        doc,
                        format!(
                            "{} corner(s) outside the frame by {:.1}% of the frame",
                            p.cut_corners,
                            p.cut_frac * 100.0
                        ),
                        p.cut_frac as f64 * 10.0 + 0.2 * (p.cut_corners as f64 - 1.0),
                    ),
                    Verdict::Violated,
                ));
            }
            DefectKind::Resolution => {
                let min = min_short_side(*k);
                let short = (min as f32 * rng.gen_range(0.45..0.9)) as u32;
                p.effects.push(Effect::Downscale(short));
                // Revision 2 sizes the document, not the frame; the label says which.
                let what = if revision >= 2 { "document " } else { "" };
                truth_defects.push((
                    defect(
                        RuleId::ImageResolution,
                        doc,
                        format!("{what}downscaled to short side {short}px (minimum {min}px)"),
                        1.0 - short as f64 / min as f64,
                    ),
                    Verdict::Violated,
                ));
            }
            DefectKind::FileSize => {
                p.oversize = true;
                p.encoding = Encoding::Png;
                truth_defects.push((
                    defect(
                        RuleId::ImageFileSize,
                        doc,
                        "PNG above 2 MiB (alibaba_intl limit 2097152 bytes)".into(),
                        0.5,
                    ),
                    Verdict::Violated,
                ));
            }
            DefectKind::Format => {
                p.encoding = *[Encoding::Bmp, Encoding::WebP, Encoding::WebP, Encoding::Gif]
                    .choose(rng)
                    .unwrap_or(&Encoding::WebP);
                // Lossless formats are big; keep the document just above the resolution
                // minimum so that only the format is wrong (revision 1 sized the frame, and
                // scan padding could still take the document under it).
                let short = rng.gen_range(645..700u32);
                p.effects.push(Effect::Downscale(short));
                p.capture = Capture::Scan;
                truth_defects.push((
                    defect(
                        RuleId::ImageFormat,
                        doc,
                        format!("uploaded as {}", p.encoding.ext().to_uppercase()),
                        1.0,
                    ),
                    Verdict::Violated,
                ));
            }
            DefectKind::Color => {
                p.capture = Capture::Scan;
                let seal_after = *k != DocumentKind::IdCardFront && rng.gen_bool(0.5);
                p.effects.push(Effect::Copy { seal_after });
                let label = if seal_after {
                    "greyscale photocopy with a red company seal stamped on the copy afterwards"
                } else {
                    "greyscale photocopy (desaturated, contrast crushed, toner noise)"
                };
                truth_defects.push((
                    defect(RuleId::ImageColor, doc, label.into(), 1.0),
                    Verdict::Violated,
                ));
            }
            DefectKind::Glare => {
                p.capture = Capture::Photo;
                let frac: f32 = rng.gen_range(0.07..0.25);
                let strength: f32 = rng.gen_range(1.6..3.5);
                p.effects.push(Effect::Glare { strength, frac });
                truth_defects.push((defect(RuleId::ImageGlare, doc, format!("specular glare saturating ~{:.0}% of the document (strength {strength:.1})", frac * 100.0), frac as f64 * 4.0), Verdict::Violated));
            }
            _ => {}
        }
    }

    // Content defects.
    let lic_seal = !has(DefectKind::LicenseSeal);
    let letter_seal = !has(DefectKind::LetterSeal);
    if !lic_seal {
        truth_defects.push((
            defect(
                RuleId::LicenseSeal,
                Some("lic"),
                "registration authority seal missing".into(),
                1.0,
            ),
            Verdict::Violated,
        ));
    }
    if !letter_seal {
        truth_defects.push((
            defect(
                RuleId::LetterSeal,
                Some("auth"),
                "company seal missing from the authorization letter".into(),
                1.0,
            ),
            Verdict::Violated,
        ));
    }
    if has(DefectKind::LicenseTerm) {
        let end = company.term_end.unwrap_or(as_of);
        let days = (as_of - end).num_days();
        truth_defects.push((
            defect(
                RuleId::LicenseTerm,
                Some("lic"),
                format!("licence term ended {end}, {days} days before as-of"),
                days as f64 / 365.0,
            ),
            Verdict::Violated,
        ));
    }
    if has(DefectKind::IdExpiry) {
        let end = company.rep.valid_to.unwrap_or(as_of);
        let days = (as_of - end).num_days();
        truth_defects.push((
            defect(
                RuleId::IdExpiry,
                Some("idb"),
                format!("ID card expired {end}, {days} days before as-of"),
                days as f64 / 365.0,
            ),
            Verdict::Violated,
        ));
    }

    // The invoice.
    let buyer = people::company(rng, as_of, false, false, false);
    let rate = if has(DefectKind::TaxRate) {
        *[3u32, 3, 1].choose(rng).unwrap_or(&3)
    } else {
        *[13u32, 13, 9, 6].choose(rng).unwrap_or(&13)
    };
    if has(DefectKind::TaxRate) {
        truth_defects.push((
            defect(
                RuleId::InvoiceTaxRate,
                Some("inv"),
                format!("small-scale tax rate {rate}%"),
                1.0,
            ),
            Verdict::Violated,
        ));
    }
    let age = if has(DefectKind::InvoiceDate) {
        let a = rng.gen_range(95..420i64);
        truth_defects.push((
            defect(
                RuleId::InvoiceDate,
                Some("inv"),
                format!("issued {a} days before as-of (window 90)"),
                (a as f64 - 90.0) / 300.0,
            ),
            Verdict::Violated,
        ));
        a
    } else if kinds.contains(&DocumentKind::VatInvoice) && rng.gen_bool(0.2) {
        let a = rng.gen_range(80..=88i64);
        variations.push(Variation {
            document: Some("inv".into()),
            label: format!("invoice {a} days old, inside the 90-day window"),
        });
        a
    } else {
        rng.gen_range(3..75i64)
    };
    let (seller_name, seller_tax) = if has(DefectKind::MatchInvoiceSeller) {
        let other = people::company(rng, as_of, false, false, false);
        truth_defects.push((
            defect(
                RuleId::MatchInvoiceSeller,
                Some("inv"),
                "invoice issued by another company (the company is not the seller)".into(),
                1.0,
            ),
            Verdict::Violated,
        ));
        (other.name, other.credit_code)
    } else {
        (company.name.clone(), company.credit_code.clone())
    };
    let invoice = Invoice::random(
        rng,
        invoice_kind,
        as_of - chrono::Duration::days(age),
        (&seller_name, &seller_tax),
        (&buyer.name, &buyer.credit_code),
        rate,
    );

    // The bank account.
    let account_name = if has(DefectKind::MatchBankAccountName) {
        let other = if rng.gen_bool(0.5) {
            company.rep.name.clone()
        } else {
            people::company(rng, as_of, false, false, false).name
        };
        truth_defects.push((
            defect(
                RuleId::MatchBankAccountName,
                Some("bank"),
                "account held in another name".into(),
                1.0,
            ),
            Verdict::Violated,
        ));
        other
    } else {
        company.name.clone()
    };

    // The form: the truth, then the mismatches.
    let code_on_licence = if layout == Layout::Old {
        company.registration_number.clone()
    } else {
        company.credit_code.clone()
    };
    let mut form = Form {
        company_name: Some(company.name.clone()),
        credit_code: Some(code_on_licence.clone()),
        organization_code: None,
        legal_rep_name: Some(Personal::new(company.rep.name.clone())),
        legal_rep_id_number: Some(Personal::new(company.rep.id_number.clone())),
        taxpayer_type: Some(TaxpayerType::General),
        bank_account_name: kinds
            .contains(&DocumentKind::BankPermit)
            .then(|| company.name.clone()),
        bank_account_number: None,
    };
    if has(DefectKind::FormCreditCode) {
        let typo = code_typo(&company.credit_code, profile == "single_window", rng);
        truth_defects.push((
            defect(
                RuleId::FormCreditCode,
                None,
                "form credit code has one wrong character (check character fails)".into(),
                0.5,
            ),
            Verdict::Violated,
        ));
        // A careful reviewer also sees the form disagree with the licence, by one character.
        truth_defects.push((
            defect(
                RuleId::MatchCreditCode,
                Some("lic"),
                "form credit code one character off the licence (consequence of the form typo)"
                    .into(),
                0.1,
            ),
            Verdict::Uncertain,
        ));
        form.credit_code = Some(typo);
    }
    if has(DefectKind::MatchCreditCode) {
        let division = &company.credit_code[2..8];
        let other = people::credit_code(rng, division, false);
        truth_defects.push((
            defect(
                RuleId::MatchCreditCode,
                Some("lic"),
                "form credit code is a different valid code".into(),
                1.0,
            ),
            Verdict::Violated,
        ));
        form.credit_code = Some(other);
    }
    if profile == "single_window" {
        form.organization_code = form
            .credit_code
            .as_ref()
            .and_then(|c| c.get(8..17))
            .map(str::to_string);
    }
    if has(DefectKind::MatchCompanyName) {
        let near = rng.gen_bool(0.5)
            || !(company.name.ends_with("有限公司") || company.name.ends_with("有限责任公司"));
        let (name, label, verdict, level) = if near {
            (
                one_char_off(&company.name, rng),
                "form company name one character different (OCR-slip-like)",
                Verdict::Uncertain,
                0.2,
            )
        } else if company.name.ends_with("有限责任公司") {
            (
                company.name.replace("有限责任公司", "有限公司"),
                "form says 有限公司, licence says 有限责任公司 (a different legal name)",
                Verdict::Violated,
                0.6,
            )
        } else {
            (
                format!("{}有限责任公司", company.name.trim_end_matches("有限公司")),
                "form says 有限责任公司, licence says 有限公司 (a different legal name)",
                Verdict::Violated,
                0.6,
            )
        };
        for k in [
            DocumentKind::BusinessLicense,
            DocumentKind::AuthorizationLetter,
        ] {
            if kinds.contains(&k) {
                truth_defects.push((
                    defect(
                        RuleId::MatchCompanyName,
                        Some(doc_id(k)),
                        label.into(),
                        level,
                    ),
                    verdict,
                ));
            }
        }
        form.company_name = Some(name);
    }
    if has(DefectKind::MatchLegalRepName) {
        let near = rng.gen_bool(0.5);
        let real = &company.rep.name;
        let name = if near {
            one_char_off(real, rng)
        } else {
            loop {
                let n = people::person_name(rng);
                if n.chars().zip(real.chars()).all(|(a, b)| a != b) {
                    break n;
                }
            }
        };
        let (label, verdict, level) = if near {
            (
                "form legal representative one character different (OCR-slip-like)",
                Verdict::Uncertain,
                0.2,
            )
        } else {
            (
                "form legal representative is a different person",
                Verdict::Violated,
                1.0,
            )
        };
        for k in [DocumentKind::BusinessLicense, DocumentKind::IdCardFront] {
            if kinds.contains(&k) {
                truth_defects.push((
                    defect(
                        RuleId::MatchLegalRepName,
                        Some(doc_id(k)),
                        label.into(),
                        level,
                    ),
                    verdict,
                ));
            }
        }
        form.legal_rep_name = Some(Personal::new(name));
    }
    if has(DefectKind::MatchLegalRepId) {
        let other = people::person(rng, as_of, false);
        truth_defects.push((
            defect(
                RuleId::MatchLegalRepIdNumber,
                Some("idf"),
                "form ID number belongs to another person (valid checksum)".into(),
                1.0,
            ),
            Verdict::Violated,
        ));
        form.legal_rep_id_number = Some(Personal::new(other.id_number));
    }

    // Harmless form variations.
    if let Some(name) = form.company_name.clone() {
        if !has(DefectKind::MatchCompanyName) {
            if name.contains('（') && rng.gen_bool(0.7) {
                form.company_name = Some(name.replace('（', "(").replace('）', ")"));
                variations.push(Variation {
                    document: None,
                    label: "form company name uses half-width brackets ()".into(),
                });
            } else if rng.gen_bool(0.15) {
                let mut c: Vec<char> = name.chars().collect();
                let pos = rng.gen_range(1..c.len());
                c.insert(pos, ' ');
                form.company_name = Some(format!("{} ", c.into_iter().collect::<String>()));
                variations.push(Variation {
                    document: None,
                    label: "form company name has extra spaces".into(),
                });
            }
        }
    }

    // Harmless image variations, on documents without an image defect.
    let targeted: Vec<DocumentKind> = image_targets.values().copied().collect();
    for p in plans
        .values_mut()
        .filter(|p| !targeted.contains(&p.kind) && p.capture != Capture::Pdf)
    {
        let r: f64 = rng.gen();
        let doc = Some(p.id.to_string());
        if r < 0.12 {
            let sigma: f32 = rng.gen_range(0.7..1.2);
            p.effects.push(Effect::Gaussian(sigma));
            variations.push(Variation {
                document: doc,
                label: format!("mild gaussian blur sigma={sigma:.1}"),
            });
        } else if r < 0.2 {
            let q = rng.gen_range(62..72u8);
            p.encoding = Encoding::Jpeg(q);
            variations.push(Variation {
                document: doc,
                label: format!("JPEG quality {q}"),
            });
        } else if r < 0.27 && p.capture == Capture::Scan && p.kind == DocumentKind::BusinessLicense
        {
            let min = min_short_side(p.kind);
            let short = (min as f32 * rng.gen_range(1.12..1.25)) as u32;
            p.effects.push(Effect::Downscale(short));
            variations.push(Variation {
                document: doc,
                label: format!(
                    "{}downscaled to short side {short}px, above the {min}px minimum",
                    if revision >= 2 { "document " } else { "" }
                ),
            });
        } else if r < 0.34 && p.capture == Capture::Photo {
            let strength: f32 = rng.gen_range(0.25..0.5);
            p.effects.push(Effect::Glare {
                strength,
                frac: 0.05,
            });
            variations.push(Variation {
                document: doc,
                label: format!("soft unsaturated light reflection strength {strength:.2}"),
            });
        }
    }

    // Render, capture, encode.
    let mut files = Vec::new();
    let mut documents = Vec::new();
    let mut fields = BTreeMap::new();
    let platform = match profile {
        "1688" => "阿里巴巴1688平台",
        "alibaba_intl" => "阿里巴巴国际站",
        "ec_public_service" => "全国电子商务公共服务网",
        "single_window" => "中国国际贸易单一窗口",
        _ => "平台运营方",
    };
    for p in plans.values() {
        let flat: Flat = match p.kind {
            DocumentKind::BusinessLicense => {
                docs::license::render(&company, as_of, layout, lic_seal, fonts, rng)
            }
            DocumentKind::IdCardFront => docs::id_card::front(&company.rep, fonts, rng),
            DocumentKind::IdCardBack => docs::id_card::back(&company.rep, fonts, rng),
            DocumentKind::VatInvoice => docs::invoice::render(&invoice, fonts, rng),
            DocumentKind::AuthorizationLetter => docs::letter::render(
                &company,
                platform,
                as_of - chrono::Duration::days(rng.gen_range(1..30)),
                letter_seal,
                fonts,
                rng,
            ),
            DocumentKind::BankPermit => docs::bank::render(
                &company,
                &account_name,
                company.established + chrono::Duration::days(rng.gen_range(10..200)),
                fonts,
                rng,
            ),
        };
        fields.insert(p.id.to_string(), flat.fields.clone());
        let (name, bytes) = if p.capture == Capture::Pdf {
            let b = docs::pdf::write(&invoice)
                .map_err(|e| GenError::Encode(format!("{id}/{}.pdf: {e}", p.id)))?;
            variations.push(Variation {
                document: Some(p.id.into()),
                label: "born-digital PDF with a text layer".into(),
            });
            (format!("{}.pdf", p.id), b)
        } else {
            let mut corners_out = None;
            let (img, mut doc_short) = capture(
                p,
                &flat,
                &company,
                fonts,
                &mut variations,
                &mut corners_out,
                revision,
                rng,
            );
            // Label the corner defect with what the photo really shows.
            if let (Some(n), true) = (corners_out, p.cut_corners > 0) {
                for (d, _) in truth_defects.iter_mut() {
                    if d.rule == RuleId::ImageCorners && d.document.as_deref() == Some(p.id) {
                        d.label = format!(
                            "{n} corner(s) outside the frame, by up to {:.1}% of the frame",
                            p.cut_frac * 100.0
                        );
                    }
                }
            }
            let mut bytes = photo::encode(&img, p.encoding)
                .map_err(|e| GenError::Encode(format!("{id}/{}: {e}", p.id)))?;
            let (min_short, min_mp) = resolution_min(profile, p.kind)?;
            if p.oversize {
                // Revision 2: never shrink the document below the resolution minimum (with
                // a 10 % margin), so the size defect stays a size defect only.
                let floor = if revision >= 2 {
                    f64::from(min_short) * 1.1 / f64::from(doc_short.max(1.0))
                } else {
                    0.0
                };
                let (b, scale) = oversize_png(&img, floor, rng)
                    .map_err(|e| GenError::Encode(format!("{id}/{}: {e}", p.id)))?;
                bytes = b;
                doc_short *= scale as f32;
            }
            // Whatever made it small, a document under the minimum is a resolution defect:
            // the label says what the rule means (the document's pixels, not the frame's).
            let flat_aspect = flat.image.width().max(flat.image.height()) as f32
                / flat.image.width().min(flat.image.height()).max(1) as f32;
            let doc_mp = f64::from(doc_short) * f64::from(doc_short * flat_aspect) / 1e6;
            let labelled = truth_defects.iter().any(|(d, _)| {
                d.rule == RuleId::ImageResolution && d.document.as_deref() == Some(p.id)
            });
            if revision >= 2 && !labelled && (doc_short < min_short as f32 || doc_mp < min_mp) {
                truth_defects.push((
                    defect(
                        RuleId::ImageResolution,
                        Some(p.id),
                        format!(
                            "document short side {doc_short:.0}px, {doc_mp:.2} MP (minimum {min_short}px, {min_mp} MP)"
                        ),
                        1.0 - f64::from(doc_short) / f64::from(min_short),
                    ),
                    Verdict::Violated,
                ));
            }
            (format!("{}.{}", p.id, p.encoding.ext()), bytes)
        };
        // Likewise a file over the profile's size limit is a size defect, whatever made it
        // big (a BMP for a format defect can be).
        let max_bytes = docgate_config::Config::embedded_default()
            .profile(profile)
            .map(|pr| pr.rules(Some(p.kind)).image_file_size.params.max_bytes);
        let size_labelled = truth_defects
            .iter()
            .any(|(d, _)| d.rule == RuleId::ImageFileSize && d.document.as_deref() == Some(p.id));
        if let (true, false, Some(max)) = (revision >= 2, size_labelled, max_bytes) {
            if bytes.len() as u64 > max {
                truth_defects.push((
                    defect(
                        RuleId::ImageFileSize,
                        Some(p.id),
                        format!("{} bytes, above the {max}-byte limit", bytes.len()),
                        0.5,
                    ),
                    Verdict::Violated,
                ));
            }
        }
        documents.push(DocumentRef {
            id: p.id.to_string(),
            kind: p.kind.as_str().to_string(),
            uri: name.clone(),
        });
        files.push((name, bytes));
    }

    // Expected decision: the worst outcome of the defects under the profile's severities.
    let mut worst = Outcome::Pass;
    for (d, verdict) in &truth_defects {
        let kind = d
            .document
            .as_deref()
            .and_then(|doc| documents.iter().find(|r| r.id == doc))
            .and_then(|r| r.kind());
        let sev = severity(profile, kind, d.rule)?;
        if let Some(o) = verdict.outcome(sev) {
            worst = worst.max(o);
        }
    }
    let expected_decision = match worst {
        Outcome::Fail => Decision::Fail,
        Outcome::Review => Decision::Review,
        _ => Decision::Pass,
    };
    let submission = Submission {
        submission_id: id.to_string(),
        profile: profile.to_string(),
        form,
        documents,
    };
    let truth = GroundTruth {
        submission_id: id.to_string(),
        expected_decision,
        as_of,
        defects: truth_defects.into_iter().map(|(d, _)| d).collect(),
        variations,
        fields,
    };
    Ok(Built {
        submission,
        truth,
        files,
    })
}

/// Photographs or scans the flat document and applies the plan's effects. Returns the image
/// and the document's short side in it (pixels), which is what `image.resolution` judges.
#[allow(clippy::too_many_arguments)]
fn capture(
    p: &DocPlan,
    flat: &Flat,
    company: &Company,
    fonts: &FontSet,
    variations: &mut Vec<Variation>,
    corners_out: &mut Option<usize>,
    revision: u32,
    rng: &mut ChaCha8Rng,
) -> (RgbImage, f32) {
    let doc_id = Some(p.id.to_string());
    let mut flat_img = flat.image.clone();
    let mut copy_seal = false;
    for e in &p.effects {
        if let Effect::Copy { seal_after } = e {
            // The copy is made of the flat original, then scanned.
            flat_img = photo::photocopy(&flat_img, rng);
            copy_seal = *seal_after;
        }
    }
    if copy_seal {
        let (w, h) = flat_img.dimensions();
        let font = fonts.pick(rng, Some(crate::fonts::Style::Sans));
        let r = w.min(h) as f32 * rng.gen_range(0.1..0.14);
        draw_seal_on_copy(
            &mut flat_img,
            font,
            r,
            &company.name,
            w as f32 * rng.gen_range(0.55..0.75),
            h as f32 * rng.gen_range(0.55..0.8),
            rng,
        );
    }
    // A scan keeps the flat page's pixel size (skew rotates it in place).
    let mut doc_short = flat_img.width().min(flat_img.height()) as f32;
    let mut img = match p.capture {
        Capture::Photo => {
            let landscape = flat_img.width() >= flat_img.height();
            let big = p.kind == DocumentKind::BusinessLicense
                || p.kind == DocumentKind::AuthorizationLetter;
            let (a, b) = if big { (1700, 1275) } else { (1600, 1200) };
            let frame = if landscape { (a, b) } else { (b, a) };
            let rotation = rng.gen_range(-6.0..6.0f32);
            let light = rng.gen_range(0.1..0.35f32);
            let params = PhotoParams {
                frame,
                fill: rng.gen_range(0.62..0.86),
                rotation,
                perspective: rng.gen_range(0.0..0.06),
                cut_corners: p.cut_corners,
                cut_px: p.cut_frac * frame.0.min(frame.1) as f32,
                light,
            };
            let ph = photo::photograph(&flat_img, flat.corner_radius, &params, rng);
            variations.push(Variation {
                document: doc_id.clone(),
                label: format!(
                    "phone photo on {}, tilt {rotation:.1}deg, lighting gradient {light:.2}",
                    ph.background
                ),
            });
            *corners_out = Some(ph.corners_outside);
            doc_short = quad_short(&ph.quad);
            let mut img = ph.image;
            // Phones rarely focus perfectly.
            let defocus = rng.gen_range(0.3..0.8);
            img = photo::gaussian(&img, defocus);
            img
        }
        _ => {
            let skew = rng.gen_range(-1.2..1.2f32);
            if skew.abs() > 0.5 {
                variations.push(Variation {
                    document: doc_id.clone(),
                    label: format!("scan skewed {skew:.1}deg"),
                });
            }
            if revision >= 2 {
                photo::scan_with_edge(&flat_img, skew, rng)
            } else {
                photo::scan(&flat_img, skew, rng)
            }
        }
    };
    for e in &p.effects {
        match *e {
            Effect::Gaussian(s) => img = photo::gaussian(&img, s),
            Effect::Motion(len, angle) => img = photo::motion(&img, len, angle),
            Effect::Glare { strength, frac } => {
                let (w, h) = img.dimensions();
                let area = w as f32 * h as f32 * 0.45 * frac;
                let elong = rng.gen_range(1.0..2.2f32);
                let core = (strength / 0.95f32).ln().max(0.3);
                let r = (area / (std::f32::consts::PI * elong * core)).sqrt();
                let cx = w as f32 * rng.gen_range(0.35..0.65);
                let cy = h as f32 * rng.gen_range(0.35..0.65);
                photo::glare(&mut img, cx, cy, r, strength, elong);
            }
            Effect::Downscale(short) => {
                let frame_short = img.width().min(img.height()) as f32;
                // Revision 1 sized the frame; the rule judges the document.
                let target = if revision >= 2 {
                    (frame_short * short as f32 / doc_short.max(1.0)).round() as u32
                } else {
                    short
                };
                img = photo::downscale_short(&img, target);
                doc_short *= img.width().min(img.height()) as f32 / frame_short;
            }
            Effect::Copy { .. } => {}
        }
    }
    (img, doc_short)
}

/// Short side of a document quadrilateral (TL, TR, BR, BL): the mean of its two shorter
/// opposite sides, as the vision measurement reports it.
fn quad_short(q: &[(f32, f32); 4]) -> f32 {
    let d = |a: usize, b: usize| ((q[a].0 - q[b].0).powi(2) + (q[a].1 - q[b].1).powi(2)).sqrt();
    let w = (d(0, 1) + d(3, 2)) / 2.0;
    let h = (d(0, 3) + d(1, 2)) / 2.0;
    w.min(h)
}

fn draw_seal_on_copy(
    img: &mut RgbImage,
    font: &crate::fonts::Face,
    r: f32,
    name: &str,
    cx: f32,
    cy: f32,
    rng: &mut ChaCha8Rng,
) {
    crate::draw::seal(img, &font.font, cx, cy, r, name, "", rng);
}

/// A PNG between about 2.1 and 3.5 MiB: the image is rescaled until it lands there, so the
/// oversize fixture stays small in the repository. It is never shrunk below `floor` times
/// its original size (then it is simply larger). Returns the bytes and the final scale.
fn oversize_png(
    img: &RgbImage,
    floor: f64,
    rng: &mut ChaCha8Rng,
) -> Result<(Vec<u8>, f64), image::ImageError> {
    let limit = 2_097_152f64;
    let w0 = f64::from(img.width().max(1));
    let mut cur = img.clone();
    let scale = |c: &RgbImage| f64::from(c.width()) / w0;
    for _ in 0..6 {
        let b = photo::encode(&cur, Encoding::Png)?;
        let n = b.len() as f64;
        if n > limit * 1.03 && n < limit * 1.15 {
            return Ok((b, scale(&cur)));
        }
        let target = limit * rng.gen_range(1.05..1.1);
        let (w, h) = cur.dimensions();
        let want = (target / n).sqrt();
        let k = want.max(floor * w0 / f64::from(w));
        // At the floor and still too big: keep it (larger than needed is still oversize).
        if k > want && k >= 1.0 && n > limit {
            return Ok((b, scale(&cur)));
        }
        if k < 1.0 {
            cur = image::imageops::resize(
                &cur,
                (w as f64 * k) as u32,
                (h as f64 * k) as u32,
                image::imageops::FilterType::Triangle,
            );
        } else {
            // Too small: add grain (a noisy phone photo compresses worse).
            photo::sensor_noise(&mut cur, 3.0 * k as f32, rng);
        }
    }
    Ok((photo::encode(&cur, Encoding::Png)?, scale(&cur)))
}
