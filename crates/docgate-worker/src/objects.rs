//! Uploads on an S3-compatible object store (`--storage-root s3://bucket/prefix`): `docgate
//! enqueue` puts each submission's files there, and the worker fetches one submission's
//! files into a private scratch folder — under the same uri rules and byte cap as the local
//! disk — and runs the unchanged pipeline on them.
//!
//! What a fetch turns into, so that an object store changes nothing about the findings:
//!
//! - a uri the local disk would refuse (`..`, absolute, a scheme) is never looked up: the
//!   pipeline refuses it from the scratch folder with the very same problem;
//! - a missing object is simply absent from the scratch folder: `document.access`, "no such
//!   file", exactly as a missing local file;
//! - an object over `limits.max_file_bytes` (by its HEAD, or by the bytes that actually
//!   arrive, should it grow in between) is never written past the cap and is reported with
//!   [`docgate_ingest::too_large`], as a local file over the cap is;
//! - anything else (connection refused, timeouts, 5xx, refused credentials) is an
//!   [`ObjectError`]: the worker retries the message later, as it does for a database
//!   outage, and decides nothing meanwhile.

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use docgate_core::{IngestProblem, Submission};
use docgate_ingest::{Limits, Storage};
use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use tokio::io::AsyncWriteExt;

/// Objects fetched at once for one submission.
const FETCH_CONCURRENCY: usize = 4;

/// Files up to this size are uploaded in one PUT; larger ones as a multipart upload, so
/// that `enqueue` never holds more than this much of a file in memory.
const SINGLE_PUT_BYTES: u64 = 8 * 1024 * 1024;

/// Why the object store could not be used. Never says which object: keys are built from
/// uploaders' file names, which may be personal data, and this text reaches the logs.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The `s3://` url or the `AWS_*` settings are not usable.
    #[error("object store settings: {0}")]
    Settings(String),
    /// A request failed: the store is down, slow, or refused us. Worth retrying later.
    #[error("object store {op} failed: {why}")]
    Request {
        /// `HEAD`, `GET` or `PUT`.
        op: &'static str,
        /// What kind of failure (no key, no server message).
        why: &'static str,
    },
    /// The uri cannot name an object ([`docgate_ingest::uri_segments`] refused it).
    #[error("the uri cannot name an object: {0}")]
    Uri(String),
    /// The local side failed: the scratch folder, or the file being uploaded.
    #[error("local file: {0}")]
    Local(std::io::ErrorKind),
}

impl From<std::io::Error> for ObjectError {
    fn from(e: std::io::Error) -> Self {
        // Only the kind: OS messages can echo paths.
        ObjectError::Local(e.kind())
    }
}

/// Where uploads live: a folder on the local disk (the default) or an object store.
#[derive(Debug, Clone)]
pub enum Uploads {
    /// Uris resolve under this folder, never outside.
    Local(PathBuf),
    /// Uris name objects under a bucket and prefix.
    Objects(ObjectUploads),
}

impl Uploads {
    /// `s3://bucket[/prefix]` is an object store (endpoint, region and credentials from the
    /// standard `AWS_*` variables); any other `scheme://` is an error; anything else is a
    /// local folder.
    pub fn parse(spec: &str) -> Result<Uploads, ObjectError> {
        if spec.starts_with("s3://") {
            Ok(Uploads::Objects(ObjectUploads::from_url(spec)?))
        } else if spec.contains("://") {
            Err(ObjectError::Settings(format!(
                "unsupported storage url {spec:?}: a folder or s3://bucket[/prefix]"
            )))
        } else {
            Ok(Uploads::Local(PathBuf::from(spec)))
        }
    }
}

/// A bucket and key prefix on an S3-compatible store.
#[derive(Debug, Clone)]
pub struct ObjectUploads {
    store: Arc<dyn ObjectStore>,
    prefix: Key,
    scratch_parent: Option<PathBuf>,
}

/// What one fetch did, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Objects written to the scratch folder.
    pub objects: usize,
    /// Bytes written to the scratch folder (never more than the cap per object, plus one).
    pub bytes: u64,
    /// Objects over the cap, not downloaded.
    pub too_large: usize,
    /// Keys with no object.
    pub missing: usize,
}

/// One submission's files in a private scratch folder, deleted when this is dropped.
#[derive(Debug)]
pub struct Fetched {
    dir: tempfile::TempDir,
    storage: Storage,
    /// What the fetch did.
    pub stats: FetchStats,
}

