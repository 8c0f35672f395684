//! Resident ID number (公民身份号码, GB 11643): 6-digit address code, 8-digit birth date,
//! 3-digit sequence (odd for men), ISO 7064 MOD 11-2 check character (`0`-`9` or `X`).

use chrono::{Datelike, NaiveDate};

use crate::{chars_exact, digit_at, CodeError};

/// Length of an ID number.
pub const LEN: usize = 18;

/// `2^(18-i) mod 11` for positions 1..=17 (MOD 11-2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check characters indexed by `Σ mod 11`.
const CHECKS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// What an ID number says about its holder. Personal data: do not log it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdInfo {
    /// Digits 7-14.
    pub birth_date: NaiveDate,
    /// Digit 17 is odd for men, even for women.
    pub male: bool,
    /// Digits 1-6, the GB/T 2260 address code at first registration (not looked up: codes
    /// are retired and reused, and foreigners' permanent residence IDs start with 9).
    pub region: String,
}

fn digits17(chars: &[char]) -> Result<[u32; 17], CodeError> {
    let mut d = [0u32; 17];
    for (i, v) in d.iter_mut().enumerate() {
        *v = digit_at(chars, i)?;
    }
    Ok(d)
}

fn check_of(d: &[u32; 17]) -> char {
    let sum: u32 = d.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    CHECKS[(sum % 11) as usize]
}

/// The check character for 17 digits.
pub fn check_char(first17: &str) -> Result<char, CodeError> {
    let chars = chars_exact(first17, LEN - 1)?;
    Ok(check_of(&digits17(&chars)?))
}

/// Validates an ID number exactly as given (`X` must be uppercase; run [`crate::normalize`]
/// first): 17 digits, correct check character, and a real birth date from 1900 on. The birth
/// date is not compared with today, so results do not depend on the clock.
pub fn validate(id: &str) -> Result<IdInfo, CodeError> {
    let chars = chars_exact(id, LEN)?;
    let d = digits17(&chars)?;
    let found = chars[LEN - 1];
    if !(found.is_ascii_digit() || found == 'X') {
        return Err(CodeError::Char {
            position: LEN,
            ch: found,
        });
    }
    let expected = check_of(&d);
    if found != expected {
        return Err(CodeError::CheckChar { expected, found });
    }
    let number = |range: std::ops::Range<usize>| d[range].iter().fold(0, |n, v| n * 10 + v);
    let (year, month, day) = (number(6..10), number(10..12), number(12..14));
    let birth_date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(|| {
        CodeError::BirthDate(format!("{year:04}-{month:02}-{day:02} does not exist"))
    })?;
    if birth_date.year() < 1900 {
        return Err(CodeError::BirthDate(format!("year {year} is before 1900")));
    }
    Ok(IdInfo {
        birth_date,
        male: d[16] % 2 == 1,
        region: chars[..6].iter().collect(),
    })
}

/// Whether [`validate`] accepts `id`.
pub fn is_valid(id: &str) -> bool {
    validate(id).is_ok()
}

/// Appends the check character to 17 digits (the birth date is not checked here).
pub fn complete(first17: &str) -> Result<String, CodeError> {
    let check = check_char(first17)?;
    Ok(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_id() {
        let info = validate("11010519491231002X").expect("the standard's example");
        assert_eq!(
            info.birth_date,
            NaiveDate::from_ymd_opt(1949, 12, 31).expect("date")
        );
        assert!(!info.male);
        assert_eq!(info.region, "110105");
        // Hand computation: Σ = 1·7+1·9+0+1·5+0+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0+0+2·2
        // = 167, 167 mod 11 = 2 → 'X'.
        assert_eq!(check_char("11010519491231002"), Ok('X'));
        let man = complete("44030419800101001").expect("digits");
        assert!(validate(&man).expect("valid").male);
    }

    #[test]
    fn errors() {
        assert_eq!(
            validate("11010519491231002x"),
            Err(CodeError::Char {
                position: 18,
                ch: 'x'
            })
        );
        assert_eq!(
            validate("1101051949123100X2"),
            Err(CodeError::Char {
                position: 17,
                ch: 'X'
            })
        );
        assert_eq!(
            validate("110105194912310021"),
            Err(CodeError::CheckChar {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(
            validate("1101051949123100"),
            Err(CodeError::Length {
                expected: 18,
                found: 16
            })
        );
        for (body, why) in [
            ("11010519490229002", "1949-02-29 does not exist"),
            ("11010519491301002", "1949-13-01 does not exist"),
            ("11010519490100002", "1949-01-00 does not exist"),
            ("11010518991231002", "year 1899 is before 1900"),
        ] {
            let id = complete(body).expect("digits");
            assert_eq!(
                validate(&id),
                Err(CodeError::BirthDate(why.into())),
                "{body}"
            );
        }
        // A leap day is fine.
        assert!(is_valid(&complete("11010520000229002").expect("digits")));
    }
}
