//! `oraclepack actionize` on the real fixtures (../shared/fixtures): artifacts, rerun
//! determinism, id stability, CI policy, run-dir input, blocked and conflict tasks.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

fn actions() -> PathBuf {
    shared().join("outputs/2026-01-08-actions")
}

fn pack() -> PathBuf {
    shared().join("packs/oracle-questions-2026-01-09-030000_actions.md")
}

fn bin() -> Command {
    Command::cargo_bin("oraclepack").expect("binary")
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .expect("out dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

fn ids(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("ids.json")).expect("ids.json")).expect("json")
}

#[test]
fn real_answers_produce_every_artifact_and_rerun_is_byte_identical() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("actionizer");
    let run = || {
        bin()
            .args(["actionize", "--outputs"])
            .arg(actions())
            .arg("--pack")
            .arg(pack())
            .arg("--out")
            .arg(&out)
            .arg("--emit-action-pack")
            .assert()
            .success();
        files(&out)
    };
    let first = run();
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "action-pack.md",
            "backlog.md",
            "change-plan.md",
            "github-issues.json",
            "ids.json",
            "normalized.jsonl",
            "taskmaster.json"
        ]
    );
    let second = run();
    assert!(first == second, "rerun changed an artifact");

    let backlog = String::from_utf8_lossy(&first[1].1).into_owned();
    assert!(backlog.contains("## contracts/interfaces"));
    assert!(backlog.contains("OP3-66ca2e07-1-1"));
    // Every line of normalized.jsonl is a finding with a section and a source hash.
    let norm = String::from_utf8_lossy(&first[5].1).into_owned();
    let mut sections = std::collections::BTreeSet::new();
    for l in norm.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("jsonl");
        assert!(v["id"].as_str().expect("id").starts_with("F-"));
        assert_eq!(v["source_sha256"].as_str().expect("hash").len(), 64);
        sections.insert(v["section"].as_str().expect("section").to_string());
    }
    assert_eq!(sections.len(), 4, "{sections:?}");
    let gh: serde_json::Value = serde_json::from_slice(&first[3].1).expect("gh json");
    let gh = gh.as_array().expect("array");
    assert_eq!(gh.len(), 20);
    for i in gh {
        assert!(i["title"].as_str().expect("title").len() <= 256);
        assert!(i["body"].is_string() && i["labels"].is_array());
    }
}

