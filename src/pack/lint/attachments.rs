//! Attachments (`-f/--file`): present on disk, and minimal.

use super::Ctx;
use crate::pack::diagnostic::{Diagnostic, Severity};
use crate::pack::invocation::Arg;

/// The contract: the reference file plus at most two neighbours.
pub const MAX_ATTACHMENTS: usize = 3;

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn at(ctx: &Ctx, d: Diagnostic, a: &Arg) -> Diagnostic {
    let (line, col) = ctx.pack.source.line_col(a.span.start);
    let w = ctx.pack.source.text[a.span.clone()]
        .chars()
        .take_while(|c| *c != '\n')
        .count();
    d.at(line, col).width(w)
}

pub fn missing(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let mut out = Vec::new();
    let mut dynamic = 0;
    for (step, inv) in pack.invocations() {
        if !inv.dynamic_args.is_empty() {
            dynamic += 1;
        }
        for a in &inv.files {
            let v = pack.expand(&a.value);
            if v.contains('$') || v.contains('`') {
                dynamic += 1;
                continue;
            }
            if is_glob(&v) {
                continue;
            }
            let p = ctx.opts.root.join(&v);
            if !p.exists() {
                out.push(at(
                    ctx,
                    Diagnostic::new(
                        "attach.missing",
                        Severity::Error,
                        format!("step {}: attached file {v} does not exist under {}", step.id, ctx.opts.root.display()),
                    )
                    .step(step.id.clone())
                    .fix("fix the path, create the file, or run from the project root (--work-dir <dir>)"),
                    a,
                ));
            }
        }
    }
    if dynamic > 0 {
        out.push(
            Diagnostic::new(
                "attach.missing",
                Severity::Info,
                format!("{dynamic} call(s) compute attachments at run time (e.g. \"${{ticket_args[@]}}\"); they are checked when the step runs"),
            )
            .fix("use literal -f paths to have them checked before the run"),
        );
    }
    out
}

pub fn broad(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let mut out = Vec::new();
    for (step, inv) in pack.invocations() {
        for a in &inv.files {
            let v = pack.expand(&a.value);
            let is_dir = !v.contains('$') && (v.ends_with('/') || ctx.opts.root.join(&v).is_dir());
            if is_glob(&v) || is_dir {
                let what = if is_glob(&v) { "a glob" } else { "a directory" };
                out.push(at(
                    ctx,
                    Diagnostic::new(
                        "attach.broad",
                        Severity::Warning,
                        format!(
                            "step {}: attachment {v} is {what}; it can pull in many files",
                            step.id
                        ),
                    )
                    .step(step.id.clone())
                    .fix("attach the reference file and at most two neighbours by exact path"),
                    a,
                ));
            }
        }
        let n = inv.files.len();
        if n > MAX_ATTACHMENTS {
            let (line, col) = pack.source.line_col(inv.span.start);
            out.push(
                Diagnostic::new(
                    "attach.broad",
                    Severity::Warning,
                    format!("step {}: {n} attachments; the contract is the reference file plus 0-2 neighbours", step.id),
                )
                .at(line, col)
                .width(inv.provider.len())
                .step(step.id.clone())
                .fix("drop the attachments the question does not need"),
            );
        }
    }
    out
}
