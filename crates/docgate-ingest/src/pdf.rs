//! PDF: bounded loading with lopdf, page count and sizes, text-layer detection, embedded page
//! images and text extraction.
//!
//! lopdf trusts its input in ways a hostile upload can exploit, so it is fenced in:
//! - it only ever sees bytes that passed the file-size cap;
//! - encrypted files are refused before parsing (and checked again after);
//! - nesting of arrays and dictionaries is measured first, because lopdf's parser recurses
//!   per level and a stack overflow aborts the process (no `catch_unwind` can catch that);
//! - the streams lopdf inflates on its own while loading (cross-reference streams, object
//!   streams) are inflated first into a counting sink, under a ratio cap, so a decompression
//!   bomb is refused instead of allocated;
//! - every other stream is inflated here, with a cap, never through lopdf;
//! - every call runs under `catch_unwind`, a panic being [`IngestProblemKind::Corrupt`].

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};

use docgate_core::{DocumentMeasurements, IngestProblem, IngestProblemKind};
use flate2::read::ZlibDecoder;
use image::{DynamicImage, GrayImage, RgbImage};
use lopdf::{Dictionary, Document, Object, ObjectId, Reader, Stream};

use crate::sniff::pdf_header_offset;
use crate::{page, problem, raster, Limits};

/// Deepest nesting of arrays/dictionaries accepted. Real documents stay far below 20; lopdf
/// spends a few hundred bytes of stack per level and worker threads may have only 2 MiB.
const MAX_NESTING: usize = 64;
/// Streams lopdf inflates by itself may expand at most this much over their compressed size
/// (real object and xref streams compress 3–10×; a zlib bomb reaches 1000×).
const MAX_INFLATE_RATIO: u64 = 64;
/// ... plus this much, so tiny streams are not judged by ratio alone.
const INFLATE_SLACK: u64 = 64 << 10;
/// Total output the load-time pre-check will inflate (into a sink) before giving up.
const PRECHECK_BUDGET: u64 = 256 << 20;
/// Largest single content (or ToUnicode) stream inflated for text detection or extraction.
const MAX_CONTENT_STREAM: usize = 32 << 20;
/// Total content inflated per document while looking for a text layer.
const TEXT_SCAN_BUDGET: usize = 128 << 20;
/// Resolution at which a page without a scanned image is measured, in dots per inch.
const VECTOR_DPI: f64 = 150.0;
/// Largest page side the PDF spec allows, in points (200 inches).
const MAX_PAGE_POINTS: f64 = 14_400.0;
/// Parent links followed when looking up inherited page attributes.
const MAX_PARENT_DEPTH: usize = 64;

/// Runs `f` (which calls into lopdf) so that a panic becomes a Corrupt problem.
fn guarded<T>(
    what: &str,
    f: impl FnOnce() -> Result<T, IngestProblem>,
) -> Result<T, IngestProblem> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(problem(
            IngestProblemKind::Corrupt,
            format!("the PDF parser failed on this file ({what})"),
        ))
    })
}

/// The bytes from `%PDF-` on: offsets in a PDF count from its header, so junk before it (which
/// readers tolerate) must be cut off rather than shift every offset.
fn from_header(bytes: &[u8]) -> &[u8] {
    &bytes[pdf_header_offset(bytes).unwrap_or(0)..]
}

/// Loads a PDF after the pre-checks; see the module documentation.
fn load(bytes: &[u8]) -> Result<Document, IngestProblem> {
    let data = from_header(bytes);
    if has_encrypt_entry(data) {
        return Err(encrypted());
    }
    if max_nesting(data) > MAX_NESTING {
        return Err(problem(
            IngestProblemKind::Corrupt,
            format!("the PDF nests arrays or dictionaries deeper than {MAX_NESTING} levels"),
        ));
    }
    precheck_loader_streams(data)?;
    let doc = guarded("loading", || {
        Reader {
            buffer: data,
            document: Document::new(),
        }
        .read(Some(bound_object_streams))
        .map_err(|e| {
            let tail = &data[data.len().saturating_sub(1024)..];
            if find(tail, b"%%EOF").is_none() {
                problem(
                    IngestProblemKind::Truncated,
                    "the PDF ends without %%EOF and cannot be read: the upload was cut off",
                )
            } else {
                let msg: String = e.to_string().chars().take(160).collect();
                problem(
                    IngestProblemKind::Corrupt,
                    format!(
                        "the PDF structure is broken (cross-reference table or trailer): {msg}"
                    ),
                )
            }
        })
    })?;
    // The byte scan above can be fooled (e.g. a name written with `#` escapes); the parsed
    // trailer cannot.
    if doc.trailer.get(b"Encrypt").is_ok() {
        return Err(encrypted());
    }
    Ok(doc)
}

