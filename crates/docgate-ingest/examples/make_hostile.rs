//! Writes the hostile fixtures into the folder given as the first argument (default
//! `fixtures/hostile`). Deterministic: the same source writes the same bytes. The encrypted
//! PDF is made from `plain.pdf` by `make.sh` with qpdf, then `plain.pdf` is removed.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use lopdf::{dictionary, Dictionary, Document, Object, Stream};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fixtures/hostile".to_string()),
    );
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes);

    write("empty.jpg", b"")?;
    let photo = jpeg(&gradient(96, 64))?;
    write("truncated.jpg", &photo[..photo.len() * 6 / 10])?;
    write("huge-dims.png", &huge_png())?;
    write("jpeg-named.png", &photo)?;
    write(
        "webp-named.jpg",
        &encode(&gradient(40, 30), ImageFormat::WebP)?,
    )?;
    write(
        "text-named.jpg",
        b"This is not a picture of a business licence.\n",
    )?;
    write("photo.heic", &heic_ftyp())?;
    write(
        "exif-orientation-6.jpg",
        &with_orientation(&jpeg(&gradient(64, 32))?, 6),
    )?;
    write("cmyk.jpg", &cmyk_jpeg(48, 40)?)?;
    let rgb16 = DynamicImage::ImageRgb16(DynamicImage::ImageRgb8(gradient(30, 20)).to_rgb16());
    write("rgb16.png", &encode_dyn(&rgb16, ImageFormat::Png)?)?;
    write("palette-alpha.png", &palette_png(24, 16)?)?;

    write_pdf(&dir.join("plain.pdf"), text_pdf()?)?;
    write("broken-xref.pdf", &broken_xref(&pdf_bytes(text_pdf()?)?))?;
    write_pdf(&dir.join("pages-5000.pdf"), many_pages(5000))?;
    write_pdf(&dir.join("huge-image.pdf"), huge_image_pdf()?)?;

    write("escape.json", manifest("../../etc/passwd").as_bytes())?;
    write("absolute.json", manifest("/etc/passwd").as_bytes())?;
    write(
        "missing-fields.json",
        br#"{"submission_id": "S-HOSTILE-3", "profile": "default"}
"#,
    )?;
    write(
        "not-json.json",
        b"submission_id = \"S-HOSTILE-4\"\n<documents/>\n",
    )?;
    Ok(())
}

fn manifest(uri: &str) -> String {
    format!(
        "{{\"submission_id\": \"S-HOSTILE\", \"documents\": [{{\"id\": \"lic\", \"kind\": \"business_license\", \"uri\": \"{uri}\"}}]}}\n"
    )
}

/// A smooth gradient with some edges, so JPEG data is neither trivial nor large.
fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let stripe = if (x / 8 + y / 8) % 2 == 0 { 40 } else { 0 };
        Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            (128 + stripe) as u8,
        ])
    })
}

fn encode_dyn(img: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format)?;
    Ok(out.into_inner())
}

fn encode(img: &RgbImage, format: ImageFormat) -> Result<Vec<u8>> {
    encode_dyn(&DynamicImage::ImageRgb8(img.clone()), format)
}

fn jpeg(img: &RgbImage) -> Result<Vec<u8>> {
    encode(img, ImageFormat::Jpeg)
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A PNG whose IHDR (with a correct CRC) claims 100000×100000 RGB, with one tiny IDAT.
fn huge_png() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// An ISO-BMFF `ftyp` box branded `heic` followed by an empty `meta` box: what sniffing sees
/// of an iPhone photo.
fn heic_ftyp() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&24u32.to_be_bytes());
    out.extend_from_slice(b"ftypheic");
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(b"mif1heic");
    out.extend_from_slice(&12u32.to_be_bytes());
    out.extend_from_slice(b"meta\0\0\0\0");
    out
}

/// Inserts an APP1 EXIF segment with the given orientation right after SOI.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one IFD entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn cmyk_jpeg(w: u16, h: u16) -> Result<Vec<u8>> {
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            data.extend_from_slice(&[(x * 5) as u8, (y * 6) as u8, 60, 20]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85).encode(&data, w, h, jpeg_encoder::ColorType::Cmyk)?;
    Ok(out)
}

/// An indexed PNG with a tRNS chunk (half the palette transparent).
fn palette_png(w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(vec![255, 0, 0, 0, 0, 255, 0, 128, 0, 20, 20, 20]);
        enc.set_trns(vec![255, 0, 128, 255]);
        let mut writer = enc.write_header()?;
        let pixels: Vec<u8> = (0..w * h).map(|i| (i % 4) as u8).collect();
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

fn pdf_bytes(mut doc: Document) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

fn write_pdf(path: &Path, doc: Document) -> Result<()> {
    std::fs::write(path, pdf_bytes(doc)?)?;
    Ok(())
}

/// A one-page PDF with a line of text in a standard font.
fn text_pdf() -> Result<Document> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let content = b"BT /F1 18 Tf 72 720 Td (Business licence) Tj ET".to_vec();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
    });
    finish(&mut doc, pages_id, vec![page_id.into()], [0, 0, 595, 842]);
    Ok(doc)
}

fn finish(doc: &mut Document, pages_id: lopdf::ObjectId, kids: Vec<Object>, media: [i64; 4]) {
    let count = kids.len() as i64;
    let pages = dictionary! {
        "Type" => "Pages", "Kids" => kids, "Count" => count,
        "MediaBox" => media.iter().map(|&v| Object::Integer(v)).collect::<Vec<_>>(),
    };
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
}

/// The same PDF with its `startxref` pointing into the middle of an object and its xref
/// table's first entries overwritten.
fn broken_xref(pdf: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(pdf).into_owned();
    let mut out = text.clone();
    if let Some(at) = text.rfind("startxref") {
        out.truncate(at);
        out.push_str("startxref\n17\n%%EOF\n");
    }
    out.replace("xref\n0 ", "xref\nxx ").into_bytes()
}

/// `n` tiny pages sharing one empty content stream: small file, many pages.
fn many_pages(n: usize) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let kids: Vec<Object> = (0..n)
        .map(|_| {
            let page: Dictionary = dictionary! { "Type" => "Page", "Parent" => pages_id };
            doc.add_object(page).into()
        })
        .collect();
    finish(&mut doc, pages_id, kids, [0, 0, 72, 72]);
    doc
}

/// A page whose image XObject claims 60000×60000 RGB but whose Flate stream is a few hundred
/// bytes (inflating it in full would need 10.8 GB).
fn huge_image_pdf() -> Result<Document> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![0u8; 1 << 20])?;
    let data = z.finish()?;
    let image_id = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 60000, "Height" => 60000,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "FlateDecode",
        },
        data,
    ));
    let content = b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
    });
    finish(&mut doc, pages_id, vec![page_id.into()], [0, 0, 595, 842]);
    Ok(doc)
}
