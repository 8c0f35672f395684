//! Each rule's typed parameters, their raw (partial, layered) form, and their range checks.
//!
//! A rule's parameters exist twice, ripgrep-style:
//!
//! - the **partial** form (`…Partial`, crate-private): every field optional, parsed with
//!   `#[serde(deny_unknown_fields)]` from one layer of `pipeline.toml` (a profile's `rules`
//!   or a kind's override). Layers are overlaid field by field.
//! - the **resolved** form (`…Params`, public): every field present and in range, what the
//!   rules engine reads.
//!
//! Range checks run on every layer, on the values that layer wrote, so each error is
//! reported once, at the key where the bad value was written, not once per profile and
//! kind that inherits it. All checks are per value, so a merge of checked layers is checked.

use std::collections::BTreeSet;

use docgate_core::{Format, RuleId, Severity};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{did_you_mean, join, toml_message, Errors};
/// The global limits that parsed, for the checks that compare with them. A limit that
/// failed to parse is `None` (and reported); checks against it are skipped, the others run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KnownLimits {
    pub(crate) max_file_bytes: Option<u64>,
    pub(crate) max_megapixels: Option<f64>,
}

/// A layer of one rule's parameters: fields optional, overlaid, then resolved.
pub(crate) trait PartialParams: Default + Clone + DeserializeOwned {
    /// The resolved parameters.
    type Full;
    /// Parameter names, as written in `pipeline.toml`.
    const FIELDS: &'static [&'static str];
    /// Takes every field `top` sets.
    fn overlay(&mut self, top: &Self);
    /// Required fields not set (fields with a default are never missing).
    fn missing(&self) -> Vec<&'static str>;
    /// The resolved parameters, or `None` while a required field is missing.
    fn finish(&self) -> Option<Self::Full>;
    /// Range checks of the fields this layer sets: `(field, message)` per violation.
    fn check(&self, limits: &KnownLimits) -> Vec<(&'static str, String)>;
}

/// The partial form of rules that take no parameters (only `severity`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoParams {}

impl PartialParams for NoParams {
    type Full = ();
    const FIELDS: &'static [&'static str] = &[];
    fn overlay(&mut self, _top: &Self) {}
    fn missing(&self) -> Vec<&'static str> {
        Vec::new()
    }
    fn finish(&self) -> Option<()> {
        Some(())
    }
    fn check(&self, _limits: &KnownLimits) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

macro_rules! params {
    (@has_default) => { false };
    (@has_default $def:expr) => { true };
    (@default) => { None };
    (@default $def:expr) => { Some($def) };
    (
        $(#[$meta:meta])*
        $name:ident, $partial:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty => $check:expr $(, default $def:expr)? ;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )+
        }

        #[doc = concat!("One layer of [`", stringify!($name), "`]: every field optional.")]
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $partial {
            $( #[serde(default)] $field: Option<$ty>, )+
        }

        impl PartialParams for $partial {
            type Full = $name;
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];

            fn overlay(&mut self, top: &Self) {
                $( if let Some(v) = &top.$field { self.$field = Some(v.clone()); } )+
            }

            fn missing(&self) -> Vec<&'static str> {
                let mut missing = Vec::new();
                $(
                    if self.$field.is_none() && !params!(@has_default $($def)?) {
                        missing.push(stringify!($field));
                    }
                )+
                missing
            }

            fn finish(&self) -> Option<$name> {
                Some($name {
                    $( $field: match &self.$field {
                        Some(v) => v.clone(),
                        None => params!(@default $($def)?)?,
                    }, )+
                })
            }

            fn check(&self, limits: &KnownLimits) -> Vec<(&'static str, String)> {
                let mut out = Vec::new();
                $(
                    if let Some(v) = &self.$field {
                        let check: fn(&$ty, &KnownLimits) -> Result<(), String> = $check;
                        if let Err(m) = check(v, limits) {
                            out.push((stringify!($field), m));
                        }
                    }
                )+
                out
            }
        }
    };
}

params! {
    /// `image.format`: which real (sniffed) content types are accepted.
    FormatParams, FormatPartial {
        /// Accepted formats; never empty.
        allowed: Vec<Format> => check::formats;
    }
}

params! {
    /// `image.file_size`: the largest upload the platform accepts.
    FileSizeParams, FileSizePartial {
        /// Bytes, inclusive. Above 0 and at most `limits.max_file_bytes` (a larger file is
        /// never read, so a larger threshold could never be reached).
        max_bytes: u64 => check::file_size;
    }
}

