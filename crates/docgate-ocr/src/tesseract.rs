//! The Tesseract engine: a pool of worker threads, each owning one Tesseract handle per
//! model, created once (≈0.3 s each) and reused for every read.
//!
//! Reads are queued to the workers; the caller waits at most the per-read timeout. A read
//! that times out is abandoned by the caller (an absent field), and its worker finishes it
//! and moves on: Tesseract cannot be interrupted safely from outside without a progress
//! monitor, which the safe bindings do not expose, and this crate forbids `unsafe`.
//!
//! Tesseract uses OpenMP internally; with several workers it must run single-threaded
//! (`OMP_THREAD_LIMIT=1`, which must be in the environment before the process starts: the
//! `docgate` binary re-executes itself with it when it is missing).

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use docgate_core::Region;
use image::GrayImage;
use tesseract_plumbing::tesseract_sys;
use tesseract_plumbing::TessBaseApi;

use crate::engine::{to_page, Model, Ocr, OcrError, Psm, Reading, Request, Word};

/// Where Debian installs the Tesseract 5 models.
pub const DEFAULT_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

/// Where scripts/deps.sh installs the standard chi_sim model, relative to the checkout.
pub const NAMES_TESSDATA: &str = "models/tessdata";

/// How the pool is set up.
#[derive(Debug, Clone)]
pub struct TesseractConfig {
    /// Folder holding `eng.traineddata` and `chi_sim.traineddata`.
    pub tessdata: PathBuf,
    /// Folder holding the standard `chi_sim.traineddata` used for names
    /// ([`Model::ChiSimStd`]); `None`: names are read with the fast model.
    pub names_tessdata: Option<PathBuf>,
    /// Worker threads (one handle per model each).
    pub workers: usize,
    /// The longest a caller waits for one read.
    pub timeout: Duration,
}

impl Default for TesseractConfig {
    fn default() -> Self {
        TesseractConfig {
            tessdata: std::env::var_os("TESSDATA_PREFIX")
                .map(PathBuf::from)
                .filter(|p| p.join("chi_sim.traineddata").is_file())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_TESSDATA)),
            // DOCGATE_NAMES_TESSDATA, else the copy scripts/deps.sh installs in the
            // checkout this was built from, else ./models/tessdata; when present.
            names_tessdata: std::env::var_os("DOCGATE_NAMES_TESSDATA")
                .map(PathBuf::from)
                .into_iter()
                .chain([
                    PathBuf::from(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../../models/tessdata"
                    )),
                    PathBuf::from(NAMES_TESSDATA),
                ])
                .find(|p| p.join("chi_sim.traineddata").is_file()),
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .clamp(1, 8),
            timeout: Duration::from_secs(10),
        }
    }
}

enum Job {
    Read {
        image: GrayImage,
        origin: Region,
        model: Model,
        psm: Psm,
        whitelist: Option<String>,
        reply: Sender<Result<Reading, OcrError>>,
    },
}

/// A pool of Tesseract workers. Cheap to share (`&TesseractPool` is `Sync`); dropping it
/// stops the workers once their queue is empty.
pub struct TesseractPool {
    jobs: Mutex<Sender<Job>>,
    timeout: Duration,
}

impl std::fmt::Debug for TesseractPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TesseractPool")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TesseractPool {
    /// Starts the workers; each loads both models before it takes a job. Fails when a model
    /// is missing or the first handle cannot be created (so a broken installation is
    /// reported once, up front, rather than as every field absent).
    pub fn new(config: &TesseractConfig) -> Result<TesseractPool, OcrError> {
        for m in [Model::Eng, Model::ChiSim] {
            let f = config.tessdata.join(format!("{}.traineddata", m.as_str()));
            if !f.is_file() {
                return Err(OcrError::Unavailable(format!(
                    "model {} not found",
                    f.display()
                )));
            }
        }
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), OcrError>>();
        for i in 0..config.workers.max(1) {
            let rx = Arc::clone(&rx);
            let ready = ready_tx.clone();
            let data = config.tessdata.clone();
            let names = config.names_tessdata.clone();
            std::thread::Builder::new()
                .name(format!("docgate-ocr-{i}"))
                .spawn(move || worker(&data, names.as_deref(), &rx, &ready))
                .map_err(|e| OcrError::Unavailable(format!("cannot start a worker: {e}")))?;
        }
        drop(ready_tx);
        // Wait for the first worker, so that a broken installation is an error here.
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(OcrError::Unavailable("no worker started".into())),
        }
        Ok(TesseractPool {
            jobs: Mutex::new(tx),
            timeout: config.timeout,
        })
    }

    fn submit(&self, job: Job) -> Result<(), OcrError> {
        let tx = self
            .jobs
            .lock()
            .map_err(|_| OcrError::Unavailable("pool poisoned".into()))?;
        tx.send(job)
            .map_err(|_| OcrError::Unavailable("all workers stopped".into()))
    }

    fn wait<T>(&self, rx: Receiver<Result<T, OcrError>>) -> Result<T, OcrError> {
        match rx.recv_timeout(self.timeout) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(OcrError::Timeout(self.timeout.as_millis() as u64))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(OcrError::Failed("worker stopped".into()))
            }
        }
    }
}

