//! Facts about the REAL `oracle` CLI (npm `@steipete/oracle@0.21.2`) that the provider
//! interposer relies on, pinned against the test LLM server (`tests/common/llm_server.rs`).
//! Each test runs oracle directly (no oraclepack) with `--engine api --base-url <server>`.
//! What these tests observe is written up in `docs/oracle-facts.md`.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::llm_server::{Behavior, LlmServer, Rule, default_answer, error_body, usage_for};
use common::oracle_cli;
use serde_json::Value;

const SOURCE: &str = "pub fn answer() -> u32 {\n    42\n}\n";

/// One oracle invocation in its own working directory and `ORACLE_HOME_DIR`.
struct Call {
    code: Option<i32>,
    /// The signal that killed it, if one did.
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Call {
    fn out_path(&self) -> PathBuf {
        self.dir.path().join("out/answer.md")
    }

    fn output(&self) -> Option<String> {
        std::fs::read_to_string(self.out_path()).ok()
    }

    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// The id from `Session: <id>`.
    fn session_id(&self) -> String {
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix("Session: "))
            .unwrap_or_else(|| panic!("no `Session:` line in\n{}", self.stdout))
            .trim()
            .to_string()
    }

    fn meta(&self) -> Value {
        let p = self
            .home
            .path()
            .join("sessions")
            .join(self.session_id())
            .join("meta.json");
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).expect("meta.json is JSON")
    }

    /// The last `n` stdout lines.
    fn tail(&self, n: usize) -> Vec<&str> {
        let lines = self.lines();
        lines[lines.len().saturating_sub(n)..].to_vec()
    }

    fn describe(&self) -> String {
        format!(
            "exit {:?} (signal {:?}) after {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.signal, self.elapsed, self.stdout, self.stderr
        )
    }
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "src/lib.rs", SOURCE);
    dir
}

fn finish(mut cmd: Command, dir: tempfile::TempDir, home: tempfile::TempDir) -> Call {
    let start = Instant::now();
    let out = cmd.output().expect("oracle runs");
    Call {
        code: out.status.code(),
        signal: out.status.signal(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
        dir,
        home,
    }
}

/// `oracle <offline flags> -p <prompt> -f src/lib.rs --write-output out/answer.md <extra>`.
fn run_with(server: &LlmServer, prompt: &str, extra: &[&str], env: &[(&str, &str)]) -> Call {
    let dir = project();
    let home = tempfile::tempdir().expect("oracle home");
    let mut cmd = oracle_cli::offline_command(home.path(), &server.base_url());
    cmd.current_dir(dir.path())
        .args([
            "-p",
            prompt,
            "-f",
            "src/lib.rs",
            "--write-output",
            "out/answer.md",
        ])
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    finish(cmd, dir, home)
}

fn run(server: &LlmServer, prompt: &str, extra: &[&str]) -> Call {
    run_with(server, prompt, extra, &[])
}

/// Runs independent oracle calls at once (each takes ~1 s, mostly waiting).
fn parallel<T: Send>(jobs: Vec<Box<dyn FnOnce() -> T + Send + '_>>) -> Vec<T> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs.into_iter().map(|j| s.spawn(j)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("job thread"))
            .collect()
    })
}

fn error_message(status: u16) -> String {
    error_body(status)["error"]["message"]
        .as_str()
        .expect("message")
        .to_string()
}

fn assert_no_unknown_requests(server: &LlmServer) {
    assert!(
        server.unknown_paths().is_empty(),
        "oracle asked for {:?}",
        server.unknown_paths()
    );
    for r in server.requests() {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/v1/chat/completions")
        );
    }
}

fn retry_counts(server: &LlmServer, needle: &str) -> Vec<Option<u32>> {
    server
        .requests()
        .iter()
        .filter(|r| r.prompt.contains(needle))
        .map(|r| r.retry_count())
        .collect()
}

