//! `docgate config check [FILE]` and `docgate config show`: config errors with key paths.

use std::path::Path;

use clap::Subcommand;
use docgate_config::Config;

use crate::exit::Exit;

/// Config subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Compile a config and list every error with its key path (default: the embedded one).
    Check {
        /// The file to check; the global --config or the embedded default otherwise.
        file: Option<std::path::PathBuf>,
    },
    /// Print the embedded default pipeline.toml.
    Default,
}

/// Loads the config: `path` if given, else the embedded default.
pub fn load(path: Option<&Path>) -> Result<Config, docgate_config::ConfigErrors> {
    match path {
        None => Ok(Config::embedded_default().clone()),
        // from_file caps the size and reports I/O errors as config errors with the path.
        Some(p) => Config::from_file(p),
    }
}

/// Loads the config or prints its errors; `Err(exit)` when unusable.
pub fn load_or_report(path: Option<&Path>) -> anyhow::Result<Result<Config, Exit>> {
    Ok(match load(path) {
        Ok(c) => Ok(c),
        Err(errors) => {
            let name = path.map_or("embedded pipeline.toml".to_string(), |p| {
                p.display().to_string()
            });
            eprintln!(
                "docgate: config {name} is invalid ({} errors):\n{errors}",
                errors.0.len()
            );
            Err(Exit::ConfigError)
        }
    })
}

/// Runs a config subcommand.
pub fn run(global: Option<&Path>, cmd: ConfigCommand) -> anyhow::Result<Exit> {
    match cmd {
        ConfigCommand::Check { file } => {
            let path = file.as_deref().or(global);
            let config = match load_or_report(path)? {
                Ok(c) => c,
                Err(exit) => return Ok(exit),
            };
            let name = path.map_or("embedded pipeline.toml".to_string(), |p| {
                p.display().to_string()
            });
            let profiles: Vec<&str> = config.profile_names().collect();
            println!(
                "{name}: ok, {} profiles ({}), version {}",
                profiles.len(),
                profiles.join(", "),
                config.version()
            );
            Ok(Exit::Ok)
        }
        ConfigCommand::Default => {
            print!("{}", Config::EMBEDDED_SOURCE);
            Ok(Exit::Ok)
        }
    }
}
