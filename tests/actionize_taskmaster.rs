//! The exported `taskmaster.json` read by the real Task Master CLI (npm `task-master-ai`).
//! The CLI is installed into `target/npm-tools` on first use (~1.4 GB, ~70 s). Without
//! npm or network the test is skipped with a message, except under `CI`, where it fails.

use std::path::PathBuf;
use std::process::Command;

const PACKAGE: &str = "task-master-ai@0.43.1";

fn task_master() -> Result<PathBuf, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/npm-tools");
    let bin = root.join("node_modules/.bin/task-master");
    if bin.is_file() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&root).map_err(|e| format!("mkdir {}: {e}", root.display()))?;
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&root)
        .arg(PACKAGE)
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !out.status.success() || !bin.is_file() {
        return Err(format!(
            "npm install {PACKAGE} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

#[test]
fn task_master_lists_the_exported_tasks() {
    let bin = match task_master() {
        Ok(b) => b,
        Err(e) if std::env::var_os("CI").is_some() => panic!("CI requires task-master: {e}"),
        Err(e) => {
            eprintln!("SKIPPED (not CI): {e}");
            return;
        }
    };
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("actionizer");
    assert_cmd::Command::cargo_bin("oraclepack")
        .expect("bin")
        .args(["actionize", "--outputs"])
        .arg(shared.join("outputs/2026-01-08-actions"))
        .arg("--pack")
        .arg(shared.join("packs/oracle-questions-2026-01-09-030000_actions.md"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let proj = tmp.path().join("proj");
    let tasks_dir = proj.join(".taskmaster/tasks");
    std::fs::create_dir_all(&tasks_dir).expect("mkdir");
    std::fs::copy(out.join("taskmaster.json"), tasks_dir.join("tasks.json")).expect("copy");
    let res = Command::new(&bin)
        .args(["list", "--with-subtasks"])
        .current_dir(&proj)
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .output()
        .expect("run task-master");
    let stdout = String::from_utf8_lossy(&res.stdout);
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(
        res.status.success(),
        "task-master list failed:\n{stdout}\n{stderr}"
    );
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("taskmaster.json")).expect("read"))
            .expect("json");
    let tasks = exported["master"]["tasks"].as_array().expect("tasks");
    let subtasks: usize = tasks
        .iter()
        .map(|t| t["subtasks"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(
        stdout.contains(&format!("Pending: {}", tasks.len())),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("0/{subtasks}")), "{stdout}");
    assert!(stdout.contains("OP3-"), "{stdout}");
    assert!(!stdout.to_lowercase().contains("error"), "{stdout}");
}