params! {
    /// `image.resolution`: enough pixels for a person (and OCR) to read the document.
    /// Measured on the page (the whole image), after EXIF orientation.
    ResolutionParams, ResolutionPartial {
        /// Shorter side in pixels, inclusive; above 0.
        min_short_side: u32 => check::positive_u32;
        /// Megapixels (width × height / 10⁶), inclusive; at least 0 and at most
        /// `limits.max_megapixels`.
        min_megapixels: f64 => check::megapixels;
    }
}

params! {
    /// `image.blur`: the document region is sharp enough.
    BlurParams, BlurPartial {
        /// The sharpness score docgate-vision reports for the document region (higher is
        /// sharper); a page scoring below this is blurred. Above 0.
        min_sharpness: f64 => check::positive_f64;
    }
}

params! {
    /// `image.corners`: all four corners of the document are inside the frame.
    CornersParams, CornersPartial {
        /// The smallest distance from each document corner to the frame edge, as a
        /// fraction of the image's short side. 0 means "inside the frame" is enough;
        /// in `0 ≤ x < 0.5` (at 0.5 no document could fit).
        min_margin_fraction: f64 => check::margin_fraction;
    }
}

params! {
    /// `image.color`: a colour original, not a greyscale copy.
    ColorParams, ColorPartial {
        /// The colourfulness score docgate-vision reports (0 for a greyscale image);
        /// below this the page counts as greyscale. At least 0.
        min_colorfulness: f64 => check::non_negative_f64;
    }
}

params! {
    /// `image.glare`: no over-exposed patch hides the document.
    GlareParams, GlarePartial {
        /// The largest fraction of the document region that may be blown out; in `0 < x ≤ 1`.
        max_glare_fraction: f64 => check::glare_fraction;
    }
}

params! {
    /// `license.term` and `id.expiry`: the document is valid long enough.
    ExpiryParams, ExpiryPartial {
        /// Days from the judging date to the expiry date (inclusive of that day) that must
        /// remain: 0 means a document expiring today is still fine. At least 0.
        /// `长期` (long-term) always passes.
        min_days_remaining: i64 => check::non_negative_i64;
    }
}

params! {
    /// `invoice.tax_rate`: the invoice's rate proves general-taxpayer status.
    TaxRateParams, TaxRatePartial {
        /// Accepted rates in percent (`13.0` for 13 %); never empty, each in `0..=100`.
        allowed_percent: Vec<f64> => check::percents;
        /// Whether `免税` (exempt) lines are accepted.
        allow_exempt: bool => check::any;
    }
}

params! {
    /// `invoice.date`: the invoice was issued recently.
    InvoiceDateParams, InvoiceDatePartial {
        /// The oldest accepted invoice, in days before the judging date (inclusive); above 0.
        max_age_days: u32 => check::positive_u32;
        /// Days after the judging date still accepted (clock skew between the issuer's
        /// system and ours). Optional everywhere; 1 when never set.
        allow_future_days: u32 => check::any, default 1;
        /// OCR confidence in `0..=1`: a date out of the window that one digit read below it
        /// would bring inside (11 read as 01 makes a recent invoice ten months old) goes to
        /// `review`: the reading, not the invoice, is in doubt. Text layers read at 1.
        /// Optional; 0.9 when never set, as `match.*`'s `slip_confidence`.
        slip_confidence: f64 => check::unit_interval, default 0.9;
    }
}

params! {
    /// `letter.seal`: the authorization letter is stamped.
    SealParams, SealPartial {
        /// Red company seals that must be found; at least 1.
        min_seals: u32 => check::at_least_one;
    }
}

params! {
    /// `match.*`: a document value agrees with the form.
    MatchParams, MatchPartial {
        /// Similarity in `0..=1` (1 = identical after normalisation). A mismatch at least
        /// this similar looks like an OCR slip and becomes `review` instead of the rule's
        /// severity (never harsher than the severity). At 1 every mismatch takes the
        /// severity, since identical values are not mismatches.
        review_similarity: f64 => check::unit_interval;
        /// OCR confidence in `0..=1` below which a mismatched name is not trusted: it goes to
        /// `review` whatever its similarity (the reading, not the document, is in doubt).
        /// Text layers read at 1. Optional; 0.8 when never set (measured: 21 of 27 wrong name
        /// readings on fixtures/small were below 0.8, against 25 of 87 right ones).
        trust_confidence: f64 => check::unit_interval, default 0.8;
        /// OCR confidence in `0..=1`: a name whose every differing character was read below
        /// it (and none left out) differs by misreadings, so it goes to `review`: a
        /// different name is read sure. Optional; 0.9 when never set (measured on seed 61:
        /// 83 of 90 wrongly read name characters were below 0.9, 438 of 2,576 right ones).
        slip_confidence: f64 => check::unit_interval, default 0.9;
    }
}

