//! The compiler: TOML text → raw layers (every error collected with its path) → resolved
//! [`Config`].

use std::collections::{BTreeMap, BTreeSet};

use docgate_core::{DocumentKind, RuleId};
use sha2::{Digest, Sha256};

use crate::error::{did_you_mean, is_bare, join, line_col, toml_message, ConfigErrors, Errors};
use crate::params::KnownLimits;
use crate::ruleset::{PartialRuleSet, SUBMISSION_LEVEL_RULES};
use crate::{Config, Limits, Profile};

/// The profile every config must have, and that submissions naming none get.
const DEFAULT_PROFILE: &str = "default";

const TOP_KEYS: &[&str] = &["limits", "profiles"];
const LIMIT_KEYS: &[&str] = &["max_file_bytes", "max_megapixels", "max_pdf_pages"];
const PROFILE_KEYS: &[&str] = &[
    "extends",
    "description",
    "required_documents",
    "required_if_general_taxpayer",
    "rules",
    "kinds",
];
const KIND_KEYS: &[&str] = &["rules"];

/// One profile as written (before `extends` is followed).
#[derive(Debug, Default)]
struct RawProfile {
    extends: Option<String>,
    description: Option<String>,
    required_documents: Option<Vec<DocumentKind>>,
    required_if_general_taxpayer: Option<Vec<DocumentKind>>,
    /// Keys whose values were rejected (so not also reported as missing).
    bad: BTreeSet<&'static str>,
    rules: PartialRuleSet,
    kinds: BTreeMap<DocumentKind, PartialRuleSet>,
}

pub(crate) fn compile(src: &str) -> Result<Config, ConfigErrors> {
    let mut errs = Errors::default();
    let doc: toml::Table = match toml::from_str(src) {
        Ok(t) => t,
        Err(e) => {
            let path = match e.span() {
                Some(span) => {
                    let (line, col) = line_col(src, span.start);
                    format!("line {line}, column {col}")
                }
                None => "(toml)".to_string(),
            };
            // Keep one line per error: toml's messages span several.
            let msg = toml_message(&e).replace('\n', "; ");
            errs.push(path, format!("TOML syntax: {msg}"));
            return Err(errs.into_errors());
        }
    };

    for key in doc.keys() {
        if !TOP_KEYS.contains(&key.as_str()) {
            errs.push(
                join("", key),
                format!(
                    "unknown top-level key{} (known: limits, profiles)",
                    did_you_mean(key, TOP_KEYS.iter().copied())
                ),
            );
        }
    }

    let (limits, known) = parse_limits(doc.get("limits"), &mut errs);
    let raw = parse_profiles(doc.get("profiles"), &known, &mut errs);
    let chains = resolve_chains(&raw, &mut errs);

    for (name, chain) in &chains {
        // A chain of one is a profile without `extends`.
        if let (1, Some(p)) = (chain.len(), raw.get(name)) {
            check_root_complete(name, p, &mut errs);
        }
    }

    let (Some(limits), true) = (limits, errs.is_empty()) else {
        return Err(errs.into_errors());
    };

    let mut profiles = BTreeMap::new();
    for (name, chain) in &chains {
        match build_profile(name, chain, &raw) {
            Some(p) => {
                profiles.insert(name.clone(), p);
            }
            None => errs.push(
                join("profiles", name),
                "internal error: rules incomplete after merging (please report this)",
            ),
        }
    }
    if !errs.is_empty() {
        return Err(errs.into_errors());
    }

    let mut config = Config {
        limits,
        profiles,
        version: String::new(),
    };
    match serde_json::to_vec(&config) {
        Ok(json) => config.version = format!("sha256:{}", hex::encode(Sha256::digest(&json))),
        Err(e) => {
            errs.push(
                "",
                format!("internal error: cannot serialise the config: {e}"),
            );
            return Err(errs.into_errors());
        }
    }
    Ok(config)
}

/// Deserialises one TOML value into `T`, reporting a type error at `path`.
fn value<T: serde::de::DeserializeOwned>(
    v: &toml::Value,
    path: &str,
    errs: &mut Errors,
) -> Option<T> {
    match v.clone().try_into::<T>() {
        Ok(t) => Some(t),
        Err(e) => {
            errs.push(path, toml_message(&e));
            None
        }
    }
}

/// The table at `path`, or an error naming what was found instead.
fn table<'a>(v: &'a toml::Value, path: &str, errs: &mut Errors) -> Option<&'a toml::Table> {
    let t = v.as_table();
    if t.is_none() {
        errs.push(path, format!("expected a table, found {}", v.type_str()));
    }
    t
}

