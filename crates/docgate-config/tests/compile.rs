//! The compiler on small configs: every error at once with its path, inheritance and
//! per-kind layering, the config version.

mod common;

use common::{compiled, errors_of, minimal_with, MINIMAL};
use docgate_config::{Config, FormatParams};
use docgate_core::{DocumentKind, Format, RuleId, Severity};

#[test]
fn minimal_config_compiles_with_defaults_filled_in() {
    let c = compiled(MINIMAL);
    assert_eq!(c.profile_names().collect::<Vec<_>>(), ["default"]);
    let d = c.profile("default").expect("default profile");
    // Not written in MINIMAL: the documented default of 1 day.
    assert_eq!(d.rules(None).invoice_date.params.allow_future_days, 1);
    // Integers are accepted where a float is expected.
    assert_eq!(
        d.rules(None).invoice_tax_rate.params.allowed_percent,
        [13.0, 9.0, 6.0]
    );
    assert_eq!(d.required_if_general_taxpayer, []);
    assert_eq!(c.limits().max_pdf_pages, 10);
}

/// One config with many different mistakes: every one is reported, each at its path.
const BROKEN_EDITS: &[(&str, &str)] = &[
    // 1. wrong type for a limit
    ("max_pdf_pages = 10", "max_pdf_pages = \"ten\""),
    // 2. unknown severity
    (
        "\"license.seal\" = { severity = \"review\" }",
        "\"license.seal\" = { severity = \"maybe\" }",
    ),
    // 3. impossible threshold (negative sharpness) and 4. unknown parameter, same rule
    (
        "min_sharpness = 120.0 }",
        "min_sharpness = -1.0, min_sharpnes = 3 }",
    ),
    // 5. unknown format
    (
        "allowed = [\"jpeg\", \"png\", \"pdf\"]",
        "allowed = [\"jpeg\", \"jpg\"]",
    ),
    // 6. a size above the global cap
    ("max_bytes = 10000000", "max_bytes = 30000000"),
    // 7. a missing required parameter in `default`
    (
        "min_short_side = 600, min_megapixels = 0.5",
        "min_short_side = 600",
    ),
];

const BROKEN_EXTRA: &str = r#"
# 8. unknown top-level key
[limit]
max_file_bytes = 1

[profiles.shop]
extends = "defualt"              # 9. extends a missing profile (typo)
required_documents = ["business_license", "passport"]   # 10. unknown document kind
colour = "red"                   # 11. unknown profile key

[profiles.shop.rules]
"image.blurr" = { severity = "off" }               # 12. unknown rule id
"match.company_name" = { review_similarity = 1.5 } # 13. out of range
"invoice.tax_rate" = { allowed_percent = [] }      # 14. empty list

[profiles.shop.kinds.id_card.rules]                # 15. unknown document kind
"image.blur" = { severity = "off" }

[profiles.shop.kinds.vat_invoice.rules]
"form.credit_code" = { severity = "off" }          # 16. a submission-level rule per kind
"image.glare" = { max_glare_fraction = 0 }         # 17. out of range (0 < x <= 1)
"#;

fn broken() -> String {
    let mut src = MINIMAL.to_string();
    for (from, to) in BROKEN_EDITS {
        assert!(src.contains(from), "MINIMAL has no `{from}`");
        src = src.replacen(from, to, 1);
    }
    src + BROKEN_EXTRA
}

#[test]
fn every_mistake_is_reported_at_once_with_its_path() {
    let errs = errors_of(&broken());
    let paths: Vec<&str> = errs.paths().collect();
    let expected = [
        "limit",
        "limits.max_pdf_pages",
        "profiles.default.rules.\"image.blur\".min_sharpnes",
        "profiles.default.rules.\"image.blur\".min_sharpness",
        "profiles.default.rules.\"image.file_size\".max_bytes",
        "profiles.default.rules.\"image.format\".allowed",
        "profiles.default.rules.\"image.resolution\".min_megapixels",
        "profiles.default.rules.\"license.seal\".severity",
        "profiles.shop.colour",
        "profiles.shop.extends",
        "profiles.shop.kinds.id_card",
        "profiles.shop.kinds.vat_invoice.rules.\"form.credit_code\"",
        "profiles.shop.kinds.vat_invoice.rules.\"image.glare\".max_glare_fraction",
        "profiles.shop.required_documents",
        "profiles.shop.rules.\"image.blurr\"",
        "profiles.shop.rules.\"invoice.tax_rate\".allowed_percent",
        "profiles.shop.rules.\"match.company_name\".review_similarity",
    ];
    assert_eq!(paths, expected, "full report:\n{errs}");
    // The wording, reviewed once and pinned.
    insta::assert_snapshot!("broken_config", errs.to_string());
}

#[test]
fn display_is_one_line_per_error() {
    let errs = errors_of(&broken());
    let text = errs.to_string();
    assert_eq!(text.lines().count(), errs.0.len());
    for (line, e) in text.lines().zip(&errs.0) {
        assert_eq!(line, format!("{}: {}", e.path, e.message));
    }
}

