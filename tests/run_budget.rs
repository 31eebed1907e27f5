//! `--budget-usd` and `cache explain` on a real run of the bundled demo pack, with a stub
//! `oracle` that reports $0.0010 per call in oracle's finish-line format.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const STUB: &str = r#"#!/usr/bin/env bash
[ "${1:-}" = "--version" ] && { echo "stub 1.0"; exit 0; }
out=""
while [ $# -gt 0 ]; do
  case "$1" in --write-output) out="$2"; shift 2;; *) shift;; esac
done
echo call >> "$STUB_COUNT"
mkdir -p "$(dirname "$out")"
printf 'Direct answer\n- ok\n' > "$out"
echo "0.1s · \$0.0010 · gpt-5.1[high] · ↑100 ↓20 ↻0* Δ120 · sid=s1"
"#;

struct Proj {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

fn setup() -> Proj {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("proj");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    std::fs::create_dir_all(root.join(".oraclepack")).expect("mkdir");
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    for e in std::fs::read_dir(demo.join("app")).expect("app") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), root.join("app").join(e.file_name())).expect("copy");
    }
    std::fs::copy(demo.join("pack.md"), root.join("pack.md")).expect("copy");
    let stub = tmp.path().join("bin/oracle");
    std::fs::create_dir_all(stub.parent().expect("p")).expect("mkdir");
    std::fs::write(&stub, STUB).expect("stub");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    Proj { tmp, root }
}

impl Proj {
    fn cmd(&self) -> assert_cmd::Command {
        let mut c = common::oraclepack();
        c.current_dir(&self.root)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    self.tmp.path().join("bin").display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("STUB_COUNT", self.tmp.path().join("count"));
        c
    }
    fn calls(&self) -> usize {
        std::fs::read_to_string(self.tmp.path().join("count"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }
    fn run_dir(&self) -> PathBuf {
        std::fs::read_dir(self.root.join(".oraclepack/runs"))
            .expect("runs")
            .map(|e| e.expect("e").path())
            .next()
            .expect("a run")
    }
}

#[test]
fn budget_stops_new_calls_before_the_recorded_cost_would_pass_it() {
    let p = setup();
    // $0.0010 per call: after two calls, spent 0.002 + the mean 0.001 passes 0.0025.
    let out = p
        .cmd()
        .args(["run", "pack.md", "--non-interactive", "--max-parallel", "1"])
        .args(["--budget-usd", "0.0025"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(p.calls(), 2, "no provider call after the budget is reached");
    let steps: Value = serde_json::from_str(
        &std::fs::read_to_string(p.run_dir().join("steps.json")).expect("steps"),
    )
    .expect("json");
    let status: Vec<&str> = steps["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(&status[..3], ["ok", "ok", "failed"]);
    assert!(status[3..].iter().all(|s| *s == "pending"), "{status:?}");
    assert_eq!(steps["steps"][2]["error_class"], "refused");
    let run: Value =
        serde_json::from_str(&std::fs::read_to_string(p.run_dir().join("run.json")).expect("run"))
            .expect("json");
    assert!((run["totals"]["cost_usd"].as_f64().expect("cost") - 0.002).abs() < 1e-9);

    // Without the budget the run resumes and completes; the 2 paid steps are not redone.
    p.cmd()
        .args(["run", "pack.md", "--non-interactive", "--max-parallel", "4"])
        .assert()
        .code(0);
    assert_eq!(p.calls(), 20);
}

#[test]
fn cache_explain_names_the_changed_attachment_with_a_relative_run_dir() {
    let p = setup();
    p.cmd()
        .args(["run", "pack.md", "--non-interactive", "--max-parallel", "8"])
        .assert()
        .code(0);
    std::fs::write(p.root.join("app/cache.py"), "# changed\n").expect("edit");
    let rel = p
        .run_dir()
        .strip_prefix(&p.root)
        .expect("inside")
        .to_path_buf();
    let out = p
        .cmd()
        .args(["cache", "explain", "02", "--run-dir"])
        .arg(&rel)
        .output()
        .expect("explain");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("MISS"), "{text}");
    assert!(text.contains("file changed: app/cache.py"), "{text}");
    let out = p
        .cmd()
        .args(["cache", "explain", "01"])
        .output()
        .expect("explain");
    assert!(String::from_utf8_lossy(&out.stdout).contains("HIT"));
}
