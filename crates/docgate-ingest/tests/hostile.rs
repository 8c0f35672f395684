//! One test per hostile fixture in `fixtures/hostile/`, plus storage escapes and the
//! "never panics" property over random and damaged inputs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docgate_core::{DocumentMeasurements, DocumentRef, Format, IngestProblemKind, Submission};
use docgate_ingest::{decode_page, ingest, measure, pdf_text, sniff, Limits, Storage};
use lopdf::{dictionary, Document, Object, Stream};
use proptest::prelude::*;

const LIMITS: Limits = Limits {
    max_file_bytes: 20 * 1024 * 1024,
    max_megapixels: 50.0,
    max_pdf_pages: 50,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hostile")
}

fn doc(uri: &str) -> DocumentRef {
    DocumentRef {
        id: "d".into(),
        kind: "business_license".into(),
        uri: uri.into(),
    }
}

/// Ingests a fixture through Storage, as the pipeline will.
fn fixture(name: &str) -> (DocumentMeasurements, Vec<u8>) {
    let (m, bytes) = ingest(&Storage::new(fixtures()), &doc(name), &LIMITS);
    let bytes = bytes.unwrap_or_else(|| panic!("{name} could not be read: {:?}", m.problem));
    (m, bytes)
}

fn kind(m: &DocumentMeasurements) -> Option<IngestProblemKind> {
    m.problem.as_ref().map(|p| p.kind)
}

fn dims(m: &DocumentMeasurements) -> Vec<(u32, u32)> {
    m.pages.iter().map(|p| (p.width, p.height)).collect()
}

fn decode_err(bytes: &[u8], format: Format) -> IngestProblemKind {
    match decode_page(bytes, format, 0, &LIMITS) {
        Ok(img) => panic!("decoded to {}×{}", img.width(), img.height()),
        Err(p) => p.kind,
    }
}

fn decoded(bytes: &[u8], format: Format) -> image::RgbImage {
    decode_page(bytes, format, 0, &LIMITS).unwrap_or_else(|p| panic!("{p:?}"))
}

#[test]
fn empty_file() {
    let (m, _) = fixture("empty.jpg");
    assert_eq!(kind(&m), Some(IngestProblemKind::Empty));
    assert_eq!(
        (m.bytes, m.format, m.claimed_format),
        (0, None, Some(Format::Jpeg))
    );
}

#[test]
fn truncated_jpeg_is_found_by_measure_and_by_decode() {
    let (m, bytes) = fixture("truncated.jpg");
    assert_eq!(m.format, Some(Format::Jpeg));
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::Truncated),
        "{:?}",
        m.problem
    );
    // The header was fine, so the page is known.
    assert_eq!(dims(&m), vec![(96, 64)]);
    assert_eq!(
        decode_err(&bytes, Format::Jpeg),
        IngestProblemKind::Truncated
    );
}

#[test]
fn png_claiming_100000_squared_is_refused_without_allocating() {
    let (m, bytes) = fixture("huge-dims.png");
    let start = Instant::now();
    assert_eq!(kind(&m), Some(IngestProblemKind::TooManyPixels));
    assert!(m
        .problem
        .as_ref()
        .is_some_and(|p| p.detail.contains("100000×100000")));
    assert!(m.pages.is_empty());
    assert_eq!(
        decode_err(&bytes, Format::Png),
        IngestProblemKind::TooManyPixels
    );
    // Even with no pixel cap at all, the allocation budget refuses it (30 GB of RGB).
    let lax = Limits {
        max_megapixels: f64::INFINITY,
        ..LIMITS
    };
    assert!(decode_page(&bytes, Format::Png, 0, &lax).is_err());
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn jpeg_named_png_reports_the_real_format() {
    let (m, bytes) = fixture("jpeg-named.png");
    assert_eq!(
        (m.format, m.claimed_format),
        (Some(Format::Jpeg), Some(Format::Png))
    );
    assert_eq!(m.problem, None);
    assert_eq!(dims(&m), vec![(96, 64)]);
    assert_eq!(decoded(&bytes, Format::Jpeg).dimensions(), (96, 64));
}

#[test]
fn webp_named_jpg_reports_the_real_format() {
    let (m, bytes) = fixture("webp-named.jpg");
    assert_eq!(
        (m.format, m.claimed_format),
        (Some(Format::Webp), Some(Format::Jpeg))
    );
    assert_eq!(m.problem, None);
    assert_eq!(dims(&m), vec![(40, 30)]);
    assert_eq!(decoded(&bytes, Format::Webp).dimensions(), (40, 30));
}

#[test]
fn pdf_with_broken_xref_is_corrupt() {
    let (m, _) = fixture("broken-xref.pdf");
    assert_eq!(m.format, Some(Format::Pdf));
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::Corrupt),
        "{:?}",
        m.problem
    );
}

