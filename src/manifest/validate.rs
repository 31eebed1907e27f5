//! `manifest validate`: JSON syntax, the schema (every violation, not the first), then
//! the rules a schema cannot express. Every finding carries a JSON pointer and the
//! line:column of the place it points at.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::locate::{Locator, escape_token};
use super::{Manifest, render, schema};
use crate::pack::header::{self, KEYS};
use crate::pack::{Diagnostic, Severity, SourceFile};

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ManifestDiagnostic {
    /// RFC 6901 pointer into the manifest (`""` is the whole document).
    pub pointer: String,
    #[serde(flatten)]
    pub diag: Diagnostic,
}

#[derive(Debug)]
pub(crate) struct Outcome {
    pub source: SourceFile,
    /// Set when the document is valid JSON that satisfies the schema.
    pub manifest: Option<Manifest>,
    /// The schema verdict alone (what any Draft 2020-12 validator would say).
    pub schema_valid: bool,
    pub diagnostics: Vec<ManifestDiagnostic>,
}

impl Outcome {
    pub(crate) fn valid(&self) -> bool {
        self.manifest.is_some()
            && !self
                .diagnostics
                .iter()
                .any(|d| d.diag.severity == Severity::Error)
    }
}

struct Ctx<'a> {
    src: &'a SourceFile,
    loc: Locator,
    out: Vec<ManifestDiagnostic>,
}

impl Ctx<'_> {
    fn push_at(&mut self, pointer: &str, offset: usize, width: usize, d: Diagnostic) {
        let (line, col) = self.src.line_col(offset);
        let mut d = d.at(line, col).width(width);
        if d.step.is_none() {
            d.step = step_of(pointer);
        }
        self.out.push(ManifestDiagnostic {
            pointer: pointer.to_string(),
            diag: d,
        });
    }

    /// At the value `pointer` names (or its nearest existing ancestor).
    fn push(&mut self, pointer: &str, d: Diagnostic) {
        let off = self.loc.offset(pointer);
        let width = self.value_width(pointer);
        self.push_at(pointer, off, width, d);
    }

    /// At the member name of `pointer` (for unknown properties).
    fn push_key(&mut self, pointer: &str, name: &str, d: Diagnostic) {
        match self.loc.key_offset(pointer) {
            Some(off) => self.push_at(pointer, off, name.chars().count() + 2, d),
            None => self.push(pointer, d),
        }
    }

    fn value_width(&self, pointer: &str) -> usize {
        self.loc
            .get(pointer)
            .map(|s| {
                self.src.text[s.value.clone()]
                    .lines()
                    .next()
                    .map(|l| l.chars().count())
                    .unwrap_or(1)
            })
            .unwrap_or(1)
    }
}

/// `/steps/3/...` → `"04"` (the step the finding belongs to, by position).
fn step_of(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/steps/")?;
    let n: usize = rest.split('/').next()?.parse().ok()?;
    Some(format!("{:02}", n + 1))
}

