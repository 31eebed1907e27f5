//! Compatibility mode on every real pack: the verdict of the Go tool (fixtures README).

mod common;
use common::*;

/// Packs the Go tool rejected, with its message; every other `.md` fixture was accepted.
const REJECTED: [(&str, &str); 2] = [
    (
        "docs_oracle-actions-pack-2026-01-07.md",
        "expected exactly 20 steps, got 8",
    ),
    (
        "template_oraclepack-taskify_action-pack-template.md",
        "expected exactly 20 steps, got 8",
    ),
];

#[test]
fn every_fixture_gets_the_go_verdict() {
    let packs = all_packs();
    assert!(packs.len() >= 16, "fixtures present: {packs:?}");
    for name in packs {
        let out = oraclepack()
            .arg("validate")
            .arg(pack(&name))
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        match REJECTED.iter().find(|r| r.0 == name) {
            Some((_, msg)) => {
                assert_eq!(
                    out.status.code(),
                    Some(3),
                    "{name} must be rejected: {stdout}"
                );
                assert!(
                    stdout.contains(&format!("invalid pack structure: {msg}")),
                    "{name}: {stdout}"
                );
                // More informative than Go: it points at the file and line.
                assert!(
                    stdout.contains(&format!("{}:", pack(&name).display())),
                    "{stdout}"
                );
            }
            None => assert_eq!(
                out.status.code(),
                Some(0),
                "{name} must be accepted: {stdout}"
            ),
        }
    }
}

#[test]
fn list_prints_twenty_typed_steps_for_accepted_packs() {
    let out = oraclepack()
        .arg("list")
        .arg(pack("oracle-questions-2026-01-09-030000_mcp.md"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 20);
    assert!(
        lines[0].starts_with("01  ROI=4.8  contracts/interfaces  mcp  Using the attached tickets"),
        "{}",
        lines[0]
    );
    assert!(lines[19].starts_with("20  "));
}

#[test]
fn list_json_has_typed_fields_for_every_header_form() {
    let json = |name: &str| -> serde_json::Value {
        let out = oraclepack()
            .arg("list")
            .arg("--json")
            .arg(pack(name))
            .output()
            .expect("runs");
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let v = json("docs_oracle-pack-2026-01-07.md");
    let s = &v["steps"][0];
    assert_eq!(s["id"], "01");
    assert_eq!(s["roi"], 8.2);
    assert_eq!(s["impact"], 9.0);
    assert_eq!(s["confidence"], 0.9);
    assert_eq!(s["effort"], 1.0);
    assert_eq!(s["horizon"], "Immediate");
    assert_eq!(s["category"], "contracts/interfaces");
    assert_eq!(s["reference"], "internal/cli/root.go");
    assert_eq!(s["form"], "tokens");
    assert_eq!(
        s["invocations"][0]["files"][1]["value"],
        "internal/cli/cmds.go"
    );

    // Pipe form.
    let v = json("examples_strategist-questions-oracle-pack-2025-12-30.md");
    let s = &v["steps"][0];
    assert_eq!(s["form"], "pipe");
    assert_eq!(s["roi"], 2.8);
    assert_eq!(s["horizon"], "Immediate");
    assert_eq!(s["category"], "invariants");
    assert_eq!(
        s["reference"],
        "src/registry_config/models.py:validate_unique_ids"
    );
    assert_eq!(
        v["out_dir"]["value"],
        "artifacts/oracle/strategist-questions/2025-12-30"
    );

    // Title form keeps the raw title.
    let out = oraclepack()
        .arg("list")
        .arg("--json")
        .arg(pack("docs_oracle-actions-pack-2026-01-07.md"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(3),
        "8 steps is still invalid for list"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["steps"][0]["form"], "title");
    assert_eq!(
        v["steps"][0]["title"],
        "Preflight: resolve Stage 2 inputs and verify tools (fail fast)"
    );

    // Grouped packs: four oracle calls per step with chunked outputs.
    let v = json("oracle-questions-2026-01-09-030000_actions.md");
    let inv = v["steps"][6]["invocations"].as_array().expect("array");
    assert_eq!(inv.len(), 4);
    assert_eq!(v["steps"][6]["horizon"], "MidTerm");
    assert_eq!(v["steps"][6]["category"], "background jobs");
    assert!(
        inv[0]["dynamic_args"][0]
            .as_str()
            .unwrap_or("")
            .contains("ticket_args[@]")
    );
}

#[test]
fn missing_file_is_an_io_error_and_bad_flags_are_usage_errors() {
    let out = oraclepack()
        .arg("validate")
        .arg("/nonexistent/pack.md")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/pack.md"));
    let out = oraclepack()
        .arg("validate")
        .arg("--bogus")
        .arg("x.md")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = oraclepack()
        .args(["validate", "--strict", "--skip", "no.such.rule"])
        .arg(pack("docs_oracle-pack-2026-01-07.md"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--skip no.such.rule: no such rule"));
}

#[test]
fn list_of_a_pack_without_a_script_says_why_on_stderr() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(dir.path(), "p.md", "# Not a pack\n\nJust prose.\n");
    let out = oraclepack().arg("list").arg(&p).output().expect("runs");
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid pack structure: no bash code block found"),
        "{err}"
    );
}

#[test]
fn color_always_paints_and_never_does_not() {
    let p = pack("docs_oracle-actions-pack-2026-01-07.md");
    let on = oraclepack()
        .args(["--color", "always", "validate"])
        .arg(&p)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&on.stdout).contains("\x1b[1;31merror\x1b[0m[steps.count]"));
    let off = oraclepack()
        .args(["--color", "never", "validate"])
        .arg(&p)
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&off.stdout).contains('\x1b'));
    assert_eq!(on.status.code(), off.status.code());
}
