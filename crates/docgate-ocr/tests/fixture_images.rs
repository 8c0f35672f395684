//! Every reader on real fixture images with real Tesseract: the page is decoded and its quad
//! found by docgate-vision exactly as the pipeline does, and the fields read must equal the
//! labels in `truth.json`. The documents are phone photos (tilt, lighting, fabric, wood)
//! and scans from `fixtures/small`; `docgate eval` scores the whole set.
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use docgate_core::{DocumentKind, Format};
use docgate_ocr::{quad_of, read_document, Quad, TesseractConfig, TesseractPool};

const NAMES: [&str; 6] = [
    "company_name",
    "legal_rep_name",
    "id_name",
    "seller_name",
    "buyer_name",
    "account_name",
];

fn pool() -> &'static TesseractPool {
    static POOL: OnceLock<TesseractPool> = OnceLock::new();
    POOL.get_or_init(|| {
        TesseractPool::new(&TesseractConfig::default())
            .expect("Tesseract with chi_sim and eng (scripts/deps.sh installs them)")
    })
}

fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

/// Reads document `doc` of fixture `case` and checks `fields` (all labelled ones when
/// empty) against its truth.
fn check(case: &str, doc: &str, kind: DocumentKind, fields: &[&str]) {
    let dir = small().join(case);
    let file = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_stem().is_some_and(|s| s == doc))
        .expect("the document's file");
    let bytes = std::fs::read(&file).expect("read");
    let fmt = Format::from_extension(&file.to_string_lossy()).expect("known extension");
    let limits = docgate_ingest::Limits {
        max_file_bytes: 50 << 20,
        max_megapixels: 60.0,
        max_pdf_pages: 10,
    };
    let page = docgate_ingest::decode_page(&bytes, fmt, 0, &limits).expect("decodes");
    let quad: Option<Quad> = quad_of(&docgate_vision::measure(&page));
    let got = read_document(pool(), kind, Some(&page), quad.as_ref(), None);
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth"))
            .expect("truth.json parses");
    let want = truth["fields"][doc].as_object().expect("labelled fields");
    let names: Vec<&str> = if fields.is_empty() {
        want.keys().map(String::as_str).collect()
    } else {
        fields.to_vec()
    };
    assert!(!names.is_empty());
    for name in names {
        let w = want[name].as_str().expect("labelled");
        let g = got.get(name);
        // Names are read by two models and the match rules accept either reading; the
        // truth must be one of them. Codes, dates and rates have one reading, exact.
        let among =
            g.is_some_and(|f| NAMES.contains(&name) && f.alternatives.iter().any(|a| a == w));
        if !among {
            assert_eq!(g.map(|f| f.value.as_str()), Some(w), "{case}/{doc} {name}");
        }
    }
}

#[test]
fn licence_current_layout_scan_and_photos() {
    check("FX7-0003", "lic", DocumentKind::BusinessLicense, &[]);
    check("FX7-0014", "lic", DocumentKind::BusinessLicense, &[]);
    check("FX7-0002", "lic", DocumentKind::BusinessLicense, &[]);
}

#[test]
fn licence_pre_2016_registration_number() {
    check(
        "FX7-0004",
        "lic",
        DocumentKind::BusinessLicense,
        &["registration_number", "legal_rep_name", "established"],
    );
}

#[test]
fn id_card_front_photos() {
    check("FX7-0004", "idf", DocumentKind::IdCardFront, &[]);
    check("FX7-0014", "idf", DocumentKind::IdCardFront, &[]);
}

#[test]
fn id_card_back_photos() {
    check("FX7-0004", "idb", DocumentKind::IdCardBack, &[]);
    check("FX7-0014", "idb", DocumentKind::IdCardBack, &[]);
}

#[test]
fn vat_invoice_images_digital_and_paper() {
    // A fully digital invoice as a JPEG: brown labels, 20-digit number, the header printed
    // above the table frame.
    check(
        "FX7-0003",
        "inv",
        DocumentKind::VatInvoice,
        &[
            "seller_name",
            "seller_tax_id",
            "invoice_number",
            "issue_date",
        ],
    );
    // A paper special invoice photographed: "No" number, unlabelled code, values printed
    // half a line off their labels, rates per item row.
    check(
        "FX7-0018",
        "inv",
        DocumentKind::VatInvoice,
        &[
            "buyer_name",
            "invoice_number",
            "invoice_code",
            "issue_date",
            "tax_rate",
        ],
    );
}

#[test]
fn authorization_letter_photo() {
    check("FX7-0006", "auth", DocumentKind::AuthorizationLetter, &[]);
}

#[test]
fn bank_permit_photos() {
    check("FX7-0001", "bank", DocumentKind::BankPermit, &[]);
    check("FX7-0006", "bank", DocumentKind::BankPermit, &[]);
}
