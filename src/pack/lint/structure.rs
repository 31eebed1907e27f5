//! Document and step structure: fences, step count, ids, near-miss headers.

use super::Ctx;
use crate::pack::diagnostic::{Diagnostic, Severity};

fn compat_of(ctx: &Ctx, id: &str) -> Vec<Diagnostic> {
    ctx.structure
        .iter()
        .filter(|d| d.rule == id)
        .cloned()
        .map(|mut d| {
            d.severity = Severity::Error;
            d
        })
        .collect()
}

pub fn fence_count(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let mut out = compat_of(ctx, "fence.count");
    let Some(bash) = &pack.bash else {
        return out;
    };
    let bash_fence = &pack.fences[bash.fence];
    if bash_fence.close_line.is_none() {
        out.push(
            Diagnostic::new(
                "fence.count",
                Severity::Error,
                "the ```bash fence is never closed; the script runs to the end of the file",
            )
            .at(bash_fence.open_line, 1)
            .width(7)
            .fix("close the script with a ``` line after the last step"),
        );
    }
    for (i, f) in pack.fences.iter().enumerate() {
        if i == bash.fence {
            continue;
        }
        let what = if f.info.is_empty() {
            "a bare ``` fence".to_string()
        } else {
            format!("a ```{} fence", f.info)
        };
        let extra = if f.is_bash() {
            "a second bash block is ignored by the runner"
        } else {
            "the contract allows exactly one fenced block"
        };
        out.push(
            Diagnostic::new(
                "fence.count",
                Severity::Error,
                format!(
                    "{what} besides the ```bash block at line {}; {extra}",
                    bash_fence.open_line
                ),
            )
            .at(f.open_line, 1)
            .width(3)
            .fix("remove the fence or turn it into prose; keep exactly one ```bash block"),
        );
    }
    out
}

pub fn fence_nested(ctx: &Ctx) -> Vec<Diagnostic> {
    compat_of(ctx, "fence.nested")
}

pub fn steps_count(ctx: &Ctx) -> Vec<Diagnostic> {
    if ctx.pack.bash.is_none() {
        return Vec::new();
    }
    compat_of(ctx, "steps.count")
}

pub fn steps_duplicate(ctx: &Ctx) -> Vec<Diagnostic> {
    compat_of(ctx, "steps.duplicate")
}

pub fn steps_sequence(ctx: &Ctx) -> Vec<Diagnostic> {
    compat_of(ctx, "steps.sequence")
}

pub fn header_malformed(ctx: &Ctx) -> Vec<Diagnostic> {
    ctx.pack
        .near_headers
        .iter()
        .map(|&line| {
            let text = ctx.pack.source.line_text(line).trim();
            Diagnostic::new(
                "header.malformed",
                Severity::Warning,
                format!("`{}` looks like a step header but is not one, so it is part of the previous step", truncate(text, 60)),
            )
            .at(line, 1)
            .width(text.chars().count().min(8))
            .fix("write step headers as `# NN) ...` with exactly two digits")
        })
        .collect()
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}
