//! `oraclepack import`: Markdown pack → manifest.

use std::path::PathBuf;

use crate::error::{Error, exit};
use crate::manifest::{Kind, import, validate, write_atomic};
use crate::pack::SourceFile;
use crate::report::diagnostics::render_grouped;
use crate::report::style::{ColorChoice, Style};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKind {
    QuestionPack,
    ActionPack,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The Markdown pack (anything `oraclepack validate` accepts without --strict).
    pub pack: PathBuf,
    /// Write the manifest here (atomically) instead of stdout.
    #[arg(short, long, value_name = "MANIFEST.json")]
    pub output: Option<PathBuf>,
    /// The manifest kind [default: question-pack when every step calls an LLM CLI, else
    /// action-pack].
    #[arg(long, value_enum)]
    pub kind: Option<ImportKind>,
}

pub fn run(a: &ImportArgs, color: ColorChoice) -> crate::Result<i32> {
    let pack = super::read_pack(&a.pack)?;
    let style = Style::for_stdout(color);
    let kind = a.kind.map(|k| match k {
        ImportKind::QuestionPack => Kind::QuestionPack,
        ImportKind::ActionPack => Kind::ActionPack,
    });
    let imported = match import::import(&pack, kind) {
        Ok(i) => i,
        Err(diags) => {
            eprint!("{}", render_grouped(&pack.source, &diags, &style));
            eprintln!(
                "oraclepack: cannot import {}: the pack does not satisfy the structural contract",
                a.pack.display()
            );
            return Ok(exit::INVALID);
        }
    };
    for n in &imported.notes {
        eprintln!("note: {n}");
    }
    let mut text = serde_json::to_string_pretty(&imported.manifest)
        .map_err(|e| Error::Usage(e.to_string()))?;
    text.push('\n');
    // Check what we produce: a pack can hold things the manifest forbids (a second
    // fence in the prose, say); the user then fixes the written manifest.
    let name = a
        .output
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "<imported manifest>".to_string());
    let o = validate::validate(SourceFile::new(name, text.clone()));
    match &a.output {
        Some(out) => {
            write_atomic(out, text.as_bytes())?;
            eprintln!("oraclepack: wrote {}", out.display());
        }
        None => crate::report::out::print(&text),
    }
    if !o.valid() {
        eprint!("{}", super::manifest::human(&o, &style));
        eprintln!("oraclepack: the imported manifest needs fixing before it renders");
        return Ok(exit::INVALID);
    }
    Ok(exit::OK)
}
