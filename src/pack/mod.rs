//! Markdown pack → [`Pack`]: fence extraction, the heredoc-aware script scanner, step
//! headers, prelude, LLM invocations. Parsing never fails: a structurally broken pack still
//! yields a `Pack` so that every rule can report on it.

pub mod compat;
pub mod diagnostic;
pub mod header;
pub mod invocation;
pub mod lint;
pub mod markdown;
pub mod shell;
pub mod source;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

pub use diagnostic::{Diagnostic, Severity};
pub use header::Header;
pub use invocation::Invocation;
pub use markdown::Fence;
pub use shell::{LineCtx, Script};
pub use source::SourceFile;

#[derive(Debug, Clone)]
pub struct BashBlock {
    /// Index into [`Pack::fences`].
    pub fence: usize,
    /// Byte range of the script.
    pub content: Range<usize>,
    /// 1-based file line of the script's first line.
    pub first_line: usize,
    /// Set when the CommonMark fence closed inside a heredoc and the block was extended
    /// to the real closing fence at this line.
    pub recovered_close: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutDirSource {
    /// `out_dir="..."` in the script prelude.
    Prelude,
    /// `- out_dir: ...` in the document's "Parsed args" prose.
    ParsedArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutDir {
    pub value: String,
    pub line: usize,
    pub source: OutDirSource,
}

#[derive(Debug, Clone, Default)]
pub struct Prelude {
    /// 1-based file lines `[start, end)`.
    pub lines: Range<usize>,
    pub out_dir: Option<OutDir>,
    /// Line of a bare `--write-output` prelude line (the Go tool's convention).
    pub write_output_convention: Option<usize>,
    /// Simple top-level assignments (`name=value`), first one wins; sorted for determinism.
    pub vars: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// Two digits as written (`"07"`).
    pub id: String,
    pub number: u32,
    /// 1-based line of the header.
    pub line: usize,
    pub header: Header,
    /// 1-based file lines of the body `[start, end)` (header excluded).
    pub body_lines: Range<usize>,
    /// Byte range of the body.
    pub body: Range<usize>,
    pub invocations: Vec<Invocation>,
    /// `# ROI: x` comment in the body: the Go tool's fallback when the header has none.
    pub roi_comment: Option<f64>,
}

impl Step {
    pub fn roi(&self) -> Option<f64> {
        self.header
            .meta
            .roi
            .as_ref()
            .and_then(header::Value::as_number)
            .or(self.roi_comment)
    }
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub source: SourceFile,
    /// Every fenced block of the document (after nested-fence recovery).
    pub fences: Vec<Fence>,
    pub bash: Option<BashBlock>,
    pub script: Script,
    pub prelude: Prelude,
    pub steps: Vec<Step>,
    /// Lines that look like headers but do not match the grammar.
    pub near_headers: Vec<usize>,
}

impl Pack {
    pub fn script_text(&self) -> &str {
        self.bash
            .as_ref()
            .map(|b| &self.source.text[b.content.clone()])
            .unwrap_or("")
    }

    pub fn invocations(&self) -> impl Iterator<Item = (&Step, &Invocation)> {
        self.steps
            .iter()
            .flat_map(|s| s.invocations.iter().map(move |i| (s, i)))
    }

    /// The step whose header or body holds this file line.
    pub fn step_at_line(&self, line: usize) -> Option<&Step> {
        self.steps
            .iter()
            .find(|s| s.line == line || s.body_lines.contains(&line))
    }

    /// Replace `$name` / `${name}` of known prelude variables.
    pub fn expand(&self, s: &str) -> String {
        expand_vars(s, &self.prelude.vars)
    }
}

pub fn expand_vars(s: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('$') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(e) => (&inner[..e], e + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            (&after[..n], n)
        };
        match vars.get(name) {
            Some(v) if !name.is_empty() => {
                out.push_str(v);
                rest = &after[consumed..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Read a pack from its text. Never panics, never fails.
pub fn parse(source: SourceFile) -> Pack {
    let mut fences = markdown::fences(&source);
    let mut pack = Pack {
        source,
        fences: Vec::new(),
        bash: None,
        script: Script::default(),
        prelude: Prelude::default(),
        steps: Vec::new(),
        near_headers: Vec::new(),
    };
    let Some(bi) = fences.iter().position(Fence::is_bash) else {
        pack.fences = fences;
        return pack;
    };
    let src = &pack.source;
    let fence = &fences[bi];
    let first_line = fence.open_line + 1;
    let mut content = fence.content.clone();
    let mut script = shell::lex(&src.text, content.clone(), first_line);
    let mut recovered_close = None;
    // A bare ``` line inside a prompt heredoc closes the fence for CommonMark; the author
    // meant the fence that closes after the heredoc ends. Extend to the first fence line
    // that leaves the script balanced.
    if fence.close_line.is_some() && !script.is_balanced() {
        let mut line = fence.close_line.unwrap_or(0) + 1;
        while line <= src.line_count() {
            if markdown::is_closing_fence(src.line_text(line).trim()) {
                let end = src.line_start(line);
                let candidate = shell::lex(&src.text, content.start..end, first_line);
                if candidate.is_balanced() {
                    content = content.start..end;
                    script = candidate;
                    recovered_close = Some(line);
                    break;
                }
            }
            line += 1;
        }
    }
    if let Some(close) = recovered_close {
        // Re-read the Markdown after the real closing fence; blocks that CommonMark saw
        // in the swallowed region are part of the script.
        let after = src.line_range(close).end;
        let rest = SourceFile::new(src.name.clone(), src.text[after..].to_string());
        // Line 1 of `rest` is the (empty) remainder of the closing fence line.
        let shift_lines = close - 1;
        fences.truncate(bi + 1);
        fences[bi].close_line = Some(close);
        fences[bi].content = content.clone();
        for mut f in markdown::fences(&rest) {
            f.open_line += shift_lines;
            f.close_line = f.close_line.map(|l| l + shift_lines);
            f.span = f.span.start + after..f.span.end + after;
            f.content = f.content.start + after..f.content.end + after;
            fences.push(f);
        }
    }
    pack.fences = fences;
    pack.bash = Some(BashBlock {
        fence: bi,
        content: content.clone(),
        first_line,
        recovered_close,
    });
    build_steps(&mut pack, script);
    pack
}

fn build_steps(pack: &mut Pack, script: Script) {
    let src = &pack.source;
    let mut headers: Vec<(usize, usize)> = Vec::new(); // (line index in script, file line)
    for (k, l) in script.lines.iter().enumerate() {
        let trimmed = src.text[l.span.clone()].trim();
        if l.ctx != LineCtx::Code {
            continue;
        }
        if header::match_header(trimmed).is_some() {
            headers.push((k, l.number));
        } else if header::looks_like_header(trimmed) {
            pack.near_headers.push(l.number);
        }
    }
    let content_end = pack.bash.as_ref().map(|b| b.content.end).unwrap_or(0);
    let last_line = script.lines.last().map(|l| l.number + 1).unwrap_or(0);
    let first_line = pack.bash.as_ref().map(|b| b.first_line).unwrap_or(0);
    let prelude_end = headers.first().map(|h| h.1).unwrap_or(last_line);
    pack.prelude.lines = first_line..prelude_end;

    let line_of = |off: usize| src.line_of(off);
    for (n, &(k, line)) in headers.iter().enumerate() {
        let l = &script.lines[k];
        let trimmed = src.text[l.span.clone()].trim();
        let Some((id, rest)) = header::match_header(trimmed) else {
            continue;
        };
        let body_start = script
            .lines
            .get(k + 1)
            .map(|l| l.span.start)
            .unwrap_or(content_end);
        let (body_end, end_line) = match headers.get(n + 1) {
            Some(&(nk, nl)) => (script.lines[nk].span.start, nl),
            None => (content_end, last_line),
        };
        let cmds: Vec<&shell::Command> = script
            .commands
            .iter()
            .filter(|c| {
                c.words
                    .first()
                    .is_some_and(|w| w.span.start >= body_start && w.span.start < body_end)
            })
            .collect();
        let invocations = invocation::find(&src.text, &script, &cmds, line_of);
        let roi_comment = script.lines[k + 1..]
            .iter()
            .take_while(|bl| bl.span.start < body_end)
            .filter(|bl| bl.ctx == LineCtx::Code)
            .find_map(|bl| {
                let t = src.text[bl.span.clone()].trim();
                let v = t.strip_prefix('#')?.trim().strip_prefix("ROI:")?;
                v.trim().parse::<f64>().ok().filter(|x| x.is_finite())
            });
        pack.steps.push(Step {
            id: id.to_string(),
            number: id.parse().unwrap_or(0),
            line,
            header: header::parse(rest),
            body_lines: line + 1..end_line,
            body: body_start..body_end,
            invocations,
            roi_comment,
        });
    }
    prelude_info(pack, &script);
    pack.script = script;
}

fn prelude_info(pack: &mut Pack, script: &Script) {
    let src = &pack.source;
    let end = pack
        .steps
        .first()
        .map(|s| src.line_start(s.line))
        .unwrap_or(usize::MAX);
    for cmd in &script.commands {
        let Some(first) = cmd.words.first() else {
            continue;
        };
        if first.span.start >= end {
            break;
        }
        let raw = &src.text[first.span.clone()];
        if cmd.words.len() == 1 && raw == "--write-output" {
            pack.prelude.write_output_convention = Some(src.line_of(first.span.start));
            continue;
        }
        if cmd.words.len() != 1 {
            continue;
        }
        if let Some((k, v)) = raw.split_once('=')
            && !k.is_empty()
            && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            let value = shell::unquote(v).0;
            let value = expand_vars(&value, &pack.prelude.vars);
            if k == "out_dir" && pack.prelude.out_dir.is_none() {
                pack.prelude.out_dir = Some(OutDir {
                    value: value.clone(),
                    line: src.line_of(first.span.start),
                    source: OutDirSource::Prelude,
                });
            }
            pack.prelude.vars.entry(k.to_string()).or_insert(value);
        }
    }
    if pack.prelude.out_dir.is_none() {
        // "Parsed args" prose before the fence: `- out_dir: docs/x`.
        let open = pack.bash.as_ref().map(|b| b.first_line).unwrap_or(1);
        for line in 1..open {
            let t = src.line_text(line).trim();
            if let Some(v) = t
                .strip_prefix("- out_dir:")
                .or_else(|| t.strip_prefix("* out_dir:"))
                .map(|v| v.trim().trim_matches('`'))
                // Generators write `auto`/`Unknown` when they did not resolve a directory.
                .filter(|v| {
                    !v.is_empty()
                        && !["auto", "unknown", "none"].contains(&v.to_ascii_lowercase().as_str())
                })
            {
                pack.prelude.out_dir = Some(OutDir {
                    value: v.to_string(),
                    line,
                    source: OutDirSource::ParsedArgs,
                });
                break;
            }
        }
    }
}
