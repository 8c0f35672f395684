//! docgate-config: `pipeline.toml` → a validated, fully resolved [`Config`].
//!
//! The file is compiled whole, in two steps (ripgrep-style raw form, then validated form):
//!
//! 1. **Raw**: the TOML is walked key by key; every layer (a profile's `rules`, a kind's
//!    override) is read into partial, all-optional params with `deny_unknown_fields`, and
//!    each value is range-checked where it was written.
//! 2. **Resolved**: `extends` chains are followed and layers overlaid field by field;
//!    every (profile, document kind) [`RuleSet`] is computed once, up front, so that a
//!    lookup while judging is a map access.
//!
//! Every problem is reported, all at once, each with its key path ([`ConfigErrors`]),
//! Vector-style. Nothing here panics on any input; only [`Config::embedded_default`]
//! panics, and only if the shipped `pipeline.toml` were broken, which a test forbids.
//!
//! ## Layering
//!
//! For profile `P` whose chain is `default → … → P` (root first), the rules of document
//! kind `K` are, later layers winning field by field:
//!
//! ```text
//! root.rules → … → P.rules → root.kinds.K.rules → … → P.kinds.K.rules
//! ```
//!
//! A per-kind override is more specific than any profile-level value, so a kind fact set
//! once in `default` (ID cards are small, invoices need not be in colour) survives a
//! child profile that restates a profile-wide value. `Profile::rules(None)` is the
//! profile-level part alone (where the [`SUBMISSION_LEVEL_RULES`] live).

mod compile;
mod error;
mod params;
mod ruleset;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use docgate_core::DocumentKind;
use serde::Serialize;

pub use error::{ConfigError, ConfigErrors};
pub use params::{
    BlurParams, ColorParams, CornersParams, ExpiryParams, FileSizeParams, FormatParams,
    GlareParams, InvoiceDateParams, MatchParams, ResolutionParams, RuleCfg, SealParams,
    TaxRateParams,
};
pub use ruleset::{RuleSet, SUBMISSION_LEVEL_RULES};

/// The largest config file [`Config::from_file`] reads; real ones are a few KiB.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// A compiled, validated config: global limits and every profile, fully resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    limits: Limits,
    profiles: BTreeMap<String, Profile>,
    // Derived from the rest; not part of what it hashes.
    #[serde(skip)]
    version: String,
}

/// Hard ingest caps, the same for every profile. They bound work on untrusted files
/// (safety), unlike the profile thresholds (policy).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    /// Bytes read at most from any upload; a larger file is a finding, never read whole.
    pub max_file_bytes: u64,
    /// Header-claimed megapixels beyond this are never decoded.
    pub max_megapixels: f64,
    /// PDFs with more pages are not processed.
    pub max_pdf_pages: u32,
}

/// One platform's rules and thresholds, resolved through its `extends` chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The profile's name, as submissions name it (`"1688"`).
    pub name: String,
    /// What the profile is for (not inherited; empty when not given).
    pub description: String,
    /// The profile this one extends, if any (informational: everything is resolved).
    /// Not part of the config version, since only resolved values matter.
    #[serde(skip)]
    pub extends: Option<String>,
    /// Document kinds every submission must include (rule `submission.required_documents`).
    pub required_documents: Vec<DocumentKind>,
    /// Kinds additionally required when the form says `taxpayer_type = "general"`
    /// (1688: a recent VAT special invoice proves general-taxpayer status). Empty when
    /// not configured. Judged by `submission.required_documents` as well.
    pub required_if_general_taxpayer: Vec<DocumentKind>,
    rules: RuleSet,
    kinds: BTreeMap<DocumentKind, RuleSet>,
}

impl Profile {
    /// The resolved rules: `None` for the profile level (form and submission rules, see
    /// [`SUBMISSION_LEVEL_RULES`]), `Some(kind)` with that kind's overrides applied.
    pub fn rules(&self, kind: Option<DocumentKind>) -> &RuleSet {
        match kind {
            // Every kind is precomputed; the fallback only keeps this panic-free.
            Some(k) => self.kinds.get(&k).unwrap_or(&self.rules),
            None => &self.rules,
        }
    }
}

impl Config {
    /// The shipped `pipeline.toml`, as compiled into the binary.
    pub const EMBEDDED_SOURCE: &'static str = include_str!("../../../pipeline.toml");

    /// Compiles a config from TOML text, reporting every problem at once.
    pub fn from_toml_str(src: &str) -> Result<Config, ConfigErrors> {
        compile::compile(src)
    }

    /// Reads and compiles a config file. Read failures are reported as a [`ConfigError`]
    /// whose path is the file path, so callers handle one error type.
    pub fn from_file(path: &Path) -> Result<Config, ConfigErrors> {
        use std::io::Read;
        let fail = |message: String| {
            ConfigErrors(vec![ConfigError {
                path: path.display().to_string(),
                message,
            }])
        };
        let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        let mut bytes = Vec::new();
        // Read one byte past the cap to tell "exactly at the cap" from "too large".
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(fail(format!(
                "larger than {MAX_CONFIG_BYTES} bytes; not a config file"
            )));
        }
        let text = String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8: {e}")))?;
        Config::from_toml_str(&text)
    }

    /// The shipped config, compiled once.
    ///
    /// # Panics
    ///
    /// If the shipped `pipeline.toml` does not compile; the crate's tests guard against that.
    pub fn embedded_default() -> &'static Config {
        static EMBEDDED: OnceLock<Config> = OnceLock::new();
        EMBEDDED.get_or_init(|| match Config::from_toml_str(Config::EMBEDDED_SOURCE) {
            Ok(c) => c,
            Err(e) => panic!("the shipped pipeline.toml does not compile:\n{e}"),
        })
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// Every profile name, sorted. `default` is always among them.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// The global ingest caps.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// `sha256:<hex>` of the canonical JSON of the compiled config. Comments, whitespace,
    /// key order, table style and how values are inherited do not change it; any resolved
    /// value (a threshold, a severity, a description, a profile name) does. Stored with
    /// every result so that a decision can be traced to the config that made it.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The canonical JSON the version hashes: resolved values only, maps sorted.
    pub fn canonical_json(&self) -> String {
        // Serialising these types cannot fail: map keys are strings or unit enums, and
        // floats are finite (checked at compile time).
        serde_json::to_string(self).unwrap_or_default()
    }
}
