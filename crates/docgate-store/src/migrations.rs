//! Schema migrations for both backends. Each migration is a list of statements per backend;
//! they differ only where the SQL dialects do (auto-increment ids). Applied versions are
//! recorded in `schema_migrations`; a migration runs in one transaction, so a crash leaves
//! either all of it or none.
//!
//! Several workers may start at once against one database: on PostgreSQL an advisory lock
//! serialises them; on SQLite the file's write lock does, and every statement is
//! `IF NOT EXISTS` anyway.

use sqlx::{AnyPool, Row};

use crate::{Backend, StoreError};

/// One schema change.
#[derive(Debug)]
pub struct Migration {
    /// Monotonic version number.
    pub version: i64,
    /// What it does.
    pub name: &'static str,
    /// Statements for SQLite.
    pub sqlite: &'static [&'static str],
    /// Statements for PostgreSQL.
    pub postgres: &'static [&'static str],
}

/// Tables shared by both dialects, written in the common subset: TEXT for text, JSON and
/// ISO dates; BIGINT and DOUBLE PRECISION (SQLite maps them to INTEGER and REAL).
/// Nullable numbers are TEXT: through the `Any` driver a NULL float binds with a type
/// PostgreSQL then caches for the prepared statement, and a later real float is refused
/// ("incorrect binary data format"); text NULLs and text values share one type.
const COMMON_V1: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS submissions (
        submission_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        profile TEXT NOT NULL,
        manifest TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (submission_id, content_hash))",
    "CREATE TABLE IF NOT EXISTS documents (
        submission_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        document_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        uri TEXT NOT NULL,
        bytes BIGINT,
        format TEXT,
        PRIMARY KEY (submission_id, content_hash, document_id))",
    "CREATE TABLE IF NOT EXISTS measurements (
        submission_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        measurements TEXT NOT NULL,
        PRIMARY KEY (submission_id, content_hash))",
    "CREATE TABLE IF NOT EXISTS extracted_fields (
        submission_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        document_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        confidence DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (submission_id, content_hash, document_id, field))",
    "CREATE TABLE IF NOT EXISTS findings (
        submission_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        seq BIGINT NOT NULL,
        rule TEXT NOT NULL,
        document_id TEXT,
        outcome TEXT NOT NULL,
        message TEXT NOT NULL,
        measured TEXT,
        threshold TEXT,
        PRIMARY KEY (submission_id, content_hash, seq))",
    "CREATE INDEX IF NOT EXISTS findings_rule ON findings (rule, outcome)",
    // One decision per (submission, content): the idempotency key.
    "CREATE TABLE IF NOT EXISTS decisions (
        submission_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        decision TEXT NOT NULL,
        config_version TEXT NOT NULL,
        as_of TEXT NOT NULL,
        report TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        published_at TEXT,
        PRIMARY KEY (submission_id, content_hash))",
    "CREATE INDEX IF NOT EXISTS decisions_decision ON decisions (decision)",
];

const SQLITE_V1_EVENTS: &str = "CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    at TEXT NOT NULL)";

const POSTGRES_V1_EVENTS: &str = "CREATE TABLE IF NOT EXISTS events (
    id BIGSERIAL PRIMARY KEY,
    submission_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    at TEXT NOT NULL)";

const EVENTS_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS events_submission ON events (submission_id, id)";

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "submissions, documents, measurements, fields, findings, decisions, events",
    sqlite: &[
        COMMON_V1[0],
        COMMON_V1[1],
        COMMON_V1[2],
        COMMON_V1[3],
        COMMON_V1[4],
        COMMON_V1[5],
        COMMON_V1[6],
        COMMON_V1[7],
        SQLITE_V1_EVENTS,
        EVENTS_INDEX,
    ],
    postgres: &[
        COMMON_V1[0],
        COMMON_V1[1],
        COMMON_V1[2],
        COMMON_V1[3],
        COMMON_V1[4],
        COMMON_V1[5],
        COMMON_V1[6],
        COMMON_V1[7],
        POSTGRES_V1_EVENTS,
        EVENTS_INDEX,
    ],
}];

/// An arbitrary constant naming docgate's migration lock among PostgreSQL advisory locks.
const PG_MIGRATION_LOCK: i64 = 0x0064_6f63_6761_7465;

/// Applies every migration not yet recorded. Returns the versions it applied.
pub async fn run(pool: &AnyPool, backend: Backend) -> Result<Vec<i64>, StoreError> {
    let mut applied = Vec::new();
    let mut tx = pool.begin().await?;
    if backend == Backend::Postgres {
        // Held until commit: concurrent workers wait here instead of racing on DDL.
        // In FROM, so the row has an int column: the Any driver cannot decode `void`.
        sqlx::query("SELECT 1 AS locked FROM pg_advisory_xact_lock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let done: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for m in MIGRATIONS {
        if done.contains(&m.version) {
            continue;
        }
        let statements = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        for s in statements {
            sqlx::query(s).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3) \
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        applied.push(m.version);
    }
    tx.commit().await?;
    Ok(applied)
}
