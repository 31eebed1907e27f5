//! Header tokens: presence, types, category taxonomy, ROI ordering.

use super::Ctx;
use crate::pack::Step;
use crate::pack::diagnostic::{Diagnostic, Severity};
use crate::pack::header::{self, CATEGORIES, HORIZONS, KEYS, Value};

/// Column (1-based, in characters) of byte `offset` of the header text on its line.
fn token_col(ctx: &Ctx, step: &Step, offset: usize) -> usize {
    let line = ctx.pack.source.line_text(step.line);
    let raw = &step.header.raw;
    match line.find(raw.as_str()) {
        Some(p) if !raw.is_empty() => line[..p + offset.min(raw.len())].chars().count() + 1,
        _ => 1,
    }
}

fn header_width(ctx: &Ctx, step: &Step) -> usize {
    ctx.pack
        .source
        .line_text(step.line)
        .trim_end()
        .chars()
        .count()
}

pub fn tokens(ctx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for step in &ctx.pack.steps {
        let h = &step.header;
        let missing: Vec<&str> = KEYS
            .iter()
            .copied()
            .filter(|k| !h.tokens.iter().any(|t| t.key == *k))
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|k| format!("{k}="))
                .collect::<Vec<_>>()
                .join(" ");
            out.push(
                Diagnostic::new("header.tokens", Severity::Error, format!("step {} header is missing {list}", step.id))
                    .at(step.line, 1)
                    .width(header_width(ctx, step))
                    .step(step.id.clone())
                    .fix("write the header as `# NN) ROI=<n> impact=<n> confidence=<0..1> effort=<n> horizon=<Immediate|NearTerm|Strategic> category=<category> reference=<path>`"),
            );
        }
        let mut seen = Vec::new();
        for t in &h.tokens {
            if seen.contains(&t.key) {
                out.push(
                    Diagnostic::new(
                        "header.tokens",
                        Severity::Error,
                        format!("step {} header repeats {}=", step.id, t.key),
                    )
                    .at(step.line, token_col(ctx, step, t.offset))
                    .width(t.key.len() + 1)
                    .step(step.id.clone())
                    .fix("keep one value per key"),
                );
            }
            seen.push(t.key.clone());
            if header::is_placeholder(&t.value) {
                continue; // reported by the `placeholder` rule
            }
            if let Some(problem) = type_problem(&t.key, &t.value) {
                out.push(
                    Diagnostic::new(
                        "header.tokens",
                        Severity::Error,
                        format!("step {}: {}={} {problem}", step.id, t.key, t.value),
                    )
                    .at(step.line, token_col(ctx, step, t.offset))
                    .width(t.key.len() + 1 + t.value.chars().count())
                    .step(step.id.clone())
                    .fix(fix_for(&t.key)),
                );
            }
        }
    }
    out
}

fn type_problem(key: &str, value: &str) -> Option<String> {
    let v = Value::parse(value);
    match key {
        "ROI" => match v.as_number() {
            Some(n) if n >= 0.0 => None,
            Some(_) => Some("is negative".into()),
            None => Some("is not a number".into()),
        },
        "impact" | "effort" => match v.rank() {
            Some(n) if n >= 0.0 => None,
            Some(_) => Some("is negative".into()),
            None => Some("is neither a number nor Low/Medium/High".into()),
        },
        "confidence" => match (v.as_number(), v.rank()) {
            (Some(n), _) if (0.0..=1.0).contains(&n) => None,
            (Some(_), _) => Some("is outside 0..1".into()),
            (None, Some(_)) => None,
            (None, None) => Some("is neither a number in 0..1 nor Low/Medium/High".into()),
        },
        "horizon" if !HORIZONS.contains(&value) => {
            Some(format!("is not one of {}", HORIZONS.join(", ")))
        }
        "reference" if value.trim().is_empty() => Some("is empty".into()),
        _ => None,
    }
}

fn fix_for(key: &str) -> String {
    match key {
        "ROI" => "write ROI as a non-negative number, e.g. ROI=4.8".into(),
        "confidence" => "write confidence as a number between 0 and 1, e.g. confidence=0.8".into(),
        "horizon" => "use one of horizon=Immediate, NearTerm, MidTerm, LongTerm, Strategic".into(),
        "reference" => {
            "name the file or symbol the question is about, e.g. reference=src/x.rs:fn".into()
        }
        k => format!("write {k} as a number or Low/Medium/High"),
    }
}

pub fn category(ctx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for step in &ctx.pack.steps {
        let Some(t) = step.header.tokens.iter().find(|t| t.key == "category") else {
            continue;
        };
        if header::is_placeholder(&t.value) || CATEGORIES.contains(&t.value.as_str()) {
            continue;
        }
        let close = CATEGORIES.iter().find(|c| {
            c.eq_ignore_ascii_case(&t.value)
                || c.replace([' ', '/'], "-") == t.value.to_ascii_lowercase()
        });
        let fix = match close {
            Some(c) => format!("write category={c}"),
            None => format!("use one of: {}", CATEGORIES.join(", ")),
        };
        out.push(
            Diagnostic::new(
                "header.category",
                Severity::Error,
                format!(
                    "step {}: category={} is not one of the ten pack categories",
                    step.id, t.value
                ),
            )
            .at(step.line, token_col(ctx, step, t.offset))
            .width(9 + t.value.chars().count())
            .step(step.id.clone())
            .fix(fix),
        );
    }
    out
}

pub fn order(ctx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let keyed: Vec<(&Step, f64, Option<f64>)> = ctx
        .pack
        .steps
        .iter()
        .filter_map(|s| {
            Some((
                s,
                s.roi()?,
                s.header.meta.effort.as_ref().and_then(Value::rank),
            ))
        })
        .collect();
    for pair in keyed.windows(2) {
        let (prev, proi, peff) = pair[0];
        let (cur, croi, ceff) = pair[1];
        let bad_roi = croi > proi;
        let bad_tie = croi == proi && matches!((peff, ceff), (Some(a), Some(b)) if b < a);
        if !(bad_roi || bad_tie) {
            continue;
        }
        let msg = if bad_roi {
            format!(
                "step {} has ROI={croi} after step {} with ROI={proi}; steps must be ordered by ROI descending",
                cur.id, prev.id
            )
        } else {
            format!(
                "steps {} and {} tie on ROI={croi} but effort {} comes after effort {}; ties go by effort ascending",
                prev.id,
                cur.id,
                ceff.unwrap_or(0.0),
                peff.unwrap_or(0.0)
            )
        };
        let col = cur
            .header
            .tokens
            .iter()
            .find(|t| t.key == "ROI")
            .map(|t| token_col(ctx, cur, t.offset))
            .unwrap_or(1);
        out.push(
            Diagnostic::new("order.roi", Severity::Warning, msg)
                .at(cur.line, col)
                .width(4 + format!("{croi}").len())
                .step(cur.id.clone())
                .fix("reorder the steps (and renumber them) by ROI descending, ties by effort ascending"),
        );
    }
    out
}
