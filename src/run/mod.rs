//! Stage 2: run a pack. Planning (which steps run), the executor (processes, timeouts,
//! signals), the dispatcher (state, limits), the run-directory store (atomic writes, lock),
//! and the provider interposer that sees every LLM call inside a step.

pub(crate) mod config;
pub(crate) mod events;
pub(crate) mod executor;
pub(crate) mod interpose;
pub(crate) mod model;
pub(crate) mod pack_id;
pub(crate) mod path_safety;
pub(crate) mod plan;
pub(crate) mod script;
pub(crate) mod store;
pub(crate) mod verify_outputs;

/// Call cache policy (`--cache`, `run.cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CacheMode {
    ReadWrite,
    ReadOnly,
    Off,
}

impl CacheMode {
    pub(crate) fn parse(s: &str) -> Result<CacheMode, String> {
        match s {
            "read-write" | "on" => Ok(CacheMode::ReadWrite),
            "read-only" => Ok(CacheMode::ReadOnly),
            "off" => Ok(CacheMode::Off),
            _ => Err(format!("`{s}`: expected read-write, read-only or off")),
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CacheMode::ReadWrite => "read-write",
            CacheMode::ReadOnly => "read-only",
            CacheMode::Off => "off",
        }
    }
}
pub(crate) mod clock;
pub(crate) mod dispatch;
pub(crate) mod providers;
pub(crate) mod session;
