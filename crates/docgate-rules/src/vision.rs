//! Rules on docgate-vision's page measurements: blur, corners, colour, glare, and the red
//! seals on the licence and the authorization letter. Each finding carries the measured
//! value, the threshold and where on the page, and states both numbers in its message.
//! A document without vision measurements (not decoded, or stored before vision existed)
//! gets no finding from these rules.

use docgate_config::Profile;
use docgate_core::{
    DocumentKind, DocumentMeasurements, DocumentRef, Region, RuleId, Severity, Verdict,
    VisionMeasurements,
};

use crate::emit::{Emitter, Evidence};

fn evidence(measured: f64, threshold: f64, region: Option<Region>) -> Evidence {
    Evidence {
        measured: Some(measured),
        threshold: Some(threshold),
        region,
    }
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

pub(crate) fn check(
    out: &mut Emitter,
    profile: &Profile,
    doc: &DocumentRef,
    m: Option<&DocumentMeasurements>,
) {
    let Some(v) = m
        .and_then(|m| m.pages.first())
        .and_then(|p| p.vision.as_ref().map(|v| (v, p.width, p.height)))
    else {
        return;
    };
    let (v, width, height) = v;
    let kind = doc.kind();
    let rules = profile.rules(kind);
    let what = kind.map_or("document", |k| k.label());
    let id = Some(doc.id.as_str());
    let region = Some(v.document_region);

    // Blur.
    let blur = &rules.image_blur;
    let min = blur.params.min_sharpness;
    // Sharp pages and defocus keep the weakest direction above about half the strongest;
    // motion blur leaves it near a fifth (fixtures/generated seed 11).
    let motion = if v.sharpness_max > 0.0 && v.sharpness < 0.4 * v.sharpness_max {
        format!(
            ", sharpest direction {:.1}: blurred along one direction (motion)",
            v.sharpness_max
        )
    } else {
        String::new()
    };
    let (verdict, message) = if v.sharpness < min {
        (
            Verdict::Violated,
            format!(
                "{what} is blurred: sharpness {:.1} < {min}{motion}",
                v.sharpness
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!("{what} is sharp: sharpness {:.1} ≥ {min}", v.sharpness),
        )
    };
    out.verdict(
        RuleId::ImageBlur,
        blur.severity,
        id,
        verdict,
        message,
        evidence(v.sharpness, min, region),
    );

    // Corners: the platforms' "four edges and four corners visible".
    corners(out, profile, doc, v, width, height);

    // Colour.
    let color = &rules.image_color;
    let min = color.params.min_colorfulness;
    let seals = if v.seals.is_empty() {
        String::new()
    } else {
        format!(" (red seals left out: {})", v.seals.len())
    };
    // Kinds whose original may be black print with a red seal and nothing else in colour
    // (the 基本存款账户信息 page a bank prints where permits are abolished): there, low
    // colourfulness with the red seal present is what the original looks like, and a grey
    // copy stamped in red afterwards looks the same, so the page cannot show a copy. A
    // grey copy that was not stamped again has lost the seal's red too, and that shows.
    let monochrome_original = matches!(kind, Some(DocumentKind::BankPermit));
    let (verdict, message) = if v.colorfulness < min && monochrome_original && !v.seals.is_empty() {
        (
            Verdict::Pass,
            format!(
                "{what}: no colour but its red seal (colourfulness {:.1} < {min}), which is \
                 what a black-print original is; this cannot show a copy{seals}",
                v.colorfulness
            ),
        )
    } else if v.colorfulness < min {
        (
            Verdict::Violated,
            format!(
                "{what} looks like a greyscale copy: colourfulness {:.1} < {min}{seals}",
                v.colorfulness
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "{what} is in colour: colourfulness {:.1} ≥ {min}{seals}",
                v.colorfulness
            ),
        )
    };
    // A licence copied in greyscale has no red to show: its missing seal is the copy's
    // doing, which image.color already decides. (A letter's seal stays decisive: its
    // colour is not judged, and an unsealed letter is what that rule is for.)
    let grey_copy = verdict == Verdict::Violated
        && matches!(color.severity, Severity::Fail | Severity::Review)
        && kind == Some(DocumentKind::BusinessLicense);
    out.verdict(
        RuleId::ImageColor,
        color.severity,
        id,
        verdict,
        message,
        evidence(v.colorfulness, min, region),
    );

    // Glare.
    let glare = &rules.image_glare;
    let max = glare.params.max_glare_fraction;
    let (verdict, message) = if v.glare_fraction > max {
        (
            Verdict::Violated,
            format!(
                "glare covers {} of the {what} > {}",
                pct(v.glare_fraction),
                pct(max)
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "glare covers {} of the {what} ≤ {}",
                pct(v.glare_fraction),
                pct(max)
            ),
        )
    };
    out.verdict(
        RuleId::ImageGlare,
        glare.severity,
        id,
        verdict,
        message,
        evidence(v.glare_fraction, max, v.glare_region.or(region)),
    );

    // Seals.
    let seal_region = v.seals.first().map(|s| {
        [
            (s.center[0] - s.radii[0]).max(0.0) as u32,
            (s.center[1] - s.radii[1]).max(0.0) as u32,
            (2.0 * s.radii[0]).round() as u32,
            (2.0 * s.radii[1]).round() as u32,
        ]
    });
    let n = v.seals.len() as u32;
    let (rule, severity, min_seals, label) = match kind {
        Some(DocumentKind::BusinessLicense) => (
            RuleId::LicenseSeal,
            rules.license_seal.severity,
            1,
            "registration authority seal",
        ),
        Some(DocumentKind::AuthorizationLetter) => (
            RuleId::LetterSeal,
            rules.letter_seal.severity,
            rules.letter_seal.params.min_seals,
            "company seal",
        ),
        _ => return,
    };
    let (verdict, message) = if n < min_seals && grey_copy {
        (
            Verdict::Note,
            format!(
                "{what}: no red {label} found ({n} red seal(s) < {min_seals}), as on any \
                 greyscale copy: see image.color"
            ),
        )
    } else if n < min_seals {
        (
            Verdict::Violated,
            format!("{what}: no red {label} found ({n} red seal(s) < {min_seals})"),
        )
    } else {
        (
            Verdict::Pass,
            format!("{what}: {n} red seal(s) found ≥ {min_seals}"),
        )
    };
    out.verdict(
        rule,
        severity,
        id,
        verdict,
        message,
        Evidence {
            measured: Some(f64::from(n)),
            threshold: Some(f64::from(min_seals)),
            region: seal_region.or(region),
        },
    );
}

fn corners(
    out: &mut Emitter,
    profile: &Profile,
    doc: &DocumentRef,
    v: &VisionMeasurements,
    width: u32,
    height: u32,
) {
    let kind = doc.kind();
    let rules = profile.rules(kind);
    let what = kind.map_or("document", |k| k.label());
    let id = Some(doc.id.as_str());
    let c = &rules.image_corners;
    let min = c.params.min_margin_fraction;
    if v.corners.len() != 4 {
        out.verdict(
            RuleId::ImageCorners,
            c.severity,
            id,
            Verdict::Uncertain,
            if v.edges_found == 4 {
                format!("{what}: its four edges do not form a document outline, so its corners cannot be checked")
            } else {
                format!(
                    "{what}: its edges could not be found ({} of 4), so its corners cannot be checked",
                    v.edges_found
                )
            },
            Evidence {
                measured: None,
                threshold: Some(min),
                region: Some([0, 0, width, height]),
            },
        );
        return;
    }
    let hidden = v.hidden_corners();
    // The corner nearest the frame edge (or furthest outside it), for the evidence.
    let worst = v
        .corners
        .iter()
        .enumerate()
        .min_by(|a, b| {
            a.1.margin_fraction
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.1.margin_fraction.unwrap_or(f64::NEG_INFINITY))
        })
        .map(|(i, _)| i)
        .unwrap_or(0);
    let corner_region = |i: usize| -> Option<Region> {
        let p = v.corners.get(i)?.position?;
        let r = f64::from(width.min(height)) * 0.05;
        let x = (p[0] - r).clamp(0.0, f64::from(width));
        let y = (p[1] - r).clamp(0.0, f64::from(height));
        Some([x as u32, y as u32, (2.0 * r) as u32, (2.0 * r) as u32])
    };
    let margin = v.corners[worst].margin_fraction;
    let name = docgate_core::CORNER_NAMES[worst];
    // A hidden corner is a violation only when something shows it is outside the frame:
    // its position lies outside, or a neighbouring edge runs up to the frame border. An
    // edge that was merely not found (a white page on a white bed) leaves it in doubt.
    let shown_outside = v
        .corners
        .iter()
        .any(|c| !c.visible && (c.off_frame || c.margin_fraction.is_some_and(|m| m < 0.0)));
    if !hidden.is_empty() && !shown_outside {
        out.verdict(
            RuleId::ImageCorners,
            c.severity,
            id,
            Verdict::Uncertain,
            format!(
                "{what}: edge not found next to {} corner(s) ({}), so they cannot be checked",
                hidden.len(),
                hidden.join(", ")
            ),
            Evidence {
                measured: None,
                threshold: Some(min),
                region: Some(v.document_region),
            },
        );
        return;
    }
    if !hidden.is_empty() {
        let where_ = match margin {
            Some(m) => format!("; worst: {name} at {} of the short side", pct(m)),
            None => format!("; {name} edge not visible"),
        };
        out.verdict(
            RuleId::ImageCorners,
            c.severity,
            id,
            Verdict::Violated,
            format!(
                "{what}: {} corner(s) outside the frame or not visible ({}){where_}, minimum margin {}",
                hidden.len(),
                hidden.join(", "),
                pct(min)
            ),
            Evidence {
                measured: margin,
                threshold: Some(min),
                region: corner_region(worst).or(Some(v.document_region)),
            },
        );
        return;
    }
    let m = margin.unwrap_or(0.0);
    let (verdict, message) = if m < min {
        (
            Verdict::Violated,
            format!(
                "{what}: {name} corner is {} of the short side from the frame edge < {}",
                pct(m),
                pct(min)
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "{what}: all four corners inside the frame; nearest ({name}) {} ≥ {}",
                pct(m),
                pct(min)
            ),
        )
    };
    out.verdict(
        RuleId::ImageCorners,
        c.severity,
        id,
        verdict,
        message,
        evidence(m, min, corner_region(worst)),
    );
}
