//! Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, mod-31 check.
//!
//! Layout: registration authority (1), organisation category (1), administrative division
//! (6 digits), organisation code (9, GB 11714, see [`crate::org`]), check character (1).

use crate::{chars_exact, CodeError};

/// The alphabet in value order: digits and capitals without I, O, S, V, Z (too easily misread).
pub const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Length of a credit code.
pub const LEN: usize = 18;

/// `3^(i-1) mod 31` for positions 1..=17. 3 is a primitive root mod 31, so all weights are
/// distinct and non-zero, which is what makes every single substitution detectable.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Value of `ch` in [`ALPHABET`], if it belongs to it.
pub(crate) fn value(ch: char) -> Option<u32> {
    // ALPHABET is 31 ASCII characters, so the index fits in u32.
    ALPHABET.chars().position(|a| a == ch).map(|i| i as u32)
}

/// Checks that the first 17 characters are allowed where they are and returns their values.
/// Positions 3-8 are the administrative division code (GB/T 2260), always digits.
fn body_values(chars: &[char]) -> Result<[u32; 17], CodeError> {
    let mut values = [0u32; 17];
    for (i, (&ch, v)) in chars.iter().zip(values.iter_mut()).enumerate() {
        let bad = CodeError::Char {
            position: i + 1,
            ch,
        };
        *v = value(ch).ok_or(bad.clone())?;
        if (2..8).contains(&i) && !ch.is_ascii_digit() {
            return Err(bad);
        }
    }
    Ok(values)
}

/// The check character for the first 17 characters: `31 - (Σ value×weight mod 31)`, 31 → `0`.
pub fn check_char(first17: &str) -> Result<char, CodeError> {
    let chars = chars_exact(first17, LEN - 1)?;
    Ok(check_of(&body_values(&chars)?))
}

fn check_of(values: &[u32; 17]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    // check < 31 = ALPHABET.len(), so the lookup cannot fail; '0' keeps this panic-free.
    ALPHABET.chars().nth(check as usize).unwrap_or('0')
}

/// Validates a credit code exactly as given (no normalisation: run [`crate::normalize`] first):
/// 18 characters of [`ALPHABET`], digits in positions 3-8, correct check character.
///
/// The embedded organisation code's own check character is not required here: the standard
/// says characters 9-17 follow GB 11714, but demanding it would wrongly reject any issued code
/// that does not, which we have not ruled out. Check it with [`organization_code`] and
/// [`crate::org::validate`] where wanted. Registration authority and category are not checked
/// against the standard's tables, since those tables have grown since 2015.
pub fn validate(code: &str) -> Result<(), CodeError> {
    let chars = chars_exact(code, LEN)?;
    let expected = check_of(&body_values(&chars[..LEN - 1])?);
    let found = chars[LEN - 1];
    if value(found).is_none() {
        return Err(CodeError::Char {
            position: LEN,
            ch: found,
        });
    }
    if found != expected {
        return Err(CodeError::CheckChar { expected, found });
    }
    Ok(())
}

/// Whether [`validate`] accepts `code`.
pub fn is_valid(code: &str) -> bool {
    validate(code).is_ok()
}

/// The embedded organisation code, characters 9-17 (1-based), of a valid credit code. Check it
/// with [`crate::org::validate`]; platforms compare it with the separately typed code.
pub fn organization_code(code: &str) -> Result<&str, CodeError> {
    validate(code)?;
    // Valid codes are ASCII, so byte and character positions coincide.
    code.get(8..17).ok_or(CodeError::Length {
        expected: LEN,
        found: code.chars().count(),
    })
}

/// Whether `code` is valid and its embedded organisation code is valid too (GB 11714). A
/// misread that happens to satisfy the credit code's own check character (1 in 31) almost
/// never satisfies both; a read code is trusted only then.
pub fn is_valid_in_full(code: &str) -> bool {
    organization_code(code).is_ok_and(crate::org::is_valid)
}

/// GB/T 2260 province-level prefixes (characters 3-4 of a credit code) of the mainland,
/// and 10 for codes issued at the national level. Stable since 1997 (Chongqing, 50).
const PROVINCES: [&str; 32] = [
    "10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
];

