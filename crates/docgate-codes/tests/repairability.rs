//! Pins the repairability figures quoted in the `repair` module docs: over every single
//! table confusion of 500 seeded random valid codes per kind, how many [`unique`] recovers.
//!
//! [`unique`]: docgate_codes::repair::unique

mod support;

use docgate_codes::repair::CodeKind;

fn rounded(percent: f64) -> String {
    format!("{percent:.1}")
}

#[test]
fn documented_repairability_figures_hold() {
    let expected = [
        (CodeKind::CreditCode, "73.6", "0.0"),
        (CodeKind::OrganizationCode, "30.8", "8.6"),
        (CodeKind::ResidentId, "93.8", "0.0"),
        (CodeKind::RegistrationNumber, "91.7", "0.0"),
    ];
    for (kind, unique, undetected) in expected {
        let t = support::measure(kind, support::CODES, support::SEED);
        assert_eq!(
            t.lost, 0,
            "{kind:?}: the original must always be a candidate"
        );
        assert_eq!(
            t.misreads,
            t.undetected + t.unique + t.ambiguous,
            "{kind:?}: every misread classified"
        );
        assert_eq!(rounded(t.unique_percent()), unique, "{kind:?} {t:?}");
        assert_eq!(
            rounded(t.undetected_percent()),
            undetected,
            "{kind:?} {t:?}"
        );
        if kind == CodeKind::CreditCode {
            assert_eq!(rounded(t.unique_with_org_percent()), "95.5", "{t:?}");
        }
    }
}
