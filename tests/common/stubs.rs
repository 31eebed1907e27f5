//! Real-process harness for `oraclepack run`: stub provider CLIs (bash scripts first on
//! PATH, behaviour chosen per step by files the test writes, every real call recorded),
//! temporary projects holding a copy of a real pack, and readers for the run directory.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The stub `oracle` (also installed as `codex`, `gemini`, `claude`). `@STATE@` is replaced
/// by the state directory. Behaviour per call, read from files in the state directory
/// (`<name>.<step>` wins over `<name>`):
///
/// - `mode`: `ok` (default) · `fail` (exit 1, a permanent `✖` error on stderr) ·
///   `throttle:N` (the step's first N calls print `ERROR: 429 Too Many Requests` +
///   `Transport: api-error` on stdout and exit 1, later calls succeed) · `hang` (sleep 300) ·
///   `hang_gc` (also spawn a grandchild that ignores SIGTERM; its pid goes to
///   `grandchild.<step>`) · `nothing` (exit 0, write nothing) · `empty` (exit 0, write an
///   empty file);
/// - `sleep`: seconds to sleep before answering.
///
/// Every real call appends `start <µs> <pid> <step>` to `calls.log` when it starts and
/// `end <µs> <pid> <step> <status>` when it ends normally.
const STUB: &str = r#"#!/bin/bash
STATE='@STATE@'
if [ "${1:-}" = "--version" ]; then echo "0.21.2-stub"; exit 0; fi
step="${ORACLEPACK_STEP:-00}"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --write-output) out="${2:-}"; shift; [ $# -gt 0 ] && shift ;;
    --write-output=*) out="${1#*=}"; shift ;;
    *) shift ;;
  esac
done
pick() { if [ -f "$STATE/$1.$step" ]; then cat "$STATE/$1.$step"; elif [ -f "$STATE/$1" ]; then cat "$STATE/$1"; else echo "$2"; fi; }
mode=$(pick mode ok)
delay=$(pick sleep 0)
t() { echo "${EPOCHREALTIME/./}"; }
echo "start $(t) $$ $step" >> "$STATE/calls.log"
end() { echo "end $(t) $$ $step $1" >> "$STATE/calls.log"; }
if [ "$delay" != "0" ]; then sleep "$delay"; fi
case "$mode" in
  ok) ;;
  fail)
    echo "✖ stub: step $step rejected (invalid option --bogus)" >&2
    end fail; exit 1 ;;
  throttle:*)
    n="${mode#throttle:}"
    k=0; [ -f "$STATE/tries.$step" ] && k=$(cat "$STATE/tries.$step")
    echo $((k + 1)) > "$STATE/tries.$step"
    if [ "$k" -lt "$n" ]; then
      echo "ERROR: 429 Too Many Requests"
      echo "Transport: api-error — stub throttled step $step"
      end throttled; exit 1
    fi ;;
  hang) sleep 300 ;;
  hang_gc)
    bash -c 'trap "" TERM; echo $$ > "$0"; while :; do sleep 1; done' "$STATE/grandchild.$step" &
    sleep 300 ;;
  nothing) end nothing; exit 0 ;;
  empty) : > "$out"; end empty; exit 0 ;;
esac
if [ -n "$out" ]; then
  mkdir -p "$(dirname "$out")"
  printf 'Direct answer\n- stub answer for step %s (pid %s, %s)\n' "$step" "$$" "$(t)" > "$out"
fi
echo "Finished in 0.1s · \$0.0001 · gpt-5.1[high] · ↑11 ↓7 ↻0* Δ18 · sid=stub-$$"
end ok
"#;

/// One real call of the stub, from `calls.log`.
#[derive(Debug, Clone, PartialEq)]
pub struct StubCall {
    pub pid: u32,
    pub step: String,
    pub start_us: u64,
    /// `None` when the call was killed (or still runs).
    pub end_us: Option<u64>,
    pub status: Option<String>,
}

pub struct Stubs {
    dir: tempfile::TempDir,
}

impl Default for Stubs {
    fn default() -> Self {
        Self::new()
    }
}

