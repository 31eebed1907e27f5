//! A heredoc-aware bash lexer: enough of the shell grammar to know, for every line of a
//! pack's script, whether it is code, a continuation, inside a string or inside a heredoc
//! body, and to cut the script into simple commands made of words (with their spans).
//!
//! It is deliberately not a full bash parser: `bash -n` checks syntax; this finds
//! structure (step headers, LLM invocations, orphaned flags) without being fooled by a
//! `# 21)` line or a nested fence inside a prompt heredoc.

use std::ops::Range;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineCtx {
    /// The line starts at the top level of the script.
    Code,
    /// The previous line ended with a backslash continuation.
    Continuation,
    /// The line starts inside a multi-line quote or command substitution.
    InString,
    /// The line is part of a heredoc body (or its terminator).
    Heredoc,
}

#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the pack file.
    pub number: usize,
    /// Absolute byte range, without the line break.
    pub span: Range<usize>,
    pub ctx: LineCtx,
}

#[derive(Debug, Clone)]
pub struct Word {
    /// Absolute byte range of the raw word (quotes included).
    pub span: Range<usize>,
    /// Heredocs opened inside this word (e.g. `"$(cat <<'PROMPT'`).
    pub heredocs: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Command {
    pub words: Vec<Word>,
    /// Heredocs attached to the command itself (`cmd <<EOF`).
    pub heredocs: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Heredoc {
    pub delimiter: String,
    pub quoted: bool,
    /// Absolute byte range of the body (terminator line excluded).
    pub body: Range<usize>,
    /// Absolute offset of the `<<` operator.
    pub op: usize,
    pub terminated: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Script {
    pub lines: Vec<Line>,
    pub commands: Vec<Command>,
    pub heredocs: Vec<Heredoc>,
    /// Where a quote or substitution that never closed was opened.
    pub unclosed: Option<usize>,
}

impl Script {
    pub fn unterminated_heredoc(&self) -> Option<&Heredoc> {
        self.heredocs.iter().find(|h| !h.terminated)
    }

    /// True when the script ends in a clean top-level state.
    pub fn is_balanced(&self) -> bool {
        self.unclosed.is_none() && self.unterminated_heredoc().is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Subst { parens: u32 },
    DQuote,
    SQuote,
    Backtick,
    Param,
}

struct Lexer<'a> {
    b: &'a [u8],
    end: usize,
    i: usize,
    stack: Vec<(Ctx, usize)>,
    pending: Vec<usize>,
    script: Script,
    words: Vec<Word>,
    cmd_heredocs: Vec<usize>,
    word_start: Option<usize>,
    word_heredocs: Vec<usize>,
    redirect_target: bool,
    line_idx: usize,
}

/// Lex `text[range]`; `first_line` is the 1-based file line where `range` starts.
pub fn lex(text: &str, range: Range<usize>, first_line: usize) -> Script {
    let mut lines = Vec::new();
    let mut start = range.start;
    let mut n = first_line;
    while start < range.end {
        let nl = text[start..range.end].find('\n').map(|p| start + p);
        let stop = nl.unwrap_or(range.end);
        let mut e = stop;
        if e > start && text.as_bytes()[e - 1] == b'\r' {
            e -= 1;
        }
        lines.push(Line {
            number: n,
            span: start..e,
            ctx: LineCtx::Code,
        });
        n += 1;
        start = stop + 1;
    }
    let mut lx = Lexer {
        b: text.as_bytes(),
        end: range.end,
        i: range.start,
        stack: Vec::new(),
        pending: Vec::new(),
        script: Script {
            lines,
            ..Script::default()
        },
        words: Vec::new(),
        cmd_heredocs: Vec::new(),
        word_start: None,
        word_heredocs: Vec::new(),
        redirect_target: false,
        line_idx: 0,
    };
    lx.run();
    lx.script
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> u8 {
        let j = self.i + k;
        if j < self.end { self.b[j] } else { 0 }
    }

    fn top(&self) -> bool {
        self.stack.is_empty()
    }

    fn code_ctx(&self) -> bool {
        matches!(self.stack.last(), None | Some((Ctx::Subst { .. }, _)))
    }

    fn start_word(&mut self) {
        if self.top() && self.word_start.is_none() {
            self.word_start = Some(self.i);
        }
    }

    fn end_word(&mut self) {
        if let Some(ws) = self.word_start.take() {
            let w = Word {
                span: ws..self.i,
                heredocs: std::mem::take(&mut self.word_heredocs),
            };
            if self.redirect_target {
                self.redirect_target = false;
                self.cmd_heredocs.extend(w.heredocs);
            } else {
                self.words.push(w);
            }
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        self.redirect_target = false;
        if !self.words.is_empty() || !self.cmd_heredocs.is_empty() {
            self.script.commands.push(Command {
                words: std::mem::take(&mut self.words),
                heredocs: std::mem::take(&mut self.cmd_heredocs),
            });
        }
    }

    fn push(&mut self, c: Ctx) {
        self.stack.push((c, self.i));
    }

    fn at_word_boundary(&self) -> bool {
        self.i == 0
            || matches!(
                self.b[self.i - 1],
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')'
            )
    }

    /// Mark the line starting at `offset` with `ctx`.
    fn mark_line(&mut self, offset: usize, ctx: LineCtx) {
        while self.line_idx < self.script.lines.len()
            && self.script.lines[self.line_idx].span.start < offset
        {
            self.line_idx += 1;
        }
        if let Some(l) = self.script.lines.get_mut(self.line_idx)
            && l.span.start == offset
        {
            l.ctx = ctx;
        }
    }

    fn run(&mut self) {
        while self.i < self.end {
            let c = self.b[self.i];
            match self.stack.last().map(|s| s.0) {
                Some(Ctx::SQuote) => {
                    if c == b'\'' {
                        self.stack.pop();
                    }
                    self.advance_char(c);
                }
                Some(Ctx::DQuote) => self.in_dquote(c),
                Some(Ctx::Backtick) => match c {
                    b'`' => {
                        self.stack.pop();
                        self.i += 1;
                    }
                    b'\\' => self.skip_escape(),
                    _ => self.advance_char(c),
                },
                Some(Ctx::Param) => match c {
                    b'}' => {
                        self.stack.pop();
                        self.i += 1;
                    }
                    b'"' => {
                        self.push(Ctx::DQuote);
                        self.i += 1;
                    }
                    b'\'' => {
                        self.push(Ctx::SQuote);
                        self.i += 1;
                    }
                    b'\\' => self.skip_escape(),
                    b'$' => self.dollar(),
                    _ => self.advance_char(c),
                },
                None | Some(Ctx::Subst { .. }) => self.in_code(c),
            }
        }
        self.end_command();
        if let Some((_, at)) = self.stack.first() {
            self.script.unclosed = Some(*at);
        }
        // Heredocs still waiting for a body at EOF are unterminated.
        for id in std::mem::take(&mut self.pending) {
            let h = &mut self.script.heredocs[id];
            h.body = self.end..self.end;
        }
    }

    fn advance_char(&mut self, c: u8) {
        if c == b'\n' {
            self.newline();
        } else {
            self.i += 1;
        }
    }

    /// After a backslash at `self.i`: distance to an escaped line break (`\\\n` or
    /// `\\\r\n`, CRLF packs), if that is what follows.
    fn escaped_newline(&self) -> Option<usize> {
        match (self.peek(1), self.peek(2)) {
            (b'\n', _) => Some(1),
            (b'\r', b'\n') => Some(2),
            _ => None,
        }
    }

    fn skip_escape(&mut self) {
        if let Some(k) = self.escaped_newline() {
            self.i += k;
            self.newline();
        } else {
            self.i = (self.i + 2).min(self.end);
        }
    }

    fn in_dquote(&mut self, c: u8) {
        match c {
            b'"' => {
                self.stack.pop();
                self.i += 1;
            }
            b'\\' => self.skip_escape(),
            b'$' => self.dollar(),
            b'`' => {
                self.push(Ctx::Backtick);
                self.i += 1;
            }
            _ => self.advance_char(c),
        }
    }

    fn dollar(&mut self) {
        match self.peek(1) {
            b'(' => {
                self.push(Ctx::Subst { parens: 0 });
                self.i += 2;
            }
            b'{' => {
                self.push(Ctx::Param);
                self.i += 2;
            }
            b'\'' if self.code_ctx() => {
                self.i += 1;
                self.push(Ctx::SQuote);
                self.i += 1;
            }
            _ => self.i += 1,
        }
    }

    fn in_code(&mut self, c: u8) {
        let top = self.top();
        match c {
            b'#' if self.at_word_boundary() && (!top || self.word_start.is_none()) => {
                while self.i < self.end && self.b[self.i] != b'\n' {
                    self.i += 1;
                }
            }
            b'\\' => {
                if let Some(k) = self.escaped_newline() {
                    if top {
                        self.end_word();
                    }
                    self.i += k;
                    self.newline_with(true);
                } else {
                    self.start_word();
                    self.i = (self.i + 2).min(self.end);
                }
            }
            b'\'' => {
                self.start_word();
                self.push(Ctx::SQuote);
                self.i += 1;
            }
            b'"' => {
                self.start_word();
                self.push(Ctx::DQuote);
                self.i += 1;
            }
            b'`' => {
                self.start_word();
                self.push(Ctx::Backtick);
                self.i += 1;
            }
            b'$' => {
                self.start_word();
                self.dollar();
            }
            b'<' | b'>' if self.peek(1) == b'(' => {
                self.start_word();
                self.push(Ctx::Subst { parens: 0 });
                self.i += 2;
            }
            b'<' if self.peek(1) == b'<' && self.peek(2) != b'<' => self.heredoc_op(),
            b'<' | b'>' => {
                if top {
                    // `2>&1`: a word of digits right before the operator is an fd.
                    if let Some(ws) = self.word_start
                        && self.b[ws..self.i].iter().all(u8::is_ascii_digit)
                    {
                        self.word_start = None;
                    }
                    self.end_word();
                    self.redirect_target = true;
                }
                self.i += 1;
                while self.i < self.end && matches!(self.b[self.i], b'<' | b'>' | b'&' | b'|') {
                    self.i += 1;
                }
                if top {
                    // `>&2` etc.: the fd digits are the target.
                }
            }
            b'\n' => {
                if top {
                    self.end_command();
                }
                self.newline();
            }
            _ if is_blank(c) => {
                if top {
                    self.end_word();
                }
                self.i += 1;
            }
            b';' | b'&' | b'|' => {
                if top {
                    self.end_command();
                }
                self.i += 1;
            }
            b'(' => {
                if top {
                    if self.word_start.is_some() && self.i > 0 && self.b[self.i - 1] == b'=' {
                        // Array assignment `name=(...)` stays one word.
                        self.push(Ctx::Subst { parens: 0 });
                    } else {
                        self.end_command();
                    }
                } else if let Some((Ctx::Subst { parens }, _)) = self.stack.last_mut() {
                    *parens += 1;
                }
                self.i += 1;
            }
            b')' => {
                if top {
                    self.end_command();
                } else if let Some((Ctx::Subst { parens }, _)) = self.stack.last_mut() {
                    if *parens > 0 {
                        *parens -= 1;
                    } else {
                        self.stack.pop();
                    }
                }
                self.i += 1;
            }
            _ => {
                self.start_word();
                self.i += 1;
            }
        }
    }

    fn heredoc_op(&mut self) {
        let op = self.i;
        if self.top() {
            self.end_word();
        }
        self.i += 2;
        let strip_tabs = self.peek(0) == b'-';
        if strip_tabs {
            self.i += 1;
        }
        while self.i < self.end && is_blank(self.b[self.i]) {
            self.i += 1;
        }
        // The delimiter word, with quote removal.
        let mut delim = String::new();
        let mut quoted = false;
        let mut q: Option<u8> = None;
        let start = self.i;
        while self.i < self.end {
            let c = self.b[self.i];
            match q {
                Some(qc) if c == qc => q = None,
                Some(_) if c == b'\n' => break,
                Some(_) => delim.push(c as char),
                None if c == b'\'' || c == b'"' => {
                    q = Some(c);
                    quoted = true;
                }
                None if c == b'\\' => {
                    quoted = true;
                }
                None if is_meta(c) => break,
                None => delim.push(c as char),
            }
            self.i += 1;
        }
        // Non-ASCII delimiters are rare; rebuild from bytes to keep them intact.
        if !delim.is_ascii() {
            delim = String::from_utf8_lossy(&self.b[start..self.i]).replace(['\'', '"', '\\'], "");
        }
        let id = self.script.heredocs.len();
        self.script.heredocs.push(Heredoc {
            delimiter: delim,
            quoted,
            body: 0..0,
            op,
            terminated: false,
        });
        if strip_tabs {
            self.script.heredocs[id].delimiter.insert(0, '\t');
        }
        self.pending.push(id);
        if self.word_start.is_some() && !self.top() {
            self.word_heredocs.push(id);
        } else {
            self.cmd_heredocs.push(id);
        }
    }

    fn newline(&mut self) {
        self.newline_with(false);
    }

    /// Consume the `\n` at `self.i`, read pending heredoc bodies, classify the next line.
    fn newline_with(&mut self, continuation: bool) {
        self.i += 1;
        if self.code_ctx() && !self.pending.is_empty() {
            for id in std::mem::take(&mut self.pending) {
                self.read_heredoc(id);
            }
        }
        let ctx = if !self.top() {
            LineCtx::InString
        } else if continuation {
            LineCtx::Continuation
        } else {
            LineCtx::Code
        };
        self.mark_line(self.i, ctx);
    }

    fn read_heredoc(&mut self, id: usize) {
        let raw = self.script.heredocs[id].delimiter.clone();
        let (delim, strip) = match raw.strip_prefix('\t') {
            Some(d) => (d.to_string(), true),
            None => (raw, false),
        };
        let body_start = self.i;
        let text = self.b;
        while self.i < self.end {
            let line_start = self.i;
            let nl = text[line_start..self.end].iter().position(|&c| c == b'\n');
            let line_end = nl.map(|p| line_start + p).unwrap_or(self.end);
            let mut content = &text[line_start..line_end];
            if content.last() == Some(&b'\r') {
                content = &content[..content.len() - 1];
            }
            if strip {
                while content.first() == Some(&b'\t') {
                    content = &content[1..];
                }
            }
            self.mark_line(line_start, LineCtx::Heredoc);
            self.i = (line_end + 1).min(self.end.max(line_end));
            if content == delim.as_bytes() {
                let h = &mut self.script.heredocs[id];
                h.delimiter = delim;
                h.body = body_start..line_start;
                h.terminated = true;
                return;
            }
            if nl.is_none() {
                self.i = self.end;
            }
        }
        let h = &mut self.script.heredocs[id];
        h.delimiter = delim;
        h.body = body_start..self.end;
    }
}

/// The value of a word after quote removal. Expansions (`$x`, `$(...)`) are kept as text;
/// the flag says whether any were present.
pub fn unquote(raw: &str) -> (String, bool) {
    let mut out = String::with_capacity(raw.len());
    let mut expands = false;
    let mut chars = raw.chars().peekable();
    let mut dq = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' if !dq => {
                for x in chars.by_ref() {
                    if x == '\'' {
                        break;
                    }
                    out.push(x);
                }
            }
            '"' => dq = !dq,
            '\\' => match chars.next() {
                Some('\n') => {}
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some(x) if dq && !matches!(x, '$' | '`' | '"' | '\\') => {
                    out.push('\\');
                    out.push(x);
                }
                Some(x) => out.push(x),
                None => out.push('\\'),
            },
            '$' | '`' => {
                expands = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    (out, expands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_all(s: &str) -> Script {
        lex(s, 0..s.len(), 1)
    }

    fn words(s: &str, sc: &Script, cmd: usize) -> Vec<String> {
        sc.commands[cmd]
            .words
            .iter()
            .map(|w| s[w.span.clone()].to_string())
            .collect()
    }

    #[test]
    fn heredoc_lines_are_marked_and_headers_inside_are_ignored() {
        let s = "echo a\ncat <<'EOF'\n# 21) not a step\nEOF\n# 02) real\n";
        let sc = lex_all(s);
        let ctx: Vec<_> = sc.lines.iter().map(|l| l.ctx).collect();
        assert_eq!(
            ctx,
            vec![
                LineCtx::Code,
                LineCtx::Code,
                LineCtx::Heredoc,
                LineCtx::Heredoc,
                LineCtx::Code
            ]
        );
        assert!(sc.is_balanced());
        assert_eq!(&s[sc.heredocs[0].body.clone()], "# 21) not a step\n");
    }

    #[test]
    fn prompt_heredoc_inside_command_substitution_belongs_to_the_word() {
        let s = "oracle \\\n  --write-output \"o/01-x.md\" \\\n  -p \"$(cat <<'PROMPT'\nhello # 03) x\nPROMPT\n)\"\necho next\n";
        let sc = lex_all(s);
        assert_eq!(sc.commands.len(), 2);
        let w = words(s, &sc, 0);
        assert_eq!(w[0], "oracle");
        assert_eq!(w[1], "--write-output");
        assert_eq!(w[2], "\"o/01-x.md\"");
        assert_eq!(w[3], "-p");
        assert!(w[4].starts_with("\"$(cat <<'PROMPT'"));
        assert!(w[4].ends_with(")\""));
        assert_eq!(sc.commands[0].words[4].heredocs, vec![0]);
        assert_eq!(sc.lines[1].ctx, LineCtx::Continuation);
        assert_eq!(sc.lines[3].ctx, LineCtx::Heredoc);
        assert_eq!(sc.lines[5].ctx, LineCtx::InString);
        assert_eq!(words(s, &sc, 1), vec!["echo", "next"]);
    }

    #[test]
    fn mapfile_process_substitution_with_python_heredoc() {
        let s = "mapfile -t t < <(python3 - <<'PY'\nprint(')')\n# 05) no\nPY\n)\nfor p in \"${t[@]}\"; do\n  a+=(-f \"$p\")\ndone\n";
        let sc = lex_all(s);
        assert!(sc.is_balanced());
        assert_eq!(sc.lines[2].ctx, LineCtx::Heredoc);
        assert_eq!(words(s, &sc, 0)[0], "mapfile");
        assert!(
            sc.commands
                .iter()
                .any(|c| s[c.words[0].span.clone()].starts_with("a+=("))
        );
    }

    #[test]
    fn comments_redirects_and_parameter_expansions() {
        let s = "if [ \"${#a[@]}\" -eq 0 ]; then echo x >&2; fi # trailing\necho 2>&1 y\n";
        let sc = lex_all(s);
        assert!(sc.is_balanced());
        let all: Vec<Vec<String>> = (0..sc.commands.len()).map(|i| words(s, &sc, i)).collect();
        assert_eq!(all[0][0], "if");
        assert_eq!(all[1], vec!["then", "echo", "x"]);
        assert_eq!(all[2], vec!["fi"]);
        assert_eq!(all[3], vec!["echo", "y"]);
    }

    #[test]
    fn unterminated_constructs_are_reported() {
        let s = "cat <<'EOF'\nnever ends\n";
        assert!(lex_all(s).unterminated_heredoc().is_some());
        let s = "echo \"open\n";
        assert!(lex_all(s).unclosed.is_some());
    }

    #[test]
    fn dash_heredoc_strips_tabs() {
        let s = "cat <<-EOF\n\tbody\n\tEOF\necho\n";
        let sc = lex_all(s);
        assert!(sc.is_balanced());
        assert_eq!(sc.lines[3].ctx, LineCtx::Code);
    }

    #[test]
    fn unquote_values() {
        assert_eq!(unquote("\"a b\""), ("a b".to_string(), false));
        assert_eq!(unquote("'$x'"), ("$x".to_string(), false));
        assert_eq!(
            unquote("\"$out_dir/x.md\""),
            ("$out_dir/x.md".to_string(), true)
        );
        assert_eq!(unquote("a\\ b"), ("a b".to_string(), false));
    }
}