#[test]
fn clean_call_writes_the_answer_inlines_the_file_and_reports_usage() {
    let server = LlmServer::start();
    let prompt = "Question #01: what does answer() return?";
    let call = run(&server, prompt, &[]);
    assert_eq!(call.code, Some(0), "{}", call.describe());
    assert_eq!(call.stderr, "", "{}", call.describe());

    // The server saw one streaming chat completion with the file inlined.
    assert_no_unknown_requests(&server);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(req.body["stream"], true);
    assert_eq!(req.body["model"], "gpt-5.1");
    assert_eq!(req.body["reasoning_effort"], "high");
    assert!(req.body.get("stream_options").is_none(), "{}", req.body);
    assert_eq!(req.retry_count(), Some(0));
    assert_eq!(req.header("authorization"), Some("Bearer test"));
    assert_eq!(req.body["messages"][0]["role"], "system");
    let expected_prompt = format!(
        "{prompt}\n\n### File 1: src/lib.rs\nLines: 1-3\n```rust\n1 | pub fn answer() -> u32 {{\n2 |     42\n3 | }}\n```"
    );
    assert_eq!(req.prompt, expected_prompt);

    // The output file holds exactly the answer.
    let answer = default_answer(&req.prompt);
    assert_eq!(call.output().as_deref(), Some(answer.as_str()));

    // stdout: the streamed answer, then the finish line, `files=1`, the save line.
    let sid = call.session_id();
    // The slug: the first five words of the prompt.
    assert_eq!(sid, "question-01-what-does-answer");
    let (p, c) = usage_for(&req.prompt, &answer);
    assert_eq!(req.usage, Some((p, c)));
    let tail = call.tail(3);
    let finish = tail[0];
    let parts: Vec<&str> = finish.split(" · ").collect();
    assert_eq!(parts.len(), 5, "{finish}");
    assert!(parts[0].ends_with('s'), "elapsed first: {finish}");
    assert!(parts[1].starts_with('$'), "cost: {finish}");
    assert_eq!(parts[2], "gpt-5.1[high]");
    assert_eq!(parts[3], format!("↑{p} ↓{c} ↻0* Δ{}", p + c));
    assert_eq!(parts[4], format!("sid={sid}"));
    assert_eq!(tail[1], "files=1");
    let saved = format!("Saved assistant output to {}", call.out_path().display());
    // oracle reports the path it resolved (on macOS /tmp is a symlink; not here).
    assert!(
        tail[2].starts_with("Saved assistant output to "),
        "{}",
        tail[2]
    );
    assert!(
        tail[2].ends_with("/out/answer.md"),
        "{} vs {saved}",
        tail[2]
    );
    assert!(
        call.stdout.contains("\nAnswer:\n## Direct answer\n"),
        "{}",
        call.describe()
    );
    assert!(!call.stdout.contains("ERROR"));

    // meta.json: $ORACLE_HOME_DIR/sessions/<sid>/meta.json.
    let meta = call.meta();
    assert_eq!(meta["id"], sid.as_str());
    assert_eq!(meta["status"], "completed");
    assert_eq!(meta["model"], "gpt-5.1");
    assert_eq!(meta["mode"], "api");
    assert_eq!(meta["usage"]["inputTokens"], p);
    assert_eq!(meta["usage"]["outputTokens"], c);
    assert_eq!(meta["usage"]["reasoningTokens"], 0);
    assert_eq!(meta["usage"]["totalTokens"], p + c);
    // gpt-5.1: $1.25 / M input, $10 / M output.
    let cost = meta["usage"]["cost"].as_f64().expect("cost");
    let expected = p as f64 * 1.25e-6 + c as f64 * 10e-6;
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");
    assert_eq!(parts[1], format!("${cost:.4}"));
    assert!(meta.get("transport").is_none(), "{meta}");
    assert_eq!(meta["response"]["status"], "completed");
    assert_eq!(meta["response"]["responseId"], "chatcmpl-test1");
    assert_eq!(meta["options"]["baseUrl"], server.base_url().as_str());
    assert_eq!(meta["lifecycle"]["detached"], false);
    assert!(
        meta["options"]["writeOutputPath"]
            .as_str()
            .is_some_and(|p| p.ends_with("/out/answer.md"))
    );
    let per_model = call
        .home
        .path()
        .join("sessions")
        .join(&sid)
        .join("models/gpt-5.1.json");
    assert!(per_model.is_file(), "{}", per_model.display());
}

