//! Answer files as Stage 2 writes them and Stages 2–3 read them: the step prefix of a
//! file name, chunk-set suffixes, the four section titles an answer is asked to have, and
//! listing an output directory. Shared by the lint (`output.naming`), `verify-outputs` and
//! the actionizer so all three agree on what a name means.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;

/// The four parts every answer is asked to have (DESIGN §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    DirectAnswer,
    Risk,
    NextExperiment,
    MissingEvidence,
}

/// The chunk suffixes of a split answer (`…-risks-unknowns.md`), in canonical order: the
/// order of [`Section::ALL`].
pub const CHUNK_SUFFIXES: [&str; 4] = [
    "direct-answer",
    "risks-unknowns",
    "next-experiment",
    "missing-evidence",
];

impl Section {
    pub const ALL: [Section; 4] = [
        Section::DirectAnswer,
        Section::Risk,
        Section::NextExperiment,
        Section::MissingEvidence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::DirectAnswer => "direct-answer",
            Section::Risk => "risk",
            Section::NextExperiment => "next-experiment",
            Section::MissingEvidence => "missing-evidence",
        }
    }

    /// The file-name suffix (without the leading `-`) of this section's chunk.
    pub fn chunk_suffix(self) -> &'static str {
        match self {
            Section::DirectAnswer => CHUNK_SUFFIXES[0],
            Section::Risk => CHUNK_SUFFIXES[1],
            Section::NextExperiment => CHUNK_SUFFIXES[2],
            Section::MissingEvidence => CHUNK_SUFFIXES[3],
        }
    }

    /// The section title as people write it.
    pub fn title(self) -> &'static str {
        match self {
            Section::DirectAnswer => "Direct answer",
            Section::Risk => "Risks/unknowns",
            Section::NextExperiment => "Next experiment",
            Section::MissingEvidence => "Missing evidence",
        }
    }
}

/// Step id and slug of an answer file name: `NN-<slug>.md`, or a `_NN-<slug>` segment
/// (`oracle-questions-2026-01-09_02-contracts-….md`). `None` when neither is there.
pub(crate) fn step_of(file: &str) -> Option<(String, String)> {
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let two_digits = |s: &str| {
        let b = s.as_bytes();
        b.len() >= 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b'-'
    };
    if two_digits(stem) {
        return Some((stem[..2].to_string(), stem[3..].to_string()));
    }
    // The last `_NN-` segment wins: dates such as `2026-01-09` never match `_NN-`.
    let mut found = None;
    for (i, _) in stem.match_indices('_') {
        let rest = &stem[i + 1..];
        if two_digits(rest) {
            found = Some((rest[..2].to_string(), rest[3..].to_string()));
        }
    }
    found
}

/// `<base>-<chunk suffix>` → (base, the chunk's section); anything else → (input, None).
pub(crate) fn chunk_of(slug: &str) -> (String, Option<Section>) {
    for sec in Section::ALL {
        if let Some(base) = slug
            .strip_suffix(sec.chunk_suffix())
            .and_then(|b| b.strip_suffix('-'))
        {
            return (base.to_string(), Some(sec));
        }
    }
    (slug.to_string(), None)
}

/// The section a line titles, if it is a section title. Real answers (fixtures/outputs)
/// put titles on their own line, with or without `###`, numbering (`1.`, `2)`) or bold,
/// often followed by a parenthesised note: `Direct answer (1–10 bullets, evidence-cited)`,
/// `Next smallest concrete experiment`, `If evidence is insufficient, …`.
pub(crate) fn heading(line: &str) -> Option<Section> {
    if line.chars().count() > 160 {
        return None;
    }
    let mut t = line.trim().trim_start_matches('#').trim();
    t = t.trim_start_matches(['*', '_']).trim();
    // `1. Direct answer`, `2) Risks`.
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && t[digits..].starts_with(['.', ')']) {
        t = t[digits + 1..].trim();
    }
    let l = t.trim_start_matches(['*', '_']).to_lowercase();
    let starts = |p: &str| l.starts_with(p);
    if starts("direct answer") {
        Some(Section::DirectAnswer)
    } else if starts("risks/unknowns")
        || starts("risks / unknowns")
        || starts("risks and unknowns")
        || starts("risk/unknown")
        || l.trim_end_matches([':', '*']) == "risks"
        || l.trim_end_matches([':', '*']) == "unknowns"
    {
        Some(Section::Risk)
    } else if starts("next smallest concrete experiment")
        || starts("next concrete experiment")
        || starts("next experiment")
        || starts("smallest concrete experiment")
    {
        Some(Section::NextExperiment)
    } else if starts("if evidence is insufficient") || starts("missing evidence") {
        Some(Section::MissingEvidence)
    } else {
        None
    }
}