/// Range checks. Each returns the message for a value out of range.
mod check {
    use docgate_core::Format;

    use super::KnownLimits;

    type R = Result<(), String>;

    pub(super) fn any<T>(_: &T, _: &KnownLimits) -> R {
        Ok(())
    }

    fn finite(v: f64) -> R {
        if v.is_finite() {
            Ok(())
        } else {
            Err(format!("must be a finite number, not {v}"))
        }
    }

    pub(super) fn positive_u32(v: &u32, _: &KnownLimits) -> R {
        if *v > 0 {
            Ok(())
        } else {
            Err("must be greater than 0".into())
        }
    }

    pub(super) fn at_least_one(v: &u32, _: &KnownLimits) -> R {
        if *v >= 1 {
            Ok(())
        } else {
            Err("must be at least 1 (use severity = \"off\" to stop checking)".into())
        }
    }

    pub(super) fn non_negative_i64(v: &i64, _: &KnownLimits) -> R {
        if *v >= 0 {
            Ok(())
        } else {
            Err(format!("must be at least 0, got {v}"))
        }
    }

    pub(super) fn positive_f64(v: &f64, _: &KnownLimits) -> R {
        finite(*v)?;
        if *v > 0.0 {
            Ok(())
        } else {
            Err(format!("must be greater than 0, got {v}"))
        }
    }

    pub(super) fn non_negative_f64(v: &f64, _: &KnownLimits) -> R {
        finite(*v)?;
        if *v >= 0.0 {
            Ok(())
        } else {
            Err(format!("must be at least 0, got {v}"))
        }
    }

    pub(super) fn unit_interval(v: &f64, _: &KnownLimits) -> R {
        finite(*v)?;
        if (0.0..=1.0).contains(v) {
            Ok(())
        } else {
            Err(format!("must be between 0 and 1, got {v}"))
        }
    }

    pub(super) fn margin_fraction(v: &f64, _: &KnownLimits) -> R {
        finite(*v)?;
        if (0.0..0.5).contains(v) {
            Ok(())
        } else {
            Err(format!(
                "must be at least 0 and below 0.5 (a margin of half the short side leaves no room for a document), got {v}"
            ))
        }
    }

    pub(super) fn glare_fraction(v: &f64, _: &KnownLimits) -> R {
        finite(*v)?;
        if *v > 0.0 && *v <= 1.0 {
            Ok(())
        } else {
            Err(format!(
                "must be above 0 and at most 1, got {v} (use severity = \"off\" to stop checking)"
            ))
        }
    }

