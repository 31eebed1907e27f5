//! Answer files → [`Answer`]s, and step metadata from the pack or from file-name slugs.

use std::collections::BTreeMap;

use super::model::{Answer, StepMeta};
use crate::answers::{chunk_of, step_of};
use crate::pack::header::CATEGORIES;

pub(crate) use crate::fsio::sha256_hex;

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
