//! docgate-store: where results live. Submissions, their documents, measurements (JSON
//! text), extracted fields, findings, decisions with the config version that made them, and
//! an append-only event log, in a SQLite file (the default) or PostgreSQL (`DATABASE_URL`).
//!
//! One code path serves both backends: queries are written once with `$1` placeholders
//! (sqlx's SQLite driver understands them too), JSON is stored as TEXT and dates as ISO
//! TEXT, and nothing reads a boolean, because sqlx's `Any` driver cannot decode SQLite
//! booleans and has no date or JSON types. Only the DDL differs, in [`migrations`].
//!
//! **Idempotency.** A decision is keyed by `(submission_id, content_hash)`. [`Store::record`]
//! writes everything in one transaction that *starts* by inserting the decision with
//! `ON CONFLICT DO NOTHING`; if the row already existed, nothing else is written and the
//! stored decision is returned instead. Two workers racing on a redelivered message
//! therefore produce exactly one decision.

pub mod migrations;

use std::collections::BTreeMap;
use std::time::Duration;

use docgate_core::{Report, Submission, SubmissionMeasurements};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

/// Why the store could not do what was asked. Every variant is worth retrying later except
/// [`StoreError::Url`] and [`StoreError::Json`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names a backend docgate does not support.
    #[error("unsupported database URL (use sqlite://FILE or postgres://…): {0}")]
    Url(String),
    /// The database refused or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored or given value could not be (de)serialised.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// Whether trying again later may succeed (the database was down, busy, or the network
    /// failed), as opposed to a bug or a bad configuration.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Database(_))
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (the default; one machine).
    Sqlite,
    /// PostgreSQL (shared by a fleet of machines).
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            // Never echo the URL itself: it may carry a password.
            Err(StoreError::Url(
                url.split(':').next().unwrap_or_default().to_string(),
            ))
        }
    }
}

/// A decision as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDecision {
    /// The submission's id.
    pub submission_id: String,
    /// The content hash of the message it was decided from.
    pub content_hash: String,
    /// pass / review / fail
    pub decision: String,
    /// The config version that judged it.
    pub config_version: String,
    /// The full result (the published contract), as JSON text.
    pub report_json: String,
    /// Whether the result was published with a broker confirm.
    pub published: bool,
}

/// The outcome of [`Store::record`].
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// This call stored the decision.
    Fresh,
    /// The submission (same id, same content) had already been decided: nothing was written,
    /// and this is what was stored before.
    AlreadyDecided(StoredDecision),
}

/// Everything to store for one decided submission.
#[derive(Debug, Clone, Copy)]
pub struct NewDecision<'a> {
    /// `sha256:<hex>` of the intake message body.
    pub content_hash: &'a str,
    /// The submission as received.
    pub submission: &'a Submission,
    /// The result.
    pub report: &'a Report,
    /// What it was judged from (kept for replay).
    pub measurements: &'a SubmissionMeasurements,
}

/// One line of the append-only event log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The submission it concerns.
    pub submission_id: String,
    /// The content hash, or empty when unknown.
    pub content_hash: String,
    /// What happened: `decided`, `republished`, `published`, `retry`, `dead`, …
    pub kind: String,
    /// Free text; personal data in it must already be masked.
    pub detail: String,
    /// When, ISO 8601 UTC.
    pub at: String,
}

/// A connection pool to the results database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `sqlite:` URLs without a mode would refuse to create the file; a worker's first start
/// must create it.
fn normalise_url(url: &str, backend: Backend) -> String {
    if backend == Backend::Sqlite && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_string()
    }
}

