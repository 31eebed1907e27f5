//! LLM calls and where they write: presence, path safety, naming, collisions.

use std::collections::BTreeMap;

use super::Ctx;
use crate::pack::diagnostic::{Diagnostic, Severity};
use crate::pack::invocation::Arg;
use crate::pack::{OutDirSource, Step};

pub use crate::answers::CHUNK_SUFFIXES;

fn at_arg(ctx: &Ctx, d: Diagnostic, a: &Arg) -> Diagnostic {
    let (line, col) = ctx.pack.source.line_col(a.span.start);
    let w = ctx.pack.source.text[a.span.clone()]
        .lines()
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(1);
    d.at(line, col).width(w)
}

pub fn invocation(ctx: &Ctx) -> Vec<Diagnostic> {
    ctx.pack
        .steps
        .iter()
        .filter(|s| s.invocations.is_empty())
        .map(|s| {
            Diagnostic::new("step.invocation", Severity::Error, format!("step {} calls no LLM CLI (oracle, codex, gemini, claude)", s.id))
                .at(s.line, 1)
                .width(5)
                .step(s.id.clone())
                .fix("add the step's `oracle ... -p \"<question>\" --write-output \"<out_dir>/NN-<slug>.md\"` call")
        })
        .collect()
}

pub fn missing(ctx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (step, inv) in ctx.pack.invocations() {
        if inv.write_outputs.is_empty() {
            let (line, col) = ctx.pack.source.line_col(inv.span.start);
            out.push(
                Diagnostic::new(
                    "output.missing",
                    Severity::Error,
                    format!(
                        "step {}: this {} call has no --write-output, so its answer is lost",
                        step.id, inv.provider
                    ),
                )
                .at(line, col)
                .width(inv.provider.len())
                .step(step.id.clone())
                .fix(format!(
                    "add --write-output \"<out_dir>/{}-<slug>.md\"",
                    step.id
                )),
            );
        }
    }
    out
}

