//! An in-process S3 server for tests: s3s-fs (the real S3 protocol with SigV4 auth, over a
//! folder) on 127.0.0.1, that a test can stop — dropping every open connection, so that
//! clients see a real outage — and start again on the same port.
//!
//! It runs on a runtime of its own, so that a test blocking its own threads (waiting for a
//! child process that talks to this server) cannot starve it.
//!
//! Shared by docgate-worker's object tests and the top-level service tests (`#[path]`).

#![allow(dead_code)] // each including test uses its own part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;

pub const ACCESS_KEY: &str = "docgate-test";
pub const SECRET_KEY: &str = "docgate-test-secret";
pub const REGION: &str = "us-east-1";

/// A running (or stopped) server over `root`; each bucket is a folder under it.
pub struct S3Server {
    pub addr: SocketAddr,
    root: PathBuf,
    rt: Option<tokio::runtime::Runtime>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl S3Server {
    /// Starts a server over `root` on a free port, with bucket `bucket` created.
    pub fn start(root: &Path, bucket: &str) -> S3Server {
        std::fs::create_dir_all(root.join(bucket)).expect("create the bucket folder");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("S3 server runtime");
        let mut s = S3Server {
            addr: "127.0.0.1:0".parse().expect("addr"),
            root: root.to_path_buf(),
            rt: Some(rt),
            task: None,
        };
        s.serve();
        s
    }

    /// `http://127.0.0.1:<port>`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `AWS_*` variables a client (the docgate binary) needs to reach this server.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", REGION.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Stops accepting and closes every open connection; returns once the port refuses
    /// connections.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(self.addr).is_ok() {
            assert!(Instant::now() < deadline, "the S3 server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Serves again, on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.serve();
    }

    fn serve(&mut self) {
        let fs = s3s_fs::FileSystem::new(&self.root).expect("s3s-fs over the folder");
        let service = {
            let mut b = s3s::service::S3ServiceBuilder::new(fs);
            b.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            b.build()
        };
        // The port may linger briefly after a stop (std sets SO_REUSEADDR; retry anyway).
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match std::net::TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("bind the S3 server on {}: {e}", self.addr),
            }
        };
        self.addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let rt = self.rt.as_ref().expect("runtime");
        self.task = Some(rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            // Connections live in this set: aborting the accept task drops it, and with it
            // every connection (a pooled keep-alive one would otherwise outlive a "stop").
            let mut conns = tokio::task::JoinSet::new();
            let http = ConnBuilder::new(TokioExecutor::new());
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let conn = http
                    .serve_connection(TokioIo::new(socket), service.clone())
                    .into_owned();
                conns.spawn(async move {
                    let _ = conn.await;
                });
                while conns.try_join_next().is_some() {}
            }
        }));
    }
}

/// `source` (a `pipeline.toml`) with `limits.max_file_bytes` set to `cap` and every
/// `image.file_size` limit above it lowered to it (a config refuses a limit above the cap),
/// so that an over-size upload is cheap to make.
pub fn config_with_cap(source: &str, cap: u64) -> String {
    source
        .lines()
        .map(|l| {
            if l.starts_with("max_file_bytes =") {
                return format!("max_file_bytes = {cap}");
            }
            let Some((head, tail)) = l.split_once("max_bytes = ") else {
                return l.to_string();
            };
            let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            match tail[..digits].parse::<u64>() {
                Ok(n) if n > cap => format!("{head}max_bytes = {cap}{}", &tail[digits..]),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        // Dropping a runtime inside a test's async context would panic; this does not wait.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}
