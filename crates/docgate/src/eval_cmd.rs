//! `docgate eval DIR`: run the pipeline over labelled fixtures and score it; optionally
//! save every case's measurements, or replay saved ones under another config.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use docgate_core::SubmissionMeasurements;
use docgate_eval::{CaseResult, EvalReport};
use docgate_ingest::Storage;
use serde::{Deserialize, Serialize};

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
    /// Also write every case's measurements (decode, vision, OCR) to this file (JSON lines),
    /// for `--replay`.
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    save_measurements: Option<PathBuf>,
    /// Judge the measurements saved by `--save-measurements` instead of measuring: no image
    /// is decoded and no OCR runs, so a config change is scored in a moment. Refused for a
    /// case whose manifest or files changed since.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
}

/// One case's saved measurements.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    /// The manifest's path relative to the evaluated folder (so a set moved or named by
    /// another path still replays).
    manifest: PathBuf,
    /// [`case_hash`] when measured.
    content_hash: String,
    /// Per-stage seconds when measured (replayed timings are the measuring run's).
    timings: BTreeMap<String, f64>,
    measurements: SubmissionMeasurements,
}

/// A hash of the manifest's bytes and of every file its uris name (absent files count as
/// absent): what the saved measurements were taken of.
fn case_hash(manifest: &Path) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(manifest).with_context(|| format!("cannot read {}", manifest.display()))?;
    let mut all = docgate_worker::content_hash(&bytes);
    let sub = docgate_pipeline::read_manifest(manifest)?;
    let storage = Storage::new(manifest.parent().unwrap_or(Path::new(".")));
    for doc in &sub.documents {
        let file = storage
            .resolve(&doc.uri)
            .ok()
            .and_then(|p| std::fs::read(p).ok());
        all.push(' ');
        all.push_str(&file.map_or("absent".into(), |b| docgate_worker::content_hash(&b)));
    }
    Ok(docgate_worker::content_hash(all.as_bytes()))
}

fn load_saved(path: &Path) -> anyhow::Result<BTreeMap<PathBuf, Saved>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let saved: Saved = serde_json::from_str(&line).with_context(|| {
            format!("{} line {}: not saved measurements", path.display(), i + 1)
        })?;
        out.insert(saved.manifest.clone(), saved);
    }
    Ok(out)
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
    let replay = args.replay.as_deref().map(load_saved).transpose()?;
    let mut save = match &args.save_measurements {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => None,
    };
    let mut results = Vec::with_capacity(cases.len());
    for (manifest, truth) in cases {
        let key = manifest
            .strip_prefix(&args.dir)
            .unwrap_or(&manifest)
            .to_path_buf();
        // Each case is judged on the date its labels were made for.
        let (report, measurements, timings) = match &replay {
            Some(saved) => {
                let s = saved
                    .get(&key)
                    .with_context(|| format!("{} has no saved measurements", manifest.display()))?;
                anyhow::ensure!(
                    s.content_hash == case_hash(&manifest)?,
                    "{} or its files changed since its measurements were saved",
                    manifest.display()
                );
                let sub = docgate_pipeline::read_manifest(&manifest)?;
                let report = docgate_pipeline::rejudge(&sub, &s.measurements, &config, truth.as_of)
                    .with_context(|| format!("judging {}", manifest.display()))?;
                (report, s.measurements.clone(), s.timings.clone())
            }
            None => {
                let checked = docgate_pipeline::check_manifest(&manifest, &config, truth.as_of)
                    .with_context(|| format!("checking {}", manifest.display()))?;
                let timings = checked.timings.seconds();
                (checked.report, checked.measurements, timings)
            }
        };
        let documents = measurements.documents.len();
        if let Some(w) = &mut save {
            let saved = Saved {
                manifest: key,
                content_hash: case_hash(&manifest)?,
                timings: timings.clone(),
                measurements,
            };
            serde_json::to_writer(&mut *w, &saved)?;
            w.write_all(b"\n")?;
        }
        results.push(CaseResult {
            documents,
            timings,
            truth,
            report,
        });
    }
    if let Some(mut w) = save {
        w.flush()?;
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
