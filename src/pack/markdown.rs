//! Fenced-code-block extraction with CommonMark semantics and byte offsets into the
//! original file (so CRLF files, long lines and 4-backtick outer fences just work).

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use super::source::SourceFile;

#[derive(Debug, Clone, Serialize)]
pub struct Fence {
    /// The info string, trimmed (`bash`, `json`, `` for a bare fence).
    pub info: String,
    /// 1-based line of the opening fence.
    pub open_line: usize,
    /// 1-based line of the closing fence, if the block is closed.
    pub close_line: Option<usize>,
    /// Byte range of the whole block, fences included.
    #[serde(skip)]
    pub span: Range<usize>,
    /// Byte range of the content lines (between the fences).
    #[serde(skip)]
    pub content: Range<usize>,
}

impl Fence {
    /// `bash`, `bash title=...`, `bash {.x}` all count; the first word decides.
    pub fn is_bash(&self) -> bool {
        self.info.split_whitespace().next() == Some("bash")
    }
}

/// Every fenced code block of the document, in order.
pub fn fences(src: &SourceFile) -> Vec<Fence> {
    let text = src.text.as_str();
    let mut out = Vec::new();
    let parser = Parser::new_ext(text, Options::empty()).into_offset_iter();
    let mut open: Option<(String, Range<usize>)> = None;
    for (event, range) in parser {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                open = Some((info.trim().to_string(), range));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, span)) = open.take() {
                    out.push(fence_from_span(src, info, span));
                }
            }
            _ => {}
        }
    }
    out
}

fn fence_from_span(src: &SourceFile, info: String, span: Range<usize>) -> Fence {
    let open_line = src.line_of(span.start);
    let content_start = src
        .line_range(open_line)
        .end
        .saturating_add(line_break_len(src, open_line))
        .min(span.end);
    // The block range ends after the closing fence line (or at EOF when unclosed).
    let last_byte = span.end.saturating_sub(1).max(span.start);
    let last_line = src.line_of(last_byte);
    let last_text = src.line_text(last_line).trim();
    let closed = last_line > open_line && is_closing_fence(last_text);
    let (close_line, content_end) = if closed {
        (Some(last_line), src.line_start(last_line))
    } else {
        (None, span.end)
    };
    Fence {
        info,
        open_line,
        close_line,
        span,
        content: content_start..content_end.max(content_start),
    }
}

fn line_break_len(src: &SourceFile, line: usize) -> usize {
    let end = src.line_range(line).end;
    match src.text.as_bytes().get(end) {
        Some(b'\r') => 2,
        Some(b'\n') => 1,
        _ => 0,
    }
}

/// A closing fence: three or more backticks or tildes and nothing else.
pub fn is_closing_fence(trimmed: &str) -> bool {
    let Some(c) = trimmed.chars().next() else {
        return false;
    };
    (c == '`' || c == '~') && trimmed.len() >= 3 && trimmed.chars().all(|x| x == c)
}

/// Lines where "```bash" appears after other text on the same line: the Go tool's regex
/// takes those as the script's start, CommonMark (and GitHub) do not.
pub fn inline_bash_fences(src: &SourceFile) -> Vec<(usize, usize)> {
    let mut hits = Vec::new();
    for line in 1..=src.line_count() {
        let text = src.line_text(line);
        if let Some(pos) = text.find("```bash") {
            let before = &text[..pos];
            if !before.trim().is_empty() && !before.trim_end().ends_with('`') {
                hits.push((line, before.chars().count() + 1));
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(s: &str) -> SourceFile {
        SourceFile::new("t.md", s.to_string())
    }

    #[test]
    fn finds_bash_fence_with_content_offsets() {
        let s = src("# T\n\n```bash\necho hi\n```\ntext\n");
        let f = fences(&s);
        assert_eq!(f.len(), 1);
        assert!(f[0].is_bash());
        assert_eq!(f[0].open_line, 3);
        assert_eq!(f[0].close_line, Some(5));
        assert_eq!(&s.text[f[0].content.clone()], "echo hi\n");
    }

    #[test]
    fn crlf_fence() {
        let s = src("```bash\r\necho hi\r\n```\r\n");
        let f = fences(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(&s.text[f[0].content.clone()], "echo hi\r\n");
    }

    #[test]
    fn four_backtick_outer_fence_keeps_nested_fences() {
        let s = src("````bash\ncat <<'P'\n```json\n{}\n```\nP\n````\n");
        let f = fences(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].close_line, Some(7));
        assert!(s.text[f[0].content.clone()].contains("```json"));
    }

    #[test]
    fn unclosed_fence_runs_to_eof() {
        let s = src("```bash\necho\n");
        let f = fences(&s);
        assert_eq!(f[0].close_line, None);
        assert_eq!(&s.text[f[0].content.clone()], "echo\n");
    }

    #[test]
    fn inline_bash_is_not_a_fence() {
        let s = src("Run this: ```bash\necho\n```\n");
        assert!(fences(&s).iter().all(|f| !f.is_bash()));
        assert_eq!(inline_bash_fences(&s), vec![(1, 11)]);
    }
}
