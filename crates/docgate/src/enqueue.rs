//! `docgate enqueue PATH…`: copy each submission's files into the storage root under the
//! submission's folder (or upload them under that key prefix when the storage root is an
//! object store), rewrite its uris to point there, and publish it to the intake queue with a
//! publisher confirm. With `--wait`, wait for the results and print them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use docgate_core::{Decision, Report, Submission};
use docgate_ingest::Storage;
use docgate_store::Store;
use docgate_worker::folders::storage_folder;
use docgate_worker::objects::ObjectUploads;
use docgate_worker::{topology, Names, Uploads};
use lapin::options::BasicPublishOptions;
use lapin::types::ShortString;
use lapin::{BasicProperties, Confirmation};

use crate::check::{expand, render_text};
use crate::exit::Exit;
use crate::service::{runtime, ServiceArgs};

/// Arguments of `docgate enqueue`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files, or folders searched for `submission.json` files.
    #[arg(required = true, value_name = "SUBMISSION")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    service: ServiceArgs,
    /// Wait up to this many seconds for every result, then print them (exit code as
    /// `docgate check`).
    #[arg(long, value_name = "SECONDS")]
    wait: Option<u64>,
    /// With --wait, also list the checks that passed.
    #[arg(long, short)]
    verbose: bool,
}

/// A submission with its uris rewritten to `<folder>/<uri>`, and the files to put there:
/// (source file, new uri). A uri that does not resolve under the manifest's folder (missing,
/// escaping, absolute) is kept as it was: under the storage root it fails the same way, so
/// the worker reports the same finding `docgate check` does.
pub fn plan(manifest: &Path) -> anyhow::Result<(Submission, Vec<(PathBuf, String)>)> {
    let mut sub = docgate_pipeline::read_manifest(manifest)?;
    let src_root = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let src = Storage::new(src_root);
    let folder = storage_folder(&sub.submission_id);
    let mut files = Vec::new();
    for doc in &mut sub.documents {
        match src.resolve(&doc.uri) {
            Ok(path) if path.is_file() => {
                doc.uri = format!("{folder}/{}", doc.uri);
                files.push((path, doc.uri.clone()));
            }
            // A missing file is still named inside the submission's folder, so the worker
            // says "no such file", as `check` does (a worker reads nothing outside it).
            Err(p)
                if p.kind == docgate_core::IngestProblemKind::NotFound
                    && docgate_ingest::uri_segments(&doc.uri).is_ok() =>
            {
                doc.uri = format!("{folder}/{}", doc.uri);
            }
            // Anything else (an escape, an absolute path) is refused by the worker's storage
            // with the same finding as by `check`'s.
            _ => {}
        }
    }
    Ok((sub, files))
}

/// Copies the planned files under `root`.
fn copy_files(root: &Path, files: &[(PathBuf, String)]) -> anyhow::Result<()> {
    for (path, uri) in files {
        let dest = root.join(uri);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::copy(path, &dest)
            .with_context(|| format!("cannot copy {} to {}", path.display(), dest.display()))?;
    }
    Ok(())
}

/// Uploads the planned files to the object store, each under the key its new uri names.
async fn upload_files(objects: &ObjectUploads, files: &[(PathBuf, String)]) -> anyhow::Result<()> {
    for (path, uri) in files {
        objects
            .put_file(uri, path)
            .await
            .with_context(|| format!("cannot upload {}", path.display()))?;
    }
    Ok(())
}

