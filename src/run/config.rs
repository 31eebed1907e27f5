//! `oraclepack.toml` (project root, or `--config <file>`): run defaults, per-provider
//! limits, flags and environment injected into provider calls, retry policy. Unknown keys
//! are rejected so a typo is not silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;

pub(crate) const FILE_NAME: &str = "oraclepack.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    pub run: RunSection,
    /// `[providers.oracle]`, `[providers.codex]`, …
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
    #[serde(default)]
    pub retry: RetryConfig,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunSection {
    pub max_parallel: Option<usize>,
    /// Concurrent provider calls across all steps (default: max_parallel).
    pub max_calls: Option<usize>,
    pub step_timeout: Option<String>,
    pub grace_period: Option<String>,
    /// `read-write` (default), `read-only`, `off`.
    pub cache: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderConfig {
    /// The real CLI (path or name on PATH); default: the provider's name on PATH.
    pub command: Option<String>,
    /// Flags appended to every call (e.g. `--engine api --base-url …`).
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment set for every call.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Concurrent calls to this provider across all steps.
    pub max_concurrent: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RetryConfig {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    pub base_delay: String,
    pub max_delay: String,
    /// Retries (not attempts) allowed per step and per run.
    pub step_budget: u32,
    pub run_budget: u32,
    /// Wall-clock limit of one attempt (oracle's own `--timeout` does not stop a stream
    /// that stalls after it started); a stalled attempt is killed and retried.
    pub call_timeout: Option<String>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 5,
            base_delay: "2s".into(),
            max_delay: "60s".into(),
            step_budget: 8,
            run_budget: 40,
            call_timeout: None,
        }
    }
}

/// Load `--config <file>` (must exist) or `<root>/oraclepack.toml` (optional).
pub(crate) fn load(
    explicit: Option<&Path>,
    root: &Path,
) -> crate::Result<(Config, Option<PathBuf>)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = root.join(FILE_NAME);
            if !p.is_file() {
                return Ok((Config::default(), None));
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let cfg = parse(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    Ok((cfg, Some(path)))
}

pub(crate) fn parse(text: &str) -> Result<Config, String> {
    let cfg: Config = toml::from_str(text).map_err(|e| {
        let msg = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: {msg}")
            }
            None => msg,
        }
    })?;
    for (name, p) in &cfg.providers {
        if !crate::pack::invocation::PROVIDERS.contains(&name.as_str()) {
            return Err(format!(
                "[providers.{name}]: unknown provider; expected one of {}",
                crate::pack::invocation::PROVIDERS.join(", ")
            ));
        }
        if p.max_concurrent == Some(0) {
            return Err(format!(
                "[providers.{name}] max_concurrent must be at least 1"
            ));
        }
    }
    for (key, v) in [
        ("run.step_timeout", &cfg.run.step_timeout),
        ("run.grace_period", &cfg.run.grace_period),
        ("retry.call_timeout", &cfg.retry.call_timeout),
    ] {
        if let Some(v) = v {
            parse_duration(v).map_err(|e| format!("{key}: {e}"))?;
        }
    }
    for (key, v) in [
        ("retry.base_delay", &cfg.retry.base_delay),
        ("retry.max_delay", &cfg.retry.max_delay),
    ] {
        parse_duration(v).map_err(|e| format!("{key}: {e}"))?;
    }
    if cfg.run.max_parallel == Some(0) || cfg.run.max_calls == Some(0) {
        return Err("run.max_parallel and run.max_calls must be at least 1".into());
    }
    if let Some(c) = &cfg.run.cache {
        crate::run::CacheMode::parse(c).map_err(|e| format!("run.cache: {e}"))?;
    }
    Ok(cfg)
}

/// `250ms`, `30s`, `5m`, `2h`, or a bare number of seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration; write e.g. 90s, 5m, 1h, 500ms"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => n,
        "ms" => n / 1000.0,
        "m" | "min" | "mins" => n * 60.0,
        "h" | "hr" | "hrs" => n * 3600.0,
        u => return Err(format!("`{s}`: unknown unit `{u}`; use ms, s, m or h")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("`{s}` is not a duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn config_parses_and_rejects_unknown_keys_with_a_line() {
        let c = parse(
            "[run]\nmax_parallel = 8\n[providers.oracle]\nargs = [\"--engine\", \"api\"]\nmax_concurrent = 2\n",
        )
        .expect("valid");
        assert_eq!(c.run.max_parallel, Some(8));
        assert_eq!(c.providers["oracle"].max_concurrent, Some(2));
        let e = parse("[run]\nmax_paralel = 8\n").expect_err("typo");
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse("[providers.gpt]\n").expect_err("unknown provider");
        assert!(e.contains("unknown provider"), "{e}");
        let e = parse("[run]\nstep_timeout = \"5 weeks\"\n").expect_err("bad duration");
        assert!(e.contains("run.step_timeout"), "{e}");
    }
}