impl Stubs {
    pub fn new() -> Stubs {
        let dir = tempfile::tempdir().expect("stub tempdir");
        let bin = dir.path().join("bin");
        let state = dir.path().join("state");
        std::fs::create_dir_all(&bin).expect("mkdir bin");
        std::fs::create_dir_all(&state).expect("mkdir state");
        let text = STUB.replace("@STATE@", &state.display().to_string());
        for name in ["oracle", "codex", "gemini", "claude"] {
            let p = bin.join(name);
            std::fs::write(&p, &text).expect("write stub");
            set_mode(&p, 0o755);
        }
        // The grouped packs run `python3` in every step; a pyenv shim costs ~100 ms a call,
        // so point straight at the interpreter when there is one.
        if let Ok(out) = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
        {
            let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !exe.is_empty() && Path::new(&exe).is_file() {
                let _ = std::os::unix::fs::symlink(&exe, bin.join("python3"));
            }
        }
        Stubs { dir }
    }

    pub fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// PATH with the stubs first.
    pub fn path_env(&self) -> OsString {
        let mut parts = vec![self.bin()];
        if let Some(p) = std::env::var_os("PATH") {
            parts.extend(std::env::split_paths(&p));
        }
        std::env::join_paths(parts).expect("PATH")
    }

    fn file(&self, name: &str, step: Option<&str>) -> PathBuf {
        match step {
            Some(s) => self.state().join(format!("{name}.{s}")),
            None => self.state().join(name),
        }
    }

    /// Behaviour of every call (`step: None`) or of one step's calls.
    pub fn mode(&self, step: Option<&str>, mode: &str) {
        std::fs::write(self.file("mode", step), mode).expect("write mode");
    }

    pub fn clear_mode(&self, step: Option<&str>) {
        let _ = std::fs::remove_file(self.file("mode", step));
    }

    pub fn sleep(&self, step: Option<&str>, secs: f64) {
        std::fs::write(self.file("sleep", step), format!("{secs}")).expect("write sleep");
    }

    pub fn clear_sleep(&self, step: Option<&str>) {
        let _ = std::fs::remove_file(self.file("sleep", step));
    }

    /// Every real call so far, in start order.
    pub fn calls(&self) -> Vec<StubCall> {
        let text = std::fs::read_to_string(self.state().join("calls.log")).unwrap_or_default();
        let mut calls: Vec<StubCall> = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (kind, us, pid, step) = match f.as_slice() {
                [k, us, pid, step, ..] => (*k, *us, *pid, *step),
                _ => panic!("calls.log line {line:?}"),
            };
            let us: u64 = us.parse().expect("µs");
            let pid: u32 = pid.parse().expect("pid");
            match kind {
                "start" => calls.push(StubCall {
                    pid,
                    step: step.to_string(),
                    start_us: us,
                    end_us: None,
                    status: None,
                }),
                "end" => {
                    let c = calls
                        .iter_mut()
                        .rev()
                        .find(|c| c.pid == pid && c.end_us.is_none())
                        .unwrap_or_else(|| panic!("end without start: {line}"));
                    c.end_us = Some(us);
                    c.status = f.get(4).map(|s| s.to_string());
                }
                _ => panic!("calls.log line {line:?}"),
            }
        }
        calls
    }

    pub fn call_count(&self) -> usize {
        self.calls().len()
    }

    /// Real calls per step id.
    pub fn calls_per_step(&self) -> std::collections::BTreeMap<String, usize> {
        let mut m = std::collections::BTreeMap::new();
        for c in self.calls() {
            *m.entry(c.step).or_insert(0) += 1;
        }
        m
    }

    /// Whether the stub call with this pid still runs.
    pub fn stub_alive(&self, pid: u32) -> bool {
        alive(pid as i32, &self.bin().display().to_string())
    }

    pub fn calls_of(&self, step: &str) -> usize {
        self.calls().iter().filter(|c| c.step == step).count()
    }

    /// The most calls that were in flight at one time (every call must have ended).
    pub fn max_concurrency(&self) -> usize {
        let mut edges: Vec<(u64, i32)> = Vec::new();
        for c in self.calls() {
            let end = c.end_us.unwrap_or_else(|| panic!("call {c:?} did not end"));
            edges.push((c.start_us, 1));
            edges.push((end, -1));
        }
        // At equal times an end comes before a start.
        edges.sort();
        let (mut now, mut peak) = (0i32, 0i32);
        for (_, d) in edges {
            now += d;
            peak = peak.max(now);
        }
        peak as usize
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// How the project's root is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `git init` and a commit of everything in the project.
    Git,
    /// Just an `.oraclepack/` directory.
    Marker,
}

