//! Reading what the real `oracle` CLI printed: failure class, tokens, cost, session id.
//!
//! Everything here is pinned to what `oracle` 0.21.2 prints (observed by
//! `tests/oracle_real.rs`, written up in `docs/oracle-facts.md`):
//!
//! - exit 0 on success, and also when the answer is empty (`write-output skipped: no
//!   assistant content to save.`), when `--write-output` fails (`write-output failed (…);
//!   session completed anyway.`) and when a "pro" model detaches (`Detach: yes, polling`);
//! - exit 1 for every failure. A failed call prints on stdout `ERROR: <message>` then
//!   `Transport: <reason> — <label>` (`api-error`, `client-timeout`, `connection-lost`,
//!   `unknown`, `client-abort`, `model-unavailable`, `unsupported-endpoint`); the HTTP status
//!   is only printed when `OPENAI_LOG=info` is set (`[log_…] post <url> failed with status
//!   429 in 3ms - …`). Validation errors print `ERROR: …` then `User error (<category>): …`.
//!   Errors before the call go to stderr as `✖ <message>`, flag errors as commander's
//!   `error: unknown option '--x'`;
//! - 130 / 143 for SIGINT / SIGTERM.
//!
//! oracle already retried 429 / 5xx / timeouts / lost connections twice (3 attempts) before
//! it reports them, so a transient outcome here means "worth another try after a backoff".

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a call did not produce an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FailureKind {
    // Transient: another attempt may succeed.
    /// HTTP 429 (rate limit).
    Throttled,
    /// HTTP 5xx, 408, 409: the provider is overloaded or failing.
    Overloaded,
    /// No (complete) response within `--timeout`.
    ClientTimeout,
    /// The connection closed before a response arrived.
    ConnectionLost,
    /// The stream broke off mid-event (`Transport: unknown`).
    DroppedStream,
    /// The model answered nothing (exit 0, no output written).
    EmptyAnswer,
    // Permanent: the same call will fail the same way.
    /// HTTP 401 / 403, a wrong or missing API key.
    Auth,
    /// HTTP 429 because the account is out of quota or billing.
    QuotaExceeded,
    /// HTTP 400 / 404 / 413 / 422 and other 4xx: the request itself is wrong.
    BadRequest,
    /// The model is not served by this endpoint (`Transport: model-unavailable`).
    ModelUnavailable,
    /// The endpoint does not exist (`Transport: unsupported-endpoint`, HTTP 404 / 405).
    UnsupportedEndpoint,
    /// Unknown or malformed flags (commander's `error: …` on stderr).
    BadFlags,
    /// An attachment does not exist (`✖ Missing file or directory: …`).
    MissingFile,
    /// oracle refused the input before calling (`✖ …`, `User error (…)`), e.g. too large.
    InvalidInput,
    /// The answer arrived but `--write-output` could not be written.
    OutputWriteFailed,
    /// A "pro" model detached into the background (exit 0 before the answer; needs `--wait`).
    Detached,
    /// SIGINT / SIGTERM or another signal, or a locally aborted request.
    Interrupted,
    /// Exit 126 / 127: the CLI could not be executed.
    NotExecutable,
    /// Nothing recognisable.
    Unknown,
}

impl FailureKind {
    pub(crate) fn is_transient(self) -> bool {
        matches!(
            self,
            FailureKind::Throttled
                | FailureKind::Overloaded
                | FailureKind::ClientTimeout
                | FailureKind::ConnectionLost
                | FailureKind::DroppedStream
                | FailureKind::EmptyAnswer
        )
    }
}

/// A failure with the evidence it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Reason {
    pub kind: FailureKind,
    /// HTTP status of the last attempt, when oracle printed one (`OPENAI_LOG=info`) or the
    /// message starts with it.
    pub status: Option<u16>,
    /// oracle's transport reason (`api-error`, `client-timeout`, …).
    pub transport: Option<String>,
    /// oracle's message (`ERROR: <message>`, `✖ <message>`, `error: …`), or the line that
    /// gave the failure away.
    pub message: String,
}

/// How one oracle call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "snake_case")]
pub(crate) enum Outcome {
    Success,
    Transient(Reason),
    Permanent(Reason),
}

#[allow(dead_code)] // the interposer matches on the variants; tests use these
impl Outcome {
    pub(crate) fn is_success(&self) -> bool {
        matches!(self, Outcome::Success)
    }

    pub(crate) fn is_transient(&self) -> bool {
        matches!(self, Outcome::Transient(_))
    }

    pub(crate) fn reason(&self) -> Option<&Reason> {
        match self {
            Outcome::Success => None,
            Outcome::Transient(r) | Outcome::Permanent(r) => Some(r),
        }
    }

