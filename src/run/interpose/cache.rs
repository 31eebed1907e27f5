//! The call cache (DESIGN §6.3). The key is sha256 of a typed, canonical structure: format
//! version first, then provider, provider version, model after defaults, flags without the
//! output path, the prompt, and the sha256 of every attached file by normalized relative
//! path — for a directory or glob, every file it could select, so a miss is possible but a
//! false hit is not. Entries are `<key>.md` + `<key>.json`; the answer's hash is checked on
//! read (a mismatch is a miss).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::argv::CallArgs;
use crate::fsio::{sha256_hex, write_atomic};

pub(crate) const KEY_FORMAT: u32 = 1;

/// Models the CLIs use when the call names none (their documented defaults).
pub(crate) fn default_model(provider: &str) -> &'static str {
    match provider {
        "oracle" => "gpt-5.5-pro",
        _ => "(provider default)",
    }
}

/// The key's inputs, in a fixed field order; `files` is a `BTreeMap` (sorted by path).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct KeyInputs {
    pub key_format: u32,
    pub provider: String,
    pub provider_version: Option<String>,
    pub model: String,
    pub flags: Vec<String>,
    pub prompt: String,
    pub files: BTreeMap<String, String>,
    /// File arguments that matched nothing (part of the key: creating the file later must
    /// miss).
    pub unmatched: Vec<String>,
}

impl KeyInputs {
    pub(crate) fn key(&self) -> String {
        // serde_json writes struct fields in declaration order and BTreeMap keys sorted:
        // canonical bytes for a given value.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        sha256_hex(&bytes)
    }
}

pub(crate) fn key_inputs(
    provider: &str,
    version: Option<&str>,
    call: &CallArgs,
    extra_args: &[String],
    prompt: &str,
    cwd: &Path,
    root: &Path,
) -> KeyInputs {
    let mut flags = call.flags.clone();
    flags.extend(extra_args.iter().cloned());
    let mut files = BTreeMap::new();
    let mut unmatched = Vec::new();
    for f in &call.files {
        let found = select(cwd, f);
        if found.is_empty() {
            unmatched.push(f.clone());
        }
        for p in found {
            let rel = p
                .strip_prefix(root)
                .map(|r| r.to_string_lossy().to_string())
                .unwrap_or_else(|_| p.to_string_lossy().to_string());
            let h = std::fs::read(&p)
                .map(|b| sha256_hex(&b))
                .unwrap_or_else(|_| "unreadable".into());
            files.insert(rel, h);
        }
    }
    unmatched.sort();
    KeyInputs {
        key_format: KEY_FORMAT,
        provider: provider.to_string(),
        provider_version: version.map(String::from),
        model: call
            .model
            .clone()
            .or_else(|| model_in(extra_args))
            .unwrap_or_else(|| default_model(provider).to_string()),
        flags,
        prompt: prompt.to_string(),
        files,
        unmatched,
    }
}

fn model_in(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-m" || a == "--model" {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix("--model=") {
            return Some(v.to_string());
        }
    }
    None
}

