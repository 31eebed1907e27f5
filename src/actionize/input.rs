//! Answer files → [`Answer`]s, and step metadata from the pack or from file-name slugs.

use std::collections::BTreeMap;
use std::path::Path;

use super::model::{Answer, Section, StepMeta};
use crate::error::Error;
use crate::pack::header::CATEGORIES;

pub(crate) use crate::fsio::sha256_hex;

/// Chunk-set suffixes written by the grouped packs (fixtures README).
const CHUNKS: [(&str, Section); 4] = [
    ("-direct-answer", Section::DirectAnswer),
    ("-risks-unknowns", Section::Risk),
    ("-next-experiment", Section::NextExperiment),
    ("-missing-evidence", Section::MissingEvidence),
];

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

pub(crate) fn chunk_of(slug: &str) -> (String, Option<Section>) {
    for (suffix, sec) in CHUNKS {
        if let Some(base) = slug.strip_suffix(suffix) {
            return (base.to_string(), Some(sec));
        }
    }
    (slug.to_string(), None)
}

/// An answer from its file name and bytes; `None` when the name carries no step id.
pub(crate) fn answer(file: &str, bytes: &[u8]) -> Option<Answer> {
    let (step, slug) = step_of(file)?;
    let (slug, chunk) = chunk_of(&slug);
    Some(Answer {
        file: file.to_string(),
        step,
        slug,
        chunk,
        sha256: sha256_hex(bytes),
        text: String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// Every `*.md` file directly inside `dir`, as (file name, bytes), sorted by name.
pub(crate) fn read_dir(dir: &Path) -> crate::Result<Vec<(String, Vec<u8>)>> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for e in rd {
        let e = e.map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        if !name.ends_with(".md") || !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|source| Error::Read { path, source })?;
        out.push((name, bytes));
    }
    out.sort();
    Ok(out)
}

/// Category from a slug such as `contracts-interfaces-ticket-surface`.
pub(crate) fn category_from_slug(slug: &str) -> Option<String> {
    let s = slug.to_ascii_lowercase();
    CATEGORIES
        .iter()
        .find(|c| {
            let cs: String = c
                .to_ascii_lowercase()
                .chars()
                .map(|ch| if ch == '/' || ch == ' ' { '-' } else { ch })
                .collect();
            s == cs || s.starts_with(&format!("{cs}-"))
        })
        .map(|c| c.to_string())
}

/// Step metadata from a parsed pack, keyed by step id.
pub(crate) fn steps_from_pack(pack: &crate::pack::Pack) -> BTreeMap<String, StepMeta> {
    let mut out = BTreeMap::new();
    for s in &pack.steps {
        let m = &s.header.meta;
        let title = if s.header.title.trim().is_empty() {
            s.invocations
                .iter()
                .find_map(|i| i.prompt.as_ref())
                .map(|p| crate::pack::lint::question_display(&p.value))
                .unwrap_or_default()
        } else {
            s.header.title.trim().to_string()
        };
        out.entry(s.id.clone()).or_insert(StepMeta {
            id: s.id.clone(),
            title,
            category: m
                .category
                .clone()
                .filter(|c| CATEGORIES.contains(&c.as_str())),
            roi: s.roi(),
            reference: m.reference.clone(),
            horizon: m.horizon.clone(),
        });
    }
    out
}

/// Metadata for a step the pack does not describe (or when there is no pack).
pub(crate) fn meta_from_slug(step: &str, slug: &str) -> StepMeta {
    StepMeta {
        id: step.to_string(),
        title: slug.replace('-', " "),
        category: category_from_slug(slug),
        ..StepMeta::default()
    }
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
    fn categories_from_slugs() {
        assert_eq!(
            category_from_slug("contracts-interfaces-ticket-surface").as_deref(),
            Some("contracts/interfaces")
        );
        assert_eq!(
            category_from_slug("ux-flows-edge-cases").as_deref(),
            Some("UX flows")
        );
        assert_eq!(category_from_slug("misc"), None);
    }
}
