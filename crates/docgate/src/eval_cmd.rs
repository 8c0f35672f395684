//! `docgate eval DIR`: run the pipeline over labelled fixtures and score it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use docgate_eval::{CaseResult, EvalReport};

use crate::config_cmd::load_or_report;
use crate::exit::Exit;

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Tables for people.
    Text,
    /// The full report as JSON (feed it back with --compare).
    Json,
}

/// Arguments of `docgate eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder searched for labelled cases (submission.json beside truth.json).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// A previous `--format json` report: print what got better or worse, exit 7 on regression.
    #[arg(long, value_name = "REPORT.json")]
    compare: Option<PathBuf>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `docgate eval`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Exit> {
    let config = match load_or_report(config_path)? {
        Ok(c) => c,
        Err(exit) => return Ok(exit),
    };
    let cases = docgate_eval::discover(&args.dir)?;
    if cases.is_empty() {
        anyhow::bail!(
            "no labelled cases (submission.json + truth.json) under {}",
            args.dir.display()
        );
    }
    let mut results = Vec::with_capacity(cases.len());
    for (manifest, truth) in cases {
        // Each case is judged on the date its labels were made for.
        let checked = docgate_pipeline::check_manifest(&manifest, &config, truth.as_of)
            .with_context(|| format!("checking {}", manifest.display()))?;
        results.push(CaseResult {
            documents: checked.measurements.documents.len(),
            timings: checked.timings.seconds(),
            truth,
            report: checked.report,
        });
    }
    let report = docgate_eval::score(&results);
    let json = serde_json::to_string_pretty(&report)?;
    if let Some(out) = &args.out {
        std::fs::write(out, &json).with_context(|| format!("cannot write {}", out.display()))?;
    }
    match args.format {
        Format::Text => print!("{}", report.to_text()),
        Format::Json => println!("{json}"),
    }
    if let Some(old_path) = &args.compare {
        let old_text = std::fs::read_to_string(old_path)
            .with_context(|| format!("cannot read {}", old_path.display()))?;
        let old: EvalReport = serde_json::from_str(&old_text)
            .with_context(|| format!("{} is not an eval report", old_path.display()))?;
        let cmp = docgate_eval::compare(&old, &report);
        eprint!("{}", cmp.to_text());
        if cmp.regressed() {
            return Ok(Exit::Regressed);
        }
    }
    Ok(Exit::Ok)
}
