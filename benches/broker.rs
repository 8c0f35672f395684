//! Broker benchmark: submissions per second through RabbitMQ workers vs `docgate check` on
//! the same set, and how throughput grows from one worker process to several.
//!
//! `cargo bench -j 2 -p docgate --bench broker` (needs a broker: `DOCGATE_TEST_AMQP_URL`,
//! as exported by `eval "$(scripts/services.sh start)"`; `BENCH_N` submissions, default 400).
//! Worker throughput is measured between the first and the last stored decision
//! (`decided_at`), so process start-up is not counted; `check` is timed as a whole process.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use docgate_store::Store;

const BIN: &str = env!("CARGO_BIN_EXE_docgate");

fn write_submissions(dir: &Path, n: usize) {
    let png = dir.join("template.png");
    image::RgbImage::from_fn(1200, 800, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    })
    .save(&png)
    .expect("write png");
    for i in 0..n {
        let d = dir.join("subs").join(format!("{i:05}"));
        std::fs::create_dir_all(&d).expect("mkdir");
        for f in ["lic.png", "idf.png", "idb.png"] {
            std::fs::copy(&png, d.join(f)).expect("copy");
        }
        let m = serde_json::json!({
            "submission_id": format!("BENCH-{i:05}"), "profile": "default", "form": {},
            "documents": [
                {"id": "lic", "kind": "business_license", "uri": "lic.png"},
                {"id": "idf", "kind": "id_card_front", "uri": "idf.png"},
                {"id": "idb", "kind": "id_card_back", "uri": "idb.png"}
            ]
        });
        std::fs::write(d.join("submission.json"), m.to_string()).expect("write");
    }
}

fn parse_time(s: &str) -> f64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
        .unwrap_or(0.0)
}

fn run_workers(amqp: &str, dir: &Path, n: usize, workers: usize, concurrency: usize) -> f64 {
    let prefix = format!("bench{}w{workers}c{concurrency}", std::process::id());
    let db = format!("sqlite://{}", dir.join(format!("{prefix}.db")).display());
    let env = |c: &mut Command| {
        c.current_dir(dir)
            .env("DOCGATE_AMQP_URL", amqp)
            .env("DATABASE_URL", &db)
            .env("DOCGATE_STORAGE_ROOT", dir.join("storage"))
            .env("DOCGATE_QUEUE_PREFIX", &prefix)
            .env("DOCGATE_METRICS_ADDR", "off")
            .env("DOCGATE_AS_OF", "2026-11-24")
            .env("DOCGATE_CONCURRENCY", concurrency.to_string())
            .env("DOCGATE_LOG", "warn");
    };
    let mut c = Command::new(BIN);
    c.args(["enqueue", "subs"]);
    env(&mut c);
    let out = c.output().expect("enqueue");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut children: Vec<Child> = (0..workers)
        .map(|_| {
            let mut c = Command::new(BIN);
            c.arg("worker").stdout(Stdio::null()).stderr(Stdio::null());
            env(&mut c);
            c.spawn().expect("worker")
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let times = rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(600);
        let store = loop {
            if let Ok(s) = Store::connect(&db, 1).await {
                break s;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        loop {
            let t = store.decision_times().await.unwrap_or_default();
            if t.len() >= n || Instant::now() > deadline {
                break t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert_eq!(times.len(), n, "not every submission was decided");
    let span = parse_time(&times[n - 1]) - parse_time(&times[0]);
    (n - 1) as f64 / span.max(1e-3)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing useful.
    let amqp = match std::env::var("DOCGATE_TEST_AMQP_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            eprintln!("broker bench skipped: DOCGATE_TEST_AMQP_URL is not set (eval \"$(scripts/services.sh start)\")");
            return;
        }
    };
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let dir = tempfile::tempdir().expect("tempdir");
    write_submissions(dir.path(), n);

    let t = Instant::now();
    let out = Command::new(BIN)
        .args(["check", "subs", "--format", "json", "--as-of", "2026-11-24"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .status()
        .expect("check");
    assert!(out.code().is_some());
    let check_rate = n as f64 / t.elapsed().as_secs_f64();
    println!("submissions: {n} (3 PNG documents of 1200x800 each)");
    println!("docgate check (1 process, sequential):      {check_rate:8.1} submissions/s");
    let one = run_workers(&amqp, dir.path(), n, 1, 1);
    println!(
        "1 worker, concurrency 1 (broker + SQLite):  {one:8.1} submissions/s  ({:+.1}% vs check)",
        (one / check_rate - 1.0) * 100.0
    );
    for (w, c) in [(1, 2), (2, 1), (2, 2), (4, 1)] {
        let r = run_workers(&amqp, dir.path(), n, w, c);
        println!(
            "{w} worker(s), concurrency {c}:               {r:8.1} submissions/s  ({:.2}x of 1x1)",
            r / one
        );
    }
}
