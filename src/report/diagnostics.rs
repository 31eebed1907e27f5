//! Human rendering of diagnostics: rustc-style, with the source line and a caret, grouped
//! by step. Long lines are windowed around the column so a 100 KiB line stays readable.

use std::fmt::Write;

use super::style::Style;
use crate::pack::{Diagnostic, Severity, SourceFile};

const WINDOW: usize = 100;

fn sev(style: &Style, s: Severity) -> String {
    match s {
        Severity::Error => style.paint("1;31", "error"),
        Severity::Warning => style.paint("1;33", "warning"),
        Severity::Info => style.paint("1;36", "info"),
    }
}

/// One diagnostic as text (ends with a newline).
pub fn render_one(src: &SourceFile, d: &Diagnostic, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}[{}]: {}", sev(style, d.severity), d.rule, d.message);
    if d.line == 0 {
        let _ = writeln!(out, "  --> {}", src.name);
    } else {
        let _ = writeln!(out, "  --> {}:{}:{}", src.name, d.line, d.column.max(1));
        let num = d.line.to_string();
        let pad = " ".repeat(num.len());
        let text: Vec<char> = src.line_text(d.line).chars().collect();
        let col = d.column.max(1) - 1;
        // Window the line so the caret stays on screen.
        let start = if text.len() > WINDOW && col > WINDOW / 2 {
            col - WINDOW / 2
        } else {
            0
        };
        let end = (start + WINDOW).min(text.len());
        let mut shown: String = text[start.min(end)..end].iter().collect();
        if start > 0 {
            shown.insert(0, '…');
        }
        if end < text.len() {
            shown.push('…');
        }
        let shown = shown.replace('\t', " ");
        let caret_at = col - start + usize::from(start > 0);
        let width = d.width.max(1).min(end.saturating_sub(col).max(1));
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{} | {}", style.paint("1;34", &num), shown);
        let _ = writeln!(
            out,
            "{pad} | {}{}",
            " ".repeat(caret_at),
            style.paint("1;31", &"^".repeat(width))
        );
    }
    if !d.fix.is_empty() {
        let _ = writeln!(out, "  = fix: {}", d.fix);
    }
    out
}

/// All diagnostics: pack-level first, then one group per step in step order.
pub fn render_grouped(src: &SourceFile, diags: &[Diagnostic], style: &Style) -> String {
    let mut out = String::new();
    let mut groups: std::collections::BTreeMap<Option<&str>, Vec<&Diagnostic>> = Default::default();
    for d in diags {
        groups.entry(d.step.as_deref()).or_default().push(d);
    }
    for (step, ds) in groups {
        if let Some(id) = step {
            let _ = writeln!(out, "{}", style.paint("1", &format!("── step {id} ──")));
        }
        for d in ds {
            out.push_str(&render_one(src, d, style));
            out.push('\n');
        }
    }
    out
}
