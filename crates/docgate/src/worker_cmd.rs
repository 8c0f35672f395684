//! `docgate worker`: run one worker process until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use docgate_store::Store;
use docgate_worker::metrics::{self, Health};
use docgate_worker::{Metrics, Uploads, Worker, WorkerConfig};
use tokio::sync::watch;

use crate::config_cmd::load_or_report;
use crate::exit::Exit;
use crate::service::{runtime, ServiceArgs};

/// Arguments of `docgate worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    /// Submissions checked at once (default: the number of CPUs).
    #[arg(long, env = "DOCGATE_CONCURRENCY")]
    concurrency: Option<usize>,
    /// Messages the broker hands over before acks (default: twice the concurrency).
    #[arg(long, env = "DOCGATE_PREFETCH")]
    prefetch: Option<u16>,
    /// Retries of a transiently failing message before it is dead-lettered.
    #[arg(long, env = "DOCGATE_MAX_RETRIES", default_value_t = 8)]
    max_retries: u32,
    /// First retry delay in milliseconds; each next one doubles (at most a minute).
    #[arg(long, env = "DOCGATE_RETRY_BASE_MS", default_value_t = 1000)]
    retry_base_ms: u64,
    /// Address of /metrics and /healthz, or `off`.
    #[arg(long, env = "DOCGATE_METRICS_ADDR", default_value = "127.0.0.1:9464")]
    metrics_addr: String,
    /// Judge dates as of this day instead of today: YYYY-MM-DD.
    #[arg(long, env = "DOCGATE_AS_OF", value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
}

/// Runs `docgate worker`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Exit> {
    let config = match load_or_report(config_path)? {
        Ok(c) => Arc::new(c),
        Err(exit) => return Ok(exit),
    };
    let concurrency = args
        .concurrency
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let prefetch = args
        .prefetch
        .unwrap_or_else(|| u16::try_from(concurrency * 2).unwrap_or(u16::MAX));
    let metrics_addr: Option<SocketAddr> = match args.metrics_addr.as_str() {
        "off" | "" => None,
        a => Some(
            a.parse()
                .with_context(|| format!("bad --metrics-addr {a}"))?,
        ),
    };
    let uploads = args.service.uploads()?;
    if let Uploads::Local(root) = &uploads {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create storage root {}", root.display()))?;
    }
    let cfg = WorkerConfig {
        amqp_url: args.service.amqp_url.clone(),
        prefix: args.service.queue_prefix.clone(),
        uploads,
        prefetch,
        concurrency,
        max_retries: args.max_retries,
        retry_base: Duration::from_millis(args.retry_base_ms.max(1)),
        max_body_bytes: docgate_worker::DEFAULT_MAX_BODY_BYTES,
        as_of: args.as_of,
    };
    let rt = runtime()?;
    rt.block_on(async move {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("signal received: stopping");
            let _ = stop_tx.send(true);
        });
        let started = Instant::now();
        // Load the OCR models (the first check would otherwise pay ≈1–3 s for them) while
        // the database connects, and before consuming: a worker takes messages only once it
        // can check them at full speed, instead of holding a prefetch of them while warming.
        let warm = tokio::task::spawn_blocking(|| docgate_pipeline::read::default_ocr().is_some());
        let Some(store) =
            connect_store(&args.service.database_url, concurrency, stop_rx.clone()).await
        else {
            return Ok(Exit::Ok);
        };
        let db_ms = started.elapsed().as_millis() as u64;
        let ocr = warm.await.unwrap_or(false);
        tracing::info!(
            db_ms,
            ocr,
            ready_ms = started.elapsed().as_millis() as u64,
            "database connected and migrated, OCR models loaded"
        );
        let metrics = Arc::new(Metrics::new());
        let worker = Arc::new(Worker::new(cfg, config, store.clone(), metrics.clone()));
        if let Some(addr) = metrics_addr {
            let health = Health {
                broker_up: worker.broker_up(),
                store: store.clone(),
            };
            let mut rx = stop_rx.clone();
            let server = metrics::serve(addr, metrics, health, async move {
                let _ = rx.wait_for(|s| *s).await;
            });
            tokio::spawn(async move {
                if let Err(e) = server.await {
                    tracing::error!(error = %e, "metrics server failed");
                }
            });
        }
        worker.run(stop_rx).await;
        store.close().await;
        Ok(Exit::Ok)
    })
}

/// Connects to the database, retrying while it is unreachable (a worker may start before
/// its database). `None` if stopped meanwhile.
async fn connect_store(url: &str, pool: usize, mut stop: watch::Receiver<bool>) -> Option<Store> {
    let mut delay = Duration::from_millis(200);
    loop {
        match Store::connect(url, u32::try_from(pool + 2).unwrap_or(8)).await {
            Ok(s) => return Some(s),
            Err(e) => tracing::warn!(error = %e, "database unavailable; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|s| *s) => return None,
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
