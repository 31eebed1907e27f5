//! Answer text → findings. Real answers (fixtures/outputs) put section titles on their own
//! line, with or without `###`, numbering or bold; items are bullets, numbered lines or
//! blank-line-separated paragraphs; after a paragraph the `oracle` browser engine leaves a
//! bare citation line (`Oraclepack_Compatibility_Issues`) and code blocks leave
//! `bash` / `Copy code`. Files may stop mid-sentence (answers are truncated).

use super::evidence;
use super::input::sha256_hex;
use super::model::{Answer, Finding, Section, StepMeta};
use crate::answers::heading;

/// A bare citation of a source document, e.g. `oraclepack-llms-full`.
fn citation(t: &str) -> bool {
    t.len() <= 64
        && (t.contains('_') || t.contains('-'))
        && t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn bullet(t: &str) -> Option<&str> {
    for p in ["* ", "- ", "• ", "+ "] {
        if let Some(r) = t.strip_prefix(p) {
            return Some(r.trim());
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) && t[digits..].starts_with([')', '.']) {
        let r = &t[digits + 1..];
        if r.starts_with(' ') {
            return Some(r.trim());
        }
    }
    None
}

/// Lower-case, collapse whitespace, drop markup: the text an id is computed from, so
/// that re-wrapping or `**bold**` never changes an id.
pub(crate) fn canonical(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        let w: String = w
            .chars()
            .filter(|c| !matches!(c, '*' | '`' | '_'))
            .flat_map(char::to_lowercase)
            .collect();
        if w.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w);
    }
    out
}

pub(crate) fn finding_id(step: &str, section: Section, text: &str) -> String {
    let key = format!("{step}\u{0}{}\u{0}{}", section.as_str(), canonical(text));
    format!("F-{}", &sha256_hex(key.as_bytes())[..16])
}

struct Item {
    section: Section,
    text: String,
    cites: Vec<String>,
}

fn items(answer: &Answer) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut section = answer.chunk.unwrap_or(Section::DirectAnswer);
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<Item>, section: Section| {
        let t = cur.trim();
        if !t.is_empty() {
            out.push(Item {
                section,
                text: t.to_string(),
                cites: Vec::new(),
            });
        }
        cur.clear();
    };
    let lines: Vec<&str> = answer.text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut cur, &mut out, section);
            continue;
        }
        if let Some(s) = heading(t) {
            flush(&mut cur, &mut out, section);
            // A chunk file holds one section whatever its title says.
            section = answer.chunk.unwrap_or(s);
            continue;
        }
        // ChatGPT's code-block chrome: a language word followed by `Copy code`.
        if t == "Copy code" {
            continue;
        }
        if lines.get(i + 1).map(|l| l.trim()) == Some("Copy code") && !t.contains(' ') {
            continue;
        }
        if citation(t) {
            flush(&mut cur, &mut out, section);
            if let Some(last) = out.last_mut()
                && !last.cites.iter().any(|c| c == t)
            {
                last.cites.push(t.to_string());
            }
            continue;
        }
        if let Some(b) = bullet(t) {
            flush(&mut cur, &mut out, section);
            cur.push_str(b);
            continue;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(t);
    }
    flush(&mut cur, &mut out, section);
    out
}

/// A lead-in such as `Minimal validation plan (smallest set ...):` introduces items; it
/// is not one. Fragments of under three words are truncation debris (`Next s`), unless
/// they name a path (`**/queue/**, **/worker/**` is a whole missing-evidence item).
fn keep(text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words < 3 && evidence::extract(text).is_empty() {
        return false;
    }
    !(text.ends_with(':') && text.chars().count() < 120)
}

/// The findings of one answer, in file order.
pub(crate) fn normalize(answer: &Answer, meta: &StepMeta) -> Vec<Finding> {
    let category = meta
        .category
        .clone()
        .or_else(|| super::input::category_from_slug(&answer.slug))
        .unwrap_or_else(|| "uncategorized".into());
    let mut out: Vec<Finding> = Vec::new();
    for item in items(answer) {
        if !keep(&item.text) {
            continue;
        }
        let id = finding_id(&answer.step, item.section, &item.text);
        if out.iter().any(|f| f.id == id) {
            continue;
        }
        let ordinal = out.len();
        out.push(Finding {
            id,
            step: answer.step.clone(),
            category: category.clone(),
            reference: meta.reference.clone(),
            roi: meta.roi,
            section: item.section,
            evidence: evidence::extract(&item.text),
            text: item.text,
            cites: item.cites,
            source: answer.file.clone(),
            source_sha256: answer.sha256.clone(),
            ordinal,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ans(text: &str, chunk: Option<Section>) -> Answer {
        Answer {
            file: "01-x.md".into(),
            step: "01".into(),
            slug: "contracts-interfaces-x".into(),
            chunk,
            sha256: "0".into(),
            text: text.into(),
        }
    }

    #[test]
    fn paragraphs_bullets_citations() {
        let text = "Direct answer\n\nFirst paragraph says something.\n\nOraclepack_Compatibility_Issues\n\n \n\nSecond one\ncontinues here.\n\nRisks/unknowns\n\n* a risk item here\n* another risk item\n\nNext smallest concrete experiment\n\nRun a trace:\n\nbash\nCopy code\nrg -n \"ToolKind\" internal/ cmd/\n\nNext s";
        let f = normalize(&ans(text, None), &StepMeta::default());
        let got: Vec<(Section, &str)> = f.iter().map(|f| (f.section, f.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Section::DirectAnswer, "First paragraph says something."),
                (Section::DirectAnswer, "Second one continues here."),
                (Section::Risk, "a risk item here"),
                (Section::Risk, "another risk item"),
                (Section::NextExperiment, "rg -n \"ToolKind\" internal/ cmd/"),
            ]
        );
        assert_eq!(f[0].cites, vec!["Oraclepack_Compatibility_Issues"]);
        assert_eq!(f[0].category, "contracts/interfaces");
    }

    #[test]
    fn ids_ignore_position_and_wrapping() {
        let a = normalize(
            &ans(
                "Direct answer\n\nAlpha beta gamma.\n\nDelta epsilon zeta.",
                None,
            ),
            &StepMeta::default(),
        );
        let b = normalize(
            &ans(
                "Direct answer\n\nDelta   epsilon\nzeta.\n\n**Alpha** beta gamma.",
                None,
            ),
            &StepMeta::default(),
        );
        assert_eq!(a[0].id, b[1].id);
        assert_eq!(a[1].id, b[0].id);
    }

    #[test]
    fn chunk_files_force_their_section() {
        let f = normalize(
            &ans(
                "Missing evidence\n\n* `**/jobs/**` files\n",
                Some(Section::MissingEvidence),
            ),
            &StepMeta::default(),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].section, Section::MissingEvidence);
        assert!(f[0].evidence[0].glob);
    }
}
