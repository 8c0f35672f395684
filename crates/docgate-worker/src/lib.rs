//! docgate-worker: the service. Consumes submissions from RabbitMQ, checks them with
//! [`docgate_pipeline::check`] on a bounded blocking pool, stores the result, publishes it
//! with a publisher confirm, and only then acknowledges the message.
//!
//! Guarantees, and how they are kept:
//!
//! - **Nothing lost.** A message is acked only after its result is committed to the store
//!   *and* confirmed by the broker on the results exchange (or after it was handed, with a
//!   confirm, to a retry or dead-letter queue). A worker killed at any point leaves the
//!   message unacked, and the broker redelivers it.
//! - **Decided once.** The store keys decisions by `(submission_id, content_hash)` and
//!   inserts with `ON CONFLICT DO NOTHING` ([`docgate_store::Store::record`]). A redelivered
//!   message whose decision exists is not checked again: its stored result is republished
//!   unless the broker already confirmed it, then it is acked. Publishing is therefore
//!   at-least-once (a kill between the confirm and the store's `published` mark republishes
//!   the same result); consumers of `docgate.results` dedupe by `submission_id`.
//! - **Transient failures retry, bounded.** A store error, or an object store that cannot
//!   be reached (see [`objects`]), sends the message to a retry queue with a growing delay
//!   (see [`topology`]); after `max_retries` it is dead-lettered.
//! - **Poison goes to the dead-letter queue** with the reason in headers: over-size bodies
//!   (checked before parsing), invalid JSON or schema, unknown profile.
//! - **Graceful shutdown.** On the shutdown signal the worker stops taking messages,
//!   finishes those in flight, and closes the connection (unstarted prefetched messages
//!   return to the queue).
//! - **Reconnection.** If the broker connection drops, the consumer loop ends, in-flight
//!   work finishes (its acks fail harmlessly; redelivery is idempotent), and a fresh
//!   connection is made with backoff, topology re-declared. We use our own loop instead of
//!   lapin's `enable_auto_recover()` so that every step (re-declare, re-qos, re-consume)
//!   is explicit and tested by the broker-restart test, and so that deliveries from a dead
//!   channel are never acked on a recovered one.

pub mod folders;
pub mod metrics;
pub mod objects;
pub mod topology;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use docgate_config::Config;
use docgate_core::Submission;
use docgate_ingest::Storage;
use docgate_pipeline::PipelineError;
use docgate_store::{NewDecision, Recorded, Store, StoreError};
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

pub use metrics::Metrics;
pub use objects::Uploads;
pub use topology::Names;

/// Intake bodies larger than this are dead-lettered before they are parsed.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a worker needs to know.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// `amqp://…` URL of the broker.
    pub amqp_url: String,
    /// Queue and exchange prefix (`docgate`).
    pub prefix: String,
    /// Where uploads live: a folder (document uris resolve under it, never outside), or an
    /// object store, fetched from into a private scratch folder per message.
    pub uploads: Uploads,
    /// Messages the broker may hand over before they are acked (≥ `concurrency`).
    pub prefetch: u16,
    /// Submissions checked at once (the blocking pool's bound).
    pub concurrency: usize,
    /// Retries before a transiently failing message is dead-lettered.
    pub max_retries: u32,
    /// The first retry delay; each next one doubles (capped at a minute).
    pub retry_base: Duration,
    /// Bodies over this many bytes are dead-lettered unparsed.
    pub max_body_bytes: usize,
    /// Judge dates as of this day (reproducible runs); today when `None`.
    pub as_of: Option<NaiveDate>,
}

/// Why the worker stopped other than by the shutdown signal.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// A broker operation failed.
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    /// The broker ended the consumer (connection or channel closed, queue deleted).
    #[error("the broker ended the consumer")]
    ConsumerEnded,
    /// The broker refused a publish (nack).
    #[error("broker refused the publish (nack)")]
    Nack,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Connects to the broker with docgate's connection name.
pub async fn connect(url: &str, name: &str) -> lapin::Result<Connection> {
    Connection::connect(
        url,
        ConnectionProperties::default().with_connection_name(LongString::from(name)),
    )
    .await
}

/// Opens a channel in confirm mode.
pub async fn confirm_channel(conn: &Connection) -> lapin::Result<Channel> {
    let ch = conn.create_channel().await?;
    ch.confirm_select(ConfirmSelectOptions::default()).await?;
    Ok(ch)
}

