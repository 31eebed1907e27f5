//! Human rendering of a `verify-outputs` report: one line per problem (what, where, the
//! fix), then the summary.

use std::fmt::Write;

use super::style::Style;
use crate::pack::Severity;
use crate::run::verify_outputs::{Report, STEPS};

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(crate) fn human(r: &Report, style: &Style) -> String {
    let mut out = String::new();
    for p in &r.problems {
        let sev = match p.severity {
            Severity::Error => style.paint("1;31", "error"),
            Severity::Warning => style.paint("1;33", "warning"),
            Severity::Info => style.paint("1;36", "info"),
        };
        let _ = writeln!(out, "{sev}[{}]: {}; fix: {}", p.kind, p.message, p.fix);
    }
    let verdict = if r.valid {
        style.paint("1;32", "valid")
    } else {
        style.paint("1;31", "invalid")
    };
    let _ = write!(
        out,
        "{}: {}/{STEPS} steps have outputs; {verdict} ({}, {})",
        r.dir,
        r.complete,
        plural(r.errors(), "error"),
        plural(r.warnings(), "warning"),
    );
    let checked: Vec<_> = r.steps.iter().filter_map(|s| s.headings).collect();
    if !checked.is_empty() {
        let whole = checked.iter().filter(|h| h.missing().is_empty()).count();
        let _ = write!(
            out,
            "; {whole}/{} answers have all four sections",
            checked.len()
        );
    }
    out.push('\n');
    out
}
