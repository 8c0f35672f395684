//! Uploads on an object store, against a real S3 protocol server (s3s-fs, in-process, SigV4)
//! through object_store's real AmazonS3 client over HTTP: the same findings as the local
//! disk for every kind of bad upload, caps before download, and outages as errors.

#[path = "support/s3.rs"]
mod s3;

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::{IngestProblemKind, Report, RuleId, Submission};
use docgate_ingest::{Limits, Storage};
use docgate_worker::objects::{ObjectError, ObjectUploads};
use object_store::aws::AmazonS3Builder;
use object_store::memory::InMemory;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

const BUCKET: &str = "uploads";

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
}

fn client(server: &s3::S3Server) -> Arc<dyn ObjectStore> {
    docgate_worker::objects::install_tls_provider();
    let store = AmazonS3Builder::new()
        .with_endpoint(server.endpoint())
        .with_allow_http(true)
        .with_bucket_name(BUCKET)
        .with_region(s3::REGION)
        .with_access_key_id(s3::ACCESS_KEY)
        .with_secret_access_key(s3::SECRET_KEY)
        .with_retry(object_store::RetryConfig {
            max_retries: 1,
            ..Default::default()
        })
        .build()
        .expect("S3 client");
    Arc::new(store)
}

/// The shipped config with a small byte cap, so that an over-size file is cheap to make.
fn config_with_cap(cap: u64) -> Config {
    let config =
        Config::from_toml_str(&s3::config_with_cap(Config::EMBEDDED_SOURCE, cap)).expect("config");
    assert_eq!(config.limits().max_file_bytes, cap, "cap not applied");
    config
}

/// A noisy PNG of `w`×`h` (noise does not compress: the file is about 3·w·h bytes).
fn png(path: &Path, w: u32, h: u32) {
    let mut seed = 0x2545_f491_u32;
    image::RgbImage::from_fn(w, h, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [a, b, c, _] = seed.to_le_bytes();
        image::Rgb([a, b, c])
    })
    .save(path)
    .expect("write png");
}

fn submission(docs: &[(&str, &str, &str)]) -> Submission {
    let documents: Vec<_> = docs
        .iter()
        .map(|(id, kind, uri)| serde_json::json!({"id": id, "kind": kind, "uri": uri}))
        .collect();
    let json = serde_json::json!({
        "submission_id": "S-OBJ-1", "profile": "default", "form": {}, "documents": documents
    });
    Submission::from_json(json.to_string().as_bytes()).expect("submission")
}

fn check(sub: &Submission, storage: &Storage, config: &Config) -> Report {
    docgate_pipeline::check(sub, storage, config, as_of())
        .expect("check")
        .report
}

