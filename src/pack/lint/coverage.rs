//! Coverage duplication: two steps asking the same question waste a run.

use std::collections::BTreeSet;

use super::Ctx;
use crate::pack::Step;
use crate::pack::diagnostic::{Diagnostic, Severity};

/// Token-set Jaccard similarity at or above this is a near-duplicate (warning).
pub const NEAR_DUPLICATE: f64 = 0.85;

/// The question a prompt asks: the text after `Question:` up to the next blank line when
/// the prompt has one (generated packs wrap it in boilerplate), else the whole prompt.
pub fn question_text(prompt: &str) -> String {
    question_display(prompt).to_lowercase()
}

/// The question with whitespace collapsed, case kept (for `list`).
pub fn question_display(prompt: &str) -> String {
    let body = match prompt.find("Question:") {
        Some(p) => {
            let rest = &prompt[p + "Question:".len()..];
            let rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
            match rest.find("\n\n").or_else(|| rest.find("\r\n\r\n")) {
                Some(e) => &rest[..e],
                None => rest,
            }
        }
        None => prompt,
    };
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn words(s: &str) -> BTreeSet<&str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .collect()
}

fn jaccard(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

fn step_questions(step: &Step) -> BTreeSet<String> {
    step.invocations
        .iter()
        .filter_map(|i| i.prompt.as_ref())
        .map(|p| question_text(&p.value))
        .filter(|q| !q.is_empty() && !q.starts_with('$'))
        .collect()
}

pub fn duplicate(ctx: &Ctx) -> Vec<Diagnostic> {
    let steps = &ctx.pack.steps;
    let qs: Vec<BTreeSet<String>> = steps.iter().map(step_questions).collect();
    let mut out = Vec::new();
    for j in 0..steps.len() {
        'earlier: for i in 0..j {
            for a in &qs[i] {
                for b in &qs[j] {
                    let (sev, what) = if a == b {
                        (Severity::Error, "the same question as".to_string())
                    } else {
                        let s = jaccard(&words(a), &words(b));
                        if s < NEAR_DUPLICATE {
                            continue;
                        }
                        (
                            Severity::Warning,
                            format!(
                                "nearly the same question ({:.0}% shared words) as",
                                s * 100.0
                            ),
                        )
                    };
                    out.push(
                        Diagnostic::new("coverage.duplicate", sev, format!("step {} asks {what} step {} (line {})", steps[j].id, steps[i].id, steps[i].line))
                            .at(steps[j].line, 1)
                            .width(5)
                            .step(steps[j].id.clone())
                            .fix("ask about a different reference or category, or drop one of the two steps"),
                    );
                    break 'earlier;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_is_extracted_from_boilerplate() {
        let p = "Strategist question #01\n\nQuestion:\nWhat is  the API?\n\nRationale: x";
        assert_eq!(question_text(p), "what is the api?");
        assert_eq!(question_text("Just ask"), "just ask");
    }
}
