//! Turning raw readings into field values in the formats the rules consume: codes repaired by
//! their check characters, dates as `YYYY-MM-DD`, `长期`, rates as `13%`, names cleaned.

use docgate_codes::repair::{self, CodeKind};
use docgate_codes::{credit, normalize};

/// Alphabet of credit codes (GB 32100): no I, O, S, V, Z.
pub const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Digits.
pub const DIGITS: &str = "0123456789";
/// Resident ID numbers: digits and the check character X.
pub const ID_ALPHABET: &str = "0123456789X";

/// A code read from text: the value and, when a repair changed it, the raw reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The (possibly repaired) code.
    pub value: String,
    /// The raw reading if a repair changed it.
    pub repaired_from: Option<String>,
}

/// Runs of characters from `alphabet` in `text` (after code normalisation).
fn runs(text: &str, alphabet: &str) -> Vec<String> {
    normalize(text)
        .split(|c: char| !alphabet.contains(c))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether a read code is valid: its check character, and for a credit code the embedded
/// organisation code's too ([`credit::is_valid_in_full`]).
pub fn is_valid_code(kind: CodeKind, code: &str) -> bool {
    match kind {
        CodeKind::CreditCode => credit::is_valid_in_full(code),
        _ => repair::is_valid(kind, code),
    }
}

/// Extracts a code of `len` characters of `alphabet` from a reading and validates it,
/// repairing a single confusion when exactly one substitution validates it. An invalid
/// reading that cannot be repaired uniquely is still returned (the rules say Uncertain and
/// show it); nothing of the right length is `None`.
pub fn code(text: &str, len: usize, alphabet: &str, kind: CodeKind) -> Option<Code> {
    let runs = runs(text, alphabet);
    // Prefer an exact-length run; else a longer run's valid window (stray marks glued on).
    let raw = runs
        .iter()
        .find(|r| r.chars().count() == len)
        .cloned()
        .or_else(|| {
            runs.iter().find_map(|r| {
                let cs: Vec<char> = r.chars().collect();
                (cs.len() > len)
                    .then(|| {
                        (0..=cs.len() - len)
                            .map(|i| cs[i..i + len].iter().collect::<String>())
                            .find(|w| is_valid_code(kind, w))
                    })
                    .flatten()
            })
        });
    let Some(raw) = raw else {
        return doubled(&runs, len, kind).or_else(|| one_extra(&runs, len, kind));
    };
    if is_valid_code(kind, &raw) {
        return Some(Code {
            value: raw,
            repaired_from: None,
        });
    }
    // Characters 2-8 of a credit code are digits by the standard (the authority's category
    // and the six-digit division code): a letter there is a digit misread (a serif 1 read as
    // L, a 6 as G). When exactly one way of putting look-alike digits there validates the
    // code, it is that code.
    let raw_read = raw.clone();
    let raw = if kind == CodeKind::CreditCode {
        let all = digit_folds(&raw, 1..8);
        let valid: Vec<&String> = all
            .iter()
            .filter(|c| is_valid_code(kind, c) && credit::plausible_province(c))
            .collect();
        if let [one] = valid.as_slice() {
            return Some(Code {
                value: (*one).clone(),
                repaired_from: Some(raw_read),
            });
        }
        all.into_iter().next().unwrap_or(raw)
    } else {
        raw
    };
    let fixed = if kind == CodeKind::CreditCode {
        // The embedded organisation code has its own check character: only candidates
        // where it validates too are repairs (73.6 % → 95.5 % unique repairs, measured; a
        // candidate valid on the outer character alone is not trusted, see
        // `credit::is_valid_in_full`).
        let c = repair::candidates(kind, &raw);
        // A repair into another province prefix than the mainland's is a wrong guess that
        // validated by chance (seeds 73 and 101: 3 read as 8 into "81", Hong Kong's).
        let both: Vec<_> = c
            .iter()
            .filter(|r| is_valid_code(kind, &r.value) && credit::plausible_province(&r.value))
            .collect();
        match both.as_slice() {
            [one] => Some(one.value.clone()),
            _ => None,
        }
    } else {
        repair::unique(kind, &raw).map(|r| r.value)
    };
    Some(match fixed {
        Some(value) => Code {
            value,
            repaired_from: Some(raw_read),
        },
        // Unrepaired, the evidence is what was read.
        None => Code {
            value: raw_read,
            repaired_from: None,
        },
    })
}

/// A credit code read one character short because a doubled character (00, 11, 88) was
/// read once: the unique way of doubling one character that satisfies both check
/// characters and names a mainland province. Only credit codes: their two check characters
/// leave about one chance in 20 that some wrong doubling of 17 validates (an ID number's one
/// check digit would leave one in 1.5).
fn doubled(runs: &[String], len: usize, kind: CodeKind) -> Option<Code> {
    let run = runs.iter().find(|r| r.chars().count() + 1 == len)?;
    unique_edit(run, kind, |t, i| t.insert(i, t[i]))
}

/// The one credit code among the edits of `run` (one per character position) that
/// satisfies both check characters and names a mainland province; `None` when none or
/// several do, or for other kinds of code.
fn unique_edit(run: &str, kind: CodeKind, edit: impl Fn(&mut Vec<char>, usize)) -> Option<Code> {
    if kind != CodeKind::CreditCode {
        return None;
    }
    let cs: Vec<char> = run.chars().collect();
    let mut found: Vec<String> = (0..cs.len())
        .map(|i| {
            let mut t = cs.clone();
            edit(&mut t, i);
            t.into_iter().collect::<String>()
        })
        .filter(|c| is_valid_code(kind, c) && credit::plausible_province(c))
        .collect();
    found.dedup();
    match found.as_slice() {
        [one] => Some(Code {
            value: one.clone(),
            repaired_from: Some(run.to_string()),
        }),
        _ => None,
    }
}

/// A credit code read one character long (a stray B inside 91330212MAK3QMB884Y, seed 61
/// FX61-0020's 10 px tax id): the unique character whose removal satisfies both check
/// characters and names a mainland province. Removing one of 19 characters leaves 19
/// candidates, each valid by chance about once in 341 (31 × 11): about one reading in 18
/// with two slips would be wrongly repaired, as for [`doubled`]. A character lost is not
/// guessed back the same way: 18 places × 31 characters validate by chance more than once.
fn one_extra(runs: &[String], len: usize, kind: CodeKind) -> Option<Code> {
    let run = runs.iter().find(|r| r.chars().count() == len + 1)?;
    unique_edit(run, kind, |t, i| {
        t.remove(i);
    })
}

/// Letters a serif digit is read as where only a digit can stand, beyond the look-alike
/// table (which is for codes whose letters are letters): a serif 5's flag and bowl read as
/// G, a serif 1's foot as J (seed 61 FX61-0070 and FX61-0071: 91110105 read as 9TLL0L0G
/// and 911L0JQG on authorization letters).
const SERIF_DIGITS: &[(char, char)] = &[('G', '5'), ('J', '1')];

/// Every way of replacing the letters at `positions` by their look-alike digits (the first
/// takes each letter's first look-alike). At most 64 ways: beyond that the reading is not a
/// code with a few slips. Letters without a look-alike digit stay.
fn digit_folds(code: &str, positions: std::ops::Range<usize>) -> Vec<String> {
    let mut out = vec![String::new()];
    for (i, c) in code.chars().enumerate() {
        let options: Vec<char> = if positions.contains(&i) && !c.is_ascii_digit() {
            let d: Vec<char> = repair::confusables(c)
                .into_iter()
                .chain(SERIF_DIGITS.iter().filter(|s| s.0 == c).map(|s| s.1))
                .filter(char::is_ascii_digit)
                .collect();
            if d.is_empty() {
                vec![c]
            } else {
                d
            }
        } else {
            vec![c]
        };
        if out.len() * options.len() > 64 {
            return vec![code.to_string()];
        }
        out = out
            .iter()
            .flat_map(|p| options.iter().map(move |o| format!("{p}{o}")))
            .collect();
    }
    out
}

/// All dates in `text` as `YYYY-MM-DD`, in order (`2012年10月26日`, `2012.10.26`, `2012-10-26`).
pub fn dates(text: &str) -> Vec<String> {
    // Not `normalize`: it drops the dashes that separate the dates of a period.
    let nums: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty() && p.len() <= 4)
        .filter_map(|p| p.parse().ok())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < nums.len() {
        let (y, m, d) = (nums[i], nums[i + 1], nums[i + 2]);
        if (1900..=2199).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) {
            out.push(format!("{y:04}-{m:02}-{d:02}"));
            i += 3;
        } else {
            i += 1;
        }
    }
    out
}