/// Names of the regular, non-hidden files directly inside `dir`, sorted.
pub(crate) fn list_files(dir: &Path) -> crate::Result<Vec<String>> {
    let err = |source| Error::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(err)? {
        let e = e.map_err(err)?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && e.path().is_file() {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// Every `*.md` file directly inside `dir`, as (file name, bytes), sorted by name.
pub(crate) fn read_dir(dir: &Path) -> crate::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for name in list_files(dir)? {
        if !name.ends_with(".md") {
            continue;
        }
        let path = dir.join(&name);
        let bytes = std::fs::read(&path).map_err(|source| Error::Read { path, source })?;
        out.push((name, bytes));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ids_from_real_names() {
        assert_eq!(
            step_of("07-background-jobs-job-model.md"),
            Some(("07".into(), "background-jobs-job-model".into()))
        );
        assert_eq!(
            step_of("oracle-questions-2026-01-09_02-contracts-interfaces-integration.md"),
            Some(("02".into(), "contracts-interfaces-integration".into()))
        );
        let (s, slug) = step_of(
            "oracle-questions-2026-01-09-030000_actions_01-contracts-interfaces-ticket-surface-risks-unknowns.md",
        )
        .unwrap();
        assert_eq!(s, "01");
        assert_eq!(
            chunk_of(&slug),
            (
                "contracts-interfaces-ticket-surface".to_string(),
                Some(Section::Risk)
            )
        );
        assert_eq!(step_of("notes.md"), None);
    }

    #[test]
    fn chunk_suffixes_need_their_dash() {
        assert_eq!(chunk_of("direct-answer"), ("direct-answer".into(), None));
        assert_eq!(
            chunk_of("x-missing-evidence"),
            ("x".into(), Some(Section::MissingEvidence))
        );
        for s in Section::ALL {
            assert_eq!(
                chunk_of(&format!("a-b-{}", s.chunk_suffix())),
                ("a-b".into(), Some(s))
            );
        }
    }

    #[test]
    fn headings_in_every_real_shape() {
        for (l, s) in [
            (
                "Direct answer (1–10 bullets, evidence-cited)",
                Section::DirectAnswer,
            ),
            ("### Direct answer", Section::DirectAnswer),
            ("1. Direct answer (needed backfill)", Section::DirectAnswer),
            ("1) Direct answer", Section::DirectAnswer),
            ("**DIRECT ANSWER**", Section::DirectAnswer),
            ("Risks/unknowns (bullets)", Section::Risk),
            ("Risks / unknowns", Section::Risk),
            ("**Risks/unknowns**", Section::Risk),
            ("### 2) Risks/unknowns", Section::Risk),
            (
                "Next smallest concrete experiment (exactly one action)",
                Section::NextExperiment,
            ),
            ("Next experiment", Section::NextExperiment),
            (
                "If evidence is insufficient, name the exact missing file/path pattern(s) to attach next.",
                Section::MissingEvidence,
            ),
            ("Missing evidence", Section::MissingEvidence),
        ] {
            assert_eq!(heading(l), Some(s), "{l}");
        }
        assert_eq!(heading("Risks of caching are high because of X"), None);
        // A title cut off by a truncated answer is not a title.
        assert_eq!(heading("Next s"), None);
    }
}
