//! Contradictions between answers. Deliberately simple and explainable: a sentence
//! "S is/does P" in one answer and "S is not/does not P" in another, where S is the same
//! subject (the two content words before the verb, or a shared evidence path) and P the
//! same predicate (the two content words after it). Both findings are cited.

use std::collections::BTreeMap;

use super::dedupe::tokens;
use super::model::Finding;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Claim {
    subject: String,
    predicate: String,
    negated: bool,
}

const VERBS: &[&str] = &["is", "are", "does", "do", "can", "will", "has", "supports"];
const NEG: &[&str] = &["not", "never", "no"];

fn content(words: &[String]) -> Vec<String> {
    words.iter().flat_map(|w| tokens(w)).collect()
}

fn claims(f: &Finding) -> Vec<Claim> {
    let mut out = Vec::new();
    for sentence in f.text.split(['.', ';', '\n']) {
        let words: Vec<String> = sentence
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                    .to_lowercase()
            })
            .collect();
        for (i, w) in words.iter().enumerate() {
            let (verb_ok, mut negated, mut after) = match w.as_str() {
                "isn't" | "doesn't" | "don't" | "can't" | "cannot" | "won't" | "aren't" => {
                    (true, true, i + 1)
                }
                v if VERBS.contains(&v) => (true, false, i + 1),
                _ => (false, false, i + 1),
            };
            if !verb_ok || i == 0 {
                continue;
            }
            if let Some(n) = words.get(after)
                && NEG.contains(&n.as_str())
            {
                negated = true;
                after += 1;
            }
            let subj = content(&words[i.saturating_sub(3)..i]);
            let pred = content(&words[after.min(words.len())..(after + 4).min(words.len())]);
            if subj.len() < 2 || pred.len() < 2 {
                continue;
            }
            let subject = match f.evidence.first() {
                Some(e) => e.path.clone(),
                None => subj[subj.len() - 2..].join(" "),
            };
            out.push(Claim {
                subject,
                predicate: pred[..2].join(" "),
                negated,
            });
            break;
        }
    }
    out
}

/// Pairs of findings (indices, lower first) from different steps that make opposite
/// claims about the same subject and predicate. Sorted, so order-independent.
pub(crate) fn find(findings: &[Finding]) -> Vec<(usize, usize, String)> {
    let mut by_key: BTreeMap<(String, String), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        for c in claims(f) {
            let e = by_key.entry((c.subject, c.predicate)).or_default();
            if c.negated { e.1.push(i) } else { e.0.push(i) }
        }
    }
    let mut out = Vec::new();
    for ((subject, predicate), (pos, neg)) in by_key {
        for &p in &pos {
            for &n in &neg {
                if findings[p].step != findings[n].step {
                    let (a, b) = if p < n { (p, n) } else { (n, p) };
                    out.push((a, b, format!("{subject} … {predicate}")));
                }
            }
        }
    }
    out.sort();
    out.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actionize::model::Section;

    fn f(step: &str, text: &str) -> Finding {
        Finding {
            id: step.into(),
            step: step.into(),
            category: "x".into(),
            reference: None,
            roi: None,
            section: Section::DirectAnswer,
            text: text.into(),
            evidence: crate::actionize::evidence::extract(text),
            cites: vec![],
            source: format!("{step}.md"),
            source_sha256: "h".into(),
            ordinal: 0,
        }
    }

    #[test]
    fn opposite_claims_conflict() {
        let v = vec![
            f(
                "01",
                "The pack parser does validate step numbering strictly.",
            ),
            f(
                "02",
                "The pack parser does not validate step numbering at all.",
            ),
            f("03", "Cache keys include injected flags."),
        ];
        let c = find(&v);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].0, c[0].1), (0, 1));
    }

    #[test]
    fn same_step_never_conflicts() {
        let v = vec![
            f(
                "01",
                "The pack parser does validate step numbering strictly.",
            ),
            f(
                "01",
                "The pack parser does not validate step numbering at all.",
            ),
        ];
        assert!(find(&v).is_empty());
    }
}
