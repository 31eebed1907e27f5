//! `manifest schema|validate`, `render`, `check`: exit codes and exact messages.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

fn bin() -> Command {
    let mut c = Command::cargo_bin("oraclepack").expect("binary");
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn schema_is_printed_verbatim() {
    let want = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas/pack-manifest-v1.schema.json"),
    )
    .expect("schema file");
    bin()
        .args(["manifest", "schema"])
        .assert()
        .code(0)
        .stdout(want);
}

#[test]
fn valid_manifest_validates() {
    let d = common::project();
    let p = common::write_json(d.path(), "m.json", &common::valid_manifest());
    bin()
        .args(["manifest", "validate"])
        .arg(&p)
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(
            "m.json: valid (pack manifest v1); 0 error(s), 0 warning(s)\n",
        ));
}

#[test]
fn malformed_json_reports_line_and_column() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("bad.json");
    std::fs::write(
        &p,
        "{\n  \"schema_version\": 1,\n  \"kind\" \"question-pack\"\n}\n",
    )
    .expect("write");
    let out = bin()
        .args(["manifest", "validate"])
        .arg(&p)
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    assert!(
        out.contains("error[json.syntax]: invalid JSON: expected `:` at line 3 column 10"),
        "{out}"
    );
    assert!(out.contains("bad.json:3:10\n"), "{out}");
    assert!(out.contains("3 |   \"kind\" \"question-pack\"\n"), "{out}");
}

fn validate_json(v: &Value) -> (i32, Value) {
    let d = tempfile::tempdir().expect("tempdir");
    let p = common::write_json(d.path(), "m.json", v);
    let o = bin()
        .args(["manifest", "validate", "--json"])
        .arg(&p)
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json report");
    (o.status.code().unwrap_or(-1), doc)
}

fn findings(doc: &Value) -> Vec<(String, String, String)> {
    doc["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    (
                        d["rule"].as_str().unwrap_or("").to_string(),
                        d["pointer"].as_str().unwrap_or("").to_string(),
                        d["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn non_manifest_gets_every_violation_at_once() {
    let v = json!({"steps": [{"id": "1", "title": 3}], "extra": true});
    let (code, doc) = validate_json(&v);
    assert_eq!(code, 3);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["schema_valid"], false);
    let f = findings(&doc);
    let has = |rule: &str, ptr: &str, msg: &str| {
        assert!(
            f.iter().any(|(r, p, m)| r == rule && p == ptr && m == msg),
            "missing {rule} {ptr} {msg:?} in {f:#?}"
        )
    };
    has(
        "schema.required",
        "",
        "(root): missing required property \"schema_version\"",
    );
    has(
        "schema.required",
        "",
        "(root): missing required property \"kind\"",
    );
    has(
        "schema.required",
        "",
        "(root): missing required property \"out_dir\"",
    );
    has(
        "schema.unknown-property",
        "/extra",
        "(root): unknown property \"extra\"",
    );
    has(
        "schema.step-count",
        "/steps",
        "/steps has 1 steps; a pack has exactly 20",
    );
    has(
        "schema.pattern",
        "/steps/0/id",
        "/steps/0/id: \"1\" does not match \"^(0[1-9]|1[0-9]|20)$\"",
    );
    has(
        "schema.type",
        "/steps/0/title",
        "/steps/0/title: 3 is not of type \"string\"",
    );
    has(
        "schema.required",
        "/steps/0",
        "/steps/0: missing required property \"bash\"",
    );
    // every finding has a place in the file
    for d in doc["diagnostics"].as_array().into_iter().flatten() {
        assert!(d["line"].as_u64().unwrap_or(0) >= 1, "{d}");
        assert!(d["column"].as_u64().unwrap_or(0) >= 1, "{d}");
    }
    // the unknown property points at its key: line of `"extra"` in the pretty output
    let extra = doc["diagnostics"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["pointer"] == "/extra"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (extra["line"].as_u64(), extra["column"].as_u64()),
        (Some(2), Some(3))
    );
}

#[test]
fn ids_order_roi_and_paths_are_checked_beyond_the_schema() {
    let mut v = common::valid_manifest();
    // swap two ids (outputs follow the ids when not given)
    v["steps"][3]["id"] = json!("05");
    v["steps"][4]["id"] = json!("04");
    for i in [3, 4] {
        v["steps"][i].as_object_mut().map(|o| o.remove("output"));
    }
    v["steps"][9]["roi"] = json!(99);
    v["out_dir"] = json!("../elsewhere");
    v["steps"][2]["files"] = json!(["src/../../etc/passwd"]);
    let (code, doc) = validate_json(&v);
    assert_eq!(code, 3);
    assert_eq!(doc["schema_valid"], true);
    let f = findings(&doc);
    let rules: Vec<(&str, &str)> = f.iter().map(|(r, p, _)| (r.as_str(), p.as_str())).collect();
    assert_eq!(
        rules,
        vec![
            ("manifest.path", "/out_dir"),
            ("manifest.path", "/steps/2/files/0"),
            ("manifest.id-order", "/steps/3/id"),
            ("manifest.id-order", "/steps/4/id"),
            ("manifest.roi-order", "/steps/9/roi"),
        ]
    );
    assert!(
        f.iter().any(|(_, _, m)| m
            == "/steps/3/id: id \"05\" out of order; step 4 of the list must be \"04\"")
    );
    assert!(f.iter().any(|(_, _, m)| m == "/out_dir: ../elsewhere contains `..` and can escape the project"));
    assert_eq!(doc["warnings"], 1);
}

#[test]
fn duplicate_ids_are_reported() {
    let mut v = common::valid_manifest();
    v["steps"][1]["id"] = json!("01");
    let (code, doc) = validate_json(&v);
    assert_eq!(code, 3);
    assert!(
        findings(&doc)
            .iter()
            .any(|(r, p, m)| r == "manifest.id-duplicate"
                && p == "/steps/1/id"
                && m == "/steps/1/id: id \"01\" is already used by /steps/0")
    );
}

#[test]
fn warnings_alone_keep_the_manifest_valid() {
    let mut v = common::valid_manifest();
    v["steps"][4]["roi"] = json!(1000);
    let (code, doc) = validate_json(&v);
    assert_eq!(code, 0);
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["warnings"], 1);
}

