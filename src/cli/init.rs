//! `oraclepack init --skills`: install the Stage-1 generator for Codex and Gemini CLI.

use std::path::PathBuf;

use crate::error::{Error, exit};
use crate::manifest::{skills, write_atomic};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Write the Stage-1 prompt as a Codex skill (.codex/skills/oraclepack-stage1/SKILL.md)
    /// and a Gemini CLI command (.gemini/commands/oraclepack-stage1.toml).
    #[arg(long)]
    pub skills: bool,
    /// The project directory to write into.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that exist with different contents.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: &InitArgs) -> crate::Result<i32> {
    if !a.skills {
        return Err(Error::Usage(
            "init: nothing to do; pass --skills to install the Stage-1 generator".into(),
        ));
    }
    let files = skills::files();
    // Decide for every file before writing any, so a refusal leaves nothing half-done.
    let mut plan = Vec::new();
    for (rel, text) in &files {
        let path = a.dir.join(rel);
        match std::fs::read(&path) {
            Ok(cur) if cur == text.as_bytes() => {
                eprintln!("oraclepack: {} is up to date", path.display())
            }
            Ok(_) if !a.force => {
                return Err(Error::Usage(format!(
                    "{} exists and differs from the canonical Stage-1 prompt; pass --force to overwrite it",
                    path.display()
                )));
            }
            _ => plan.push((path, text)),
        }
    }
    for (path, text) in plan {
        write_atomic(&path, text.as_bytes())?;
        eprintln!("oraclepack: wrote {}", path.display());
    }
    Ok(exit::OK)
}
