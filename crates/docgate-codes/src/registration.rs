//! Old business registration number (工商注册号, before 2015): 14 digits and an
//! ISO 7064 MOD 11,10 check digit (GB/T 17710).

use crate::{chars_exact, digit_at, CodeError};

/// Length of a registration number.
pub const LEN: usize = 15;

/// ISO 7064 MOD 11,10 over digits, returning the check digit that completes them.
/// `p` starts at 10; each digit gives `s = (p + d) mod 10` (0 read as 10), `p = 2s mod 11`;
/// the check `c` makes `(p + c) mod 10 == 1`.
fn mod11_10(digits: &[u32]) -> u32 {
    let p = digits.iter().fold(10, |p, d| {
        let s = match (p + d) % 10 {
            0 => 10,
            s => s,
        };
        2 * s % 11
    });
    // p is in 1..=10, so 11 - p is in 1..=10; 10 means check 0.
    (11 - p) % 10
}

fn digits(chars: &[char]) -> Result<Vec<u32>, CodeError> {
    (0..chars.len()).map(|i| digit_at(chars, i)).collect()
}

/// The check digit for 14 digits.
pub fn check_digit(first14: &str) -> Result<char, CodeError> {
    let chars = chars_exact(first14, LEN - 1)?;
    Ok(digit_char(mod11_10(&digits(&chars)?)))
}

fn digit_char(d: u32) -> char {
    // d < 10 by construction.
    char::from_digit(d, 10).unwrap_or('0')
}

/// Validates a 15-digit registration number exactly as given.
pub fn validate(n: &str) -> Result<(), CodeError> {
    let chars = chars_exact(n, LEN)?;
    let d = digits(&chars)?;
    let expected = digit_char(mod11_10(&d[..LEN - 1]));
    let found = chars[LEN - 1];
    if found != expected {
        return Err(CodeError::CheckChar { expected, found });
    }
    Ok(())
}

/// Whether [`validate`] accepts `n`.
pub fn is_valid(n: &str) -> bool {
    validate(n).is_ok()
}

/// Appends the check digit to 14 digits.
pub fn complete(first14: &str) -> Result<String, CodeError> {
    let check = check_digit(first14)?;
    Ok(format!("{first14}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(s: &str) -> Vec<u32> {
        s.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    #[test]
    fn published_mod11_10_vectors() {
        // Croatian OIBs (11 digits) use the same ISO 7064 MOD 11,10; published examples.
        for oib in [
            "69435151530",
            "61553429925",
            "00857144221",
            "02879747067",
            "98004523293",
        ] {
            let d = ds(oib);
            assert_eq!(mod11_10(&d[..10]), d[10], "{oib}");
        }
    }

    #[test]
    fn known_registration_number() {
        // Published alongside credit code 91440300085948158H (Shenzhen).
        assert_eq!(validate("440301108548379"), Ok(()));
        // Hand computation for 11010800000001, p after each digit:
        // 1,1,0,1,0,8 → 2,6,1,4,8,1; seven 0s → 2,4,8,5,10,9,7; 1 → s=8, p=5;
        // check c with (5 + c) mod 10 = 1 → 6.
        assert_eq!(check_digit("11010800000001"), Ok('6'));
        assert_eq!(complete("11010800000001").as_deref(), Ok("110108000000016"));
    }

    #[test]
    fn errors() {
        assert_eq!(
            validate("440301108548378"),
            Err(CodeError::CheckChar {
                expected: '9',
                found: '8'
            })
        );
        assert_eq!(
            validate("44030110854837"),
            Err(CodeError::Length {
                expected: 15,
                found: 14
            })
        );
        assert_eq!(
            validate("44030110854B379"),
            Err(CodeError::Char {
                position: 12,
                ch: 'B'
            })
        );
        assert!(!is_valid("44030110854837X"));
    }
}
