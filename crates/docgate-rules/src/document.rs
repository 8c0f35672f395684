//! Per-document rules on ingest measurements: access, format, file size, decode, resolution.

use docgate_config::Profile;
use docgate_core::{DocumentMeasurements, DocumentRef, IngestProblemKind, RuleId, Verdict};

use crate::emit::{Emitter, Evidence};
use crate::submission::truncate;

pub(crate) fn check(
    out: &mut Emitter,
    profile: &Profile,
    doc: &DocumentRef,
    m: Option<&DocumentMeasurements>,
) {
    let Some(m) = m else { return };
    let kind = doc.kind();
    let rules = profile.rules(kind);
    let what = kind.map_or("document", |k| k.label());
    let id = Some(doc.id.as_str());

    // Storage: nothing else can be said about a file that could not be read.
    if let Some(p) = m.problem.as_ref().filter(|p| p.kind.is_access()) {
        let reason = match p.kind {
            IngestProblemKind::NotFound => "no such file",
            IngestProblemKind::OutsideRoot => {
                "the uri points outside the files this submission may read"
            }
            _ => "the file could not be read",
        };
        out.verdict(
            RuleId::DocumentAccess,
            rules.document_access.severity,
            id,
            Verdict::Violated,
            format!(
                "{what} {:?}: {reason} ({})",
                truncate(&doc.uri, 80),
                p.detail
            ),
            Evidence::default(),
        );
        return;
    }
    out.verdict(
        RuleId::DocumentAccess,
        rules.document_access.severity,
        id,
        Verdict::Pass,
        format!("{what} read ({} bytes)", m.bytes),
        Evidence::default(),
    );

    // Format: the sniffed type decides; the file name only earns a note when it lies.
    let fmt = &rules.image_format;
    let allowed: Vec<&str> = fmt.params.allowed.iter().map(|f| f.as_str()).collect();
    // A file over the hard cap was never read past it: its format and size are unknown, not
    // "empty" (ingest records 0 bytes for a file it did not read).
    let over_cap = m
        .problem
        .as_ref()
        .is_some_and(|p| p.kind == IngestProblemKind::TooLarge);
    match m.format {
        None if over_cap => {
            out.verdict(
                RuleId::ImageFormat,
                fmt.severity,
                id,
                Verdict::Uncertain,
                format!("{what}: not inspected, the file is larger than the hard cap"),
                Evidence::default(),
            );
        }
        None => {
            let why = if m.bytes == 0 {
                "the file is empty"
            } else {
                "the content is not a known image or PDF format"
            };
            out.verdict(
                RuleId::ImageFormat,
                fmt.severity,
                id,
                Verdict::Violated,
                format!("{what}: {why} (allowed: {})", allowed.join(", ")),
                Evidence::default(),
            );
        }
        Some(real) if !fmt.params.allowed.contains(&real) => {
            out.verdict(
                RuleId::ImageFormat,
                fmt.severity,
                id,
                Verdict::Violated,
                format!(
                    "{what} is {real}, which this profile does not accept (allowed: {})",
                    allowed.join(", ")
                ),
                Evidence::default(),
            );
        }
        Some(real) => match m.claimed_format.filter(|c| *c != real) {
            Some(claimed) => out.verdict(
                RuleId::ImageFormat,
                fmt.severity,
                id,
                Verdict::Note,
                format!("{what} is really {real} although its name says {claimed}"),
                Evidence::default(),
            ),
            None => out.verdict(
                RuleId::ImageFormat,
                fmt.severity,
                id,
                Verdict::Pass,
                format!("{what} is {real}"),
                Evidence::default(),
            ),
        },
    }

    // File size.
    let size = &rules.image_file_size;
    let max = size.params.max_bytes;
    if over_cap {
        out.verdict(
            RuleId::ImageFileSize,
            size.severity,
            id,
            Verdict::Violated,
            format!(
                "{what} file is larger than the hard cap ({}), so larger than {}",
                m.problem.as_ref().map_or("", |p| p.detail.as_str()),
                human_bytes(max)
            ),
            Evidence::default(),
        );
    } else {
        let verdict = if m.bytes > max {
            Verdict::Violated
        } else {
            Verdict::Pass
        };
        let cmp = if m.bytes > max { ">" } else { "≤" };
        out.verdict(
            RuleId::ImageFileSize,
            size.severity,
            id,
            verdict,
            format!(
                "{what} file is {} {cmp} {}",
                human_bytes(m.bytes),
                human_bytes(max)
            ),
            Evidence::compared(m.bytes as f64, max as f64),
        );
    }

    // Decode (header-level in ingest; the full decode adds its own problems later).
    let decode = &rules.image_decode;
    match m.problem.as_ref() {
        Some(p)
            if !matches!(
                p.kind,
                IngestProblemKind::UnknownFormat | IngestProblemKind::Empty
            ) =>
        {
            out.verdict(
                RuleId::ImageDecode,
                decode.severity,
                id,
                Verdict::Violated,
                format!(
                    "{what} cannot be read: {} ({})",
                    problem_label(p.kind),
                    p.detail
                ),
                Evidence::default(),
            );
        }
        Some(_) => {}
        None => out.verdict(
            RuleId::ImageDecode,
            decode.severity,
            id,
            Verdict::Pass,
            format!(
                "{what} is readable ({} page{})",
                m.page_count,
                if m.page_count == 1 { "" } else { "s" }
            ),
            Evidence::default(),
        ),
    }

    // Resolution of the document itself: the detected quadrilateral's pixel size when
    // vision found one, else the whole first page.
    if let Some(page) = m.pages.first() {
        let res = &rules.image_resolution;
        let quad = page
            .vision
            .as_ref()
            .filter(|v| v.corners.len() == 4 && v.corners.iter().all(|c| c.position.is_some()));
        let (w, h) = match quad {
            Some(v) => (v.document_size[0], v.document_size[1]),
            None => (page.width, page.height),
        };
        let short = w.min(h);
        let mp = f64::from(w) * f64::from(h) / 1e6;
        let (min_short, min_mp) = (res.params.min_short_side, res.params.min_megapixels);
        let dims = match quad {
            Some(_) => format!(
                "{w}×{h} px (document in a {}×{} px frame)",
                page.width, page.height
            ),
            None => format!("{w}×{h} px"),
        };
        let (verdict, message, evidence) = if short < min_short {
            (
                Verdict::Violated,
                format!("{what} is {dims}: short side {short} < {min_short} px"),
                Evidence::compared(f64::from(short), f64::from(min_short)),
            )
        } else if mp < min_mp {
            (
                Verdict::Violated,
                format!("{what} is {dims}: {mp:.2} MP < {min_mp:.2} MP"),
                Evidence::compared(mp, min_mp),
            )
        } else {
            (
                Verdict::Pass,
                format!("{what} is {dims}: short side {short} ≥ {min_short} px, {mp:.2} MP ≥ {min_mp:.2} MP"),
                Evidence::compared(f64::from(short), f64::from(min_short)),
            )
        };
        let evidence = Evidence {
            region: quad.map(|v| v.document_region),
            ..evidence
        };
        out.verdict(
            RuleId::ImageResolution,
            res.severity,
            id,
            verdict,
            message,
            evidence,
        );
    }
}

fn problem_label(k: IngestProblemKind) -> &'static str {
    match k {
        IngestProblemKind::TooLarge => "larger than the hard cap on bytes read",
        IngestProblemKind::UnsupportedFormat => "a format this build cannot decode",
        IngestProblemKind::Truncated => "the file is truncated",
        IngestProblemKind::Corrupt => "the file is corrupt",
        IngestProblemKind::TooManyPixels => "more pixels than the decode cap",
        IngestProblemKind::TooManyPages => "more pages than the cap",
        IngestProblemKind::Encrypted => "the PDF is encrypted",
        IngestProblemKind::NotFound
        | IngestProblemKind::OutsideRoot
        | IngestProblemKind::Unreadable
        | IngestProblemKind::Empty
        | IngestProblemKind::UnknownFormat => "unreadable",
    }
}

/// `2.4 MB` style, in binary units as the platforms' "10M" means MiB in practice.
pub(crate) fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let f = n as f64;
    if f >= MIB {
        format!("{:.2} MiB", f / MIB)
    } else if n >= 1024 {
        format!("{:.1} KiB", f / 1024.0)
    } else {
        format!("{n} B")
    }
}
