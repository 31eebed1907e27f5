//! `init --skills`: the one canonical Stage-1 prompt (`prompts/stage1.md`) written as a
//! Codex skill and a Gemini CLI custom command, so the two generators never drift.

use std::path::{Path, PathBuf};

/// The canonical prompt, embedded so `init` works from any directory.
pub(crate) const STAGE1_PROMPT: &str = include_str!("../../prompts/stage1.md");

const NAME: &str = "oraclepack-stage1";
const DESCRIPTION: &str = "Generate an oraclepack Pack Manifest v1 (20 evidence-cited oracle questions about this codebase) and check it with oraclepack";

pub(crate) fn codex_skill() -> String {
    format!("---\nname: {NAME}\ndescription: {DESCRIPTION}\n---\n\n{STAGE1_PROMPT}")
}

/// Escape for a TOML multi-line basic string: backslashes, and quote runs that could
/// close it (every third quote is escaped).
fn toml_multiline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quotes = 0;
    for c in s.chars() {
        match c {
            '\\' => {
                out.push_str("\\\\");
                quotes = 0;
            }
            '"' => {
                quotes += 1;
                if quotes == 3 {
                    out.push_str("\\\"");
                    quotes = 0;
                } else {
                    out.push('"');
                }
            }
            _ => {
                out.push(c);
                quotes = 0;
            }
        }
    }
    out
}

pub(crate) fn gemini_command() -> String {
    // The newline after the opening `"""` is trimmed by TOML; a trailing `"` before the
    // closing delimiter would merge with it, hence the prompt ends in a newline here.
    format!(
        "description = \"{}\"\nprompt = \"\"\"\n{}\"\"\"\n",
        DESCRIPTION.replace('\\', "\\\\").replace('"', "\\\""),
        toml_multiline(STAGE1_PROMPT)
    )
}

/// (relative path, contents) of every file `init --skills` writes.
pub(crate) fn files() -> Vec<(PathBuf, String)> {
    vec![
        (
            Path::new(".codex/skills").join(NAME).join("SKILL.md"),
            codex_skill(),
        ),
        (
            Path::new(".gemini/commands").join(format!("{NAME}.toml")),
            gemini_command(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_escaping_never_leaves_three_quotes() {
        let e = toml_multiline("a \"\"\"\"\" b \\ c");
        assert!(!e.contains("\"\"\"\""));
        assert!(e.contains("\\\\"));
    }
}
