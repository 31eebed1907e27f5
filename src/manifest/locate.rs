//! JSON pointer → byte span in the manifest text, so every diagnostic can name a
//! `line:column`. serde_json does the parsing; this pass only walks the (already known
//! to be valid) text and records where each value and object key starts. It never panics:
//! on text it does not understand it stops recording.

use std::collections::HashMap;
use std::ops::Range;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Spans {
    /// Where the member name of an object property starts (the opening quote).
    pub key: Option<usize>,
    /// The value's bytes.
    pub value: Range<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct Locator {
    map: HashMap<String, Spans>,
}

/// Escape one reference token (RFC 6901).
pub(crate) fn escape_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Locator {
    pub(crate) fn new(text: &str) -> Locator {
        let mut w = Walker {
            b: text.as_bytes(),
            text,
            i: 0,
            map: HashMap::new(),
        };
        w.ws();
        let _ = w.value(String::new(), None);
        Locator { map: w.map }
    }

    pub(crate) fn get(&self, pointer: &str) -> Option<&Spans> {
        self.map.get(pointer)
    }

    /// The best byte offset for a pointer: the value itself, or the nearest ancestor
    /// that exists (a missing property is reported at its parent object).
    pub(crate) fn offset(&self, pointer: &str) -> usize {
        let mut p = pointer;
        loop {
            if let Some(s) = self.map.get(p) {
                return s.value.start;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return 0,
            }
        }
    }

    /// The offset of the member name of `pointer` when it is an object property.
    pub(crate) fn key_offset(&self, pointer: &str) -> Option<usize> {
        self.map.get(pointer).and_then(|s| s.key)
    }
}

struct Walker<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    map: HashMap<String, Spans>,
}

impl Walker<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    /// Parse one value at `self.i`, record it under `ptr`; `None` on malformed input.
    fn value(&mut self, ptr: String, key: Option<usize>) -> Option<()> {
        let start = self.i;
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let kstart = self.i;
                        self.string()?;
                        let name: String = serde_json::from_str(&self.text[kstart..self.i]).ok()?;
                        self.ws();
                        if self.b.get(self.i) != Some(&b':') {
                            return None;
                        }
                        self.i += 1;
                        self.ws();
                        self.value(format!("{ptr}/{}", escape_token(&name)), Some(kstart))?;
                        self.ws();
                        match self.b.get(self.i)? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    let mut n = 0usize;
                    loop {
                        self.ws();
                        self.value(format!("{ptr}/{n}"), None)?;
                        n += 1;
                        self.ws();
                        match self.b.get(self.i)? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
            }
            b'"' => self.string()?,
            _ => {
                // number, true, false, null: up to the next delimiter
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
            }
        }
        self.map.insert(
            ptr,
            Spans {
                key,
                value: start..self.i,
            },
        );
        Some(())
    }

    fn string(&mut self) -> Option<()> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                _ => self.i += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_values_and_keys() {
        let t = "{\n  \"a\": [1, {\"b/c\": \"x\\\"y\"}],\n  \"d~\": true\n}";
        let l = Locator::new(t);
        assert_eq!(l.get("").map(|s| s.value.clone()), Some(0..t.len()));
        let s = l.get("/a/1/b~1c").cloned().unwrap_or_default();
        assert_eq!(&t[s.value.clone()], "\"x\\\"y\"");
        assert_eq!(s.key.map(|k| &t[k..k + 5]), Some("\"b/c\""));
        assert_eq!(
            &t[l.get("/a/0").map(|s| s.value.clone()).unwrap_or_default()],
            "1"
        );
        assert!(l.get("/d~0").is_some());
        // a missing member falls back to its parent
        assert_eq!(l.offset("/a/1/zzz"), t.find("{\"b").unwrap_or(0));
    }

    #[test]
    fn garbage_does_not_panic() {
        for t in ["", "{", "[1,", "{\"a\"", "\"abc", "{\"a\":}", "nul"] {
            let _ = Locator::new(t);
        }
    }
}