#[test]
fn one_more_answer_keeps_every_existing_id() {
    let tmp = tempfile::tempdir().expect("tmp");
    let partial = tmp.path().join("outputs");
    std::fs::create_dir(&partial).expect("mkdir");
    for e in std::fs::read_dir(actions()).expect("fixtures") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("14-") {
            std::fs::copy(e.path(), partial.join(&name)).expect("copy");
        }
    }
    let out = tmp.path().join("actionizer");
    let run = || {
        bin()
            .args(["actionize", "--outputs"])
            .arg(&partial)
            .arg("--pack")
            .arg(pack())
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        ids(&out)
    };
    let before = run();
    std::fs::copy(
        actions().join("14-migrations-backfill-plan.md"),
        partial.join("14-migrations-backfill-plan.md"),
    )
    .expect("copy 14");
    let after = run();
    let entries = |v: &serde_json::Value| -> Vec<(String, bool)> {
        v["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| {
                (
                    t["id"].as_str().expect("id").to_string(),
                    t["retired"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    };
    let after_ids: Vec<String> = entries(&after).into_iter().map(|(i, _)| i).collect();
    let live_after: Vec<String> = entries(&after)
        .into_iter()
        .filter(|(_, r)| !*r)
        .map(|(i, _)| i)
        .collect();
    let mut kept = 0;
    for (id, _) in entries(&before) {
        assert!(after_ids.contains(&id), "{id} vanished");
        // Only step 14's "no answer" task may retire; everything else is still live.
        if !id.contains("-14-") {
            assert!(live_after.contains(&id), "{id} retired");
            kept += 1;
        }
    }
    assert!(kept > 100, "{kept}");
    assert!(live_after.len() > kept);
}

#[test]
fn works_without_a_pack_deriving_categories_from_slugs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("a");
    bin()
        .args(["actionize", "--outputs"])
        .arg(actions())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let backlog = std::fs::read_to_string(out.join("backlog.md")).expect("backlog");
    for c in ["## contracts/interfaces", "## UX flows", "## feature flags"] {
        assert!(backlog.contains(c), "{c}");
    }
    assert!(backlog.contains("ROI ?"));
    assert!(!backlog.contains("## uncategorized"));
}

#[test]
fn chunk_sets_and_single_answers_normalize() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("a");
    bin()
        .args(["actionize", "--outputs"])
        .arg(shared().join("outputs/2026-01-09-chunked"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let norm = std::fs::read_to_string(out.join("normalized.jsonl")).expect("jsonl");
    let of = |step: &str, section: &str| {
        norm.lines()
            .filter(|l| {
                l.contains(&format!("\"step\":\"{step}\""))
                    && l.contains(&format!("\"section\":\"{section}\""))
            })
            .count()
    };
    for s in [
        "direct-answer",
        "risk",
        "next-experiment",
        "missing-evidence",
    ] {
        assert!(of("01", s) > 0, "step 01 {s}");
        assert!(of("02", s) > 0, "step 02 {s}");
    }
    // The missing-evidence chunk names patterns; they become blocked tasks naming them.
    let backlog = std::fs::read_to_string(out.join("backlog.md")).expect("backlog");
    assert!(backlog.contains("`blocked`"));
    assert!(backlog.contains("`.tickets/actions/**/*.md`"));
}

#[test]
fn ci_policy_exit_codes_and_json_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("a");
    let run = |args: &[&str]| {
        bin()
            .args(["actionize", "--ci", "--outputs"])
            .arg(actions())
            .arg("--pack")
            .arg(pack())
            .arg("--out")
            .arg(&out)
            .args(args)
            .assert()
    };
    let ok = run(&["--min-action-yield", "10", "--max-blocked-ratio", "0.5"]).code(0);
    let stdout = String::from_utf8_lossy(&ok.get_output().stdout).into_owned();
    assert_eq!(stdout.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json line");
    assert_eq!(v["policy"]["passed"], true);
    assert!(v["action_yield"].as_u64().expect("yield") >= 10);

    let bad = run(&["--min-action-yield", "100000"]).code(5);
    let v: serde_json::Value = serde_json::from_slice(&bad.get_output().stdout).expect("json line");
    assert_eq!(v["policy"]["passed"], false);
    run(&["--max-blocked-ratio", "0"]).code(5);
    bin().args(["actionize"]).assert().code(2);
}

#[test]
fn run_dir_with_failed_and_empty_steps_gives_blocked_tasks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let run_dir = tmp.path().join("run");
    let outputs = run_dir.join("outputs");
    std::fs::create_dir_all(&outputs).expect("mkdir");
    for e in std::fs::read_dir(actions()).expect("fixtures") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("03-") {
            std::fs::write(outputs.join(&name), " \n").expect("empty");
        } else if !name.starts_with("05-") {
            std::fs::copy(e.path(), outputs.join(&name)).expect("copy");
        }
    }
    std::fs::write(
        run_dir.join("run.json"),
        serde_json::json!({"pack_path": pack(), "pack_hash": "ignored-because-the-pack-is-read"})
            .to_string(),
    )
    .expect("run.json");
    std::fs::write(
        run_dir.join("steps.json"),
        r#"[{"step_id":"07","status":"failed"},{"step_id":"08","status":"ok"}]"#,
    )
    .expect("steps.json");
    bin()
        .args(["actionize", "--run-dir"])
        .arg(&run_dir)
        .assert()
        .success();
    let backlog = std::fs::read_to_string(run_dir.join("actionizer/backlog.md")).expect("backlog");
    assert!(backlog.contains("Step 03 has an empty answer"), "empty");
    assert!(backlog.contains("Step 05 has no answer file"), "missing");
    assert!(backlog.contains("Step 07 failed"), "failed");
    // Missing answers name where the pack writes them.
    assert!(backlog.contains("05-caching-state-state-artifacts"));
}

#[test]
fn contradictory_answers_become_a_conflict_task_citing_both() {
    let tmp = tempfile::tempdir().expect("tmp");
    let outputs = tmp.path().join("outputs");
    std::fs::create_dir(&outputs).expect("mkdir");
    std::fs::write(
        outputs.join("01-invariants-parser.md"),
        "Direct answer\n\nThe pack parser does validate step numbering before running anything.\n",
    )
    .expect("w");
    std::fs::write(
        outputs.join("02-invariants-runner.md"),
        "Direct answer\n\nThe pack parser does not validate step numbering; callers must.\n",
    )
    .expect("w");
    let out = tmp.path().join("a");
    bin()
        .args(["actionize", "--outputs"])
        .arg(&outputs)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let backlog = std::fs::read_to_string(out.join("backlog.md")).expect("backlog");
    assert!(backlog.contains("`conflict`"), "{backlog}");
    assert!(backlog.contains("01-invariants-parser.md"));
    assert!(backlog.contains("02-invariants-runner.md"));
}
