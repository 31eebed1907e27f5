//! Script-wide text rules: unresolved placeholders and orphaned flag lines.

use super::Ctx;
use crate::pack::diagnostic::{Diagnostic, Severity};
use crate::pack::header;
use crate::pack::invocation::command_name_index;

/// `{{name}}` and `__NAME__` occurrences in `line`: (byte offset, text).
fn placeholders(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = line[from..].find("{{") {
        let s = from + p;
        match line[s..].find("}}") {
            Some(e) => {
                out.push((s, &line[s..s + e + 2]));
                from = s + e + 2;
            }
            None => break,
        }
    }
    let b = line.as_bytes();
    let mut i = 0;
    while i + 4 < b.len() {
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if boundary && b[i] == b'_' && b[i + 1] == b'_' && b[i + 2].is_ascii_uppercase() {
            let n = b[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_')
                .count();
            let end = i + 2 + n;
            if n >= 2 && line[i..end].ends_with("__") && !line[i + 2..end - 2].is_empty() {
                let after_ok = end == b.len() || !(b[end].is_ascii_alphanumeric());
                if after_ok {
                    out.push((i, &line[i..end]));
                    i = end;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

pub fn placeholder(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let mut out = Vec::new();
    for l in &pack.script.lines {
        let text = &pack.source.text[l.span.clone()];
        for (off, ph) in placeholders(text) {
            let col = text[..off].chars().count() + 1;
            out.push(
                Diagnostic::new(
                    "placeholder",
                    Severity::Error,
                    format!("unresolved placeholder {ph}"),
                )
                .at(l.number, col)
                .width(ph.chars().count())
                .fix("fill in the template value (or render the pack from a manifest)"),
            );
        }
    }
    for step in &pack.steps {
        for t in &step.header.tokens {
            if header::is_placeholder(&t.value) && !t.value.contains("{{") {
                let line = pack.source.line_text(step.line);
                let col = line
                    .find(&step.header.raw)
                    .map(|p| line[..p + t.offset].chars().count() + 1)
                    .unwrap_or(1);
                let shown = if t.value.is_empty() {
                    "an empty value".to_string()
                } else {
                    t.value.clone()
                };
                out.push(
                    Diagnostic::new(
                        "placeholder",
                        Severity::Error,
                        format!("step {}: {}= has placeholder {shown}", step.id, t.key),
                    )
                    .at(step.line, col)
                    .width(t.key.len() + 1 + t.value.chars().count())
                    .step(step.id.clone())
                    .fix(format!("give {} a real value", t.key)),
                );
            }
        }
    }
    out
}

pub fn orphan_flags(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let text = &pack.source.text;
    let mut out = Vec::new();
    for cmd in &pack.script.commands {
        let Some(i) = command_name_index(text, cmd) else {
            continue;
        };
        let w = &cmd.words[i];
        let name = &text[w.span.clone()];
        if !name.starts_with('-') || name == "-" {
            continue;
        }
        let line = pack.source.line_of(w.span.start);
        if cmd.words.len() == 1
            && name == "--write-output"
            && pack.prelude.write_output_convention == Some(line)
        {
            continue; // the prelude's `--write-output` convention line (seed 001 T2)
        }
        let (line, col) = pack.source.line_col(w.span.start);
        let prev = line.saturating_sub(1);
        out.push(
            Diagnostic::new(
                "flag.orphan",
                Severity::Error,
                format!("`{name}` starts a new command: line {prev} does not end with `\\`, so bash runs `{name}` as a program"),
            )
            .at(line, col)
            .width(name.chars().count())
            .fix(format!("end line {prev} with ` \\` to continue the command, or move `{name}` onto it")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn finds_template_placeholders() {
        let p = placeholders("a {{x}} b __PRD_PATH__ c __init__ d x__Y__");
        let found: Vec<&str> = p.iter().map(|x| x.1).collect();
        assert_eq!(found, vec!["{{x}}", "__PRD_PATH__"]);
    }
}
