//! `oraclepack run`: argv → validated run options → the dispatcher.

use std::path::PathBuf;

use crate::error::Error;
use crate::report::progress::{Mode, Progress};
use crate::run::dispatch::{self, Policy, Sinks};
use crate::run::plan::{Rerun, RoiFilter, RoiMode};
use crate::run::session::{self, Options};
use crate::run::{CacheMode, config::parse_duration};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The Markdown pack, or a Pack Manifest v1 (`.json`, rendered in memory).
    pub pack: PathBuf,
    /// Steps in flight at once [default: run.max_parallel in oraclepack.toml, else 4].
    #[arg(long, value_name = "N")]
    pub max_parallel: Option<usize>,
    /// Kill a step (its whole process group) after this long, e.g. 90s, 20m.
    #[arg(long, value_name = "DUR")]
    pub step_timeout: Option<String>,
    /// Time between SIGTERM and SIGKILL when stopping a step [default: 10s].
    #[arg(long, value_name = "DUR")]
    pub grace_period: Option<String>,
    /// Which steps to run again: `all`, `failed`, or a list like `01,03,07` (only those).
    /// Without it, the run resumes: steps whose recorded outputs exist and match their
    /// hashes are skipped.
    #[arg(long, value_name = "WHICH", conflicts_with = "resume")]
    pub rerun: Option<String>,
    /// Resume (the default; accepted for explicitness).
    #[arg(long)]
    pub resume: bool,
    /// Only run steps whose ROI passes this threshold (see --roi-mode).
    #[arg(long, value_name = "X")]
    pub roi_threshold: Option<f64>,
    /// `over`: ROI >= threshold runs; `under`: ROI < threshold runs.
    #[arg(long, value_enum, default_value = "over", requires = "roi_threshold")]
    pub roi_mode: RoiModeArg,
    /// Start no new step after one fails.
    #[arg(long)]
    pub stop_on_fail: bool,
    /// Print the plan (run / skip and why) and exit without running anything.
    #[arg(long)]
    pub dry_run: bool,
    /// CI mode: implies --non-interactive and --json-log.
    #[arg(long)]
    pub ci: bool,
    /// Never use the terminal: plain progress lines on stderr, no prompts.
    #[arg(long)]
    pub non_interactive: bool,
    /// Print the run's events as JSON lines on stdout (the format of events.jsonl).
    #[arg(long)]
    pub json_log: bool,
    /// Exit 0 when at least this fraction (0..1) of steps is ok, else 5.
    #[arg(long, value_name = "RATIO")]
    pub min_completion: Option<f64>,
    /// Configuration file [default: oraclepack.toml at the project root, when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Project root: relative paths and .oraclepack/ live here [default: the nearest
    /// ancestor of the pack with .git or .oraclepack].
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Call cache: read-write (default), read-only, off.
    #[arg(long, value_name = "MODE")]
    pub cache: Option<String>,
    /// Same as --cache off.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
    /// Start no new provider call once the run's recorded cost would pass this (exit 5).
    #[arg(long, value_name = "USD")]
    pub budget_usd: Option<f64>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoiModeArg {
    Over,
    Under,
}

pub fn run(a: &RunArgs) -> crate::Result<i32> {
    let dur = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| parse_duration(s).map_err(|e| Error::Usage(format!("--{flag}: {e}"))))
            .transpose()
    };
    if let Some(r) = a.min_completion
        && !(0.0..=1.0).contains(&r)
    {
        return Err(Error::Usage(format!(
            "--min-completion {r}: expected a ratio between 0 and 1"
        )));
    }
    if a.max_parallel == Some(0) {
        return Err(Error::Usage("--max-parallel must be at least 1".into()));
    }
    let cache = if a.no_cache {
        Some(CacheMode::Off)
    } else {
        a.cache
            .as_deref()
            .map(|c| CacheMode::parse(c).map_err(|e| Error::Usage(format!("--cache {e}"))))
            .transpose()?
    };
    let rerun = match &a.rerun {
        Some(r) => Rerun::parse(r).map_err(Error::Usage)?,
        None => Rerun::Resume,
    };
    let source = read_source(&a.pack)?;
    let opts = Options {
        input: a.pack.clone(),
        source,
        work_dir: a.work_dir.clone(),
        config_file: a.config.clone(),
        max_parallel: a.max_parallel,
        step_timeout: dur("step-timeout", &a.step_timeout)?,
        grace: dur("grace-period", &a.grace_period)?,
        rerun,
        roi: a.roi_threshold.map(|threshold| RoiFilter {
            threshold,
            mode: match a.roi_mode {
                RoiModeArg::Over => RoiMode::Over,
                RoiModeArg::Under => RoiMode::Under,
            },
        }),
        stop_on_fail: a.stop_on_fail,
        dry_run: a.dry_run,
        min_completion: a.min_completion,
        cache,
        budget_usd: a.budget_usd,
    };
    let prep = session::prepare(&opts)?;
    let json = a.json_log || a.ci;
    if opts.dry_run {
        return Ok(crate::report::plan::print(&prep, json));
    }
    let mode = Mode::detect(a.non_interactive || a.ci);
    let policy = Policy {
        stop_on_fail: opts.stop_on_fail,
        min_completion: opts.min_completion,
    };
    dispatch::run(
        prep,
        &policy,
        Sinks {
            progress: Progress::new(mode),
            json_stdout: json,
        },
    )
}

/// The pack's bytes; a manifest is validated (findings on stderr) and rendered.
pub(crate) fn read_source(path: &std::path::Path) -> crate::Result<Vec<u8>> {
    if path.extension().is_some_and(|e| e == "json") {
        let m = super::manifest::load(path, crate::report::style::ColorChoice::Never)?;
        return Ok(crate::manifest::render::render(&m).into_bytes());
    }
    std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}
