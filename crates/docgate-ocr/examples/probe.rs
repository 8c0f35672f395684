//! Development probe: reads every document of a generated fixture folder with the targeted
//! readers and prints the fields that differ from truth.json, then accuracy per field.
use std::collections::BTreeMap;
use std::time::Instant;

use docgate_core::{DocumentKind, Format};
use docgate_ocr::*;

fn main() {
    // RUST_LOG=docgate_ocr=trace shows every piece, prefix and read.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/small".into());
    let only = std::env::args().nth(2);
    let pool = match TesseractPool::new(&TesseractConfig::default()) {
        Ok(p) => p,
        Err(e) => return eprintln!("{e}"),
    };
    let limits = docgate_ingest::Limits {
        max_file_bytes: 50 << 20,
        max_megapixels: 60.0,
        max_pdf_pages: 10,
    };
    let mut score: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut times: BTreeMap<&'static str, (u32, f64)> = BTreeMap::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let t0 = Instant::now();
    for dir in dirs {
        let Ok(sub) = std::fs::read(dir.join("submission.json")) else {
            continue;
        };
        let Ok(sub) = docgate_core::Submission::from_json(&sub) else {
            continue;
        };
        let truth: serde_json::Value = std::fs::read(dir.join("truth.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for doc in &sub.documents {
            let Some(kind) = doc.kind() else { continue };
            if only.as_deref().is_some_and(|o| o != kind.as_str()) {
                continue;
            }
            let Ok(bytes) = std::fs::read(dir.join(&doc.uri)) else {
                continue;
            };
            let Some(fmt) = Format::from_extension(&doc.uri) else {
                continue;
            };
            let text = if fmt == Format::Pdf {
                docgate_ingest::pdf_text(&bytes, &limits)
                    .ok()
                    .and_then(|v| v.into_iter().next())
            } else {
                None
            };
            let img = docgate_ingest::decode_page(&bytes, fmt, 0, &limits).ok();
            // The quad vision finds, as the pipeline passes it (PROBE_NOQUAD=1: none).
            let quad = img
                .as_ref()
                .filter(|_| std::env::var_os("PROBE_NOQUAD").is_none())
                .and_then(|i| quad_of(&docgate_vision::measure(i)));
            let t = Instant::now();
            let got = read_document(&pool, kind, img.as_ref(), quad.as_ref(), text.as_deref());
            let el = t.elapsed();
            let e = times.entry(kind.as_str()).or_default();
            e.0 += 1;
            e.1 += el.as_secs_f64();
            let want = truth["fields"][&doc.id]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (k, v) in &want {
                let v = v.as_str().unwrap_or("");
                let g = got.get(k).map(|f| f.value.as_str());
                if std::env::var_os("PROBE_CONF").is_some() {
                    if let Some(f) = got.get(k) {
                        println!("CONF {k} {:.3} {}", f.confidence, g == Some(v));
                        // Per character: want, got and the got characters' confidences.
                        println!("CHARS\t{k}\t{v}\t{}\t{:?}", f.value, f.char_confidence);
                    }
                }
                let e = score.entry(format!("{}.{k}", kind.as_str())).or_default();
                e.1 += 1;
                if g == Some(v) {
                    e.0 += 1
                } else {
                    println!(
                        "{} {} {k}: want {v:?} got {g:?} ({el:?})",
                        dir.display(),
                        doc.id
                    );
                }
            }
            let _ = DocumentKind::ALL;
        }
    }
    for (k, (ok, n)) in score {
        println!("{k:40} {ok}/{n}");
    }
    for (k, (n, s)) in times {
        println!(
            "time {k:24} {n:3} docs, mean {:.0} ms",
            s * 1000.0 / f64::from(n.max(1))
        );
    }
    for (m, calls, us, chars) in read_stats() {
        println!(
            "tesseract {:8} {calls:5} reads, {:.1} s, {:.1} ms/read, ~{chars} chars",
            m.as_str(),
            us as f64 / 1e6,
            us as f64 / 1e3 / calls.max(1) as f64
        );
    }
    println!("total {:?}", t0.elapsed());
}
