//! Organisation code (组织机构代码, GB 11714): 8 body characters and a mod-11 check character.
//!
//! Weaknesses worth knowing (the tests pin them down): body values run 0-35 but the check is
//! mod 11, so substituting or swapping characters whose values differ by a multiple of 11
//! goes unnoticed (`2`/`Z`, `7`/`I`, `I`/`T`, `D`/`O`, `0`/`B`/`M`); and `X` is worth 33 in the body
//! but 10 as check, so `…1X` and `…X1` both validate when one does. Inside a credit code the
//! mod-31 check of [`crate::credit`] covers these.

use crate::{chars_exact, CodeError};

/// Length without the optional hyphen.
pub const LEN: usize = 9;

/// GB 11714 weights for body positions 1-8.
const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Body value: digits 0-9, capitals A=10 … Z=35.
fn body_value(ch: char) -> Option<u32> {
    match ch {
        '0'..='9' | 'A'..='Z' => ch.to_digit(36),
        _ => None,
    }
}

/// The check character for 8 body characters: `11 - (Σ mod 11)`, 10 → `X`, 11 → `0`.
pub fn check_char(body8: &str) -> Result<char, CodeError> {
    let chars = chars_exact(body8, LEN - 1)?;
    check_of(&chars)
}

fn check_of(body: &[char]) -> Result<char, CodeError> {
    let mut sum = 0;
    for (i, (&ch, w)) in body.iter().zip(WEIGHTS).enumerate() {
        let v = body_value(ch).ok_or(CodeError::Char {
            position: i + 1,
            ch,
        })?;
        sum += v * w;
    }
    Ok(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        // 1..=9: a digit.
        c => char::from_digit(c, 10).unwrap_or('0'),
    })
}

/// Validates an organisation code exactly as given, `XXXXXXXX-X` (as printed on old
/// certificates) or `XXXXXXXXX`.
pub fn validate(code: &str) -> Result<(), CodeError> {
    let mut chars: Vec<char> = code.chars().collect();
    if chars.len() == LEN + 1 && chars[LEN - 1] == '-' {
        chars.remove(LEN - 1);
    } else if let Some(i) = chars.iter().position(|&c| c == '-') {
        // A hyphen anywhere else is a misplaced character, not a length problem.
        return Err(CodeError::Char {
            position: i + 1,
            ch: '-',
        });
    }
    let chars = chars_exact(&chars.iter().collect::<String>(), LEN)?;
    let expected = check_of(&chars[..LEN - 1])?;
    let found = chars[LEN - 1];
    if !(found.is_ascii_digit() || found == 'X') {
        // Position as the person sees it: after the hyphen if there was one.
        let position = code.chars().count();
        return Err(CodeError::Char {
            position,
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

/// Appends the check character to 8 body characters (no hyphen).
pub fn complete(body8: &str) -> Result<String, CodeError> {
    let check = check_char(body8)?;
    Ok(format!("{body8}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        for code in ["M000100Y4", "802100433", "71526726X", "085948158"] {
            assert_eq!(validate(code), Ok(()), "{code}");
        }
        assert_eq!(validate("80210043-3"), Ok(()));
        // Hand computation for 802100433: 8·3+0·7+2·9+1·10+0·5+0·8+4·4+3·2 = 74,
        // 74 mod 11 = 8, 11-8 = 3.
        assert_eq!(check_char("80210043"), Ok('3'));
        assert_eq!(complete("M000100Y").as_deref(), Ok("M000100Y4"));
    }

    #[test]
    fn ten_and_eleven() {
        // Σ = 0 → 11 → '0'.
        assert_eq!(check_char("00000000"), Ok('0'));
        // Σ = 5·2 = 10 → 1.
        assert_eq!(check_char("00000005"), Ok('1'));
        // Σ = 6·2 = 12 ≡ 1 → 10 → 'X'.
        assert_eq!(check_char("00000006"), Ok('X'));
        // Letters: 'C' = 12, Σ = 24 ≡ 2 → 9.
        assert_eq!(check_char("0000000C"), Ok('9'));
        assert!(is_valid("00000006X"));
    }

    #[test]
    fn errors() {
        assert_eq!(
            validate("80210043"),
            Err(CodeError::Length {
                expected: 9,
                found: 8
            })
        );
        assert_eq!(
            validate("802100434"),
            Err(CodeError::CheckChar {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(
            validate("8021a0433"),
            Err(CodeError::Char {
                position: 5,
                ch: 'a'
            })
        );
        assert_eq!(
            validate("8021-00433"),
            Err(CodeError::Char {
                position: 5,
                ch: '-'
            })
        );
        assert_eq!(
            validate("80210043-Y"),
            Err(CodeError::Char {
                position: 10,
                ch: 'Y'
            })
        );
    }

    #[test]
    fn documented_blind_spots() {
        // Values differing by 11: '2' (2) and 'Z' (35) is 33 apart.
        let code = complete("12345672").expect("body");
        let swapped = format!("1234567Z{}", &code[8..]);
        assert!(is_valid(&code) && is_valid(&swapped));
        // 'X' is 33 in the body, 10 as check: …1X and …X1 both validate.
        let body = (0..=9999u32)
            .map(|n| format!("{n:07}1"))
            .find(|b| check_char(b) == Ok('X'))
            .expect("some body ending in 1 has check X");
        assert!(is_valid(&format!("{body}X")));
        assert!(is_valid(&format!("{}X1", &body[..7])));
    }
}
