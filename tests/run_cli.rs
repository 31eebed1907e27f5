//! `oraclepack run` end to end with real processes: real packs copied into temporary
//! projects, stub provider CLIs first on PATH (see `common::stubs`), the real binary, real
//! signals. Every test asserts exit codes, files and JSON contents.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use common::stubs::{DEMO, DOCS, GROUPED, Project, Root, Stubs, alive, git, read_json, wait_until};
use serde_json::Value;
use sha2::{Digest, Sha256};

const OK: i32 = 0;
const USAGE: i32 = 2;
const INVALID: i32 = 3;
const FAILED: i32 = 4;
const POLICY: i32 = 5;
const INTERRUPTED: i32 = 130;

/// Retries that do not slow the suite down.
const FAST_RETRY: &str = "[retry]\nbase_delay = \"10ms\"\nmax_delay = \"40ms\"\n";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn ids() -> Vec<String> {
    (1..=20).map(|n| format!("{n:02}")).collect()
}

/// The `--write-output "<path>"` values of a pack's steps, in order (not the
/// `NN-<slug>.md` placeholder of the pack's notes).
fn declared_outputs(pack: &str) -> Vec<String> {
    pack.lines()
        .filter_map(|l| l.split("--write-output \"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .filter(|p| !p.contains('<'))
        .map(str::to_string)
        .collect()
}

/// The events of the last session (from its `run_started`).
fn last_session(events: &[Value]) -> Vec<Value> {
    let start = events
        .iter()
        .rposition(|e| e["event"] == "run_started")
        .expect("a run_started event");
    events[start..].to_vec()
}

fn planned(events: &[Value]) -> BTreeMap<String, (String, String)> {
    events
        .iter()
        .filter(|e| e["event"] == "step_planned")
        .map(|e| {
            (
                e["step"].as_str().unwrap_or_default().to_string(),
                (
                    e["action"].as_str().unwrap_or_default().to_string(),
                    e["reason"].as_str().unwrap_or_default().to_string(),
                ),
            )
        })
        .collect()
}

/// Most steps in flight at once, replayed from step_started / step_finished.
fn peak_steps(events: &[Value]) -> usize {
    let (mut now, mut peak) = (0usize, 0usize);
    for e in events {
        if e["event"] == "step_started" {
            now += 1;
            peak = peak.max(now);
        } else if e["event"] == "step_finished" {
            now -= 1;
        }
    }
    peak
}

fn write_config(p: &Project, text: &str) {
    std::fs::write(p.root().join("oraclepack.toml"), text).expect("write oraclepack.toml");
}

// 1. A clean run of a real grouped pack.

#[test]
fn clean_run_of_a_grouped_pack_records_everything() {
    let stubs = Stubs::new();
    let p = Project::new(GROUPED, Root::Git);
    let pack_bytes = std::fs::read(p.pack_path()).expect("pack");
    let pack_text = String::from_utf8_lossy(&pack_bytes).into_owned();
    let head = git(p.root(), &["rev-parse", "HEAD"]).trim().to_string();

    let ran = p.run(&stubs, &["--max-parallel", "8"]);
    ran.expect(OK);
    assert_eq!(stubs.call_count(), 80, "4 oracle calls in each of 20 steps");
    assert_eq!(stubs.calls_per_step().len(), 20);

    // pack_id = <date from the file name>__<git short>__<pack hash 8>.
    let pack_hash = sha256(&pack_bytes);
    let ids_on_disk = p.run_ids();
    assert_eq!(ids_on_disk.len(), 1, "{ids_on_disk:?}");
    let pack_id = ids_on_disk[0].clone();
    let parts: Vec<&str> = pack_id.split("__").collect();
    assert_eq!(parts.len(), 3, "{pack_id}");
    assert_eq!(parts[0], "2026-01-09");
    assert!(is_hex(parts[1], 7) && is_hex(parts[2], 8), "{pack_id}");
    assert_eq!(parts[1], &head[..7]);
    assert_eq!(parts[2], &pack_hash[..8]);

    // run.json
    let run = p.run_json();
    assert_eq!(run["format_version"], 1);
    assert_eq!(run["pack_id"], pack_id.as_str());
    assert_eq!(run["pack_path"], GROUPED);
    assert_eq!(run["pack_hash"], pack_hash.as_str());
    assert_eq!(run["git_sha"], head.as_str());
    assert_eq!(run["oraclepack_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["oracle_version"], "0.21.2-stub");
    let created = run["created_at"].as_str().expect("created_at");
    let b = created.as_bytes();
    assert!(
        b.len() == 20 && b[4] == b'-' && b[10] == b'T' && b[19] == b'Z',
        "RFC 3339 UTC: {created}"
    );
    assert_eq!(run["state"], "completed");
    assert_eq!(run["sessions"], 1);
    assert_eq!(run["totals"]["ok"], 20);
    assert_eq!(run["totals"]["calls"], 80);
    assert_eq!(run["totals"]["cache_hits"], 0);

    // steps.json: one ok record per step, four outputs each (the chunk set).
    let rd = p.run_dir();
    let steps = p.steps();
    assert_eq!(steps.len(), 20);
    let declared = declared_outputs(&pack_text);
    assert_eq!(declared.len(), 80);
    for (s, id) in steps.iter().zip(ids()) {
        assert_eq!(s["step_id"], id.as_str());
        assert_eq!(s["status"], "ok", "{s}");
        assert_eq!(s["reason"], "new");
        assert_eq!(s["attempts"], 1);
        assert_eq!(s["exit_code"], 0);
        assert!(s["error_class"].is_null());
        assert!(is_hex(s["command_hash"].as_str().unwrap_or(""), 64), "{s}");
        assert_eq!(s["category"].as_str().map(str::is_empty), Some(false));
        assert_eq!(s["reference"], "actions");
        let outs = s["outputs"].as_array().expect("outputs");
        assert_eq!(outs.len(), 4, "step {id}: {outs:?}");
        let want: Vec<&String> = declared
            .iter()
            .filter(|d| d.contains(&format!("/actions/{id}-")))
            .collect();
        for (o, d) in outs.iter().zip(&want) {
            assert_eq!(o["path"], d.as_str());
            let canonical = o["canonical"].as_str().expect("canonical");
            assert!(
                canonical.starts_with(&format!("outputs/{id}-")) && canonical.ends_with(".md"),
                "{canonical}"
            );
            let copy = std::fs::read(rd.join(canonical)).expect("canonical copy");
            let orig = std::fs::read(p.root().join(d.as_str())).expect("pack's own output");
            assert_eq!(copy, orig, "{canonical} is a copy of {d}");
            assert!(!orig.is_empty());
            assert_eq!(o["sha256"], sha256(&orig).as_str());
            assert_eq!(o["bytes"], orig.len());
        }
        assert_eq!(s["output_path"], outs[0]["path"]);
        assert_eq!(s["output_hash"], outs[0]["sha256"]);
        let inv = s["invocations"].as_array().expect("invocations");
        assert_eq!(inv.len(), 4);
        for c in inv {
            assert_eq!(c["provider"], "oracle");
            assert_eq!(c["status"], "ok");
            assert_eq!(c["cache_hit"], false);
            // The attachments the step's python computed reached the call.
            let argv: Vec<&str> = c["argv"]
                .as_array()
                .expect("argv")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(argv.iter().filter(|a| **a == "-f").count(), 6, "{argv:?}");
        }
        assert_eq!(s["input_tokens"], 44);
        let log = std::fs::read_to_string(rd.join(format!("logs/{id}.log"))).expect("log");
        assert_eq!(log.matches("sid=stub-").count(), 4, "step {id} log: {log}");
    }
    let canon_files = std::fs::read_dir(rd.join("outputs"))
        .expect("outputs/")
        .count();
    assert_eq!(canon_files, 80);

    // events.jsonl: every line parses, run_started first, run_finished last.
    let events = p.events();
    assert_eq!(events[0]["event"], "run_started");
    assert_eq!(events[0]["pack_id"], pack_id.as_str());
    assert!(events.iter().all(|e| e["v"] == 1));
    let last = events.last().expect("events");
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["exit_code"], 0);
    assert_eq!(last["ok"], 20);
    let count = |k: &str| events.iter().filter(|e| e["event"] == k).count();
    assert_eq!(count("step_planned"), 20);
    assert_eq!(count("step_started"), 20);
    assert_eq!(count("step_finished"), 20);
    assert_eq!(count("call_finished"), 80);

    // Same id when run again (nothing to do), and in a clone at the same commit.
    p.run(&stubs, &[]).expect(OK);
    assert_eq!(p.run_ids(), vec![pack_id.clone()]);
    assert!(
        p.steps()
            .iter()
            .all(|s| s["status"] == "ok" && s["reason"] == "up_to_date" && s["attempts"] == 1)
    );
    assert_eq!(stubs.call_count(), 80);
    assert_eq!(p.run_json()["sessions"], 2);
    assert_eq!(p.run_json()["created_at"], created);

    let clone = tempfile::tempdir().expect("clone dir");
    let dest = clone.path().join("copy");
    git(
        p.root(),
        &["clone", "-q", ".", dest.to_str().expect("utf-8 path")],
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oraclepack"))
        .args(["run", GROUPED, "--dry-run", "--json-log"])
        .current_dir(&dest)
        .env("PATH", stubs.path_env())
        .output()
        .expect("dry run in the clone");
    assert_eq!(out.status.code(), Some(OK));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(plan["pack_id"], pack_id.as_str());
    assert_eq!(plan["to_run"], 20);
    assert_eq!(stubs.call_count(), 80);
}

// 2. Resume.

#[test]
fn resume_skips_restores_and_reruns_only_what_is_asked() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    write_config(&p, FAST_RETRY);
    p.run(&stubs, &["--max-parallel", "20"]).expect(OK);
    assert_eq!(stubs.call_count(), 20);
    let outputs = declared_outputs(&std::fs::read_to_string(p.pack_path()).expect("pack"))
        .into_iter()
        .map(|o| o.replace("$out_dir", "docs/oracle-questions-demo"))
        .collect::<Vec<_>>();
    assert_eq!(outputs.len(), 20);
    let read_all = || -> Vec<Vec<u8>> {
        outputs
            .iter()
            .map(|o| std::fs::read(p.root().join(o)).expect("output"))
            .collect()
    };
    let first = read_all();

    // A second run makes no call and skips every step as up to date.
    let ran = p.run(&stubs, &[]);
    ran.expect(OK);
    assert_eq!(stubs.call_count(), 20);
    assert!(
        ran.stderr().contains("0 of 20 steps to run"),
        "{}",
        ran.stderr()
    );
    let session = last_session(&p.events());
    assert!(
        planned(&session)
            .values()
            .all(|(a, r)| a == "skip" && r == "up_to_date")
    );
    assert!(
        p.steps()
            .iter()
            .all(|s| s["status"] == "ok" && s["reason"] == "up_to_date" && s["attempts"] == 1)
    );
    assert_eq!(read_all(), first);

    // A deleted and an edited pack output come back from the run directory, no call.
    std::fs::remove_file(p.root().join(&outputs[4])).expect("delete 05");
    std::fs::write(p.root().join(&outputs[5]), "edited by hand\n").expect("edit 06");
    p.run(&stubs, &[]).expect(OK);
    assert_eq!(stubs.call_count(), 20);
    assert_eq!(read_all(), first, "outputs restored byte for byte");
    assert_eq!(p.step("05")["attempts"], 1);

    // A step whose recorded command hash differs (the step was edited) runs again; its
    // call is answered from the cache.
    let steps_path = p.run_dir().join("steps.json");
    let mut doc = read_json(&steps_path);
    doc["steps"][7]["command_hash"] = Value::from("0".repeat(64));
    std::fs::write(&steps_path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
    p.run(&stubs, &[]).expect(OK);
    let s08 = p.step("08");
    assert_eq!(s08["reason"], "changed");
    assert_eq!(s08["attempts"], 2);
    assert_ne!(s08["command_hash"], "0".repeat(64));
    assert_eq!(s08["invocations"][0]["cache_hit"], true);
    assert_eq!(stubs.call_count(), 20, "a cache hit is not a provider call");
    let session = last_session(&p.events());
    let plan = planned(&session);
    assert_eq!(plan["08"], ("run".to_string(), "changed".to_string()));
    assert_eq!(plan.values().filter(|(a, _)| a == "run").count(), 1);

    // --rerun 03,07 runs exactly those (cache off: the provider is called).
    p.run(&stubs, &["--rerun", "03,07", "--no-cache"])
        .expect(OK);
    let per = stubs.calls_per_step();
    assert_eq!(stubs.call_count(), 22);
    assert_eq!((per["03"], per["07"]), (2, 2));
    assert_eq!(p.step("03")["reason"], "rerun_selected");
    assert_eq!(p.step("03")["attempts"], 2);
    assert_eq!(p.step("04")["attempts"], 1);
    // A step the pack does not have is a usage error, not a silent no-op.
    let ran = p.run(&stubs, &["--rerun", "03,21"]);
    ran.expect(USAGE);
    assert!(ran.stderr().contains("no step 21"), "{}", ran.stderr());
    assert_eq!(stubs.call_count(), 22);
    // With the cache on, a rerun is answered from the cache.
    p.run(&stubs, &["--rerun", "3"]).expect(OK);
    assert_eq!(stubs.call_count(), 22);
    assert_eq!(p.step("03")["invocations"][0]["cache_hit"], true);
    assert_eq!(p.step("03")["attempts"], 3);

    // --rerun failed reruns only the failed step.
    stubs.mode(Some("11"), "fail");
    p.run(&stubs, &["--rerun", "11", "--no-cache"])
        .expect(FAILED);
    assert_eq!(p.step("11")["status"], "failed");
    assert_eq!(stubs.call_count(), 23);
    stubs.clear_mode(Some("11"));
    p.run(&stubs, &["--rerun", "failed", "--no-cache"])
        .expect(OK);
    assert_eq!(stubs.call_count(), 24);
    assert_eq!(stubs.calls_of("11"), 3);
    assert_eq!(p.step("11")["status"], "ok");
    assert_eq!(p.step("11")["reason"], "failed");
    assert_eq!(p.ids_with_status("ok").len(), 20);

    // --resume is accepted and is the default behaviour; it conflicts with --rerun.
    p.run(&stubs, &["--resume"]).expect(OK);
    assert_eq!(stubs.call_count(), 24);
    p.run(&stubs, &["--resume", "--rerun", "all"]).expect(USAGE);
    assert_eq!(p.run_json()["state"], "completed");
}

// 3. Failures.

#[test]
fn a_failing_step_exits_4_and_completion_policy_decides_the_exit() {
    let stubs = Stubs::new();
    let p = Project::new(DOCS, Root::Marker);
    write_config(&p, FAST_RETRY);
    stubs.mode(Some("03"), "fail");
    p.run(&stubs, &["--max-parallel", "20"]).expect(FAILED);
    let s = p.step("03");
    assert_eq!(s["status"], "failed");
    assert_eq!(s["error_class"], "permanent");
    assert_eq!(s["exit_code"], 1);
    let err = s["error"].as_str().expect("error");
    assert!(err.contains("step 03 rejected"), "{err}");
    assert_eq!(s["invocations"][0]["status"], "failed");
    assert_eq!(
        s["invocations"][0]["attempts"].as_array().map(Vec::len),
        Some(1),
        "a permanent failure is not retried"
    );
    assert_eq!(stubs.calls_of("03"), 1);
    let log = std::fs::read_to_string(p.run_dir().join("logs/03.log")).expect("log");
    assert!(
        log.contains("✖ stub: step 03 rejected (invalid option --bogus)"),
        "{log}"
    );
    assert_eq!(p.ids_with_status("ok").len(), 19);
    assert_eq!(p.run_json()["state"], "failed");
    let last = p.events().last().cloned().expect("events");
    assert_eq!(last["exit_code"], FAILED);
    assert_eq!(last["failed"], 1);

    // 19 of 20 ok: 0.95 passes --min-completion 0.9 and fails 0.99.
    p.run(&stubs, &["--min-completion", "0.9"]).expect(OK);
    assert_eq!(
        stubs.calls_of("03"),
        2,
        "the failed step is retried by resume"
    );
    assert_eq!(stubs.call_count(), 21);
    let last = p.events().last().cloned().expect("events");
    assert_eq!(last["completion"], 0.95);
    p.run(&stubs, &["--min-completion", "0.99"]).expect(POLICY);
    p.run(&stubs, &["--min-completion", "1.5"]).expect(USAGE);
    assert_eq!(stubs.call_count(), 22);
}

#[test]
fn stop_on_fail_leaves_later_steps_pending() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    stubs.mode(Some("02"), "fail");
    p.run(&stubs, &["--stop-on-fail", "--max-parallel", "1"])
        .expect(FAILED);
    assert_eq!(p.step("01")["status"], "ok");
    assert_eq!(p.step("02")["status"], "failed");
    for id in &ids()[2..] {
        let s = p.step(id);
        assert_eq!(s["status"], "pending", "{id}");
        assert_eq!(s["reason"], "not_started", "{id}");
        assert_eq!(s["attempts"], 0, "{id}");
    }
    assert_eq!(
        stubs.calls_per_step().keys().cloned().collect::<Vec<_>>(),
        ["01", "02"]
    );
    let last = p.events().last().cloned().expect("events");
    assert_eq!(last["pending"], 18);
    // The next run picks up the rest.
    stubs.clear_mode(Some("02"));
    p.run(&stubs, &["--max-parallel", "20"]).expect(OK);
    assert_eq!(stubs.calls_of("01"), 1);
    assert_eq!(stubs.call_count(), 21);
}

#[test]
fn step_timeout_kills_the_whole_process_group() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    stubs.mode(Some("02"), "hang_gc");
    let t0 = std::time::Instant::now();
    p.run(
        &stubs,
        &[
            "--step-timeout",
            "1500ms",
            "--grace-period",
            "500ms",
            "--max-parallel",
            "20",
        ],
    )
    .expect(FAILED);
    assert!(t0.elapsed() < Duration::from_secs(15), "{:?}", t0.elapsed());
    let s = p.step("02");
    assert_eq!(s["status"], "failed");
    assert_eq!(s["error_class"], "timeout");
    assert!(
        s["error"]
            .as_str()
            .is_some_and(|e| e.contains("timed out after 1.5s")),
        "{s}"
    );
    assert_eq!(s["invocations"].as_array().map(Vec::len), Some(0));
    let text = std::fs::read_to_string(p.run_dir().join("steps.json")).expect("steps.json");
    assert!(
        !text.contains("-0.0"),
        "a step without calls costs 0.0, not -0.0"
    );
    assert_eq!(p.ids_with_status("ok").len(), 19);
    let gc: i32 = std::fs::read_to_string(stubs.state().join("grandchild.02"))
        .expect("the grandchild started")
        .trim()
        .parse()
        .expect("pid");
    wait_until(Duration::from_secs(3), "the grandchild to die", || {
        !alive(gc, "grandchild.02")
    });
    let hung = stubs
        .calls()
        .into_iter()
        .find(|c| c.step == "02")
        .expect("call");
    assert_eq!(hung.end_us, None);
    wait_until(Duration::from_secs(3), "the stub to die", || {
        !stubs.stub_alive(hung.pid)
    });
}

#[test]
fn transient_failures_are_retried_and_every_attempt_recorded() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    write_config(&p, &format!("{FAST_RETRY}max_attempts = 3\n"));
    stubs.mode(Some("04"), "throttle:2");
    stubs.mode(Some("05"), "throttle:99");
    p.run(&stubs, &["--max-parallel", "20"]).expect(FAILED);

    let s = p.step("04");
    assert_eq!(s["status"], "ok");
    let attempts = s["invocations"][0]["attempts"]
        .as_array()
        .expect("attempts");
    let outcomes: Vec<&str> = attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        outcomes,
        ["transient:throttled", "transient:throttled", "ok"]
    );
    assert!(attempts[0]["backoff_ms"].as_u64().is_some());
    assert_eq!(stubs.calls_of("04"), 3);

    let s = p.step("05");
    assert_eq!(s["status"], "failed");
    assert_eq!(s["error_class"], "transient");
    assert_eq!(stubs.calls_of("05"), 3, "max_attempts = 3");
    assert!(
        s["error"].as_str().is_some_and(|e| e.contains("429")),
        "{s}"
    );
    let log = std::fs::read_to_string(p.run_dir().join("logs/05.log")).expect("log");
    assert_eq!(log.matches("ERROR: 429 Too Many Requests").count(), 3);
    assert_eq!(p.run_json()["totals"]["attempts"], 19 + 3 + 3 - 1);
}

