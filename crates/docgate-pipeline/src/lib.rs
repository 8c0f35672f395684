//! docgate-pipeline: one submission end to end, synchronously: read the manifest, ingest
//! every document (caps before allocation), measure, judge. The worker and the CLI both
//! call this; most behaviour tests live here.
//!
//! Expensive work (ingest, vision, and later OCR) produces [`SubmissionMeasurements`];
//! judging is [`docgate_rules::judge`], a pure function of them, so [`rejudge`] can replay
//! a new config over stored measurements without touching a file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{
    DocumentMeasurements, Format, IngestProblemKind, ManifestError, Report, Submission,
    SubmissionMeasurements,
};
use docgate_ingest::Storage;
use rayon::prelude::*;

pub mod read;

/// A manifest larger than this is refused before it is parsed.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// Why a submission could not be checked at all. Problems with its documents are not
/// errors: they are findings in the report.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The manifest file could not be read.
    #[error("cannot read manifest {path}: {source}")]
    ManifestIo {
        /// The manifest path as given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The manifest is over [`MAX_MANIFEST_BYTES`].
    #[error("manifest {path} is larger than {MAX_MANIFEST_BYTES} bytes")]
    ManifestTooLarge {
        /// The manifest path as given.
        path: String,
    },
    /// The manifest is not a valid submission.
    #[error("{path}: {source}")]
    Manifest {
        /// The manifest path as given.
        path: String,
        /// What is wrong with it.
        source: ManifestError,
    },
    /// Judging could not start (unknown profile).
    #[error(transparent)]
    Judge(#[from] docgate_rules::JudgeError),
}

/// Wall time per stage, for `docgate eval` and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    /// Stage name (`ingest`, `measure`, `judge`, `total`) to elapsed time.
    pub stages: BTreeMap<&'static str, Duration>,
}

impl Timings {
    fn add(&mut self, stage: &'static str, d: Duration) {
        *self.stages.entry(stage).or_default() += d;
    }

    /// Seconds per stage, keyed by stage name.
    pub fn seconds(&self) -> BTreeMap<String, f64> {
        self.stages
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.as_secs_f64()))
            .collect()
    }
}

/// A checked submission: the result, what it was judged from, and how long it took.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The review result.
    pub report: Report,
    /// The measurements it was judged from (store these for replay).
    pub measurements: SubmissionMeasurements,
    /// Time per stage.
    pub timings: Timings,
}

/// Reads a manifest file with a size cap and parses it.
pub fn read_manifest(path: &Path) -> Result<Submission, PipelineError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| PipelineError::ManifestIo {
        path: shown.clone(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| PipelineError::ManifestIo {
            path: shown.clone(),
            source,
        })?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(PipelineError::ManifestTooLarge { path: shown });
    }
    Submission::from_json(&bytes).map_err(|source| PipelineError::Manifest {
        path: shown,
        source,
    })
}

/// Ingest limits from the config's `[limits]`.
pub fn ingest_limits(config: &Config) -> docgate_ingest::Limits {
    let l = config.limits();
    docgate_ingest::Limits {
        max_file_bytes: l.max_file_bytes,
        max_megapixels: l.max_megapixels,
        max_pdf_pages: l.max_pdf_pages,
    }
}

/// The expensive half: every document read from storage and measured, in parallel.
pub fn measure(
    submission: &Submission,
    storage: &Storage,
    config: &Config,
) -> SubmissionMeasurements {
    measure_timed(submission, storage, config).0
}