impl Fetched {
    /// The storage the pipeline reads the submission from.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The scratch folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// One key's outcome.
enum Got {
    Written(u64),
    Missing,
    TooLarge(u64),
}

impl ObjectUploads {
    /// `s3://bucket[/prefix]`; the endpoint, region and credentials come from the standard
    /// `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP` for a local server…).
    pub fn from_url(url: &str) -> Result<ObjectUploads, ObjectError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| ObjectError::Settings(format!("{url:?} is not s3://bucket[/prefix]")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(ObjectError::Settings(format!("{url:?} names no bucket")));
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        // object_store's defaults retry for up to 3 minutes; the worker has its own retry
        // queue with growing delays, so fail fast here and let a message wait there instead
        // of holding a permit.
        builder = builder.with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 2,
            retry_timeout: Duration::from_secs(20),
        });
        for (key, value) in [
            (ClientConfigKey::ConnectTimeout, "5s"),
            (ClientConfigKey::Timeout, "120s"),
        ] {
            let key = AmazonS3ConfigKey::Client(key);
            if builder.get_config_value(&key).is_none() {
                builder = builder.with_config(key, value);
            }
        }
        install_tls_provider();
        let store = builder
            .build()
            .map_err(|e| ObjectError::Settings(e.to_string()))?;
        ObjectUploads::new(Arc::new(store), prefix)
    }

    /// Uploads in `store` under `prefix` (a `/`-separated key prefix, may be empty). A
    /// store built by hand needs [`install_tls_provider`] first.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str) -> Result<ObjectUploads, ObjectError> {
        let prefix = if prefix.trim_matches('/').is_empty() {
            Key::default()
        } else {
            let segments = docgate_ingest::uri_segments(prefix)
                .map_err(|p| ObjectError::Settings(format!("key prefix: {}", p.detail)))?;
            Key::from_iter(segments)
        };
        Ok(ObjectUploads {
            store,
            prefix,
            scratch_parent: None,
        })
    }

    /// Creates scratch folders under `dir` instead of the system's temporary folder.
    pub fn with_scratch_parent(mut self, dir: impl Into<PathBuf>) -> ObjectUploads {
        self.scratch_parent = Some(dir.into());
        self
    }

    /// The key a manifest uri names, built under the rules a local path is resolved by
    /// ([`docgate_ingest::uri_segments`]): no `..`, nothing absolute, no scheme.
    pub fn key(&self, uri: &str) -> Result<Key, IngestProblem> {
        Ok(self.key_of(&docgate_ingest::uri_segments(uri)?))
    }

    fn key_of(&self, segments: &[&str]) -> Key {
        segments
            .iter()
            .fold(self.prefix.clone(), |key, s| key.join(*s))
    }

    /// Uploads the file at `file` as the object `uri` names.
    pub async fn put_file(&self, uri: &str, file: &Path) -> Result<(), ObjectError> {
        let key = self.key(uri).map_err(|p| ObjectError::Uri(p.detail))?;
        let mut f = tokio::fs::File::open(file).await?;
        let len = f.metadata().await?.len();
        if len <= SINGLE_PUT_BYTES {
            let bytes = tokio::fs::read(file).await?;
            self.store
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| request_error("PUT", &e))?;
            return Ok(());
        }
        let mut upload = object_store::WriteMultipart::new(
            self.store
                .put_multipart(&key)
                .await
                .map_err(|e| request_error("PUT", &e))?,
        );
        let mut buf = vec![0u8; 1 << 20];
        let copied: Result<(), ObjectError> = async {
            loop {
                let n = tokio::io::AsyncReadExt::read(&mut f, &mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                // Back-pressure: at most a few parts in flight.
                upload
                    .wait_for_capacity(2)
                    .await
                    .map_err(|e| request_error("PUT", &e))?;
                upload.write(&buf[..n]);
            }
        }
        .await;
        match copied {
            Ok(()) => upload
                .finish()
                .await
                .map(|_| ())
                .map_err(|e| request_error("PUT", &e)),
            Err(e) => {
                let _ = upload.abort().await;
                Err(e)
            }
        }
    }

    /// Fetches every document of `submission` into a fresh private scratch folder, each
    /// object HEADed first and none written past `limits.max_file_bytes` + 1 bytes (see the
    /// module documentation for what each outcome becomes). An error means the store could
    /// not be used: retry later.
    pub async fn fetch(
        &self,
        submission: &Submission,
        limits: &Limits,
    ) -> Result<Fetched, ObjectError> {
        let dir = match &self.scratch_parent {
            Some(parent) => {
                std::fs::create_dir_all(parent)?;
                tempfile::Builder::new()
                    .prefix("docgate-fetch-")
                    .tempdir_in(parent)?
            }
            None => tempfile::Builder::new()
                .prefix("docgate-fetch-")
                .tempdir()?,
        };
        // Key → the uris naming it (`a.jpg` and `./a.jpg` are one object, fetched once).
        // Uris refused here are left out: the pipeline refuses them from the scratch folder
        // with the same problem, as it would from the local disk.
        let mut wanted: BTreeMap<Key, (PathBuf, Vec<&str>)> = BTreeMap::new();
        for doc in &submission.documents {
            let Ok(segments) = docgate_ingest::uri_segments(&doc.uri) else {
                continue;
            };
            let local: PathBuf = dir.path().join(segments.iter().collect::<PathBuf>());
            wanted
                .entry(self.key_of(&segments))
                .or_insert_with(|| (local, Vec::new()))
                .1
                .push(doc.uri.as_str());
        }
        let cap = limits.max_file_bytes;
        // The futures are made up front (owning their key and path), not in a stream
        // closure: a closure borrowing `wanted` would make the worker's task not `Send`.
        let jobs: Vec<_> = wanted
            .iter()
            .map(|(key, (local, _))| self.fetch_one(key.clone(), local.clone(), cap))
            .collect();
        let results: Vec<_> = futures_util::stream::iter(jobs)
            .buffered(FETCH_CONCURRENCY)
            .collect()
            .await;
        let mut stats = FetchStats::default();
        let mut storage = Storage::new(dir.path());
        for (result, (_, (_, uris))) in results.into_iter().zip(&wanted) {
            match result? {
                Got::Written(n) => {
                    stats.objects += 1;
                    stats.bytes += n;
                }
                Got::Missing => stats.missing += 1,
                Got::TooLarge(n) => {
                    stats.too_large += 1;
                    stats.bytes += n;
                    for uri in uris {
                        storage =
                            storage.with_known_problem(uri, docgate_ingest::too_large(limits));
                    }
                }
            }
        }
        Ok(Fetched {
            dir,
            storage,
            stats,
        })
    }

    async fn fetch_one(&self, key: Key, local: PathBuf, cap: u64) -> Result<Got, ObjectError> {
        // Caps before allocation: the size the store reports decides before any byte moves.
        let meta = match self.store.head(&key).await {
            Ok(m) => m,
            Err(object_store::Error::NotFound { .. }) => return Ok(Got::Missing),
            Err(e) => return Err(request_error("HEAD", &e)),
        };
        if meta.size > cap {
            return Ok(Got::TooLarge(0));
        }
        let got = match self.store.get(&key).await {
            Ok(g) => g,
            // Deleted between HEAD and GET: as missing as if it had never been there.
            Err(object_store::Error::NotFound { .. }) => return Ok(Got::Missing),
            Err(e) => return Err(request_error("GET", &e)),
        };
        if let Some(parent) = local.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let mut file = tokio::fs::File::create(&local).await?;
        let mut stream = got.into_stream();
        let mut written = 0u64;
        // The object may have grown since the HEAD: write at most cap + 1 bytes, whatever
        // arrives, and stop reading there (dropping the stream drops the connection).
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| request_error("GET", &e))?;
            let room = cap.saturating_add(1) - written;
            let take = usize::try_from(room).unwrap_or(usize::MAX).min(chunk.len());
            file.write_all(&chunk[..take]).await?;
            written += take as u64;
            if written > cap {
                drop(file);
                tokio::fs::remove_file(&local).await?;
                return Ok(Got::TooLarge(written));
            }
        }
        file.flush().await?;
        Ok(Got::Written(written))
    }
}

