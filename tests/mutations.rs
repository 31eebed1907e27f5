//! Mutation tests: real fixture packs with one defect each; every test asserts the exact
//! rule id and line (and column where it matters).

mod common;
use common::*;

const BASE: &str = "docs_oracle-pack-2026-01-07.md";

/// A project holding every file the base pack attaches, so only the mutation fails.
fn project_for(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("--file \"") {
            let path = rest.split('"').next().unwrap_or_default();
            write(dir.path(), path, "// attached\n");
        }
    }
    dir
}

fn check(text: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let proj = project_for(&read_pack(BASE));
    let p = write(proj.path(), "pack.md", text);
    strict_json(&p, proj.path(), extra)
}

/// The base pack is strictly valid once its attachments exist (apart from ROI order
/// warnings), so each mutation's finding is the mutation's.
#[test]
fn base_pack_is_strictly_valid_with_its_attachments() {
    let (code, v) = check(&read_pack(BASE), &[]);
    assert_eq!(code, 0, "{v}");
    assert!(
        diag_keys(&v)
            .iter()
            .all(|d| d.0 == "order.roi" || d.1 == "info"),
        "{:?}",
        diag_keys(&v)
    );
}

#[test]
fn deleted_fence() {
    let text = read_pack(BASE).replacen("```bash\n", "", 1);
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 3);
    let e = errors_of(&v, "fence.count");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["message"], "no bash code block found");
    assert_eq!(v["bash_blocks"], 0);
    // Compat mode: same exit code and the Go message.
    let out = oraclepack()
        .arg("validate")
        .arg(write(
            tempfile::tempdir().expect("t").keep().as_path(),
            "p.md",
            &text,
        ))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("invalid pack structure: no bash code block found")
    );
}

#[test]
fn duplicated_fence() {
    let base = read_pack(BASE);
    let start = base.find("```bash").expect("fence");
    let block = &base[start..base.rfind("```").expect("close") + 3];
    let text = format!("{base}\n{block}\n");
    let second = base.lines().count() as u64 + 2;
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 3);
    let e = errors_of(&v, "fence.count");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["line"], second);
    assert_eq!(v["bash_blocks"], 2);
    assert_eq!(v["fences_total"], 2);
}

#[test]
fn dropped_step() {
    let base = read_pack(BASE);
    let s05 = base.find("# 05)").expect("05");
    let s06 = base.find("# 06)").expect("06");
    let text = format!("{}{}", &base[..s05], &base[s06..]);
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 3);
    let c = errors_of(&v, "steps.count");
    assert_eq!(c[0]["message"], "expected exactly 20 steps, got 19");
    assert_eq!(c[0]["line"], line_of(&text, "# 01)"));
    let s = errors_of(&v, "steps.sequence");
    assert_eq!(s.len(), 1, "only the first break is reported");
    assert_eq!(
        s[0]["message"],
        "steps must be sequential starting from 1 (expected 5, got 6)"
    );
    assert_eq!(s[0]["line"], line_of(&text, "# 06)"));
    assert_eq!(s[0]["step"], "06");
}

#[test]
fn swapped_headers() {
    let base = read_pack(BASE);
    let h3 = base
        .lines()
        .find(|l| l.starts_with("# 03)"))
        .expect("03")
        .to_string();
    let h4 = base
        .lines()
        .find(|l| l.starts_with("# 04)"))
        .expect("04")
        .to_string();
    let text = base
        .replace(&h3, "@@3")
        .replace(&h4, &h3)
        .replace("@@3", &h4);
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 3);
    let s = errors_of(&v, "steps.sequence");
    assert_eq!(s[0]["line"], line_of(&base, "# 03)"));
    assert_eq!(
        s[0]["message"],
        "steps must be sequential starting from 1 (expected 3, got 4)"
    );
    // Output naming follows the header: step 04's header now sits over 03's output.
    let n = errors_of(&v, "output.naming");
    assert!(
        n.iter().any(|d| d["step"] == "04"
            && d["message"]
                .as_str()
                .unwrap_or("")
                .contains("prefix of step 03")),
        "{n:?}"
    );
}