    fn from_reason(reason: Reason) -> Outcome {
        if reason.kind.is_transient() {
            Outcome::Transient(reason)
        } else {
            Outcome::Permanent(reason)
        }
    }
}

/// What oracle printed that matters for classification.
#[derive(Debug, Default)]
struct Evidence {
    /// `ERROR: <message>` (last one), else meta.json `errorMessage`.
    error: Option<String>,
    /// `Transport: <reason> — …`, else meta.json `transport.reason`.
    transport: Option<String>,
    /// `User error (<category>): …`, else meta.json `error.category`.
    user_error: Option<String>,
    /// The last `with status NNN` of the OpenAI SDK's log lines.
    status: Option<u16>,
    /// `✖ <message>` on stderr.
    cross: Option<String>,
    /// commander's `error: <message>` on stderr.
    flag_error: Option<String>,
    /// `write-output skipped: no assistant content to save.` / `Answer:` then `(no text output)`.
    empty: Option<String>,
    /// `write-output failed (…); session completed anyway.`
    write_failed: Option<String>,
    /// `Detach: yes, polling`.
    detached: Option<String>,
}

impl Evidence {
    fn read(stdout: &str, stderr: &str, meta: Option<&Value>) -> Evidence {
        let mut e = Evidence::default();
        let mut previous = "";
        for line in stdout.lines() {
            let line = line.trim_end();
            if let Some(m) = line.strip_prefix("ERROR: ") {
                e.error = Some(m.to_string());
            } else if let Some(t) = line.strip_prefix("Transport: ") {
                let reason = t.split(" — ").next().unwrap_or(t).trim();
                e.transport = Some(reason.to_string());
            } else if let Some(rest) = line.strip_prefix("User error (") {
                if let Some((category, _)) = rest.split_once("):") {
                    e.user_error = Some(category.to_string());
                }
            } else if line.starts_with("[log_") {
                if let Some(s) = status_in_log_line(line) {
                    e.status = Some(s);
                }
            } else if line.starts_with("write-output skipped:")
                || (line == "(no text output)" && previous == "Answer:")
            {
                e.empty = Some(line.to_string());
            } else if line.starts_with("write-output failed (") {
                e.write_failed = Some(line.to_string());
            } else if line.starts_with("Detach: yes") {
                e.detached = Some(line.to_string());
            }
            previous = line;
        }
        for line in stderr.lines() {
            let line = line.trim_end();
            if let Some(m) = line.strip_prefix("✖ ") {
                e.cross.get_or_insert_with(|| m.trim().to_string());
            } else if let Some(m) = line.strip_prefix("error: ") {
                e.flag_error.get_or_insert_with(|| m.trim().to_string());
            }
        }
        if let Some(meta) = meta {
            if e.error.is_none() {
                e.error = meta
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            if e.transport.is_none() {
                e.transport = meta
                    .pointer("/transport/reason")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            if e.user_error.is_none() {
                e.user_error = meta
                    .pointer("/error/category")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
        }
        e
    }
}

/// `[log_ab12cd] post http://…/chat/completions failed with status 429 in 3ms - …`.
fn status_in_log_line(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once(" with status ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// `429 Rate limit reached…` / `500 status code (no body)`: the OpenAI SDK's own message
/// format when the error body has no message.
fn status_prefix(message: &str) -> Option<u16> {
    let (head, _) = message.split_once(' ')?;
    let status: u16 = head.parse().ok()?;
    (100..600).contains(&status).then_some(status)
}

/// Classifies one oracle call from its exit code, output and (when it exists) its
/// session's `meta.json`. `exit_code` is `None` when the process died from a signal.
pub(crate) fn classify(
    exit_code: Option<i32>,
    stdout: &str,
    stderr: &str,
    meta: Option<&Value>,
) -> Outcome {
    let e = Evidence::read(stdout, stderr, meta);
    let reason = |kind: FailureKind, message: &str| Reason {
        kind,
        status: e.status,
        transport: e.transport.clone(),
        message: message.to_string(),
    };
    match exit_code {
        Some(0) => {
            if let Some(line) = &e.detached {
                Outcome::Permanent(reason(FailureKind::Detached, line))
            } else if let Some(line) = &e.write_failed {
                Outcome::Permanent(reason(FailureKind::OutputWriteFailed, line))
            } else if let Some(line) = &e.empty {
                Outcome::Transient(reason(FailureKind::EmptyAnswer, line))
            } else {
                Outcome::Success
            }
        }
        None => Outcome::Permanent(reason(FailureKind::Interrupted, "killed by a signal")),
        Some(code @ (130 | 143)) => Outcome::Permanent(reason(
            FailureKind::Interrupted,
            &format!("exit {code} (interrupted)"),
        )),
        Some(code @ (126 | 127)) => Outcome::Permanent(reason(
            FailureKind::NotExecutable,
            &format!("exit {code}: the oracle CLI could not be executed"),
        )),
        Some(code) => {
            let (kind, message) = failure(&e);
            let message = message.unwrap_or_else(|| format!("exit {code}"));
            Outcome::from_reason(reason(kind, &message))
        }
    }
}

/// The kind of a non-zero exit and the message it came with.
fn failure(e: &Evidence) -> (FailureKind, Option<String>) {
    if let Some(m) = &e.flag_error {
        return (FailureKind::BadFlags, Some(m.clone()));
    }
    if let Some(m) = &e.cross {
        let kind = if m.starts_with("Missing file or directory") {
            FailureKind::MissingFile
        } else if mentions_flag(m) {
            FailureKind::BadFlags
        } else {
            FailureKind::InvalidInput
        };
        return (kind, Some(m.clone()));
    }
    let message = e.error.clone();
    let text = message.as_deref().unwrap_or("");
    let kind = match e.transport.as_deref() {
        Some("client-timeout") => FailureKind::ClientTimeout,
        Some("connection-lost") => FailureKind::ConnectionLost,
        Some("unknown") => FailureKind::DroppedStream,
        Some("client-abort") => FailureKind::Interrupted,
        Some("model-unavailable") => FailureKind::ModelUnavailable,
        Some("unsupported-endpoint") => FailureKind::UnsupportedEndpoint,
        Some(_) => api_error(e.status.or_else(|| status_prefix(text)), text),
        None if e.user_error.is_some() => {
            if is_auth_message(&text.to_lowercase()) {
                FailureKind::Auth
            } else {
                FailureKind::InvalidInput
            }
        }
        None => api_error(e.status.or_else(|| status_prefix(text)), text),
    };
    (kind, message)
}

fn mentions_flag(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("unknown option") || m.contains("option '") || m.contains("argument '")
}

fn is_auth_message(m: &str) -> bool {
    [
        "api key",
        "api_key",
        "unauthorized",
        "authentication",
        "not allowed",
        "permission",
        "forbidden",
    ]
    .iter()
    .any(|w| m.contains(w))
}

/// An `api-error` (or a bare `ERROR:`): by HTTP status when known, else by the message.
fn api_error(status: Option<u16>, message: &str) -> FailureKind {
    let m = message.to_lowercase();
    let quota = m.contains("quota") || m.contains("billing");
    if let Some(status) = status {
        return match status {
            429 if quota => FailureKind::QuotaExceeded,
            429 => FailureKind::Throttled,
            401 | 403 => FailureKind::Auth,
            404 | 405 => FailureKind::UnsupportedEndpoint,
            408 | 409 | 500..=599 => FailureKind::Overloaded,
            400..=499 => FailureKind::BadRequest,
            _ => FailureKind::Unknown,
        };
    }
    if quota {
        FailureKind::QuotaExceeded
    } else if m.contains("rate limit")
        || m.contains("rate_limit")
        || m.contains("too many requests")
    {
        FailureKind::Throttled
    } else if [
        "overloaded",
        "server had an error",
        "server_error",
        "service unavailable",
        "temporarily unavailable",
        "bad gateway",
        "gateway timeout",
        "try again later",
    ]
    .iter()
    .any(|w| m.contains(w))
    {
        FailureKind::Overloaded
    } else if is_auth_message(&m) {
        FailureKind::Auth
    } else if m.contains("does not exist")
        || m.contains("model_not_found")
        || m.contains("unknown model")
    {
        FailureKind::ModelUnavailable
    } else if [
        "invalid",
        "context length",
        "maximum context",
        "too large",
        "unsupported",
    ]
    .iter()
    .any(|w| m.contains(w))
    {
        FailureKind::BadRequest
    } else {
        FailureKind::Unknown
    }
}

/// Tokens, cost, session and model of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: Option<f64>,
    pub session_id: Option<String>,
    /// The model without oracle's reasoning label (`gpt-5.1`, not `gpt-5.1[high]`).
    pub model: Option<String>,
}

/// Reads usage from `meta.json` (exact) and from the final stdout line
/// `0.4s · $0.0001 · gpt-5.1[high] · ↑11 ↓7 ↻0* Δ18 · sid=<id>` (counts of 1000 and more
/// are rounded there: `↑4.28k`). meta.json wins where both have a value. The cost is
/// missing from the line for models without a price; the model is missing when the
/// session id contains it.
pub(crate) fn parse_usage(stdout: &str, meta: Option<&Value>) -> Usage {
    let mut u = finish_line(stdout).unwrap_or_default();
    if u.session_id.is_none() {
        u.session_id = stdout
            .lines()
            .find_map(|l| l.strip_prefix("Session: "))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
    }
    if let Some(meta) = meta {
        let usage = meta.get("usage");
        if let Some(n) = usage
            .and_then(|v| v.get("inputTokens"))
            .and_then(Value::as_u64)
        {
            u.input_tokens = n;
        }
        if let Some(n) = usage
            .and_then(|v| v.get("outputTokens"))
            .and_then(Value::as_u64)
        {
            u.output_tokens = n;
        }
        if let Some(c) = usage.and_then(|v| v.get("cost")).and_then(Value::as_f64) {
            u.cost_usd = Some(c);
        }
        if let Some(id) = meta.get("id").and_then(Value::as_str) {
            u.session_id = Some(id.to_string());
        }
        if let Some(m) = meta.get("model").and_then(Value::as_str) {
            u.model = Some(m.to_string());
        }
    }
    u
}

/// The last stdout line with a `↑` tokens part, split on ` · `.
fn finish_line(stdout: &str) -> Option<Usage> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.split(" · ").any(|p| p.trim_start().starts_with('↑')))?;
    let mut u = Usage::default();
    // The first part is the elapsed time.
    for part in line.split(" · ").skip(1).map(str::trim) {
        if let Some(cost) = part.strip_prefix('$') {
            u.cost_usd = cost.parse().ok();
        } else if part.starts_with('↑') {
            for token in part.split_whitespace() {
                if let Some(n) = token.strip_prefix('↑') {
                    u.input_tokens = token_count(n).unwrap_or(0);
                } else if let Some(n) = token.strip_prefix('↓') {
                    u.output_tokens = token_count(n).unwrap_or(0);
                }
            }
        } else if let Some(sid) = part.strip_prefix("sid=") {
            u.session_id = Some(sid.to_string()).filter(|s| !s.is_empty());
        } else if part != "n/a" && !part.is_empty() {
            let model = part.split('[').next().unwrap_or(part);
            u.model = Some(model.to_string());
        }
    }
    Some(u)
}

/// `11`, `1,234`, `4.28k`, `18*` (estimated) → a count.
fn token_count(text: &str) -> Option<u64> {
    let t = text.trim_end_matches('*').replace(',', "");
    let (number, scale) = match t.strip_suffix(['k', 'K']) {
        Some(n) => (n, 1_000.0),
        None => match t.strip_suffix(['m', 'M']) {
            Some(n) => (n, 1_000_000.0),
            None => (t.as_str(), 1.0),
        },
    };
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| (value * scale).round() as u64)
}

/// oracle's home: `$ORACLE_HOME_DIR` when set, else `~/.oracle`.
pub(crate) fn oracle_home(env_value: Option<&OsStr>, home_dir: Option<&Path>) -> Option<PathBuf> {
    match env_value {
        Some(v) => Some(PathBuf::from(v)),
        None => home_dir.map(|h| h.join(".oracle")),
    }
}

/// `<oracle_home>/sessions/<session_id>/meta.json`; `None` for an id that is not a single
/// plain path component (it comes from the CLI's output).
pub(crate) fn session_meta_path(oracle_home: &Path, session_id: &str) -> Option<PathBuf> {
    let plain = !session_id.is_empty()
        && session_id != "."
        && session_id != ".."
        && !session_id.contains(['/', '\\', '\0']);
    plain.then(|| {
        oracle_home
            .join("sessions")
            .join(session_id)
            .join("meta.json")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The lines oracle prints before it calls the model (`--engine api`, gpt-5.1).
    fn preamble(sid: &str) -> String {
        format!(
            "🧿 oracle 0.21.2 — Context police for overeager LLMs.\n\
             Session: {sid}\n\
             Mode: api foreground\n\
             Models: 1\n\
             Detach: no\n\
             Reattach: oracle session {sid}\n\
             Calling gpt-5.1 — 4.28k tokens, 1 files.\n\
             Provider: OpenAI-compatible | base: 127.0.0.1:40123/v1 | key: OPENAI_API_KEY\n\
             Tip: brief prompts often yield generic answers — aim for 6–30 sentences and attach key files.\n"
        )
    }

    fn api_error_stdout(message: &str) -> String {
        format!(
            "{}{message}\nERROR: {message}\nTransport: api-error — transport error\n",
            preamble("question-03-under-load")
        )
    }

    fn success_stdout() -> String {
        format!(
            "{}\nAnswer:\n## Direct answer\n- 42.\n\n0.0s · $0.0001 · gpt-5.1[high] · ↑11 ↓7 ↻0* Δ18 · sid=question-01-what-does-answer\nfiles=1\nSaved assistant output to /tmp/p/out/answer.md\n",
            preamble("question-01-what-does-answer")
        )
    }

    fn kind(o: &Outcome) -> Option<FailureKind> {
        o.reason().map(|r| r.kind)
    }

    const RATE_LIMIT: &str = "Rate limit reached for gpt-5.1 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.";
    const BAD_KEY: &str = "Incorrect API key provided: test. You can find your API key at https://platform.openai.com/account/api-keys.";

    #[test]
    fn classify_success() {
        assert_eq!(
            classify(Some(0), &success_stdout(), "", None),
            Outcome::Success
        );
    }

    #[test]
    fn classify_throttling_429() {
        let o = classify(Some(1), &api_error_stdout(RATE_LIMIT), "", None);
        assert_eq!(
            o,
            Outcome::Transient(Reason {
                kind: FailureKind::Throttled,
                status: None,
                transport: Some("api-error".into()),
                message: RATE_LIMIT.into(),
            })
        );
    }

    #[test]
    fn classify_quota_429_is_permanent() {
        let m = "You exceeded your current quota, please check your plan and billing details.";
        let o = classify(Some(1), &api_error_stdout(m), "", None);
        assert!(!o.is_transient());
        assert_eq!(kind(&o), Some(FailureKind::QuotaExceeded));
    }

    #[test]
    fn classify_overload_503_and_500() {
        for m in [
            "The server is overloaded or not ready yet.",
            "The server had an error while processing your request. Sorry about that!",
            "Bad gateway.",
            "503 status code (no body)",
        ] {
            let o = classify(Some(1), &api_error_stdout(m), "", None);
            assert!(o.is_transient(), "{m}");
            assert_eq!(kind(&o), Some(FailureKind::Overloaded), "{m}");
        }
    }

    #[test]
    fn classify_auth_401_403() {
        for m in [
            BAD_KEY,
            "You are not allowed to access this model.",
            "401 status code (no body)",
        ] {
            let o = classify(Some(1), &api_error_stdout(m), "", None);
            assert!(!o.is_transient(), "{m}");
            assert_eq!(kind(&o), Some(FailureKind::Auth), "{m}");
        }
    }

    #[test]
    fn classify_bad_request_400() {
        let m = "Invalid request: the test server rejected this request.";
        let o = classify(Some(1), &api_error_stdout(m), "", None);
        assert_eq!(kind(&o), Some(FailureKind::BadRequest));
        assert!(!o.is_transient());
    }

    #[test]
    fn an_unrecognised_api_error_is_permanent_unknown() {
        let o = classify(
            Some(1),
            &api_error_stdout("Something odd happened."),
            "",
            None,
        );
        assert_eq!(kind(&o), Some(FailureKind::Unknown));
        assert!(!o.is_transient());
    }

    /// With `OPENAI_LOG=info` the status decides, whatever the message says.
    #[test]
    fn openai_log_status_lines_win_over_the_message() {
        let url = "http://127.0.0.1:40123/v1/chat/completions";
        let logged = |status: u16, tail: &str| {
            format!(
                "{}[log_dfbbe2] post {url} failed with status {status} in 24ms - retrying, 2 attempts remaining\n\
                 [log_446f76, retryOf: log_dfbbe2] post {url} failed with status {status} in 2ms - {tail}\n\
                 Opaque.\nERROR: Opaque.\nTransport: api-error — transport error\n",
                preamble("logged-429-question")
            )
        };
        let cases = [
            (429, FailureKind::Throttled),
            (503, FailureKind::Overloaded),
            (500, FailureKind::Overloaded),
            (401, FailureKind::Auth),
            (403, FailureKind::Auth),
            (400, FailureKind::BadRequest),
            (422, FailureKind::BadRequest),
        ];
        for (status, expected) in cases {
            let o = classify(
                Some(1),
                &logged(status, "error; no more retries left"),
                "",
                None,
            );
            assert_eq!(kind(&o), Some(expected), "{status}");
            assert_eq!(o.reason().and_then(|r| r.status), Some(status));
            assert_eq!(o.reason().map(|r| r.message.as_str()), Some("Opaque."));
        }
        assert_eq!(
            status_in_log_line(&format!(
                "[log_17b314] post {url} succeeded with status 200 in 32ms"
            )),
            Some(200)
        );
        assert_eq!(
            status_in_log_line(
                "[log_63f513] connection timed out - retrying, 2 attempts remaining"
            ),
            None
        );
    }

    #[test]
    fn classify_client_timeout() {
        let stdout = format!(
            "{}[log_63f513] connection timed out - retrying, 2 attempts remaining\n\
             Client-side timeout: OpenAI streaming call exceeded the 300ms deadline.\n\
             ERROR: OpenAI request timed out before completion.\n\
             Transport: client-timeout — client timeout (deadline exceeded)\n",
            preamble("question-08-hangs")
        );
        let o = classify(Some(1), &stdout, "", None);
        assert_eq!(
            o,
            Outcome::Transient(Reason {
                kind: FailureKind::ClientTimeout,
                status: None,
                transport: Some("client-timeout".into()),
                message: "OpenAI request timed out before completion.".into(),
            })
        );
        // A stream that stalled past the deadline: the description follows the partial
        // answer on one line.
        let stalled = format!(
            "{}\nAnswer:\n## Direct Client-side timeout: OpenAI streaming call exceeded the 500ms deadline.\n\
             ERROR: Timed out waiting for API response after 500ms.\n\
             Transport: client-timeout — client timeout (deadline exceeded)\n",
            preamble("question-09-stalls")
        );
        assert_eq!(
            kind(&classify(Some(1), &stalled, "", None)),
            Some(FailureKind::ClientTimeout)
        );
    }

    #[test]
    fn classify_connection_lost_and_dropped_stream() {
        let lost = format!(
            "{}Connection to OpenAI ended unexpectedly before the response completed.\n\
             ERROR: Connection to OpenAI dropped before the response completed.\n\
             Transport: connection-lost — connection lost before completion\n",
            preamble("question-10-disconnects")
        );
        let o = classify(Some(1), &lost, "", None);
        assert!(o.is_transient());
        assert_eq!(kind(&o), Some(FailureKind::ConnectionLost));

        let torn = format!(
            "{}\nAnswer:\n## DirectOpenAI streaming call ended with an unknown transport error.\n\
             ERROR: Error reading response: malformed server-sent event JSON.\n\
             Transport: unknown — unknown transport failure\n",
            preamble("question-11-tears-an-event")
        );
        let o = classify(
            Some(1),
            &torn,
            "Could not parse message into JSON:\nFrom chunk:\n",
            None,
        );
        assert!(o.is_transient());
        assert_eq!(kind(&o), Some(FailureKind::DroppedStream));
    }

    #[test]
    fn classify_other_transport_reasons() {
        let with = |reason: &str, label: &str| {
            format!("{}ERROR: x\nTransport: {reason} — {label}\n", preamble("s"))
        };
        let cases = [
            (
                "client-abort",
                "request aborted locally",
                FailureKind::Interrupted,
            ),
            (
                "model-unavailable",
                "transport error",
                FailureKind::ModelUnavailable,
            ),
            (
                "unsupported-endpoint",
                "transport error",
                FailureKind::UnsupportedEndpoint,
            ),
        ];
        for (reason, label, expected) in cases {
            let o = classify(Some(1), &with(reason, label), "", None);
            assert_eq!(kind(&o), Some(expected), "{reason}");
            assert!(!o.is_transient());
        }
    }

    #[test]
    fn classify_errors_before_the_call() {
        let o = classify(
            Some(1),
            "🧿 oracle 0.21.2 — Keeps 196k tokens feeling roomy, not risky.\n",
            "✖ Missing file or directory: nope/missing.rs\n",
            None,
        );
        assert_eq!(
            o,
            Outcome::Permanent(Reason {
                kind: FailureKind::MissingFile,
                status: None,
                transport: None,
                message: "Missing file or directory: nope/missing.rs".into(),
            })
        );
        let o = classify(
            Some(1),
            "",
            "error: unknown option '--no-such-flag'\n(use --help for usage)\n",
            None,
        );
        assert_eq!(kind(&o), Some(FailureKind::BadFlags));
        assert_eq!(
            o.reason().map(|r| r.message.as_str()),
            Some("unknown option '--no-such-flag'")
        );
        let o = classify(
            Some(1),
            "",
            "error: option '--timeout <seconds|duration|auto>' argument '0' is invalid. Timeout must be a positive number of seconds, a duration like \"10m\", or \"auto\".\n(use --help for usage)\n",
            None,
        );
        assert_eq!(kind(&o), Some(FailureKind::BadFlags));
        let o = classify(
            Some(1),
            "",
            "✖ Input too large (250,000 tokens). Limit is 196,000 tokens.\n",
            None,
        );
        assert_eq!(kind(&o), Some(FailureKind::InvalidInput));
    }

    #[test]
    fn classify_user_errors() {
        let stdout = format!(
            "{}ERROR: Missing OPENROUTER_API_KEY. Set it via the environment or a .env file.\n\
             User error (prompt-validation): Missing OPENROUTER_API_KEY. Set it via the environment or a .env file.\n",
            preamble("question-x")
        );
        let o = classify(Some(1), &stdout, "", None);
        assert_eq!(kind(&o), Some(FailureKind::Auth));
        let stdout = format!(
            "{}ERROR: Prompt is too short.\nUser error (prompt-validation): Prompt is too short.\n",
            preamble("q")
        );
        assert_eq!(
            kind(&classify(Some(1), &stdout, "", None)),
            Some(FailureKind::InvalidInput)
        );
    }

    #[test]
    fn classify_exit_zero_without_an_answer() {
        let empty = format!(
            "{}\nAnswer:\n(no text output)\n\n\n0.0s · $0.0000 · gpt-5.1[high] · ↑0 ↓0 ↻0* Δ0 · sid=question-06-empty-no\nfiles=1\nwrite-output skipped: no assistant content to save.\n",
            preamble("question-06-empty-no")
        );
        let o = classify(Some(0), &empty, "", None);
        assert!(o.is_transient());
        assert_eq!(
            o.reason().map(|r| (r.kind, r.message.as_str())),
            Some((
                FailureKind::EmptyAnswer,
                "write-output skipped: no assistant content to save."
            ))
        );
        // Without --write-output only the `(no text output)` marker is there.
        let no_file = empty.replace("write-output skipped: no assistant content to save.\n", "");
        assert_eq!(
            kind(&classify(Some(0), &no_file, "", None)),
            Some(FailureKind::EmptyAnswer)
        );

        let failed = success_stdout().replace(
            "Saved assistant output to /tmp/p/out/answer.md",
            "write-output failed (EISDIR: illegal operation on a directory, open '/tmp/p/out/answer.md'); session completed anyway.",
        );
        let o = classify(Some(0), &failed, "", None);
        assert_eq!(kind(&o), Some(FailureKind::OutputWriteFailed));
        assert!(!o.is_transient());

        let detached = "🧿 oracle 0.21.2 — x\nSession: pro-model-question\nMode: api background\nModels: 1\nDetach: yes, polling\nReattach: oracle session pro-model-question\nPro runs can take up to 60 minutes (usually 10-15). Add --wait to stay attached.\n";
        assert_eq!(
            kind(&classify(Some(0), detached, "", None)),
            Some(FailureKind::Detached)
        );
    }

    #[test]
    fn classify_signals_and_spawn_failures() {
        assert_eq!(
            kind(&classify(None, "", "", None)),
            Some(FailureKind::Interrupted)
        );
        assert_eq!(
            kind(&classify(Some(130), "", "", None)),
            Some(FailureKind::Interrupted)
        );
        assert_eq!(
            kind(&classify(Some(143), "", "", None)),
            Some(FailureKind::Interrupted)
        );
        assert_eq!(
            kind(&classify(Some(127), "", "", None)),
            Some(FailureKind::NotExecutable)
        );
        let o = classify(Some(1), "", "", None);
        assert_eq!(
            o.reason().map(|r| (r.kind, r.message.as_str())),
            Some((FailureKind::Unknown, "exit 1"))
        );
    }

    /// When stdout was lost (e.g. the step's output went elsewhere), meta.json decides.
    #[test]
    fn classify_from_meta_json_alone() {
        let meta = json!({
            "id": "question-08-hangs", "status": "error",
            "errorMessage": "OpenAI request timed out before completion.",
            "transport": {"reason": "client-timeout"},
        });
        let o = classify(Some(1), "", "", Some(&meta));
        assert_eq!(kind(&o), Some(FailureKind::ClientTimeout));
        assert_eq!(
            o.reason().map(|r| r.message.as_str()),
            Some("OpenAI request timed out before completion.")
        );
        let meta = json!({"status": "error", "errorMessage": RATE_LIMIT, "transport": {"reason": "api-error"}});
        assert_eq!(
            kind(&classify(Some(1), "", "", Some(&meta))),
            Some(FailureKind::Throttled)
        );
        let meta = json!({"status": "error", "errorMessage": "Missing OPENROUTER_API_KEY. Set it via the environment or a .env file.",
                          "error": {"category": "prompt-validation"}});
        assert_eq!(
            kind(&classify(Some(1), "", "", Some(&meta))),
            Some(FailureKind::Auth)
        );
    }

    #[test]
    fn outcome_serializes_with_a_tag() {
        let o = classify(Some(1), &api_error_stdout(RATE_LIMIT), "", None);
        let v = serde_json::to_value(&o).expect("json");
        assert_eq!(v["outcome"], "transient");
        assert_eq!(v["reason"]["kind"], "throttled");
        assert_eq!(v["reason"]["transport"], "api-error");
        let back: Outcome = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, o);
        assert_eq!(
            serde_json::to_value(Outcome::Success).expect("json"),
            json!({"outcome": "success"})
        );
    }

    #[test]
    fn parse_usage_from_the_final_line() {
        let u = parse_usage(&success_stdout(), None);
        assert_eq!(
            u,
            Usage {
                input_tokens: 11,
                output_tokens: 7,
                cost_usd: Some(0.0001),
                session_id: Some("question-01-what-does-answer".into()),
                model: Some("gpt-5.1".into()),
            }
        );
    }

    #[test]
    fn parse_usage_variants_of_the_final_line() {
        // Large counts are rounded, estimated ones starred; no cost for unpriced models;
        // no model when the session id contains it.
        let u = parse_usage(
            "1m02s · ↑4.28k ↓1.5k* ↻0* Δ5.78k · sid=gpt-5.1-review\nfiles=3\n",
            None,
        );
        assert_eq!((u.input_tokens, u.output_tokens), (4280, 1500));
        assert_eq!(u.cost_usd, None);
        assert_eq!(u.model, None);
        assert_eq!(u.session_id.as_deref(), Some("gpt-5.1-review"));
        let u = parse_usage(
            "0.0s · $0.0000 · gpt-5.1[high] · ↑0 ↓0 ↻0* Δ0 · sid=question-05-cut-short\n",
            None,
        );
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.cost_usd),
            (0, 0, Some(0.0))
        );
        let u = parse_usage(
            "0.3s · $1.2345 · gpt-5.6-sol[pro/high] · ↑1,234 ↓56 ↻0 Δ1.29k\n",
            None,
        );
        assert_eq!((u.input_tokens, u.output_tokens), (1234, 56));
        assert_eq!(u.model.as_deref(), Some("gpt-5.6-sol"));
        assert_eq!(u.session_id, None);
        // No final line (a failed call): the session id still comes from `Session:`.
        let u = parse_usage(&api_error_stdout(RATE_LIMIT), None);
        assert_eq!(u.session_id.as_deref(), Some("question-03-under-load"));
        assert_eq!((u.input_tokens, u.output_tokens, u.cost_usd), (0, 0, None));
        assert_eq!(parse_usage("", None), Usage::default());
        assert_eq!(
            parse_usage("garbage · ↑ ↓x · sid=\n", None).session_id,
            None
        );
    }

