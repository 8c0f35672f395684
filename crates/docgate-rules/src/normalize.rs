//! Name comparison: normalise what does not matter (width, brackets, spaces), keep and
//! report what does (the legal form), and measure how near a miss is.

use unicode_normalization::UnicodeNormalization;

/// NFKC (full-width → half-width, `（）` → `()`), all whitespace removed, brackets unified,
/// ASCII letters uppercased. What is left is what a reviewer would call "the same name".
pub fn normalize_name(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '〔' | '［' | '[' | '【' | '{' => '(',
            '〕' | '］' | ']' | '】' | '}' => ')',
            '·' | '•' | '・' => '·',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// Legal-form suffixes, longest first: `有限公司` and `有限责任公司` are different legal names,
/// and a difference here is never an OCR slip.
const LEGAL_FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "合伙企业(有限合伙)",
    "合伙企业(普通合伙)",
    "合伙企业",
    "个人独资企业",
    "分公司",
    "集团",
];

/// The legal form a (normalised) company name ends with, if any.
pub fn legal_form(normalized: &str) -> Option<&'static str> {
    LEGAL_FORMS
        .iter()
        .copied()
        .find(|f| normalized.ends_with(f))
}

/// Similarity in 0..1 over characters (not bytes): 1 - edit distance / longer length.
pub fn similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(a, b)
}

/// How two values compare once normalised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparison {
    /// The same after normalisation.
    Same,
    /// Different, with a similarity; `legal_form_differs` when the legal forms disagree.
    Different {
        /// 0..1
        similarity: f64,
        /// The names end in different legal forms (有限公司 vs 有限责任公司).
        legal_form_differs: bool,
    },
}

/// Compares two names.
pub fn compare_names(a: &str, b: &str) -> Comparison {
    let (na, nb) = (normalize_name(a), normalize_name(b));
    if na == nb {
        return Comparison::Same;
    }
    let (fa, fb) = (legal_form(&na), legal_form(&nb));
    // A tail one character off the other's legal form is that form misread (般份有限公司
    // for 股份有限公司), not another legal form.
    let slip = |name: &str, form: Option<&str>| {
        form.is_some_and(|f| {
            let (n, f): (Vec<char>, Vec<char>) = (name.chars().collect(), f.chars().collect());
            n.len() >= f.len()
                && n[n.len() - f.len()..]
                    .iter()
                    .zip(&f)
                    .filter(|(x, y)| x != y)
                    .count()
                    == 1
        })
    };
    Comparison::Different {
        similarity: similarity(&na, &nb),
        legal_form_differs: fa.is_some()
            && fb.is_some()
            && fa != fb
            && !slip(&na, fb)
            && !slip(&nb, fa),
    }
}

/// Where `read` and `reference` differ, by a longest common subsequence of their normalised
/// characters: the indices (in `read`'s characters) of the characters the reference does not
/// share, and how many of the reference's characters `read` lacks.
pub fn unshared(read: &str, reference: &str) -> (Vec<usize>, usize) {
    let a: Vec<(usize, char)> = read
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            normalize_name(&c.to_string())
                .chars()
                .map(move |n| (i, n))
                .collect::<Vec<_>>()
        })
        .collect();
    let b: Vec<char> = normalize_name(reference).chars().collect();
    let (n, m) = (a.len(), b.len());
    // Names are tens of characters: the quadratic table is small.
    let mut d = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            d[i][j] = if a[i].1 == b[j] {
                d[i + 1][j + 1] + 1
            } else {
                d[i + 1][j].max(d[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut shared) = (0, 0, vec![false; n]);
    while i < n && j < m {
        if a[i].1 == b[j] {
            shared[i] = true;
            i += 1;
            j += 1;
        } else if d[i + 1][j] >= d[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    let mut out: Vec<usize> = a
        .iter()
        .zip(&shared)
        .filter(|(_, s)| !**s)
        .map(|(x, _)| x.0)
        .collect();
    out.dedup();
    (out, m - usize::from(d[0][0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unshared_characters_are_found_by_alignment() {
        // Two substitutions (鼎→烈, 诚→诊): positions 2 and 4 of the reading.
        assert_eq!(
            unshared("东莞烈品诊启有限公司", "东莞鼎品诚启有限公司"),
            (vec![2, 4], 2)
        );
        // A dropped character leaves nothing unshared in the reading, one in the reference.
        assert_eq!(unshared("东莞品诚启", "东莞鼎品诚启"), (vec![], 1));
        // Width and brackets do not count.
        assert_eq!(unshared("博禾（长沙）", "博禾(长沙)"), (vec![], 0));
    }

    #[test]
    fn width_brackets_and_spaces_do_not_matter() {
        assert_eq!(
            compare_names(
                "杭州示例（滨江）科技有限公司",
                "杭州示例(滨江)科技 有限公司"
            ),
            Comparison::Same
        );
        assert_eq!(compare_names("ＡＢＣ１２３", "abc123"), Comparison::Same);
    }

    #[test]
    fn legal_form_difference_is_flagged() {
        match compare_names("杭州示例科技有限公司", "杭州示例科技有限责任公司")
        {
            Comparison::Different {
                legal_form_differs, ..
            } => assert!(legal_form_differs),
            Comparison::Same => panic!("must differ"),
        }
    }

    #[test]
    fn a_legal_form_read_one_character_off_is_no_other_legal_form() {
        for read in ["杭州诚通科技般份有限公司", "北京航蠹恒苑服饰航份有限公司"]
        {
            match compare_names(read, "杭州诚通科技股份有限公司") {
                Comparison::Different {
                    legal_form_differs, ..
                } => assert!(!legal_form_differs, "{read}"),
                Comparison::Same => panic!("must differ"),
            }
        }
        // 有限公司 against 股份有限公司 is a real difference (two characters, not a slip).
        match compare_names("杭州诚通科技有限公司", "杭州诚通科技股份有限公司")
        {
            Comparison::Different {
                legal_form_differs, ..
            } => assert!(legal_form_differs),
            Comparison::Same => panic!("must differ"),
        }
    }

    #[test]
    fn one_character_off_is_near() {
        match compare_names("杭州示例科技有限公司", "杭州示列科技有限公司") {
            Comparison::Different {
                similarity,
                legal_form_differs,
            } => {
                assert!(!legal_form_differs);
                assert!((similarity - 0.9).abs() < 1e-9, "{similarity}");
            }
            Comparison::Same => panic!("must differ"),
        }
    }
}
