//! docgate-codes: check characters of the codes printed on onboarding documents, and repair of
//! single OCR confusions. Pure functions, no I/O.
//!
//! - [`credit`]: unified social credit code (GB 32100-2015), 18 characters.
//! - [`org`]: organisation code (GB 11714), 8 + 1 characters, embedded in the credit code.
//! - [`resident_id`]: resident ID number (GB 11643), 18 characters.
//! - [`registration`]: old 15-digit business registration number (ISO 7064 MOD 11,10).
//! - [`repair`]: single-character substitutions of look-alike characters that make a misread
//!   code valid again.
//!
//! Validators take the exact text; run [`normalize`] first on OCR or form input. Error messages
//! never contain the whole code, because ID numbers are personal data.

use unicode_normalization::UnicodeNormalization;

pub mod credit;
pub mod org;
pub mod registration;
pub mod repair;
pub mod resident_id;

/// Why a code is not valid. Positions are 1-based, in characters, as a person counts them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Wrong number of characters.
    #[error("expected {expected} characters, found {found}")]
    Length {
        /// Characters the code must have.
        expected: usize,
        /// Characters the input has.
        found: usize,
    },
    /// A character that is not allowed at that position (outside the alphabet, or a letter
    /// where the standard requires a digit).
    #[error("character {ch:?} is not allowed at position {position}")]
    Char {
        /// 1-based character position.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// The check character does not match the rest of the code: a misread or a forgery.
    #[error("check character is {found:?}, but the other characters require {expected:?}")]
    CheckChar {
        /// The check character the body requires.
        expected: char,
        /// The check character the input has.
        found: char,
    },
    /// The birth date digits of an ID number are not a real calendar date from 1900 on.
    #[error("birth date is not valid: {0}")]
    BirthDate(String),
}

/// Normalises typed or OCR'd code text before validation: NFKC (full-width letters, digits,
/// hyphens and spaces become ASCII), ASCII letters uppercased, whitespace and hyphen-like
/// dashes dropped. `"９１３５ ０１００-m０００"` becomes `"91350100M000"`.
pub fn normalize(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace() && !is_dash(*c))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Hyphens and dashes people and OCR put between code groups (NFKC leaves most of them alone).
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// The characters of `s` if there are exactly `expected` of them.
pub(crate) fn chars_exact(s: &str, expected: usize) -> Result<Vec<char>, CodeError> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != expected {
        return Err(CodeError::Length {
            expected,
            found: chars.len(),
        });
    }
    Ok(chars)
}

/// Value of an ASCII digit at 0-based `index`, or a [`CodeError::Char`] naming it.
pub(crate) fn digit_at(chars: &[char], index: usize) -> Result<u32, CodeError> {
    let ch = chars[index];
    ch.to_digit(10)
        .filter(|_| ch.is_ascii_digit())
        .ok_or(CodeError::Char {
            position: index + 1,
            ch,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_full_width_case_spaces_hyphens() {
        assert_eq!(normalize("９１３５ ０１００-m０００"), "91350100M000");
        assert_eq!(normalize("１２３４５６７８－９"), "123456789");
        assert_eq!(
            normalize("\u{3000}11010519491231002x\t"),
            "11010519491231002X"
        );
        assert_eq!(normalize("ab\u{2014}c"), "ABC");
        // Chinese text passes through untouched (only spaces and dashes go).
        assert_eq!(normalize("（有限公司）"), "(有限公司)");
    }

    #[test]
    fn error_messages_are_one_based_and_clear() {
        let e = CodeError::Char {
            position: 3,
            ch: 'I',
        };
        assert_eq!(e.to_string(), "character 'I' is not allowed at position 3");
        let e = CodeError::Length {
            expected: 18,
            found: 17,
        };
        assert_eq!(e.to_string(), "expected 18 characters, found 17");
        let e = CodeError::CheckChar {
            expected: '3',
            found: '4',
        };
        assert_eq!(
            e.to_string(),
            "check character is '4', but the other characters require '3'"
        );
    }
}
