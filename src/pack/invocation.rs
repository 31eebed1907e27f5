//! LLM CLI invocations found in a step: which provider, where, and the arguments that
//! matter to validation and running (`--write-output`, `-f/--file`, `-p`, `-m`).

use std::ops::Range;

use serde::Serialize;

use super::shell::{Command, Script, unquote};

/// The CLIs oraclepack knows how to interpose (DESIGN §6.3).
pub const PROVIDERS: [&str; 4] = ["oracle", "codex", "gemini", "claude"];

/// A shell word after quote removal, with where it stands in the file.
#[derive(Debug, Clone, Serialize)]
pub struct Arg {
    pub value: String,
    /// The value contains `$var`, `$(...)` or backticks, so its final text is only known
    /// at run time.
    pub expands: bool,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invocation {
    pub provider: String,
    /// 1-based line of the command name.
    pub line: usize,
    #[serde(skip)]
    pub span: Range<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub write_outputs: Vec<Arg>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<Arg>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Prompt text: the heredoc body for `-p "$(cat <<'X' ... X)"`, else the value.
    #[serde(skip)]
    pub prompt: Option<Arg>,
    /// Words such as `"${ticket_args[@]}"` that expand to arguments at run time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dynamic_args: Vec<String>,
}

const SKIP_WORDS: [&str; 12] = [
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "exec", "command",
];

/// Index of the word that names the command: keywords and `VAR=x` prefixes skipped.
pub fn command_name_index(text: &str, cmd: &Command) -> Option<usize> {
    let mut i = 0;
    while i < cmd.words.len() {
        let w = &text[cmd.words[i].span.clone()];
        let is_assign = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'+')
        });
        if SKIP_WORDS.contains(&w) {
            // `command -v x` is a lookup, not a call.
            if w == "command"
                && cmd
                    .words
                    .get(i + 1)
                    .is_some_and(|n| text[n.span.clone()].starts_with('-'))
            {
                return None;
            }
            i += 1;
        } else if is_assign {
            i += 1;
        } else {
            return Some(i);
        }
    }
    None
}

fn provider_of(text: &str, cmd: &Command, name_idx: usize) -> Option<(String, usize)> {
    let name = unquote(&text[cmd.words[name_idx].span.clone()]).0;
    let base = name.rsplit('/').next().unwrap_or(&name);
    if PROVIDERS.contains(&base) {
        return Some((base.to_string(), name_idx + 1));
    }
    if base == "npx" || base == "bunx" || base == "pnpx" {
        for (k, w) in cmd.words.iter().enumerate().skip(name_idx + 1) {
            let v = unquote(&text[w.span.clone()]).0;
            if v.starts_with('-') {
                continue;
            }
            if v.starts_with("@steipete/oracle") {
                return Some(("oracle".to_string(), k + 1));
            }
            return None;
        }
    }
    None
}

fn arg(text: &str, script: &Script, w: &super::shell::Word) -> Arg {
    let raw = &text[w.span.clone()];
    let (value, expands) = unquote(raw);
    Arg {
        value,
        expands,
        span: w.span.clone(),
    }
    .with_heredoc(text, script, w)
}

impl Arg {
    /// `"$(cat <<'PROMPT' ... PROMPT\n)"`: the prompt is the heredoc body.
    fn with_heredoc(self, text: &str, script: &Script, w: &super::shell::Word) -> Arg {
        let raw = text[w.span.clone()].trim_start_matches('"');
        if w.heredocs.len() == 1 && raw.starts_with("$(cat") {
            let h = &script.heredocs[w.heredocs[0]];
            return Arg {
                value: text[h.body.clone()].replace("\r\n", "\n"),
                expands: !h.quoted && text[h.body.clone()].contains('$'),
                span: h.body.clone(),
            };
        }
        self
    }
}

/// Every provider invocation among `commands`; `line_of` maps offsets to file lines.
pub fn find(
    text: &str,
    script: &Script,
    commands: &[&Command],
    line_of: impl Fn(usize) -> usize,
) -> Vec<Invocation> {
    let mut out = Vec::new();
    for cmd in commands {
        let Some(ni) = command_name_index(text, cmd) else {
            continue;
        };
        let Some((provider, first_arg)) = provider_of(text, cmd, ni) else {
            continue;
        };
        let name_span = cmd.words[ni].span.clone();
        let mut inv = Invocation {
            provider,
            line: line_of(name_span.start),
            span: name_span.start
                ..cmd
                    .words
                    .last()
                    .map(|w| w.span.end)
                    .unwrap_or(name_span.end),
            write_outputs: Vec::new(),
            files: Vec::new(),
            model: None,
            prompt: None,
            dynamic_args: Vec::new(),
        };
        let words = &cmd.words[first_arg..];
        let mut k = 0;
        while k < words.len() {
            let raw = &text[words[k].span.clone()];
            let (v, _) = unquote(raw);
            let (flag, inline) = match v.split_once('=') {
                Some((f, val)) if f.starts_with("--") => (f.to_string(), Some(val.to_string())),
                _ => (v.clone(), None),
            };
            let next = |k: usize| words.get(k + 1).map(|w| arg(text, script, w));
            let inline_arg = |val: String| Arg {
                value: val,
                expands: raw.contains('$'),
                span: words[k].span.clone(),
            };
            match flag.as_str() {
                "--write-output" => {
                    if let Some(val) = inline {
                        inv.write_outputs.push(inline_arg(val));
                    } else if let Some(a) = next(k) {
                        inv.write_outputs.push(a);
                        k += 1;
                    }
                }
                "-p" | "--prompt" => {
                    if let Some(val) = inline {
                        inv.prompt = Some(inline_arg(val));
                    } else if let Some(a) = next(k) {
                        inv.prompt = Some(a);
                        k += 1;
                    }
                }
                "-m" | "--model" => {
                    if let Some(val) = inline {
                        inv.model = Some(val);
                    } else if let Some(a) = next(k) {
                        inv.model = Some(a.value);
                        k += 1;
                    }
                }
                "-f" | "--file" => {
                    // Variadic: values until the next flag; commas split values.
                    if let Some(val) = inline {
                        push_files(&mut inv.files, inline_arg(val));
                    }
                    while let Some(a) = next(k) {
                        if a.value.starts_with('-') {
                            break;
                        }
                        push_files(&mut inv.files, a);
                        k += 1;
                    }
                }
                _ => {
                    if raw.contains("[@]}") || raw.contains("$@") || raw.contains("[*]}") {
                        inv.dynamic_args.push(raw.to_string());
                    }
                }
            }
            k += 1;
        }
        out.push(inv);
    }
    out
}

fn push_files(files: &mut Vec<Arg>, a: Arg) {
    if a.value.contains(',') && !a.expands {
        for part in a.value.split(',').filter(|p| !p.trim().is_empty()) {
            files.push(Arg {
                value: part.trim().to_string(),
                expands: false,
                span: a.span.clone(),
            });
        }
    } else {
        files.push(a);
    }
}