impl Store {
    /// Connects (a pool of at most `max_connections`) and applies pending migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        let store = Store::connect_without_migrating(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without touching the schema (for read-only tools such as `docgate status`).
    pub async fn connect_without_migrating(
        url: &str,
        max_connections: u32,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = normalise_url(url, backend);
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            // A database outage must surface as an error the worker can retry on, not as a
            // hang: bounded waits everywhere.
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Several worker processes share one file: wait for the write lock
                        // instead of failing at once, and let readers run beside a writer.
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Store { pool, backend })
    }

    /// Applies pending migrations; returns the versions applied (empty when up to date).
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        migrations::run(&self.pool, self.backend).await
    }

    /// Runs one administrative statement (such as `CREATE DATABASE` for tests and setup
    /// scripts). Never pass it untrusted text.
    pub async fn execute_admin(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The stored decision for this submission content, if any.
    pub async fn lookup(
        &self,
        submission_id: &str,
        content_hash: &str,
    ) -> Result<Option<StoredDecision>, StoreError> {
        let row = sqlx::query(
            "SELECT submission_id, content_hash, decision, config_version, report, published_at \
             FROM decisions WHERE submission_id = $1 AND content_hash = $2",
        )
        .bind(submission_id)
        .bind(content_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| decision_from_row(&r)).transpose()
    }

    /// Stores a decided submission in one transaction, unless it was already decided (see
    /// the crate docs): then nothing is written and the earlier decision is returned.
    pub async fn record(&self, d: NewDecision<'_>) -> Result<Recorded, StoreError> {
        let sub = d.submission;
        let id = sub.submission_id.as_str();
        let hash = d.content_hash;
        let at = now();
        let report_json = serde_json::to_string(d.report)?;
        let manifest_json = serde_json::to_string(sub)?;
        let measurements_json = serde_json::to_string(d.measurements)?;

        let mut tx = self.pool.begin().await?;
        // The first statement writes, so SQLite takes the write lock now (and waits for it
        // with busy_timeout) instead of failing later on a lock upgrade.
        let inserted = sqlx::query(
            "INSERT INTO decisions (submission_id, content_hash, decision, config_version, \
             as_of, report, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (submission_id, content_hash) DO NOTHING",
        )
        .bind(id)
        .bind(hash)
        .bind(d.report.decision.as_str())
        .bind(d.report.config_version.as_str())
        .bind(d.report.as_of.to_string())
        .bind(report_json.as_str())
        .bind(at.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return match self.lookup(id, hash).await? {
                Some(existing) => Ok(Recorded::AlreadyDecided(existing)),
                // Cannot happen without a concurrent delete, which nothing does.
                None => Err(StoreError::Database(sqlx::Error::RowNotFound)),
            };
        }
        sqlx::query(
            "INSERT INTO submissions (submission_id, content_hash, profile, manifest, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (submission_id, content_hash) DO NOTHING",
        )
        .bind(id)
        .bind(hash)
        .bind(sub.profile.as_str())
        .bind(manifest_json.as_str())
        .bind(at.as_str())
        .execute(&mut *tx)
        .await?;
        for doc in &sub.documents {
            let measured = d
                .measurements
                .documents
                .iter()
                .find(|m| m.document == doc.id);
            sqlx::query(
                "INSERT INTO documents (submission_id, content_hash, document_id, kind, uri, \
                 bytes, format) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(hash)
            .bind(doc.id.as_str())
            .bind(doc.kind.as_str())
            .bind(doc.uri.as_str())
            .bind(measured.map(|m| m.bytes as i64))
            .bind(
                measured
                    .and_then(|m| m.format)
                    .map(|f| f.as_str().to_string()),
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO measurements (submission_id, content_hash, measurements) \
             VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(hash)
        .bind(measurements_json.as_str())
        .execute(&mut *tx)
        .await?;
        for (doc, fields) in &d.report.extracted {
            for (field, value) in fields {
                sqlx::query(
                    "INSERT INTO extracted_fields (submission_id, content_hash, document_id, \
                     field, value, confidence) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(hash)
                .bind(doc.as_str())
                .bind(field.to_string())
                .bind(value.value.as_str())
                .bind(f64::from(value.confidence))
                .execute(&mut *tx)
                .await?;
            }
        }
        for (seq, f) in d.report.findings.iter().enumerate() {
            sqlx::query(
                "INSERT INTO findings (submission_id, content_hash, seq, rule, document_id, \
                 outcome, message, measured, threshold) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(hash)
            .bind(seq as i64)
            .bind(f.rule.as_str())
            .bind(f.document.clone())
            .bind(
                serde_json::to_value(f.outcome)?
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
            .bind(f.message.as_str())
            .bind(f.measured.map(|v| v.to_string()))
            .bind(f.threshold.map(|v| v.to_string()))
            .execute(&mut *tx)
            .await?;
        }
        insert_event(
            &mut *tx,
            id,
            hash,
            "decided",
            d.report.decision.as_str(),
            &at,
        )
        .await?;
        tx.commit().await?;
        Ok(Recorded::Fresh)
    }

    /// Notes that the result was published and confirmed by the broker, so a redelivery
    /// need not publish it again.
    pub async fn mark_published(
        &self,
        submission_id: &str,
        content_hash: &str,
    ) -> Result<(), StoreError> {
        let at = now();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE decisions SET published_at = $1 \
             WHERE submission_id = $2 AND content_hash = $3 AND published_at IS NULL",
        )
        .bind(at.as_str())
        .bind(submission_id)
        .bind(content_hash)
        .execute(&mut *tx)
        .await?;
        insert_event(&mut *tx, submission_id, content_hash, "published", "", &at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends to the event log.
    pub async fn event(
        &self,
        submission_id: &str,
        content_hash: &str,
        kind: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        insert_event(
            &self.pool,
            submission_id,
            content_hash,
            kind,
            detail,
            &now(),
        )
        .await
    }

    /// The event log of one submission, oldest first.
    pub async fn events(&self, submission_id: &str) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(
            "SELECT submission_id, content_hash, kind, detail, at FROM events \
             WHERE submission_id = $1 ORDER BY id",
        )
        .bind(submission_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Event {
                    submission_id: r.try_get(0)?,
                    content_hash: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    detail: r.try_get(3)?,
                    at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// How many decisions there are per outcome (`pass`, `review`, `fail`).
    pub async fn decisions_by_outcome(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows = sqlx::query("SELECT decision, COUNT(*) FROM decisions GROUP BY decision")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect()
    }

    /// Number of decisions stored per submission id (exactly one each is the invariant).
    pub async fn decision_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows =
            sqlx::query("SELECT submission_id, COUNT(*) FROM decisions GROUP BY submission_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect()
    }

    /// When each decision was stored (ISO 8601 UTC), oldest first; for throughput figures.
    pub async fn decision_times(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT decided_at FROM decisions ORDER BY decided_at")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Number of findings stored for a submission content.
    pub async fn finding_count(
        &self,
        submission_id: &str,
        content_hash: &str,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM findings WHERE submission_id = $1 AND content_hash = $2",
        )
        .bind(submission_id)
        .bind(content_hash)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The stored measurements (JSON) of a submission content, for replay.
    pub async fn measurements(
        &self,
        submission_id: &str,
        content_hash: &str,
    ) -> Result<Option<SubmissionMeasurements>, StoreError> {
        let row = sqlx::query(
            "SELECT measurements FROM measurements WHERE submission_id = $1 AND content_hash = $2",
        )
        .bind(submission_id)
        .bind(content_hash)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some(serde_json::from_str(&r.try_get::<String, _>(0)?)?)),
            None => Ok(None),
        }
    }
}

async fn insert_event<'e, E>(
    exec: E,
    submission_id: &str,
    content_hash: &str,
    kind: &str,
    detail: &str,
    at: &str,
) -> Result<(), StoreError>
where
    E: Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO events (submission_id, content_hash, kind, detail, at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(submission_id)
    .bind(content_hash)
    .bind(kind)
    .bind(detail)
    .bind(at)
    .execute(exec)
    .await?;
    Ok(())
}

fn decision_from_row(r: &AnyRow) -> Result<StoredDecision, StoreError> {
    Ok(StoredDecision {
        submission_id: r.try_get(0)?,
        content_hash: r.try_get(1)?,
        decision: r.try_get(2)?,
        config_version: r.try_get(3)?,
        report_json: r.try_get(4)?,
        published: r.try_get::<Option<String>, _>(5)?.is_some(),
    })
}