#[test]
fn a_missing_or_empty_answer_fails_the_step_and_keeps_the_old_output() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    write_config(&p, &format!("{FAST_RETRY}max_attempts = 2\n"));
    p.run(&stubs, &["--max-parallel", "20"]).expect(OK);
    let o5 = p
        .root()
        .join("docs/oracle-questions-demo/05-unbounded-growth.md");
    let o6 = p
        .root()
        .join("docs/oracle-questions-demo/06-job-logging.md");
    let (old5, old6) = (
        std::fs::read(&o5).expect("05"),
        std::fs::read(&o6).expect("06"),
    );
    let canon5 = p.step("05")["outputs"][0]["canonical"]
        .as_str()
        .expect("canonical")
        .to_string();

    stubs.mode(Some("05"), "nothing");
    stubs.mode(Some("06"), "empty");
    p.run(&stubs, &["--rerun", "05,06", "--no-cache"])
        .expect(FAILED);
    for ((id, status), path) in [("05", "nothing"), ("06", "empty")]
        .into_iter()
        .zip([&o5, &o6])
    {
        let s = p.step(id);
        assert_eq!(s["status"], "failed", "{s}");
        assert_eq!(s["error_class"], "missing_output", "{s}");
        let rel = path
            .strip_prefix(p.root())
            .expect("inside")
            .display()
            .to_string();
        assert_eq!(
            s["error"].as_str(),
            Some(format!("oracle call 1 failed: exited 0 but wrote no answer to {rel}").as_str())
        );
        assert_eq!(s["invocations"][0]["status"], "failed");
        assert_eq!(
            s["invocations"][0]["error_class"], "transient:empty-answer",
            "{s}"
        );
        assert!(
            stubs
                .calls()
                .iter()
                .filter(|c| c.step == id)
                .skip(1)
                .all(|c| c.status.as_deref() == Some(status))
        );
        // The last good answer stays on record.
        assert_eq!(s["outputs"].as_array().map(Vec::len), Some(1));
    }
    assert_eq!(stubs.calls_of("05"), 3, "1 good + 2 attempts");
    assert_eq!(std::fs::read(&o5).expect("05"), old5, "old answer kept");
    assert_eq!(std::fs::read(&o6).expect("06"), old6, "old answer kept");
    assert_eq!(
        std::fs::read(p.run_dir().join(&canon5)).expect("canonical"),
        old5
    );
}

