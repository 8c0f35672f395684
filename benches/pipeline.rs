//! Benchmarks of each pipeline stage on the committed fixtures, and end-to-end throughput
//! against the decode-only floor (no check can be faster than decoding the pixels once).
//!
//! Run: `cargo bench -j 2 -p docgate-pipeline --bench pipeline` (set DOCGATE_BENCH_DIR to
//! bench another labelled set, e.g. fixtures/generated).

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{criterion_group, Criterion};
use docgate_config::Config;
use docgate_core::{Format, Submission};
use docgate_ingest::Storage;

struct Case {
    manifest: PathBuf,
    submission: Submission,
    as_of: NaiveDate,
}

fn cases() -> Vec<Case> {
    let dir = std::env::var_os("DOCGATE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small"));
    let found = docgate_eval::discover(&dir)
        .unwrap_or_else(|e| panic!("no fixtures under {}: {e}", dir.display()));
    assert!(
        !found.is_empty(),
        "no labelled submissions under {}",
        dir.display()
    );
    found
        .into_iter()
        .map(|(manifest, truth)| Case {
            submission: docgate_pipeline::read_manifest(&manifest).expect("manifest"),
            manifest,
            as_of: truth.as_of,
        })
        .collect()
}

/// Every readable document's bytes and sniffed format.
fn documents(cases: &[Case], config: &Config) -> Vec<(Vec<u8>, Format)> {
    let limits = docgate_pipeline::ingest_limits(config);
    let mut out = Vec::new();
    for c in cases {
        let storage = Storage::new(c.manifest.parent().expect("folder"));
        for d in &c.submission.documents {
            if let (m, Some(bytes)) = docgate_ingest::ingest(&storage, d, &limits) {
                if let (Some(f), None) = (m.format, &m.problem) {
                    out.push((bytes, f));
                }
            }
        }
    }
    out
}

fn decode_all(docs: &[(Vec<u8>, Format)], config: &Config) -> usize {
    let limits = docgate_pipeline::ingest_limits(config);
    docs.iter()
        .filter_map(|(b, f)| docgate_ingest::decode_page(b, *f, 0, &limits).ok())
        .map(|img| img.width() as usize)
        .sum()
}

fn check_all(cases: &[Case], config: &Config) -> usize {
    cases
        .iter()
        .map(|c| {
            let storage = Storage::new(c.manifest.parent().expect("folder"));
            docgate_pipeline::check(&c.submission, &storage, config, c.as_of)
                .expect("check")
                .report
                .findings
                .len()
        })
        .sum()
}

fn stages(c: &mut Criterion) {
    let config = Config::embedded_default();
    let cases = cases();
    let docs = documents(&cases, config);
    let limits = docgate_pipeline::ingest_limits(config);
    let mut g = c.benchmark_group("stage");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    g.bench_function("decode: every fixture page", |b| {
        b.iter(|| decode_all(&docs, config))
    });
    g.bench_function("ingest: header measurement, every document", |b| {
        b.iter(|| {
            cases
                .iter()
                .flat_map(|c| c.submission.documents.iter().map(move |d| (c, d)))
                .map(|(c, d)| {
                    let storage = Storage::new(c.manifest.parent().expect("folder"));
                    docgate_ingest::ingest(&storage, d, &limits).0.pages.len()
                })
                .sum::<usize>()
        })
    });
    let measured: Vec<_> = cases
        .iter()
        .map(|c| {
            let storage = Storage::new(c.manifest.parent().expect("folder"));
            (
                c,
                docgate_pipeline::measure(&c.submission, &storage, config),
            )
        })
        .collect();
    g.bench_function("judge: every submission, from stored measurements", |b| {
        b.iter(|| {
            measured
                .iter()
                .map(|(c, m)| {
                    docgate_pipeline::rejudge(&c.submission, m, config, c.as_of)
                        .expect("judge")
                        .findings
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("end to end: docgate check of the set", |b| {
        b.iter(|| check_all(&cases, config))
    });
    g.finish();
}

/// The figures the README quotes: documents per second, and total time over decode-only.
fn summary() {
    let config = Config::embedded_default();
    let cases = cases();
    let docs = documents(&cases, config);
    let n_docs: usize = cases.iter().map(|c| c.submission.documents.len()).sum();
    let best = |f: &dyn Fn()| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let decode = best(&|| {
        decode_all(&docs, config);
    });
    let total = best(&|| {
        check_all(&cases, config);
    });
    println!(
        "\nsummary: {} submissions, {n_docs} documents ({} decodable pages)\n  decode only   {:>9.1} ms  {:>7.1} docs/s\n  end to end    {:>9.1} ms  {:>7.1} docs/s\n  ratio end-to-end / decode-only: {:.2}",
        cases.len(),
        docs.len(),
        decode.as_secs_f64() * 1e3,
        n_docs as f64 / decode.as_secs_f64(),
        total.as_secs_f64() * 1e3,
        n_docs as f64 / total.as_secs_f64(),
        total.as_secs_f64() / decode.as_secs_f64()
    );
}

criterion_group!(benches, stages);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