/// [`measure`], also returning the wall time of its two stages: `ingest` (read, sniff,
/// header measurement of every document) and `measure` (decode page 0 and run
/// docgate-vision on it). Documents run in parallel within each stage.
pub fn measure_timed(
    submission: &Submission,
    storage: &Storage,
    config: &Config,
) -> (SubmissionMeasurements, Timings) {
    let limits = ingest_limits(config);
    let mut timings = Timings::default();
    let t = Instant::now();
    let ingested: Vec<_> = submission
        .documents
        .par_iter()
        .map(|doc| docgate_ingest::ingest(storage, doc, &limits))
        .collect();
    timings.add("ingest", t.elapsed());
    let t = Instant::now();
    let decoded: Vec<_> = ingested
        .into_par_iter()
        .map(|(m, bytes)| vision(m, bytes, &limits))
        .collect();
    timings.add("measure", t.elapsed());
    // OCR of the fields the rules need, on the page vision decoded (one decode per document).
    let t = Instant::now();
    let (documents, extracted) = read::read_all(submission, decoded, &limits);
    timings.add("read", t.elapsed());
    (
        SubmissionMeasurements {
            documents,
            extracted,
        },
        timings,
    )
}

/// Decodes page 0 of a document that ingest accepted and measures it with docgate-vision.
/// A decode failure becomes the document's `problem` (reported by `image.decode`), except
/// for a PDF page without an embedded image: a born-digital page has nothing to photograph
/// badly, so it simply gets no vision measurements. The header measurement is kept.
///
/// Also returns what the read stage needs: the decoded page, and the bytes of a PDF with a
/// text layer (its text is read instead of OCR).
fn vision(
    mut m: DocumentMeasurements,
    bytes: Option<Vec<u8>>,
    limits: &docgate_ingest::Limits,
) -> read::Decoded {
    let (Some(bytes), Some(format), None) = (bytes, m.format, m.problem.as_ref()) else {
        return read::Decoded::bare(m);
    };
    if m.pages.is_empty() {
        return read::Decoded::bare(m);
    }
    let text_bytes = |b: Vec<u8>| (format == Format::Pdf).then_some(b);
    match docgate_ingest::decode_page(&bytes, format, 0, limits) {
        Ok(img) => {
            let v = docgate_vision::measure(&img);
            if let Some(page) = m.pages.first_mut() {
                page.vision = Some(v);
            }
            read::Decoded {
                measurements: m,
                page: Some(img),
                pdf: text_bytes(bytes),
            }
        }
        Err(p) if format == Format::Pdf && p.kind == IngestProblemKind::UnsupportedFormat => {
            read::Decoded {
                measurements: m,
                page: None,
                pdf: text_bytes(bytes),
            }
        }
        Err(p) => {
            m.problem = Some(p);
            read::Decoded::bare(m)
        }
    }
}

/// Checks one submission whose documents live under `storage`.
pub fn check(
    submission: &Submission,
    storage: &Storage,
    config: &Config,
    as_of: NaiveDate,
) -> Result<Checked, PipelineError> {
    let start = Instant::now();
    let mut timings = Timings::default();
    // Fail fast on an unknown profile before reading any file.
    docgate_rules::profile(config, &submission.profile)?;
    let (measurements, stages) = measure_timed(submission, storage, config);
    timings.stages.extend(stages.stages);
    let t = Instant::now();
    let report = docgate_rules::judge(config, submission, &measurements, as_of)?;
    timings.add("judge", t.elapsed());
    timings.add("total", start.elapsed());
    tracing::debug!(submission = %submission.submission_id, decision = %report.decision, "checked");
    Ok(Checked {
        report,
        measurements,
        timings,
    })
}

/// Checks a manifest file; its folder is the storage root, as `docgate check` promises.
pub fn check_manifest(
    path: &Path,
    config: &Config,
    as_of: NaiveDate,
) -> Result<Checked, PipelineError> {
    let submission = read_manifest(path)?;
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    check(&submission, &Storage::new(root), config, as_of)
}

/// Replays a (possibly new) config over stored measurements: no file is read.
pub fn rejudge(
    submission: &Submission,
    measurements: &SubmissionMeasurements,
    config: &Config,
    as_of: NaiveDate,
) -> Result<Report, PipelineError> {
    Ok(docgate_rules::judge(
        config,
        submission,
        measurements,
        as_of,
    )?)
}
