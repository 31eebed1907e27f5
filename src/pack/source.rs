//! A source file with a line index, so every diagnostic can point at `line:column`.

use std::ops::Range;

/// The text of a pack plus the byte offset where each line starts.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Display name (the path as the user gave it).
    pub name: String,
    pub text: String,
    /// True when the bytes were not valid UTF-8 and were replaced (U+FFFD).
    pub lossy: bool,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            lossy: false,
            line_starts,
        }
    }

    /// Accepts arbitrary bytes: invalid UTF-8 is replaced rather than rejected, and the
    /// caller reports it (a pack is never silently half-read).
    pub fn from_bytes(name: impl Into<String>, bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(s) => Self::new(name, s.to_owned()),
            Err(_) => {
                let mut f = Self::new(name, String::from_utf8_lossy(bytes).into_owned());
                f.lossy = true;
                f
            }
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// 1-based (line, column); the column counts characters, not bytes.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line, col)
    }

    /// Byte range of a 1-based line, without its `\n` or `\r\n`.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        if line == 0 || line > self.line_starts.len() {
            return self.text.len()..self.text.len();
        }
        let start = self.line_starts[line - 1];
        let mut end = self
            .line_starts
            .get(line)
            .map(|&n| n - 1)
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_range(line)]
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_range(line).start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_handle_crlf_and_unicode() {
        let f = SourceFile::new("x", "a—b\r\nsecond\nthird".to_string());
        assert_eq!(f.line_count(), 3);
        assert_eq!(f.line_text(1), "a—b");
        assert_eq!(f.line_text(2), "second");
        assert_eq!(f.line_text(3), "third");
        let b = f.text.find('b').unwrap();
        assert_eq!(f.line_col(b), (1, 3));
        assert_eq!(f.line_col(f.text.find("third").unwrap()), (3, 1));
    }

    #[test]
    fn invalid_utf8_is_replaced_and_flagged() {
        let f = SourceFile::from_bytes("x", b"ok\xff\n");
        assert!(f.lossy);
        assert_eq!(f.line_text(1), "ok\u{fffd}");
    }
}
