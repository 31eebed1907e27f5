//! The Stage-2 output directory contract (seed 001 T3): for every step 01..20 exactly one
//! answer file (`NN-<slug>.md`, or `…_NN-<slug>.md` as the grouped packs name them) or
//! exactly one complete chunk set (`…-direct-answer`, `-risks-unknowns`,
//! `-next-experiment`, `-missing-evidence`), none of them empty. Optionally: the four
//! section titles in every answer, and the file names the pack's `--write-output` paths
//! promise.
//!
//! [`verify`] is a pure function of the file names and bytes (the report is sorted and
//! deterministic); [`verify_dir`] reads a directory; [`resolve_dir`] finds `outputs/`
//! in a run directory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::answers::{self, Section};
use crate::error::Error;
use crate::pack::{Pack, Severity};

/// Steps of a pack: the contract is prefixes 01..=STEPS.
pub(crate) const STEPS: u32 = 20;

/// Version of the JSON document.
pub(crate) const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Default)]
pub(crate) struct VerifyOptions {
    /// Check that each answer (or chunk set) has the four section titles.
    pub headings: bool,
    /// Missing section titles are errors, not warnings (implies `headings`).
    pub require_headings: bool,
    /// The output file names the pack promises; `None`: not compared.
    pub expected: Option<Expected>,
}

/// Output file names (basenames) of a pack's literal `--write-output` paths, by step id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expected {
    pub by_step: BTreeMap<String, BTreeSet<String>>,
    /// `--write-output` paths only known at run time (`$var` left after expanding the
    /// prelude's variables): not compared.
    pub dynamic: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// One non-empty answer file or one complete chunk set.
    Ok,
    /// No file carries the step's prefix.
    Missing,
    /// More than one answer: two files, a file and a chunk set, or two chunk sets.
    Duplicate,
    /// A chunk set lacks some of its four chunks.
    Incomplete,
    /// An answer file is empty or whitespace only.
    Empty,
    /// The step has an answer, but not under the name the pack (`--pack`) writes.
    Mismatch,
}

/// Which section titles an answer has (`--headings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Headings {
    #[serde(rename = "direct-answer")]
    pub direct_answer: bool,
    #[serde(rename = "risks-unknowns")]
    pub risks_unknowns: bool,
    #[serde(rename = "next-experiment")]
    pub next_experiment: bool,
    #[serde(rename = "missing-evidence")]
    pub missing_evidence: bool,
}

impl Headings {
    fn has(&self, s: Section) -> bool {
        match s {
            Section::DirectAnswer => self.direct_answer,
            Section::Risk => self.risks_unknowns,
            Section::NextExperiment => self.next_experiment,
            Section::MissingEvidence => self.missing_evidence,
        }
    }

    fn set(&mut self, s: Section) {
        match s {
            Section::DirectAnswer => self.direct_answer = true,
            Section::Risk => self.risks_unknowns = true,
            Section::NextExperiment => self.next_experiment = true,
            Section::MissingEvidence => self.missing_evidence = true,
        }
    }

    /// The titles of the sections not found, in canonical order.
    pub(crate) fn missing(&self) -> Vec<&'static str> {
        Section::ALL
            .iter()
            .filter(|s| !self.has(**s))
            .map(|s| s.title())
            .collect()
    }

    /// Every section title a text contains (one title per line, any of the real shapes).
    pub(crate) fn of_text(text: &str) -> Headings {
        let mut h = Headings::default();
        for line in text.lines() {
            if let Some(s) = answers::heading(line) {
                h.set(s);
            }
        }
        h
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepReport {
    pub step: String,
    pub status: Status,
    /// Every file carrying this step's prefix, sorted.
    pub files: Vec<String>,
    /// With `--headings`, for a step whose answer is usable (status `ok` or `mismatch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headings: Option<Headings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Problem {
    pub severity: Severity,
    /// `missing`, `duplicate`, `incomplete`, `empty`, `unexpected`, `headings`, `pack`.
    pub kind: &'static str,
    /// The step the problem belongs to (`"07"`; for an unexpected file, its prefix).
    pub step: Option<String>,
    /// The file concerned, when there is one.
    pub file: Option<String>,
    pub message: String,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub version: u32,
    pub dir: String,
    /// Steps 01..20, in order.
    pub steps: Vec<StepReport>,
    /// Sorted by step (global problems first), file, kind, message.
    pub problems: Vec<Problem>,
    /// Steps with status `ok`.
    pub complete: usize,
    /// No problem of severity error.
    pub valid: bool,
}

impl Report {
    pub(crate) fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub(crate) fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, s: Severity) -> usize {
        self.problems.iter().filter(|p| p.severity == s).count()
    }
}