/// A validity end: the date after `至`/`-`, or `长期`.
pub fn end_of_term(text: &str) -> Option<String> {
    let ds = dates(text);
    // 长 is printed on a term only as 长期; its 期 is what a crop at the piece's end loses
    // ("2019年10月23日至长").
    if text.contains('长') {
        return Some("长期".into());
    }
    match ds.len() {
        0 => None,
        // One date: the end only when it follows the separator ("…至2045年03月19日", the
        // start lost), or when it is read from the last 年 on while another 年 stands
        // before it ("2020年06月092070年06月08日": the start's 日 and 至 lost). A start
        // read alone ("2016年08月08日至", 长期 unread) must never pass for the end (it
        // would read as long expired).
        1 => {
            if let Some(end) = last_year_date(text) {
                return Some(end);
            }
            // The date must be read after the separator: "2017年02月01日至2037年0月31日"
            // (seed 127 FX127-0007, the end's month misread) has one date, the start.
            let after = text.rfind(['至', '-']).map(|i| &text[i..])?;
            dates(after).into_iter().next()
        }
        _ => ds.last().cloned(),
    }
}

/// The date that starts at the last 年's four-digit year, when another 年 comes before it.
fn last_year_date(text: &str) -> Option<String> {
    if text.matches('年').count() < 2 {
        return None;
    }
    let at = text.rfind('年')?;
    let start = at.checked_sub(4)?;
    // Bytes before 年 are checked to be ASCII digits, so `start` is a char boundary.
    if !text.as_bytes()[start..at].iter().all(u8::is_ascii_digit) {
        return None;
    }
    match dates(&text[start..]).as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The date most readings of one printed date agree on, and the index of a reading that
/// gave it. Each reading votes for its first date. At 9-13 px Tesseract drops a thin 1
/// (11月 read as 1月, 11日 as 1日) far more often than it invents one, so a reading whose
/// digits equal another's with one 1 dropped also votes for the fuller one. Ties go to the
/// reading with more digits.
pub fn vote_dates(readings: &[String]) -> Option<(String, usize)> {
    // (date, the reading's digits, votes, index of the first reading)
    let mut cands: Vec<(String, String, usize, usize)> = Vec::new();
    for (k, t) in readings.iter().enumerate() {
        let Some(d) = dates(t).into_iter().next() else {
            continue;
        };
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        match cands.iter_mut().find(|c| c.0 == d && c.1 == digits) {
            Some(c) => c.2 += 1,
            None => cands.push((d, digits, 1, k)),
        }
    }
    let one_dropped = |full: &str, short: &str| {
        full.len() == short.len() + 1
            && full
                .char_indices()
                .any(|(i, c)| c == '1' && format!("{}{}", &full[..i], &full[i + 1..]) == short)
    };
    let score = |c: &(String, String, usize, usize)| {
        let absorbed: usize = cands
            .iter()
            .filter(|o| one_dropped(&c.1, &o.1))
            .map(|o| o.2)
            .sum();
        (c.2 + absorbed, c.1.len())
    };
    let best = cands.iter().max_by_key(|c| score(c))?;
    Some((best.0.clone(), best.3))
}

/// The VAT rates (percent) an invoice row can carry: today's 13, 9, 6 and the small-scale
/// 3, 1 and 5 %, and the 17, 16, 11 and 10 % that older invoices still print.
pub const VAT_RATES: [u32; 10] = [1, 3, 5, 6, 9, 10, 11, 13, 16, 17];

/// An amount as an invoice's table prints it ("23221.92", "¥461189.53", "-1,200.00"), in
/// fen. Exactly two decimals: a quantity or a bare number is not an amount.
pub fn amount_fen(text: &str) -> Option<i64> {
    use unicode_normalization::UnicodeNormalization;
    // NFKC, not code normalisation: that drops dashes, and a minus sign matters here.
    let mut t: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    // A decimal comma ("248861,06") where no point was read.
    if !t.contains('.') {
        if let Some(at) = t.rfind(',').filter(|at| t.len() - at == 3) {
            t.replace_range(at..=at, ".");
        }
    }
    let t: String = t.chars().filter(|c| *c != ',').collect();
    let t = t.trim_start_matches(['¥', 'Y', 'y']);
    let (neg, t) = match t.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.')?;
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
    };
    if !digits(whole, 1..=12) || !digits(frac, 2..=2) {
        return None;
    }
    let fen = whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?;
    Some(if neg { -fen } else { fen })
}