fn unknown_key(path: &str, key: &str, known: &[&str], what: &str, errs: &mut Errors) {
    errs.push(
        join(path, key),
        format!(
            "unknown {what} key{} (known: {})",
            did_you_mean(key, known.iter().copied()),
            known.join(", ")
        ),
    );
}

/// The limits, when all parse and are in range, and whichever of them did (so that
/// thresholds can still be compared with the limits that are known).
fn parse_limits(v: Option<&toml::Value>, errs: &mut Errors) -> (Option<Limits>, KnownLimits) {
    let Some(v) = v else {
        errs.push(
            "limits",
            "missing: the [limits] table (max_file_bytes, max_megapixels, max_pdf_pages) is required",
        );
        return (None, KnownLimits::default());
    };
    let Some(t) = table(v, "limits", errs) else {
        return (None, KnownLimits::default());
    };
    for key in t.keys() {
        if !LIMIT_KEYS.contains(&key.as_str()) {
            unknown_key("limits", key, LIMIT_KEYS, "limits", errs);
        }
    }
    let mut field = |key: &str| -> Option<&toml::Value> {
        let got = t.get(key);
        if got.is_none() {
            errs.push(join("limits", key), "missing: required");
        }
        got
    };
    let (bytes, mp, pages) = (
        field("max_file_bytes"),
        field("max_megapixels"),
        field("max_pdf_pages"),
    );
    let mut bytes = bytes.and_then(|v| value::<u64>(v, "limits.max_file_bytes", errs));
    let mut mp = mp.and_then(|v| value::<f64>(v, "limits.max_megapixels", errs));
    let mut pages = pages.and_then(|v| value::<u32>(v, "limits.max_pdf_pages", errs));
    if bytes == Some(0) {
        errs.push("limits.max_file_bytes", "must be greater than 0");
        bytes = None;
    }
    if let Some(m) = mp.filter(|m| !m.is_finite() || *m <= 0.0) {
        errs.push(
            "limits.max_megapixels",
            format!("must be a finite number above 0, got {m}"),
        );
        mp = None;
    }
    if pages == Some(0) {
        errs.push("limits.max_pdf_pages", "must be greater than 0");
        pages = None;
    }
    let known = KnownLimits {
        max_file_bytes: bytes,
        max_megapixels: mp,
    };
    let limits = match (bytes, mp, pages) {
        (Some(max_file_bytes), Some(max_megapixels), Some(max_pdf_pages)) => Some(Limits {
            max_file_bytes,
            max_megapixels,
            max_pdf_pages,
        }),
        _ => None,
    };
    (limits, known)
}

fn parse_profiles(
    v: Option<&toml::Value>,
    limits: &KnownLimits,
    errs: &mut Errors,
) -> BTreeMap<String, RawProfile> {
    let mut out = BTreeMap::new();
    let Some(v) = v else {
        errs.push(
            "profiles",
            "missing: a config needs [profiles.default] (and any platform profiles)",
        );
        return out;
    };
    let Some(t) = table(v, "profiles", errs) else {
        return out;
    };
    for (name, pv) in t {
        let path = join("profiles", name);
        if !is_bare(name) {
            errs.push(
                &path,
                "profile names may use only ASCII letters, digits, `_` and `-`",
            );
            continue;
        }
        let Some(pt) = table(pv, &path, errs) else {
            continue;
        };
        out.insert(name.clone(), parse_profile(pt, &path, limits, errs));
    }
    if !t.contains_key(DEFAULT_PROFILE) {
        errs.push(
            join("profiles", DEFAULT_PROFILE),
            format!(
                "missing: every config needs a `default` profile (submissions that name no profile use it){}",
                // A misspelt `default` is the likely cause when some other profile is there.
                did_you_mean(DEFAULT_PROFILE, t.keys().map(String::as_str))
            ),
        );
    }
    out
}