#[test]
fn encrypted_pdf() {
    let (m, bytes) = fixture("encrypted.pdf");
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::Encrypted),
        "{:?}",
        m.problem
    );
    assert_eq!(
        decode_err(&bytes, Format::Pdf),
        IngestProblemKind::Encrypted
    );
    assert_eq!(
        pdf_text(&bytes, &LIMITS).map_err(|p| p.kind),
        Err(IngestProblemKind::Encrypted)
    );
}

#[test]
fn pdf_with_5000_pages() {
    let (m, bytes) = fixture("pages-5000.pdf");
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::TooManyPages),
        "{:?}",
        m.problem
    );
    assert_eq!(m.page_count, 5000);
    assert!(m.pages.is_empty());
    assert_eq!(
        pdf_text(&bytes, &LIMITS).map_err(|p| p.kind),
        Err(IngestProblemKind::TooManyPages)
    );
    // Under a cap that admits them, the tiny pages measure at 150 dpi (1 inch → 150 px).
    let lax = Limits {
        max_pdf_pages: 5000,
        ..LIMITS
    };
    let m = measure(&doc("p.pdf"), &bytes, &lax);
    assert_eq!((m.problem.clone(), m.pages.len()), (None, 5000));
    assert_eq!(dims(&m)[4999], (150, 150));
}

