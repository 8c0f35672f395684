//! Personal data (names, ID numbers, bank accounts) that must never appear whole in logs.
//!
//! [`Personal`] serialises in full (results go to reviewers, who must see the value) but its
//! `Debug` and `Display` are masked, so a stray `{:?}` or `tracing` field cannot leak it.

use serde::{Deserialize, Serialize};

/// A string holding personal data. Read it with [`Personal::expose`]; print it masked.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Personal(String);

impl Personal {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Personal {
        Personal(s.into())
    }

    /// The real value, for comparisons and for the reviewer-facing result only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked form, for logs and messages.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

impl From<&str> for Personal {
    fn from(s: &str) -> Self {
        Personal(s.to_string())
    }
}

impl std::fmt::Debug for Personal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Personal({})", self.masked())
    }
}

impl std::fmt::Display for Personal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Masks personal data for logs: long values (ID numbers, accounts) keep their first and
/// last four characters (`3301**********1234`); short ones (names) keep the first character.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    match n {
        0 => String::new(),
        1 => "*".to_string(),
        2..=7 => std::iter::once(chars[0])
            .chain(std::iter::repeat_n('*', n - 1))
            .collect(),
        _ => chars[..4]
            .iter()
            .copied()
            .chain(std::iter::repeat_n('*', n - 8))
            .chain(chars[n - 4..].iter().copied())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_domain_doc() {
        assert_eq!(mask("330106198001011234"), "3301**********1234");
        assert_eq!(mask("张三"), "张*");
        assert_eq!(mask("欧阳娜娜"), "欧***");
        assert_eq!(mask("6222021234567890123"), "6222***********0123");
        assert_eq!(mask(""), "");
        assert_eq!(mask("A"), "*");
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let p = Personal::new("330106198001011234");
        assert!(!format!("{p:?}").contains("19800101"));
        assert!(!format!("{p}").contains("19800101"));
        assert_eq!(
            serde_json::to_string(&p).expect("json"),
            "\"330106198001011234\""
        );
    }
}