/// The same prompt twice in one home: the second session id gets `-2`.
#[test]
fn a_repeated_prompt_gets_a_suffixed_session_id() {
    let server = LlmServer::start();
    let dir = project();
    let home = tempfile::tempdir().expect("home");
    let mut sids = Vec::new();
    for _ in 0..2 {
        let out = oracle_cli::offline_command(home.path(), &server.base_url())
            .current_dir(dir.path())
            .args(["-p", "Same question twice please", "-f", "src/lib.rs"])
            .output()
            .expect("runs");
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let sid = stdout
            .lines()
            .find_map(|l| l.strip_prefix("Session: "))
            .expect("Session line")
            .to_string();
        assert!(stdout.contains(&format!(" · sid={sid}\n")), "{stdout}");
        sids.push(sid);
    }
    assert_eq!(
        sids,
        ["same-question-twice-please", "same-question-twice-please-2"]
    );
}

/// A bare `oracle -p … -f …` (how the real packs call it) works offline when
/// `$ORACLE_HOME_DIR/config.json` names the engine, model and base URL.
#[test]
fn bare_oracle_with_a_config_file_runs_offline() {
    let server = LlmServer::start();
    let dir = project();
    let home = tempfile::tempdir().expect("home");
    oracle_cli::write_offline_config(home.path(), &server.base_url());
    let mut cmd = Command::new(oracle_cli::oracle_bin());
    oracle_cli::apply_offline_env(&mut cmd, home.path());
    cmd.current_dir(dir.path()).args([
        "--write-output",
        "out/answer.md",
        "-f",
        "src/lib.rs",
        "-p",
        "Bare call #07 with config",
    ]);
    let call = finish(cmd, dir, home);
    assert_eq!(call.code, Some(0), "{}", call.describe());
    assert_no_unknown_requests(&server);
    assert_eq!(server.count(), 1);
    let req = &server.requests()[0];
    assert_eq!(req.body["model"], "gpt-5.1");
    assert_eq!(
        call.output().as_deref(),
        Some(default_answer(&req.prompt).as_str())
    );
    assert!(
        call.stdout.contains("Mode: api foreground\n"),
        "{}",
        call.describe()
    );
}

const QUOTA: &str = "You exceeded your current quota, please check your plan and billing details.";

/// (b), (c), (d), a 400, and a 429 for exhausted quota: oracle's own retries and what it
/// prints.
#[test]
fn http_errors_are_retried_by_oracle_only_for_429_and_5xx() {
    let server = LlmServer::start();
    for (tag, status) in [("#429", 429), ("#503", 503), ("#401", 401), ("#400", 400)] {
        // A storm of 10: more than oracle will ever try.
        server.push_rule(
            Rule::matching(tag)
                .times(10)
                .respond(Behavior::Status(status)),
        );
    }
    let quota = serde_json::json!({"error": {"message": QUOTA, "type": "insufficient_quota", "code": "insufficient_quota"}});
    server.push_rule(
        Rule::matching("#quota")
            .times(10)
            .respond(Behavior::StatusWith {
                code: 429,
                body: quota,
            }),
    );
    let cases = [
        ("#429", error_message(429), 3),
        ("#503", error_message(503), 3),
        ("#401", error_message(401), 1),
        ("#400", error_message(400), 1),
        ("#quota", QUOTA.to_string(), 3),
    ];
    let calls = parallel(
        cases
            .iter()
            .map(|(tag, _, _)| {
                let server = &server;
                let prompt = format!("Question {tag} under an error storm");
                Box::new(move || run(server, &prompt, &[])) as Box<dyn FnOnce() -> Call + Send>
            })
            .collect(),
    );
    assert_no_unknown_requests(&server);
    for ((tag, msg, attempts), call) in cases.iter().zip(&calls) {
        assert_eq!(call.code, Some(1), "{tag}: {}", call.describe());
        assert_eq!(call.stderr, "", "{tag}: {}", call.describe());
        assert_eq!(
            server.count_matching(tag),
            *attempts,
            "{tag}: {}",
            call.describe()
        );
        let expected: Vec<Option<u32>> = (0..*attempts as u32).map(Some).collect();
        assert_eq!(retry_counts(&server, tag), expected, "{tag}");
        // The last three stdout lines: the message (printed as the transport error is
        // described), `ERROR: <message>`, `Transport: api-error — transport error`.
        assert_eq!(
            call.tail(3),
            [
                msg.as_str(),
                format!("ERROR: {msg}").as_str(),
                "Transport: api-error — transport error"
            ],
            "{tag}: {}",
            call.describe()
        );
        assert!(
            !call.stdout.contains("status 4") && !call.stdout.contains("status 5"),
            "{tag}: the status is not printed"
        );
        assert_eq!(call.output(), None, "{tag}: no output file");
        let meta = call.meta();
        assert_eq!(meta["status"], "error", "{tag}");
        assert_eq!(meta["errorMessage"], msg.as_str(), "{tag}");
        assert_eq!(meta["transport"]["reason"], "api-error", "{tag}");
        assert!(meta.get("usage").is_none(), "{tag}: {meta}");
        assert!(meta.get("error").is_none(), "{tag}: {meta}");
    }
    // The storms still have uses left: oracle gave up before they ran out.
    assert_eq!(
        server.rules_remaining(),
        [Some(7), Some(7), Some(9), Some(9), Some(7)]
    );
    // Retries back off ~0.4-0.5 s then ~0.75-1 s (OpenAI SDK, no retry-after header).
    let retried = &calls[0];
    assert!(
        retried.elapsed >= Duration::from_millis(900),
        "{:?}",
        retried.elapsed
    );
}