// 4. Parallelism.

#[test]
fn max_parallel_bounds_steps_in_flight() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    stubs.sleep(None, 0.25);
    p.run(&stubs, &["--max-parallel", "4"]).expect(OK);
    let peak_calls = stubs.max_concurrency();
    let peak = peak_steps(&p.events());
    assert!(peak <= 4 && peak > 1, "steps in flight: {peak}");
    assert!(
        peak_calls <= 4 && peak_calls > 1,
        "calls in flight: {peak_calls}"
    );
    assert_eq!(p.events()[0]["max_parallel"], 4);
}

#[test]
fn a_provider_cap_bounds_concurrent_calls_across_steps() {
    let stubs = Stubs::new();
    let p = Project::new(GROUPED, Root::Marker);
    write_config(&p, "[providers.oracle]\nmax_concurrent = 2\n");
    stubs.sleep(None, 0.02);
    p.run(&stubs, &["--max-parallel", "8"]).expect(OK);
    assert_eq!(stubs.call_count(), 80);
    let peak_calls = stubs.max_concurrency();
    assert_eq!(peak_calls, 2, "oracle calls in flight");
    assert!(
        peak_steps(&p.events()) > 2,
        "the cap, not --max-parallel, bounded the calls"
    );
    assert_eq!(p.ids_with_status("ok").len(), 20);
}

