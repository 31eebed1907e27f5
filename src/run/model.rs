//! The run directory's persisted records (`run.json`, `steps.json`, call records). Every
//! format carries a version; maps are `BTreeMap` so bytes are deterministic.

use serde::{Deserialize, Serialize};

/// Version of `run.json`, `steps.json` and the call records.
pub(crate) const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct RunRecord {
    pub format_version: u32,
    pub pack_id: String,
    /// The pack (or manifest) as given, relative to the project root when inside it.
    pub pack_path: String,
    /// sha256 of the pack bytes (for a manifest: of the rendered pack).
    pub pack_hash: String,
    pub git_sha: Option<String>,
    pub oraclepack_version: String,
    /// `oracle --version` of the real CLI, when it is installed.
    pub oracle_version: Option<String>,
    /// Versions of every provider CLI the pack calls (`null` when not installed).
    pub provider_versions: std::collections::BTreeMap<String, Option<String>>,
    /// When the run directory was first created (RFC 3339, UTC). Kept across resumes.
    pub created_at: String,
    /// Settings that affect results (not parallelism or display).
    pub settings: Settings,
    pub totals: Totals,
    /// Number of `oraclepack run` invocations on this directory.
    pub sessions: u32,
    /// How the last session ended: running | completed | failed | interrupted.
    pub state: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Settings {
    pub step_timeout_secs: Option<u64>,
    pub cache: String,
    /// Flags injected into provider calls from the configuration, per provider.
    pub provider_args: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Totals {
    pub steps: usize,
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    pub pending: usize,
    pub calls: usize,
    pub cache_hits: usize,
    pub attempts: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    Pending,
    Running,
    Ok,
    Failed,
    Skipped,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

/// Why a step failed, for humans and for `--rerun failed` triage.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ErrorClass {
    /// The step's script exited non-zero.
    Exit,
    /// It ran past `--step-timeout`.
    Timeout,
    /// SIGINT/SIGTERM to the runner.
    Interrupted,
    /// Exit 0, but an output the step should have written is missing or empty.
    MissingOutput,
    /// A provider call failed with a transient error and the retry budget ran out.
    Transient,
    /// A provider call failed permanently (auth, bad flags, missing files).
    Permanent,
    /// A provider call was refused (unsafe path, budget).
    Refused,
    /// The step could not be started.
    Spawn,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct StepsFile {
    pub format_version: u32,
    pub pack_id: String,
    pub steps: Vec<StepRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct StepRecord {
    pub step_id: String,
    pub title: String,
    pub reference: Option<String>,
    pub category: Option<String>,
    pub roi: Option<f64>,
    /// sha256 of the step's script (prelude + body); a change reruns the step.
    pub command_hash: String,
    /// The first output (the answer), project-relative as the pack wrote it.
    pub output_path: Option<String>,
    pub output_hash: Option<String>,
    pub status: Status,
    /// Why the last session ran or skipped the step (`new`, `changed`, `up_to_date`, …).
    pub reason: Option<String>,
    /// Script executions of this step across sessions.
    pub attempts: u32,
    pub exit_code: Option<i32>,
    pub error_class: Option<ErrorClass>,
    pub error: Option<String>,
    /// Wall time of the last execution.
    pub duration_ms: Option<u64>,
    /// Sum of wall time over every execution.
    pub total_duration_ms: u64,
    /// Every output file of the step (one answer or a chunk set), in pack order.
    pub outputs: Vec<OutputRecord>,
    /// Every LLM call of the last execution.
    pub invocations: Vec<CallRecord>,
    pub log: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct OutputRecord {
    /// Where the pack writes it (project-relative when inside the project).
    pub path: String,
    /// The canonical copy, relative to the run directory (`outputs/NN-<slug>.md`).
    pub canonical: String,
    pub sha256: String,
    pub bytes: u64,
}

/// One intercepted provider call, written by the interposer as
/// `calls/NN/<seq>.json` and gathered into `steps.json` when the step ends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct CallRecord {
    pub format_version: u32,
    pub step_id: String,
    /// Order of the call within the step execution.
    pub seq: u32,
    pub provider: String,
    pub model: Option<String>,
    /// argv after shell expansion (without the provider name).
    pub argv: Vec<String>,
    pub write_output: Option<String>,
    pub cache_key: Option<String>,
    pub cache_hit: bool,
    pub status: CallStatus,
    pub error_class: Option<String>,
    pub error: Option<String>,
    pub attempts: Vec<AttemptRecord>,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CallStatus {
    Ok,
    Failed,
    Refused,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct AttemptRecord {
    pub exit_code: Option<i32>,
    /// `ok`, or the failure class (`transient:<reason>` / `permanent:<reason>`).
    pub outcome: String,
    pub duration_ms: u64,
    /// Backoff slept before the next attempt.
    pub backoff_ms: Option<u64>,
}