/// Runs `docgate enqueue`.
pub fn run(args: Args) -> anyhow::Result<Exit> {
    let manifests = expand(&args.paths, "submission.json")?;
    let uploads = args.service.uploads()?;
    if let Uploads::Local(root) = &uploads {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create storage root {}", root.display()))?;
    }
    let rt = runtime()?;
    let mut bodies = Vec::new();
    let mut input_error = false;
    for m in &manifests {
        let (sub, files) = match plan(m) {
            Ok(planned) => planned,
            Err(e) => {
                input_error = true;
                eprintln!("docgate: {e:#}");
                continue;
            }
        };
        // Files first, message last: a published submission's files are always there.
        // A failure here is the store's, not the input's: stop before publishing anything.
        match &uploads {
            Uploads::Local(root) => copy_files(root, &files)?,
            Uploads::Objects(objects) => rt.block_on(upload_files(objects, &files))?,
        }
        let body = serde_json::to_vec(&sub)?;
        bodies.push((sub.submission_id.clone(), body));
    }
    let names = Names::new(&args.service.queue_prefix);
    rt.block_on(publish_all(&args.service.amqp_url, &names, &bodies))?;
    eprintln!(
        "docgate: enqueued {} submissions on {}",
        bodies.len(),
        names.intake()
    );
    if input_error {
        return Ok(Exit::InputError);
    }
    let Some(wait) = args.wait else {
        return Ok(Exit::Ok);
    };
    let reports = rt.block_on(wait_for_results(
        &args.service.database_url,
        &bodies,
        Duration::from_secs(wait),
    ))?;
    for r in reports.iter().flatten() {
        print!("{}", render_text(r, args.verbose));
    }
    let missing: Vec<&str> = bodies
        .iter()
        .zip(&reports)
        .filter(|(_, r)| r.is_none())
        .map(|((id, _), _)| id.as_str())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "docgate: no result after {wait} s for: {} (are workers running?)",
            missing.join(", ")
        );
        return Ok(Exit::ServiceError);
    }
    let worst = reports.iter().flatten().map(|r| r.decision).max();
    Ok(match worst {
        Some(Decision::Fail) => Exit::Fail,
        Some(Decision::Review) => Exit::Review,
        _ => Exit::Ok,
    })
}

async fn publish_all(url: &str, names: &Names, bodies: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let conn = docgate_worker::connect(url, "docgate-enqueue")
        .await
        .context("cannot connect to the broker")?;
    let ch = docgate_worker::confirm_channel(&conn).await?;
    topology::declare_intake(&ch, names).await?;
    let bar = indicatif::ProgressBar::new(bodies.len() as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix("enqueue");
    // Publish in windows, awaiting confirms per window: fast, and memory stays bounded.
    for chunk in bodies.chunks(256) {
        let mut confirms = Vec::with_capacity(chunk.len());
        for (id, body) in chunk {
            let props = BasicProperties::default()
                .with_delivery_mode(2)
                .with_content_type(ShortString::from("application/json"))
                .with_message_id(ShortString::from(id.as_str()));
            let c = ch
                .basic_publish(
                    "".into(),
                    names.intake().as_str().into(),
                    BasicPublishOptions::default(),
                    body,
                    props,
                )
                .await?;
            confirms.push(c);
        }
        for c in confirms {
            match c.await? {
                Confirmation::Ack(_) => bar.inc(1),
                _ => anyhow::bail!("the broker refused a submission (nack)"),
            }
        }
    }
    bar.finish_and_clear();
    let _ = conn.close(200, "done".into()).await;
    Ok(())
}

async fn wait_for_results(
    db: &str,
    bodies: &[(String, Vec<u8>)],
    wait: Duration,
) -> anyhow::Result<Vec<Option<Report>>> {
    let deadline = Instant::now() + wait;
    let store = loop {
        match Store::connect(db, 2).await {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => {
                return Err(e).context("cannot open the database")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    };
    let keys: Vec<(String, String)> = bodies
        .iter()
        .map(|(id, body)| (id.clone(), docgate_worker::content_hash(body)))
        .collect();
    let mut out: Vec<Option<Report>> = vec![None; keys.len()];
    loop {
        for (slot, (id, hash)) in out.iter_mut().zip(&keys) {
            if slot.is_none() {
                if let Some(d) = store.lookup(id, hash).await? {
                    *slot = Some(serde_json::from_str(&d.report_json)?);
                }
            }
        }
        if out.iter().all(Option::is_some) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    store.close().await;
    Ok(out)
}
