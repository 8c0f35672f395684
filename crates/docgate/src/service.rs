//! Settings shared by the service subcommands (`worker`, `enqueue`, `status`): where the
//! broker, the database and the uploads are, and which queue prefix to use.

use anyhow::Context;
use docgate_worker::Uploads;

/// The default broker: a local RabbitMQ with its default guest account.
pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Where the service finds its broker, database and uploads.
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceArgs {
    /// RabbitMQ URL.
    #[arg(long, env = "DOCGATE_AMQP_URL", default_value = DEFAULT_AMQP_URL, hide_env_values = true)]
    pub amqp_url: String,
    /// Results database: sqlite://FILE (default) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://docgate.db",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Where uploads live: a folder (document uris resolve under it, never outside), or
    /// s3://BUCKET[/PREFIX] on an S3-compatible store, whose endpoint, region and
    /// credentials come from the standard AWS_* variables.
    #[arg(
        long,
        env = "DOCGATE_STORAGE_ROOT",
        default_value = "storage",
        value_name = "DIR|s3://BUCKET/PREFIX"
    )]
    pub storage_root: String,
    /// Prefix of every queue and exchange (`<prefix>.intake`, `.retry`, `.dead`, `.results`).
    #[arg(long, env = "DOCGATE_QUEUE_PREFIX", default_value = "docgate")]
    pub queue_prefix: String,
}

impl ServiceArgs {
    /// The uploads `--storage-root` names.
    pub fn uploads(&self) -> anyhow::Result<Uploads> {
        Uploads::parse(&self.storage_root).context("--storage-root")
    }
}

/// A single-purpose tokio runtime: two threads are plenty for I/O, CPU work runs on the
/// blocking pool and rayon.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