#[test]
fn typo_in_rule_id_gets_a_suggestion() {
    let src = minimal_with("\"image.blur\" =", "\"image.blurr\" =");
    let errs = errors_of(&src);
    let text = errs.to_string();
    assert!(
        text.contains(
            "profiles.default.rules.\"image.blurr\": unknown rule id `image.blurr`; did you mean `image.blur`?"
        ),
        "{text}"
    );
    // The real rule is now missing from `default`, reported at the key to add.
    assert!(
        text.contains("profiles.default.rules.\"image.blur\": missing"),
        "{text}"
    );
    // A bare rule name suggests its dotted id.
    let src = minimal_with("\"image.glare\" =", "glare =");
    assert!(errors_of(&src)
        .to_string()
        .contains("did you mean `image.glare`?"));
}

#[test]
fn extends_cycles_are_reported_once() {
    let src = format!(
        "{MINIMAL}\n[profiles.a]\nextends = \"b\"\n[profiles.b]\nextends = \"c\"\n[profiles.c]\nextends = \"a\"\n[profiles.self]\nextends = \"self\"\n[profiles.child]\nextends = \"a\"\n"
    );
    let errs = errors_of(&src);
    assert_eq!(
        errs.to_string(),
        "profiles.a.extends: `extends` forms a cycle: `a` → `b` → `c` → `a`\n\
         profiles.self.extends: `extends` forms a cycle: `self` → `self`"
    );
}

#[test]
fn default_profile_is_required_and_is_the_root() {
    let src = minimal_with("[profiles.default]", "[profiles.defualt]")
        .replace("[profiles.default.rules]", "[profiles.defualt.rules]");
    let errs = errors_of(&src);
    assert_eq!(
        errs.to_string(),
        "profiles.default: missing: every config needs a `default` profile \
         (submissions that name no profile use it); did you mean `defualt`?"
    );

    let src = format!(
        "{}\n[profiles.other]\nextends = \"default\"\n",
        minimal_with("description = \"minimal\"", "extends = \"other\"")
    );
    let text = errors_of(&src).to_string();
    assert!(
        text.contains("profiles.default.extends: `default` is the root"),
        "{text}"
    );
}

#[test]
fn a_profile_that_forgot_extends_gets_one_error_not_dozens() {
    let src = format!(
        "{MINIMAL}\n[profiles.shop]\nrequired_documents = []\n[profiles.shop.rules]\n\"image.blur\" = {{ severity = \"off\" }}\n"
    );
    let errs = errors_of(&src);
    assert_eq!(errs.0.len(), 2, "{errs}");
    assert_eq!(
        errs.paths().collect::<Vec<_>>(),
        [
            "profiles.shop.rules",
            "profiles.shop.rules.\"image.blur\".min_sharpness"
        ]
    );
    assert!(errs.0[0].message.starts_with("missing 27 rules"));
    assert!(errs.0[0]
        .message
        .contains("did you mean to write `extends = \"default\"`?"));
}

#[test]
fn syntax_errors_have_line_and_column() {
    let src = "[limits]\nmax_file_bytes = 1\n# 注释\nmax_pdf_pages = = 3\n";
    let errs = errors_of(src);
    assert_eq!(errs.0.len(), 1);
    assert!(
        errs.0[0].path.starts_with("line 4, column "),
        "{}",
        errs.0[0].path
    );
    assert!(errs.0[0].message.starts_with("TOML syntax: "));
    assert!(!errs.to_string().contains('\n'));
}

#[test]
fn non_tables_and_garbage_never_panic() {
    for src in [
        "",
        "profiles = 3",
        "limits = []\nprofiles = { default = 1 }",
        "[profiles.default]\nrules = \"x\"\nkinds = { vat_invoice = 2 }",
        "[profiles.default.kinds.vat_invoice]\nrules = [1]\nfoo = 1",
        "[profiles.\"bad name\"]\n[profiles.default]\nrequired_documents = [\"vat_invoice\", \"vat_invoice\", 3]",
        "[limits]\nmax_file_bytes = 0\nmax_megapixels = nan\nmax_pdf_pages = 0",
        "[profiles.default.rules]\n\"image.corners\" = { min_margin_fraction = inf }",
    ] {
        let errs = errors_of(src);
        assert!(!errs.0.is_empty());
    }
    // Deep nesting is refused by the parser's recursion limit, not a stack overflow.
    let deep = format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(!errors_of(&deep).0.is_empty());
    let deep = format!("x = {}1{}", "{a=".repeat(50_000), "}".repeat(50_000));
    assert!(!errors_of(&deep).0.is_empty());
}

