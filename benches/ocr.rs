//! OCR speed: targeted reading (docgate-ocr's readers) of a whole submission vs full-page
//! Tesseract OCR (chi_sim, PSM 3) of the same documents, on one worker (one core).
//!
//! `DOCGATE_BENCH_SUBMISSION=<folder with submission.json>` picks the submission (default:
//! the first of fixtures/small). Run with `OMP_THREAD_LIMIT=1`.

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use docgate_core::{DocumentKind, Format, Submission};
use docgate_ocr::{Model, Ocr, Psm, Request, TesseractConfig, TesseractPool};

struct Doc {
    kind: DocumentKind,
    page: Option<image::RgbImage>,
    text: Option<String>,
}

fn submission_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DOCGATE_BENCH_SUBMISSION") {
        return Some(PathBuf::from(p));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("submission.json").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter().next()
}

fn load() -> Vec<Doc> {
    let Some(dir) = submission_dir() else {
        return Vec::new();
    };
    let Some(sub) = std::fs::read(dir.join("submission.json"))
        .ok()
        .and_then(|b| Submission::from_json(&b).ok())
    else {
        return Vec::new();
    };
    let limits = docgate_ingest::Limits {
        max_file_bytes: 50 << 20,
        max_megapixels: 60.0,
        max_pdf_pages: 10,
    };
    sub.documents
        .iter()
        .filter_map(|d| {
            let bytes = std::fs::read(dir.join(&d.uri)).ok()?;
            let fmt = Format::from_extension(&d.uri)?;
            let text = (fmt == Format::Pdf)
                .then(|| docgate_ingest::pdf_text(&bytes, &limits).ok())
                .flatten()
                .and_then(|p| p.into_iter().next());
            Some(Doc {
                kind: d.kind()?,
                page: docgate_ingest::decode_page(&bytes, fmt, 0, &limits).ok(),
                text,
            })
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let docs = load();
    let Ok(pool) = TesseractPool::new(&TesseractConfig {
        workers: 1,
        ..TesseractConfig::default()
    }) else {
        eprintln!("Tesseract unavailable: nothing to measure");
        return;
    };
    if docs.is_empty() {
        eprintln!("no submission found: set DOCGATE_BENCH_SUBMISSION");
        return;
    }
    let mut g = c.benchmark_group("ocr");
    g.sample_size(10);
    g.bench_function("targeted_submission", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    docgate_ocr::read_document(
                        &pool,
                        d.kind,
                        d.page.as_ref(),
                        None,
                        d.text.as_deref(),
                    )
                    .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("full_page_submission", |b| {
        b.iter(|| {
            docs.iter()
                .filter_map(|d| d.page.as_ref())
                .map(|p| {
                    let gray = image::imageops::grayscale(p);
                    let req = Request {
                        image: &gray,
                        origin: [0, 0, gray.width(), gray.height()],
                        model: Model::ChiSim,
                        psm: Psm::Auto,
                        whitelist: None,
                    };
                    pool.read(&req).map(|r| r.words.len()).unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
