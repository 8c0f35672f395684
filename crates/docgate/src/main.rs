//! The `docgate` binary: `check`, `config check`, `eval`, and the service: `worker`,
//! `enqueue`, `status`. Thin: parsing arguments, loading the config, calling the pipeline
//! or the worker library, printing, and mapping outcomes to exit codes.

mod check;
mod config_cmd;
mod enqueue;
mod eval_cmd;
mod exit;
mod service;
mod status;
mod worker_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Pre-review of Chinese enterprise onboarding documents.
#[derive(Debug, Parser)]
#[command(name = "docgate", version, about, long_about = None)]
struct Cli {
    /// Config file to use instead of the embedded default `pipeline.toml`.
    #[arg(long, global = true, env = "DOCGATE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Review submissions from their manifests; the manifest's folder is the storage root.
    Check(check::Args),
    /// Validate or show a config.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Score the pipeline against labelled fixtures (folders with submission.json + truth.json).
    Eval(eval_cmd::Args),
    /// Run a worker: consume submissions from RabbitMQ, store and publish results.
    Worker(worker_cmd::Args),
    /// Copy (or upload to an object store) submissions' files and publish them to the intake queue.
    Enqueue(enqueue::Args),
    /// Show queue depths, results by decision and dead letters.
    Status(status::Args),
}

fn main() -> ExitCode {
    limit_openmp();
    let cli = Cli::parse();
    // A worker is a service: its operators want to see what it does by default.
    let default_level = match cli.command {
        Command::Worker(_) => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOCGATE_LOG")
                .unwrap_or_else(|_| default_level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // Errors of the service commands are about the broker or the database, not inputs.
    let on_error = match cli.command {
        Command::Worker(_) | Command::Enqueue(_) | Command::Status(_) => exit::Exit::ServiceError,
        _ => exit::Exit::InputError,
    };
    let result = match cli.command {
        Command::Check(args) => check::run(cli.config.as_deref(), args),
        Command::Config(cmd) => config_cmd::run(cli.config.as_deref(), cmd),
        Command::Eval(args) => eval_cmd::run(cli.config.as_deref(), args),
        Command::Worker(args) => worker_cmd::run(cli.config.as_deref(), args),
        Command::Enqueue(args) => enqueue::run(args),
        Command::Status(args) => status::run(args),
    };
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("docgate: error: {e:#}");
            on_error.into()
        }
    }
}

/// Tesseract (OCR) uses OpenMP, which reads `OMP_THREAD_LIMIT` only when the process starts:
/// with several OCR workers, unlimited OpenMP threads oversubscribe the cores and run several
/// times slower. When it is absent, re-execute this binary with it set to 1 (first thing,
/// before any thread exists). If the re-exec fails, carry on: only speed is at stake.
fn limit_openmp() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    eprintln!("docgate: warning: could not re-run with OMP_THREAD_LIMIT=1: {err}");
}