fn shown(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

fn preview(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

pub(crate) fn validate(source: SourceFile) -> Outcome {
    let mut ctx = Ctx {
        src: &source,
        loc: Locator::default(),
        out: Vec::new(),
    };
    if source.lossy {
        ctx.push_at(
            "",
            0,
            1,
            Diagnostic::new(
                "json.encoding",
                Severity::Error,
                "the file is not valid UTF-8; invalid bytes were replaced with U+FFFD",
            )
            .fix("save the manifest as UTF-8"),
        );
    }
    let value: Value = match serde_json::from_str(&source.text) {
        Ok(v) => v,
        Err(e) => {
            // serde_json counts the column in bytes from the line start.
            let line = e.line().max(1);
            let off = source.line_start(line) + e.column().saturating_sub(1);
            let off = off.min(source.line_range(line).end);
            ctx.push_at(
                "",
                off,
                1,
                Diagnostic::new("json.syntax", Severity::Error, format!("invalid JSON: {e}"))
                    .fix("fix the JSON syntax; the manifest must be one JSON object"),
            );
            let diagnostics = ctx.out;
            return Outcome {
                source,
                manifest: None,
                schema_valid: false,
                diagnostics,
            };
        }
    };
    ctx.loc = Locator::new(&source.text);
    let schema_valid = schema_errors(&mut ctx, &value);
    semantic(&mut ctx, &value);
    let mut manifest = None;
    if schema_valid {
        match serde_json::from_value::<Manifest>(value) {
            Ok(m) => {
                if !ctx.out.iter().any(|d| d.diag.severity == Severity::Error) {
                    render_check(&mut ctx, &m);
                }
                manifest = Some(m);
            }
            Err(e) => ctx.push(
                "",
                Diagnostic::new(
                    "schema",
                    Severity::Error,
                    format!("the manifest satisfies the schema but cannot be read: {e}"),
                ),
            ),
        }
    }
    let mut diagnostics = ctx.out;
    diagnostics.sort_by(|a, b| {
        (a.diag.line, a.diag.column, a.diag.rule, &a.diag.message).cmp(&(
            b.diag.line,
            b.diag.column,
            b.diag.rule,
            &b.diag.message,
        ))
    });
    Outcome {
        source,
        manifest,
        schema_valid,
        diagnostics,
    }
}

/// Every schema violation; returns the schema verdict.
fn schema_errors(ctx: &mut Ctx, value: &Value) -> bool {
    let v = match schema::validator() {
        Ok(v) => v,
        Err(e) => {
            ctx.push("", Diagnostic::new("schema", Severity::Error, e));
            return false;
        }
    };
    let mut valid = true;
    for e in v.iter_errors(value) {
        valid = false;
        let ptr = e.instance_path().as_str().to_string();
        let kind = e.kind();
        let rule = schema::rule_for_keyword(kind.keyword());
        use jsonschema::error::ValidationErrorKind as K;
        match kind {
            K::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    let p = format!("{ptr}/{}", escape_token(name));
                    ctx.push_key(
                        &p,
                        name,
                        Diagnostic::new(
                            rule,
                            Severity::Error,
                            format!("{}: unknown property \"{name}\"", shown(&ptr)),
                        )
                        .fix("remove it or fix its spelling; see `oraclepack manifest schema`"),
                    );
                }
            }
            K::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                ctx.push(
                    &ptr,
                    Diagnostic::new(
                        rule,
                        Severity::Error,
                        format!("{}: missing required property \"{name}\"", shown(&ptr)),
                    )
                    .fix(format!("add \"{name}\"")),
                );
            }
            K::MinItems { .. } | K::MaxItems { .. } if ptr == "/steps" => {
                let n = e.instance().as_array().map(Vec::len).unwrap_or(0);
                ctx.push(
                    &ptr,
                    Diagnostic::new(
                        rule,
                        Severity::Error,
                        format!("/steps has {n} steps; a pack has exactly 20"),
                    )
                    .fix("write exactly 20 steps with ids \"01\"..\"20\""),
                );
            }
            _ => {
                let mut msg = e.to_string();
                let inst = e.instance().to_string();
                if inst.chars().count() > 40 {
                    msg = msg.replacen(&inst, &preview(e.instance()), 1);
                }
                ctx.push(
                    &ptr,
                    Diagnostic::new(rule, Severity::Error, format!("{}: {msg}", shown(&ptr))),
                );
            }
        }
    }
    valid
}

fn is_unsafe_path(p: &str) -> Option<&'static str> {
    if p.starts_with('/') || p.starts_with('~') {
        Some("is absolute; it must be relative to the project root")
    } else if p.split('/').any(|c| c == "..") {
        Some("contains `..` and can escape the project")
    } else if p.contains(['$', '`', '"', '\\', '\n', '\r']) {
        Some("contains shell-special characters ($ ` \" \\ or a newline)")
    } else {
        None
    }
}

