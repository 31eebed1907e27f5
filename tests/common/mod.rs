//! Shared helpers of the manifest integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

pub const CATEGORIES: [&str; 10] = [
    "contracts/interfaces",
    "invariants",
    "caching/state",
    "background jobs",
    "observability",
    "permissions",
    "migrations",
    "UX flows",
    "failure modes",
    "feature flags",
];

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