/// The rate of an invoice row from its amount and its tax: the one rate of [`VAT_RATES`]
/// whose tax (amount × rate) is within 6 fen of the printed tax, the per-row rounding the
/// tax system allows. `None` when no rate or more than one fits (small amounts), or when
/// the tax is zero (a 0 % or exempt row).
pub fn rate_from_amounts(amount_fen: i64, tax_fen: i64) -> Option<u32> {
    if tax_fen == 0 || amount_fen == 0 || (amount_fen < 0) != (tax_fen < 0) {
        return None;
    }
    let (a, t) = (
        amount_fen.unsigned_abs() as f64,
        tax_fen.unsigned_abs() as f64,
    );
    let mut fits = VAT_RATES
        .iter()
        .filter(|r| (a * f64::from(**r) / 100.0 - t).abs() <= 6.0);
    match (fits.next(), fits.next()) {
        (Some(r), None) => Some(*r),
        _ => None,
    }
}

/// Tax rates in order of first appearance: `13%`, `9%`, `免税`, joined by `,`.
pub fn tax_rates(text: &str) -> Option<String> {
    // Normalise cell by cell: joining cells would glue an amount's last digits to the rate
    // (286959.00 6% → "006%").
    let t = text
        .split_whitespace()
        .map(normalize)
        .collect::<Vec<_>>()
        .join(" ");
    let mut out: Vec<String> = Vec::new();
    let mut num = String::new();
    let chars: Vec<char> = t.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            num.push(*c);
        } else {
            // A rate is a whole number of at most two digits, not the tail of a decimal.
            let decimal = i > num.len() && chars[i - num.len() - 1] == '.';
            if *c == '%' && !num.is_empty() && num.len() <= 2 && !decimal {
                if let Ok(n) = num.parse::<u32>() {
                    let r = format!("{n}%");
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
            }
            if *c == '免' && chars.get(i + 1) == Some(&'税') && !out.iter().any(|r| r == "免税")
            {
                out.push("免税".into());
            }
            num.clear();
        }
    }
    (!out.is_empty()).then(|| out.join(","))
}