fn parse_profile(
    t: &toml::Table,
    path: &str,
    limits: &KnownLimits,
    errs: &mut Errors,
) -> RawProfile {
    let mut p = RawProfile::default();
    for (key, v) in t {
        let at = join(path, key);
        match key.as_str() {
            "extends" => p.extends = value::<String>(v, &at, errs),
            "description" => p.description = value::<String>(v, &at, errs),
            "required_documents" => {
                p.required_documents = kinds_list(v, &at, errs);
                if p.required_documents.is_none() {
                    p.bad.insert("required_documents");
                }
            }
            "required_if_general_taxpayer" => {
                p.required_if_general_taxpayer = kinds_list(v, &at, errs);
            }
            "rules" => {
                if let Some(rt) = table(v, &at, errs) {
                    p.rules = parse_rules(rt, &at, limits, false, path, errs);
                }
            }
            "kinds" => {
                if let Some(kt) = table(v, &at, errs) {
                    p.kinds = parse_kinds(kt, &at, limits, path, errs);
                }
            }
            _ => unknown_key(path, key, PROFILE_KEYS, "profile", errs),
        }
    }
    p
}

/// A list of document kind ids, each known, none twice.
fn kinds_list(v: &toml::Value, path: &str, errs: &mut Errors) -> Option<Vec<DocumentKind>> {
    let Some(items) = v.as_array() else {
        errs.push(
            path,
            format!("expected a list of document kinds, found {}", v.type_str()),
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(s) = item.as_str() else {
            errs.push(
                path,
                format!(
                    "item {}: expected a document kind id, found {}",
                    i + 1,
                    item.type_str()
                ),
            );
            ok = false;
            continue;
        };
        match DocumentKind::parse(s) {
            Some(k) if out.contains(&k) => {
                errs.push(path, format!("item {}: `{s}` is listed twice", i + 1));
                ok = false;
            }
            Some(k) => out.push(k),
            None => {
                errs.push(path, unknown_kind_message(s, Some(i)));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn unknown_kind_message(s: &str, item: Option<usize>) -> String {
    let item = item
        .map(|i| format!("item {}: ", i + 1))
        .unwrap_or_default();
    let known: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
    format!(
        "{item}unknown document kind `{s}`{} (known: {})",
        did_you_mean(s, known.iter().copied()),
        known.join(", ")
    )
}

fn parse_kinds(
    t: &toml::Table,
    path: &str,
    limits: &KnownLimits,
    profile_path: &str,
    errs: &mut Errors,
) -> BTreeMap<DocumentKind, PartialRuleSet> {
    let mut out = BTreeMap::new();
    for (name, kv) in t {
        let at = join(path, name);
        let Some(kind) = DocumentKind::parse(name) else {
            errs.push(&at, unknown_kind_message(name, None));
            continue;
        };
        let Some(kt) = table(kv, &at, errs) else {
            continue;
        };
        let mut layer = PartialRuleSet::default();
        for (key, v) in kt {
            match key.as_str() {
                "rules" => {
                    let rules_at = join(&at, key);
                    if let Some(rt) = table(v, &rules_at, errs) {
                        layer = parse_rules(rt, &rules_at, limits, true, profile_path, errs);
                    }
                }
                _ => unknown_key(&at, key, KIND_KEYS, "document kind", errs),
            }
        }
        out.insert(kind, layer);
    }
    out
}

/// One layer's `rules` table. `per_kind`: it is a kind override, where submission-level
/// rules cannot take effect.
fn parse_rules(
    t: &toml::Table,
    path: &str,
    limits: &KnownLimits,
    per_kind: bool,
    profile_path: &str,
    errs: &mut Errors,
) -> PartialRuleSet {
    let mut layer = PartialRuleSet::default();
    for (id, v) in t {
        let at = join(path, id);
        let Some(rule) = RuleId::parse(id) else {
            errs.push(
                at,
                format!(
                    "unknown rule id `{id}`{}",
                    did_you_mean(id, RuleId::ALL.iter().map(|r| r.as_str()))
                ),
            );
            continue;
        };
        if per_kind && SUBMISSION_LEVEL_RULES.contains(&rule) {
            errs.push(
                at,
                format!(
                    "`{rule}` is judged once per submission, not per document, so a per-kind override could never apply; set it in `{}`",
                    join(profile_path, "rules")
                ),
            );
            continue;
        }
        layer.parse_rule(rule, v, &at, limits, errs);
    }
    layer
}

/// Every profile's `extends` chain, root first. Profiles whose chain is broken (unknown
/// parent, cycle) are left out, with the error reported once where it was written.
fn resolve_chains(
    raw: &BTreeMap<String, RawProfile>,
    errs: &mut Errors,
) -> BTreeMap<String, Vec<String>> {
    if let Some(parent) = raw.get(DEFAULT_PROFILE).and_then(|d| d.extends.as_ref()) {
        errs.push(
            join(join("profiles", DEFAULT_PROFILE).as_str(), "extends"),
            format!(
                "`default` is the root every profile can build on; it cannot extend `{parent}`"
            ),
        );
    }
    for (name, p) in raw {
        if let Some(parent) = &p.extends {
            if !raw.contains_key(parent) {
                errs.push(
                    join(&join("profiles", name), "extends"),
                    format!(
                        "extends unknown profile `{parent}`{}",
                        did_you_mean(parent, raw.keys().map(String::as_str))
                    ),
                );
            }
        }
    }

    let mut chains = BTreeMap::new();
    let mut cycles_reported: BTreeSet<Vec<String>> = BTreeSet::new();
    for name in raw.keys() {
        let mut chain: Vec<String> = vec![name.clone()];
        let complete = loop {
            let Some(cur) = chain.last().and_then(|c| raw.get(c)) else {
                break false; // unknown parent: reported above
            };
            let Some(parent) = &cur.extends else {
                break true;
            };
            if let Some(pos) = chain.iter().position(|c| c == parent) {
                let mut members: Vec<String> = chain[pos..].to_vec();
                let shown = {
                    let mut s: Vec<String> = members.iter().map(|m| format!("`{m}`")).collect();
                    s.push(format!("`{parent}`"));
                    s.join(" → ")
                };
                members.sort();
                if let Some(first) = members.first() {
                    if cycles_reported.insert(members.clone()) {
                        errs.push(
                            join(&join("profiles", first), "extends"),
                            format!("`extends` forms a cycle: {shown}"),
                        );
                    }
                }
                break false;
            }
            chain.push(parent.clone());
        };
        if complete {
            chain.reverse();
            chains.insert(name.clone(), chain);
        }
    }
    chains
}

/// A profile without `extends` must set everything itself.
fn check_root_complete(name: &str, p: &RawProfile, errs: &mut Errors) {
    let path = join("profiles", name);
    if p.required_documents.is_none() && !p.bad.contains("required_documents") {
        errs.push(
            join(&path, "required_documents"),
            format!(
                "missing: profile `{name}` extends no other profile, so it must list its required documents (`[]` for none)"
            ),
        );
    }
    let rules_path = join(&path, "rules");
    let absent = p.rules.report_missing(&rules_path, name, errs);
    // A handful of forgotten rules are reported one by one, at the keys to add. Many
    // means the profile most likely forgot `extends`: one error says so, not dozens.
    if absent.len() <= 3 {
        for rule in absent {
            errs.push(
                join(&rules_path, rule.as_str()),
                format!(
                    "missing: profile `{name}` extends no other profile, so it must configure every rule"
                ),
            );
        }
    } else {
        let hint = if name == DEFAULT_PROFILE {
            String::new()
        } else {
            format!("; did you mean to write `extends = \"{DEFAULT_PROFILE}\"`?")
        };
        let ids: Vec<&str> = absent.iter().map(|r| r.as_str()).collect();
        errs.push(
            rules_path,
            format!(
                "missing {} rules: profile `{name}` extends no other profile, so it must configure every rule{hint} (missing: {})",
                ids.len(),
                ids.join(", ")
            ),
        );
    }
}

/// Overlays the chain's layers (see the crate docs for the order) into the resolved profile.
fn build_profile(
    name: &str,
    chain: &[String],
    raw: &BTreeMap<String, RawProfile>,
) -> Option<Profile> {
    let layers: Vec<&RawProfile> = chain.iter().filter_map(|c| raw.get(c)).collect();
    let me = raw.get(name)?;

    let mut base = PartialRuleSet::default();
    for l in &layers {
        base.overlay(&l.rules);
    }
    let rules = base.finish()?;
    let mut kinds = BTreeMap::new();
    for kind in DocumentKind::ALL {
        let mut acc = base.clone();
        for l in &layers {
            if let Some(k) = l.kinds.get(&kind) {
                acc.overlay(k);
            }
        }
        kinds.insert(kind, acc.finish()?);
    }
    // Nearest layer wins for profile-level keys; both lists replace, never append.
    let nearest = |f: fn(&RawProfile) -> Option<&Vec<DocumentKind>>| {
        layers.iter().rev().find_map(|l| f(l)).cloned()
    };
    Some(Profile {
        name: name.to_string(),
        description: me.description.clone().unwrap_or_default(),
        extends: me.extends.clone(),
        required_documents: nearest(|l| l.required_documents.as_ref())?,
        required_if_general_taxpayer: nearest(|l| l.required_if_general_taxpayer.as_ref())
            .unwrap_or_default(),
        rules,
        kinds,
    })
}
