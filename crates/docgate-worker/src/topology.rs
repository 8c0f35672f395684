//! The RabbitMQ topology, declared identically by every worker and by `docgate enqueue`:
//!
//! ```text
//! P.intake   quorum queue, durable; broker-side drops dead-letter to P.dead
//! P.retry    direct exchange; routing key N → queue P.retry.N, whose TTL is the N-th delay
//!            and whose dead-letter target is the default exchange → P.intake
//! P.dead     fanout exchange → queue P.dead (poison messages, reason in headers)
//! P.results  topic exchange; routing key = decision (pass / review / fail)
//! ```
//!
//! `P` is the queue prefix (`docgate` unless `DOCGATE_QUEUE_PREFIX` says otherwise, which
//! tests use to stay apart). One queue per retry level, instead of one queue with
//! per-message TTLs, because RabbitMQ only expires messages at the head of a queue: a long
//! delay would hold back every shorter one queued behind it.

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

/// Header carrying how many times a message has been retried.
pub const ATTEMPT_HEADER: &str = "x-docgate-attempt";
/// Header on a dead letter: a short, stable reason code.
pub const REASON_HEADER: &str = "x-docgate-reason";
/// Header on a dead letter: the error in words.
pub const ERROR_HEADER: &str = "x-docgate-error";

/// The names of every queue and exchange under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    prefix: String,
}

impl Names {
    /// Names under `prefix` (`docgate` in production).
    pub fn new(prefix: &str) -> Names {
        Names {
            prefix: prefix.to_string(),
        }
    }

    /// The intake queue.
    pub fn intake(&self) -> String {
        format!("{}.intake", self.prefix)
    }

    /// The retry exchange.
    pub fn retry_exchange(&self) -> String {
        format!("{}.retry", self.prefix)
    }

    /// The delay queue of retry `level` (0-based).
    pub fn retry_queue(&self, level: u32) -> String {
        format!("{}.retry.{level}", self.prefix)
    }

    /// The dead-letter exchange and queue (same name).
    pub fn dead(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    /// The results exchange.
    pub fn results(&self) -> String {
        format!("{}.results", self.prefix)
    }
}

/// The delay before retry `level` (0-based): `base · 2^level`, at most a minute.
pub fn retry_delay(base: Duration, level: u32) -> Duration {
    let factor = 1u32.checked_shl(level.min(16)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(Duration::from_secs(60))
}

fn s(x: &str) -> ShortString {
    x.into()
}

fn durable() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

/// The intake queue's arguments (a passive or repeated declare must use the same).
pub fn intake_arguments(names: &Names) -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        s("x-queue-type"),
        AMQPValue::LongString(LongString::from("quorum")),
    );
    args.insert(
        s("x-dead-letter-exchange"),
        AMQPValue::LongString(LongString::from(names.dead())),
    );
    args
}

/// Declares the whole topology (idempotent). `retry_levels` delay queues are declared.
pub async fn declare(
    channel: &Channel,
    names: &Names,
    retry_levels: u32,
    retry_base: Duration,
) -> lapin::Result<()> {
    let exchange = |name: String, kind: ExchangeKind| async move {
        channel
            .exchange_declare(
                name.as_str().into(),
                kind,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
    };
    declare_intake(channel, names).await?;
    exchange(names.retry_exchange(), ExchangeKind::Direct).await?;
    exchange(names.results(), ExchangeKind::Topic).await?;
    for level in 0..retry_levels {
        let mut args = FieldTable::default();
        let ttl = retry_delay(retry_base, level)
            .as_millis()
            .min(i64::MAX as u128) as i64;
        args.insert(s("x-message-ttl"), AMQPValue::LongLongInt(ttl));
        // Expired messages go back to intake through the default exchange.
        args.insert(
            s("x-dead-letter-exchange"),
            AMQPValue::LongString(LongString::from("")),
        );
        args.insert(
            s("x-dead-letter-routing-key"),
            AMQPValue::LongString(LongString::from(names.intake())),
        );
        let q = names.retry_queue(level);
        channel.queue_declare(s(&q), durable(), args).await?;
        channel
            .queue_bind(
                s(&q),
                s(&names.retry_exchange()),
                s(&level.to_string()),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(())
}

/// Declares what a producer needs: the dead-letter exchange and queue and the intake queue
/// (not the retry queues, whose TTLs are the workers' setting).
pub async fn declare_intake(channel: &Channel, names: &Names) -> lapin::Result<()> {
    channel
        .exchange_declare(
            names.dead().as_str().into(),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(s(&names.dead()), durable(), FieldTable::default())
        .await?;
    channel
        .queue_bind(
            s(&names.dead()),
            s(&names.dead()),
            s(""),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(s(&names.intake()), durable(), intake_arguments(names))
        .await?;
    Ok(())
}

/// A header's value as text, if present.
pub fn header_text(headers: Option<&FieldTable>, key: &str) -> Option<String> {
    match headers?.inner().get(key)? {
        AMQPValue::LongString(v) => Some(String::from_utf8_lossy(v.as_bytes()).into_owned()),
        AMQPValue::ShortString(v) => Some(v.as_str().to_string()),
        _ => None,
    }
}

/// A header's value as an integer, if present.
pub fn header_int(headers: Option<&FieldTable>, key: &str) -> Option<i64> {
    match headers?.inner().get(key)? {
        AMQPValue::LongLongInt(v) => Some(*v),
        AMQPValue::LongInt(v) => Some(i64::from(*v)),
        AMQPValue::LongUInt(v) => Some(i64::from(*v)),
        AMQPValue::ShortInt(v) => Some(i64::from(*v)),
        AMQPValue::ShortUInt(v) => Some(i64::from(*v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let b = Duration::from_millis(500);
        assert_eq!(retry_delay(b, 0), Duration::from_millis(500));
        assert_eq!(retry_delay(b, 1), Duration::from_secs(1));
        assert_eq!(retry_delay(b, 3), Duration::from_secs(4));
        assert_eq!(retry_delay(b, 40), Duration::from_secs(60));
    }

    #[test]
    fn names_share_the_prefix() {
        let n = Names::new("t1");
        assert_eq!(n.intake(), "t1.intake");
        assert_eq!(n.retry_queue(2), "t1.retry.2");
        assert_eq!(n.dead(), "t1.dead");
        assert_eq!(n.results(), "t1.results");
    }
}