/// `OPENAI_LOG=info` makes the OpenAI SDK print one stdout line per attempt with the
/// HTTP status: the only place the status appears.
#[test]
fn openai_log_info_prints_the_status_of_every_attempt() {
    let server = LlmServer::start();
    server.push_rule(Rule::matching("#429").respond(Behavior::Status(429)));
    server.push_rule(Rule::matching("#401").respond(Behavior::Status(401)));
    let env = [("OPENAI_LOG", "info")];
    let calls = parallel(vec![
        Box::new(|| run_with(&server, "Logged #429 question", &[], &env)),
        Box::new(|| run_with(&server, "Logged #401 question", &[], &env)),
        Box::new(|| run_with(&server, "Logged #200 question", &[], &env)),
    ]);
    let url = format!("{}/chat/completions", server.base_url());
    let status_lines = |c: &Call| -> Vec<String> {
        c.stdout
            .lines()
            .filter(|l| l.starts_with("[log_"))
            .map(|l| {
                // `[log_ab12cd]` / `[log_ab12cd, retryOf: log_ab12cd]` and the timing vary.
                let (_, rest) = l.split_once("] ").expect("log prefix");
                let (head, tail) = rest.split_once(" in ").expect("timing");
                let (_, after) = tail.split_once("ms").expect("ms");
                format!("{head} in Nms{after}")
            })
            .collect()
    };
    assert_eq!(calls[0].code, Some(1));
    assert_eq!(
        status_lines(&calls[0]),
        [
            format!("post {url} failed with status 429 in Nms - retrying, 2 attempts remaining"),
            format!("post {url} failed with status 429 in Nms - retrying, 1 attempts remaining"),
            format!("post {url} failed with status 429 in Nms - error; no more retries left"),
        ]
    );
    assert!(calls[0].stdout.contains("[log_"));
    assert!(
        calls[0].stdout.contains(", retryOf: log_"),
        "{}",
        calls[0].stdout
    );
    assert_eq!(calls[1].code, Some(1));
    assert_eq!(
        status_lines(&calls[1]),
        [format!(
            "post {url} failed with status 401 in Nms - error; not retryable"
        )]
    );
    assert_eq!(calls[2].code, Some(0));
    assert_eq!(
        status_lines(&calls[2]),
        [format!("post {url} succeeded with status 200 in Nms")]
    );
    // The logging does not reach the answer file.
    assert!(
        calls[2]
            .output()
            .is_some_and(|o| o.starts_with("## Direct answer\n"))
    );
}

/// (e) The stream stops after two chunks without a finish chunk or `[DONE]`: oracle
/// takes the partial text as the complete answer, exits 0 and writes it.
#[test]
fn a_stream_closed_early_is_saved_as_a_complete_answer() {
    let server = LlmServer::start();
    server.push_rule(Rule::matching("#05").respond(Behavior::CloseEarly));
    let call = run(&server, "Question #05 cut short", &[]);
    assert_eq!(call.code, Some(0), "{}", call.describe());
    assert_eq!(server.count(), 1, "not retried");
    let req = &server.requests()[0];
    let full = default_answer(&req.prompt);
    let out = call.output().expect("partial answer written");
    assert!(
        full.starts_with(out.trim_end()),
        "{out:?} is a prefix of the answer"
    );
    assert!(out.len() < full.len());
    assert!(out.ends_with('\n'), "oracle adds the final newline");
    assert!(!call.stdout.contains("ERROR"));
    let sid = call.session_id();
    let finish = call.tail(3)[0];
    assert!(
        finish.ends_with(&format!(
            " · $0.0000 · gpt-5.1[high] · ↑0 ↓0 ↻0* Δ0 · sid={sid}"
        )),
        "{finish}"
    );
    let meta = call.meta();
    assert_eq!(meta["status"], "completed");
    assert_eq!(meta["usage"]["inputTokens"], 0);
    assert_eq!(meta["usage"]["outputTokens"], 0);
    assert_eq!(meta["usage"]["cost"], 0);
}