/// What the schema cannot say. Works on the raw value so it reports alongside schema
/// errors (every violation at once); each check skips values of the wrong type, which
/// the schema already reported.
fn semantic(ctx: &mut Ctx, value: &Value) {
    if let Some(p) = value.get("out_dir").and_then(Value::as_str)
        && let Some(why) = is_unsafe_path(p)
    {
        ctx.push(
            "/out_dir",
            Diagnostic::new(
                "manifest.path",
                Severity::Error,
                format!("/out_dir: {p} {why}"),
            )
            .fix("use a relative directory such as docs/oracle-questions-YYYY-MM-DD"),
        );
    }
    for field in ["preamble", "postamble"] {
        if let Some(text) = value.get(field).and_then(Value::as_str) {
            let f = crate::pack::markdown::fences(&SourceFile::new(field, text.to_string()));
            if let Some(first) = f.first() {
                ctx.push(
                    &format!("/{field}"),
                    Diagnostic::new(
                        "manifest.fence",
                        Severity::Error,
                        format!("/{field}: contains a fenced code block (its line {}); the rendered pack must have exactly one fence, the ```bash block", first.open_line),
                    )
                    .fix("indent the example by four spaces or move it into a step's bash"),
                );
            }
        }
    }
    let Some(steps) = value.get("steps").and_then(Value::as_array) else {
        return;
    };
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut prev: Option<(usize, f64, Option<f64>)> = None;
    for (i, s) in steps.iter().enumerate() {
        let base = format!("/steps/{i}");
        if let Some(id) = s.get("id").and_then(Value::as_str) {
            let expected = format!("{:02}", i + 1);
            let well_formed = id.len() == 2 && matches!(id.parse::<u32>(), Ok(1..=20));
            if let Some(first) = seen.get(id) {
                ctx.push(
                    &format!("{base}/id"),
                    Diagnostic::new(
                        "manifest.id-duplicate",
                        Severity::Error,
                        format!("{base}/id: id \"{id}\" is already used by /steps/{first}"),
                    )
                    .fix(format!(
                        "number the steps 01..20 in order; this one is \"{expected}\""
                    )),
                );
            } else if well_formed && id != expected {
                ctx.push(
                    &format!("{base}/id"),
                    Diagnostic::new(
                        "manifest.id-order",
                        Severity::Error,
                        format!("{base}/id: id \"{id}\" out of order; step {} of the list must be \"{expected}\"", i + 1),
                    )
                    .fix("number the steps 01..20 in list order"),
                );
            }
            seen.entry(id).or_insert(i);
        }
        if let Some(t) = s.get("title").and_then(Value::as_str)
            && let Some(k) = token_in_title(t)
        {
            ctx.push(
                &format!("{base}/title"),
                Diagnostic::new(
                    "manifest.title",
                    Severity::Error,
                    format!(
                        "{base}/title: contains `{k}=`, which the header would read as a token"
                    ),
                )
                .fix("put the value in its own field (roi, impact, ...) and keep the title prose"),
            );
        }
        let bash = s.get("bash").and_then(Value::as_str);
        let prompt = s.get("prompt").and_then(Value::as_str);
        if bash.is_some_and(|b| b.trim().is_empty()) && prompt.is_none() {
            ctx.push(
                &format!("{base}/bash"),
                Diagnostic::new(
                    "manifest.empty-step",
                    Severity::Error,
                    format!("{base}/bash: the step has no commands and no prompt"),
                )
                .fix("write the step's commands in bash, or give a prompt to generate the oracle call"),
            );
        }
        if let Some(files) = s.get("files").and_then(Value::as_array) {
            for (j, f) in files.iter().enumerate() {
                let Some(f) = f.as_str() else { continue };
                let p = format!("{base}/files/{j}");
                if let Some(why) = is_unsafe_path(f) {
                    ctx.push(
                        &p,
                        Diagnostic::new(
                            "manifest.path",
                            Severity::Error,
                            format!("{p}: {f} {why}"),
                        )
                        .fix("attach files by their path relative to the project root"),
                    );
                } else if f.contains(['*', '?', '[']) || f.ends_with('/') {
                    ctx.push(
                        &p,
                        Diagnostic::new(
                            "manifest.attach-broad",
                            Severity::Warning,
                            format!("{p}: {f} is a glob or directory; it can pull in many files"),
                        )
                        .fix("attach the reference file and at most two neighbours by exact path"),
                    );
                }
            }
        }
        if let (Some(o), Some(id)) = (
            s.get("output").and_then(Value::as_str),
            s.get("id").and_then(Value::as_str),
        ) && !o.starts_with(&format!("{id}-"))
        {
            let p = format!("{base}/output");
            ctx.push(
                &p,
                Diagnostic::new(
                    "manifest.path",
                    Severity::Error,
                    format!("{p}: {o} does not carry the step's prefix {id}-"),
                )
                .fix(format!("name it {id}-<slug>.md")),
            );
        }
        // ROI descending, ties by effort ascending (the strict pack rule `order.roi`).
        if let Some(roi) = s.get("roi").and_then(Value::as_f64) {
            let effort = s.get("effort").and_then(level_rank);
            if let Some((pi, proi, peff)) = prev {
                let tie_bad = roi == proi && matches!((peff, effort), (Some(a), Some(b)) if b < a);
                if roi > proi || tie_bad {
                    ctx.push(
                        &format!("{base}/roi"),
                        Diagnostic::new(
                            "manifest.roi-order",
                            Severity::Warning,
                            if roi > proi {
                                format!("{base}/roi: ROI {roi} comes after /steps/{pi} with ROI {proi}; steps should be ordered by ROI descending")
                            } else {
                                format!("{base}/roi: ties on ROI {roi} with /steps/{pi} but has lower effort; ties go by effort ascending")
                            },
                        )
                        .fix("reorder (and renumber) the steps by ROI descending, ties by effort ascending"),
                    );
                }
            }
            prev = Some((i, roi, effort));
        }
    }
}

