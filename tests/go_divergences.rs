//! Where the Go tool reads packs wrongly, oraclepack does the right thing.

mod common;
use common::*;

/// A small, strictly valid 20-step pack; `body(n)` supplies each step's prompt text.
fn pack_with(fence: &str, body: impl Fn(usize) -> String) -> String {
    let mut s = format!("# Pack\n\n{fence}bash\nout_dir=\"out\"\n\n");
    for n in 1..=20 {
        let roi = 30 - n;
        s.push_str(&format!(
            "# {n:02}) ROI={roi} impact=5 confidence=0.5 effort=1 horizon=Immediate category=invariants reference=src/a.rs\noracle \\\n  --write-output \"$out_dir/{n:02}-q.md\" \\\n  -p \"$(cat <<'PROMPT'\n{}\nPROMPT\n)\"\n\n",
            body(n)
        ));
    }
    s.push_str(&format!("{}\n", fence.trim_end_matches("bash")));
    s
}

fn validate(text: &str, strict: bool) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tmp");
    let p = write(dir.path(), "pack.md", text);
    let mut c = oraclepack();
    c.arg("validate")
        .arg("--json")
        .arg("--work-dir")
        .arg(dir.path());
    if strict {
        c.arg("--strict");
    }
    let out = c.arg(&p).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).expect("json"),
    )
}

fn question(n: usize) -> String {
    format!("Question {n}: what does module {n} guarantee about ordering?")
}

#[test]
fn generated_pack_is_valid() {
    let (code, v) = validate(&pack_with("```", question), true);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["oracle_invocations"], 20);
}

#[test]
fn nested_fence_in_heredoc_with_a_longer_outer_fence_is_read_whole() {
    // Go's regex stops at the first "\n```"; CommonMark keeps a ```` fence open.
    let text = pack_with("````", |n| {
        format!("{}\nReply as:\n```json\n{{\"ok\": true}}\n```", question(n))
    });
    let (code, v) = validate(&text, true);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["steps"], 20);
    assert_eq!(v["fences_total"], 1);
}

#[test]
fn bare_fence_inside_heredoc_is_recovered_and_reported() {
    let text = pack_with("```", |n| format!("{}\n```\nexample\n```", question(n)));
    // Compat: the pack is read to its real end (20 steps), with a warning.
    let (code, v) = validate(&text, false);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["steps"], 20);
    let w = &v["diagnostics"][0];
    assert_eq!(w["rule"], "fence.nested");
    assert_eq!(w["severity"], "warning");
    assert_eq!(w["line"], 3);
    // Strict: GitHub renders this pack broken, so it is an error.
    let (code, v) = validate(&text, true);
    assert_eq!(code, 3);
    assert_eq!(errors_of(&v, "fence.nested").len(), 1);
}

#[test]
fn step_header_inside_heredoc_is_prompt_text() {
    let text = pack_with("```", |n| {
        format!("{}\n# 21) this is part of the prompt", question(n))
    });
    let (code, v) = validate(&text, true);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["steps"], 20);
}

#[test]
fn lines_longer_than_64_kib_are_read_whole() {
    let long = "x".repeat(70 * 1024);
    let text = pack_with("```", |n| {
        if n == 7 {
            format!("{} {long}", question(n))
        } else {
            question(n)
        }
    });
    let (code, v) = validate(&text, true);
    assert_eq!(code, 0, "{v}");
    let dir = tempfile::tempdir().expect("tmp");
    let out = oraclepack()
        .arg("list")
        .arg("--json")
        .arg(write(dir.path(), "p.md", &text))
        .output()
        .expect("runs");
    let l: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(l["steps"][6]["question"].as_str().unwrap_or("").len() > 70 * 1024);
    assert_eq!(
        l["steps"][19]["id"], "20",
        "nothing after the long line is lost"
    );
}

#[test]
fn text_before_the_fence_on_the_same_line_is_not_a_fence() {
    let text = pack_with("```", question).replacen("```bash", "Run this: ```bash", 1);
    let (code, v) = validate(&text, false);
    assert_eq!(code, 3);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "fence.count");
    assert_eq!(d["line"], 3);
    assert_eq!(d["column"], 11);
    assert!(
        d["message"]
            .as_str()
            .unwrap_or("")
            .contains("follows other text")
    );
}

#[test]
fn crlf_packs_are_read() {
    let text = pack_with("```", question).replace('\n', "\r\n");
    let (code, v) = validate(&text, true);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["steps"], 20);
}

#[test]
fn header_forms_em_dash_and_compact() {
    let text = pack_with("```", question)
        .replacen("# 02) ", "# 02 — ", 1)
        .replacen("# 03) ", "#03) ", 1)
        .replacen("# 04) ", "# 04 - ", 1);
    let (code, v) = validate(&text, true);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["steps"], 20);
}