fn encrypted() -> IngestProblem {
    problem(
        IngestProblemKind::Encrypted,
        "the PDF is encrypted or password-protected; ask for an unprotected copy",
    )
}

/// A `/Encrypt` key (not `/EncryptMetadata`) anywhere in the file: in a trailer or an xref
/// stream dictionary it means the document is encrypted.
fn has_encrypt_entry(data: &[u8]) -> bool {
    let key = b"/Encrypt";
    let mut from = 0;
    while let Some(at) = find(&data[from..], key) {
        let end = from + at + key.len();
        match data.get(end) {
            Some(c) if is_regular(*c) => from = end,
            _ => return true,
        }
    }
    false
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(c: u8) -> bool {
    !is_whitespace(c) && !is_delimiter(c)
}

/// Skips a literal string starting at `i` (which is `(`); returns the index after it and
/// whether it holds anything but whitespace.
fn skip_literal(data: &[u8], mut i: usize) -> (usize, bool) {
    let mut depth = 0usize;
    let mut nonblank = false;
    while let Some(&c) = data.get(i) {
        match c {
            b'\\' => {
                nonblank = true;
                i += 1;
            }
            b'(' => {
                if depth > 0 {
                    nonblank = true;
                }
                depth += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (i + 1, nonblank);
                }
                nonblank = true;
            }
            c if !is_whitespace(c) => nonblank = true,
            _ => {}
        }
        i += 1;
    }
    (i, nonblank)
}

/// Skips a hex string starting at `i` (which is `<`, not `<<`); returns the index after it and
/// whether it holds any digits.
fn skip_hex(data: &[u8], i: usize) -> (usize, bool) {
    let rest = data.get(i + 1..).unwrap_or(&[]);
    match rest.iter().position(|&c| c == b'>') {
        Some(end) => (
            i + 2 + end,
            rest[..end].iter().any(|c| c.is_ascii_hexdigit()),
        ),
        None => (data.len(), false),
    }
}

/// The deepest nesting of `[` and `<<` outside strings, comments and stream data. Iterative,
/// so it is safe on any input.
fn max_nesting(data: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(&c) = data.get(i) {
        match c {
            b'%' => {
                i += data[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .unwrap_or(data.len() - i);
            }
            b'(' => i = skip_literal(data, i).0,
            b'<' if data.get(i + 1) == Some(&b'<') => {
                depth += 1;
                max = max.max(depth);
                i += 2;
            }
            b'<' => i = skip_hex(data, i).0,
            b'>' if data.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 2;
            }
            b'[' => {
                depth += 1;
                max = max.max(depth);
                i += 1;
            }
            b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b's' if data[i..].starts_with(b"stream")
                && data.get(i + 6).is_some_and(|&c| c == b'\r' || c == b'\n')
                && (i == 0 || !is_regular(data[i - 1])) =>
            {
                // Stream data is binary: jump to its end rather than count brackets in it.
                i += find(&data[i..], b"endstream").map_or(data.len() - i, |e| e + 9);
            }
            _ => i += 1,
        }
    }
    max
}

