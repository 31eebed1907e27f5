//! End to end: the real `oraclepack run` with the real `oracle` CLI (0.21.2) against the
//! local OpenAI-compatible test server. The offline flags reach oracle through the
//! project's `oraclepack.toml` (`[providers.oracle] command/args/env`), never the pack.
//! Every assertion about calls counts the requests the server actually received.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::llm_server::{Behavior, LlmServer, Rule, default_answer};
use common::oracle_cli::{apply_offline_env, offline_args, oracle_bin};
use serde_json::Value;
use tempfile::TempDir;

const GROUPED: &str = "oracle-questions-2026-01-09-030000_actions.md";
const GROUPED_OUT: &str = "docs/oracle-questions-2026-01-09-030000/actions";
const SECTIONS: [(&str, &str); 4] = [
    ("direct-answer", "Direct answer"),
    ("risks-unknowns", "Risks/unknowns"),
    ("next-experiment", "Next smallest concrete experiment"),
    ("missing-evidence", "Missing evidence"),
];

/// A temporary project (root marker `.git`) with its own oracle home and config.
struct Project {
    dir: TempDir,
    home: TempDir,
    pack: PathBuf,
}

impl Project {
    fn new(server: &LlmServer) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = tempfile::tempdir().expect("oracle home");
        std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir .git");
        let args: Vec<String> = offline_args(&server.base_url())
            .iter()
            .map(|a| format!("{a:?}"))
            .collect();
        let config = format!(
            "[providers.oracle]\ncommand = {cmd:?}\nargs = [{args}]\nenv = {{ OPENAI_API_KEY = \"test\", ORACLE_HOME_DIR = {home:?}, NO_COLOR = \"1\" }}\nmax_concurrent = 8\n\n[retry]\nbase_delay = \"100ms\"\nmax_delay = \"400ms\"\nmax_attempts = 4\n",
            cmd = oracle_bin().display().to_string(),
            args = args.join(", "),
            home = home.path().display().to_string(),
        );
        std::fs::write(dir.path().join("oraclepack.toml"), config).expect("write config");
        Project {
            dir,
            home,
            pack: PathBuf::new(),
        }
    }

    /// The real grouped pack, copied into the project, with the six tickets it attaches.
    fn grouped(server: &LlmServer) -> Project {
        let mut p = Project::new(server);
        let text = common::read_pack(GROUPED);
        for ticket in ticket_paths(&text) {
            let name = ticket.rsplit('/').next().unwrap_or(&ticket).to_string();
            write(
                p.root(),
                &ticket,
                &format!("# {name}\n\nTicket body for {name}.\n"),
            );
        }
        p.pack = write(p.root(), GROUPED, &text);
        p
    }

    /// A 20-step pack written here, step NN attaching its own `src/mod_NN.rs`.
    fn small(server: &LlmServer, out_override: Option<(usize, &str)>) -> Project {
        let mut p = Project::new(server);
        for n in 1..=20 {
            write(
                p.root(),
                &format!("src/mod_{n:02}.rs"),
                &format!("pub fn f{n}() -> u32 {{ {n} }}\n"),
            );
        }
        p.pack = write(p.root(), "small-pack.md", &small_pack(out_override));
        p
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, extra: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oraclepack"));
        apply_offline_env(&mut cmd, self.home.path());
        cmd.current_dir(self.root())
            .arg("run")
            .arg(&self.pack)
            .args(["--max-parallel", "8", "--non-interactive"])
            .args(extra)
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, extra: &[&str]) -> Output {
        self.command(extra).output().expect("oraclepack runs")
    }

    fn run_dir(&self) -> PathBuf {
        let runs = self.root().join(".oraclepack/runs");
        let dirs: Vec<PathBuf> = std::fs::read_dir(&runs)
            .unwrap_or_else(|e| panic!("{}: {e}", runs.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        assert_eq!(dirs.len(), 1, "one run directory: {dirs:?}");
        dirs[0].clone()
    }

    fn json(&self, name: &str) -> Value {
        let p = self.run_dir().join(name);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn steps(&self) -> Vec<Value> {
        self.json("steps.json")["steps"]
            .as_array()
            .expect("steps array")
            .clone()
    }

    fn step(&self, id: &str) -> Value {
        self.steps()
            .into_iter()
            .find(|s| s["step_id"] == id)
            .unwrap_or_else(|| panic!("step {id} in steps.json"))
    }
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", describe(out));
}

/// Every distinct path of the pack's `TICKET_PATHS = "a,b,…"` lines.
fn ticket_paths(pack: &str) -> BTreeSet<String> {
    pack.lines()
        .filter_map(|l| l.trim().strip_prefix("TICKET_PATHS = \""))
        .filter_map(|l| l.split('"').next())
        .flat_map(|l| l.split(',').map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The `-p` text (heredoc body) of step `nn`'s call for `section` in the grouped pack:
/// unique to that one call, and sent verbatim by oracle.
fn grouped_prompt(nn: usize, section: &str) -> String {
    let text = common::read_pack(GROUPED);
    let head = format!("Strategist question #{nn:02} ");
    let tail = format!("Output section: {section}\n");
    let bodies: Vec<&str> = text
        .split("<<'PROMPT'\n")
        .skip(1)
        .filter_map(|s| s.split("\nPROMPT\n").next())
        .filter(|b| b.starts_with(&head) && b.contains(&tail))
        .collect();
    assert_eq!(bodies.len(), 1, "one prompt for #{nn:02} {section}");
    bodies[0].to_string()
}

fn small_prompt(nn: usize) -> String {
    format!("Module question #{nn:02}: which invariant does module {nn} keep?")
}

fn small_pack(out_override: Option<(usize, &str)>) -> String {
    const CATS: [&str; 10] = common::CATEGORIES;
    let mut s = String::from(
        "# Oracle questions — e2e\n\n- out_dir: out\n\n```bash\nset -euo pipefail\nmkdir -p \"out\"\n",
    );
    for n in 1..=20 {
        let out = match out_override {
            Some((k, path)) if k == n => path.to_string(),
            _ => format!("out/{n:02}-x.md"),
        };
        s.push_str(&format!(
            "\n# {n:02}) ROI={roi:.1} impact=5 confidence=0.80 effort=1 horizon=Immediate category={cat} reference=src/mod_{n:02}.rs\noracle --write-output \"{out}\" -f \"src/mod_{n:02}.rs\" -p \"{prompt}\"\n",
            roi = 30.0 - n as f64,
            cat = CATS[(n - 1) % 10],
            prompt = small_prompt(n),
        ));
    }
    s.push_str("```\n");
    s
}

fn invocations(step: &Value) -> Vec<Value> {
    step["invocations"]
        .as_array()
        .expect("invocations array")
        .clone()
}

/// The invocation of `step` whose `--write-output` ends with `suffix`.
fn invocation(step: &Value, suffix: &str) -> Value {
    invocations(step)
        .into_iter()
        .find(|c| {
            c["write_output"]
                .as_str()
                .is_some_and(|w| w.ends_with(suffix))
        })
        .unwrap_or_else(|| panic!("an invocation writing *{suffix} in {step:#}"))
}

fn outcomes(call: &Value) -> Vec<String> {
    call["attempts"]
        .as_array()
        .expect("attempts array")
        .iter()
        .map(|a| a["outcome"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The `-p` argument of a recorded call.
fn argv_prompt(call: &Value) -> Option<String> {
    let argv = call["argv"].as_array()?;
    let i = argv.iter().position(|a| a == "-p")?;
    argv.get(i + 1)?.as_str().map(str::to_string)
}

#[test]
fn grouped_pack_clean_run_then_resume_and_rerun_all_are_cache_hits() {
    let server = LlmServer::start();
    let p = Project::grouped(&server);

    // 1. Clean run: 80 real calls, every step ok with its four chunks.
    let out = p.run(&[]);
    assert_exit(&out, 0);
    assert_eq!(server.count(), 80, "one request per call");
    let requests = server.requests();
    let steps = p.steps();
    assert_eq!(steps.len(), 20);
    for (i, s) in steps.iter().enumerate() {
        let nn = i + 1;
        assert_eq!(s["step_id"], format!("{nn:02}"));
        assert_eq!(s["status"], "ok", "{s:#}");
        assert!(s["output_hash"].is_string(), "{s:#}");
        assert!(s["input_tokens"].as_u64().unwrap_or(0) > 0, "{s:#}");
        let outputs = s["outputs"].as_array().expect("outputs");
        assert_eq!(outputs.len(), 4, "{s:#}");
        for (slug, section) in SECTIONS {
            let prompt = grouped_prompt(nn, section);
            let matching: Vec<_> = requests
                .iter()
                .filter(|r| r.prompt.contains(&prompt))
                .collect();
            assert_eq!(matching.len(), 1, "one request for #{nn:02} {section}");
            let answer = default_answer(&matching[0].prompt);
            let o = outputs
                .iter()
                .find(|o| {
                    o["path"]
                        .as_str()
                        .is_some_and(|x| x.ends_with(&format!("-{slug}.md")))
                })
                .unwrap_or_else(|| panic!("output {slug} of step {nn:02}"));
            let path = o["path"].as_str().expect("path");
            assert!(path.starts_with(GROUPED_OUT), "{path}");
            let written = std::fs::read_to_string(p.root().join(path)).expect("pack output");
            assert_eq!(written.trim(), answer.trim(), "{path}");
            let canonical = p
                .run_dir()
                .join(o["canonical"].as_str().expect("canonical"));
            let copy = std::fs::read_to_string(&canonical).expect("canonical copy");
            assert_eq!(copy, written, "{}", canonical.display());
            let call = invocation(s, &format!("-{slug}.md"));
            assert_eq!(call["cache_hit"], false);
            assert_eq!(outcomes(&call), ["ok"]);
        }
    }
    let run = p.json("run.json");
    assert!(
        run["totals"]["input_tokens"].as_u64().unwrap_or(0) > 0,
        "{run:#}"
    );
    assert!(
        run["totals"]["output_tokens"].as_u64().unwrap_or(0) > 0,
        "{run:#}"
    );
    assert_eq!(run["totals"]["calls"], 80, "{run:#}");

    // 2. Nothing changed: resume skips every step, no request.
    let out = p.run(&[]);
    assert_exit(&out, 0);
    assert_eq!(server.count(), 80, "a resume makes no call");

    // --rerun all: every step runs, every call is a cache hit.
    let out = p.run(&["--rerun", "all"]);
    assert_exit(&out, 0);
    assert_eq!(server.count(), 80, "--rerun all is served by the cache");
    for s in p.steps() {
        assert_eq!(s["status"], "ok", "{s:#}");
        let calls = invocations(&s);
        assert_eq!(calls.len(), 4, "{s:#}");
        for c in calls {
            assert_eq!(c["cache_hit"], true, "{c:#}");
        }
    }
}

#[test]
fn changing_an_attached_file_reruns_only_the_steps_attaching_it() {
    let server = LlmServer::start();
    // In the grouped pack every step attaches the same six tickets (one TICKET_PATHS
    // value), so a change there invalidates all 20; this pack gives each step its own file.
    assert_eq!(
        common::read_pack(GROUPED)
            .lines()
            .filter(|l| l.trim_start().starts_with("TICKET_PATHS = "))
            .collect::<BTreeSet<_>>()
            .len(),
        1
    );
    let p = Project::small(&server, None);
    assert_exit(&p.run(&[]), 0);
    assert_eq!(server.count(), 20);

    assert_exit(&p.run(&["--rerun", "all"]), 0);
    assert_eq!(server.count(), 20, "all cache hits");

    write(p.root(), "src/mod_05.rs", "pub fn f5() -> u32 { 555 }\n");
    write(p.root(), "src/mod_13.rs", "pub fn f13() -> u32 { 1313 }\n");
    let before = server.count();
    assert_exit(&p.run(&["--rerun", "all"]), 0);
    let new: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.prompt.clone())
        .collect();
    assert_eq!(new.len(), 2, "{new:#?}");
    assert!(new.iter().any(|r| r.contains(&small_prompt(5))), "{new:#?}");
    assert!(
        new.iter().any(|r| r.contains(&small_prompt(13))),
        "{new:#?}"
    );
    assert!(
        new.iter().any(|r| r.contains("555")),
        "the changed file is sent"
    );
    for s in p.steps() {
        let changed = s["step_id"] == "05" || s["step_id"] == "13";
        let calls = invocations(&s);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0]["cache_hit"], !changed, "{s:#}");
    }
}

#[test]
fn throttling_and_overload_longer_than_oracles_own_retries_are_retried() {
    let server = LlmServer::start();
    let p = Project::grouped(&server);
    let p429 = grouped_prompt(3, "Direct answer");
    let p503 = grouped_prompt(4, "Risks/unknowns");
    server.push_rule(
        Rule::matching(&p429)
            .times(5)
            .respond(Behavior::Status(429)),
    );
    server.push_rule(
        Rule::matching(&p503)
            .times(5)
            .respond(Behavior::Status(503)),
    );
    // Only steps 03 (ROI 5.1) and 04 (ROI 5.0), 8 calls: the other 72 would test nothing
    // more; the ROI filter skips them and the run can still exit 0.
    let out = p.run(&["--roi-threshold", "5.0"]);
    assert_exit(&out, 0);
    assert_eq!(server.count_matching(&p429), 6, "5 throttled + 1 answer");
    assert_eq!(server.count_matching(&p503), 6, "5 overloaded + 1 answer");
    assert_eq!(server.count(), 8 + 10);
    for (step, slug, status) in [
        ("03", "-direct-answer.md", 429),
        ("04", "-risks-unknowns.md", 503),
    ] {
        let s = p.step(step);
        assert_eq!(s["status"], "ok", "{s:#}");
        let call = invocation(&s, slug);
        let o = outcomes(&call);
        assert!(o.len() > 1, "{status}: {o:?}");
        assert!(
            o[..o.len() - 1].iter().all(|x| x.starts_with("transient:")),
            "{status}: {o:?}"
        );
        assert_eq!(o.last().map(String::as_str), Some("ok"), "{status}: {o:?}");
        let written =
            std::fs::read_to_string(p.root().join(call["write_output"].as_str().expect("path")))
                .expect("answer");
        let answered = server
            .requests()
            .into_iter()
            .rfind(|r| r.prompt.contains(argv_prompt(&call).expect("-p").as_str()))
            .map(|r| default_answer(&r.prompt))
            .expect("request");
        assert_eq!(written.trim(), answered.trim(), "{status}");
    }
    for s in p.steps() {
        if s["step_id"] != "03" && s["step_id"] != "04" {
            assert_eq!(s["status"], "skipped", "{s:#}");
        }
    }
}

#[test]
fn an_auth_error_is_permanent_and_not_retried() {
    let server = LlmServer::start();
    let p = Project::small(&server, None);
    let needle = small_prompt(2);
    server.push_rule(
        Rule::matching(&needle)
            .times(100)
            .respond(Behavior::Status(401)),
    );
    // Steps 01..05 only (ROI 29..25): five calls are enough.
    let out = p.run(&["--roi-threshold", "25"]);
    assert_exit(&out, 4);
    assert_eq!(
        server.count_matching(&needle),
        1,
        "oracle makes one request, we add none"
    );
    assert_eq!(server.count(), 5);
    let s = p.step("02");
    assert_eq!(s["status"], "failed", "{s:#}");
    assert_eq!(s["error_class"], "permanent", "{s:#}");
    let call = invocation(&s, "02-x.md");
    let o = outcomes(&call);
    assert_eq!(o.len(), 1, "{o:?}");
    assert!(o[0].starts_with("permanent:"), "{o:?}");
    for s in p.steps().iter().filter(|s| s["step_id"] != "02") {
        let id: usize = s["step_id"]
            .as_str()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        let want = if id <= 5 { "ok" } else { "skipped" };
        assert_eq!(s["status"], want, "{s:#}");
    }
}

#[test]
fn a_stream_cut_short_is_retried_and_the_full_answer_is_saved() {
    let server = LlmServer::start();
    let p = Project::small(&server, None);
    let needle = small_prompt(4);
    server.push_rule(
        Rule::matching(&needle)
            .times(1)
            .respond(Behavior::CloseEarly),
    );
    // Steps 01..05 only (ROI 29..25).
    let out = p.run(&["--roi-threshold", "25"]);
    assert_exit(&out, 0);
    assert_eq!(server.count_matching(&needle), 2, "cut, then answered");
    let s = p.step("04");
    let call = invocation(&s, "04-x.md");
    assert_eq!(
        outcomes(&call),
        ["transient:dropped-stream", "ok"],
        "{call:#}"
    );
    let full = server
        .requests()
        .into_iter()
        .rfind(|r| r.prompt.contains(&needle))
        .map(|r| default_answer(&r.prompt))
        .expect("request");
    let written = std::fs::read_to_string(p.root().join("out/04-x.md")).expect("answer");
    assert_eq!(written.trim(), full.trim());
    let canonical = s["outputs"][0]["canonical"].as_str().expect("canonical");
    let copy = std::fs::read_to_string(p.run_dir().join(canonical)).expect("copy");
    assert_eq!(copy, written);
}

#[test]
fn sigkill_of_the_runner_then_rerun_redoes_no_completed_call() {
    let server = LlmServer::start();
    let p = Project::grouped(&server);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let at = 20 + (seed % 21) as usize;
    // The 12 steps with ROI >= 4.3 (48 calls) are plenty to kill the runner in the middle.
    const FILTER: [&str; 2] = ["--roi-threshold", "4.3"];
    const SELECTED: [usize; 12] = [1, 2, 3, 4, 5, 7, 9, 10, 15, 16, 17, 18];
    let mut child = p
        .command(&FILTER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn runner");
    assert!(
        server.wait_for_count(at, Duration::from_secs(120)),
        "{at} requests"
    );
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    // Let the calls in flight die with their parents.
    std::thread::sleep(Duration::from_millis(1500));
    let before = server.count();

    // Calls that completed before the kill: their records say ok.
    let mut completed: Vec<String> = Vec::new();
    let calls_dir = p.run_dir().join("calls");
    for step in std::fs::read_dir(&calls_dir).expect("calls/").flatten() {
        for f in std::fs::read_dir(step.path()).expect("calls/NN").flatten() {
            let Ok(text) = std::fs::read_to_string(f.path()) else {
                continue;
            };
            let Ok(rec) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if rec["status"] == "ok" {
                completed.push(argv_prompt(&rec).expect("a -p prompt"));
            }
        }
    }
    assert!(
        !completed.is_empty(),
        "some calls completed before the kill at {at}"
    );

    let out = p.run(&FILTER);
    assert_exit(&out, 0);
    let after = server.requests();
    let redone: Vec<&String> = completed
        .iter()
        .filter(|c| {
            after[before..]
                .iter()
                .any(|r| r.prompt.contains(c.as_str()))
        })
        .collect();
    assert!(redone.is_empty(), "completed calls made again: {redone:#?}");
    // Every call was answered at some point, and the rerun did not redo everything.
    for nn in SELECTED {
        for (_, section) in SECTIONS {
            let prompt = grouped_prompt(nn, section);
            assert!(
                after.iter().any(|r| r.prompt.contains(&prompt)),
                "#{nn:02} {section}"
            );
        }
    }
    assert!(
        after.len() - before <= 48 - completed.len(),
        "{} new",
        after.len() - before
    );
    assert_eq!(
        server.requests().len(),
        after.len(),
        "nothing after the run"
    );
    for s in p.steps() {
        let selected = SELECTED
            .iter()
            .any(|n| s["step_id"] == format!("{n:02}").as_str());
        if selected {
            assert_eq!(s["status"], "ok", "{s:#}");
            assert_eq!(s["outputs"].as_array().map(Vec::len), Some(4), "{s:#}");
        } else {
            assert_eq!(s["status"], "skipped", "{s:#}");
        }
    }
}

#[test]
fn an_output_path_escaping_the_project_is_refused_before_any_call() {
    let server = LlmServer::start();
    let p = Project::small(&server, Some((6, "../escape.md")));
    let out = p.run(&[]);
    assert_exit(&out, 3);
    assert_eq!(server.count(), 0);
    assert!(!p.root().join("../escape.md").exists());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("escape.md"), "{err}");
}