/// A temporary project holding a copy of a pack (and the files its steps read).
pub struct Project {
    pub dir: tempfile::TempDir,
    /// The pack's file name inside the project.
    pub pack: String,
}

pub const GROUPED: &str = "oracle-questions-2026-01-09-030000_actions.md";
pub const DOCS: &str = "docs_oracle-pack-2026-01-07.md";
pub const DEMO: &str = "pack.md";

/// The ticket files the grouped `actions` pack attaches.
pub const GROUPED_TICKETS: [&str; 6] = [
    "Enable Action Packs Dispatch",
    "Improving Oraclepack Workflow",
    "Oraclepack Action Pack Integration",
    "Oraclepack Action Pack Issue",
    "Oraclepack Action Packs",
    "Oraclepack Compatibility Issues",
];

pub fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

impl Project {
    /// A project with the fixture pack `name` (or the bundled demo for `DEMO`).
    pub fn new(name: &str, root: Root) -> Project {
        let bytes = if name == DEMO {
            std::fs::read(demo_dir().join("pack.md")).expect("demo pack")
        } else {
            std::fs::read(super::pack(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
        };
        Project::with_pack(name, &bytes, root)
    }

    /// A project with `bytes` as the pack `name`, plus the inputs of the demo and grouped
    /// packs (so any variant of them runs).
    pub fn with_pack(name: &str, bytes: &[u8], root: Root) -> Project {
        let dir = tempfile::tempdir().expect("project tempdir");
        let p = dir.path();
        std::fs::write(p.join(name), bytes).expect("write pack");
        let app = demo_dir().join("app");
        std::fs::create_dir_all(p.join("app")).expect("mkdir app");
        for e in std::fs::read_dir(&app).expect("demo app").flatten() {
            std::fs::copy(e.path(), p.join("app").join(e.file_name())).expect("copy app");
        }
        std::fs::create_dir_all(p.join(".tickets/actions")).expect("mkdir tickets");
        for t in GROUPED_TICKETS {
            std::fs::write(
                p.join(".tickets/actions").join(format!("{t}.md")),
                format!("# {t}\n\nTicket body for {t}.\n"),
            )
            .expect("write ticket");
        }
        match root {
            Root::Git => {
                git(p, &["init", "-q"]);
                git(p, &["add", "-A"]);
                git(
                    p,
                    &[
                        "-c",
                        "user.name=oraclepack-tests",
                        "-c",
                        "user.email=tests@oraclepack.invalid",
                        "commit",
                        "-q",
                        "-m",
                        "fixture project",
                    ],
                );
            }
            Root::Marker => std::fs::create_dir_all(p.join(".oraclepack")).expect("mkdir"),
        }
        Project {
            dir,
            pack: name.to_string(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn pack_path(&self) -> PathBuf {
        self.root().join(&self.pack)
    }

    /// `oraclepack <args…>` in the project directory with the stubs on PATH.
    pub fn command(&self, stubs: &Stubs, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_oraclepack"));
        c.args(args)
            .current_dir(self.root())
            .env("PATH", stubs.path_env())
            .env("NO_COLOR", "1")
            .env_remove("CI")
            .stdin(Stdio::null());
        c
    }

    /// `oraclepack run <pack> --non-interactive <args…>`, to completion.
    pub fn run(&self, stubs: &Stubs, args: &[&str]) -> Ran {
        let mut all = vec!["run", self.pack.as_str(), "--non-interactive"];
        all.extend_from_slice(args);
        let out = self.command(stubs, &all).output().expect("oraclepack runs");
        Ran(out)
    }

    /// Start `oraclepack run` in the background (stdout and stderr to files in the project's
    /// parent-less temp area, so a chatty run never blocks on a full pipe).
    pub fn spawn(&self, stubs: &Stubs, args: &[&str]) -> Bg {
        let mut all = vec!["run", self.pack.as_str(), "--non-interactive"];
        all.extend_from_slice(args);
        let logs = tempfile::tempdir().expect("log tempdir");
        let out = std::fs::File::create(logs.path().join("stdout")).expect("stdout file");
        let err = std::fs::File::create(logs.path().join("stderr")).expect("stderr file");
        let child = self
            .command(stubs, &all)
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn oraclepack");
        Bg {
            child: Some(child),
            logs,
        }
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.root().join(".oraclepack/runs")
    }

    /// Names of the run directories.
    pub fn run_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.runs_dir())
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// The one run directory of the project.
    pub fn run_dir(&self) -> PathBuf {
        let ids = self.run_ids();
        assert_eq!(ids.len(), 1, "expected one run directory, found {ids:?}");
        self.runs_dir().join(&ids[0])
    }

    pub fn steps(&self) -> Vec<Value> {
        let v = read_json(&self.run_dir().join("steps.json"));
        v["steps"].as_array().expect("steps array").clone()
    }

    pub fn step(&self, id: &str) -> Value {
        self.steps()
            .into_iter()
            .find(|s| s["step_id"] == id)
            .unwrap_or_else(|| panic!("no step {id} in steps.json"))
    }

    pub fn run_json(&self) -> Value {
        read_json(&self.run_dir().join("run.json"))
    }

    /// Every line of events.jsonl, parsed (a torn line fails the test).
    pub fn events(&self) -> Vec<Value> {
        let text =
            std::fs::read_to_string(self.run_dir().join("events.jsonl")).expect("events.jsonl");
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("event line {l:?}: {e}")))
            .collect()
    }

    /// `(step_id, status)` for every step.
    pub fn statuses(&self) -> Vec<(String, String)> {
        self.steps()
            .iter()
            .map(|s| {
                (
                    s["step_id"].as_str().unwrap_or_default().to_string(),
                    s["status"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    pub fn ids_with_status(&self, status: &str) -> Vec<String> {
        self.statuses()
            .into_iter()
            .filter(|(_, s)| s == status)
            .map(|(id, _)| id)
            .collect()
    }
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", p.display()))
}

/// A finished `oraclepack` process.
pub struct Ran(pub Output);

impl Ran {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Assert the exit code, showing the output when it differs.
    pub fn expect(&self, code: i32) -> &Ran {
        assert_eq!(
            self.code(),
            code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// A background `oraclepack run`; killed (SIGKILL) if the test ends without waiting.
pub struct Bg {
    child: Option<Child>,
    logs: tempfile::TempDir,
}

impl Bg {
    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    /// Send `sig` unless the process has already exited; true when it was sent.
    pub fn signal_if_running(&mut self, sig: i32) -> bool {
        let child = self.child.as_mut().expect("running");
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        self.signal(sig);
        true
    }

    pub fn signal(&self, sig: i32) {
        let pid = self.pid();
        assert!(pid > 0);
        // SAFETY: kill(2) on our own child's pid; no memory involved.
        let r = unsafe { libc::kill(pid, sig) };
        assert_eq!(r, 0, "kill({pid}, {sig})");
    }

    /// Wait up to `limit` for the exit; returns the code (or 128+signal) and the time it
    /// took. Panics (after SIGKILL) if it does not exit in time.
    pub fn wait_for(&mut self, limit: Duration) -> (i32, Duration) {
        let t0 = Instant::now();
        let child = self.child.as_mut().expect("running");
        loop {
            if let Some(st) = child.try_wait().expect("try_wait") {
                use std::os::unix::process::ExitStatusExt;
                self.child = None;
                let code = st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0));
                return (code, t0.elapsed());
            }
            if t0.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                self.child = None;
                panic!(
                    "oraclepack did not exit within {limit:?}\n--- stderr\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stdout")).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stderr")).unwrap_or_default()
    }
}

impl Drop for Bg {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Poll `cond` every 20 ms until it holds; panics with `what` after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is a live process whose command line contains `needle` (pids are
/// recycled quickly where pid_max is 32768; a zombie, dead but not yet reaped, counts as
/// dead).
pub fn alive(pid: i32, needle: &str) -> bool {
    let running = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    });
    running
        && std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
}
