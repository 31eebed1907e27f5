//! `validate --strict` on every real pack: the verdicts must be explainable, so they are
//! pinned by a snapshot (rule outcomes + the first finding of each failing rule) and by
//! explicit assertions on the reasons named in the issue.

mod common;
use common::*;

fn summary_of(name: &str, root: &std::path::Path) -> String {
    let (code, v) = strict_json(&pack(name), root, &[]);
    let mut s = format!(
        "## {name}\nexit={code} valid={} steps={} bash_blocks={} fences_total={} oracle_invocations={} llm={}\n",
        v["valid"],
        v["steps"],
        v["bash_blocks"],
        v["fences_total"],
        v["oracle_invocations"],
        v["llm_invocations"]
    );
    for r in v["rules"].as_array().expect("rules") {
        if r["status"] == "fail" {
            let first = v["diagnostics"]
                .as_array()
                .expect("diags")
                .iter()
                .find(|d| d["rule"] == r["id"] && d["severity"] != "info")
                .expect("a failing rule has a finding");
            s.push_str(&format!(
                "  {} {} x{}: line {}:{} {}\n",
                first["severity"].as_str().unwrap_or(""),
                r["id"].as_str().unwrap_or(""),
                r["findings"],
                first["line"],
                first["column"],
                first["message"].as_str().unwrap_or("")
            ));
        }
    }
    s.replace(&root.display().to_string(), "[ROOT]")
}

#[test]
fn strict_verdicts_of_all_fixtures_are_pinned() {
    let root = tempfile::tempdir().expect("tmp");
    let text: String = all_packs()
        .iter()
        .map(|n| summary_of(n, root.path()))
        .collect();
    insta::assert_snapshot!("strict_verdicts", text);
}

const GROUPED: [&str; 6] = ["actions", "mcp", "misc", "other", "prd-tui", "raw-exports"];

#[test]
fn head_grouped_packs_pass_with_roi_order_warnings_only() {
    let root = tempfile::tempdir().expect("tmp");
    for g in GROUPED {
        let (code, v) = strict_json(
            &pack(&format!("oracle-questions-2026-01-09-030000_{g}.md")),
            root.path(),
            &[],
        );
        assert_eq!(code, 0, "{g}: {v}");
        assert_eq!(v["valid"], true);
        assert_eq!(v["steps"], 20);
        assert_eq!(v["bash_blocks"], 1);
        assert_eq!(v["fences_total"], 1);
        assert_eq!(v["oracle_invocations"], 80, "four calls per step");
        let warned: Vec<String> = diag_keys(&v)
            .into_iter()
            .filter(|d| d.1 == "warning")
            .map(|d| d.0)
            .collect();
        assert!(
            !warned.is_empty() && warned.iter().all(|r| r == "order.roi"),
            "{g}: {warned:?}"
        );
        // The same pack fails when warnings are denied (CI gate).
        let (code, v) = strict_json(
            &pack(&format!("oracle-questions-2026-01-09-030000_{g}.md")),
            root.path(),
            &["--deny-warnings"],
        );
        assert_eq!(code, 3);
        assert_eq!(v["valid"], false);
    }
}

#[test]
fn templates_fail_on_placeholders() {
    let root = tempfile::tempdir().expect("tmp");
    for name in all_packs()
        .into_iter()
        .filter(|n| n.starts_with("template_"))
    {
        let (code, v) = strict_json(&pack(&name), root.path(), &[]);
        assert_eq!(code, 3, "{name}");
        assert!(
            !errors_of(&v, "placeholder").is_empty(),
            "{name} has placeholder errors"
        );
    }
    let (_, v) = strict_json(
        &pack("template_oraclepack-gold-pack_oracle-pack-template.md"),
        root.path(),
        &[],
    );
    let first = errors_of(&v, "placeholder")[0];
    assert_eq!(first["line"], 28);
    assert_eq!(first["column"], 7);
    assert_eq!(first["message"], "step 01: ROI= has placeholder ...");
}

#[test]
fn eight_step_action_packs_fail_on_step_count() {
    let root = tempfile::tempdir().expect("tmp");
    for name in [
        "docs_oracle-actions-pack-2026-01-07.md",
        "template_oraclepack-taskify_action-pack-template.md",
    ] {
        for extra in [&[][..], &["--kind", "action-pack"][..]] {
            let (code, v) = strict_json(&pack(name), root.path(), extra);
            assert_eq!(code, 3);
            let e = errors_of(&v, "steps.count");
            assert_eq!(e.len(), 1, "{name}");
            assert_eq!(e[0]["message"], "expected exactly 20 steps, got 8");
        }
    }
}

#[test]
fn action_pack_lint() {
    let root = tempfile::tempdir().expect("tmp");
    let (code, v) = strict_json(
        &pack("internal-templates_ticket-action-pack.md"),
        root.path(),
        &["--kind", "action-pack"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["kind"], "action-pack");
    let skipped: Vec<&str> = v["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["status"] == "skipped")
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        skipped.contains(&"header.tokens") && skipped.contains(&"attach.missing"),
        "{skipped:?}"
    );
    // As a question pack the same file is not valid: no typed headers, no oracle calls.
    let (code, v) = strict_json(
        &pack("internal-templates_ticket-action-pack.md"),
        root.path(),
        &[],
    );
    assert_eq!(code, 3);
    assert_eq!(errors_of(&v, "header.tokens").len(), 20);
}

#[test]
fn bundled_demo_pack_is_strictly_valid() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let (code, v) = strict_json(&demo.join("pack.md"), &demo, &["--deny-warnings"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["oracle_invocations"], 20);
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(0));
}

#[test]
fn human_output_shows_source_line_and_caret_grouped_by_step() {
    let root = tempfile::tempdir().expect("tmp");
    let out = oraclepack()
        .args(["validate", "--strict", "--work-dir"])
        .arg(root.path())
        .arg(pack("oracle-questions-2026-01-09-030000_mcp.md"))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let expected = "── step 03 ──\nwarning[order.roi]: step 03 has ROI=5.1 after step 02 with ROI=4.6; steps must be ordered by ROI descending\n";
    assert!(text.contains(expected), "{text}");
    assert!(text.contains("460 | # 03) ROI=5.1 impact=7"), "{text}");
    assert!(text.contains("    |       ^^^^^^^\n"), "{text}");
    assert!(text.contains("  = fix: reorder the steps"), "{text}");
    assert!(!text.contains("\x1b["), "NO_COLOR honoured");
}
