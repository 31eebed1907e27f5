//! Evidence references in answer prose: `path`, `path:line`, `path:Symbol`,
//! `(file: symbol)` and glob patterns. A pure lexical heuristic: tokens are judged on
//! their own shape, so the same sentence always yields the same references.

use super::model::EvidenceRef;

/// Extensions that make a bare token (`next.json`) a file name. Kept short on purpose:
/// `e.g.` or `v1.2` must not look like files.
const EXTS: &[&str] = &[
    "go", "rs", "md", "json", "jsonl", "ts", "tsx", "js", "mjs", "cjs", "py", "yaml", "yml",
    "toml", "sh", "txt", "lock", "mod", "sum", "html", "css", "sql", "proto", "c", "h", "cpp",
    "java", "rb",
];

fn has_ext(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && EXTS.contains(&ext.to_ascii_lowercase().as_str())
                && stem
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-*".contains(c))
        }
        None => false,
    }
}

/// Whether a cleaned token names a file, directory or glob.
fn is_path(t: &str) -> bool {
    if t.len() < 3 || t.contains("://") || !t.chars().any(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./*-{}!".contains(c))
    {
        return false;
    }
    let last = t.trim_end_matches('/').rsplit('/').next().unwrap_or(t);
    if t.contains('*') {
        return true;
    }
    if t.contains('/') {
        // `tm/task-master` or `auth/validation/permission` are prose alternatives, not
        // paths: require an extension, a leading dot or a trailing slash.
        return has_ext(last) || t.starts_with('.') || t.ends_with('/');
    }
    has_ext(t)
}

const TRIM: &[char] = &[
    '`', '\'', '"', '“', '”', '‘', '’', '(', ')', '[', ']', '{', '}', ',', ';', '<', '>',
];

fn clean(tok: &str) -> &str {
    let t = tok.trim_matches(TRIM);
    // A sentence-final period or colon is punctuation; a leading dot is part of the path.
    t.trim_end_matches(['.', ':']).trim_matches(TRIM)
}

fn ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn push(out: &mut Vec<EvidenceRef>, path: &str, line: Option<u32>, symbol: Option<String>) {
    if !is_path(path) {
        return;
    }
    out.push(EvidenceRef {
        path: path.to_string(),
        line,
        symbol,
        glob: path.contains('*'),
    });
}

/// All references in `text`, sorted and deduplicated.
pub(crate) fn extract(text: &str) -> Vec<EvidenceRef> {
    let mut out = Vec::new();
    // `(file: symbol)` first, because whitespace splitting separates its halves.
    let mut rest = text;
    while let Some(p) = rest.find('(') {
        let after = &rest[p + 1..];
        let Some(e) = after.find(')') else { break };
        let inner = &after[..e];
        if let Some((f, s)) = inner.split_once(": ") {
            let f = clean(f.trim());
            let s = s.trim();
            if is_path(f) && ident(s) {
                push(&mut out, f, None, Some(s.to_string()));
            }
        }
        rest = &after[e..];
    }
    for raw in text.split_whitespace() {
        for part in raw.split(',') {
            let t = clean(part);
            if t.is_empty() {
                continue;
            }
            match t.split_once(':') {
                Some((p, rhs)) if !rhs.is_empty() => {
                    let digits: String = rhs.chars().take_while(|c| c.is_ascii_digit()).collect();
                    if !digits.is_empty() {
                        push(&mut out, p, digits.parse().ok(), None);
                    } else if ident(rhs) {
                        push(&mut out, p, None, Some(rhs.to_string()));
                    }
                }
                _ => push(&mut out, t, None, None),
            }
        }
    }
    out.sort();
    out.dedup();
    // `(file.go: Sym)` also yields a bare `file.go`; keep only the more precise one.
    let precise: Vec<String> = out
        .iter()
        .filter(|r| r.line.is_some() || r.symbol.is_some())
        .map(|r| r.path.clone())
        .collect();
    out.retain(|r| r.line.is_some() || r.symbol.is_some() || !precise.contains(&r.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> Vec<String> {
        extract(text).iter().map(EvidenceRef::display).collect()
    }

    #[test]
    fn real_shapes() {
        assert_eq!(
            shown("Enforcement: internal/pack/parser.go:Parse (bashFenceRegex)."),
            vec!["internal/pack/parser.go:Parse"]
        );
        assert_eq!(
            shown("see (internal/tools/types.go: ToolKind)"),
            vec!["internal/tools/types.go:ToolKind"]
        );
        assert_eq!(shown("at src/main.rs:42, then"), vec!["src/main.rs:42"]);
        assert_eq!(
            shown("write .oraclepack/ticketify/next.json and `PR.md`."),
            vec![".oraclepack/ticketify/next.json", "PR.md"]
        );
        assert_eq!(
            shown("**/jobs/** (explicitly requested), **/queue/**, internal/cli/*.go"),
            vec!["**/jobs/**", "**/queue/**", "internal/cli/*.go"]
        );
    }

    #[test]
    fn prose_is_not_a_path() {
        assert!(shown("tm/task-master, codex/gemini, CLI/TUI, e.g. v1.2 and/or").is_empty());
        assert!(shown("auth/validation/permission network/connection/timeouts").is_empty());
        assert!(shown("https://example.com/a/b.md").is_empty());
    }
}