/// A name as printed: Han characters, brackets, Latin letters and digits, with label
/// remnants (`(盖章):`) and stray marks removed.
pub fn name(text: &str) -> Option<String> {
    let mut t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // Label remnants before the value: "（盖章）：", ":", "称".
    if let Some(i) = t.rfind(['：', ':']) {
        if t[..i].chars().count() <= 6 {
            t = t[i + t[i..].chars().next().map_or(1, char::len_utf8)..].to_string();
        }
    }
    for p in ["(盖章)", "（盖章）"] {
        t = t.replace(p, "");
    }
    // The label's "（盖章）" with its opening bracket lost or read as something else.
    if let Some(i) = t.find("章）").or_else(|| t.find("章)")) {
        if t[..i].chars().count() <= 3 {
            t = t[i..].chars().skip(2).collect();
        }
    }
    let t: String = t
        .trim_matches(|c: char| !(is_han(c) || c.is_alphanumeric() || "()（）".contains(c)))
        .chars()
        .filter(|c| is_han(*c) || c.is_alphanumeric() || "()（）·".contains(*c))
        // Registered names print brackets full-width; OCR reads either.
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect();
    let t = balance_brackets(&t);
    (t.chars().filter(|c| is_han(*c)).count() >= 2).then_some(t)
}

