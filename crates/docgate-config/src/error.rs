//! Config errors: each one names the key path it concerns; a config reports all of them at once.

use std::fmt;

/// One problem in a config, located by its key path.
///
/// `path` is written the way a TOML author would address the key, quoting segments that
/// are not bare keys: `profiles.1688.kinds.id_card_front.rules."image.resolution".min_short_side`.
/// A TOML syntax error has no key path; its `path` is `line L, column C` instead.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    /// Where: a key path, or `line L, column C` for a syntax error.
    pub path: String,
    /// What is wrong, and where possible what would be right.
    pub message: String,
}

/// Every problem found in a config. Never empty when returned as an error.
///
/// `Display` writes one `path: message` per line, sorted by path, so that a rule owner
/// can fix everything in one pass instead of one error per run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The paths of all errors, in order (handy in tests and for editors).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.path.as_str())
    }
}

fn render(errors: &[ConfigError]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.to_string());
    }
    out
}

/// Collects errors while the compiler walks the whole config (it never stops at the first).
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<ConfigError>);

impl Errors {
    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigError {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorted by path (then message) so that the report does not depend on map order, and
    /// deduplicated in case two walks reach the same fault.
    pub(crate) fn into_errors(self) -> ConfigErrors {
        let mut v = self.0;
        v.sort();
        v.dedup();
        ConfigErrors(v)
    }
}

/// Appends `key` to `base`, quoting the key when it is not a TOML bare key, so that the
/// path can be pasted back into the file (`rules."image.blur"`).
pub(crate) fn join(base: &str, key: &str) -> String {
    let seg = Key(key).to_string();
    if base.is_empty() {
        seg
    } else {
        format!("{base}.{seg}")
    }
}

/// A key as written in a TOML path: bare when possible, else a basic string.
pub(crate) struct Key<'a>(pub(crate) &'a str);

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.0;
        if is_bare(k) {
            return f.write_str(k);
        }
        f.write_str("\"")?;
        for c in k.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c if c.is_control() => write!(f, "\\u{:04X}", u32::from(c))?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

/// TOML bare keys: ASCII letters, digits, `_` and `-`, at least one.
pub(crate) fn is_bare(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The closest known name to a misspelt one, if any is close enough to be a likely typo.
///
/// A name that equals the part after the dot of exactly one candidate (`blur` for
/// `image.blur`) is suggested too: that is the commonest slip with dotted rule ids.
pub(crate) fn suggest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let by_suffix: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|c| c.rsplit_once('.').is_some_and(|(_, tail)| tail == input))
        .collect();
    if let [only] = by_suffix.as_slice() {
        return Some(only);
    }
    // About one edit per three characters: short names get one edit, so `zz` suggests nothing.
    let limit = (input.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `" (did you mean `x`?)"` or nothing.
pub(crate) fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match suggest(input, candidates) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}

/// The message of a TOML/serde error without the location decoration that `Display` adds.
pub(crate) fn toml_message(e: &toml::de::Error) -> String {
    e.message().trim().to_string()
}

/// `line L, column C` (1-based, columns counted in characters) of a byte offset into `src`.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_only_non_bare_keys() {
        assert_eq!(join("", "profiles"), "profiles");
        assert_eq!(join("profiles", "1688"), "profiles.1688");
        assert_eq!(join("rules", "image.blur"), "rules.\"image.blur\"");
        assert_eq!(join("a", "x\"y"), "a.\"x\\\"y\"");
        assert_eq!(join("a", ""), "a.\"\"");
    }

    #[test]
    fn suggestions() {
        let ids = ["image.blur", "image.color", "id.number"];
        assert_eq!(suggest("image.blurr", ids), Some("image.blur"));
        assert_eq!(suggest("image.colour", ids), Some("image.color"));
        assert_eq!(suggest("blur", ids), Some("image.blur"));
        assert_eq!(suggest("completely.else", ids), None);
    }

    #[test]
    fn line_col_counts_characters() {
        let src = "a = 1\n# 营业执照\nb = ";
        assert_eq!(line_col(src, 0), (1, 1));
        let at = src.find("b =").unwrap_or(0);
        assert_eq!(line_col(src, at + 2), (3, 3));
        // Inside a multi-byte character: clamps to its start, never panics.
        assert_eq!(line_col(src, 9), (2, 3));
        assert_eq!(line_col(src, 10_000), (3, 5));
    }
}
