//! `oraclepack check`: the manifest-first CI chain (seed 001 T4) as one command.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::error::{Error, exit};
use crate::manifest::{render, write_atomic};
use crate::pack::lint::{self, LintOptions};
use crate::pack::{Severity, SourceFile};
use crate::report::diagnostics::render_grouped;
use crate::report::style::{ColorChoice, Style};

/// Stages: (1) manifest validate, (2) render, (3) validate --strict of the rendered pack,
/// (4) `run --dry-run` of the rendered pack (the plan; nothing is executed or written).
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
            eprintln!("oraclepack check: stage 1/4 (manifest validate) failed");
            return Ok(exit::INVALID);
        }
        Err(e) => return Err(e),
    };
    eprintln!("oraclepack check: stage 1/4 manifest valid");
    let text = render::render(&m);
    let name = match &a.out {
        Some(out) => {
            write_atomic(out, text.as_bytes())?;
            out.display().to_string()
        }
        None => format!("{} (rendered)", a.manifest.display()),
    };
    eprintln!("oraclepack check: stage 2/4 rendered {name}");
    let pack = crate::pack::parse(SourceFile::new(name.clone(), text.clone()));
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
            "oraclepack check: stage 3/4 (validate --strict of the rendered pack) failed: {errors} error(s)"
        );
        return Ok(exit::INVALID);
    }
    eprintln!("oraclepack check: stage 3/4 rendered pack passes validate --strict");
    let opts = crate::run::session::Options {
        input: a.out.clone().unwrap_or_else(|| a.manifest.clone()),
        source: text.into_bytes(),
        work_dir: Some(opts.root.clone()),
        config_file: None,
        max_parallel: None,
        step_timeout: None,
        grace: None,
        rerun: crate::run::plan::Rerun::Resume,
        roi: None,
        stop_on_fail: false,
        dry_run: true,
        min_completion: None,
        cache: None,
        budget_usd: None,
    };
    let prep = match crate::run::session::prepare(&opts) {
        Ok(p) => p,
        Err(Error::Invalid(m)) => {
            eprintln!("oraclepack check: stage 4/4 (run --dry-run) failed: {m}");
            return Ok(exit::INVALID);
        }
        Err(e) => return Err(e),
    };
    crate::report::plan::print_to_stderr(&prep);
    eprintln!(
        "oraclepack check: stage 4/4 run --dry-run planned {} steps",
        prep.specs.len()
    );
    Ok(exit::OK)
}