/// Publishes a persistent message and waits for the broker's confirm.
pub async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    headers: FieldTable,
    message_id: Option<&str>,
) -> Result<(), WorkerError> {
    let mut props = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type(ShortString::from("application/json"))
        .with_headers(headers);
    if let Some(id) = message_id {
        props = props.with_message_id(ShortString::from(id));
    }
    let confirm = channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await?
        .await?;
    match confirm {
        Confirmation::Ack(_) => Ok(()),
        // Confirm mode is always on for our channels; treat anything else as a refusal.
        Confirmation::Nack(_) | Confirmation::NotRequested => Err(WorkerError::Nack),
    }
}

/// `sha256:<hex>` of a message body: with the submission id, the idempotency key.
pub fn content_hash(body: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(body)))
}

/// What happened to one message; for logs, metrics and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Decided now, stored, published.
    Decided(String),
    /// Already decided earlier; republished if needed; no new decision.
    AlreadyDecided,
    /// Sent to a retry queue.
    Retried(u32),
    /// Sent to the dead-letter queue, with the reason code.
    Dead(&'static str),
}

/// Shared state of one worker process.
#[derive(Debug)]
pub struct Worker {
    cfg: WorkerConfig,
    config: Arc<Config>,
    store: Store,
    names: Names,
    metrics: Arc<Metrics>,
    cpu: Arc<Semaphore>,
    broker_up: Arc<AtomicBool>,
}

enum Failure {
    Transient(String),
    Poison(&'static str, String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Transient(e.to_string())
    }
}

impl From<WorkerError> for Failure {
    fn from(e: WorkerError) -> Self {
        Failure::Transient(e.to_string())
    }
}

