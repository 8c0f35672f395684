//! Exit codes, documented in the README: scripts branch on them.

use std::process::ExitCode;

/// What `docgate` exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: every submission passed (or the command succeeded).
    Ok = 0,
    /// 3: at least one submission needs review, none failed.
    Review = 3,
    /// 4: at least one submission failed.
    Fail = 4,
    /// 5: an input could not be used (missing or invalid manifest, unknown profile, I/O).
    InputError = 5,
    /// 6: the config is invalid.
    ConfigError = 6,
    /// 7: `eval --compare` found a regression.
    Regressed = 7,
    /// 8: a service (broker or database) could not be reached, or results did not arrive.
    ServiceError = 8,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}
