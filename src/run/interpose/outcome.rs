//! How one attempt of a provider call ended: ok, transient (retry), or permanent. For
//! `oracle` the reader pinned to its real output decides (`classify`, with the session's
//! `meta.json`); for the other CLIs, generic signals: exit code and HTTP-ish words.

use std::path::Path;

use super::classify;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Ok,
    Transient(String),
    Permanent(String),
}

impl Outcome {
    pub(crate) fn label(&self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::Transient(r) => format!("transient:{r}"),
            Outcome::Permanent(r) => format!("permanent:{r}"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

/// Judge one attempt. `answer` is the output file's bytes (or stdout without
/// `--write-output`) when the CLI exited 0; `env` is the call's extra environment.
pub(crate) fn evaluate(
    provider: &str,
    exit: Option<i32>,
    stdout: &str,
    stderr: &str,
    answer: Option<&[u8]>,
    env: &std::collections::BTreeMap<String, String>,
) -> (Outcome, Usage) {
    let empty = answer.is_none_or(|a| String::from_utf8_lossy(a).trim().is_empty());
    if provider != "oracle" {
        // Other CLIs have no documented usage line; read oracle's shape when present.
        let u = classify::parse_usage(stdout, None);
        let usage = Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cost_usd: u.cost_usd.unwrap_or(0.0),
        };
        let outcome = match exit {
            Some(0) if !empty => Outcome::Ok,
            Some(0) => Outcome::Transient("empty-answer".into()),
            _ => classify_failure(exit, stdout, stderr),
        };
        return (outcome, usage);
    }
    let first = classify::parse_usage(stdout, None);
    let home = classify::oracle_home(
        env.get("ORACLE_HOME_DIR")
            .map(std::ffi::OsStr::new)
            .or(std::env::var_os("ORACLE_HOME_DIR").as_deref()),
        std::env::var_os("HOME").as_deref().map(Path::new),
    );
    let meta: Option<serde_json::Value> = first
        .session_id
        .as_deref()
        .zip(home.as_deref())
        .and_then(|(id, home)| classify::session_meta_path(home, id))
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let u = classify::parse_usage(stdout, meta.as_ref());
    let usage = Usage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cost_usd: u.cost_usd.unwrap_or(0.0),
    };
    let outcome = match classify::classify(exit, stdout, stderr, meta.as_ref()) {
        classify::Outcome::Success if empty => Outcome::Transient("empty-answer".into()),
        // oracle exits 0 and saves the partial text when the stream is cut: the only
        // trace is a finish line that reports no output tokens.
        classify::Outcome::Success if has_finish_line(stdout) && u.output_tokens == 0 => {
            Outcome::Transient("dropped-stream".into())
        }
        classify::Outcome::Success => Outcome::Ok,
        classify::Outcome::Transient(r) => Outcome::Transient(kind_label(&r)),
        classify::Outcome::Permanent(r) => Outcome::Permanent(kind_label(&r)),
    };
    (outcome, usage)
}

fn has_finish_line(stdout: &str) -> bool {
    stdout.lines().any(|l| l.contains(" · ") && l.contains('↑'))
}

fn kind_label(r: &classify::Reason) -> String {
    let kind = serde_json::to_value(r.kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| "unknown".into());
    match r.status {
        Some(s) => format!("{kind}:{s}"),
        None => kind,
    }
}

/// A failed attempt (non-zero exit, or zero with no answer).
pub(crate) fn classify_failure(exit: Option<i32>, stdout: &str, stderr: &str) -> Outcome {
    let text = format!("{stdout}\n{stderr}").to_lowercase();
    if exit.is_none() {
        return Outcome::Transient("killed".into());
    }
    let has = |w: &[&str]| w.iter().any(|x| text.contains(x));
    if has(&[
        "401",
        "403",
        "unauthorized",
        "invalid api key",
        "incorrect api key",
        "permission denied",
        "forbidden",
    ]) {
        return Outcome::Permanent("auth".into());
    }
    if has(&["429", "rate limit", "rate_limit", "too many requests"]) {
        return Outcome::Transient("throttled".into());
    }
    if has(&[
        "503",
        "502",
        "500",
        "504",
        "overloaded",
        "unavailable",
        "server error",
        "server_error",
    ]) {
        return Outcome::Transient("overloaded".into());
    }
    if has(&["client-timeout", "timed out", "timeout"]) {
        return Outcome::Transient("timeout".into());
    }
    if has(&[
        "connection-lost",
        "econnreset",
        "socket hang up",
        "terminated",
        "premature close",
        "connection",
    ]) {
        return Outcome::Transient("connection-lost".into());
    }
    if has(&[
        "400",
        "invalid",
        "unknown option",
        "not found",
        "no such file",
        "✖",
    ]) {
        return Outcome::Permanent("rejected".into());
    }
    if text.contains("transport:") {
        return Outcome::Transient("transport".into());
    }
    Outcome::Permanent(format!("exit {}", exit.unwrap_or(-1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_classes() {
        assert_eq!(
            classify_failure(
                Some(1),
                "ERROR: 429 Too Many Requests\nTransport: api-error",
                ""
            ),
            Outcome::Transient("throttled".into())
        );
        assert_eq!(
            classify_failure(Some(1), "ERROR: 401 Incorrect API key", ""),
            Outcome::Permanent("auth".into())
        );
        assert_eq!(
            classify_failure(Some(1), "", "✖ unknown option '--bogus'"),
            Outcome::Permanent("rejected".into())
        );
    }
}