/// (f) An empty answer: exit 0, the output file is not written (an old one stays).
#[test]
fn an_empty_answer_exits_zero_and_leaves_the_old_file() {
    let server = LlmServer::start();
    server.push_rule(Rule::matching("#06").respond(Behavior::Empty));
    let calls = parallel(vec![
        Box::new(|| run(&server, "Question #06 empty, no file", &[])),
        Box::new(|| {
            let dir = project();
            common::write(dir.path(), "out/answer.md", "old answer\n");
            let home = tempfile::tempdir().expect("home");
            let mut cmd = oracle_cli::offline_command(home.path(), &server.base_url());
            cmd.current_dir(dir.path()).args([
                "-p",
                "Question #06 empty, old file",
                "-f",
                "src/lib.rs",
                "--write-output",
                "out/answer.md",
            ]);
            finish(cmd, dir, home)
        }),
    ]);
    for call in &calls {
        assert_eq!(call.code, Some(0), "{}", call.describe());
        assert!(
            call.stdout.contains("\nAnswer:\n(no text output)\n"),
            "{}",
            call.describe()
        );
        assert_eq!(
            call.tail(1),
            ["write-output skipped: no assistant content to save."]
        );
        assert_eq!(call.meta()["status"], "completed");
        assert_eq!(call.meta()["usage"]["outputTokens"], 0);
    }
    assert_eq!(calls[0].output(), None);
    assert_eq!(calls[1].output().as_deref(), Some("old answer\n"));
    assert_eq!(server.count(), 2, "not retried");
}

/// (g) A server that never answers: `--timeout` (any positive number; 0 is refused)
/// bounds each of oracle's 3 attempts, so the call takes ~3× the timeout plus backoff.
#[test]
fn a_hung_server_times_out_after_three_attempts() {
    let server = LlmServer::start();
    server.push_rule(Rule::matching("#08").respond(Behavior::Hang));
    let calls = parallel(vec![
        Box::new(|| run(&server, "Question #08 hangs", &["--timeout", "0.3"])),
        Box::new(|| run(&server, "Question #08 zero", &["--timeout", "0"])),
    ]);
    let call = &calls[0];
    assert_eq!(call.code, Some(1), "{}", call.describe());
    assert_eq!(call.stderr, "");
    assert_eq!(server.count_matching("hangs"), 3);
    assert_eq!(retry_counts(&server, "hangs"), [Some(0), Some(1), Some(2)]);
    assert_eq!(
        call.tail(3),
        [
            "Client-side timeout: OpenAI streaming call exceeded the 300ms deadline.",
            "ERROR: OpenAI request timed out before completion.",
            "Transport: client-timeout — client timeout (deadline exceeded)",
        ]
    );
    assert!(
        call.elapsed >= Duration::from_millis(900),
        "{:?}",
        call.elapsed
    );
    assert!(call.elapsed < Duration::from_secs(30), "{:?}", call.elapsed);
    assert_eq!(call.output(), None);
    let meta = call.meta();
    assert_eq!(meta["status"], "error");
    assert_eq!(meta["transport"]["reason"], "client-timeout");
    assert_eq!(
        meta["errorMessage"],
        "OpenAI request timed out before completion."
    );

    let zero = &calls[1];
    assert_eq!(zero.code, Some(1));
    assert_eq!(zero.stdout, "");
    assert_eq!(
        zero.stderr,
        "error: option '--timeout <seconds|duration|auto>' argument '0' is invalid. Timeout must be a positive number of seconds, a duration like \"10m\", or \"auto\".\n(use --help for usage)\n"
    );
    assert_eq!(server.count_matching("zero"), 0);
}