    #[test]
    fn parse_usage_prefers_meta_json() {
        let meta = json!({
            "id": "question-01-what-does-answer",
            "status": "completed",
            "model": "gpt-5.1",
            "usage": {"inputTokens": 4283, "outputTokens": 1502, "reasoningTokens": 0,
                      "totalTokens": 5785, "cost": 0.02037875},
        });
        let stdout = "1.0s · $0.0204 · gpt-5.1[high] · ↑4.28k ↓1.5k ↻0* Δ5.79k · sid=question-01-what-does-answer\n";
        let u = parse_usage(stdout, Some(&meta));
        assert_eq!(
            u,
            Usage {
                input_tokens: 4283,
                output_tokens: 1502,
                cost_usd: Some(0.02037875),
                session_id: Some("question-01-what-does-answer".into()),
                model: Some("gpt-5.1".into()),
            }
        );
        // A failed session's meta.json has no usage: the line's (absent) values stay.
        let failed = json!({"id": "s", "status": "error", "model": "gpt-5.1"});
        let u = parse_usage("", Some(&failed));
        assert_eq!(
            (u.input_tokens, u.cost_usd, u.session_id.as_deref()),
            (0, None, Some("s"))
        );
    }

    #[test]
    fn token_counts() {
        assert_eq!(token_count("11"), Some(11));
        assert_eq!(token_count("0*"), Some(0));
        assert_eq!(token_count("4.28k"), Some(4280));
        assert_eq!(token_count("12k"), Some(12000));
        assert_eq!(token_count("1,234"), Some(1234));
        assert_eq!(token_count("x"), None);
        assert_eq!(token_count("-3"), None);
        assert_eq!(token_count(""), None);
    }

    #[test]
    fn session_meta_paths() {
        let home = Path::new("/tmp/oh");
        assert_eq!(
            session_meta_path(home, "question-01-what-does-answer"),
            Some(PathBuf::from(
                "/tmp/oh/sessions/question-01-what-does-answer/meta.json"
            ))
        );
        for bad in ["", ".", "..", "../x", "a/b", "a\\b"] {
            assert_eq!(session_meta_path(home, bad), None, "{bad:?}");
        }
        assert_eq!(
            oracle_home(Some(OsStr::new("/x/oh")), Some(Path::new("/root"))),
            Some(PathBuf::from("/x/oh"))
        );
        assert_eq!(
            oracle_home(None, Some(Path::new("/root"))),
            Some(PathBuf::from("/root/.oracle"))
        );
        assert_eq!(oracle_home(None, None), None);
    }
}