#[test]
fn pdf_image_claiming_60000_squared_is_refused_before_inflating() {
    let (m, bytes) = fixture("huge-image.pdf");
    let start = Instant::now();
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::TooManyPixels),
        "{:?}",
        m.problem
    );
    assert!(m
        .problem
        .as_ref()
        .is_some_and(|p| p.detail.contains("60000×60000")));
    assert_eq!(
        decode_err(&bytes, Format::Pdf),
        IngestProblemKind::TooManyPixels
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn text_named_jpg_is_unknown() {
    let (m, bytes) = fixture("text-named.jpg");
    assert_eq!(kind(&m), Some(IngestProblemKind::UnknownFormat));
    assert_eq!((m.format, m.claimed_format), (None, Some(Format::Jpeg)));
    assert_eq!(pdf_text(&bytes, &LIMITS), Ok(Vec::new()));
}

#[test]
fn heic_is_recognised_but_unsupported() {
    let (m, bytes) = fixture("photo.heic");
    assert_eq!(m.format, Some(Format::Heic));
    assert_eq!(kind(&m), Some(IngestProblemKind::UnsupportedFormat));
    assert_eq!(
        decode_err(&bytes, Format::Heic),
        IngestProblemKind::UnsupportedFormat
    );
}

#[test]
fn exif_orientation_6_swaps_width_and_height() {
    let (m, bytes) = fixture("exif-orientation-6.jpg");
    assert_eq!(m.problem, None);
    // Stored 64×32; orientation 6 means "rotate 90° clockwise to view".
    assert_eq!(dims(&m), vec![(32, 64)]);
    let img = decoded(&bytes, Format::Jpeg);
    assert_eq!(img.dimensions(), (32, 64));
    // The stored top-left (red≈0, green≈0) ends up top-right after the turn.
    let top_right = img.get_pixel(31, 0).0;
    assert!(top_right[0] < 40 && top_right[1] < 40, "{top_right:?}");
}

#[test]
fn cmyk_jpeg_decodes_to_rgb() {
    let (m, bytes) = fixture("cmyk.jpg");
    assert_eq!((m.format, m.problem.clone()), (Some(Format::Jpeg), None));
    assert_eq!(dims(&m), vec![(48, 40)]);
    let img = decoded(&bytes, Format::Jpeg);
    assert_eq!(img.dimensions(), (48, 40));
    // Not a failed conversion to black or to one flat colour.
    let px: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(px.iter().any(|p| p.iter().any(|&c| c > 100)));
    assert!(px.iter().any(|p| p != &px[0]));
}

#[test]
fn sixteen_bit_png() {
    let (m, bytes) = fixture("rgb16.png");
    assert_eq!((m.problem.clone(), dims(&m)), (None, vec![(30, 20)]));
    let img = decoded(&bytes, Format::Png);
    assert_eq!(img.dimensions(), (30, 20));
    assert_eq!(img.get_pixel(0, 0).0[2], 168); // blue channel of the gradient: 128 + stripe
}

#[test]
fn palette_png_with_alpha_is_composited_on_white() {
    let (m, bytes) = fixture("palette-alpha.png");
    assert_eq!((m.problem.clone(), dims(&m)), (None, vec![(24, 16)]));
    let img = decoded(&bytes, Format::Png);
    assert_eq!(img.dimensions(), (24, 16));
    assert_eq!(img.get_pixel(0, 0).0, [255, 0, 0]); // opaque red
    assert_eq!(img.get_pixel(1, 0).0, [255, 255, 255]); // fully transparent blue
    let half = img.get_pixel(2, 0).0; // half-transparent green
    assert!(half[1] > 180 && half[0] > 100 && half[0] < 160, "{half:?}");
}

fn manifest(name: &str) -> Result<Submission, String> {
    let bytes = std::fs::read(fixtures().join(name)).map_err(|e| e.to_string())?;
    Submission::from_json(&bytes).map_err(|e| e.to_string())
}

#[test]
fn manifests_escaping_the_root_parse_but_never_resolve() {
    for name in ["escape.json", "absolute.json"] {
        let sub = manifest(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let storage = Storage::new(fixtures());
        for d in &sub.documents {
            let err = storage.resolve(&d.uri).err().map(|p| p.kind);
            assert_eq!(err, Some(IngestProblemKind::OutsideRoot), "{name}");
            let (m, bytes) = ingest(&storage, d, &LIMITS);
            assert_eq!(
                (kind(&m), m.bytes, bytes),
                (Some(IngestProblemKind::OutsideRoot), 0, None)
            );
        }
    }
}

#[test]
fn broken_manifests_are_rejected() {
    let e = manifest("missing-fields.json").err().unwrap_or_default();
    assert!(e.contains("documents"), "{e}");
    assert!(manifest("not-json.json").is_err());
}

#[test]
fn resolve_rejects_every_escape() {
    let root = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.jpg"), b"\xFF\xD8\xFF").expect("write");
    std::fs::create_dir(root.path().join("sub")).expect("mkdir");
    std::fs::write(root.path().join("sub/ok.jpg"), b"\xFF\xD8\xFF").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(
            outside.path().join("secret.jpg"),
            root.path().join("link.jpg"),
        )
        .expect("symlink");
        symlink(outside.path(), root.path().join("linkdir")).expect("symlink");
        symlink(
            root.path().join("sub/ok.jpg"),
            root.path().join("inside.jpg"),
        )
        .expect("symlink");
    }
    let storage = Storage::new(root.path());
    let outside_uris = [
        "../x.jpg",
        "sub/../../x.jpg",
        "./../x.jpg",
        "/etc/passwd",
        "//etc/passwd",
        "file:///etc/passwd",
        "https://example.invalid/x.jpg",
        "C:/Windows/win.ini",
        "sub\\..\\..\\x.jpg",
        "..\\x.jpg",
        "sub/ok.jpg\0.png",
        #[cfg(unix)]
        "link.jpg",
        #[cfg(unix)]
        "linkdir/secret.jpg",
    ];
    for uri in outside_uris {
        let got = storage.resolve(uri).map_err(|p| p.kind);
        assert_eq!(got, Err(IngestProblemKind::OutsideRoot), "{uri:?}");
    }
    assert!(storage.resolve("sub/ok.jpg").is_ok());
    assert!(storage.resolve("./sub//ok.jpg").is_ok());
    #[cfg(unix)]
    assert!(storage.resolve("inside.jpg").is_ok());
    assert_eq!(
        storage.resolve("nope.jpg").map_err(|p| p.kind),
        Err(IngestProblemKind::NotFound)
    );
    assert_eq!(
        storage.resolve("").map_err(|p| p.kind),
        Err(IngestProblemKind::NotFound)
    );
    assert_eq!(
        storage.resolve("sub").map_err(|p| p.kind),
        Err(IngestProblemKind::Unreadable)
    );
}

#[test]
fn read_caps_bytes() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::write(root.path().join("a.jpg"), vec![7u8; 1000]).expect("write");
    let storage = Storage::new(root.path());
    let at = |max_file_bytes| Limits {
        max_file_bytes,
        ..LIMITS
    };
    assert_eq!(storage.read("a.jpg", &at(1000)).map(|b| b.len()), Ok(1000));
    assert_eq!(
        storage.read("a.jpg", &at(999)).map_err(|p| p.kind),
        Err(IngestProblemKind::TooLarge)
    );
    // measure refuses oversize bytes it is handed directly, too.
    let m = measure(&doc("a.jpg"), &[0xFF; 1000], &at(10));
    assert_eq!(kind(&m), Some(IngestProblemKind::TooLarge));
}

