//! `docgate status`: queue depths, results by decision, dead letters.

use anyhow::Context;
use docgate_store::Store;
use docgate_worker::{topology, Names};
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;

use crate::exit::Exit;
use crate::service::{runtime, ServiceArgs};

/// Arguments of `docgate status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    /// How many delay queues the workers declare (their `--max-retries`): only those are
    /// probed, since probing a missing queue makes the broker close the channel (and the
    /// AMQP client log an error).
    #[arg(long, env = "DOCGATE_MAX_RETRIES", default_value_t = 8)]
    max_retries: u32,
}

/// Runs `docgate status`.
pub fn run(args: Args) -> anyhow::Result<Exit> {
    runtime()?.block_on(async move {
        let names = Names::new(&args.service.queue_prefix);
        let conn = docgate_worker::connect(&args.service.amqp_url, "docgate-status")
            .await
            .context("cannot connect to the broker")?;
        // Passive declares: they report depth without creating anything; a missing queue
        // closes the channel, so each probe gets its own.
        let (conn_ref, names_ref) = (&conn, &names);
        let depth = |queue: String| {
            let (conn, names) = (conn_ref, names_ref);
            async move {
                let ch = conn.create_channel().await.ok()?;
                let args = if queue == names.intake() {
                    topology::intake_arguments(names)
                } else {
                    FieldTable::default()
                };
                let q = ch
                    .queue_declare(
                        queue.as_str().into(),
                        QueueDeclareOptions {
                            passive: true,
                            ..QueueDeclareOptions::default()
                        },
                        args,
                    )
                    .await
                    .ok()?;
                let _ = ch.close(200, "".into()).await;
                Some((q.message_count(), q.consumer_count()))
            }
        };
        match depth(names.intake()).await {
            Some((n, c)) => println!("{:<24}{n} waiting, {c} workers consuming", names.intake()),
            None => println!("{:<24}not declared yet", names.intake()),
        }
        let mut waiting = 0;
        let mut levels = 0;
        while levels < args.max_retries {
            let Some((n, _)) = depth(names.retry_queue(levels)).await else {
                break;
            };
            waiting += n;
            levels += 1;
        }
        println!(
            "{:<24}{waiting} waiting in {levels} delay queues",
            names.retry_exchange()
        );
        match depth(names.dead()).await {
            Some((n, _)) => println!("{:<24}{n} dead letters", names.dead()),
            None => println!("{:<24}not declared yet", names.dead()),
        }
        let _ = conn.close(200, "done".into()).await;
        let store = Store::connect_without_migrating(&args.service.database_url, 1)
            .await
            .context("cannot open the database")?;
        match store.decisions_by_outcome().await {
            Ok(by) => {
                let total: i64 = by.values().sum();
                let parts: Vec<String> = by.iter().map(|(k, v)| format!("{k} {v}")).collect();
                println!("{:<24}{total} decided: {}", "results", parts.join(", "));
            }
            Err(e) => println!("{:<24}unavailable: {e}", "results"),
        }
        store.close().await;
        Ok(Exit::Ok)
    })
}