/// A stream that starts and then goes silent is NOT bounded by `--timeout`: oracle
/// waits until the server closes, then reports a client timeout.
#[test]
fn a_stalled_stream_outlives_the_timeout() {
    let server = LlmServer::start();
    server.push_rule(Rule::matching("#09").respond(Behavior::Stall(Duration::from_millis(1500))));
    let call = run(&server, "Question #09 stalls", &["--timeout", "0.3"]);
    assert_eq!(call.code, Some(1), "{}", call.describe());
    assert_eq!(server.count(), 1, "not retried");
    assert!(
        call.elapsed >= Duration::from_millis(1500),
        "{:?}",
        call.elapsed
    );
    let tail = call.tail(3);
    // The description follows the partial answer on the same line.
    assert!(
        tail[0]
            .ends_with("Client-side timeout: OpenAI streaming call exceeded the 300ms deadline."),
        "{}",
        call.describe()
    );
    assert_eq!(
        tail[1..],
        [
            "ERROR: Timed out waiting for API response after 300ms.",
            "Transport: client-timeout — client timeout (deadline exceeded)",
        ]
    );
    assert_eq!(call.output(), None);
    assert_eq!(call.meta()["transport"]["reason"], "client-timeout");
}

/// A connection closed before any response: retried like a 5xx, then `connection-lost`.
/// Half an event then a close: not retried, `unknown`.
#[test]
fn dropped_connections_and_torn_events() {
    let server = LlmServer::start();
    server.push_rule(Rule::matching("#10").respond(Behavior::Disconnect));
    server.push_rule(Rule::matching("#11").respond(Behavior::CloseMidEvent));
    let calls = parallel(vec![
        Box::new(|| run(&server, "Question #10 disconnects", &[])),
        Box::new(|| run(&server, "Question #11 tears an event", &[])),
    ]);
    let lost = &calls[0];
    assert_eq!(lost.code, Some(1), "{}", lost.describe());
    assert_eq!(server.count_matching("#10"), 3);
    assert_eq!(
        lost.tail(3),
        [
            "Connection to OpenAI ended unexpectedly before the response completed.",
            "ERROR: Connection to OpenAI dropped before the response completed.",
            "Transport: connection-lost — connection lost before completion",
        ]
    );
    assert_eq!(lost.stderr, "");
    assert_eq!(lost.output(), None);
    assert_eq!(lost.meta()["transport"]["reason"], "connection-lost");

    let torn = &calls[1];
    assert_eq!(torn.code, Some(1), "{}", torn.describe());
    assert_eq!(server.count_matching("#11"), 1);
    let tail = torn.tail(3);
    assert!(
        tail[0].ends_with("OpenAI streaming call ended with an unknown transport error."),
        "{}",
        torn.describe()
    );
    assert_eq!(
        tail[1..],
        [
            "ERROR: Error reading response: malformed server-sent event JSON.",
            "Transport: unknown — unknown transport failure",
        ]
    );
    assert!(
        torn.stderr
            .starts_with("Could not parse message into JSON:"),
        "{}",
        torn.stderr
    );
    assert_eq!(torn.output(), None);
    assert_eq!(torn.meta()["transport"]["reason"], "unknown");
}

/// Errors before the call: `✖ <message>` on stderr (no session), commander errors on
/// stderr, a failed `--write-output` that still exits 0.
#[test]
fn errors_before_the_call_and_output_write_failures() {
    let server = LlmServer::start();
    let calls = parallel(vec![
        Box::new(|| {
            run(
                &server,
                "Question #12 missing file",
                &["-f", "nope/missing.rs"],
            )
        }),
        Box::new(|| run(&server, "Question #13 bad flag", &["--no-such-flag"])),
        Box::new(|| {
            let dir = project();
            std::fs::create_dir_all(dir.path().join("out/answer.md")).expect("mkdir");
            let home = tempfile::tempdir().expect("home");
            let mut cmd = oracle_cli::offline_command(home.path(), &server.base_url());
            cmd.current_dir(dir.path()).args([
                "-p",
                "Question #14 output is a directory",
                "-f",
                "src/lib.rs",
                "--write-output",
                "out/answer.md",
            ]);
            finish(cmd, dir, home)
        }),
    ]);
    let missing = &calls[0];
    assert_eq!(missing.code, Some(1), "{}", missing.describe());
    assert_eq!(
        missing.stderr,
        "✖ Missing file or directory: nope/missing.rs\n"
    );
    assert!(
        !missing.stdout.contains("Session:"),
        "{}",
        missing.describe()
    );
    let bad = &calls[1];
    assert_eq!(bad.code, Some(1));
    assert_eq!(bad.stdout, "");
    assert_eq!(
        bad.stderr,
        "error: unknown option '--no-such-flag'\n(use --help for usage)\n"
    );
    let dir_out = &calls[2];
    assert_eq!(dir_out.code, Some(0), "{}", dir_out.describe());
    let last = dir_out.tail(1)[0];
    assert!(
        last.starts_with("write-output failed (EISDIR: illegal operation on a directory, open '")
            && last.ends_with("/out/answer.md'); session completed anyway."),
        "{last}"
    );
    assert_eq!(
        server.count(),
        1,
        "only the write-output case called the model"
    );
}

