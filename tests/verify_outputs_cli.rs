//! `oraclepack verify-outputs` on the real answers (../shared/fixtures/outputs) and on
//! copies of them broken one way at a time: exit codes, statuses, messages, JSON.

mod common;

use std::path::{Path, PathBuf};

use common::{fixtures, oraclepack, valid_manifest, write, write_json};
use serde_json::Value;

fn complete() -> PathBuf {
    fixtures().join("outputs/2026-01-08-actions")
}

fn chunked() -> PathBuf {
    fixtures().join("outputs/2026-01-09-chunked")
}

/// A copy of a fixture output directory in a fresh tempdir (at `<tmp>/<sub>`).
fn copy_of(src: &Path, sub: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dst = tmp.path().join(sub);
    std::fs::create_dir_all(&dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("fixture dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dst.join(e.file_name())).expect("copy");
    }
    (tmp, dst)
}

/// (exit code, stdout) of `verify-outputs <dir> <extra>`.
fn verify(dir: &Path, extra: &[&str]) -> (i32, String) {
    let out = oraclepack()
        .arg("verify-outputs")
        .arg(dir)
        .args(extra)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn verify_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let (code, out) = verify(dir, &args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("JSON ({e}): {out}"));
    (code, v)
}

fn status<'a>(v: &'a Value, step: &str) -> &'a str {
    v["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["step"] == step)
        .and_then(|s| s["status"].as_str())
        .unwrap_or_else(|| panic!("no step {step}"))
}

fn problems<'a>(v: &'a Value, kind: &str) -> Vec<&'a Value> {
    v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["kind"] == kind)
        .collect()
}