impl Worker {
    /// A worker over an open store.
    pub fn new(
        cfg: WorkerConfig,
        config: Arc<Config>,
        store: Store,
        metrics: Arc<Metrics>,
    ) -> Worker {
        let names = Names::new(&cfg.prefix);
        let cpu = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
        Worker {
            cfg,
            config,
            store,
            names,
            metrics,
            cpu,
            broker_up: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The flag `/healthz` reads: whether a broker connection is live.
    pub fn broker_up(&self) -> Arc<AtomicBool> {
        self.broker_up.clone()
    }

    /// Runs until `shutdown` turns true: connect, consume, and on a lost connection,
    /// reconnect with backoff.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(200);
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.clone().serve_connection(shutdown.clone()).await {
                Ok(()) => break,
                Err(e) => {
                    self.broker_up.store(false, Ordering::Relaxed);
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "broker connection lost; reconnecting");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
        self.broker_up.store(false, Ordering::Relaxed);
        tracing::info!("worker stopped");
    }

    /// One connection's life. `Ok` when stopped by the shutdown signal, `Err` when the
    /// connection failed.
    async fn serve_connection(
        self: Arc<Self>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), WorkerError> {
        let conn = connect(&self.cfg.amqp_url, "docgate-worker").await?;
        let consume_ch = conn.create_channel().await?;
        let publish_ch = Arc::new(confirm_channel(&conn).await?);
        topology::declare(
            &consume_ch,
            &self.names,
            self.cfg.max_retries,
            self.cfg.retry_base,
        )
        .await?;
        consume_ch
            .basic_qos(self.cfg.prefetch.max(1), BasicQosOptions::default())
            .await?;
        let mut consumer = consume_ch
            .basic_consume(
                self.names.intake().as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let tag = consumer.tag();
        self.metrics.connections.inc();
        self.broker_up.store(true, Ordering::Relaxed);
        tracing::info!(queue = %self.names.intake(), prefetch = self.cfg.prefetch, concurrency = self.cfg.concurrency, "consuming");

        let mut tasks = JoinSet::new();
        let result = loop {
            // Reap finished tasks so the set does not grow without bound.
            while tasks.try_join_next().is_some() {}
            let permit = tokio::select! {
                _ = shutdown.changed() => break Ok(()),
                p = self.cpu.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break Ok(()),
                },
            };
            let next = tokio::select! {
                _ = shutdown.changed() => break Ok(()),
                d = consumer.next() => d,
            };
            match next {
                Some(Ok(delivery)) => {
                    let me = self.clone();
                    let ch = publish_ch.clone();
                    tasks.spawn(async move {
                        let _permit = permit;
                        me.handle(delivery, &ch).await;
                    });
                }
                Some(Err(e)) => break Err(WorkerError::Broker(e)),
                None => break Err(WorkerError::ConsumerEnded),
            }
        };
        if result.is_ok() {
            tracing::info!(
                in_flight = tasks.len(),
                "shutting down: no new messages; finishing those in flight"
            );
            // Stop deliveries first so nothing new arrives while in-flight work finishes.
            let _ = consume_ch
                .basic_cancel(tag, BasicCancelOptions::default())
                .await;
        }
        while tasks.join_next().await.is_some() {}
        // Closing returns unacked prefetched messages to the queue.
        let _ = conn.close(200, "docgate worker stopping".into()).await;
        result
    }

    /// Handles one delivery end to end; acks only when the outcome is durable elsewhere.
    pub async fn handle(&self, delivery: Delivery, publish_ch: &Channel) {
        self.metrics.in_flight.inc();
        let started = Instant::now();
        let outcome = self.decide(&delivery, publish_ch).await;
        let ack = match &outcome {
            Ok(_) => true,
            Err(Failure::Poison(reason, detail)) => {
                self.dead_letter(&delivery, publish_ch, reason, detail)
                    .await
            }
            Err(Failure::Transient(detail)) => self.retry(&delivery, publish_ch, detail).await,
        };
        if ack {
            if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
                // The channel died; the broker will redeliver, and redelivery is idempotent.
                tracing::warn!(error = %e, "ack failed; message will be redelivered");
            } else {
                self.metrics.processed.inc();
            }
        }
        self.metrics.stage("message", started.elapsed());
        self.metrics.in_flight.dec();
    }

    async fn decide(&self, delivery: &Delivery, ch: &Channel) -> Result<Handled, Failure> {
        let body = &delivery.data;
        // Caps before allocation: the body is already in memory (the broker's frame limit
        // bounds it), but nothing is parsed or copied from an over-size one.
        if body.len() > self.cfg.max_body_bytes {
            return Err(Failure::Poison(
                "too_large",
                format!(
                    "body is {} bytes; at most {} are accepted",
                    body.len(),
                    self.cfg.max_body_bytes
                ),
            ));
        }
        let sub = Submission::from_json(body)
            .map_err(|e| Failure::Poison("invalid_submission", e.to_string()))?;
        let hash = content_hash(body);
        let id = sub.submission_id.as_str();

        if let Some(done) = self.store.lookup(id, &hash).await? {
            self.metrics.duplicates.inc();
            if !done.published {
                self.publish_result(ch, id, &done.decision, done.report_json.as_bytes())
                    .await?;
                self.store.mark_published(id, &hash).await?;
            }
            let _ = self
                .store
                .event(id, &hash, "redelivered", "already decided")
                .await;
            tracing::info!(submission = %id, "redelivered message already decided; no new decision");
            return Ok(Handled::AlreadyDecided);
        }

        if self.config.profile(&sub.profile).is_none() {
            return Err(Failure::Poison(
                "unknown_profile",
                format!("unknown profile {:?}", sub.profile),
            ));
        }
        let as_of = self
            .cfg
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        // Object-store uploads are fetched into a scratch folder that lives until the check
        // is done. A store that cannot be reached is transient, like a database outage: the
        // message is retried later, never decided on files we could not see.
        // Another submission's folder is inside the shared root too: such a uri is a
        // finding on its document, never read (nor fetched).
        let outside = folders::outside_folder(&sub);
        if !outside.is_empty() {
            tracing::warn!(submission = %id, documents = outside.len(), "uris outside the submission's folder; not read");
        }
        let (storage, scratch) = match &self.cfg.uploads {
            Uploads::Local(root) => (Storage::new(root), None),
            Uploads::Objects(objects) => {
                let t = Instant::now();
                let limits = docgate_pipeline::ingest_limits(&self.config);
                let mut own = sub.clone();
                own.documents
                    .retain(|d| !outside.iter().any(|(uri, _)| *uri == d.uri));
                let fetched = objects
                    .fetch(&own, &limits)
                    .await
                    .map_err(|e| Failure::Transient(e.to_string()))?;
                self.metrics.stage("fetch", t.elapsed());
                let s = fetched.stats;
                tracing::debug!(submission = %id, objects = s.objects, bytes = s.bytes, too_large = s.too_large, missing = s.missing, "fetched");
                (fetched.storage().clone(), Some(fetched))
            }
        };
        let storage = outside.into_iter().fold(storage, |s, (uri, problem)| {
            s.with_known_problem(&uri, problem)
        });
        let (config, sub2) = (self.config.clone(), sub.clone());
        // CPU-bound: off the async threads. The caller holds a permit of `self.cpu`, so at
        // most `concurrency` of these run at once.
        let checked = tokio::task::spawn_blocking(move || {
            docgate_pipeline::check(&sub2, &storage, &config, as_of)
        })
        .await
        .map_err(|e| Failure::Transient(format!("check task failed: {e}")))?
        .map_err(|e| match e {
            PipelineError::Judge(e) => Failure::Poison("unknown_profile", e.to_string()),
            other => Failure::Poison("invalid_submission", other.to_string()),
        })?;
        drop(scratch);
        for (stage, d) in &checked.timings.stages {
            self.metrics.stage(stage, *d);
        }

        let t = Instant::now();
        let recorded = self
            .store
            .record(NewDecision {
                content_hash: &hash,
                submission: &sub,
                report: &checked.report,
                measurements: &checked.measurements,
            })
            .await?;
        self.metrics.stage("store", t.elapsed());
        let t = Instant::now();
        let handled = match recorded {
            Recorded::Fresh => {
                let decision = checked.report.decision.as_str();
                let json = serde_json::to_vec(&checked.report)
                    .map_err(|e| Failure::Transient(e.to_string()))?;
                self.publish_result(ch, id, decision, &json).await?;
                self.metrics.decisions.with_label_values(&[decision]).inc();
                tracing::info!(submission = %id, decision, findings = checked.report.findings.len(), "decided");
                Handled::Decided(decision.to_string())
            }
            // Another worker won the race on a redelivered copy: publish what it stored.
            Recorded::AlreadyDecided(done) => {
                self.metrics.duplicates.inc();
                self.publish_result(ch, id, &done.decision, done.report_json.as_bytes())
                    .await?;
                Handled::AlreadyDecided
            }
        };
        self.store.mark_published(id, &hash).await?;
        self.metrics.stage("publish", t.elapsed());
        Ok(handled)
    }

    async fn publish_result(
        &self,
        ch: &Channel,
        id: &str,
        decision: &str,
        json: &[u8],
    ) -> Result<(), WorkerError> {
        publish_confirmed(
            ch,
            &self.names.results(),
            decision,
            json,
            FieldTable::default(),
            Some(id),
        )
        .await
    }

    /// Sends the message to the next retry queue, or to the dead-letter queue when retries
    /// are used up. Returns whether the original may be acked.
    async fn retry(&self, delivery: &Delivery, ch: &Channel, detail: &str) -> bool {
        let headers = delivery.properties.headers().as_ref();
        let attempt = topology::header_int(headers, topology::ATTEMPT_HEADER)
            .unwrap_or(0)
            .max(0) as u32;
        if attempt >= self.cfg.max_retries {
            return self
                .dead_letter(
                    delivery,
                    ch,
                    "retries_exhausted",
                    &format!("{attempt} retries; last error: {detail}"),
                )
                .await;
        }
        let mut h = headers.cloned().unwrap_or_default();
        h.insert(
            topology::ATTEMPT_HEADER.into(),
            AMQPValue::LongLongInt(i64::from(attempt + 1)),
        );
        let delay = topology::retry_delay(self.cfg.retry_base, attempt);
        match publish_confirmed(
            ch,
            &self.names.retry_exchange(),
            &attempt.to_string(),
            &delivery.data,
            h,
            None,
        )
        .await
        {
            Ok(()) => {
                self.metrics.retries.inc();
                tracing::warn!(attempt = attempt + 1, delay_ms = delay.as_millis() as u64, error = %detail, "transient failure; retrying later");
                true
            }
            Err(e) => {
                // Not acked: the broker redelivers it when this channel or connection ends.
                tracing::warn!(error = %e, "could not schedule a retry; leaving the message unacked");
                false
            }
        }
    }

    /// Publishes the message to the dead-letter queue with the reason in headers.
    /// Returns whether the original may be acked.
    async fn dead_letter(
        &self,
        delivery: &Delivery,
        ch: &Channel,
        reason: &'static str,
        detail: &str,
    ) -> bool {
        let mut h = delivery.properties.headers().clone().unwrap_or_default();
        h.insert(
            topology::REASON_HEADER.into(),
            AMQPValue::LongString(LongString::from(reason)),
        );
        // Error texts can quote input; keep them short. The dead-letter queue holds the
        // whole body anyway, under the same access rules as intake.
        let detail: String = detail.chars().take(500).collect();
        h.insert(
            topology::ERROR_HEADER.into(),
            AMQPValue::LongString(LongString::from(detail.as_str())),
        );
        match publish_confirmed(ch, &self.names.dead(), "", &delivery.data, h, None).await {
            Ok(()) => {
                self.metrics.dead_letters.with_label_values(&[reason]).inc();
                // Only the reason code is logged: the detail may quote personal data.
                tracing::warn!(reason, bytes = delivery.data.len(), "dead-lettered");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not dead-letter; leaving the message unacked");
                false
            }
        }
    }
}
