//! Manifest → Markdown pack. Deterministic: the output depends only on the typed
//! manifest, never on the JSON's key order or whitespace. Layout (DESIGN §5):
//!
//! ```text
//! # <title>                (when set)
//! <preamble>               (verbatim, when set)
//! ```bash                  (longer fence when a body holds a ``` line)
//! out_dir="<out_dir>"
//! --write-output           (when write_output is true)
//! <prelude>                (when set)
//!
//! # 01) ROI=.. impact=.. confidence=.. effort=.. horizon=.. category=.. reference=.. <title>
//! <bash>
//! <generated oracle call>  (when prompt is set)
//!
//! # 02) ...
//! ```
//! <postamble>              (verbatim, when set)
//! ```

use std::fmt::Write;

use super::{Level, Manifest, Step};

fn fmt_num(n: f64) -> String {
    // `{}` prints the shortest form that reads back as the same f64 (8.2, 1, 0.85).
    format!("{n}")
}

fn fmt_level(l: &Level) -> String {
    match l {
        Level::Number(n) => fmt_num(*n),
        Level::Word(w) => w.as_str().to_string(),
    }
}

/// A double-quoted shell word; the validator already rejects the special characters in
/// paths, this keeps the renderer safe on its own.
pub(crate) fn dquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Strip trailing blank lines (and the final newline), keeping the last line's text.
pub(crate) fn trim_trailing_blank_lines(s: &str) -> &str {
    let mut s = s.trim_end_matches(['\n', '\r']);
    loop {
        let last_start = s.rfind('\n').map(|i| i + 1).unwrap_or(0);
        if last_start > 0 && s[last_start..].trim().is_empty() {
            s = s[..last_start].trim_end_matches(['\n', '\r']);
        } else if last_start == 0 && s.trim().is_empty() {
            return "";
        } else {
            return s;
        }
    }
}

/// `NN-<slug>.md` from the title (the strict naming rule of outputs).
pub(crate) fn default_output(step: &Step) -> String {
    let mut slug = String::new();
    for c in step.title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "answer" } else { slug };
    format!("{}-{slug}.md", step.id)
}

pub(crate) fn header_line(step: &Step) -> String {
    let mut tokens: Vec<String> = Vec::new();
    if let Some(r) = step.roi {
        tokens.push(format!("ROI={}", fmt_num(r)));
    }
    for (k, v) in [
        ("impact", &step.impact),
        ("confidence", &step.confidence),
        ("effort", &step.effort),
    ] {
        if let Some(v) = v {
            tokens.push(format!("{k}={}", fmt_level(v)));
        }
    }
    for (k, v) in [
        ("horizon", &step.horizon),
        ("category", &step.category),
        ("reference", &step.reference),
    ] {
        if let Some(v) = v {
            tokens.push(format!("{k}={v}"));
        }
    }
    let title = step.title.trim();
    let mut line = format!("# {})", step.id);
    // The header grammar lets `category=` swallow the rest of the line (categories hold
    // spaces), so a title after a final category token goes before the tokens instead.
    let title_first = step.reference.is_none() && step.category.is_some();
    if title_first && !title.is_empty() {
        line.push(' ');
        line.push_str(title);
    }
    for t in &tokens {
        line.push(' ');
        line.push_str(t);
    }
    if !title_first && !title.is_empty() {
        line.push(' ');
        line.push_str(title);
    }
    line
}

fn heredoc_delimiter(prompt: &str) -> String {
    let mut d = "PROMPT".to_string();
    let mut n = 1;
    while prompt.lines().any(|l| l == d) {
        n += 1;
        d = format!("PROMPT_{n}");
    }
    d
}

/// The `oracle` call of a step's structured fields.
fn oracle_call(m: &Manifest, step: &Step, prompt: &str) -> String {
    let out_dir = m.out_dir.trim_end_matches('/');
    let output = step.output.clone().unwrap_or_else(|| default_output(step));
    let mut s = String::from("oracle \\\n");
    if let Some(model) = &step.model {
        let _ = writeln!(s, "  --model {} \\", dquote(model));
    }
    let _ = writeln!(
        s,
        "  --write-output {} \\",
        dquote(&format!("{out_dir}/{output}"))
    );
    for f in &step.files {
        let _ = writeln!(s, "  --file {} \\", dquote(f));
    }
    let delim = heredoc_delimiter(prompt);
    let _ = write!(
        s,
        "  -p \"$(cat <<'{delim}'\n{}\n{delim}\n)\"",
        trim_trailing_blank_lines(prompt)
    );
    s
}

fn step_body(m: &Manifest, step: &Step) -> String {
    let mut body = trim_trailing_blank_lines(&step.bash).to_string();
    if let Some(p) = &step.prompt {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&oracle_call(m, step, p));
    }
    body
}

/// A backtick fence longer than any backtick run that starts a script line, so no line
/// of a step body can close it.
fn fence_for(script: &str) -> String {
    let longest = script
        .lines()
        .map(|l| {
            let t = l.trim_start_matches(' ');
            if l.len() - t.len() > 3 {
                0
            } else {
                t.bytes().take_while(|b| *b == b'`').count()
            }
        })
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

pub(crate) fn render(m: &Manifest) -> String {
    let mut script = String::new();
    let _ = writeln!(script, "out_dir={}", dquote(&m.out_dir));
    if m.write_output == Some(true) {
        script.push_str("--write-output\n");
    }
    if let Some(p) = &m.prelude {
        let p = trim_trailing_blank_lines(p);
        if !p.is_empty() {
            script.push_str(p);
            script.push('\n');
        }
    }
    for step in &m.steps {
        script.push('\n');
        script.push_str(&header_line(step));
        script.push('\n');
        let body = step_body(m, step);
        if !body.is_empty() {
            script.push_str(&body);
            script.push('\n');
        }
    }
    let fence = fence_for(&script);
    let mut out = String::new();
    if let Some(t) = &m.title {
        let _ = writeln!(out, "# {}\n", t.trim());
    }
    if let Some(p) = &m.preamble
        && !p.is_empty()
    {
        out.push_str(p);
        if !p.ends_with('\n') {
            out.push('\n');
        }
    }
    let _ = writeln!(out, "{fence}bash");
    out.push_str(&script);
    let _ = writeln!(out, "{fence}");
    if let Some(p) = &m.postamble {
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_only_trailing_blank_lines() {
        assert_eq!(trim_trailing_blank_lines("a\n  b  \n\n \n"), "a\n  b  ");
        assert_eq!(trim_trailing_blank_lines("\n\n"), "");
        assert_eq!(trim_trailing_blank_lines("\nx"), "\nx");
    }

    #[test]
    fn fence_outgrows_backtick_lines() {
        assert_eq!(fence_for("a\nb"), "```");
        assert_eq!(fence_for("x\n```\ny"), "````");
        assert_eq!(fence_for("    ````` indented code"), "```");
    }

    #[test]
    fn quoting_and_delimiters() {
        assert_eq!(dquote("a\"$b`\\"), "\"a\\\"\\$b\\`\\\\\"");
        assert_eq!(heredoc_delimiter("x\nPROMPT\ny"), "PROMPT_2");
    }
}
