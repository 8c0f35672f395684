//! Decodes image files (as the pipeline does) and prints their vision measurements, one
//! line each, with decode and measure times. With `--synthetic-mp N` it instead builds an
//! N-megapixel page in memory (for peak-memory checks under `/usr/bin/time -v`).
//!
//! With `--json` each line is the file name, a tab, and the measurements as JSON (for
//! scripts that compare measurements with fixture labels).
//!
//! `cargo run --release -p docgate-vision --example measure -- [--json] FILE...`

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--synthetic-mp") {
        let mp: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50.0);
        let w = (mp * 1e6 * 4.0 / 3.0).sqrt() as u32;
        let h = (mp * 1e6 / f64::from(w)) as u32;
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let inside = x > w / 10 && x < 9 * w / 10 && y > h / 10 && y < 9 * h / 10;
            let text = inside && (y / 40) % 3 == 0 && (x / 25) % 2 == 0;
            image::Rgb(if text {
                [30, 30, 30]
            } else if inside {
                [235, 232, 228]
            } else {
                [120, 80, 50]
            })
        });
        let t = Instant::now();
        let m = docgate_vision::measure(&img);
        println!(
            "{w}x{h} ({:.1} MP) measured in {:.3}s: {}",
            f64::from(w) * f64::from(h) / 1e6,
            t.elapsed().as_secs_f64(),
            serde_json::to_string(&m).unwrap_or_default()
        );
        return;
    }
    let json = args.first().map(String::as_str) == Some("--json");
    let args = if json { &args[1..] } else { &args[..] };
    let limits = docgate_ingest::Limits {
        max_file_bytes: 1 << 30,
        max_megapixels: 200.0,
        max_pdf_pages: 50,
    };
    for path in args {
        let Ok(bytes) = std::fs::read(path) else {
            println!("{path}\tunreadable");
            continue;
        };
        let Some(format) = docgate_ingest::sniff(&bytes) else {
            println!("{path}\tunknown format");
            continue;
        };
        let t = Instant::now();
        let img = match docgate_ingest::decode_page(&bytes, format, 0, &limits) {
            Ok(i) => i,
            Err(e) => {
                println!("{path}\t{e:?}");
                continue;
            }
        };
        let td = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let m = docgate_vision::measure(&img);
        let tm = t.elapsed().as_secs_f64();
        if json {
            println!("{path}\t{}", serde_json::to_string(&m).unwrap_or_default());
            continue;
        }
        println!(
            "{path}\t{}x{}\tdecode {td:.3}s measure {tm:.3}s\tedges {} hidden {:?} minmargin {:?} size {:?} sharp {:.1}/{:.1} colour {:.1} glare {:.4} seals {}",
            img.width(),
            img.height(),
            m.edges_found,
            m.hidden_corners(),
            m.min_margin_fraction().map(|v| (v * 1000.0).round() / 1000.0),
            m.document_size,
            m.sharpness,
            m.sharpness_max,
            m.colorfulness,
            m.glare_fraction,
            m.seals.len()
        );
    }
}
