//! `docgate check`: review submissions from manifest files and print results.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use docgate_core::{Decision, Outcome, Report};

use crate::config_cmd::load_or_report;
use crate::exit::Exit;

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Decision first, then each finding with its measured value and threshold.
    Text,
    /// The result contract: one object for one manifest, an array for several.
    Json,
}

/// Arguments of `docgate check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files, or folders searched for `submission.json` files.
    #[arg(required = true, value_name = "SUBMISSION")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Judge dates (expiry, invoice age) as of this day instead of today: YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Also list the checks that passed.
    #[arg(long, short)]
    verbose: bool,
}

/// Expands folders into the manifests below them (sorted, at most 4 levels deep).
pub fn expand(paths: &[PathBuf], name: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = out.len();
            walk(p, name, 4, &mut out).with_context(|| format!("cannot list {}", p.display()))?;
            out[before..].sort();
            if out.len() == before {
                anyhow::bail!("no {name} found under {}", p.display());
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, name: &str, depth: u32, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let candidate = dir.join(name);
    if candidate.is_file() {
        out.push(candidate);
        return Ok(());
    }
    if depth == 0 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Never follow symlinked folders: a loop would never end.
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), name, depth - 1, out)?;
        }
    }
    Ok(())
}

/// Runs `docgate check`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Exit> {
    let config = match load_or_report(config_path)? {
        Ok(c) => c,
        Err(exit) => return Ok(exit),
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let manifests = expand(&args.paths, "submission.json")?;
    let mut reports = Vec::new();
    let mut input_error = false;
    for path in &manifests {
        match docgate_pipeline::check_manifest(path, &config, as_of) {
            Ok(checked) => {
                if let Format::Text = args.format {
                    print!("{}", render_text(&checked.report, args.verbose));
                }
                reports.push(checked.report);
            }
            Err(e) => {
                input_error = true;
                eprintln!("docgate: {e}");
            }
        }
    }
    if let Format::Json = args.format {
        let json = if manifests.len() == 1 && reports.len() == 1 {
            serde_json::to_string_pretty(&reports[0])?
        } else {
            serde_json::to_string_pretty(&reports)?
        };
        println!("{json}");
    }
    let worst = reports.iter().map(|r| r.decision).max();
    Ok(if input_error {
        Exit::InputError
    } else {
        match worst {
            Some(Decision::Fail) => Exit::Fail,
            Some(Decision::Review) => Exit::Review,
            _ => Exit::Ok,
        }
    })
}

/// The readable summary: decision first, then each finding that is not a pass.
pub fn render_text(r: &Report, verbose: bool) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let short_version: String = r.config_version.chars().take(19).collect();
    let _ = writeln!(
        s,
        "{}  {}  (profile {}, as of {}, config {})",
        r.decision.as_str().to_uppercase(),
        r.submission_id,
        r.profile,
        r.as_of,
        short_version
    );
    let mut passed = 0;
    for f in &r.findings {
        if f.outcome == Outcome::Pass && !verbose {
            passed += 1;
            continue;
        }
        let outcome = match f.outcome {
            Outcome::Pass => "pass",
            Outcome::Warn => "WARN",
            Outcome::Review => "REVIEW",
            Outcome::Fail => "FAIL",
        };
        let doc = f.document.as_deref().unwrap_or("form");
        let _ = write!(
            s,
            "  {outcome:<7}{:<31}{doc:<10} {}",
            f.rule.as_str(),
            f.message
        );
        if let (Some(m), Some(t)) = (f.measured, f.threshold) {
            let _ = write!(s, "  [measured {}, threshold {}]", num(m), num(t));
        }
        s.push('\n');
    }
    if passed > 0 {
        let _ = writeln!(s, "  {passed} checks passed");
    }
    s
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.3}")
    }
}