// 5. Signals.

fn interrupt_then_resume(sig: i32, name: &str) {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    for id in &ids()[8..] {
        stubs.mode(Some(id), "hang");
    }
    // Cache off, so that running a step again would show as a provider call.
    let mut bg = p.spawn(
        &stubs,
        &["--max-parallel", "4", "--grace-period", "2s", "--no-cache"],
    );
    let hanging = ["09", "10", "11", "12"];
    wait_until(Duration::from_secs(20), "4 hanging calls", || {
        let c = stubs.calls();
        hanging.iter().all(|h| c.iter().any(|x| x.step == *h))
    });
    bg.signal(sig);
    let (code, took) = bg.wait_for(Duration::from_secs(10));
    assert_eq!(code, INTERRUPTED, "{}", bg.stderr());
    assert!(took < Duration::from_secs(5), "{took:?}");

    let steps = p.steps();
    for s in &steps {
        let id = s["step_id"].as_str().unwrap_or_default();
        if id <= "08" {
            assert_eq!(s["status"], "ok", "{s}");
        } else {
            assert_eq!(s["status"], "pending", "{s}");
        }
        if hanging.contains(&id) {
            assert_eq!(s["error_class"], "interrupted", "{s}");
            assert_eq!(s["attempts"], 1);
        } else if id > "12" {
            assert_eq!(s["reason"], "interrupted");
            assert_eq!(s["attempts"], 0);
        }
    }
    assert_eq!(p.run_json()["state"], "interrupted");
    let events = p.events();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "interrupted" && e["signal"] == name)
    );
    assert_eq!(events.last().expect("events")["exit_code"], INTERRUPTED);
    for c in stubs.calls().iter().filter(|c| c.end_us.is_none()) {
        wait_until(Duration::from_secs(3), "the stub to die", || {
            !stubs.stub_alive(c.pid)
        });
    }

    for id in &ids()[8..] {
        stubs.clear_mode(Some(id));
    }
    p.run(&stubs, &["--max-parallel", "20", "--no-cache"])
        .expect(OK);
    let per = stubs.calls_per_step();
    for s in p.steps() {
        let id = s["step_id"].as_str().unwrap_or_default().to_string();
        let again = hanging.contains(&id.as_str());
        let want = if again { 2 } else { 1 };
        assert_eq!(per.get(&id), Some(&want), "calls of step {id}: {per:?}");
        assert_eq!(s["attempts"], want, "executions of step {id}");
        assert_eq!(s["status"], "ok");
        let reason = if id.as_str() <= "08" {
            "up_to_date"
        } else if again {
            "interrupted"
        } else {
            "pending"
        };
        assert_eq!(s["reason"], reason, "{id}");
    }
}