/// Lexical normalization of a relative path: `a/./b` → `a/b`; `..` kept (it is the finding).
fn normalize(p: &str) -> String {
    p.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

pub fn path(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let mut out = Vec::new();
    let out_dir = pack
        .prelude
        .out_dir
        .as_ref()
        .map(|o| normalize(&pack.expand(&o.value)));
    let any_output = pack.invocations().any(|(_, i)| !i.write_outputs.is_empty());
    if any_output
        && matches!(&pack.prelude.out_dir, Some(o) if o.source == OutDirSource::ParsedArgs)
    {
        let o = pack
            .prelude
            .out_dir
            .as_ref()
            .map(|o| (o.line, o.value.clone()))
            .unwrap_or_default();
        out.push(
            Diagnostic::new("output.path", Severity::Info, format!("no out_dir=\"...\" in the script prelude; outputs are checked against `out_dir: {}` from line {}", o.1, o.0))
                .at(o.0, 1)
                .fix("declare out_dir=\"...\" in the prelude so the runner and steps share it"),
        );
    } else if any_output && out_dir.is_none() && ctx.opts.kind == super::PackKind::QuestionPack {
        let line = pack.bash.as_ref().map(|b| b.first_line).unwrap_or(1);
        out.push(
            Diagnostic::new("output.path", Severity::Warning, "no out_dir is declared, so output locations cannot be checked")
                .at(line, 1)
                .fix("declare out_dir=\"docs/oracle-questions-YYYY-MM-DD\" in the prelude and write outputs under \"$out_dir/\""),
        );
    }
    for (step, inv) in pack.invocations() {
        for a in &inv.write_outputs {
            let v = pack.expand(&a.value);
            let d = |msg: String, fix: &str| {
                at_arg(
                    ctx,
                    Diagnostic::new("output.path", Severity::Error, msg)
                        .step(step.id.clone())
                        .fix(fix),
                    a,
                )
            };
            if v.starts_with('/') || v.starts_with('~') {
                out.push(d(format!("step {}: --write-output {v} is absolute; outputs must stay inside the project", step.id), "write to a path relative to the project root, under out_dir"));
                continue;
            }
            if v.split('/').any(|c| c == "..") {
                out.push(d(format!("step {}: --write-output {v} contains `..` and can escape the output directory", step.id), "remove the `..` component; write under out_dir"));
                continue;
            }
            if v.contains('$') || v.contains('`') {
                out.push(
                    d(
                        format!(
                            "step {}: --write-output {} is only known at run time",
                            step.id, a.value
                        ),
                        "use a literal path or $out_dir/NN-<slug>.md",
                    )
                    .severity_info(),
                );
                continue;
            }
            if let Some(dir) = &out_dir
                && !dir.is_empty()
                && !normalize(&v).starts_with(&format!("{dir}/"))
            {
                out.push(d(
                    format!(
                        "step {}: --write-output {v} is not under out_dir {dir}",
                        step.id
                    ),
                    "write the answer to \"$out_dir/NN-<slug>.md\"",
                ));
            }
        }
    }
    out
}

trait InfoSeverity {
    fn severity_info(self) -> Self;
}

impl InfoSeverity for Diagnostic {
    fn severity_info(mut self) -> Self {
        self.severity = Severity::Info;
        self
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `NN-<slug>.md` → (NN, slug).
fn split_name(file: &str) -> Option<(&str, &str)> {
    let stem = file.strip_suffix(".md")?;
    let (nn, slug) = stem.split_once('-')?;
    (nn.len() == 2 && nn.bytes().all(|c| c.is_ascii_digit())).then_some((nn, slug))
}

pub fn naming(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let mut out = Vec::new();
    for step in &pack.steps {
        let outs: Vec<&Arg> = step
            .invocations
            .iter()
            .flat_map(|i| i.write_outputs.iter())
            .collect();
        let mut plain = Vec::new();
        let mut chunks: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for a in &outs {
            let v = pack.expand(&a.value);
            let file = v.rsplit('/').next().unwrap_or(&v);
            if file.contains('$') {
                continue;
            }
            match split_name(file) {
                Some((nn, slug)) if nn == step.id && is_slug(slug) => {
                    match CHUNK_SUFFIXES.iter().find(|s| slug.ends_with(&format!("-{s}"))) {
                        Some(s) => chunks.entry(slug[..slug.len() - s.len() - 1].to_string()).or_default().push(s),
                        None => plain.push(*a),
                    }
                }
                Some((nn, _)) if nn != step.id => out.push(at_arg(ctx, Diagnostic::new("output.naming", Severity::Error, format!("step {} writes {file}, which carries the prefix of step {nn}", step.id)).step(step.id.clone()).fix(format!("name the output {}-<slug>.md", step.id)), a)),
                _ => out.push(at_arg(ctx, Diagnostic::new("output.naming", Severity::Error, format!("step {}: output {file} is not named {}-<slug>.md (lowercase slug, hyphens)", step.id, step.id)).step(step.id.clone()).fix(format!("rename it to {}-<slug>.md", step.id)), a)),
            }
        }
        let sets = chunks.len() + usize::from(!plain.is_empty());
        if sets > 1 || plain.len() > 1 {
            let first = outs
                .first()
                .map(|a| pack.source.line_of(a.span.start))
                .unwrap_or(step.line);
            out.push(
                Diagnostic::new(
                    "output.naming",
                    Severity::Error,
                    format!(
                        "step {} has {} --write-output paths; expected one (or one chunk set)",
                        step.id,
                        outs.len()
                    ),
                )
                .at(first, 1)
                .step(step.id.clone())
                .fix("write one answer file per step, or the four chunk files of one slug"),
            );
        }
        for (stem, got) in &chunks {
            let lacking: Vec<&str> = CHUNK_SUFFIXES
                .iter()
                .copied()
                .filter(|s| !got.contains(s))
                .collect();
            if !lacking.is_empty() {
                out.push(
                    Diagnostic::new("output.naming", Severity::Error, format!("step {}: chunk set {}-{stem} lacks {}", step.id, step.id, lacking.join(", ")))
                        .at(step.line, 1)
                        .step(step.id.clone())
                        .fix("write all four chunks (direct-answer, risks-unknowns, next-experiment, missing-evidence) or one single answer"),
                );
            }
        }
    }
    out
}

pub fn duplicate(ctx: &Ctx) -> Vec<Diagnostic> {
    let pack = ctx.pack;
    let mut seen: BTreeMap<String, (&Step, usize)> = BTreeMap::new();
    let mut out = Vec::new();
    for (step, inv) in pack.invocations() {
        for a in &inv.write_outputs {
            let v = normalize(&pack.expand(&a.value));
            if v.contains('$') {
                continue;
            }
            let line = pack.source.line_of(a.span.start);
            if let Some((other, l)) = seen.get(&v) {
                out.push(at_arg(
                    ctx,
                    Diagnostic::new(
                        "output.duplicate",
                        Severity::Error,
                        format!(
                            "step {} writes {v}, which step {} already writes at line {l}",
                            step.id, other.id
                        ),
                    )
                    .step(step.id.clone())
                    .fix("give every call its own output file"),
                    a,
                ));
            } else {
                seen.insert(v, (step, line));
            }
        }
    }
    out
}