#[test]
fn a_body_with_a_step_header_line_is_caught_before_rendering() {
    let mut v = common::valid_manifest();
    v["steps"][6]["bash"] = json!("echo start\n# 21) not a step");
    let (code, doc) = validate_json(&v);
    assert_eq!(code, 3);
    assert!(
        findings(&doc)
            .iter()
            .any(|(r, p, _)| r == "manifest.render" && p == "/steps/6/bash"),
        "{doc}"
    );
}

#[test]
fn render_is_stable_and_check_detects_drift() {
    let d = common::project();
    let m = common::write_json(d.path(), "m.json", &common::valid_manifest());
    let pack = d.path().join("pack.md");
    bin()
        .arg("render")
        .arg(&m)
        .arg("-o")
        .arg(&pack)
        .assert()
        .code(0);
    let first = std::fs::read_to_string(&pack).expect("pack");
    assert_eq!(first.matches("```").count(), 2, "one fence: open and close");
    assert!(first.starts_with("# Oracle questions — test project\n\n```bash\nout_dir=\"docs/oracle-questions-2026-01-01\"\nset -euo pipefail\n"));
    assert!(first.contains("\n# 01) ROI=29 impact=5 confidence=0.8 effort=1 horizon=Immediate category=contracts/interfaces reference=src/mod_01.rs Question 1 about module 1\noracle \\\n  --write-output \"docs/oracle-questions-2026-01-01/01-question-1.md\" \\\n  --file \"src/mod_01.rs\" \\\n  -p \"$(cat <<'PROMPT'\nQuestionId: 01\n"));
    bin()
        .arg("render")
        .arg(&m)
        .assert()
        .code(0)
        .stdout(first.clone());
    bin()
        .arg("render")
        .arg(&m)
        .arg("-o")
        .arg(&pack)
        .arg("--check")
        .assert()
        .code(0);
    std::fs::write(&pack, first.replace("Question 3 ", "Question three ")).expect("write");
    bin()
        .arg("render")
        .arg(&m)
        .arg("-o")
        .arg(&pack)
        .arg("--check")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("differs from the render of"));
    bin().arg("render").arg(&m).arg("--check").assert().code(2);
}

#[test]
fn render_refuses_an_invalid_manifest() {
    let mut v = common::valid_manifest();
    v["steps"].as_array_mut().map(Vec::pop);
    let d = tempfile::tempdir().expect("tempdir");
    let m = common::write_json(d.path(), "m.json", &v);
    bin()
        .arg("render")
        .arg(&m)
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(
            "/steps has 19 steps; a pack has exactly 20",
        ));
}

#[test]
fn check_runs_the_chain_and_the_rendered_pack_is_strictly_valid() {
    let d = common::project();
    let m = common::write_json(d.path(), "m.json", &common::valid_manifest());
    let pack = d.path().join("out/pack.md");
    bin()
        .arg("check")
        .arg(&m)
        .arg("--out")
        .arg(&pack)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "stage 3/4 rendered pack passes validate --strict",
        ))
        .stderr(predicate::str::contains(
            "stage 4/4 run --dry-run planned 20 steps",
        ))
        .stderr(predicate::str::contains(" 01 run   new"));
    assert!(
        !d.path().join(".oraclepack/runs").exists(),
        "the dry run writes no run directory"
    );
    bin()
        .arg("validate")
        .arg("--strict")
        .arg(&pack)
        .arg("--work-dir")
        .arg(d.path())
        .assert()
        .code(0);
}

#[test]
fn check_fails_on_missing_attachments_and_on_invalid_manifests() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(d.path().join(".git")).expect("mkdir");
    let m = common::write_json(d.path(), "m.json", &common::valid_manifest());
    bin()
        .arg("check")
        .arg(&m)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("error[attach.missing]"));
    bin()
        .arg("check")
        .arg(&m)
        .args(["--skip", "attach.missing"])
        .assert()
        .code(0);
    let mut v = common::valid_manifest();
    v["kind"] = json!("pack");
    let bad = common::write_json(d.path(), "bad.json", &v);
    bin()
        .arg("check")
        .arg(&bad)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "stage 1/4 (manifest validate) failed",
        ));
}

#[test]
fn nested_fences_in_bodies_get_a_longer_outer_fence() {
    let d = common::project();
    let mut v = common::valid_manifest();
    v["steps"][0]["prompt"] = json!("QuestionId: 01\nShow the config:\n```toml\nx = 1\n```\nWhy?");
    let m = common::write_json(d.path(), "m.json", &v);
    let pack = d.path().join("pack.md");
    bin()
        .arg("check")
        .arg(&m)
        .arg("--out")
        .arg(&pack)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&pack).expect("pack");
    assert!(text.contains("\n````bash\n"));
    assert!(text.ends_with("\n````\n"));
}