/// A one-page PDF; `scan` adds a full-page JPEG image, `text` a line of text.
fn make_pdf(scan: Option<(u32, u32)>, text: bool) -> Vec<u8> {
    let mut pdf = Document::with_version("1.5");
    let pages_id = pdf.new_object_id();
    let mut resources = dictionary! {};
    let mut content = Vec::new();
    if let Some((w, h)) = scan {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 10, 10]));
        let mut jpeg = std::io::Cursor::new(Vec::new());
        img.write_to(&mut jpeg, image::ImageFormat::Jpeg)
            .expect("encode");
        let id = pdf.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
            },
            jpeg.into_inner(),
        ));
        resources.set("XObject", dictionary! { "Im0" => id });
        content.extend_from_slice(b"q 595 0 0 842 0 0 cm /Im0 Do Q\n");
    }
    if text {
        let font = pdf.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        resources.set("Font", dictionary! { "F1" => font });
        content.extend_from_slice(b"BT /F1 18 Tf 72 720 Td (Business licence) Tj ET");
    }
    let content_id = pdf.add_object(Stream::new(dictionary! {}, content));
    let page_id = pdf.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources,
    });
    let pages = dictionary! {
        "Type" => "Pages", "Kids" => vec![Object::from(page_id)], "Count" => 1,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    };
    pdf.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog = pdf.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    pdf.trailer.set("Root", catalog);
    let mut out = Vec::new();
    pdf.save_to(&mut out).expect("save");
    out
}

#[test]
fn born_digital_pdf_has_a_text_layer_and_measures_at_150_dpi() {
    let bytes = make_pdf(None, true);
    let m = measure(&doc("inv.pdf"), &bytes, &LIMITS);
    assert_eq!(
        (m.problem.clone(), m.page_count, m.has_text_layer),
        (None, 1, true)
    );
    assert_eq!(dims(&m), vec![(1240, 1754)]); // A4 at 150 dpi
    let text = pdf_text(&bytes, &LIMITS).expect("text");
    assert_eq!(text.len(), 1);
    assert!(text[0].contains("Business licence"), "{text:?}");
    assert_eq!(
        decode_err(&bytes, Format::Pdf),
        IngestProblemKind::UnsupportedFormat
    );
}

