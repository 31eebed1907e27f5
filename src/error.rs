//! Library errors. `cli::exit` is the one place that turns them into exit codes and
//! messages.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Bad flag combination or configuration.
    #[error("{0}")]
    Usage(String),
    /// The input was read and judged invalid; the findings were already reported.
    #[error("{0}")]
    Invalid(String),
}

/// Exit codes (DESIGN §2). Tests assert them; never renumber.
pub mod exit {
    pub const OK: i32 = 0;
    pub const INTERNAL: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const INVALID: i32 = 3;
    pub const EXEC_FAILED: i32 = 4;
    pub const POLICY: i32 = 5;
    pub const INTERRUPTED: i32 = 130;
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Read { .. } | Error::Write { .. } => exit::INTERNAL,
            Error::Usage(_) => exit::USAGE,
            Error::Invalid(_) => exit::INVALID,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