#[test]
fn duplicate_step_number() {
    let text = read_pack(BASE).replacen("# 04)", "# 03)", 1);
    let (_, v) = check(&text, &[]);
    let d = errors_of(&v, "steps.duplicate");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["line"], line_of(&read_pack(BASE), "# 04)"));
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("duplicate step number 3")
    );
}

#[test]
fn crlf_gives_the_same_verdict_and_positions() {
    let base = read_pack(BASE);
    let (c1, v1) = check(&base, &[]);
    let (c2, v2) = check(&base.replace('\n', "\r\n"), &[]);
    assert_eq!(c1, c2);
    assert_eq!(v1["diagnostics"], v2["diagnostics"]);
    assert_eq!(v1["rules"], v2["rules"]);
    assert_eq!(v2["steps"], 20);
}

#[test]
fn header_inside_heredoc_is_not_a_step() {
    // The Go tool counts `# 21)` inside a prompt heredoc as a step; it is prompt text.
    let text = read_pack(BASE).replacen(
        "Strategist question #02\n",
        "Strategist question #02\n# 21) not a step\n#03) nor this\n",
        1,
    );
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["steps"], 20);
}

#[test]
fn orphaned_prompt_flag() {
    let base = read_pack(BASE);
    let needle = "  --file \"internal/cli/cmds.go\" \\\n  -p";
    assert!(base.contains(needle));
    let text = base.replacen(needle, "  --file \"internal/cli/cmds.go\"\n  -p", 1);
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 3);
    let e = errors_of(&v, "flag.orphan");
    assert_eq!(e.len(), 1, "{e:?}");
    let line = line_of(&base, "--file \"internal/cli/cmds.go\"") + 1;
    assert_eq!(e[0]["line"], line);
    assert_eq!(e[0]["column"], 3);
    assert_eq!(e[0]["step"], "01");
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("`-p` starts a new command")
    );
}

#[test]
fn dotdot_in_output_path() {
    let base = read_pack(BASE);
    let text = base.replacen(
        "\"docs/oracle-questions-2026-01-07/01-contracts-interfaces-surface.md\"",
        "\"docs/oracle-questions-2026-01-07/../../escape.md\"",
        1,
    );
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 3);
    let e = errors_of(&v, "output.path");
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0]["line"],
        line_of(&base, "01-contracts-interfaces-surface.md")
    );
    assert_eq!(e[0]["column"], 18);
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("contains `..`")
    );
}

#[test]
fn absolute_and_outside_out_dir_output_paths() {
    let base = read_pack(BASE);
    let text = base
        .replacen(
            "\"docs/oracle-questions-2026-01-07/02-contracts-interfaces-integration.md\"",
            "\"/tmp/02-x.md\"",
            1,
        )
        .replacen(
            "\"docs/oracle-questions-2026-01-07/03-invariants-domain.md\"",
            "\"elsewhere/03-invariants-domain.md\"",
            1,
        );
    let (_, v) = check(&text, &[]);
    let e = errors_of(&v, "output.path");
    assert_eq!(e.len(), 2);
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("is absolute")
    );
    assert!(
        e[1]["message"]
            .as_str()
            .unwrap_or("")
            .contains("is not under out_dir docs/oracle-questions-2026-01-07")
    );
}