#[test]
fn the_real_complete_directory_passes() {
    let (code, out) = verify(&complete(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("20/20 steps have outputs; valid (0 errors, 0 warnings)\n"));
    assert_eq!(out.lines().count(), 1, "{out}");

    let (code, v) = verify_json(&complete(), &[]);
    assert_eq!(code, 0);
    assert_eq!(v["version"], 1);
    assert_eq!(v["complete"], 20);
    assert_eq!(v["valid"], true);
    assert_eq!(v["problems"], serde_json::json!([]));
    let steps = v["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 20);
    assert_eq!(steps[6]["step"], "07");
    assert_eq!(
        steps[6]["files"],
        serde_json::json!(["07-background-jobs-job-model.md"])
    );
    assert!(steps[0].get("headings").is_none());
}

/// The real answers are cut off after 3–4.5 KB: only 07, 10, 13 and 14 reach all four
/// sections. Missing sections are warnings (exit 0), errors with --require-headings.
#[test]
fn the_real_complete_directory_with_headings() {
    let (code, out) = verify(&complete(), &["--headings"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(
        "20/20 steps have outputs; valid (0 errors, 16 warnings); 4/20 answers have all four sections"
    ));
    assert!(out.contains(
        "warning[headings]: 12-permissions-secrets-config.md has no Next experiment, Missing evidence sections"
    ));
    let (code, v) = verify_json(&complete(), &["--headings"]);
    assert_eq!(code, 0);
    let whole: Vec<&str> = v["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| {
            s["headings"]
                .as_object()
                .is_some_and(|h| h.values().all(|b| b == true))
        })
        .filter_map(|s| s["step"].as_str())
        .collect();
    assert_eq!(whole, ["07", "10", "13", "14"]);
    // Every answer has its Direct answer (numbered `1. Direct answer (…)` in 14).
    assert!(
        v["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .all(|s| s["headings"]["direct-answer"] == true)
    );

    let (code, v) = verify_json(&complete(), &["--require-headings"]);
    assert_eq!(code, 3);
    assert_eq!(v["valid"], false);
    assert_eq!(v["complete"], 20);
    assert_eq!(problems(&v, "headings").len(), 16);
    assert!(
        problems(&v, "headings")
            .iter()
            .all(|p| p["severity"] == "error")
    );
}

#[test]
fn a_deleted_answer_is_missing() {
    let (_tmp, dir) = copy_of(&complete(), "out");
    std::fs::remove_file(dir.join("07-background-jobs-job-model.md")).expect("rm");
    let (code, out) = verify(&dir, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("error[missing]: step 07 has no answer file; fix: rerun step 07"));
    assert!(out.contains("19/20 steps have outputs; invalid (1 error, 0 warnings)"));

    let (code, v) = verify_json(&dir, &[]);
    assert_eq!(code, 3);
    assert_eq!(status(&v, "07"), "missing");
    assert_eq!(v["complete"], 19);
    let p = problems(&v, "missing");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["step"], "07");
    assert_eq!(p[0]["severity"], "error");
    assert_eq!(p[0]["file"], Value::Null);
}

#[test]
fn a_second_answer_for_a_prefix_is_a_duplicate() {
    let (_tmp, dir) = copy_of(&complete(), "out");
    std::fs::copy(
        dir.join("03-invariants-invariant-map.md"),
        dir.join("03-invariants-second-try.md"),
    )
    .expect("cp");
    // A single answer plus a chunk set for the same step is a duplicate too.
    write(&dir, "05-caching-direct-answer.md", "Direct answer\n\nx\n");
    let (code, out) = verify(&dir, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains(
        "error[duplicate]: step 03 has 2 answers: 03-invariants-invariant-map.md, 03-invariants-second-try.md; expected one file or one chunk set"
    ));
    let (_, v) = verify_json(&dir, &[]);
    assert_eq!(status(&v, "03"), "duplicate");
    assert_eq!(status(&v, "05"), "duplicate");
    assert_eq!(v["complete"], 18);
    let dup05 = problems(&v, "duplicate")
        .into_iter()
        .find(|p| p["step"] == "05")
        .expect("05 duplicate");
    assert!(
        dup05["message"]
            .as_str()
            .unwrap_or_default()
            .contains("chunk set 05-caching-*.md")
    );
}

#[test]
fn an_empty_or_blank_answer_is_empty() {
    let (_tmp, dir) = copy_of(&complete(), "out");
    std::fs::write(dir.join("11-permissions-authz-gaps.md"), "").expect("truncate");
    std::fs::write(dir.join("12-permissions-secrets-config.md"), " \n\n\t\n").expect("blank");
    let (code, out) = verify(&dir, &["--headings"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("error[empty]: 11-permissions-authz-gaps.md is empty (0 bytes)"));
    assert!(out.contains(
        "error[empty]: 12-permissions-secrets-config.md holds only whitespace (5 bytes)"
    ));
    let (_, v) = verify_json(&dir, &["--headings"]);
    assert_eq!(status(&v, "11"), "empty");
    assert_eq!(status(&v, "12"), "empty");
    assert_eq!(v["complete"], 18);
    // No heading check on an empty answer: the empty problem says it all.
    assert!(problems(&v, "headings").iter().all(|p| p["step"] != "11"));
}

#[test]
fn stray_files_are_warnings_only() {
    let (_tmp, dir) = copy_of(&complete(), "out");
    write(&dir, "notes.md", "my notes\n");
    write(&dir, "00-preflight.md", "x\n");
    write(&dir, "21-bonus.md", "x\n");
    write(&dir, "run.log", "x\n");
    write(&dir, ".hidden.md", "x\n");
    let (code, out) = verify(&dir, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[unexpected]: notes.md has no step prefix (NN-<slug>.md)"));
    assert!(out.contains("warning[unexpected]: 21-bonus.md carries the prefix 21, outside 01..20"));
    assert!(out.contains("warning[unexpected]: run.log is not a Markdown answer (*.md)"));
    assert!(out.contains("20/20 steps have outputs; valid (0 errors, 4 warnings)"));
    assert!(!out.contains(".hidden.md"));
}

/// The chunked fixture holds one complete chunk set (step 01, four files) and two single
/// answers (02, 03) from another pack: those three are ok, 04..20 are missing.
#[test]
fn the_real_chunked_directory() {
    let (code, v) = verify_json(&chunked(), &["--headings"]);
    assert_eq!(code, 3);
    assert_eq!(v["complete"], 3);
    for n in 1..=20 {
        let id = format!("{n:02}");
        let want = if n <= 3 { "ok" } else { "missing" };
        assert_eq!(status(&v, &id), want, "step {id}");
    }
    assert_eq!(v["steps"][0]["files"].as_array().map(Vec::len), Some(4));
    assert_eq!(problems(&v, "missing").len(), 17);
    // The chunk set has all four sections between its files; 03 is cut off.
    assert!(
        v["steps"][0]["headings"]
            .as_object()
            .is_some_and(|h| h.values().all(|b| b == true))
    );
    let h = problems(&v, "headings");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["step"], "03");
    assert_eq!(h[0]["severity"], "warning");
}

#[test]
fn a_chunk_set_without_all_four_chunks_is_incomplete() {
    let (_tmp, dir) = copy_of(&chunked(), "out");
    let name = "oracle-questions-2026-01-09-030000_actions_01-contracts-interfaces-ticket-surface";
    std::fs::remove_file(dir.join(format!("{name}-risks-unknowns.md"))).expect("rm");
    std::fs::remove_file(dir.join(format!("{name}-next-experiment.md"))).expect("rm");
    let (code, out) = verify(&dir, &[]);
    assert_eq!(code, 3);
    assert!(out.contains(&format!(
        "error[incomplete]: chunk set {name}-*.md of step 01 has 2/4 chunks; it lacks risks-unknowns, next-experiment"
    )));
    let (_, v) = verify_json(&dir, &[]);
    assert_eq!(status(&v, "01"), "incomplete");

    // Two chunk sets with different bases for one step: duplicate.
    let (_tmp2, dir) = copy_of(&chunked(), "out");
    for s in [
        "direct-answer",
        "risks-unknowns",
        "next-experiment",
        "missing-evidence",
    ] {
        write(&dir, &format!("01-other-{s}.md"), "x\n");
    }
    let (_, v) = verify_json(&dir, &[]);
    assert_eq!(status(&v, "01"), "duplicate");
    assert!(problems(&v, "incomplete").is_empty());
}

#[test]
fn a_run_directory_is_checked_in_its_outputs() {
    let (tmp, outputs) = copy_of(&complete(), "run/outputs");
    let run = tmp.path().join("run");
    write(&run, "run.json", "{\"pack_path\": \"pack.md\"}\n");
    write(&run, "notes.md", "not an answer, and not in outputs/\n");
    let (code, v) = verify_json(&run, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["complete"], 20);
    assert_eq!(v["dir"], outputs.display().to_string());
    assert_eq!(v["problems"], serde_json::json!([]));

    std::fs::remove_file(outputs.join("20-feature-flags-compat-rollout.md")).expect("rm");
    let (code, out) = verify(&run, &[]);
    assert_eq!(code, 3);
    assert!(out.contains("step 20 has no answer file"));

    // run.json without outputs/: nothing to read.
    std::fs::remove_dir_all(&outputs).expect("rm outputs");
    let (code, _) = verify(&run, &[]);
    assert_eq!(code, 1);
}

#[test]
fn json_is_byte_identical_across_runs() {
    for (dir, extra) in [
        (complete(), vec!["--json", "--headings"]),
        (chunked(), vec!["--json", "--headings"]),
    ] {
        let (a_code, a) = verify(&dir, &extra);
        let (b_code, b) = verify(&dir, &extra);
        assert_eq!(a_code, b_code);
        assert!(!a.is_empty());
        assert_eq!(a, b);
    }
}

#[test]
fn the_pack_names_the_expected_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let manifest = write_json(tmp.path(), "m.json", &valid_manifest());
    let pack = tmp.path().join("pack.md");
    oraclepack()
        .arg("render")
        .arg(&manifest)
        .arg("-o")
        .arg(&pack)
        .assert()
        .success();
    let out = tmp.path().join("out");
    for n in 1..=20 {
        write(
            &out,
            &format!("{n:02}-question-{n}.md"),
            "Direct answer\n\nx\n",
        );
    }
    let pack_arg = pack.to_str().expect("utf-8 path");
    let (code, v) = verify_json(&out, &["--pack", pack_arg]);
    assert_eq!(code, 0, "{v}");

    std::fs::rename(out.join("07-question-7.md"), out.join("07-renamed.md")).expect("mv");
    std::fs::remove_file(out.join("08-question-8.md")).expect("rm");
    let (code, v) = verify_json(&out, &["--pack", pack_arg]);
    assert_eq!(code, 3);
    assert_eq!(status(&v, "07"), "mismatch");
    assert_eq!(status(&v, "08"), "missing");
    assert_eq!(v["complete"], 18);
    let p = problems(&v, "pack");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["file"], "07-question-7.md");
    let (_, out_text) = verify(&out, &["--pack", pack_arg]);
    assert!(out_text.contains(
        "error[missing]: step 08 has no answer file (the pack writes 08-question-8.md); fix: rerun step 08"
    ));
}

/// The grouped pack writes `docs/…/actions/NN-<slug>-<chunk>.md`; the fixture holds step
/// 01's chunks flattened (`…_actions_01-…`), which counts; 02 and 03 come from another
/// pack and do not match.
#[test]
fn the_real_grouped_pack_against_the_chunked_answers() {
    let pack = fixtures().join("packs/oracle-questions-2026-01-09-030000_actions.md");
    let pack_arg = pack.to_str().expect("utf-8 path");
    let (code, v) = verify_json(&chunked(), &["--pack", pack_arg]);
    assert_eq!(code, 3);
    assert_eq!(status(&v, "01"), "ok");
    assert_eq!(status(&v, "02"), "mismatch");
    assert_eq!(status(&v, "03"), "mismatch");
    assert_eq!(v["complete"], 1);
}

#[test]
fn usage_and_io_errors() {
    let (code, _) = verify(
        &complete().join("01-contracts-interfaces-ticket-surface.md"),
        &[],
    );
    assert_eq!(code, 2);
    let (code, _) = verify(&complete().join("no-such-dir"), &[]);
    assert_eq!(code, 1);
    let (code, _) = verify(&complete(), &["--no-such-flag"]);
    assert_eq!(code, 2);
    let (code, _) = verify(&complete(), &["--pack", "/no/such/pack.md"]);
    assert_eq!(code, 1);
    oraclepack()
        .args(["verify-outputs", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "Exit 0 valid, 3 contract violated",
        ));
}
