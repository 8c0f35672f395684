//! `docgate-fixtures`: writes a labelled fixture set (manifests, ground truth, files, index).

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

/// Generate labelled synthetic submissions for docgate.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Seed; the same seed writes the same bytes.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Number of submissions.
    #[arg(long, default_value_t = 30)]
    count: usize,
    /// Output folder (one sub-folder per submission, plus index.json).
    #[arg(long)]
    out: PathBuf,
    /// The date the submissions are judged at (YYYY-MM-DD): expiry and invoice age are relative to it.
    #[arg(long)]
    as_of: chrono::NaiveDate,
    /// Generator revision: 1 reproduces the committed `fixtures/small` byte for byte
    /// (`--seed 7 --count 30 --revision 1`); the default is the current one.
    #[arg(long, default_value_t = docgate_fixtures::generate::REVISION)]
    revision: u32,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let opts = docgate_fixtures::Options {
        seed: args.seed,
        count: args.count,
        out: args.out.clone(),
        as_of: args.as_of,
        revision: args.revision,
    };
    let index = docgate_fixtures::generate(&opts)
        .with_context(|| format!("generating into {}", args.out.display()))?;
    let failing = index
        .iter()
        .filter(|e| e.expected_decision == docgate_core::Decision::Fail)
        .count();
    println!(
        "wrote {} submissions to {} ({} expected to fail)",
        index.len(),
        args.out.display(),
        failing
    );
    Ok(())
}