/// Restores a bracket OCR lost. In a registered name the brackets hold an administrative
/// division (字号（行政区划）行业: 杭州, 深圳, 浙江 …), nearly always two characters, and
/// the thin full-width bracket is the glyph Tesseract most often drops. Only a lone bracket
/// with two Han characters on its open side is completed; anything else is left as read.
fn balance_brackets(t: &str) -> String {
    let cs: Vec<char> = t.chars().collect();
    let opens: Vec<usize> = (0..cs.len()).filter(|&i| cs[i] == '（').collect();
    let closes: Vec<usize> = (0..cs.len()).filter(|&i| cs[i] == '）').collect();
    let mut out = cs.clone();
    match (opens.as_slice(), closes.as_slice()) {
        ([], [c]) if *c >= 3 && cs[c - 2..*c].iter().all(|&x| is_han(x)) => {
            out.insert(c - 2, '（');
        }
        ([o], []) if o + 3 < cs.len() && cs[o + 1..o + 3].iter().all(|&x| is_han(x)) => {
            out.insert(o + 3, '）');
        }
        _ => {}
    }
    out.into_iter().collect()
}

/// A person's name: Han characters only (and the middle dot of minority names).
pub fn person(text: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| is_han(*c) || *c == '·').collect();
    (2..=12).contains(&t.chars().count()).then_some(t)
}