/// What a file name says about the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Name {
    /// A whole answer of step `step` (01..20).
    Single { step: String },
    /// One chunk of a chunk set; `base` (the file name without `-<chunk>.md`) names the set.
    Chunk {
        step: String,
        base: String,
        section: Section,
    },
    /// Not an answer of steps 01..20; the reason, for the message.
    Unexpected {
        step: Option<String>,
        reason: String,
    },
}

/// Classify one file name of an output directory.
pub(crate) fn classify(file: &str) -> Name {
    let Some(stem) = file.strip_suffix(".md") else {
        return Name::Unexpected {
            step: None,
            reason: "is not a Markdown answer (*.md)".into(),
        };
    };
    let Some((step, slug)) = answers::step_of(file) else {
        return Name::Unexpected {
            step: None,
            reason: "has no step prefix (NN-<slug>.md)".into(),
        };
    };
    let n: u32 = step.parse().unwrap_or(0);
    if !(1..=STEPS).contains(&n) {
        return Name::Unexpected {
            reason: format!("carries the prefix {step}, outside 01..{STEPS}"),
            step: Some(step),
        };
    }
    if slug.is_empty() {
        return Name::Unexpected {
            reason: format!("has the prefix {step}- but no slug after it"),
            step: Some(step),
        };
    }
    match answers::chunk_of(&slug) {
        (_, Some(section)) => {
            let base = stem
                .strip_suffix(section.chunk_suffix())
                .and_then(|b| b.strip_suffix('-'))
                .unwrap_or(stem)
                .to_string();
            Name::Chunk {
                step,
                base,
                section,
            }
        }
        (_, None) => Name::Single { step },
    }
}

/// Output basenames of a pack's literal `--write-output` paths (prelude variables such as
/// `$out_dir` expanded), by step.
pub(crate) fn expected_outputs(pack: &Pack) -> Expected {
    let mut e = Expected::default();
    for (step, inv) in pack.invocations() {
        for a in &inv.write_outputs {
            let v = pack.expand(&a.value);
            let base = v.rsplit('/').next().unwrap_or(&v);
            if v.contains('$') || v.contains('`') || base.is_empty() {
                e.dynamic += 1;
                continue;
            }
            e.by_step
                .entry(step.id.clone())
                .or_default()
                .insert(base.to_string());
        }
    }
    e
}

/// The directory to check: `<dir>/outputs` for a run directory (it has `run.json`, or an
/// `outputs/` subdirectory and no answers of its own), else `dir` itself.
/// Errors: `dir` unreadable (exit 1), not a directory (usage, exit 2), a run directory
/// without `outputs/` (exit 1).
pub(crate) fn resolve_dir(dir: &Path) -> crate::Result<PathBuf> {
    let meta = std::fs::metadata(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a directory; give a run directory or a directory of answers",
            dir.display()
        )));
    }
    let outputs = dir.join("outputs");
    if dir.join("run.json").is_file() {
        if !outputs.is_dir() {
            return Err(Error::Read {
                path: outputs,
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the run directory has run.json but no outputs/ directory",
                ),
            });
        }
        return Ok(outputs);
    }
    if outputs.is_dir() && !answers::list_files(dir)?.iter().any(|f| f.ends_with(".md")) {
        return Ok(outputs);
    }
    Ok(dir.to_path_buf())
}

/// Read `dir` (the output directory itself: see [`resolve_dir`]) and check it.
pub(crate) fn verify_dir(dir: &Path, opts: &VerifyOptions) -> crate::Result<Report> {
    let mut files = Vec::new();
    for name in answers::list_files(dir)? {
        let bytes = if name.ends_with(".md") {
            let path = dir.join(&name);
            std::fs::read(&path).map_err(|source| Error::Read { path, source })?
        } else {
            Vec::new()
        };
        files.push((name, bytes));
    }
    Ok(verify(&dir.display().to_string(), &files, opts))
}

