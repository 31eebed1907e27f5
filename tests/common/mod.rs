//! Shared test helpers: where the real fixtures live, how to run the binary, manifests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod stubs;

use assert_cmd::Command;
use serde_json::{Value, json};

/// `../shared/fixtures` beside the checkout (CI puts `shared/` there), or
/// `$ORACLEPACK_FIXTURES`.
pub fn fixtures() -> PathBuf {
    if let Some(p) = std::env::var_os("ORACLEPACK_FIXTURES") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

pub fn pack(name: &str) -> PathBuf {
    fixtures().join("packs").join(name)
}

pub fn read_pack(name: &str) -> String {
    std::fs::read_to_string(pack(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Every fixture pack file name, sorted.
pub fn all_packs() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures().join("packs"))
        .expect("fixtures/packs is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    v.sort();
    v
}

pub fn oraclepack() -> Command {
    let mut c = Command::cargo_bin("oraclepack").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

/// Run `validate --strict --json` on `path` with attachments resolved in `root`.
pub fn strict_json(path: &Path, root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = oraclepack()
        .arg("validate")
        .arg("--strict")
        .arg("--json")
        .arg("--work-dir")
        .arg(root)
        .args(extra)
        .arg(path)
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

/// The diagnostics of a report as (rule, severity, line, column).
pub fn diag_keys(v: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

pub fn errors_of<'a>(v: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .filter(|d| d["rule"] == rule && d["severity"] == "error")
        .collect()
}

/// Write `text` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// 1-based line number of the first line containing `needle`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
}

pub use oraclepack::pack::header::CATEGORIES;

/// A complete question-pack manifest: 20 structured steps, ROI descending, every step
/// attaching `src/mod_NN.rs` (tests create those files when they run the strict check).
pub fn valid_manifest() -> Value {
    let steps: Vec<Value> = (1..=20)
        .map(|n| {
            let id = format!("{n:02}");
            let cat = CATEGORIES[(n - 1) % 10];
            json!({
                "id": id,
                "title": format!("Question {n} about module {n}"),
                "roi": 30.0 - n as f64,
                "impact": 5,
                "confidence": 0.8,
                "effort": 1,
                "horizon": "Immediate",
                "category": cat,
                "reference": format!("src/mod_{id}.rs"),
                "bash": "",
                "prompt": format!("QuestionId: {id}\nCategory: {cat}\nReference: src/mod_{id}.rs\nExpectedArtifacts: {id}-question-{n}.md\n\nQuestion:\nWhat distinct invariant number {n} does module {id} keep about topic {n}?"),
                "files": [format!("src/mod_{id}.rs")],
                "output": format!("{id}-question-{n}.md"),
            })
        })
        .collect();
    json!({
        "schema_version": 1,
        "kind": "question-pack",
        "title": "Oracle questions — test project",
        "out_dir": "docs/oracle-questions-2026-01-01",
        "prelude": "set -euo pipefail\nmkdir -p \"docs/oracle-questions-2026-01-01\"",
        "steps": steps,
    })
}

/// A project directory with `.git` and the files `valid_manifest` attaches.
pub fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir .git");
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir src");
    for n in 1..=20 {
        std::fs::write(dir.path().join(format!("src/mod_{n:02}.rs")), "// x\n").expect("write");
    }
    dir
}

pub fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).expect("json")).expect("write");
    p
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/packs")
}

pub mod llm_server;
pub mod oracle_cli;