fn level_rank(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => header::Value::Word(s.clone()).rank(),
        _ => None,
    }
}

/// A known header key written as `key=` at a word start inside a title.
fn token_in_title(t: &str) -> Option<&'static str> {
    t.split([' ', '\t'])
        .filter_map(|w| w.split_once('=').map(|(k, _)| k))
        .find_map(|k| KEYS.iter().copied().find(|c| c.eq_ignore_ascii_case(k)))
}

/// The renderer's output must read back as the same 20 steps; a bash body with a line
/// that reads as a step header, or a heredoc left open, would change that.
fn render_check(ctx: &mut Ctx, m: &Manifest) {
    let text = render::render(m);
    let pack = crate::pack::parse(SourceFile::new("rendered", text));
    let ids: Vec<&str> = pack.steps.iter().map(|s| s.id.as_str()).collect();
    let expected: Vec<String> = (1..=20).map(|n| format!("{n:02}")).collect();
    if pack.bash.is_some() && ids.len() == 20 && ids.iter().zip(&expected).all(|(a, b)| a == b) {
        return;
    }
    // The first position where the read-back differs; the step before it wrote the
    // stray header (or swallowed the next one).
    let k = ids
        .iter()
        .zip(&expected)
        .position(|(a, b)| a != b)
        .unwrap_or(ids.len().min(20));
    let culprit = k.saturating_sub(1);
    let p = format!("/steps/{culprit}/bash");
    ctx.push(
        &p,
        Diagnostic::new(
            "manifest.render",
            Severity::Error,
            format!(
                "{p}: the rendered pack reads back as {} step(s) ({}); this step's bash contains a line that reads as a step header or leaves a heredoc open",
                ids.len(),
                ids.join(",")
            ),
        )
        .fix("indent or rephrase `# NN)` lines in the body, and close every heredoc"),
    );
}