#[test]
fn sigint_stops_running_steps_and_the_next_run_resumes() {
    interrupt_then_resume(libc::SIGINT, "SIGINT");
}

#[test]
fn sigterm_stops_running_steps_and_the_next_run_resumes() {
    interrupt_then_resume(libc::SIGTERM, "SIGTERM");
}

// 6. SIGKILL at random moments.

/// Every JSON record of the run directory parses; events.jsonl parses except perhaps a
/// torn last line. `torn` holds the byte offsets of lines that were a torn tail after an
/// earlier kill (the next run starts a fresh line after them, readers skip them).
fn assert_run_dir_readable(dir: &Path, torn: &mut BTreeSet<usize>) {
    for f in ["run.json", "steps.json"] {
        if dir.join(f).exists() {
            read_json(&dir.join(f));
        }
    }
    if let Ok(rd) = std::fs::read_dir(dir.join("calls")) {
        for step in rd.flatten() {
            for f in std::fs::read_dir(step.path()).expect("calls/NN").flatten() {
                if f.path().extension().is_some_and(|e| e == "json") {
                    read_json(&f.path());
                }
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("events.jsonl")) {
        let mut at = 0;
        let n = text.split_inclusive('\n').count();
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if serde_json::from_str::<Value>(l.trim_end()).is_err() {
                if i + 1 == n && !l.ends_with('\n') {
                    torn.insert(at);
                } else {
                    assert!(torn.contains(&at), "events.jsonl line {}: {l:?}", i + 1);
                }
            }
            at += l.len();
        }
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_and_redoes_nothing() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    stubs.sleep(None, 0.15);
    let mut rng = fastrand::Rng::with_seed(0x0a11_ce5e);
    let mut ok_before: BTreeSet<String> = BTreeSet::new();
    let mut calls_before: BTreeMap<String, usize> = BTreeMap::new();
    let mut attempts_before: BTreeMap<String, u64> = BTreeMap::new();
    let attempts = || -> BTreeMap<String, u64> {
        if !p.runs_dir().exists() || !p.run_dir().join("steps.json").exists() {
            return BTreeMap::new();
        }
        p.steps()
            .iter()
            .map(|s| {
                (
                    s["step_id"].as_str().unwrap_or_default().to_string(),
                    s["attempts"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    let check_not_redone =
        |ok: &BTreeSet<String>, before: &BTreeMap<String, usize>, tries: &BTreeMap<String, u64>| {
            let now = stubs.calls_per_step();
            let tries_now = attempts();
            for id in ok {
                assert_eq!(
                    now.get(id),
                    before.get(id),
                    "step {id} was ok and called again"
                );
                assert_eq!(
                    tries_now.get(id),
                    tries.get(id),
                    "step {id} was ok and ran again"
                );
            }
        };
    let mut kills = 0;
    let mut torn = BTreeSet::new();
    for round in 0..5 {
        let delay = Duration::from_millis(250 + rng.u64(..450));
        // Cache off, so that running a step again would show as a provider call.
        let mut bg = p.spawn(&stubs, &["--max-parallel", "2", "--no-cache"]);
        std::thread::sleep(delay);
        if bg.signal_if_running(libc::SIGKILL) {
            kills += 1;
        }
        let (code, _) = bg.wait_for(Duration::from_secs(10));
        assert!(
            code == 128 + libc::SIGKILL || code == OK,
            "round {round}: {code}"
        );
        // Wait for the stubs the dead runner left behind.
        for c in stubs.calls().iter().filter(|c| c.end_us.is_none()) {
            wait_until(Duration::from_secs(3), "orphaned stub to die", || {
                !stubs.stub_alive(c.pid)
            });
        }
        let rd = p.run_dir();
        assert_run_dir_readable(&rd, &mut torn);
        check_not_redone(&ok_before, &calls_before, &attempts_before);
        if rd.join("steps.json").exists() {
            let ok: BTreeSet<String> = p.ids_with_status("ok").into_iter().collect();
            assert!(
                ok.is_superset(&ok_before),
                "round {round}: ok steps were lost"
            );
            eprintln!("round {round}: {delay:?} ok={}", ok.len());
            ok_before = ok;
        }
        calls_before = stubs.calls_per_step();
        attempts_before = attempts();
    }
    assert!(kills >= 3, "only {kills} runs were killed mid-way");
    p.run(&stubs, &["--max-parallel", "20", "--no-cache"])
        .expect(OK);
    check_not_redone(&ok_before, &calls_before, &attempts_before);
    assert_eq!(p.ids_with_status("ok").len(), 20);
    let per = stubs.calls_per_step();
    assert_eq!(per.len(), 20, "every step was called: {per:?}");
    assert_run_dir_readable(&p.run_dir(), &mut torn);
}

// 7. One run per pack at a time.

#[test]
fn a_second_run_of_the_same_pack_is_refused_while_the_first_runs() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    stubs.mode(None, "hang");
    let mut first = p.spawn(&stubs, &["--grace-period", "1s"]);
    // The default --max-parallel is 4: four steps hang in their call.
    wait_until(Duration::from_secs(20), "the first run's calls", || {
        stubs.call_count() == 4
    });
    let second = p.run(&stubs, &[]);
    second.expect(USAGE);
    assert!(
        second.stderr().contains("in use by another"),
        "{}",
        second.stderr()
    );
    assert_eq!(stubs.call_count(), 4, "the refused run called nothing");

    // status sees the active run.
    let out = p
        .command(&stubs, &["status", "--json"])
        .output()
        .expect("status");
    assert_eq!(out.status.code(), Some(OK));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(doc["active"], true);
    assert_eq!(doc["run"]["state"], "running");

    first.signal(libc::SIGINT);
    let (code, _) = first.wait_for(Duration::from_secs(10));
    assert_eq!(code, INTERRUPTED);
}

// 8. Dry run, CI output, status, refusals.

#[test]
fn dry_run_plans_without_running_anything() {
    let stubs = Stubs::new();
    let p = Project::new(DEMO, Root::Marker);
    let ran = p.run(&stubs, &["--dry-run"]);
    ran.expect(OK);
    let out = ran.stdout();
    assert!(out.contains("20 of 20 steps would run"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.contains(" run   new")).count(),
        20,
        "{out}"
    );
    assert!(!p.runs_dir().exists(), "a dry run creates no run directory");
    assert!(!p.root().join("docs").exists());
    assert_eq!(stubs.call_count(), 0);

    p.run(&stubs, &["--max-parallel", "20"]).expect(OK);
    assert_eq!(stubs.call_count(), 20);
    let rd = p.run_dir();
    let canon = rd.join(p.step("05")["outputs"][0]["canonical"].as_str().expect("c"));
    std::fs::remove_file(&canon).expect("remove canonical copy");
    let events_before = std::fs::read(rd.join("events.jsonl")).expect("events");

    let ran = p.run(&stubs, &["--dry-run"]);
    ran.expect(OK);
    let out = ran.stdout();
    assert!(out.contains("1 of 20 steps would run"), "{out}");
    let line05 = out
        .lines()
        .find(|l| l.trim_start().starts_with("05"))
        .expect("05");
    assert!(
        line05.contains("run") && line05.contains("outputs_missing"),
        "{line05}"
    );
    let line01 = out
        .lines()
        .find(|l| l.trim_start().starts_with("01"))
        .expect("01");
    assert!(
        line01.contains("skip") && line01.contains("up_to_date"),
        "{line01}"
    );

    let ran = p.run(&stubs, &["--dry-run", "--json-log"]);
    ran.expect(OK);
    assert_eq!(
        ran.stdout().lines().count(),
        1,
        "one JSON line, like --ci output"
    );
    let plan: Value = serde_json::from_str(&ran.stdout()).expect("plan JSON");
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["to_run"], 1);
    let steps = plan["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 20);
    assert_eq!(steps[4]["action"], "run");
    assert_eq!(steps[4]["reason"], "outputs_missing");
    assert_eq!(steps[0]["action"], "skip");
    assert_eq!(steps[0]["reason"], "up_to_date");

    assert_eq!(stubs.call_count(), 20);
    assert!(!canon.exists(), "a dry run executes nothing");
    assert_eq!(
        std::fs::read(rd.join("events.jsonl")).expect("events"),
        events_before
    );
    assert_eq!(p.run_json()["sessions"], 1);
}

#[test]
fn ci_prints_only_json_lines_and_status_reports_the_run() {
    let stubs = Stubs::new();
    let p = Project::new(DOCS, Root::Git);
    let ran = p.run(&stubs, &["--ci", "--max-parallel", "20"]);
    ran.expect(OK);
    let out = ran.stdout();
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line {l:?}: {e}")))
        .collect();
    assert!(lines.iter().all(|e| e["v"] == 1 && e["event"].is_string()));
    assert_eq!(lines[0]["event"], "run_started");
    assert_eq!(lines.last().expect("lines")["event"], "run_finished");
    assert_eq!(lines, p.events(), "stdout carries the events.jsonl stream");
    assert_eq!(stubs.call_count(), 20);

    // status <run-dir>: a table; --json: the records.
    let rd = p.run_dir();
    let out = p
        .command(&stubs, &["status", rd.to_str().expect("utf-8")])
        .output()
        .expect("status");
    assert_eq!(out.status.code(), Some(OK));
    let table = String::from_utf8_lossy(&out.stdout);
    let pack_id = p.run_ids()[0].clone();
    assert!(table.contains(&pack_id), "{table}");
    for id in ids() {
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().next() == Some(id.as_str()) && l.contains("ok")),
            "step {id} in\n{table}"
        );
    }
    let out = p
        .command(&stubs, &["status", "--json", rd.to_str().expect("utf-8")])
        .output()
        .expect("status --json");
    assert_eq!(out.status.code(), Some(OK));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["active"], false);
    assert_eq!(doc["run"], p.run_json());
    assert_eq!(doc["steps"]["steps"].as_array().map(Vec::len), Some(20));
    assert_eq!(doc["run"]["state"], "completed");
    // Without an argument: the project's latest run.
    let out = p
        .command(&stubs, &["status", "--json"])
        .output()
        .expect("status");
    let latest: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(latest["run"]["pack_id"], pack_id.as_str());
    // Not a run directory.
    let out = p
        .command(&stubs, &["status", p.root().to_str().expect("utf-8")])
        .output()
        .expect("status");
    assert_eq!(out.status.code(), Some(USAGE));
}

#[test]
fn an_output_path_escaping_the_project_is_refused_before_anything_runs() {
    let stubs = Stubs::new();
    let demo = std::fs::read_to_string(common::stubs::demo_dir().join("pack.md")).expect("demo");
    let bad = demo.replace("\"$out_dir/05-unbounded-growth.md\"", "\"../escape.md\"");
    assert_ne!(bad, demo);
    let line = common::line_of(&bad, "\"../escape.md\"");
    let p = Project::with_pack("pack.md", bad.as_bytes(), Root::Marker);
    let ran = p.run(&stubs, &[]);
    ran.expect(INVALID);
    let err = ran.stderr();
    assert!(err.contains(&format!("pack.md:{line}:")), "{err}");
    assert!(err.contains("step 05"), "{err}");
    assert!(err.contains("../escape.md"), "{err}");
    assert_eq!(stubs.call_count(), 0);
    assert!(!p.runs_dir().exists());
    assert!(!p.root().join("docs").exists());

    // A path only known at run time is refused by the interposer: the call is never made.
    let dynamic = demo.replace(
        "\"$out_dir/05-unbounded-growth.md\"",
        "\"$(echo ..)/escape.md\"",
    );
    let p = Project::with_pack("pack.md", dynamic.as_bytes(), Root::Marker);
    p.run(&stubs, &["--max-parallel", "20"]).expect(FAILED);
    let s = p.step("05");
    assert_eq!(s["status"], "failed");
    assert_eq!(s["error_class"], "refused", "{s}");
    assert_eq!(s["invocations"][0]["status"], "refused");
    assert_eq!(stubs.calls_of("05"), 0);
    assert_eq!(stubs.call_count(), 19);
    assert!(
        !p.root()
            .parent()
            .expect("parent")
            .join("escape.md")
            .exists()
    );

    // An output directory that is a symlink out of the project.
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let p = Project::new(DEMO, Root::Marker);
    std::os::unix::fs::symlink(elsewhere.path(), p.root().join("docs")).expect("symlink");
    let ran = p.run(&stubs, &[]);
    ran.expect(INVALID);
    assert!(ran.stderr().contains("is a symlink to"), "{}", ran.stderr());
    assert_eq!(stubs.call_count(), 19);
    assert_eq!(std::fs::read_dir(elsewhere.path()).expect("dir").count(), 0);
}

#[test]
fn an_invalid_pack_exits_3_and_runs_nothing() {
    let stubs = Stubs::new();
    let demo = std::fs::read_to_string(common::stubs::demo_dir().join("pack.md")).expect("demo");
    let cut = demo.find("# 08)").expect("step 08");
    let seven = format!("{}```\n", &demo[..cut]);
    let p = Project::with_pack("pack.md", seven.as_bytes(), Root::Marker);
    let ran = p.run(&stubs, &[]);
    ran.expect(INVALID);
    let err = ran.stderr();
    assert!(err.contains("expected exactly 20 steps, got 7"), "{err}");
    assert!(err.contains("pack.md:12:1"), "{err}");
    assert_eq!(stubs.call_count(), 0);
    assert!(!p.runs_dir().exists());
    let ran = p.run(&stubs, &["--dry-run"]);
    ran.expect(INVALID);
}