/// True when `data` starts with a zlib header (CMF/FLG check), i.e. it is FlateDecode data.
fn is_zlib(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => cmf & 0x0F == 8 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// How many bytes `compressed` inflates to, counting into a sink and stopping after `cap`.
fn inflated_len(compressed: &[u8], cap: u64) -> u64 {
    let mut counter = ZlibDecoder::new(compressed).take(cap.saturating_add(1));
    // A corrupt tail ends the count early; what was produced still counts.
    std::io::copy(&mut counter, &mut std::io::sink()).unwrap_or(0)
}

/// Cross-reference streams are inflated by lopdf while it reads the trailer, before any
/// hook of ours runs, so every stream whose dictionary looks like one (or hides its type
/// behind `#` name escapes) is inflated first into a sink under the ratio cap.
fn precheck_loader_streams(data: &[u8]) -> Result<(), IngestProblem> {
    let bomb = || {
        problem(
            IngestProblemKind::Corrupt,
            "a compressed PDF structure stream expands far beyond its size (decompression bomb)",
        )
    };
    let mut budget = PRECHECK_BUDGET;
    let mut from = 0;
    while let Some(at) = find(&data[from..], b"stream") {
        let kw = from + at;
        from = kw + 6;
        if kw > 0 && is_regular(data[kw - 1]) {
            continue; // "endstream" or some other word
        }
        let dict_start = kw.saturating_sub(4096);
        let Some(obj) = data[dict_start..kw].windows(3).rposition(|w| w == b"obj") else {
            continue;
        };
        let dict = &data[dict_start + obj..kw];
        let loader_inflates = find(dict, b"/XRef").is_some()
            || find(dict, b"/ObjStm").is_some()
            || find(dict, b"#").is_some();
        if !loader_inflates {
            continue;
        }
        if find(dict, b"LZW").is_some() {
            return Err(problem(
                IngestProblemKind::Corrupt,
                "an LZW-compressed PDF structure stream is refused (cannot be bounded)",
            ));
        }
        let mut body = &data[from..];
        while let [b'\r' | b'\n', rest @ ..] = body {
            body = rest;
        }
        if !is_zlib(body) {
            continue;
        }
        let end = find(body, b"endstream").unwrap_or(body.len());
        let allowed = (end as u64)
            .saturating_mul(MAX_INFLATE_RATIO)
            .saturating_add(INFLATE_SLACK)
            .min(budget);
        let produced = inflated_len(&body[..end], allowed);
        if produced > allowed {
            return Err(bomb());
        }
        budget -= produced;
    }
    Ok(())
}

/// lopdf's per-object hook while loading: object streams are inflated (by lopdf, right after
/// this hook) into memory that stays alive, so an object stream that would expand beyond the
/// ratio cap, or uses a filter we cannot bound, is dropped instead. Returning `None` drops
/// the object; for a top-level object only that matters (the returned value is ignored),
/// for objects inside object streams the returned value is what gets stored.
fn bound_object_streams(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    match object {
        Object::Stream(stream) => {
            if stream.dict.type_is(b"ObjStm") {
                let filters = filter_names(&stream.dict);
                let ok = match filters.as_slice() {
                    [] => true,
                    [f] if f == "FlateDecode" || f == "Fl" => {
                        let allowed = (stream.content.len() as u64)
                            .saturating_mul(MAX_INFLATE_RATIO)
                            .saturating_add(INFLATE_SLACK);
                        inflated_len(&stream.content, allowed) <= allowed
                    }
                    _ => false,
                };
                if !ok {
                    return None;
                }
            }
            Some((id, Object::Null))
        }
        other => Some((id, other.clone())),
    }
}

/// The stream's filter names, in decoding order.
fn filter_names(dict: &Dictionary) -> Vec<String> {
    match dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![String::from_utf8_lossy(n).into_owned()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// A stream's decoded bytes, at most `cap` of them; `None` when it is larger, or uses a
/// filter other than Flate (which could not be bounded here) or a predictor.
fn stream_bytes(stream: &Stream, cap: usize) -> Option<Vec<u8>> {
    let filters = filter_names(&stream.dict);
    match filters.as_slice() {
        [] => (stream.content.len() <= cap).then(|| stream.content.clone()),
        [f] if f == "FlateDecode" || f == "Fl" => {
            if stream.dict.get(b"DecodeParms").is_ok() {
                return None;
            }
            let mut out = Vec::new();
            let mut dec = ZlibDecoder::new(stream.content.as_slice()).take(cap as u64 + 1);
            // Like lopdf, keep what inflated before a corrupt tail.
            let _ = dec.read_to_end(&mut out);
            (out.len() <= cap).then_some(out)
        }
        _ => None,
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn number(doc: &Document, o: &Object) -> Option<f64> {
    match deref(doc, o)? {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

fn dict_number(doc: &Document, d: &Dictionary, key: &[u8]) -> Option<f64> {
    number(doc, d.get(key).ok()?)
}

fn dict_dict<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
    deref(doc, d.get(key).ok()?)?.as_dict().ok()
}

/// A page attribute, looked up through the page tree for the inheritable ones.
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..MAX_PARENT_DEPTH {
        if let Ok(v) = node.get(key) {
            return deref(doc, v);
        }
        node = dict_dict(doc, node, b"Parent")?;
    }
    None
}

/// Page ids in order, stopping after `limit` (lopdf's iterator guards against cycles).
fn page_ids(doc: &Document, limit: usize) -> Vec<ObjectId> {
    doc.page_iter().take(limit).collect()
}

/// An image XObject on a page, as its dictionary claims it.
struct PageImage<'a> {
    width: u64,
    height: u64,
    stream: &'a Stream,
}

/// The image XObjects a page's resources name (without touching their data).
fn page_images<'a>(doc: &'a Document, page: &'a Dictionary) -> Vec<PageImage<'a>> {
    let Some(resources) = inherited(doc, page, b"Resources").and_then(|o| o.as_dict().ok()) else {
        return Vec::new();
    };
    let Some(xobjects) = dict_dict(doc, resources, b"XObject") else {
        return Vec::new();
    };
    xobjects
        .iter()
        .filter_map(|(_, v)| {
            let stream = deref(doc, v)?.as_stream().ok()?;
            if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Image") {
                return None;
            }
            let width = dict_number(doc, &stream.dict, b"Width")?;
            let height = dict_number(doc, &stream.dict, b"Height")?;
            (width >= 1.0 && height >= 1.0).then_some(PageImage {
                width: width as u64,
                height: height as u64,
                stream,
            })
        })
        .collect()
}

fn largest<'i, 'a>(images: &'i [PageImage<'a>]) -> Option<&'i PageImage<'a>> {
    images
        .iter()
        .max_by_key(|i| i.width.saturating_mul(i.height))
}

fn check_image(img: &PageImage<'_>, page_no: usize, limits: &Limits) -> Result<(), IngestProblem> {
    if limits.pixels_ok(img.width, img.height) {
        return Ok(());
    }
    Err(problem(
        IngestProblemKind::TooManyPixels,
        format!(
            "page {page_no} embeds an image claiming {}×{} = {:.1} MP; the cap is {} MP",
            img.width,
            img.height,
            img.width as f64 * img.height as f64 / 1e6,
            limits.max_megapixels
        ),
    ))
}

/// MediaBox width and height in points (Letter when missing or absurd), before /Rotate.
fn media_box(doc: &Document, page: &Dictionary) -> (f64, f64) {
    let corners: Option<Vec<f64>> = inherited(doc, page, b"MediaBox")
        .and_then(|o| o.as_array().ok())
        .map(|a| a.iter().filter_map(|o| number(doc, o)).collect());
    match corners.as_deref() {
        Some([x0, y0, x1, y1]) => {
            let (w, h) = ((x1 - x0).abs(), (y1 - y0).abs());
            if w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0 {
                (w.min(MAX_PAGE_POINTS), h.min(MAX_PAGE_POINTS))
            } else {
                (612.0, 792.0)
            }
        }
        _ => (612.0, 792.0),
    }
}

/// Whether /Rotate turns the page by a quarter (90 or 270 degrees).
fn quarter_turned(doc: &Document, page: &Dictionary) -> bool {
    inherited(doc, page, b"Rotate")
        .and_then(|o| number(doc, o))
        .is_some_and(|r| (r as i64).rem_euclid(180) == 90)
}

/// Pixel size of one page: the embedded scan when the page is one (the largest image has the
/// page's aspect ratio within 20% and at least 50 dpi across it — a logo or photo on a
/// born-digital page fails this), else the MediaBox at 150 dpi. After /Rotate.
fn page_pixels(doc: &Document, page: &Dictionary, images: &[PageImage<'_>]) -> (u32, u32) {
    let (pw, ph) = media_box(doc, page);
    let scan = largest(images).filter(|img| {
        let (iw, ih) = (img.width as f64, img.height as f64);
        let aspect = (iw / ih) / (pw / ph);
        (0.8..=1.25).contains(&aspect) && iw / (pw / 72.0) >= 50.0
    });
    let (w, h) = match scan {
        Some(img) => (
            u32::try_from(img.width).unwrap_or(u32::MAX),
            u32::try_from(img.height).unwrap_or(u32::MAX),
        ),
        None => (
            (pw / 72.0 * VECTOR_DPI).round() as u32,
            (ph / 72.0 * VECTOR_DPI).round() as u32,
        ),
    };
    if quarter_turned(doc, page) {
        (h, w)
    } else {
        (w, h)
    }
}

/// Whether content holds a text-showing operator (`Tj`, `TJ`, `'`, `"`) with non-blank text.
/// A flat tokenizer, no recursion, no allocation.
fn shows_text(content: &[u8]) -> bool {
    let mut i = 0;
    let (mut last_string, mut in_array, mut array_text, mut last_array) =
        (false, 0usize, false, false);
    while let Some(&c) = content.get(i) {
        match c {
            b'%' => {
                i += content[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .unwrap_or(content.len() - i)
            }
            b'(' | b'<' if !(c == b'<' && content.get(i + 1) == Some(&b'<')) => {
                let (next, nonblank) = if c == b'(' {
                    skip_literal(content, i)
                } else {
                    skip_hex(content, i)
                };
                i = next;
                last_string = nonblank;
                if in_array > 0 && nonblank {
                    array_text = true;
                }
            }
            b'[' => {
                if in_array == 0 {
                    array_text = false;
                }
                in_array += 1;
                i += 1;
            }
            b']' => {
                in_array = in_array.saturating_sub(1);
                if in_array == 0 {
                    last_array = array_text;
                }
                i += 1;
            }
            c if is_regular(c) => {
                let len = content[i..].iter().take_while(|&&c| is_regular(c)).count();
                let token = &content[i..i + len];
                i += len;
                match token {
                    b"Tj" | b"'" | b"\"" if last_string => return true,
                    b"TJ" if last_array => return true,
                    b"ID" => {
                        // Inline image data is binary: skip to its EI.
                        i += find(&content[i..], b"EI").map_or(content.len() - i, |e| e + 2);
                    }
                    _ => {}
                }
                if !token
                    .first()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.'))
                {
                    // An operator consumes its operands.
                    last_string = false;
                    last_array = false;
                }
            }
            _ => i += 1,
        }
    }
    false
}

/// The page's content streams and those of the form XObjects it draws (one level deep).
fn content_streams<'a>(
    doc: &'a Document,
    page_id: ObjectId,
    page: &'a Dictionary,
) -> Vec<&'a Stream> {
    let mut out: Vec<&Stream> = doc
        .get_page_contents(page_id)
        .into_iter()
        .filter_map(|id| doc.get_object(id).ok()?.as_stream().ok())
        .collect();
    if let Some(xobjects) = inherited(doc, page, b"Resources")
        .and_then(|o| o.as_dict().ok())
        .and_then(|r| dict_dict(doc, r, b"XObject"))
    {
        out.extend(xobjects.iter().filter_map(|(_, v)| {
            let s = deref(doc, v)?.as_stream().ok()?;
            (s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Form")).then_some(s)
        }));
    }
    out
}

/// Fills page count, pages and text layer of a PDF's measurements.
pub(crate) fn measure(bytes: &[u8], limits: &Limits, m: &mut DocumentMeasurements) {
    let doc = match load(bytes) {
        Ok(doc) => doc,
        Err(p) => {
            m.problem = Some(p);
            return;
        }
    };
    let result = guarded("measuring pages", || {
        let cap = limits.max_pdf_pages as usize;
        // Counting is cheap once loaded and bounded by the object count (itself bounded by
        // the byte cap); only the first `cap` pages are measured.
        let total = doc.page_iter().count();
        m.page_count = u32::try_from(total).unwrap_or(u32::MAX);
        if total == 0 {
            return Err(problem(IngestProblemKind::Corrupt, "the PDF has no pages"));
        }
        if total > cap {
            return Err(problem(
                IngestProblemKind::TooManyPages,
                format!("the PDF has {total} pages; the cap is {cap}"),
            ));
        }
        let mut budget = TEXT_SCAN_BUDGET;
        for (n, id) in page_ids(&doc, cap).into_iter().enumerate() {
            let Ok(page_dict) = doc.get_dictionary(id) else {
                return Err(problem(
                    IngestProblemKind::Corrupt,
                    format!("page {} is not a dictionary", n + 1),
                ));
            };
            let images = page_images(&doc, page_dict);
            for img in &images {
                check_image(img, n + 1, limits)?;
            }
            let (w, h) = page_pixels(&doc, page_dict, &images);
            m.pages.push(page(n as u32, w, h));
            if !m.has_text_layer {
                for s in content_streams(&doc, id, page_dict) {
                    let Some(content) = stream_bytes(s, MAX_CONTENT_STREAM.min(budget)) else {
                        continue;
                    };
                    budget -= content.len();
                    if shows_text(&content) {
                        m.has_text_layer = true;
                        break;
                    }
                }
            }
        }
        Ok(())
    });
    if let Err(p) = result {
        m.problem = Some(p);
    }
}

fn check_page_count(doc: &Document, limits: &Limits) -> Result<Vec<ObjectId>, IngestProblem> {
    let cap = limits.max_pdf_pages as usize;
    let ids = page_ids(doc, cap.saturating_add(1));
    if ids.len() > cap {
        return Err(problem(
            IngestProblemKind::TooManyPages,
            format!("the PDF has more than {cap} pages"),
        ));
    }
    Ok(ids)
}

/// Decodes the largest image on page `index`; see [`crate::decode_page`].
pub(crate) fn decode_page(
    bytes: &[u8],
    index: u32,
    limits: &Limits,
) -> Result<RgbImage, IngestProblem> {
    let doc = load(bytes)?;
    guarded("decoding a page image", || {
        let ids = check_page_count(&doc, limits)?;
        let Some(&id) = ids.get(index as usize) else {
            return Err(problem(
                IngestProblemKind::NotFound,
                format!(
                    "the PDF has {} pages; page index {index} does not exist",
                    ids.len()
                ),
            ));
        };
        let page_dict = doc
            .get_dictionary(id)
            .map_err(|_| problem(IngestProblemKind::Corrupt, "the page is not a dictionary"))?;
        let images = page_images(&doc, page_dict);
        let Some(img) = largest(&images) else {
            return Err(problem(
                IngestProblemKind::UnsupportedFormat,
                "the page has no embedded image; vector PDF pages are not rendered here",
            ));
        };
        // The claim is checked before a single byte is inflated.
        check_image(img, index as usize + 1, limits)?;
        let rgb = decode_image(&doc, img, limits)?;
        let rgb = if quarter_turned(&doc, page_dict) {
            let turns = inherited(&doc, page_dict, b"Rotate")
                .and_then(|o| number(&doc, o))
                .map_or(0, |r| (r as i64).rem_euclid(360));
            if turns == 270 {
                image::imageops::rotate270(&rgb)
            } else {
                image::imageops::rotate90(&rgb)
            }
        } else {
            rgb
        };
        Ok(rgb)
    })
}

/// Number of colour channels of an image's colour space, for the spaces decoded here.
fn channels(doc: &Document, dict: &Dictionary) -> Option<u64> {
    let cs = deref(doc, dict.get(b"ColorSpace").ok()?)?;
    match cs {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"G" | b"CalGray" => Some(1),
            b"DeviceRGB" | b"RGB" | b"CalRGB" => Some(3),
            b"DeviceCMYK" | b"CMYK" => Some(4),
            _ => None,
        },
        Object::Array(a) => {
            let family = a.first()?.as_name().ok()?;
            match family {
                b"ICCBased" => {
                    let n = dict_number(doc, &deref(doc, a.get(1)?)?.as_stream().ok()?.dict, b"N")?;
                    matches!(n as u64, 1 | 3 | 4).then_some(n as u64)
                }
                b"CalGray" => Some(1),
                b"CalRGB" => Some(3),
                _ => None,
            }
        }
        _ => None,
    }
}

fn unsupported(what: impl Into<String>) -> IngestProblem {
    problem(IngestProblemKind::UnsupportedFormat, what)
}

fn decode_image(
    doc: &Document,
    img: &PageImage<'_>,
    limits: &Limits,
) -> Result<RgbImage, IngestProblem> {
    let dict = &img.stream.dict;
    let filters = filter_names(dict);
    let (w, h) = (img.width, img.height);
    match filters.as_slice() {
        [f] if f == "DCTDecode" || f == "DCT" => {
            // The JPEG bytes themselves, under the same caps as an uploaded JPEG.
            raster::decode(&img.stream.content, docgate_core::Format::Jpeg, limits)
        }
        [] | [_] if !matches!(filters.first(), Some(f) if f != "FlateDecode" && f != "Fl") => {
            let ch = channels(doc, dict)
                .ok_or_else(|| unsupported("the page image's colour space is not supported"))?;
            let bpc = dict_number(doc, dict, b"BitsPerComponent").map_or(8, |b| b as u64);
            if !(bpc == 8 || (bpc == 1 && ch == 1)) {
                return Err(unsupported(format!(
                    "{bpc}-bit page images are not supported"
                )));
            }
            let predictor = dict_dict(doc, dict, b"DecodeParms")
                .and_then(|p| dict_number(doc, p, b"Predictor"))
                .map_or(1, |p| p as u64);
            if !(predictor == 1 || (10..=15).contains(&predictor)) {
                return Err(unsupported(
                    "TIFF predictors in page images are not supported",
                ));
            }
            let png_rows = predictor >= 10;
            let row = (w * ch * bpc).div_ceil(8);
            let stride = row + u64::from(png_rows);
            // Everything computed from dims that passed the pixel cap: no overflow possible
            // for sane caps, but checked anyway.
            let expected = stride
                .checked_mul(h)
                .filter(|&n| n <= limits.max_alloc())
                .ok_or_else(|| {
                    problem(
                        IngestProblemKind::TooManyPixels,
                        "the page image is too large to decode",
                    )
                })?;
            let raw = if filters.is_empty() {
                img.stream.content.clone()
            } else {
                let mut out = Vec::new();
                let mut dec = ZlibDecoder::new(img.stream.content.as_slice()).take(expected);
                if let Err(e) = dec.read_to_end(&mut out) {
                    if out.len() as u64 != expected {
                        return Err(problem(
                            IngestProblemKind::Corrupt,
                            format!("the page image's compressed data is broken: {}", e.kind()),
                        ));
                    }
                }
                out
            };
            if (raw.len() as u64) < expected {
                return Err(problem(
                    IngestProblemKind::Truncated,
                    "the page image's data ends before its declared size",
                ));
            }
            let (stride, row, h) = (stride as usize, row as usize, h as usize);
            let samples = if png_rows {
                let bpp = ((ch * bpc).div_ceil(8)) as usize;
                unfilter_png_rows(&raw[..stride * h], row, bpp)?
            } else {
                raw[..row * h].to_vec()
            };
            samples_to_rgb(samples, w as u32, h as u32, ch, bpc, row)
        }
        _ => Err(unsupported(format!(
            "page images compressed with {} are not supported",
            filters.join("+")
        ))),
    }
}

/// Undoes PNG row filters (PDF predictors 10–15), row by row.
fn unfilter_png_rows(raw: &[u8], row: usize, bpp: usize) -> Result<Vec<u8>, IngestProblem> {
    let mut out = vec![0u8; raw.len() / (row + 1) * row];
    let mut prev_start: Option<usize> = None;
    for (r, chunk) in raw.chunks_exact(row + 1).enumerate() {
        let (kind, src) = (chunk[0], &chunk[1..]);
        let start = r * row;
        for x in 0..row {
            let a = if x >= bpp { out[start + x - bpp] } else { 0 };
            let b = prev_start.map_or(0, |p| out[p + x]);
            let c = if x >= bpp {
                prev_start.map_or(0, |p| out[p + x - bpp])
            } else {
                0
            };
            let pred = match kind {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                _ => {
                    return Err(problem(
                        IngestProblemKind::Corrupt,
                        "the page image has an invalid PNG row filter",
                    ))
                }
            };
            out[start + x] = src[x].wrapping_add(pred);
        }
        prev_start = Some(start);
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

fn samples_to_rgb(
    samples: Vec<u8>,
    w: u32,
    h: u32,
    ch: u64,
    bpc: u64,
    row: usize,
) -> Result<RgbImage, IngestProblem> {
    let broken = || {
        problem(
            IngestProblemKind::Corrupt,
            "the page image's samples do not match its size",
        )
    };
    match (ch, bpc) {
        (1, 1) => {
            let mut gray = GrayImage::new(w, h);
            for (y, line) in samples.chunks_exact(row).enumerate() {
                for x in 0..w as usize {
                    let bit = (line[x / 8] >> (7 - (x % 8))) & 1;
                    gray.put_pixel(
                        x as u32,
                        y as u32,
                        image::Luma([if bit == 1 { 255 } else { 0 }]),
                    );
                }
            }
            Ok(DynamicImage::ImageLuma8(gray).to_rgb8())
        }
        (1, _) => GrayImage::from_raw(w, h, samples)
            .map(|g| DynamicImage::ImageLuma8(g).to_rgb8())
            .ok_or_else(broken),
        (3, _) => RgbImage::from_raw(w, h, samples).ok_or_else(broken),
        _ => {
            // Naive CMYK → RGB: good enough for measuring a scan, which is all this feeds.
            let rgb: Vec<u8> = samples
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u16::from(p[3]);
                    [0, 1, 2].map(|i| ((255 - u16::from(p[i])) * k / 255) as u8)
                })
                .collect();
            RgbImage::from_raw(w, h, rgb).ok_or_else(broken)
        }
    }
}

/// The text layer per page; see [`crate::pdf_text`].
pub(crate) fn text(bytes: &[u8], limits: &Limits) -> Result<Vec<String>, IngestProblem> {
    let doc = load(bytes)?;
    let ids = guarded("counting pages", || check_page_count(&doc, limits))?;
    let mut out = Vec::with_capacity(ids.len());
    for (n, id) in ids.into_iter().enumerate() {
        let text = if page_text_is_bounded(&doc, id) {
            let page_no = n as u32 + 1;
            catch_unwind(AssertUnwindSafe(|| doc.extract_text(&[page_no])))
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default()
        } else {
            String::new()
        };
        out.push(text);
    }
    Ok(out)
}

/// Whether everything lopdf's `extract_text` would inflate for this page (its content streams
/// and its fonts' ToUnicode CMaps) inflates within the cap using filters we can bound, and the
/// content nests shallowly enough for lopdf's recursive content parser.
fn page_text_is_bounded(doc: &Document, id: ObjectId) -> bool {
    catch_unwind(AssertUnwindSafe(|| {
        for sid in doc.get_page_contents(id) {
            let Some(s) = doc.get_object(sid).ok().and_then(|o| o.as_stream().ok()) else {
                continue;
            };
            match stream_bytes(s, MAX_CONTENT_STREAM) {
                Some(content) if max_nesting(&content) <= MAX_NESTING => {}
                _ => return false,
            }
        }
        let Ok(fonts) = doc.get_page_fonts(id) else {
            return true;
        };
        fonts.values().all(|font| {
            let to_unicode = font
                .get(b"ToUnicode")
                .ok()
                .and_then(|o| deref(doc, o))
                .and_then(|o| o.as_stream().ok());
            match to_unicode {
                Some(s) => stream_bytes(s, MAX_CONTENT_STREAM).is_some(),
                None => true,
            }
        })
    }))
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_measured_outside_strings_and_streams() {
        assert_eq!(max_nesting(b"<< /A [ [ 1 ] ] >>"), 3);
        assert_eq!(max_nesting(b"( [[[[ ) << >>"), 1);
        assert_eq!(max_nesting(b"1 0 obj << >> stream\n[[[[[[\nendstream"), 1);
        assert_eq!(max_nesting(&[b'['; 10_000]), 10_000);
    }

    #[test]
    fn text_operators() {
        assert!(shows_text(b"BT /F1 12 Tf 10 10 Td (Hello) Tj ET"));
        assert!(shows_text(b"BT [(He) -20 (llo)] TJ ET"));
        assert!(shows_text(b"BT <48656c6c6f> Tj ET"));
        assert!(!shows_text(b"BT ( ) Tj ET"));
        assert!(!shows_text(b"BT [] TJ ET"));
        assert!(!shows_text(b"q 100 0 0 100 0 0 cm /Im0 Do Q"));
        assert!(!shows_text(b"(Hello) n Tj"));
    }

    #[test]
    fn encrypt_key_but_not_encrypt_metadata() {
        assert!(has_encrypt_entry(b"trailer << /Encrypt 5 0 R >>"));
        assert!(has_encrypt_entry(b"<</Encrypt<</V 1>>>>"));
        assert!(!has_encrypt_entry(b"<< /EncryptMetadata false >>"));
    }

    #[test]
    fn png_predictor_rows() {
        // Two rows of 2 gray pixels: Sub filter then Up filter.
        let raw = [1, 10, 5, 2, 1, 1];
        assert_eq!(
            unfilter_png_rows(&raw, 2, 1).ok(),
            Some(vec![10, 15, 11, 16])
        );
    }
}