impl Ocr for TesseractPool {
    fn read(&self, req: &Request<'_>) -> Result<Reading, OcrError> {
        let (reply, rx) = mpsc::channel();
        self.submit(Job::Read {
            image: req.image.clone(),
            origin: req.origin,
            model: req.model,
            psm: req.psm,
            whitelist: req.whitelist.map(str::to_string),
            reply,
        })?;
        self.wait(rx)
    }

    fn lines(&self, image: &GrayImage, origin: Region) -> Result<Vec<Region>, OcrError> {
        // Layout is ours (ink components), not Tesseract's: see `layout`. It needs no handle,
        // so it runs on the caller's thread.
        let dims = image.dimensions();
        Ok(crate::layout::pieces(image)
            .into_iter()
            .map(|r| {
                to_page(
                    [r[0] as f32, r[1] as f32, r[2] as f32, r[3] as f32],
                    dims,
                    origin,
                )
            })
            .collect())
    }
}

/// Process-wide read counters: calls, microseconds inside Tesseract, and the summed
/// width/height ratio of the crops (≈ characters read), per model. They are what the speed
/// work is steered by: the cost of a read is per call plus per character.
static STATS: [[AtomicU64; 3]; 3] = [
    [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
    [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
    [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
];

const MODELS: [Model; 3] = [Model::Eng, Model::ChiSim, Model::ChiSimStd];

/// Counters since the process started, per model: (model, reads, µs, characters).
pub fn read_stats() -> [(Model, u64, u64, u64); 3] {
    MODELS.map(|m| {
        let i = MODELS.iter().position(|x| *x == m).unwrap_or(0);
        (
            m,
            STATS[i][0].load(Ordering::Relaxed),
            STATS[i][1].load(Ordering::Relaxed),
            STATS[i][2].load(Ordering::Relaxed),
        )
    })
}

/// One worker's handles.
struct Handles {
    eng: TessBaseApi,
    chi: TessBaseApi,
    chi_std: Option<TessBaseApi>,
}

fn init(data: &std::path::Path, model: Model) -> Result<TessBaseApi, OcrError> {
    let path = CString::new(data.as_os_str().to_string_lossy().as_bytes())
        .map_err(|_| OcrError::Unavailable("tessdata path has a NUL".into()))?;
    let lang = CString::new(model.lang()).map_err(|_| OcrError::Unavailable("lang".into()))?;
    let mut api = TessBaseApi::create();
    api.init_4(
        Some(&path),
        Some(&lang),
        tesseract_sys::TessOcrEngineMode_OEM_LSTM_ONLY,
    )
    .map_err(|_| OcrError::Unavailable(format!("cannot load model {}", model.as_str())))?;
    Ok(api)
}

fn worker(
    data: &std::path::Path,
    names: Option<&std::path::Path>,
    jobs: &Mutex<Receiver<Job>>,
    ready: &Sender<Result<(), OcrError>>,
) {
    let handles = init(data, Model::Eng).and_then(|eng| {
        Ok(Handles {
            eng,
            chi: init(data, Model::ChiSim)?,
            // Optional: without it names are read with the fast model.
            chi_std: names.and_then(|d| match init(d, Model::ChiSimStd) {
                Ok(api) => Some(api),
                Err(e) => {
                    tracing::warn!(error = %e, "standard chi_sim not loaded; names read with the fast model");
                    None
                }
            }),
        })
    });
    let mut handles = match handles {
        Ok(h) => {
            let _ = ready.send(Ok(()));
            h
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    loop {
        // Hold the lock only to take a job, never while recognising.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        match job {
            Job::Read {
                image,
                origin,
                model,
                psm,
                whitelist,
                reply,
            } => {
                let api = match model {
                    Model::Eng => &mut handles.eng,
                    Model::ChiSim => &mut handles.chi,
                    Model::ChiSimStd => match handles.chi_std.as_mut() {
                        Some(api) => api,
                        None => &mut handles.chi,
                    },
                };
                let t = Instant::now();
                let r = recognise(api, &image, origin, psm, whitelist.as_deref());
                let slot = &STATS[MODELS.iter().position(|m| *m == model).unwrap_or(0)];
                slot[0].fetch_add(1, Ordering::Relaxed);
                slot[1].fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
                let (w, h) = image.dimensions();
                slot[2].fetch_add(u64::from(w / h.max(1)), Ordering::Relaxed);
                let _ = reply.send(r);
            }
        }
    }
}

fn set_var(api: &mut TessBaseApi, name: &str, value: &str) -> Result<(), OcrError> {
    let (n, v) = (
        CString::new(name).map_err(|_| OcrError::Failed("variable name".into()))?,
        CString::new(value).map_err(|_| OcrError::Failed("variable value".into()))?,
    );
    api.set_variable(&n, &v)
        .map_err(|_| OcrError::Failed(format!("cannot set {name}")))
}

fn set_image(api: &mut TessBaseApi, image: &GrayImage) -> Result<(), OcrError> {
    let (w, h) = image.dimensions();
    if w < 3 || h < 3 {
        return Err(OcrError::Failed("image too small".into()));
    }
    let (wi, hi) = (
        i32::try_from(w).map_err(|_| OcrError::Failed("too wide".into()))?,
        i32::try_from(h).map_err(|_| OcrError::Failed("too tall".into()))?,
    );
    api.set_image(image.as_raw(), wi, hi, 1, wi)
        .map_err(|e| OcrError::Failed(format!("set image: {e}")))?;
    // Crops carry no resolution; a plausible one silences Tesseract's warning and keeps its
    // size heuristics stable.
    api.set_source_resolution(300);
    Ok(())
}

fn recognise(
    api: &mut TessBaseApi,
    image: &GrayImage,
    origin: Region,
    psm: Psm,
    whitelist: Option<&str>,
) -> Result<Reading, OcrError> {
    // Variables persist on a handle: set every one on every read.
    set_var(api, "tessedit_char_whitelist", whitelist.unwrap_or(""))?;
    api.set_page_seg_mode(psm.number() as tesseract_sys::TessPageSegMode);
    set_image(api, image)?;
    api.recognize()
        .map_err(|_| OcrError::Failed("recognise".into()))?;
    let tsv = api
        .get_tsv_text(0)
        .map_err(|_| OcrError::Failed("no text".into()))?;
    Ok(parse_tsv(
        &tsv.as_ref().to_string_lossy(),
        image.dimensions(),
        origin,
    ))
}

/// Parses Tesseract's TSV (level 5 rows are words) into a [`Reading`].
pub(crate) fn parse_tsv(tsv: &str, dims: (u32, u32), origin: Region) -> Reading {
    let mut words = Vec::new();
    let mut line_ids: Vec<(u32, u32, u32)> = Vec::new();
    for row in tsv.lines() {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<f32>().unwrap_or(0.0);
        let text = cols[11].trim();
        if text.is_empty() {
            continue;
        }
        let key = (num(2) as u32, num(3) as u32, num(4) as u32);
        let line = match line_ids.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                line_ids.push(key);
                line_ids.len() - 1
            }
        };
        words.push(Word {
            text: text.to_string(),
            confidence: (num(10) / 100.0).clamp(0.0, 1.0),
            region: to_page([num(6), num(7), num(8), num(9)], dims, origin),
            line: line as u32,
        });
    }
    Reading { words }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_lines_and_boxes() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t5\t20\t10\t96.5\t913502\n\
                   5\t1\t1\t1\t1\t2\t32\t5\t20\t10\t80\tMA37\n\
                   5\t1\t1\t1\t2\t1\t10\t25\t20\t10\t50\tx\n";
        let r = parse_tsv(tsv, (100, 50), [1000, 2000, 200, 100]);
        assert_eq!(r.text(), "913502MA37\nx");
        assert_eq!(r.words[0].region, [1020, 2010, 40, 20]);
        assert!((r.words[0].confidence - 0.965).abs() < 1e-4);
    }
}
