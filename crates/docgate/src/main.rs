//! The `docgate` binary: `check`, `config check`, `eval`. Thin: parsing arguments, loading
//! the config, calling the pipeline, printing, and mapping outcomes to exit codes.

mod check;
mod config_cmd;
mod eval_cmd;
mod exit;

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
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOCGATE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(cli.config.as_deref(), args),
        Command::Config(cmd) => config_cmd::run(cli.config.as_deref(), cmd),
        Command::Eval(args) => eval_cmd::run(cli.config.as_deref(), args),
    };
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("docgate: error: {e:#}");
            exit::Exit::InputError.into()
        }
    }
}
