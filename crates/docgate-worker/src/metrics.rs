//! Prometheus metrics and the operations HTTP server: `/metrics` (text format) and
//! `/healthz` (broker connected and database answering → 200, else 503).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use docgate_store::Store;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// Every metric the worker exports.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    /// Messages taken from intake and finished (decided, republished, retried or dead).
    pub processed: IntCounter,
    /// New decisions by outcome.
    pub decisions: IntCounterVec,
    /// Seconds per stage (`ingest`, `judge`, `total` from the pipeline; `store`, `publish`).
    pub stage_seconds: HistogramVec,
    /// Messages sent to a retry queue.
    pub retries: IntCounter,
    /// Messages sent to the dead-letter queue, by reason.
    pub dead_letters: IntCounterVec,
    /// Redelivered messages that had already been decided (no second decision made).
    pub duplicates: IntCounter,
    /// Messages being processed now.
    pub in_flight: IntGauge,
    /// Broker connections made (1 + reconnects).
    pub connections: IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        // Registration fails only on duplicate names, which the code below cannot produce;
        // a failure would only mean the metric is not exported, never a crash.
        fn reg<T: prometheus::core::Collector + Clone + 'static>(r: &Registry, m: T) -> T {
            let _ = r.register(Box::new(m.clone()));
            m
        }
        let counter = |name: &str, help: &str| {
            reg(
                &registry,
                IntCounter::new(name, help).unwrap_or_else(|_| unreachable_metric()),
            )
        };
        let processed = counter(
            "docgate_processed_total",
            "Intake messages finished (decided, republished, retried or dead-lettered).",
        );
        let retries = counter(
            "docgate_retries_total",
            "Messages sent to a retry queue after a transient failure.",
        );
        let duplicates = counter(
            "docgate_redelivered_already_decided_total",
            "Redelivered messages that were already decided: no second decision was made.",
        );
        let connections = counter(
            "docgate_broker_connections_total",
            "Broker connections opened (the first one plus reconnects).",
        );
        let decisions = reg(
            &registry,
            IntCounterVec::new(
                Opts::new("docgate_decisions_total", "New decisions by outcome."),
                &["outcome"],
            )
            .unwrap_or_else(|_| unreachable_metric()),
        );
        let dead_letters = reg(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "docgate_dead_letters_total",
                    "Messages sent to the dead-letter queue, by reason.",
                ),
                &["reason"],
            )
            .unwrap_or_else(|_| unreachable_metric()),
        );
        let stage_seconds = reg(
            &registry,
            HistogramVec::new(
                HistogramOpts::new("docgate_stage_seconds", "Seconds spent per stage.").buckets(
                    vec![
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        5.0, 10.0,
                    ],
                ),
                &["stage"],
            )
            .unwrap_or_else(|_| unreachable_metric()),
        );
        let in_flight = reg(
            &registry,
            IntGauge::new("docgate_in_flight", "Messages being processed now.")
                .unwrap_or_else(|_| unreachable_metric()),
        );
        Metrics {
            registry,
            processed,
            decisions,
            stage_seconds,
            retries,
            dead_letters,
            duplicates,
            in_flight,
            connections,
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }

    /// Records one stage's duration.
    pub fn stage(&self, stage: &str, d: Duration) {
        self.stage_seconds
            .with_label_values(&[stage])
            .observe(d.as_secs_f64());
    }
}

fn unreachable_metric<T>() -> T {
    // Metric names and labels above are constants that prometheus accepts; reaching this
    // is a programming error caught by the unit test below on every build.
    panic!("invalid metric definition")
}

/// What `/healthz` checks.
#[derive(Debug, Clone)]
pub struct Health {
    /// Whether the worker holds a live broker connection.
    pub broker_up: Arc<AtomicBool>,
    /// The results database.
    pub store: Store,
}

#[derive(Clone)]
struct AppState {
    metrics: Arc<Metrics>,
    health: Health,
}

/// Serves `/metrics` and `/healthz` on `addr` until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    health: Health,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(health_handler))
        .with_state(AppState { metrics, health });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "metrics and health server listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics_handler(State(s): State<AppState>) -> String {
    s.metrics.render()
}

async fn health_handler(State(s): State<AppState>) -> (StatusCode, String) {
    let broker = s.health.broker_up.load(Ordering::Relaxed);
    let database = matches!(
        tokio::time::timeout(Duration::from_secs(2), s.health.store.ping()).await,
        Ok(Ok(()))
    );
    let code = if broker && database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        format!("{{\"broker\":{broker},\"database\":{database}}}\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_exported_with_its_name() {
        let m = Metrics::new();
        m.processed.inc();
        m.decisions.with_label_values(&["fail"]).inc();
        m.dead_letters.with_label_values(&["schema"]).inc();
        m.stage("ingest", Duration::from_millis(3));
        let text = m.render();
        for name in [
            "docgate_processed_total 1",
            "docgate_decisions_total{outcome=\"fail\"} 1",
            "docgate_dead_letters_total{reason=\"schema\"} 1",
            "docgate_stage_seconds_bucket{stage=\"ingest\",le=\"0.005\"} 1",
            "docgate_retries_total 0",
            "docgate_in_flight 0",
        ] {
            assert!(text.contains(name), "missing {name} in\n{text}");
        }
    }
}