    pub(super) fn megapixels(v: &f64, limits: &KnownLimits) -> R {
        non_negative_f64(v, limits)?;
        match limits.max_megapixels {
            Some(max) if *v > max => Err(format!(
                "{v} is above limits.max_megapixels ({max}): no image that large is ever decoded"
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn file_size(v: &u64, limits: &KnownLimits) -> R {
        if *v == 0 {
            return Err("must be greater than 0".into());
        }
        match limits.max_file_bytes {
            Some(max) if *v > max => Err(format!(
                "{v} is above limits.max_file_bytes ({max}): no file that large is ever read"
            )),
            _ => Ok(()),
        }
    }

    // `&Vec`: the params! macro calls every check as `fn(&FieldType, &KnownLimits)`.
    #[allow(clippy::ptr_arg)]
    pub(super) fn formats(v: &Vec<Format>, _: &KnownLimits) -> R {
        if v.is_empty() {
            Err("must name at least one format (use severity = \"off\" to accept any)".into())
        } else {
            Ok(())
        }
    }

    // `&Vec`: the params! macro calls every check as `fn(&FieldType, &KnownLimits)`.
    #[allow(clippy::ptr_arg)]
    pub(super) fn percents(v: &Vec<f64>, _: &KnownLimits) -> R {
        if v.is_empty() {
            return Err(
                "must name at least one rate (use severity = \"off\" to accept any)".into(),
            );
        }
        for (i, p) in v.iter().enumerate() {
            if !p.is_finite() || !(0.0..=100.0).contains(p) {
                return Err(format!(
                    "item {}: {p} is not a percentage in 0..=100",
                    i + 1
                ));
            }
        }
        Ok(())
    }
}

/// One rule as one layer wrote it (or as layers merged into it).
#[derive(Debug, Clone, Default)]
pub(crate) struct RawRule<P> {
    /// The layer has an entry for this rule.
    written: bool,
    /// The entry was not a table; nothing in it could be read.
    broken: bool,
    severity: Option<Severity>,
    params: P,
    /// Keys whose values were rejected: already reported, so never reported as missing.
    bad: BTreeSet<String>,
}

/// The resolved form of a rule: what a violation becomes, and the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleCfg<P> {
    /// What a violation becomes (`off`: the rule is not evaluated).
    pub severity: Severity,
    /// The rule's thresholds (`()` for rules without parameters).
    #[serde(flatten)]
    pub params: P,
}

impl<P: PartialParams> RawRule<P> {
    /// Reads one layer's entry for `rule` at `path`, reporting every bad key.
    pub(crate) fn parse(
        &mut self,
        value: &toml::Value,
        path: &str,
        rule: RuleId,
        limits: &KnownLimits,
        errs: &mut Errors,
    ) {
        self.written = true;
        let Some(table) = value.as_table() else {
            self.broken = true;
            errs.push(
                path,
                format!(
                    "expected a table such as {{ severity = \"fail\" }}, found {}",
                    value.type_str()
                ),
            );
            return;
        };
        for (key, v) in table {
            let at = join(path, key);
            if key == "severity" {
                match v.clone().try_into::<Severity>() {
                    Ok(s) => self.severity = Some(s),
                    Err(e) => {
                        self.bad.insert(key.clone());
                        errs.push(at, toml_message(&e));
                    }
                }
                continue;
            }
            if !P::FIELDS.contains(&key.as_str()) {
                self.bad.insert(key.clone());
                let known: Vec<&str> = std::iter::once("severity")
                    .chain(P::FIELDS.iter().copied())
                    .collect();
                let hint = did_you_mean(key, known.iter().copied());
                let msg = if P::FIELDS.is_empty() {
                    format!("unknown key `{key}`: `{rule}` takes only `severity`{hint}")
                } else {
                    format!(
                        "unknown key `{key}` for `{rule}`{hint} (known: {})",
                        known.join(", ")
                    )
                };
                errs.push(at, msg);
                continue;
            }
            // One key at a time, so that every bad key is reported (serde stops at the
            // first) and each error carries its own path.
            let mut one = toml::Table::new();
            one.insert(key.clone(), v.clone());
            match toml::Value::Table(one).try_into::<P>() {
                Ok(layer) => {
                    let problems = layer.check(limits);
                    if problems.is_empty() {
                        self.params.overlay(&layer);
                    } else {
                        self.bad.insert(key.clone());
                        for (field, msg) in problems {
                            errs.push(join(path, field), msg);
                        }
                    }
                }
                Err(e) => {
                    self.bad.insert(key.clone());
                    errs.push(at, toml_message(&e));
                }
            }
        }
    }

    /// Takes everything `top` sets.
    pub(crate) fn overlay(&mut self, top: &Self) {
        if top.severity.is_some() {
            self.severity = top.severity;
        }
        self.params.overlay(&top.params);
    }

    /// In a profile without `extends`, every rule must be complete: report what is not
    /// (skipping keys whose values were already reported as bad). Returns `false` when
    /// the layer has no entry for the rule at all, which the caller reports.
    pub(crate) fn report_missing(&self, path: &str, profile: &str, errs: &mut Errors) -> bool {
        if self.broken {
            return true;
        }
        if !self.written {
            return false;
        }
        let missing_severity = self.severity.is_none() && !self.bad.contains("severity");
        let missing_params = self
            .params
            .missing()
            .into_iter()
            .filter(|f| !self.bad.contains(*f));
        for key in missing_severity
            .then_some("severity")
            .into_iter()
            .chain(missing_params)
        {
            errs.push(
                join(path, key),
                format!("missing: required in profile `{profile}`, which extends no other profile"),
            );
        }
        true
    }

    /// The resolved rule, once every layer is overlaid; `None` while incomplete.
    pub(crate) fn finish(&self) -> Option<RuleCfg<P::Full>> {
        Some(RuleCfg {
            severity: self.severity?,
            params: self.params.finish()?,
        })
    }
}
