//! Step headers (`# 01) ...`, `#01)`, `# 01 — ...`, `# 01 - ...`) and their metadata tokens.

use serde::Serialize;

/// The ten categories of the pack contract (DESIGN §7).
pub const CATEGORIES: [&str; 10] = [
    "contracts/interfaces",
    "invariants",
    "caching/state",
    "background jobs",
    "observability",
    "permissions",
    "migrations",
    "UX flows",
    "failure modes",
    "feature flags",
];

/// Horizons in the order of urgency. `MidTerm` and `LongTerm` appear in real generated
/// packs next to the contract's `Immediate`/`NearTerm`/`Strategic`, so all five are typed.
pub const HORIZONS: [&str; 5] = ["Immediate", "NearTerm", "MidTerm", "LongTerm", "Strategic"];

/// Keys a header may carry, in the canonical order of the strict contract.
pub const KEYS: [&str; 7] = [
    "ROI",
    "impact",
    "confidence",
    "effort",
    "horizon",
    "category",
    "reference",
];

/// If `trimmed` is a step header, its two-digit id and the text after the marker.
pub fn match_header(trimmed: &str) -> Option<(&str, &str)> {
    let rest = trimmed.strip_prefix('#')?;
    let rest = rest.trim_start();
    let b = rest.as_bytes();
    if b.len() < 2 || !b[0].is_ascii_digit() || !b[1].is_ascii_digit() {
        return None;
    }
    let id = &rest[..2];
    let after = &rest[2..];
    if let Some(t) = after.strip_prefix(')') {
        return Some((id, t.trim()));
    }
    let t = after.trim_start();
    if t.len() == after.len() {
        return None; // `# 012` or `# 01x`: the digits must be followed by `)` or space
    }
    let t = t.strip_prefix('—').or_else(|| t.strip_prefix('-'))?;
    Some((id, t.trim()))
}

/// A line that looks like it was meant as a step header but does not match the grammar
/// (`# 1)`, `## 01)`, `# 001)`, `# 01.`): the Go tool silently treats it as a comment.
pub fn looks_like_header(trimmed: &str) -> bool {
    if match_header(trimmed).is_some() {
        return false;
    }
    let rest = trimmed.trim_start_matches('#');
    if rest.len() == trimmed.len() {
        return false;
    }
    let rest = rest.trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return false;
    }
    let after = &rest[digits..];
    after.starts_with(')')
        || after.starts_with(". ")
        || after.starts_with(" —")
        || (trimmed.starts_with("##") && (after.starts_with(')') || after.starts_with(" -")))
}

/// A header value: numbers are numbers, `...`/`{{x}}`/`<x>` are placeholders, anything
/// else is a word (`High`, `Immediate`, `src/x.py:fn`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Word(String),
}

impl Value {
    pub fn parse(raw: &str) -> Value {
        match raw.parse::<f64>() {
            Ok(n) if n.is_finite() => Value::Number(n),
            _ => Value::Word(raw.to_string()),
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Word(_) => None,
        }
    }

    /// Numbers as themselves; level words mapped to 1..3 so ordering still works.
    pub fn rank(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Word(w) => match w.to_ascii_lowercase().as_str() {
                "low" | "l" | "small" | "s" => Some(1.0),
                "medium" | "med" | "m" => Some(2.0),
                "high" | "h" | "large" => Some(3.0),
                _ => None,
            },
        }
    }
}

pub fn is_placeholder(raw: &str) -> bool {
    let t = raw.trim();
    t.is_empty()
        || t.chars().all(|c| c == '.' || c == '…')
        || t.contains("{{")
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with("__") && t.ends_with("__") && t.len() > 4)
        || t.eq_ignore_ascii_case("tbd")
}

