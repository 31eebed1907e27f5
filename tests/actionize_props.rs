//! Library-level determinism and the emitted action pack's lint verdict.

use std::path::PathBuf;

use oraclepack::actionize::{self, Input};
use proptest::prelude::*;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

fn answers(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(shared().join("outputs").join(dir))
        .expect("fixtures")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

fn input(answers: Vec<(String, Vec<u8>)>) -> Input {
    let pack = shared().join("packs/oracle-questions-2026-01-09-030000_actions.md");
    Input {
        answers,
        pack: Some(("actions.md".into(), std::fs::read(pack).expect("pack"))),
        out_dir: ".oraclepack/runs/x/actionizer".into(),
        emit_action_pack: true,
        ..Input::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Reading the outputs in any order gives byte-identical artifacts.
    #[test]
    fn shuffled_read_order_changes_nothing(seed in any::<u64>()) {
        let mut all = answers("2026-01-08-actions");
        all.extend(answers("2026-01-09-chunked"));
        let base = actionize::run(&input(all.clone())).expect("run").files;
        // Fisher-Yates with a small LCG: proptest shrinks the seed, not the permutation.
        let mut s = seed | 1;
        for i in (1..all.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (s >> 33) as usize % (i + 1);
            all.swap(i, j);
        }
        let shuffled = actionize::run(&input(all)).expect("run").files;
        prop_assert!(base == shuffled);
    }
}

#[test]
fn emitted_action_pack_passes_the_action_pack_lint() {
    use oraclepack::pack::Severity;
    use oraclepack::pack::lint::{LintOptions, PackKind, lint};
    let art = actionize::run(&input(answers("2026-01-08-actions"))).expect("run");
    let (_, bytes) = art
        .files
        .iter()
        .find(|(n, _)| n == "action-pack.md")
        .expect("action pack");
    let pack = oraclepack::pack::parse(oraclepack::pack::SourceFile::from_bytes(
        "action-pack.md",
        bytes,
    ));
    assert_eq!(pack.steps.len(), 20);
    let bash = std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_ok();
    let out = lint(
        &pack,
        &LintOptions {
            kind: PackKind::ActionPack,
            root: std::env::temp_dir(),
            skip: Default::default(),
            bash_check: bash,
        },
    );
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .map(|d| format!("{}:{} {}", d.line, d.rule, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    if bash {
        assert!(
            out.rules
                .iter()
                .any(|r| r.id == "bash.syntax" && format!("{:?}", r.status) == "Pass")
        );
    }
    let text = String::from_utf8_lossy(bytes);
    for tool in ["codex", "gemini", "task-master"] {
        assert!(
            text.contains(&format!("command -v {tool} >/dev/null 2>&1")),
            "{tool}"
        );
    }
}
