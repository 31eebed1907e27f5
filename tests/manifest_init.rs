//! `init --skills`: the Codex skill and the Gemini command carry the same canonical
//! prompt, byte for byte; existing different files are kept unless --force.

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::cargo_bin("oraclepack").expect("binary")
}

fn canonical() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts/stage1.md"),
    )
    .expect("prompts/stage1.md")
}

/// Minimal reader for the TOML multi-line basic string the command uses.
fn toml_prompt(toml: &str) -> String {
    let start = toml.find("prompt = \"\"\"\n").expect("prompt key") + "prompt = \"\"\"\n".len();
    let body = &toml[start..];
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' && body[body.len() - chars.clone().count() - 1..].starts_with("\"\"\"") {
            break;
        }
        if c == '\\' {
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                other => panic!("unexpected escape {other:?}"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn skills_carry_the_canonical_prompt() {
    let d = tempfile::tempdir().expect("tempdir");
    bin()
        .args(["init", "--skills", "--dir"])
        .arg(d.path())
        .assert()
        .code(0);
    let skill = std::fs::read_to_string(d.path().join(".codex/skills/oraclepack-stage1/SKILL.md"))
        .expect("skill");
    let toml = std::fs::read_to_string(d.path().join(".gemini/commands/oraclepack-stage1.toml"))
        .expect("toml");
    assert!(skill.starts_with("---\nname: oraclepack-stage1\ndescription: "));
    let body = skill.splitn(3, "---\n").nth(2).expect("front matter");
    assert_eq!(body.strip_prefix('\n'), Some(canonical().as_str()));
    assert!(toml.starts_with("description = \""));
    assert_eq!(toml_prompt(&toml), canonical());
    // the prompt asks for what the issue requires
    for needle in [
        "QuestionId",
        "Category",
        "Reference",
        "ExpectedArtifacts",
        "0–2",
        "oraclepack manifest schema",
    ] {
        assert!(canonical().contains(needle), "{needle}");
    }
    // idempotent
    bin()
        .args(["init", "--skills", "--dir"])
        .arg(d.path())
        .assert()
        .code(0);
}

#[test]
fn existing_different_files_need_force() {
    let d = tempfile::tempdir().expect("tempdir");
    let skill = d.path().join(".codex/skills/oraclepack-stage1/SKILL.md");
    std::fs::create_dir_all(skill.parent().expect("parent")).expect("mkdir");
    std::fs::write(&skill, "mine\n").expect("write");
    bin()
        .args(["init", "--skills", "--dir"])
        .arg(d.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "exists and differs from the canonical Stage-1 prompt; pass --force",
        ));
    assert_eq!(
        std::fs::read_to_string(&skill).ok().as_deref(),
        Some("mine\n")
    );
    assert!(
        !d.path().join(".gemini").exists(),
        "nothing written on refusal"
    );
    bin()
        .args(["init", "--skills", "--force", "--dir"])
        .arg(d.path())
        .assert()
        .code(0);
    assert_ne!(
        std::fs::read_to_string(&skill).ok().as_deref(),
        Some("mine\n")
    );
    bin().args(["init"]).assert().code(2);
}
