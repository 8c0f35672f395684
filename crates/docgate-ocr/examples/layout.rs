//! Development probe: prepares one page image as the readers do, prints the layout lines
//! with their recognised prefixes and the labels found, and writes an overlay PNG.
//!
//! `cargo run --release -p docgate-ocr --example layout -- IMAGE [OUT.png]`
use std::time::Instant;

use docgate_ocr::page::Page;
use docgate_ocr::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        return eprintln!("usage: layout IMAGE [OUT.png]");
    };
    let out = args.next().unwrap_or_else(|| "/tmp/layout.png".into());
    let pool = match TesseractPool::new(&TesseractConfig::default()) {
        Ok(p) => p,
        Err(e) => return eprintln!("{e}"),
    };
    let img = match image::open(&path) {
        Ok(i) => i.to_rgb8(),
        Err(e) => return eprintln!("{e}"),
    };
    let t = Instant::now();
    let g = docgate_ocr::page::text_gray(&img);
    println!("text_gray {:?}", t.elapsed());
    let t = Instant::now();
    let (g, _) = docgate_ocr::page::deskew(g);
    println!("deskew {:?}", t.elapsed());
    let t = Instant::now();
    let n = docgate_ocr::layout::pieces(&g).len();
    println!("pieces {:?} ({n})", t.elapsed());
    let t = Instant::now();
    // The quad vision finds, as the pipeline passes it.
    let quad = quad_of(&docgate_vision::measure(&img));
    println!("quad {quad:?}");
    let mut page = Page::new(
        &pool,
        &img,
        quad.as_ref(),
        std::env::var_os("KEEP_RED").is_none(),
    );
    println!(
        "prepare+layout {:?}, {} lines",
        t.elapsed(),
        page.lines.len()
    );
    let t = Instant::now();
    let dump = page.dump();
    println!("prefixes {:?}", t.elapsed());
    for l in &dump {
        println!("{l}");
    }
    if std::env::var_os("RAW").is_some() {
        for r in docgate_ocr::layout::pieces(&page.gray) {
            println!("raw {r:?}");
        }
    }
    if let Err(e) = page.gray.save(format!("{out}.gray.png")) {
        eprintln!("{e}");
    }
    let mut rgb = image::DynamicImage::ImageLuma8(page.gray.clone()).to_rgb8();
    for l in &page.lines {
        let r = l.region;
        if r[2] > 1 && r[3] > 1 {
            imageproc::drawing::draw_hollow_rect_mut(
                &mut rgb,
                imageproc::rect::Rect::at(r[0] as i32, r[1] as i32).of_size(r[2], r[3]),
                image::Rgb([255, 0, 0]),
            );
        }
    }
    if let Err(e) = rgb.save(&out) {
        eprintln!("{e}");
    }
}
