//! Shared by `tests/repairability.rs` and `examples/repairability.rs`: a seeded generator of
//! valid codes (no rand dependency) and the single-confusion repairability measurement.

#![allow(dead_code)]

use docgate_codes::repair::{self, CodeKind};
use docgate_codes::{credit, org, registration, resident_id};

/// SplitMix64: deterministic, good enough to spread test codes.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `count` characters drawn uniformly from `from`.
    pub fn pick(&mut self, from: &str, count: usize) -> String {
        let chars: Vec<char> = from.chars().collect();
        (0..count).map(|_| chars[self.below(chars.len())]).collect()
    }
}

const DIGITS: &str = "0123456789";

/// A random valid code of `kind`. Credit codes embed a valid organisation code, like real ones.
pub fn valid_code(kind: CodeKind, rng: &mut Rng) -> String {
    let code = match kind {
        CodeKind::CreditCode => {
            let org = org::complete(&rng.pick(credit::ALPHABET, 8)).expect("alphabet body");
            let first17 = format!(
                "{}{}{}{}",
                rng.pick("123456789ANY", 1),
                rng.pick("123456789", 1),
                rng.pick(DIGITS, 6),
                org
            );
            credit::complete(&first17).expect("valid body")
        }
        // Real organisation codes are mostly digits with few letters; drawing from the credit
        // alphabet (no I, O, S, V, Z) matches those embedded in credit codes.
        CodeKind::OrganizationCode => org::complete(&rng.pick(credit::ALPHABET, 8)).expect("body"),
        CodeKind::ResidentId => {
            let date = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).expect("date")
                + chrono::Days::new(rng.below(130 * 365) as u64);
            let first17 = format!(
                "{}{}{}{}",
                rng.pick("123456789", 1),
                rng.pick(DIGITS, 5),
                date.format("%Y%m%d"),
                rng.pick(DIGITS, 3)
            );
            resident_id::complete(&first17).expect("digits")
        }
        CodeKind::RegistrationNumber => {
            registration::complete(&rng.pick(DIGITS, 14)).expect("digits")
        }
    };
    assert!(repair::is_valid(kind, &code), "generator made {code}");
    code
}

/// Outcome counts over every single table confusion of many valid codes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Misreads tried.
    pub misreads: usize,
    /// Misreads that are themselves valid: the check cannot see them.
    pub undetected: usize,
    /// [`repair::unique`] returned the original.
    pub unique: usize,
    /// Two or more candidates, the original among them.
    pub ambiguous: usize,
    /// The original was not among the candidates (a bug if ever non-zero).
    pub lost: usize,
    /// Credit codes only: exactly one candidate also has a valid embedded organisation code,
    /// and it is the original (what a stricter repair could recover).
    pub unique_with_org: usize,
}

impl Tally {
    /// Share of misreads uniquely repaired, in percent.
    pub fn unique_percent(&self) -> f64 {
        100.0 * self.unique as f64 / self.misreads as f64
    }

    /// Share of misreads uniquely repaired when candidates must also embed a valid
    /// organisation code (credit codes only), in percent.
    pub fn unique_with_org_percent(&self) -> f64 {
        100.0 * self.unique_with_org as f64 / self.misreads as f64
    }

    /// Share of misreads that are valid codes, in percent.
    pub fn undetected_percent(&self) -> f64 {
        100.0 * self.undetected as f64 / self.misreads as f64
    }
}

/// Substitutes each character of `codes` random valid codes of `kind` by each of its table
/// look-alikes in turn and classifies what repair makes of it.
pub fn measure(kind: CodeKind, codes: usize, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut t = Tally::default();
    for _ in 0..codes {
        let code = valid_code(kind, &mut rng);
        let chars: Vec<char> = code.chars().collect();
        for (i, &ch) in chars.iter().enumerate() {
            for to in repair::confusables(ch) {
                let mut misread = chars.clone();
                misread[i] = to;
                let misread: String = misread.iter().collect();
                t.misreads += 1;
                if repair::is_valid(kind, &misread) {
                    t.undetected += 1;
                    continue;
                }
                let all = repair::candidates(kind, &misread);
                if !all.iter().any(|r| r.value == code) {
                    t.lost += 1;
                } else if all.len() == 1 {
                    t.unique += 1;
                } else {
                    t.ambiguous += 1;
                }
                if kind == CodeKind::CreditCode {
                    let with_org: Vec<_> = all
                        .iter()
                        .filter(|r| credit::organization_code(&r.value).is_ok_and(org::is_valid))
                        .collect();
                    if with_org.len() == 1 && with_org[0].value == code {
                        t.unique_with_org += 1;
                    }
                }
            }
        }
    }
    t
}

/// Codes per kind in the documented measurement (small enough for a debug-build test).
pub const CODES: usize = 500;
/// Seed of the documented measurement.
pub const SEED: u64 = 7;

/// The kinds, with names for printing.
pub const KINDS: [(CodeKind, &str); 4] = [
    (CodeKind::CreditCode, "credit code"),
    (CodeKind::OrganizationCode, "organisation code"),
    (CodeKind::ResidentId, "resident ID"),
    (CodeKind::RegistrationNumber, "registration number"),
];