/// The delay behaviour answers after the delay, within oracle's timeout.
#[test]
fn a_slow_answer_within_the_timeout_succeeds() {
    let server = LlmServer::start();
    server.push_rule(
        Rule::matching("#15")
            .times(1)
            .respond(Behavior::Delay(Duration::from_millis(700))),
    );
    let call = run(&server, "Question #15 slow", &["--timeout", "5"]);
    assert_eq!(call.code, Some(0), "{}", call.describe());
    assert!(call.elapsed >= Duration::from_millis(700));
    assert_eq!(server.count(), 1);
    assert_eq!(server.rules_remaining(), [Some(0)]);
    assert!(
        call.output()
            .is_some_and(|o| o.contains("## Missing evidence\n"))
    );
}

#[test]
fn the_installed_cli_is_the_pinned_version() {
    let out = Command::new(oracle_cli::oracle_bin())
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        oracle_cli::ORACLE_VERSION
    );
    let bin: &Path = &oracle_cli::oracle_bin();
    assert!(bin.ends_with("target/npm-tools/oracle/node_modules/.bin/oracle"));
}

/// The default "pro" models detach into a background worker and exit 0 before the answer
/// exists unless `--wait`; with `--wait` and a custom base URL they use a NON-streaming
/// chat completion.
#[test]
fn a_pro_model_detaches_unless_wait() {
    let server = LlmServer::start();
    let calls = parallel(vec![
        Box::new(|| {
            run(
                &server,
                "Question #16 pro detached",
                &["--model", "gpt-5.5-pro"],
            )
        }),
        Box::new(|| {
            run(
                &server,
                "Question #17 pro waits",
                &["--model", "gpt-5.5-pro", "--wait"],
            )
        }),
    ]);
    let detached = &calls[0];
    assert_eq!(detached.code, Some(0), "{}", detached.describe());
    assert!(
        detached.stdout.contains("\nMode: api background\n"),
        "{}",
        detached.describe()
    );
    assert!(
        detached.stdout.contains("\nDetach: yes, polling\n"),
        "{}",
        detached.describe()
    );
    assert_eq!(
        detached.tail(1),
        ["Pro runs can take up to 60 minutes (usually 10-15). Add --wait to stay attached."]
    );
    assert!(!detached.stdout.contains("Answer:"));
    // The worker carries on after oracle exited: wait for it before the server goes away.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status = detached.meta()["status"].as_str().unwrap_or("").to_string();
        if !matches!(status.as_str(), "pending" | "running") || Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, "completed");
    let meta = detached.meta();
    assert_eq!(meta["lifecycle"]["detached"], true);
    assert!(meta["lifecycle"]["workerPid"].is_u64(), "{meta}");
    // The worker writes the output file later, after oracle itself exited 0.
    assert!(
        detached
            .output()
            .is_some_and(|o| o.contains("Question #16 pro detached"))
    );

    let waited = &calls[1];
    assert_eq!(waited.code, Some(0), "{}", waited.describe());
    assert!(waited.stdout.contains("\nMode: api foreground\n"));
    assert!(
        waited
            .stdout
            .contains("\nAPI scheduled background response chatcmpl-test"),
        "{}",
        waited.describe()
    );
    assert!(
        waited
            .output()
            .is_some_and(|o| o.contains("Question #17 pro waits"))
    );
    let finish = waited.tail(3)[0];
    assert!(finish.contains(" · gpt-5.5-pro[xhigh] · "), "{finish}");
    // Both calls were non-streaming chat completions.
    assert_no_unknown_requests(&server);
    assert_eq!(server.count(), 2);
    for r in server.requests() {
        assert_eq!(r.body["stream"], false, "{}", r.prompt);
    }
}