/// The first violation found decides a step's status.
fn raise(status: &mut Status, s: Status) {
    if *status == Status::Ok {
        *status = s;
    }
}

fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// One answer of a step: a single file or a chunk set (its files by section).
enum Unit<'a> {
    Single(&'a str),
    Set {
        base: &'a str,
        chunks: BTreeMap<Section, &'a str>,
    },
}

impl Unit<'_> {
    fn describe(&self) -> String {
        match self {
            Unit::Single(f) => (*f).to_string(),
            Unit::Set { base, .. } => format!("chunk set {base}-*.md"),
        }
    }

    fn first_file(&self) -> String {
        match self {
            Unit::Single(f) => (*f).to_string(),
            Unit::Set { chunks, .. } => chunks.values().next().copied().unwrap_or("").to_string(),
        }
    }
}

/// Is `expected` (a basename the pack writes) among `files`? Also accepts a flattened
/// copy `<dir>_<dir>_<expected>` (how `docs/…/actions/01-x.md` is named when a run's
/// outputs are gathered into one directory, as in the fixtures).
fn present(expected: &str, files: &BTreeSet<&str>) -> bool {
    files.contains(expected) || {
        let tail = format!("_{expected}");
        files.iter().any(|f| f.ends_with(&tail))
    }
}

/// Check an output directory given as (file name, bytes) pairs, in any order. `dir` is
/// only echoed in the report.
pub(crate) fn verify(dir: &str, files: &[(String, Vec<u8>)], opts: &VerifyOptions) -> Report {
    let headings = opts.headings || opts.require_headings;
    let mut problems = Vec::new();
    let bytes: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let names: BTreeSet<&str> = bytes.keys().copied().collect();

    // Group by step: single files, and chunk sets by base.
    #[derive(Default)]
    struct Group<'a> {
        files: Vec<&'a str>,
        singles: Vec<&'a str>,
        sets: BTreeMap<String, BTreeMap<Section, &'a str>>,
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for &name in &names {
        match classify(name) {
            Name::Single { step } => {
                let g = groups.entry(step).or_default();
                g.files.push(name);
                g.singles.push(name);
            }
            Name::Chunk {
                step,
                base,
                section,
            } => {
                let g = groups.entry(step).or_default();
                g.files.push(name);
                g.sets.entry(base).or_default().insert(section, name);
            }
            Name::Unexpected { step, reason } => problems.push(Problem {
                severity: Severity::Warning,
                kind: "unexpected",
                step,
                file: Some(name.to_string()),
                message: format!("{name} {reason} and belongs to no step"),
                fix: "rename it NN-<slug>.md (NN in 01..20) or move it out of the output directory"
                    .into(),
            }),
        }
    }

    let expected = opts.expected.as_ref();
    if let Some(e) = expected
        && e.by_step.is_empty()
    {
        problems.push(Problem {
            severity: Severity::Warning,
            kind: "pack",
            step: None,
            file: None,
            message:
                "the pack has no literal --write-output paths, so output names were not compared"
                    .into(),
            fix: "check that --pack names the pack that produced this directory".into(),
        });
    }

    let mut steps = Vec::new();
    for n in 1..=STEPS {
        let id = format!("{n:02}");
        let want: Vec<&str> = expected
            .and_then(|e| e.by_step.get(&id))
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let empty = Group::default();
        let g = groups.get(&id).unwrap_or(&empty);
        let units: Vec<Unit> = g
            .singles
            .iter()
            .map(|f| Unit::Single(f))
            .chain(g.sets.iter().map(|(base, chunks)| Unit::Set {
                base,
                chunks: chunks.clone(),
            }))
            .collect();
        let mut status = Status::Ok;

        if units.is_empty() {
            raise(&mut status, Status::Missing);
            let (message, fix) = if want.is_empty() {
                (
                    format!("step {id} has no answer file"),
                    format!(
                        "rerun step {id}; it should write {id}-<slug>.md (or the four chunk files of one slug)"
                    ),
                )
            } else {
                (
                    format!(
                        "step {id} has no answer file (the pack writes {})",
                        want.join(", ")
                    ),
                    format!("rerun step {id}"),
                )
            };
            problems.push(Problem {
                severity: Severity::Error,
                kind: "missing",
                step: Some(id.clone()),
                file: None,
                message,
                fix,
            });
        }

        if units.len() > 1 {
            raise(&mut status, Status::Duplicate);
            let list: Vec<String> = units.iter().map(Unit::describe).collect();
            problems.push(Problem {
                severity: Severity::Error,
                kind: "duplicate",
                step: Some(id.clone()),
                file: None,
                message: format!(
                    "step {id} has {} answers: {}; expected one file or one chunk set",
                    units.len(),
                    list.join(", ")
                ),
                fix: format!(
                    "keep one answer for step {id}: delete the others or move them out of the directory"
                ),
            });
        }

        for u in &units {
            if let Unit::Set { base, chunks } = u {
                let lacking: Vec<&str> = Section::ALL
                    .iter()
                    .filter(|s| !chunks.contains_key(s))
                    .map(|s| s.chunk_suffix())
                    .collect();
                if !lacking.is_empty() {
                    raise(&mut status, Status::Incomplete);
                    problems.push(Problem {
                        severity: Severity::Error,
                        kind: "incomplete",
                        step: Some(id.clone()),
                        file: Some(u.first_file()),
                        message: format!(
                            "chunk set {base}-*.md of step {id} has {}/4 chunks; it lacks {}",
                            chunks.len(),
                            lacking.join(", ")
                        ),
                        fix: format!(
                            "rerun step {id} to write the missing chunks, or replace the set with one {id}-<slug>.md"
                        ),
                    });
                }
            }
        }

        for &f in &g.files {
            let b = bytes.get(f).copied().unwrap_or_default();
            if blank(b) {
                raise(&mut status, Status::Empty);
                let what = if b.is_empty() {
                    "is empty (0 bytes)".to_string()
                } else {
                    format!("holds only whitespace ({} bytes)", b.len())
                };
                problems.push(Problem {
                    severity: Severity::Error,
                    kind: "empty",
                    step: Some(id.clone()),
                    file: Some(f.to_string()),
                    message: format!("{f} {what}"),
                    fix: format!("rerun step {id}: the LLM call wrote no answer"),
                });
            }
        }

        let absent: Vec<&str> = want
            .iter()
            .copied()
            .filter(|w| !present(w, &names))
            .collect();
        if !units.is_empty() && !absent.is_empty() {
            raise(&mut status, Status::Mismatch);
            let (them, are) = if absent.len() == 1 {
                ("it", "is")
            } else {
                ("they", "are")
            };
            problems.push(Problem {
                severity: Severity::Error,
                kind: "pack",
                step: Some(id.clone()),
                file: absent.first().map(|w| (*w).to_string()),
                message: format!(
                    "the pack writes {} for step {id}, but {them} {are} not in the directory (found {})",
                    absent.join(", "),
                    g.files.join(", ")
                ),
                fix: format!("rerun step {id}, or pass the --pack that produced this directory"),
            });
        }

        let mut h = None;
        if headings && matches!(status, Status::Ok | Status::Mismatch) && units.len() == 1 {
            let text: String = g
                .files
                .iter()
                .map(|f| String::from_utf8_lossy(bytes.get(f).copied().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("\n");
            let found = Headings::of_text(&text);
            let lacking = found.missing();
            if !lacking.is_empty() {
                let file = units.first().map(Unit::describe).unwrap_or_default();
                problems.push(Problem {
                    severity: if opts.require_headings {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    kind: "headings",
                    step: Some(id.clone()),
                    file: units.first().map(Unit::first_file),
                    message: format!(
                        "{file} has no {} section{}",
                        lacking.join(", "),
                        if lacking.len() == 1 { "" } else { "s" }
                    ),
                    fix: format!(
                        "the answer may be cut off or off-format: rerun step {id}, asking for all four sections"
                    ),
                });
            }
            h = Some(found);
        }

        steps.push(StepReport {
            step: id,
            status,
            files: g.files.iter().map(|f| (*f).to_string()).collect(),
            headings: h,
        });
    }

    problems.sort_by(|a, b| {
        (&a.step, &a.file, a.kind, &a.message, a.severity)
            .cmp(&(&b.step, &b.file, b.kind, &b.message, b.severity))
    });
    let complete = steps.iter().filter(|s| s.status == Status::Ok).count();
    let valid = !problems.iter().any(|p| p.severity == Severity::Error);
    Report {
        version: FORMAT_VERSION,
        dir: dir.to_string(),
        steps,
        problems,
        complete,
        valid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(step: &str) -> Name {
        Name::Single { step: step.into() }
    }

    #[test]
    fn names_of_single_answers() {
        assert_eq!(classify("07-background-jobs-job-model.md"), single("07"));
        assert_eq!(
            classify("oracle-questions-2026-01-09_02-contracts-interfaces-integration.md"),
            single("02")
        );
        assert_eq!(classify("20-x.md"), single("20"));
        // `direct-answer` alone is a slug, not a chunk of an empty base.
        assert_eq!(classify("05-direct-answer.md"), single("05"));
    }

    #[test]
    fn names_of_chunks() {
        assert_eq!(
            classify(
                "oracle-questions-2026-01-09-030000_actions_01-contracts-interfaces-ticket-surface-direct-answer.md"
            ),
            Name::Chunk {
                step: "01".into(),
                base: "oracle-questions-2026-01-09-030000_actions_01-contracts-interfaces-ticket-surface"
                    .into(),
                section: Section::DirectAnswer,
            }
        );
        for s in Section::ALL {
            assert_eq!(
                classify(&format!("12-a-b-{}.md", s.chunk_suffix())),
                Name::Chunk {
                    step: "12".into(),
                    base: "12-a-b".into(),
                    section: s
                }
            );
        }
    }

    #[test]
    fn names_that_belong_to_no_step() {
        let unexpected = |f: &str| matches!(classify(f), Name::Unexpected { .. });
        for f in [
            "notes.md",
            "README.md",
            "00-preflight.md",
            "21-extra.md",
            "99-x.md",
            "7-short-prefix.md",
            "07-.md",
            "07-answer.txt",
            "07-answer.md.bak",
            "oracle-questions-2026-01-09.md",
        ] {
            assert!(unexpected(f), "{f}");
        }
        assert_eq!(
            classify("21-extra.md"),
            Name::Unexpected {
                step: Some("21".into()),
                reason: "carries the prefix 21, outside 01..20".into()
            }
        );
    }

    fn full() -> Vec<(String, Vec<u8>)> {
        (1..=20)
            .map(|n| {
                (
                    format!("{n:02}-q.md"),
                    b"Direct answer\nx\nRisks/unknowns\ny\nNext experiment\nz\nMissing evidence\nw\n"
                        .to_vec(),
                )
            })
            .collect()
    }

    fn status(r: &Report, step: &str) -> Status {
        r.steps
            .iter()
            .find(|s| s.step == step)
            .map(|s| s.status)
            .unwrap_or(Status::Ok)
    }

    #[test]
    fn full_directory_is_valid() {
        let opts = VerifyOptions {
            require_headings: true,
            ..VerifyOptions::default()
        };
        let r = verify("d", &full(), &opts);
        assert!(r.valid, "{:?}", r.problems);
        assert_eq!(r.complete, 20);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn every_violation_has_its_status() {
        let mut f: BTreeMap<String, Vec<u8>> = full().into_iter().collect();
        let x = || b"x".to_vec();
        f.remove("07-q.md");
        f.insert("03-other.md".into(), x());
        f.insert("04-a-direct-answer.md".into(), x());
        f.remove("05-q.md");
        f.insert("05-a-direct-answer.md".into(), x());
        f.insert("05-a-risks-unknowns.md".into(), x());
        f.insert("06-q.md".into(), b" \n\t".to_vec());
        f.remove("09-q.md");
        for s in Section::ALL {
            f.insert(format!("09-a-{}.md", s.chunk_suffix()), x());
        }
        f.insert("notes.md".into(), x());
        let f: Vec<(String, Vec<u8>)> = f.into_iter().collect();
        let r = verify("d", &f, &VerifyOptions::default());
        assert!(!r.valid);
        assert_eq!(status(&r, "07"), Status::Missing);
        assert_eq!(status(&r, "03"), Status::Duplicate);
        assert_eq!(status(&r, "04"), Status::Duplicate);
        assert_eq!(status(&r, "05"), Status::Incomplete);
        assert_eq!(status(&r, "06"), Status::Empty);
        assert_eq!(status(&r, "09"), Status::Ok);
        assert_eq!(r.complete, 15);
        // 04: a duplicate and, being one chunk, an incomplete set too.
        assert_eq!(r.errors(), 6);
        assert!(
            r.problems
                .iter()
                .any(|p| p.kind == "unexpected" && p.severity == Severity::Warning)
        );
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let mut f = full();
        f.push(("21-x.md".into(), Vec::new()));
        f.remove(3);
        let a = serde_json::to_string(&verify("d", &f, &VerifyOptions::default())).ok();
        f.reverse();
        let b = serde_json::to_string(&verify("d", &f, &VerifyOptions::default())).ok();
        assert_eq!(a, b);
    }

    #[test]
    fn expected_names_from_the_pack() {
        let expected = Expected {
            by_step: (1..=20)
                .map(|n| (format!("{n:02}"), BTreeSet::from([format!("{n:02}-q.md")])))
                .collect(),
            dynamic: 0,
        };
        let mut opts = VerifyOptions {
            expected: Some(expected),
            ..VerifyOptions::default()
        };
        let mut f = full();
        assert!(verify("d", &f, &opts).valid);
        // A flattened copy (`docs_out_01-q.md`) counts.
        f[0].0 = "docs_out_01-q.md".into();
        assert!(verify("d", &f, &opts).valid);
        f[0].0 = "01-other.md".into();
        let r = verify("d", &f, &opts);
        assert_eq!(status(&r, "01"), Status::Mismatch);
        assert!(!r.valid);
        opts.expected = Some(Expected::default());
        let r = verify("d", &full(), &opts);
        assert!(r.valid);
        assert_eq!(r.warnings(), 1);
    }

    /// The grouped pack writes four chunks per step, each a literal path.
    #[test]
    fn expected_names_of_a_real_grouped_pack() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/packs/oracle-questions-2026-01-09-030000_actions.md");
        let Ok(bytes) = std::fs::read(&path) else {
            return;
        };
        let pack = crate::pack::parse(crate::pack::SourceFile::from_bytes("p".to_string(), &bytes));
        let e = expected_outputs(&pack);
        assert_eq!(e.dynamic, 0);
        assert_eq!(e.by_step.len(), 20);
        assert!(e.by_step.values().all(|s| s.len() == 4));
        assert!(
            e.by_step["01"].contains("01-contracts-interfaces-ticket-surface-risks-unknowns.md")
        );
    }

    #[test]
    fn run_directories_are_checked_in_outputs() -> crate::Result<()> {
        let tmp = tempfile::tempdir().map_err(|e| Error::Usage(e.to_string()))?;
        let d = tmp.path();
        assert_eq!(resolve_dir(d)?, d);
        std::fs::create_dir(d.join("outputs")).map_err(|e| Error::Usage(e.to_string()))?;
        assert_eq!(resolve_dir(d)?, d.join("outputs"));
        std::fs::write(d.join("01-x.md"), "x").map_err(|e| Error::Usage(e.to_string()))?;
        assert_eq!(resolve_dir(d)?, d);
        std::fs::write(d.join("run.json"), "{}").map_err(|e| Error::Usage(e.to_string()))?;
        assert_eq!(resolve_dir(d)?, d.join("outputs"));
        std::fs::remove_dir(d.join("outputs")).map_err(|e| Error::Usage(e.to_string()))?;
        assert!(matches!(resolve_dir(d), Err(Error::Read { .. })));
        assert!(matches!(
            resolve_dir(&d.join("01-x.md")),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            resolve_dir(&d.join("nope")),
            Err(Error::Read { .. })
        ));
        Ok(())
    }
}
