//! How one attempt of a provider call ended: ok, transient (retry), or permanent.
//! Until the oracle-specific reader (`classify`) knows better, this reads the generic
//! signals: exit code, oracle's `ERROR:` / `Transport:` lines, HTTP-ish words.

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

/// Tokens and cost from oracle's final line: `… · $0.0001 · gpt-5.1[high] · ↑11 ↓7 ↻0* Δ18 · sid=…`.
pub(crate) fn usage_from_stdout(stdout: &str) -> Usage {
    let mut u = Usage::default();
    for line in stdout.lines().rev() {
        if !line.contains('↑') {
            continue;
        }
        for part in line.split_whitespace() {
            if let Some(n) = part.strip_prefix('↑') {
                u.input_tokens = parse_count(n);
            } else if let Some(n) = part.strip_prefix('↓') {
                u.output_tokens = parse_count(n);
            } else if let Some(c) = part.strip_prefix('$') {
                u.cost_usd = c.parse().unwrap_or(0.0);
            }
        }
        break;
    }
    u
}

fn parse_count(s: &str) -> u64 {
    let s = s.trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.');
    let (num, mul) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1_000.0),
        Some('m' | 'M') => (&s[..s.len() - 1], 1_000_000.0),
        _ => (s, 1.0),
    };
    num.parse::<f64>().map_or(0, |n| (n * mul).round() as u64)
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

    #[test]
    fn usage_line() {
        let u = usage_from_stdout(
            "answer\nFinished in 1.2s · $0.0012 · gpt-5.1[high] · ↑1.2k ↓7 ↻0* Δ18 · sid=abc\n",
        );
        assert_eq!(u.input_tokens, 1200);
        assert_eq!(u.output_tokens, 7);
        assert!((u.cost_usd - 0.0012).abs() < 1e-12);
    }
}