#[test]
fn submission_level_rules_exist_only_profile_wide() {
    let src = format!(
        "{MINIMAL}\n[profiles.default.kinds.business_license.rules]\n\"form.organization_code\" = {{ severity = \"fail\" }}\n"
    );
    let errs = errors_of(&src);
    assert_eq!(
        errs.paths().collect::<Vec<_>>(),
        ["profiles.default.kinds.business_license.rules.\"form.organization_code\""]
    );
    assert!(errs.0[0]
        .message
        .contains("set it in `profiles.default.rules`"));
}

#[test]
fn per_kind_values_beat_profile_wide_values_and_children_beat_parents() {
    let src = format!(
        r#"{MINIMAL}
[profiles.default.kinds.id_card_front.rules]
"image.resolution" = {{ min_short_side = 400 }}
"image.color" = {{ severity = "warn" }}

[profiles.mid]
extends = "default"
required_documents = ["business_license", "id_card_front"]
[profiles.mid.rules]
"image.resolution" = {{ min_short_side = 800 }}
"image.color" = {{ severity = "fail", min_colorfulness = 20.0 }}

[profiles.leaf]
extends = "mid"
description = "leaf"
[profiles.leaf.kinds.id_card_front.rules]
"image.color" = {{ severity = "review" }}
"#
    );
    let c = compiled(&src);
    let mid = c.profile("mid").expect("mid");
    // Profile-wide: the child's value.
    assert_eq!(mid.rules(None).image_resolution.params.min_short_side, 800);
    assert_eq!(
        mid.rules(Some(DocumentKind::BusinessLicense))
            .image_resolution
            .params
            .min_short_side,
        800
    );
    // default's per-kind value is more specific than mid's profile-wide one.
    let idf = mid.rules(Some(DocumentKind::IdCardFront));
    assert_eq!(idf.image_resolution.params.min_short_side, 400);
    // Field by field: the severity from default's kind layer, the threshold from mid.
    assert_eq!(idf.image_color.severity, Severity::Warn);
    assert_eq!(idf.image_color.params.min_colorfulness, 20.0);
    // The untouched megapixels come from default.
    assert_eq!(idf.image_resolution.params.min_megapixels, 0.5);

    let leaf = c.profile("leaf").expect("leaf");
    assert_eq!(leaf.extends.as_deref(), Some("mid"));
    assert_eq!(leaf.description, "leaf");
    assert_eq!(mid.description, "", "descriptions are not inherited");
    assert_eq!(
        leaf.required_documents,
        [DocumentKind::BusinessLicense, DocumentKind::IdCardFront]
    );
    assert_eq!(
        leaf.rules(Some(DocumentKind::IdCardFront))
            .severity(RuleId::ImageColor),
        Severity::Review
    );
    assert_eq!(
        leaf.rules(Some(DocumentKind::BankPermit))
            .severity(RuleId::ImageColor),
        Severity::Fail
    );
    assert_eq!(
        leaf.rules(None).image_format,
        docgate_config::RuleCfg {
            severity: Severity::Fail,
            params: FormatParams {
                allowed: vec![Format::Jpeg, Format::Png, Format::Pdf]
            }
        }
    );
}

#[test]
fn version_ignores_formatting_and_tracks_values() {
    let a = compiled(MINIMAL);
    // The same values written differently: comments, key order, table styles, 13 vs 13.0.
    let rewritten = minimal_with(
        "\"image.blur\" = { severity = \"fail\", min_sharpness = 120.0 }",
        "# sharpness, commented\n\"image.blur\".min_sharpness = 120\n\"image.blur\".severity = \"fail\"",
    )
    .replace(
        "[limits]\nmax_file_bytes = 20000000\nmax_megapixels = 100.0\nmax_pdf_pages = 10",
        "[limits]   # reordered\nmax_pdf_pages = 10\nmax_megapixels = 100\nmax_file_bytes = 20_000_000",
    );
    assert_ne!(rewritten, MINIMAL);
    let b = compiled(&rewritten);
    assert_eq!(a.version(), b.version());
    assert_eq!(a, b);

    let changed = compiled(&minimal_with(
        "min_sharpness = 120.0",
        "min_sharpness = 121.0",
    ));
    assert_ne!(a.version(), changed.version());
    let severity = compiled(&minimal_with(
        "\"license.seal\" = { severity = \"review\" }",
        "\"license.seal\" = { severity = \"warn\" }",
    ));
    assert_ne!(a.version(), severity.version());

    let v = a.version();
    assert!(v.starts_with("sha256:"));
    assert_eq!(v.len(), "sha256:".len() + 64);
    assert!(v["sha256:".len()..]
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
}

#[test]
fn from_file_reports_io_problems_as_config_errors() {
    let missing = std::path::Path::new("/nonexistent/docgate/pipeline.toml");
    match Config::from_file(missing) {
        Ok(_) => panic!("a missing file compiled"),
        Err(e) => {
            assert_eq!(e.0.len(), 1);
            assert_eq!(e.0[0].path, missing.display().to_string());
        }
    }
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipeline.toml");
    let c = Config::from_file(&shipped).expect("the shipped file compiles from disk");
    assert_eq!(c.version(), Config::embedded_default().version());
}