/// One `key=value` token with its byte offset inside the header text.
#[derive(Debug, Clone, Serialize)]
pub struct Token {
    pub key: String,
    pub value: String,
    /// Byte offset of the key within the header text (after the `NN)` marker).
    #[serde(skip)]
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderForm {
    /// `ROI=.. impact=.. ... reference=..`
    Tokens,
    /// `ROI=2.80 | Immediate | invariants | src/x.py:fn`
    Pipe,
    /// Free text only (`# 01) Preflight: verify tools`).
    Title,
    /// Nothing after the marker.
    Empty,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Meta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roi: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub form: HeaderForm,
    /// Text after the `NN)` marker, exactly as written.
    pub raw: String,
    /// The human title: the text that is not a recognized token.
    pub title: String,
    pub meta: Meta,
    pub tokens: Vec<Token>,
}

fn canonical_key(k: &str) -> Option<&'static str> {
    KEYS.iter().copied().find(|c| c.eq_ignore_ascii_case(k))
}

/// Positions of `key=` for known keys at word starts.
fn key_positions(text: &str) -> Vec<(usize, &'static str, usize)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let at_start = i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t' || b[i - 1] == b'|';
        if at_start && b[i].is_ascii_alphabetic() {
            let klen = b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if b.get(i + klen) == Some(&b'=')
                && let Some(k) = canonical_key(&text[i..i + klen])
            {
                out.push((i, k, i + klen + 1));
                i += klen + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

pub fn parse(raw: &str) -> Header {
    let raw_s = raw.to_string();
    if raw.trim().is_empty() {
        return Header {
            form: HeaderForm::Empty,
            raw: raw_s,
            title: String::new(),
            meta: Meta::default(),
            tokens: Vec::new(),
        };
    }
    let keys = key_positions(raw);
    if keys.is_empty() {
        return Header {
            form: HeaderForm::Title,
            raw: raw_s,
            title: raw.trim().to_string(),
            meta: Meta::default(),
            tokens: Vec::new(),
        };
    }
    if raw.contains('|') {
        return parse_pipe(raw);
    }
    let mut tokens = Vec::new();
    let mut title = raw[..keys[0].0].trim().to_string();
    for (n, &(pos, key, vstart)) in keys.iter().enumerate() {
        let vend = keys.get(n + 1).map(|k| k.0).unwrap_or(raw.len());
        let full = raw[vstart..vend].trim();
        // Only `category` may hold spaces ("UX flows"); elsewhere the first word is the
        // value and the rest is title text.
        let (value, extra) = if key == "category" {
            (full, "")
        } else {
            match full.split_once(char::is_whitespace) {
                Some((v, rest)) => (v, rest.trim()),
                None => (full, ""),
            }
        };
        tokens.push(Token {
            key: key.to_string(),
            value: value.to_string(),
            offset: pos,
        });
        if !extra.is_empty() {
            if !title.is_empty() {
                title.push(' ');
            }
            title.push_str(extra);
        }
    }
    Header {
        form: HeaderForm::Tokens,
        raw: raw_s,
        title,
        meta: meta_from(&tokens),
        tokens,
    }
}

fn parse_pipe(raw: &str) -> Header {
    let mut tokens = Vec::new();
    let mut positional = Vec::new();
    let mut offset = 0;
    for seg in raw.split('|') {
        let lead = seg.len() - seg.trim_start().len();
        let t = seg.trim();
        let keys = key_positions(t);
        if keys.is_empty() {
            if !t.is_empty() {
                positional.push((t, offset + lead));
            }
        } else {
            for (n, &(pos, key, vstart)) in keys.iter().enumerate() {
                let vend = keys.get(n + 1).map(|k| k.0).unwrap_or(t.len());
                tokens.push(Token {
                    key: key.to_string(),
                    value: t[vstart..vend].trim().to_string(),
                    offset: offset + lead + pos,
                });
            }
        }
        offset += seg.len() + 1;
    }
    // Positional segments fill horizon, category, reference in that order; a segment
    // that is clearly a horizon or category goes to that slot whatever its position.
    let mut title = Vec::new();
    let has = |tokens: &Vec<Token>, k: &str| tokens.iter().any(|t| t.key == k);
    for (t, off) in positional {
        let key = if HORIZONS.iter().any(|h| h.eq_ignore_ascii_case(t)) && !has(&tokens, "horizon")
        {
            Some("horizon")
        } else if CATEGORIES.iter().any(|c| c.eq_ignore_ascii_case(t)) && !has(&tokens, "category")
        {
            Some("category")
        } else if !has(&tokens, "reference") && has(&tokens, "category") {
            Some("reference")
        } else {
            None
        };
        match key {
            Some(k) => tokens.push(Token {
                key: k.to_string(),
                value: t.to_string(),
                offset: off,
            }),
            None => title.push(t),
        }
    }
    Header {
        form: HeaderForm::Pipe,
        raw: raw.to_string(),
        title: title.join(" | "),
        meta: meta_from(&tokens),
        tokens,
    }
}

fn meta_from(tokens: &[Token]) -> Meta {
    let mut m = Meta::default();
    for t in tokens {
        let v = t.value.clone();
        match t.key.as_str() {
            "ROI" => m.roi = m.roi.take().or(Some(Value::parse(&v))),
            "impact" => m.impact = m.impact.take().or(Some(Value::parse(&v))),
            "confidence" => m.confidence = m.confidence.take().or(Some(Value::parse(&v))),
            "effort" => m.effort = m.effort.take().or(Some(Value::parse(&v))),
            "horizon" => m.horizon = m.horizon.take().or(Some(v)),
            "category" => m.category = m.category.take().or(Some(v)),
            "reference" => m.reference = m.reference.take().or(Some(v)),
            _ => {}
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        assert_eq!(match_header("# 01) x"), Some(("01", "x")));
        assert_eq!(match_header("#01)"), Some(("01", "")));
        assert_eq!(match_header("# 07 — ROI=1"), Some(("07", "ROI=1")));
        assert_eq!(match_header("# 07 - t"), Some(("07", "t")));
        assert_eq!(match_header("# 1) x"), None);
        assert_eq!(match_header("# 012) x"), None);
        assert_eq!(match_header("# 01x"), None);
        assert_eq!(match_header("## 01) x"), None);
        assert!(looks_like_header("# 1) x"));
        assert!(looks_like_header("## 01) x"));
        assert!(!looks_like_header("# 01) x"));
        assert!(!looks_like_header("# 2024 plans"));
    }

    #[test]
    fn token_form_with_spaced_category() {
        let h = parse(
            "ROI=4.8 impact=6 confidence=0.80 effort=1 horizon=Immediate category=UX flows reference=mcp",
        );
        assert_eq!(h.form, HeaderForm::Tokens);
        assert_eq!(h.meta.roi, Some(Value::Number(4.8)));
        assert_eq!(h.meta.confidence, Some(Value::Number(0.8)));
        assert_eq!(h.meta.category.as_deref(), Some("UX flows"));
        assert_eq!(h.meta.reference.as_deref(), Some("mcp"));
        assert_eq!(h.title, "");
    }

    #[test]
    fn word_values_and_trailing_title() {
        let h = parse("ROI=3 impact=High effort=Low reference=src/a.rs Fix the cache");
        assert_eq!(h.meta.impact, Some(Value::Word("High".into())));
        assert_eq!(h.meta.effort.as_ref().and_then(Value::rank), Some(1.0));
        assert_eq!(h.meta.reference.as_deref(), Some("src/a.rs"));
        assert_eq!(h.title, "Fix the cache");
    }

    #[test]
    fn pipe_form() {
        let h = parse(
            "ROI=2.80 | Immediate | invariants | src/registry_config/models.py:validate_unique_ids",
        );
        assert_eq!(h.form, HeaderForm::Pipe);
        assert_eq!(h.meta.roi, Some(Value::Number(2.8)));
        assert_eq!(h.meta.horizon.as_deref(), Some("Immediate"));
        assert_eq!(h.meta.category.as_deref(), Some("invariants"));
        assert_eq!(
            h.meta.reference.as_deref(),
            Some("src/registry_config/models.py:validate_unique_ids")
        );
    }

    #[test]
    fn title_and_placeholders() {
        let h = parse("Preflight: verify tools (fail fast)");
        assert_eq!(h.form, HeaderForm::Title);
        assert_eq!(h.title, "Preflight: verify tools (fail fast)");
        let h = parse("ROI=... impact=... reference={{group_slug}}");
        assert_eq!(h.meta.roi, Some(Value::Word("...".into())));
        assert!(is_placeholder("..."));
        assert!(is_placeholder("{{group_slug}}"));
        assert!(!is_placeholder("mcp"));
    }
}
