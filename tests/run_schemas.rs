//! The run directory's files validate against the published schemas in `schemas/`:
//! run.json, steps.json, every call record and every events.jsonl / --json-log line, from a
//! real run (the bundled demo pack, a stub `oracle` that fails one step).

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn schema(name: &str) -> jsonschema::Validator {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&p).expect("schema")).expect("json");
    jsonschema::validator_for(&v).expect("valid schema")
}

fn check(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

const STUB: &str = r#"#!/usr/bin/env bash
out=""; prompt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --write-output) out="$2"; shift 2;;
    -p) prompt="$2"; shift 2;;
    *) shift;;
  esac
done
case "$prompt" in *"QuestionId: 05"*) echo "ERROR: 401 Incorrect API key"; exit 1;; esac
mkdir -p "$(dirname "$out")"
printf 'Direct answer\n- ok\n' > "$out"
echo "Finished · \$0.0010 · gpt-5.1[high] · ↑120 ↓30 ↻0* Δ150 · sid=s1"
"#;

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("proj");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    std::fs::create_dir_all(root.join(".oraclepack")).expect("mkdir");
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    for e in std::fs::read_dir(demo.join("app")).expect("app") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), root.join("app").join(e.file_name())).expect("copy");
    }
    std::fs::copy(demo.join("pack.md"), root.join("pack.md")).expect("copy");
    let bin = dir.path().join("stubbin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let stub = bin.join("oracle");
    std::fs::write(&stub, STUB).expect("stub");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (dir, root)
}

#[test]
fn run_files_and_event_lines_match_the_published_schemas() {
    let (dir, root) = setup();
    let path = format!(
        "{}:{}",
        dir.path().join("stubbin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = common::oraclepack()
        .current_dir(&root)
        .env("PATH", &path)
        .args(["run", "pack.md", "--ci", "--max-parallel", "8"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs: Vec<PathBuf> = std::fs::read_dir(root.join(".oraclepack/runs"))
        .expect("runs")
        .map(|e| e.expect("e").path())
        .collect();
    assert_eq!(runs.len(), 1);
    let run_dir = &runs[0];
    let read = |p: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")
    };
    check(
        &schema("run-v1.schema.json"),
        &read(&run_dir.join("run.json")),
        "run.json",
    );
    let steps = read(&run_dir.join("steps.json"));
    check(&schema("steps-v1.schema.json"), &steps, "steps.json");
    assert_eq!(steps["steps"][4]["status"], "failed");
    assert_eq!(steps["steps"][4]["error_class"], "permanent");
    assert_eq!(steps["steps"][0]["status"], "ok");
    let call = schema("call-v1.schema.json");
    let mut n = 0;
    for step in std::fs::read_dir(run_dir.join("calls")).expect("calls") {
        for f in std::fs::read_dir(step.expect("s").path()).expect("dir") {
            check(&call, &read(&f.expect("f").path()), "call record");
            n += 1;
        }
    }
    assert_eq!(n, 20);
    let events = schema("run-event-v1.schema.json");
    let stdout = String::from_utf8(out.stdout).expect("utf8");
    let file = std::fs::read_to_string(run_dir.join("events.jsonl")).expect("events");
    assert_eq!(stdout, file, "--ci prints exactly the event log on stdout");
    let kinds: Vec<String> = file
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("event line parses");
            check(&events, &v, l);
            v["event"].as_str().expect("kind").to_string()
        })
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("run_started"));
    assert_eq!(kinds.last().map(String::as_str), Some("run_finished"));
    for k in [
        "step_planned",
        "step_started",
        "call_finished",
        "step_finished",
    ] {
        assert_eq!(kinds.iter().filter(|x| *x == k).count(), 20, "{k}");
    }
}