/// The finding of `rule` on document `doc`.
fn finding<'a>(r: &'a Report, rule: RuleId, doc: &str) -> &'a docgate_core::Finding {
    r.findings
        .iter()
        .find(|f| f.rule == rule && f.document.as_deref() == Some(doc))
        .unwrap_or_else(|| panic!("no {rule:?} finding on {doc}: {:#?}", r.findings))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_upload_gives_the_findings_the_local_disk_gives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = s3::S3Server::start(&dir.path().join("s3"), BUCKET);
    let uploads = ObjectUploads::new(client(&server), "docgate/in")
        .expect("uploads")
        .with_scratch_parent(dir.path().join("scratch"));
    let cap = 64 * 1024;
    let config = config_with_cap(cap);
    let limits = docgate_pipeline::ingest_limits(&config);

    // The same files on the local disk and in the bucket, under the same uris.
    let local = dir.path().join("local");
    std::fs::create_dir_all(local.join("S-OBJ-1")).expect("mkdir");
    png(&local.join("S-OBJ-1/ok.png"), 120, 80); // ≈ 29 KB
    png(&local.join("S-OBJ-1/big.png"), 200, 200); // ≈ 120 KB: over the cap
    std::fs::write(local.join("S-OBJ-1/empty.jpg"), b"").expect("write");
    for name in ["ok.png", "big.png", "empty.jpg"] {
        let uri = format!("S-OBJ-1/{name}");
        uploads
            .put_file(&uri, &local.join(&uri))
            .await
            .expect("upload");
    }
    let big_len = std::fs::metadata(local.join("S-OBJ-1/big.png"))
        .expect("stat")
        .len();
    assert!(big_len > cap, "the test file must exceed the cap");
    // An object the `..` uri would reach if it were joined naively to the prefix.
    client(&server)
        .put(
            &Key::from("docgate/secret.png"),
            b"not yours".to_vec().into(),
        )
        .await
        .expect("put");

    let sub = submission(&[
        ("ok", "business_license", "S-OBJ-1/ok.png"),
        ("same", "business_license", "./S-OBJ-1//ok.png"),
        ("big", "id_card_front", "S-OBJ-1/big.png"),
        ("empty", "id_card_back", "S-OBJ-1/empty.jpg"),
        ("missing", "id_card_back", "S-OBJ-1/no-such.png"),
        ("escape", "bank_permit", "../secret.png"),
        ("absolute", "bank_permit", "/docgate/secret.png"),
        ("scheme", "bank_permit", "s3://uploads/docgate/secret.png"),
        ("dir", "bank_permit", "."),
    ]);
    let fetched = uploads.fetch(&sub, &limits).await.expect("fetch");
    let stats = fetched.stats;
    // ok.png once (two uris, one object), the empty file, nothing of big.png, nothing
    // outside the prefix.
    assert_eq!(stats.objects, 2, "{stats:?}");
    assert_eq!(stats.too_large, 1, "{stats:?}");
    assert_eq!(stats.missing, 1, "{stats:?}");
    let ok_len = std::fs::metadata(local.join("S-OBJ-1/ok.png"))
        .expect("stat")
        .len();
    assert_eq!(stats.bytes, ok_len, "only ok.png's bytes may be fetched");
    assert!(!fetched.path().join("S-OBJ-1/big.png").exists());
    assert!(!fetched.path().join("secret.png").exists());

    let from_s3 = check(&sub, fetched.storage(), &config);
    let from_disk = check(&sub, &Storage::new(&local), &config);
    assert_eq!(
        from_s3, from_disk,
        "an object store must not change a single finding"
    );

    // And those findings are the expected ones.
    let big = finding(&from_s3, RuleId::ImageDecode, "big");
    assert!(big.message.contains("larger than the hard cap"), "{big:?}");
    let missing = finding(&from_s3, RuleId::DocumentAccess, "missing");
    assert!(missing.message.contains("no such file"), "{missing:?}");
    for doc in ["escape", "absolute", "scheme"] {
        let f = finding(&from_s3, RuleId::DocumentAccess, doc);
        assert!(
            f.message
                .contains("outside the files this submission may read"),
            "{doc}: {f:?}"
        );
    }

    // The scratch folder goes with the fetch.
    let scratch = fetched.path().to_path_buf();
    assert!(scratch.join("S-OBJ-1/ok.png").is_file());
    drop(fetched);
    assert!(!scratch.exists(), "scratch folder left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_obey_the_local_uri_rules() {
    let uploads = ObjectUploads::new(Arc::new(InMemory::new()), "p/q").expect("uploads");
    assert_eq!(
        uploads.key("S-1/./lic.jpg").expect("key").as_ref(),
        "p/q/S-1/lic.jpg"
    );
    for bad in [
        "../x.jpg",
        "S-1/../../x.jpg",
        "/etc/passwd",
        "s3://b/k",
        "a\\b",
    ] {
        let err = uploads.key(bad).map_err(|p| p.kind);
        assert_eq!(err, Err(IngestProblemKind::OutsideRoot), "{bad:?}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("x.jpg");
    std::fs::write(&file, b"x").expect("write");
    let put = uploads.put_file("../x.jpg", &file).await;
    assert!(matches!(put, Err(ObjectError::Uri(_))), "{put:?}");
    assert!(ObjectUploads::new(Arc::new(InMemory::new()), "a/../b").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_files_upload_in_parts_and_come_back_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = s3::S3Server::start(&dir.path().join("s3"), BUCKET);
    let uploads = ObjectUploads::new(client(&server), "").expect("uploads");
    // 9 MiB: over the single-PUT size, so a multipart upload.
    let body: Vec<u8> = (0..9 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(dir.path().join("big.pdf"), &body).expect("write");
    uploads
        .put_file("S-2/big.pdf", &dir.path().join("big.pdf"))
        .await
        .expect("multipart upload");
    let sub = submission(&[("inv", "vat_invoice", "S-2/big.pdf")]);
    let fetched = uploads
        .fetch(&sub, &Limits::default())
        .await
        .expect("fetch");
    assert_eq!(fetched.stats.bytes, body.len() as u64);
    let back = std::fs::read(fetched.path().join("S-2/big.pdf")).expect("read back");
    assert!(back == body, "the object came back different");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_outage_is_an_error_to_retry_never_a_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = s3::S3Server::start(&dir.path().join("s3"), BUCKET);
    let uploads = ObjectUploads::new(client(&server), "").expect("uploads");
    let file = dir.path().join("a.png");
    png(&file, 40, 30);
    uploads.put_file("S-3/a.png", &file).await.expect("upload");
    let sub = submission(&[("a", "business_license", "S-3/a.png")]);
    let limits = Limits::default();
    // A first fetch leaves a pooled connection behind, which the stop must break too.
    uploads.fetch(&sub, &limits).await.expect("fetch while up");

    server.stop();
    let err = uploads
        .fetch(&sub, &limits)
        .await
        .expect_err("a fetch from a stopped server must fail, not report findings");
    assert!(
        matches!(err, ObjectError::Request { op: "HEAD", .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        !text.contains("S-3") && !text.contains("a.png"),
        "the error names the object: {text}"
    );

    server.restart();
    let fetched = uploads
        .fetch(&sub, &limits)
        .await
        .expect("fetch after restart");
    assert_eq!(fetched.stats.objects, 1);
}

/// A store whose HEAD says every object is one byte long: as if the object grew between
/// the HEAD and the GET.
#[derive(Debug)]
struct GrowsAfterHead(InMemory);

impl std::fmt::Display for GrowsAfterHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GrowsAfterHead")
    }
}

#[async_trait::async_trait]
impl ObjectStore for GrowsAfterHead {
    async fn put_opts(
        &self,
        location: &Key,
        payload: object_store::PutPayload,
        opts: object_store::PutOptions,
    ) -> object_store::Result<object_store::PutResult> {
        self.0.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Key,
        opts: object_store::PutMultipartOptions,
    ) -> object_store::Result<Box<dyn object_store::MultipartUpload>> {
        self.0.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Key,
        options: object_store::GetOptions,
    ) -> object_store::Result<object_store::GetResult> {
        let head = options.head;
        let mut got = self.0.get_opts(location, options).await?;
        if head {
            got.meta.size = 1;
        }
        Ok(got)
    }

    fn delete_stream(
        &self,
        locations: futures_util::stream::BoxStream<'static, object_store::Result<Key>>,
    ) -> futures_util::stream::BoxStream<'static, object_store::Result<Key>> {
        self.0.delete_stream(locations)
    }

    fn list(
        &self,
        prefix: Option<&Key>,
    ) -> futures_util::stream::BoxStream<'static, object_store::Result<object_store::ObjectMeta>>
    {
        self.0.list(prefix)
    }

    async fn list_with_delimiter(
        &self,
        prefix: Option<&Key>,
    ) -> object_store::Result<object_store::ListResult> {
        self.0.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Key,
        to: &Key,
        options: object_store::CopyOptions,
    ) -> object_store::Result<()> {
        self.0.copy_opts(from, to, options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_that_grows_after_its_head_is_cut_at_the_cap() {
    let store = Arc::new(GrowsAfterHead(InMemory::new()));
    store
        .put(&Key::from("S-4/a.jpg"), vec![7u8; 10_000].into())
        .await
        .expect("put");
    let dir = tempfile::tempdir().expect("tempdir");
    let uploads = ObjectUploads::new(store, "")
        .expect("uploads")
        .with_scratch_parent(dir.path());
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let sub = submission(&[("a", "business_license", "S-4/a.jpg")]);
    let fetched = uploads.fetch(&sub, &limits).await.expect("fetch");
    assert_eq!(fetched.stats.too_large, 1, "{:?}", fetched.stats);
    assert_eq!(
        fetched.stats.bytes, 1001,
        "at most cap + 1 bytes may be written"
    );
    assert!(!fetched.path().join("S-4/a.jpg").exists());
    let read = fetched.storage().read("S-4/a.jpg", &limits);
    assert_eq!(read, Err(docgate_ingest::too_large(&limits)));
}
