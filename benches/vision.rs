//! Vision benchmark: per page, the bounded decode (`docgate_ingest::decode_page`) against all
//! vision measurements (`docgate_vision::measure`), on a synthetic phone-photo-like page
//! (a rotated document with text, a seal and a gradient on a textured background) encoded
//! as JPEG at 2 MP and 12 MP, plus every JPEG/PNG under `fixtures/small` when present.
//! Prints the measure/decode ratio per input (target: ≤ 1.5).
//!
//! `cargo bench -j 2 -p docgate-vision --bench vision`

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use docgate_core::Format;
use image::{Rgb, RgbImage};

fn page(w: u32, h: u32) -> RgbImage {
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (s, c) = 4f32.to_radians().sin_cos();
    let (hw, hh) = (w as f32 * 0.36, h as f32 * 0.34);
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
        if u.abs() < hw && v.abs() < hh {
            let (su, sv) = (u + hw - 1.4 * hw, v + hh - 1.3 * hh);
            let r = (su * su + sv * sv).sqrt();
            if (r - hh * 0.25).abs() < hh * 0.015 {
                return Rgb([200, 40, 40]);
            }
            let row = ((v + hh) / (h as f32 * 0.02)) as i32;
            let col = ((u + hw) / (w as f32 * 0.012)) as i32;
            if row % 3 == 1 && col % 4 != 3 && (u + hw) > hw * 0.15 && (u + hw) < hw * 1.8 {
                Rgb([35, 35, 40])
            } else {
                let g = 236 - (u / hw * 10.0) as i32;
                Rgb([g as u8, (g - 3) as u8, (g - 8) as u8])
            }
        } else {
            let grain = ((y as f32 * 0.05 + (x as f32 * 0.004).sin() * 8.0).sin() * 18.0) as i32;
            Rgb([(150 + grain) as u8, (95 + grain / 2) as u8, 55])
        }
    })
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 88)
        .encode_image(img)
        .expect("encode");
    buf
}

fn inputs() -> Vec<(String, Vec<u8>, Format)> {
    let mut v = vec![
        (
            "synthetic-2mp".to_string(),
            jpeg(&page(1632, 1224)),
            Format::Jpeg,
        ),
        (
            "synthetic-12mp".to_string(),
            jpeg(&page(4000, 3000)),
            Format::Jpeg,
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = entries
            .flatten()
            .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "jpg" || e == "png"))
            .collect();
        files.sort();
        for p in files.into_iter().take(6) {
            if let Ok(b) = std::fs::read(&p) {
                if let Some(f) = docgate_ingest::sniff(&b) {
                    v.push((p.display().to_string(), b, f));
                }
            }
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let limits = docgate_ingest::Limits::default();
    let mut g = c.benchmark_group("vision");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, bytes, format) in inputs() {
        let img = docgate_ingest::decode_page(&bytes, format, 0, &limits).expect("decodes");
        g.bench_function(format!("decode/{name}"), |b| {
            b.iter(|| docgate_ingest::decode_page(&bytes, format, 0, &limits))
        });
        g.bench_function(format!("measure/{name}"), |b| {
            b.iter(|| docgate_vision::measure(&img))
        });
        // A direct ratio, best of 5, so the figure is printed even without criterion's report.
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
        let d = best(&|| {
            let _ = docgate_ingest::decode_page(&bytes, format, 0, &limits);
        });
        let m = best(&|| {
            let _ = docgate_vision::measure(&img);
        });
        println!(
            "ratio {name} ({}x{}): decode {:.1} ms, measure {:.1} ms, measure/decode {:.2}",
            img.width(),
            img.height(),
            d.as_secs_f64() * 1e3,
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() / d.as_secs_f64().max(1e-9)
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
