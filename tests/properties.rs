//! Properties: the parser and linter never panic on arbitrary input; line endings do not
//! change what a pack means.

mod common;
use common::*;

use oraclepack::pack::lint::{LintOptions, PackKind, lint};
use oraclepack::pack::{SourceFile, compat, parse};
use proptest::prelude::*;

fn opts(kind: PackKind) -> LintOptions {
    LintOptions {
        kind,
        root: std::env::temp_dir().join("oraclepack-prop-none"),
        skip: Default::default(),
        bash_check: false,
    }
}

fn exercise(bytes: &[u8]) {
    let pack = parse(SourceFile::from_bytes("fuzz.md", bytes));
    let _ = compat::check(&pack);
    let _ = lint(&pack, &opts(PackKind::QuestionPack));
    let _ = lint(&pack, &opts(PackKind::ActionPack));
    let style = oraclepack::report::style::Style::plain();
    let d = lint(&pack, &opts(PackKind::QuestionPack)).diagnostics;
    let _ = oraclepack::report::diagnostics::render_grouped(&pack.source, &d, &style);
}

/// Fragments that steer random input into the interesting states of the lexer.
const FRAGMENTS: &[&str] = &[
    "```bash\n",
    "```\n",
    "````bash\n",
    "~~~bash\n",
    "# 01) ROI=1 ",
    "# 20) ",
    "#07 — ",
    "oracle ",
    "-p ",
    "-f ",
    "--write-output ",
    "\"$(cat <<'PROMPT'\n",
    "PROMPT\n",
    ")\"\n",
    "<<-EOF\n",
    "\tEOF\n",
    "'",
    "\"",
    "\\\n",
    "\\\r\n",
    "$(",
    ")",
    "${",
    "}",
    "`",
    "#",
    "\n",
    "\r\n",
    "category=UX flows ",
    "reference=a/b.rs ",
    "{{x}} ",
    "__X__ ",
    "<(",
    "2>&1 ",
    "; ",
    "&& ",
    "if x; then\n",
    "fi\n",
    "—",
    "é",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn never_panics_on_pack_shaped_noise(parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..200), tail in prop::collection::vec(any::<u8>(), 0..32)) {
        let mut s: Vec<u8> = parts.concat().into_bytes();
        s.extend(tail);
        exercise(&s);
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Any mix of LF and CRLF line endings gives the same steps and the same findings.
    #[test]
    fn line_endings_do_not_change_the_verdict(mask in prop::collection::vec(any::<bool>(), 64)) {
        let base = read_pack("docs_oracle-pack-2026-01-07.md");
        let mut mixed = String::new();
        for (i, line) in base.split_inclusive('\n').enumerate() {
            if mask[i % mask.len()] && line.ends_with('\n') {
                mixed.push_str(&line[..line.len() - 1]);
                mixed.push_str("\r\n");
            } else {
                mixed.push_str(line);
            }
        }
        let a = parse(SourceFile::new("a.md", base));
        let b = parse(SourceFile::new("a.md", mixed));
        prop_assert_eq!(a.steps.len(), b.steps.len());
        let la = lint(&a, &opts(PackKind::QuestionPack));
        let lb = lint(&b, &opts(PackKind::QuestionPack));
        prop_assert_eq!(la.diagnostics, lb.diagnostics);
    }
}

#[test]
fn every_fixture_means_the_same_with_crlf() {
    for name in all_packs() {
        let text = read_pack(&name);
        let a = parse(SourceFile::new("p.md", text.clone()));
        let b = parse(SourceFile::new("p.md", text.replace('\n', "\r\n")));
        assert_eq!(compat::check(&a), compat::check(&b), "{name}");
        let la = lint(&a, &opts(PackKind::QuestionPack));
        let lb = lint(&b, &opts(PackKind::QuestionPack));
        assert_eq!(la.diagnostics, lb.diagnostics, "{name}");
        let ids = |p: &oraclepack::pack::Pack| {
            p.steps
                .iter()
                .map(|s| (s.id.clone(), s.header.meta.roi.clone(), s.invocations.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b), "{name}");
    }
}

#[test]
fn validation_is_deterministic() {
    let root = tempfile::tempdir().expect("tmp");
    let p = pack("oracle-questions-2026-01-09-030000_misc.md");
    let a = oraclepack()
        .args(["validate", "--strict", "--json", "--work-dir"])
        .arg(root.path())
        .arg(&p)
        .output()
        .expect("runs");
    let b = oraclepack()
        .args(["validate", "--strict", "--json", "--work-dir"])
        .arg(root.path())
        .arg(&p)
        .output()
        .expect("runs");
    assert_eq!(a.stdout, b.stdout);
}