/// Every file a `-f` argument could select: the file itself, every file under a
/// directory, or for a glob every file under its literal prefix (a superset).
pub(crate) fn select(cwd: &Path, arg: &str) -> Vec<PathBuf> {
    let negated = arg.starts_with('!');
    if negated {
        return Vec::new();
    }
    let glob_at = arg.find(['*', '?', '[', '{']);
    let base = match glob_at {
        Some(i) => {
            let prefix = &arg[..i];
            match prefix.rfind('/') {
                Some(j) => cwd.join(&prefix[..j]),
                None => cwd.to_path_buf(),
            }
        }
        None => cwd.join(arg),
    };
    let mut out = Vec::new();
    if base.is_file() {
        out.push(base);
    } else if base.is_dir() {
        walk(&base, &mut out);
    }
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string());
        if matches!(
            name.as_deref(),
            Some(".git" | "node_modules" | ".oraclepack")
        ) {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct EntryMeta {
    pub format: u32,
    pub key: String,
    pub answer_sha256: String,
    pub bytes: u64,
    pub inputs: KeyInputs,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lookup {
    Hit {
        answer: Vec<u8>,
        meta: Box<EntryMeta>,
    },
    Miss(MissReason),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MissReason {
    NoEntry,
    /// The answer's bytes no longer match the recorded hash.
    Corrupt,
}

pub(crate) fn paths(dir: &Path, key: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{key}.md")),
        dir.join(format!("{key}.json")),
    )
}

pub(crate) fn lookup(dir: &Path, key: &str) -> Lookup {
    let (md, js) = paths(dir, key);
    let Ok(meta_bytes) = std::fs::read(&js) else {
        return Lookup::Miss(MissReason::NoEntry);
    };
    let Ok(meta) = serde_json::from_slice::<EntryMeta>(&meta_bytes) else {
        return Lookup::Miss(MissReason::Corrupt);
    };
    let Ok(answer) = std::fs::read(&md) else {
        return Lookup::Miss(MissReason::Corrupt);
    };
    if sha256_hex(&answer) != meta.answer_sha256 || meta.key != key {
        return Lookup::Miss(MissReason::Corrupt);
    }
    Lookup::Hit {
        answer,
        meta: Box::new(meta),
    }
}

/// Store a complete answer: the answer first, then the metadata that vouches for it.
pub(crate) fn store(dir: &Path, meta: &EntryMeta, answer: &[u8]) -> crate::Result<()> {
    let (md, js) = paths(dir, &meta.key);
    write_atomic(&md, answer)?;
    let mut bytes = serde_json::to_vec_pretty(meta).unwrap_or_default();
    bytes.push(b'\n');
    write_atomic(&js, &bytes)
}

/// Why an entry with these inputs would differ from the closest stored entry: the fields
/// that changed, for `cache explain`.
pub(crate) fn diff(a: &KeyInputs, b: &KeyInputs) -> Vec<String> {
    let mut d = Vec::new();
    if a.provider != b.provider {
        d.push(format!("provider: {} → {}", b.provider, a.provider));
    }
    if a.provider_version != b.provider_version {
        d.push(format!(
            "provider version: {:?} → {:?}",
            b.provider_version, a.provider_version
        ));
    }
    if a.model != b.model {
        d.push(format!("model: {} → {}", b.model, a.model));
    }
    if a.flags != b.flags {
        d.push(format!("flags: {:?} → {:?}", b.flags, a.flags));
    }
    if a.prompt != b.prompt {
        d.push("prompt text changed".to_string());
    }
    for (p, h) in &a.files {
        match b.files.get(p) {
            None => d.push(format!("file added: {p}")),
            Some(h2) if h2 != h => d.push(format!("file changed: {p}")),
            _ => {}
        }
    }
    for p in b.files.keys().filter(|p| !a.files.contains_key(*p)) {
        d.push(format!("file removed: {p}"));
    }
    if a.unmatched != b.unmatched {
        d.push(format!(
            "unmatched file args: {:?} → {:?}",
            b.unmatched, a.unmatched
        ));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(files: &[&str]) -> CallArgs {
        CallArgs {
            files: files.iter().map(|s| s.to_string()).collect(),
            prompt: Some("q".into()),
            ..CallArgs::default()
        }
    }

    #[test]
    fn key_depends_on_file_content_not_on_argument_order() {
        let d = tempfile::tempdir().expect("tmp");
        let root = d.path();
        std::fs::write(root.join("a.py"), "a").expect("w");
        std::fs::write(root.join("b.py"), "b").expect("w");
        let k = |files: &[&str]| {
            key_inputs("oracle", Some("0.21.2"), &call(files), &[], "q", root, root).key()
        };
        let k1 = k(&["a.py", "b.py"]);
        assert_eq!(k1, k(&["b.py", "a.py"]));
        std::fs::write(root.join("b.py"), "b2").expect("w");
        assert_ne!(k1, k(&["a.py", "b.py"]));
    }

    #[test]
    fn glob_and_directory_select_a_superset() {
        let d = tempfile::tempdir().expect("tmp");
        let root = d.path();
        std::fs::create_dir_all(root.join("src/x")).expect("mkdir");
        std::fs::write(root.join("src/a.rs"), "a").expect("w");
        std::fs::write(root.join("src/x/b.md"), "b").expect("w");
        assert_eq!(select(root, "src/**/*.rs").len(), 2, "superset of the glob");
        assert_eq!(select(root, "src").len(), 2);
        assert!(select(root, "nope.md").is_empty());
    }

    #[test]
    fn a_tampered_entry_is_a_miss() {
        let d = tempfile::tempdir().expect("tmp");
        let inputs = key_inputs("oracle", None, &call(&[]), &[], "q", d.path(), d.path());
        let key = inputs.key();
        let meta = EntryMeta {
            format: 1,
            key: key.clone(),
            answer_sha256: sha256_hex(b"answer"),
            bytes: 6,
            inputs,
            input_tokens: 1,
            output_tokens: 2,
            cost_usd: 0.0,
        };
        store(d.path(), &meta, b"answer").expect("store");
        assert!(matches!(lookup(d.path(), &key), Lookup::Hit { .. }));
        std::fs::write(d.path().join(format!("{key}.md")), "tampered").expect("w");
        assert_eq!(lookup(d.path(), &key), Lookup::Miss(MissReason::Corrupt));
        assert_eq!(lookup(d.path(), "0000"), Lookup::Miss(MissReason::NoEntry));
    }
}
