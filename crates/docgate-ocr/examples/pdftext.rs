//! Development probe: prints the text layer docgate reads from a PDF, and the fields read from it.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return eprintln!("usage: pdftext PDF");
    };
    let bytes = std::fs::read(path).unwrap_or_default();
    let limits = docgate_ingest::Limits {
        max_file_bytes: 50 << 20,
        max_megapixels: 60.0,
        max_pdf_pages: 10,
    };
    for page in docgate_ingest::pdf_text(&bytes, &limits).unwrap_or_default() {
        println!("{page}\n---");
        println!(
            "{:?}",
            docgate_ocr::text::read_text(docgate_core::DocumentKind::VatInvoice, &page)
        );
    }
}