/// CJK unified ideographs.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_in_the_digit_positions_of_a_credit_code_are_folded_to_digits() {
        // A serif 1 read as L three times in the division code (1 or 7 each: eight ways,
        // one of which validates both check characters).
        let c = code(
            "9LL10L05MA3HW2X40D",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        )
        .expect("a code");
        assert_eq!(c.value, "91110105MA3HW2X40D");
        assert_eq!(c.repaired_from.as_deref(), Some("9LL10L05MA3HW2X40D"));
        // Letters elsewhere are the code's own (the organisation code has letters).
        let c = code(
            "91110105MA3HW2X40D",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        )
        .expect("a code");
        assert_eq!(c.repaired_from, None);
        // An unrepairable reading is returned as read.
        let c = code(
            "9LL10L05MA3HW2X4QQ",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        )
        .expect("a code");
        assert_eq!(c.value, "9LL10L05MA3HW2X4QQ");
        assert_eq!(c.repaired_from, None);
    }

    #[test]
    fn a_doubled_character_read_once_is_restored_when_unique() {
        // Seed 73 FX73-0002: 91430104MA21R0R00B read with its 00 as one 0.
        let c = code(
            "91430104MA21R0R0B",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        )
        .expect("a code");
        assert_eq!(c.value, "91430104MA21R0R00B");
        assert_eq!(c.repaired_from.as_deref(), Some("91430104MA21R0R0B"));
        // A character lost that was no double is not guessed.
        assert!(code(
            "9143014MA21R0R00B",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode
        )
        .is_none());
        // Nor for other kinds of code.
        assert!(code("11010519491231002", 18, "0123456789X", CodeKind::ResidentId).is_none());
    }

    #[test]
    fn a_serif_5_read_as_g_and_a_serif_1_read_as_j_fold_to_digits_in_the_division_code() {
        // Seed 61 FX61-0070 and FX61-0071, authorization letters photographed.
        for (read, want) in [
            ("9TLL0L0GMA3HW2X40D", "91110105MA3HW2X40D"),
            ("911L0JQGMABKXMD597", "91110105MABKXMD597"),
        ] {
            let c = code(read, 18, CREDIT_ALPHABET, CodeKind::CreditCode).expect("a code");
            assert_eq!(c.value, want);
            assert_eq!(c.repaired_from.as_deref(), Some(read));
        }
    }

    #[test]
    fn a_stray_character_inside_a_credit_code_is_removed_when_unique() {
        // Seed 61 FX61-0020: the seller's 91330212MAK3QM884Y read with a B after the M.
        let c = code(
            "91330212MAK3QMB884Y",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        )
        .expect("a code");
        assert_eq!(c.value, "91330212MAK3QM884Y");
        assert_eq!(c.repaired_from.as_deref(), Some("91330212MAK3QMB884Y"));
        // Two slips and a stray: no removal validates, nothing is made up.
        assert!(code(
            "91330212MAK3QMB885Y",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode
        )
        .is_none_or(|c| c.repaired_from.is_none()));
        // Nor for other kinds of code.
        assert!(code(
            "1101051949123100217",
            18,
            "0123456789X",
            CodeKind::ResidentId
        )
        .is_none());
    }

    #[test]
    fn a_repair_into_no_mainland_province_is_refused() {
        // Seeds 101 and 73: two slips among the first eight characters; one more
        // substitution (3 read as 8) validated both check characters into "81…", Hong
        // Kong's prefix. The reading stays as read (invalid, so the rules review it).
        for read in ["91310LLGMAE2M8L938", "91319704MAY8NMHD6Y"] {
            let c = code(read, 18, CREDIT_ALPHABET, CodeKind::CreditCode).expect("a code");
            assert!(
                credit::plausible_province(&c.value) || c.repaired_from.is_none(),
                "{read} repaired into {}",
                c.value
            );
            assert_ne!(&c.value[2..4], "81", "{read} -> {}", c.value);
        }
    }

    #[test]
    fn codes_repair_and_record() {
        let ok = code(
            "91350100M000100Y43",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        );
        assert_eq!(ok.map(|c| c.repaired_from), Some(None));
        // 8 read as B: repaired, the raw reading kept.
        let c = code(
            "9144O3OO71526726XG",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        );
        assert!(c.is_none() || c.as_ref().is_some_and(|c| c.value.len() == 18));
        // 0 read as D in the body: one substitution validates both check characters.
        let c = code(
            "代码 913501D0M000100Y43",
            18,
            CREDIT_ALPHABET,
            CodeKind::CreditCode,
        )
        .expect("a code");
        assert_eq!(c.value, "91350100M000100Y43");
        assert_eq!(c.repaired_from.as_deref(), Some("913501D0M000100Y43"));
        assert_eq!(code("12", 18, CREDIT_ALPHABET, CodeKind::CreditCode), None);
    }

    #[test]
    fn dates_terms_rates_names() {
        assert_eq!(
            dates("2012年10月26日至2062年10月25日"),
            ["2012-10-26", "2062-10-25"]
        );
        assert_eq!(end_of_term("2012年10月26日至长期").as_deref(), Some("长期"));
        assert_eq!(
            end_of_term("2015.06.28-2035.06.28").as_deref(),
            Some("2035-06-28")
        );
        assert_eq!(tax_rates("6%\n6%\n13%").as_deref(), Some("6%,13%"));
        assert_eq!(tax_rates("免税").as_deref(), Some("免税"));
        assert_eq!(tax_rates("abc"), None);
        // Cells on separate lines stay apart: an amount's cents are not a rate.
        assert_eq!(
            tax_rates("税率/征收率\n286959.00\n6%\n17217.54").as_deref(),
            Some("6%")
        );
        assert_eq!(tax_rates("0.06%"), None);
    }

    #[test]
    fn readings_of_a_date_vote_and_a_dropped_1_votes_for_the_fuller_reading() {
        let v = |t: &[&str]| {
            vote_dates(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>()).map(|x| x.0)
        };
        // Seed 61 FX61-0003: read as 11月1日 once, 11月11日 by the other looks.
        assert_eq!(
            v(&[
                "开日其;2026年11月1日",
                "2026年11月11日",
                "开票日期:2026年11月11日"
            ])
            .as_deref(),
            Some("2026-11-11")
        );
        // FX61-0041: two readings dropped a 1 of 11月; they vote for the one that kept it.
        assert_eq!(
            v(&["2026年1月05日", "开标日期:2026年1月05日", "2026年11月05日"]).as_deref(),
            Some("2026-11-05")
        );
        // Not a dropped 1: the majority stands.
        assert_eq!(
            v(&["2026年09月16日", "2026年09月16日", "2026年09月18日"]).as_deref(),
            Some("2026-09-16")
        );
        assert_eq!(v(&["开票日期", "20261105"]), None);
    }

    #[test]
    fn amounts_are_two_decimal_yuan_in_fen() {
        assert_eq!(amount_fen("23221.92"), Some(2_322_192));
        assert_eq!(amount_fen("¥461189.53"), Some(46_118_953));
        assert_eq!(amount_fen("y27671.37"), Some(2_767_137));
        assert_eq!(amount_fen("-1,200.00"), Some(-120_000));
        assert_eq!(amount_fen("248861,06"), Some(24_886_106));
        assert_eq!(amount_fen("14554,.50"), Some(1_455_450));
        for not in ["153", "2767137", "6%", "12.5", "1.234", "", ".50", "a12.00"] {
            assert_eq!(amount_fen(not), None, "{not:?}");
        }
    }

    #[test]
    fn a_rows_rate_follows_from_its_amount_and_tax() {
        // Truncated (23221.92 x 6 % = 1393.3152) and rounded taxes both fit.
        assert_eq!(rate_from_amounts(2_322_192, 139_331), Some(6));
        assert_eq!(rate_from_amounts(7_991_343, 479_480), Some(6));
        assert_eq!(rate_from_amounts(7_991_343, 479_481), Some(6));
        assert_eq!(rate_from_amounts(100_000, 13_000), Some(13));
        assert_eq!(rate_from_amounts(100_000, 3_000), Some(3));
        assert_eq!(rate_from_amounts(-100_000, -9_000), Some(9));
        // Off by more than the rounding: a misread digit, not a rate.
        assert_eq!(rate_from_amounts(2_322_192, 139_431), None);
        // A unit price and its amount are no rate.
        assert_eq!(rate_from_amounts(48_379, 2_322_192), None);
        // 1.00 yuan: 5 % and 6 % are one fen apart, both within the rounding.
        assert_eq!(rate_from_amounts(100, 6), None);
        assert_eq!(rate_from_amounts(100_000, 0), None);
        assert_eq!(rate_from_amounts(100_000, -13_000), None);
        assert_eq!(
            name("盖章）蓝星益诚(长沙)科技有限公司").as_deref(),
            Some("蓝星益诚（长沙）科技有限公司")
        );
        assert_eq!(
            name("（盖章）：杭州示例科技有限公司").as_deref(),
            Some("杭州示例科技有限公司")
        );
        assert_eq!(person("谭 鑫娟|").as_deref(), Some("谭鑫娟"));
    }

    #[test]
    fn a_start_date_never_passes_for_the_end_of_a_term() {
        assert_eq!(end_of_term("2016年08月08日至"), None);
        assert_eq!(end_of_term("2016年08月08日至长期"), Some("长期".into()));
        // Seed 73 FX73-0026: the start's 日 and 至 lost; the end is the last year's date.
        assert_eq!(
            end_of_term("2020年06月092070年06月08日").as_deref(),
            Some("2070-06-08")
        );
        // The last year's date unreadable: the start is not taken for the end.
        assert_eq!(end_of_term("2013年1月12日至2063年1月日"), None);
        // Seed 127 FX127-0007: the end's month read as 0; the one date is the start.
        assert_eq!(end_of_term("2017年02月01日至2037年0月31日"), None);
        // Seed 101 FX101-0044: 期 lost at the piece's end.
        assert_eq!(end_of_term("2019年10月23日至长"), Some("长期".into()));
        assert_eq!(
            end_of_term("至2045年03月19日").as_deref(),
            Some("2045-03-19")
        );
        assert_eq!(
            end_of_term("2015年03月20日至2045年03月19日").as_deref(),
            Some("2045-03-19")
        );
    }

    #[test]
    fn a_lost_bracket_around_the_division_is_restored() {
        assert_eq!(
            name("星丰德益广州）贸易有限公司").as_deref(),
            Some("星丰德益（广州）贸易有限公司")
        );
        assert_eq!(
            name("智天博(杭州食品有限公司").as_deref(),
            Some("智天博（杭州）食品有限公司")
        );
        // Balanced, bracket-free, or not two Han characters inside: left as read.
        for t in [
            "蓝星益诚（长沙）科技有限公司",
            "杭州示例科技有限公司",
            "示例（HK）有限公司",
            "州）示例有限公司",
        ] {
            assert_eq!(name(t).as_deref(), Some(t));
        }
    }
}
