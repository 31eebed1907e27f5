//! Differential check: on a generated corpus of valid and invalid manifests (every
//! boundary), oraclepack's schema verdict equals Python `jsonschema`'s (an independent
//! Draft 2020-12 implementation). Python jsonschema is used if importable, else installed
//! into a venv under target/. When it cannot be had the test fails if `CI` is set and is
//! skipped (with a message) otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Proc;

use assert_cmd::Command;
use serde_json::{Value, json};

fn python_with_jsonschema() -> Option<PathBuf> {
    let ok = |py: &Path| {
        Proc::new(py)
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let system = PathBuf::from("python3");
    if ok(&system) {
        return Some(system);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyvenv-jsonschema");
    let py = venv.join("bin/python3");
    if !py.exists() {
        let made = Proc::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return None;
        }
    }
    if !ok(&py) {
        let _ = Proc::new(&py)
            .args(["-m", "pip", "install", "--quiet", "jsonschema"])
            .status();
    }
    ok(&py).then_some(py)
}

fn with(mut base: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut base);
    base
}

fn remove(v: &mut Value, key: &str) {
    if let Some(o) = v.as_object_mut() {
        o.remove(key);
    }
}

fn corpus() -> Vec<(String, Value)> {
    let b = common::valid_manifest;
    let mut c: Vec<(String, Value)> = vec![("valid".into(), b())];
    for n in [0usize, 1, 19, 21] {
        c.push((
            format!("steps-{n}"),
            with(b(), |v| {
                let mut steps = v["steps"].as_array().cloned().unwrap_or_default();
                while steps.len() < n {
                    steps.push(steps[0].clone());
                }
                steps.truncate(n);
                v["steps"] = Value::Array(steps);
            }),
        ));
    }
    for id in ["1", "21", "00", "001", "20", "10", "1a", " 01", ""] {
        c.push((
            format!("id-{id:?}"),
            with(b(), |v| v["steps"][0]["id"] = json!(id)),
        ));
    }
    c.push((
        "id-number".into(),
        with(b(), |v| v["steps"][0]["id"] = json!(1)),
    ));
    for key in ["schema_version", "kind", "out_dir", "steps"] {
        c.push((format!("missing-{key}"), with(b(), |v| remove(v, key))));
    }
    for key in ["id", "title", "bash"] {
        c.push((
            format!("missing-step-{key}"),
            with(b(), |v| remove(&mut v["steps"][5], key)),
        ));
    }
    let top: Vec<(&str, Value)> = vec![
        ("schema_version", json!(2)),
        ("schema_version", json!("1")),
        ("schema_version", json!(1.0)),
        ("kind", json!("pack")),
        ("kind", json!("action-pack")),
        ("out_dir", json!("")),
        ("out_dir", json!(7)),
        ("write_output", json!("yes")),
        ("write_output", json!(true)),
        ("title", json!("two\nlines")),
        ("prelude", json!(["set -e"])),
        ("steps", json!({})),
        ("extra", json!(1)),
    ];
    for (k, val) in top {
        c.push((format!("top-{k}={val}"), with(b(), |v| v[k] = val.clone())));
    }
    let step: Vec<(&str, Value)> = vec![
        ("title", json!(3)),
        ("title", json!("a | b")),
        ("title", json!("")),
        ("bash", Value::Null),
        ("roi", json!("high")),
        ("roi", json!(-1)),
        ("roi", json!(0)),
        ("impact", json!("High")),
        ("impact", json!("high")),
        ("impact", json!(-0.5)),
        ("confidence", json!(1.5)),
        ("confidence", json!(1)),
        ("confidence", json!("Medium")),
        ("effort", json!("Low")),
        ("effort", json!(true)),
        ("horizon", json!("Soon")),
        ("horizon", json!("LongTerm")),
        ("category", json!("UX Flows")),
        ("category", json!("UX flows")),
        ("reference", json!("a b")),
        ("reference", json!("")),
        ("files", json!(["a", "b", "c", "d"])),
        ("files", json!(["a", "a"])),
        ("files", json!(["/etc/passwd"])),
        ("files", json!([])),
        ("model", json!("gpt 5")),
        ("model", json!("gpt-5.2-pro")),
        ("output", json!("1-x.md")),
        ("output", json!("01-X.md")),
        ("prompt", json!("")),
        ("unknown", json!(1)),
    ];
    for (k, val) in step {
        c.push((
            format!("step-{k}={val}"),
            with(b(), |v| v["steps"][3][k] = val.clone()),
        ));
    }
    c.push((
        "output-without-prompt".into(),
        with(b(), |v| remove(&mut v["steps"][2], "prompt")),
    ));
    for (name, v) in [
        ("root-array", json!([])),
        ("root-null", Value::Null),
        ("root-string", json!("x")),
    ] {
        c.push((name.into(), v));
    }
    c
}

#[test]
fn schema_verdicts_match_python_jsonschema() {
    let Some(py) = python_with_jsonschema() else {
        let msg = "Python jsonschema is not available and could not be installed";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus();
    let mut ours = Vec::new();
    for (i, (name, v)) in corpus.iter().enumerate() {
        let p = dir.path().join(format!("{i:03}.json"));
        std::fs::write(&p, serde_json::to_string_pretty(v).expect("json")).expect("write");
        let o = Command::cargo_bin("oraclepack")
            .expect("binary")
            .args(["manifest", "validate", "--json"])
            .arg(&p)
            .output()
            .expect("run");
        let doc: Value = serde_json::from_slice(&o.stdout).expect("report");
        let schema_valid = doc["schema_valid"].as_bool().expect("schema_valid");
        // exit code and verdict agree
        assert_eq!(
            o.status.code(),
            Some(if doc["valid"] == true { 0 } else { 3 }),
            "{name}"
        );
        ours.push((name.clone(), schema_valid));
    }
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/pack-manifest-v1.schema.json");
    let script = "import json, sys, glob, jsonschema\n\
        s = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(s)\n\
        v = jsonschema.Draft202012Validator(s)\n\
        for f in sorted(glob.glob(sys.argv[2] + '/*.json')):\n\
        \x20   print(v.is_valid(json.load(open(f))))\n";
    let out = Proc::new(&py)
        .args(["-c", script])
        .arg(&schema)
        .arg(dir.path())
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<bool> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim() == "True")
        .collect();
    assert_eq!(theirs.len(), ours.len());
    let mismatches: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .filter(|((_, a), b)| a != *b)
        .map(|((n, a), b)| format!("{n}: oraclepack {a}, python {b}"))
        .collect();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    // the corpus exercises both verdicts
    let valid = theirs.iter().filter(|b| **b).count();
    assert!(
        valid >= 10 && theirs.len() - valid >= 40,
        "{valid} of {}",
        theirs.len()
    );
}