/// SIGTERM kills node outright (no handler: the process dies of the signal, which a shell
/// reports as 143); SIGINT is handled: `Cancelled.`, exit 130. Either way the session's
/// meta.json is left at `running`, and no output file is written.
#[test]
fn signals_exit_130_and_143_and_leave_the_session_running() {
    let server = LlmServer::start();
    server.push_rule(Rule::matching("#18").respond(Behavior::Hang));
    let calls = parallel(
        [("SIGTERM", libc::SIGTERM), ("SIGINT", libc::SIGINT)]
            .into_iter()
            .map(|(name, signal)| {
                let server = &server;
                Box::new(move || {
                    let dir = project();
                    let home = tempfile::tempdir().expect("home");
                    let prompt = format!("Question #18 killed by {name}");
                    let mut cmd = oracle_cli::offline_command(home.path(), &server.base_url());
                    cmd.current_dir(dir.path())
                        .args(["-p", &prompt, "-f", "src/lib.rs"])
                        .args(["--write-output", "out/answer.md"])
                        .stdout(std::process::Stdio::piped())
                        .stderr(std::process::Stdio::piped());
                    let start = Instant::now();
                    let child = cmd.spawn().expect("spawn oracle");
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while server.count_matching(&prompt) == 0 && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    let pid = libc::pid_t::try_from(child.id()).expect("pid");
                    // SAFETY: `pid` is our own child, not yet reaped.
                    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
                    let out = child.wait_with_output().expect("wait");
                    Call {
                        code: out.status.code(),
                        signal: out.status.signal(),
                        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                        elapsed: start.elapsed(),
                        dir,
                        home,
                    }
                }) as Box<dyn FnOnce() -> Call + Send>
            })
            .collect(),
    );
    let (term, int) = (&calls[0], &calls[1]);
    assert_eq!(
        (term.code, term.signal),
        (None, Some(libc::SIGTERM)),
        "{}",
        term.describe()
    );
    assert!(term.tail(1)[0].starts_with("Tip: "), "{}", term.describe());
    assert_eq!(
        (int.code, int.signal),
        (Some(130), None),
        "{}",
        int.describe()
    );
    assert_eq!(int.tail(2), ["", "Cancelled."], "{}", int.describe());
    for call in &calls {
        assert_eq!(call.stderr, "", "{}", call.describe());
        assert_eq!(call.output(), None);
        assert_eq!(call.meta()["status"], "running");
        assert!(call.meta().get("transport").is_none());
    }
}

/// The server itself: `/v1/models`, unknown paths (recorded, 404), SSE framing, and a
/// drop that does not wait for a hung request.
#[test]
fn the_test_server_answers_models_and_unknown_paths_and_drops_promptly() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    fn exchange(addr: std::net::SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        s.write_all(request.as_bytes()).expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    }
    let server = LlmServer::start();
    let models = exchange(server.addr(), "GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n");
    assert!(models.starts_with("HTTP/1.1 200 OK\r\n"), "{models}");
    assert!(models.contains("\"gpt-5.1\""));
    let unknown = exchange(
        server.addr(),
        "POST /v1/responses HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}",
    );
    assert!(
        unknown.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{unknown}"
    );
    assert_eq!(server.unknown_paths(), ["POST /v1/responses"]);

    let body =
        r#"{"model":"gpt-5.1","stream":true,"messages":[{"role":"user","content":"Hi #1"}]}"#;
    let sse = exchange(
        server.addr(),
        &format!(
            "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(sse.contains("transfer-encoding: chunked\r\n"), "{sse}");
    let events: Vec<&str> = sse
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(events.last(), Some(&"[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).expect("chunk JSON"))
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, default_answer("Hi #1"));
    let last = chunks.last().expect("finish chunk");
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["object"], "chat.completion.chunk");
    let (p, c) = usage_for("Hi #1", &text);
    assert_eq!(last["usage"]["total_tokens"], p + c);
    assert!(sse.ends_with("0\r\n\r\n"));

    server.push_rule(Rule::any().respond(Behavior::Hang));
    let mut hung = TcpStream::connect(server.addr()).expect("connect");
    hung.write_all(
        format!(
            "POST /v1/chat/completions HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .expect("write");
    assert!(server.wait_for_count(4, Duration::from_secs(10)));
    let start = Instant::now();
    drop(server);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    hung.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut rest = Vec::new();
    assert_eq!(
        hung.read_to_end(&mut rest).map(|_| rest.len()).ok(),
        Some(0)
    );
}
