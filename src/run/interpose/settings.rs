//! What the runner tells the interposer, through one environment variable holding JSON
//! (the interposer runs inside the step's bash, as a child of the step, not of the runner).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::run::CacheMode;

pub(crate) const ENV: &str = "ORACLEPACK_INTERPOSER";
/// The step the call belongs to (set per step; the settings are shared).
pub(crate) const ENV_STEP: &str = "ORACLEPACK_STEP";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Settings {
    pub version: u32,
    pub run_dir: PathBuf,
    pub project_root: PathBuf,
    pub cache_dir: PathBuf,
    pub cache: CacheMode,
    /// Concurrent provider calls across the whole run.
    pub max_calls: usize,
    pub providers: BTreeMap<String, Provider>,
    pub retry: Retry,
    pub budget_usd: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Provider {
    /// Absolute path of the real CLI, `None` when it is not installed.
    pub command: Option<PathBuf>,
    pub version: Option<String>,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub max_concurrent: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Retry {
    pub max_attempts: u32,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    pub step_budget: u32,
    pub run_budget: u32,
    pub call_timeout_ms: Option<u64>,
}
