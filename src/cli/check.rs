//! `oraclepack check`: the manifest-first CI chain (seed 001 T4) as one command.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::error::{Error, exit};
use crate::manifest::{render, write_atomic};
use crate::pack::lint::{self, LintOptions};
use crate::pack::{Severity, SourceFile};
use crate::report::diagnostics::render_grouped;
use crate::report::style::{ColorChoice, Style};

/// Stages: (1) manifest validate, (2) render, (3) validate --strict of the rendered pack;
/// (4) `run --dry-run` is not implemented yet and is skipped (the command says so).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The manifest (JSON).
    pub manifest: PathBuf,
    /// Also write the rendered pack here (default: it is checked in memory only).
    #[arg(long, value_name = "PACK.md")]
    pub out: Option<PathBuf>,
    /// Directory that attachment paths are relative to [default: the project root above
    /// the manifest].
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Skip a strict rule by id (repeatable), e.g. --skip attach.missing.
    #[arg(long = "skip", value_name = "RULE")]
    pub skip: Vec<String>,
}

pub fn run(a: &CheckArgs, color: ColorChoice) -> crate::Result<i32> {
    let known: BTreeSet<&str> = lint::rule_ids().collect();
    if let Some(s) = a.skip.iter().find(|s| !known.contains(s.as_str())) {
        return Err(Error::Usage(format!("--skip {s}: no such rule")));
    }
    let style = Style::for_stdout(color);
    let m = match super::manifest::load(&a.manifest, color) {
        Ok(m) => m,
        Err(Error::Invalid(_)) => {
            eprintln!("oraclepack check: stage 1/3 (manifest validate) failed");
            return Ok(exit::INVALID);
        }
        Err(e) => return Err(e),
    };
    eprintln!("oraclepack check: stage 1/3 manifest valid");
    let text = render::render(&m);
    let name = match &a.out {
        Some(out) => {
            write_atomic(out, text.as_bytes())?;
            out.display().to_string()
        }
        None => format!("{} (rendered)", a.manifest.display()),
    };
    eprintln!("oraclepack check: stage 2/3 rendered {name}");
    let pack = crate::pack::parse(SourceFile::new(name.clone(), text));
    let opts = LintOptions {
        kind: m.kind.pack_kind(),
        root: crate::project::root_for(&a.manifest, a.work_dir.as_deref()),
        skip: a.skip.iter().cloned().collect(),
        bash_check: true,
    };
    let outcome = lint::lint(&pack, &opts);
    let errors = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    eprint!(
        "{}",
        render_grouped(&pack.source, &outcome.diagnostics, &style)
    );
    if errors > 0 {
        eprintln!(
            "oraclepack check: stage 3/3 (validate --strict of the rendered pack) failed: {errors} error(s)"
        );
        return Ok(exit::INVALID);
    }
    eprintln!("oraclepack check: stage 3/3 rendered pack passes validate --strict");
    eprintln!("oraclepack check: run --dry-run skipped (not implemented yet)");
    Ok(exit::OK)
}