/// Installs ring as the process's rustls crypto provider, which object_store's HTTP client
/// needs before it is built: reqwest is compiled with rustls but without a provider of its
/// own, so that no C build of aws-lc-sys is needed. [`ObjectUploads::from_url`] calls this;
/// call it before building an object_store client yourself.
pub fn install_tls_provider() {
    // Err means a provider is already installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A request error as a kind of failure, without the key or url it happened on.
fn request_error(op: &'static str, e: &object_store::Error) -> ObjectError {
    use object_store::client::{HttpError, HttpErrorKind};
    let why = match e {
        object_store::Error::NotFound { .. } => "not found",
        object_store::Error::PermissionDenied { .. } => "permission denied",
        object_store::Error::Unauthenticated { .. } => "not authenticated",
        object_store::Error::Precondition { .. } | object_store::Error::NotModified { .. } => {
            "the object changed meanwhile"
        }
        _ => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
            let mut why = "request failed or the server answered with an error";
            while let Some(s) = source {
                if let Some(h) = s.downcast_ref::<HttpError>() {
                    why = match h.kind() {
                        HttpErrorKind::Connect => "cannot connect",
                        HttpErrorKind::Timeout => "timed out",
                        HttpErrorKind::Interrupted => "connection interrupted",
                        HttpErrorKind::Decode => "unreadable response",
                        _ => "request failed",
                    };
                    break;
                }
                source = s.source();
            }
            why
        }
    };
    ObjectError::Request { op, why }
}