#[test]
fn scanned_pdf_page_measures_and_decodes_as_its_image() {
    let bytes = make_pdf(Some((700, 990)), false);
    let m = measure(&doc("lic.pdf"), &bytes, &LIMITS);
    assert_eq!((m.problem.clone(), m.has_text_layer), (None, false));
    assert_eq!(dims(&m), vec![(700, 990)]);
    let img = decoded(&bytes, Format::Pdf);
    assert_eq!(img.dimensions(), (700, 990));
    assert!(img.get_pixel(350, 500).0[0] > 150);
    assert_eq!(pdf_text(&bytes, &LIMITS).map(|t| t.len()), Ok(1));
    // A small logo on a text page is not a scan: the page keeps its 150 dpi size.
    let logo = make_pdf(Some((120, 40)), true);
    let m = measure(&doc("l.pdf"), &logo, &LIMITS);
    assert_eq!(dims(&m), vec![(1240, 1754)]);
    assert_eq!(
        decode_page(&logo, Format::Pdf, 1, &LIMITS)
            .map_err(|p| p.kind)
            .err(),
        Some(IngestProblemKind::NotFound)
    );
}

#[test]
fn junk_before_the_pdf_header_is_tolerated() {
    let mut bytes = b"X-Mailer: junk\r\n\r\n".to_vec();
    bytes.extend_from_slice(&make_pdf(None, true));
    assert_eq!(sniff(&bytes), Some(Format::Pdf));
    let m = measure(&doc("inv.pdf"), &bytes, &LIMITS);
    assert_eq!((m.problem, m.has_text_layer), (None, true));
}

#[test]
fn deeply_nested_pdf_is_corrupt_not_a_stack_overflow() {
    let mut bytes = b"%PDF-1.4\n1 0 obj\n".to_vec();
    bytes.extend_from_slice(&[b'['; 200_000]);
    bytes.extend_from_slice(b"\nendobj\nstartxref\n9\n%%EOF\n");
    let m = measure(&doc("n.pdf"), &bytes, &LIMITS);
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::Corrupt),
        "{:?}",
        m.problem
    );
}

#[test]
fn truncated_pdf_is_truncated() {
    let bytes = make_pdf(None, true);
    let m = measure(&doc("t.pdf"), &bytes[..bytes.len() / 2], &LIMITS);
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::Truncated),
        "{:?}",
        m.problem
    );
}

fn valid_samples() -> Vec<Vec<u8>> {
    let png = std::fs::read(fixtures().join("rgb16.png")).expect("png");
    let jpeg = std::fs::read(fixtures().join("exif-orientation-6.jpg")).expect("jpeg");
    vec![jpeg, png, make_pdf(Some((64, 90)), true)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn measure_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = measure(&doc("x.jpg"), &bytes, &LIMITS);
    }

    #[test]
    fn measure_never_panics_on_damaged_files(
        which in 0usize..3,
        cut in 0.0f64..=1.0,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let samples = valid_samples();
        let mut bytes = samples[which].clone();
        for (at, xor) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= xor;
        }
        bytes.truncate((bytes.len() as f64 * cut) as usize);
        let m = measure(&doc("x.pdf"), &bytes, &LIMITS);
        // Whatever happened, a page list never claims more than the cap allows.
        prop_assert!(m.pages.iter().all(|p| LIMITS.pixels_ok(u64::from(p.width), u64::from(p.height))));
        if let Some(format) = m.format {
            let _ = decode_page(&bytes, format, 0, &LIMITS);
        }
        let _ = pdf_text(&bytes, &LIMITS);
    }
}

#[test]
fn cross_reference_stream_bomb_is_refused_before_lopdf_inflates_it() {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 64 << 20]).expect("deflate");
    let bomb = z.finish().expect("deflate");
    let mut bytes = b"%PDF-1.5\n".to_vec();
    let at = bytes.len();
    bytes.extend_from_slice(
        format!(
            "1 0 obj\n<< /Type /XRef /Size 2 /W [1 1 1] /Filter /FlateDecode /Length {} >>\nstream\n",
            bomb.len()
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(&bomb);
    bytes.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    let start = Instant::now();
    let m = measure(&doc("b.pdf"), &bytes, &LIMITS);
    assert_eq!(
        kind(&m),
        Some(IngestProblemKind::Corrupt),
        "{:?}",
        m.problem
    );
    assert!(m
        .problem
        .as_ref()
        .is_some_and(|p| p.detail.contains("bomb")));
    assert!(start.elapsed() < Duration::from_secs(5));
}