/// Whether the division code's province (characters 3-4) is a mainland province or the
/// national level. Not part of [`validate`] (a typed code is judged by the standard's check
/// alone), but a repair that lands on another province prefix (81 is Hong Kong's, no
/// mainland authority's) guessed wrong: OCR repair uses this to refuse such candidates.
pub fn plausible_province(code: &str) -> bool {
    code.get(2..4).is_some_and(|p| PROVINCES.contains(&p))
}

/// Appends the check character to 17 characters: a valid credit code (for tests and fixtures).
pub fn complete(first17: &str) -> Result<String, CodeError> {
    let check = check_char(first17)?;
    Ok(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provinces_of_the_mainland_and_the_national_level_are_plausible() {
        for code in KNOWN {
            assert!(plausible_province(code), "{code}");
        }
        assert!(plausible_province("91500112MA973AFGXJ"));
        assert!(plausible_province("91100000100010433X"));
        assert!(!plausible_province("91810116MAE2M8L938"));
        assert!(!plausible_province("91990116MAE2M8L938"));
        assert!(!plausible_province("9"));
    }

    const KNOWN: [&str; 3] = [
        "91350100M000100Y43",
        "91110000802100433B",
        "9144030071526726XG",
    ];

    #[test]
    fn a_misread_that_satisfies_only_the_outer_check_character_is_not_valid_in_full() {
        // Read from a photographed licence (seed 61): 'A' as '4' and 'H' as 'K'.
        assert!(is_valid("91500112M4KWRQBPXA"));
        assert!(!is_valid_in_full("91500112M4KWRQBPXA"));
        assert!(is_valid_in_full("91500112MAHWRQBPXA"));
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn known_codes_validate_and_embed_valid_org_codes() {
        for code in KNOWN {
            assert_eq!(validate(code), Ok(()), "{code}");
            assert_eq!(
                check_char(&code[..17]),
                Ok(code.chars().nth(17).unwrap_or('?'))
            );
            assert_eq!(complete(&code[..17]).as_deref(), Ok(code));
            let org = organization_code(code).expect("valid code");
            assert_eq!(crate::org::validate(org), Ok(()), "{org}");
        }
        assert_eq!(organization_code(KNOWN[0]), Ok("M000100Y4"));
        // A published pair (credit code and its embedded org code 085948158).
        assert!(is_valid("91440300085948158H"));
        assert_eq!(organization_code("91440300085948158H"), Ok("085948158"));
    }

    #[test]
    fn check_value_31_maps_to_zero() {
        // Find a body whose sum is ≡ 0 mod 31 by adjusting position 17 (weight 28).
        let base = "9111000080210043";
        let code = ALPHABET
            .chars()
            .map(|c| format!("{base}{c}"))
            .find(|b| check_char(b) == Ok('0'))
            .expect("some last character gives check value 31");
        assert!(is_valid(&format!("{code}0")));
    }

    #[test]
    fn errors() {
        assert_eq!(
            validate("91350100M000100Y4"),
            Err(CodeError::Length {
                expected: 18,
                found: 17
            })
        );
        assert_eq!(
            validate("91350100M000100Y44"),
            Err(CodeError::CheckChar {
                expected: '3',
                found: '4'
            })
        );
        // O is not in the alphabet (it would be read as 0).
        assert_eq!(
            validate("91350100MO00100Y43"),
            Err(CodeError::Char {
                position: 10,
                ch: 'O'
            })
        );
        // Letters are not allowed in the division code (positions 3-8) even if they are in
        // the alphabet; position 9 ('M' in the known code) may be a letter.
        for (code, position, ch) in [
            ("91A50100M000100Y43", 3, 'A'),
            ("9135010AM000100Y43", 8, 'A'),
        ] {
            assert_eq!(validate(code), Err(CodeError::Char { position, ch }));
        }
        assert_eq!(
            validate("9135D100M000100Y43"),
            Err(CodeError::Char {
                position: 5,
                ch: 'D'
            })
        );
        assert_eq!(
            validate("91350100M000100Y4I"),
            Err(CodeError::Char {
                position: 18,
                ch: 'I'
            })
        );
        // Exact input: lowercase and full width are rejected; normalize first.
        assert!(!is_valid("91350100m000100Y43"));
        assert!(is_valid(&crate::normalize(
            "９１３５０１００ｍ０００１００ｙ４３"
        )));
        assert!(matches!(
            check_char("91350100M000100Y"),
            Err(CodeError::Length { .. })
        ));
        assert!(organization_code("91350100M000100Y44").is_err());
    }
}