#[test]
fn missing_attachment() {
    let base = read_pack(BASE);
    let proj = project_for(&base);
    std::fs::remove_file(proj.path().join("internal/exec/runner.go")).expect("rm");
    let p = write(proj.path(), "pack.md", &base);
    let (code, v) = strict_json(&p, proj.path(), &[]);
    assert_eq!(code, 3);
    let e = errors_of(&v, "attach.missing");
    // Step 02 attaches it; so do later steps.
    assert!(!e.is_empty());
    assert_eq!(
        e[0]["line"],
        line_of(&base, "--file \"internal/exec/runner.go\"")
    );
    assert_eq!(e[0]["column"], 10);
    assert_eq!(e[0]["step"], "02");
    assert!(e.iter().all(|d| {
        d["message"]
            .as_str()
            .unwrap_or("")
            .contains("internal/exec/runner.go")
    }));
}

#[test]
fn broad_attachments_are_flagged() {
    let base = read_pack(BASE);
    let text = base.replacen(
        "  --file \"internal/cli/cmds.go\" \\\n",
        "  --file \"internal/cli/cmds.go\" \\\n  -f \"internal/**/*.go\" \\\n",
        1,
    );
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 0, "a warning does not fail the pack");
    let w: Vec<_> = diag_keys(&v)
        .into_iter()
        .filter(|d| d.0 == "attach.broad")
        .collect();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].2, line_of(&text, "internal/**/*.go"));
}

#[test]
fn duplicated_question() {
    let base = read_pack(BASE);
    // Step 02 asks step 01's question.
    let q1 = "Identify the primary public interface(s) of this system (CLI commands and the oracle-pack Markdown contract). For each, list the key inputs/outputs and where they are defined in code.";
    let q2 = "What are the top integration points with external systems (oracle CLI invocation, filesystem outputs, environment variables), and what contract(s) or config declare them? Provide the minimal list of files/locations that define each integration.";
    assert!(base.contains(q1) && base.contains(q2));
    let (code, v) = check(&base.replacen(q2, q1, 1), &[]);
    assert_eq!(code, 3);
    let e = errors_of(&v, "coverage.duplicate");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["step"], "02");
    assert_eq!(e[0]["line"], line_of(&base, "# 02)"));
}

#[test]
fn header_token_types() {
    let base = read_pack(BASE);
    let text = base
        .replacen(
            "# 02) ROI=7.5 impact=8 confidence=0.9",
            "# 02) ROI=high impact=8 confidence=1.9",
            1,
        )
        .replacen(
            "horizon=NearTerm category=invariants reference=internal/pack/parser.go",
            "horizon=Soon category=invariant reference=internal/pack/parser.go",
            1,
        );
    let (_, v) = check(&text, &[]);
    let t: Vec<String> = errors_of(&v, "header.tokens")
        .iter()
        .map(|d| d["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        t,
        vec![
            "step 02: ROI=high is not a number",
            "step 02: confidence=1.9 is outside 0..1",
            "step 03: horizon=Soon is not one of Immediate, NearTerm, MidTerm, LongTerm, Strategic"
        ]
    );
    let c = errors_of(&v, "header.category");
    assert_eq!(
        c[0]["message"],
        "step 03: category=invariant is not one of the ten pack categories"
    );
    assert_eq!(c[0]["column"], line_of_col(&text, "# 03)", "category="));
}

fn line_of_col(text: &str, line_needle: &str, needle: &str) -> u64 {
    let l = text
        .lines()
        .find(|l| l.contains(line_needle))
        .expect("line");
    l[..l.find(needle).expect("needle")].chars().count() as u64 + 1
}

#[test]
fn bash_syntax_error_points_at_the_line() {
    let base = read_pack(BASE);
    let text = base.replacen("# 05)", "if true; then\n  echo unclosed\n# 05)", 1);
    let (code, v) = check(&text, &[]);
    assert_eq!(code, 3);
    let e = errors_of(&v, "bash.syntax");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("bash -n: "),
        "{e:?}"
    );
    let (_, v) = check(&base.replacen("# 05)", "fi\n# 05)", 1), &[]);
    let fi = errors_of(&v, "bash.syntax");
    assert_eq!(fi[0]["line"], line_of(&base, "# 05)"));
}
