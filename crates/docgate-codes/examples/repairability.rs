//! Prints how often a single OCR confusion is uniquely repairable, per code kind
//! (`cargo run -p docgate-codes --example repairability`). The figures are quoted in the
//! `repair` module docs and pinned by `tests/repairability.rs`.

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    println!("| kind | misreads | uniquely repaired | ambiguous | undetected | lost | unique if org must be valid |");
    println!("|---|---|---|---|---|---|---|");
    for (kind, name) in support::KINDS {
        let t = support::measure(kind, support::CODES, support::SEED);
        println!(
            "| {name} | {} | {:.1} % | {} | {:.1} % | {} | {:.1} % |",
            t.misreads,
            t.unique_percent(),
            t.ambiguous,
            t.undetected_percent(),
            t.lost,
            t.unique_with_org_percent()
        );
    }
}
