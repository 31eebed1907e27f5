//! Command-line surface: clap types, dispatch, and the one place that maps errors to exit
//! codes and messages.

mod actionize;
mod cache;
mod check;
mod import;
mod init;
mod list;
mod manifest;
mod render;
mod run;
mod status;
mod validate;
mod verify_outputs;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{Error, exit};
use crate::pack::lint::PackKind;
use crate::report::style::ColorChoice;

#[derive(Debug, Parser)]
#[command(
    name = "oraclepack",
    version,
    about = "Compile, run and actionize packs of LLM questions about a codebase",
    long_about = "oraclepack reads Markdown packs (one ```bash block of 20 numbered steps that call LLM CLIs such as `oracle`), validates them strictly, and lists their steps.\n\nExit codes: 0 success, 1 internal or I/O error, 2 usage error, 3 invalid pack, 4 execution failed, 5 CI policy not met, 130 interrupted."
)]
pub struct Cli {
    /// When to use colour in human output (NO_COLOR is honoured in `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a Markdown pack: the Go tool's structural contract by default, the full
    /// contract with --strict. Exit 0 valid, 3 invalid, 2 usage error.
    Validate(ValidateArgs),
    /// List a pack's steps (id, ROI, category, reference, title).
    List(ListArgs),
    /// Pack Manifest v1: print the JSON Schema, validate a manifest.
    Manifest(manifest::ManifestArgs),
    /// Compile a manifest into a Markdown pack, byte-identical every time. Exit 3 when
    /// the manifest is invalid or, with --check, when the file on disk is out of date.
    Render(render::RenderArgs),
    /// Convert a Markdown pack into a manifest (the migration path). Exit 3 when the pack
    /// is not structurally valid or the result needs fixing.
    Import(import::ImportArgs),
    /// CI chain: validate the manifest, render it, validate the pack --strict, then plan
    /// it with `run --dry-run` (nothing executed). Exit 0 pass, 3 fail.
    Check(check::CheckArgs),
    /// Set up a project: --skills installs the Stage-1 generator prompt for Codex and
    /// Gemini CLI.
    Init(init::InitArgs),
    /// Stage 3: turn a run's answers into a deduplicated backlog, change plan, GitHub and
    /// Task Master exports (and optionally an action pack). Exit 5 when a CI policy
    /// (--min-action-yield, --max-blocked-ratio) is not met.
    Actionize(ActionizeArgs),
    /// Stage 2: run a pack's steps in parallel with resume, timeouts, a call cache and
    /// retries; state in .oraclepack/runs/<pack_id>/. Exit 0 ok, 3 invalid pack, 4 a step
    /// failed, 5 CI policy (--min-completion, --budget-usd), 130 interrupted (rerun
    /// resumes).
    Run(Box<run::RunArgs>),
    /// Show a run: per-step status, executions, calls, cache hits, attempts, tokens, cost,
    /// durations.
    Status(status::StatusArgs),
    /// The provider call cache (.oraclepack/cache/): `explain` why a call hit or missed.
    Cache(cache::CacheArgs),
    /// Check a Stage-2 output directory (a run directory's outputs/ or any directory of
    /// answers): exactly one non-empty answer file or one complete chunk set per step
    /// 01..20; optionally section titles (--headings) and the pack's output names
    /// (--pack). Exit 0 valid, 3 contract violated, 1 unreadable directory, 2 usage error.
    VerifyOutputs(verify_outputs::VerifyOutputsArgs),
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The Markdown pack.
    pub pack: PathBuf,
    /// Apply the strict contract (header tokens, ordering, outputs, placeholders, orphaned
    /// flags, bash -n, attachments, coverage), not only the structure.
    #[arg(long)]
    pub strict: bool,
    /// Which contract to apply; `action-pack` is the Stage-3 action-pack lint (one bash
    /// fence, steps 01..20, bash -n, placeholders, flags, output paths) and implies --strict.
    #[arg(long, value_enum)]
    pub kind: Option<PackKind>,
    /// Print one JSON document (counts, per-rule results, diagnostics, valid).
    #[arg(long)]
    pub json: bool,
    /// Treat warnings as errors for the verdict and exit code.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Skip a rule by id (repeatable), e.g. --skip attach.missing.
    #[arg(long = "skip", value_name = "RULE")]
    pub skip: Vec<String>,
    /// Directory that attachment paths are relative to [default: the nearest ancestor of
    /// the pack with .git or .oraclepack, else the current directory].
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The Markdown pack.
    pub pack: PathBuf,
    /// Print the typed steps as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ActionizeArgs {
    /// Run directory: reads outputs/, and run.json / steps.json when present; writes
    /// actionizer/ inside it.
    #[arg(long, conflicts_with = "outputs")]
    pub run_dir: Option<PathBuf>,
    /// A plain directory of answers (NN-<slug>.md or chunk sets); writes ../actionizer
    /// beside it unless --out is given.
    #[arg(long)]
    pub outputs: Option<PathBuf>,
    /// The pack the answers belong to (step titles, categories, ROI, horizons, ids).
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// Output directory for the artifacts.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CI mode: print one JSON summary line on stdout; policy flags decide the exit code.
    #[arg(long)]
    pub ci: bool,
    /// Print the JSON summary line even without --ci.
    #[arg(long)]
    pub json: bool,
    /// Fail (exit 5) when fewer actionable tasks (actions + experiments) come out.
    #[arg(long, value_name = "N")]
    pub min_action_yield: Option<usize>,
    /// Fail (exit 5) when blocked tasks / all tasks exceeds this ratio (0..1).
    #[arg(long, value_name = "R")]
    pub max_blocked_ratio: Option<f64>,
    /// Also write action-pack.md: a 20-step Stage-3 pack for task-master / codex / gemini.
    #[arg(long)]
    pub emit_action_pack: bool,
}

/// Parse argv, run, print errors, return the process exit code.
pub fn main() -> i32 {
    // argv[0] dispatch: inside a run, `oracle`, `codex`, `gemini` and `claude` are this
    // binary (the provider interposer).
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if crate::pack::invocation::PROVIDERS.contains(&name.as_str()) {
        return crate::run::interpose::call::main(&name, args.collect());
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    exit::OK
                }
                _ => exit::USAGE,
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => report_error(&e),
    }
}

fn run(cli: Cli) -> crate::Result<i32> {
    match cli.command {
        Command::Validate(a) => validate::run(&a, cli.color),
        Command::List(a) => list::run(&a, cli.color),
        Command::Manifest(a) => manifest::run(&a, cli.color),
        Command::Render(a) => render::run(&a, cli.color),
        Command::Import(a) => import::run(&a, cli.color),
        Command::Check(a) => check::run(&a, cli.color),
        Command::Init(a) => init::run(&a),
        Command::Actionize(a) => actionize::run(&a),
        Command::Run(a) => run::run(&a),
        Command::Status(a) => status::run(&a),
        Command::Cache(a) => cache::run(&a),
        Command::VerifyOutputs(a) => verify_outputs::run(&a, cli.color),
    }
}

/// The single mapping from library errors to stderr text and exit codes.
fn report_error(e: &Error) -> i32 {
    match e {
        Error::Invalid(_) => {}
        _ => eprintln!("oraclepack: error: {e}"),
    }
    e.exit_code()
}

pub(crate) fn read_pack(path: &std::path::Path) -> crate::Result<crate::pack::Pack> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let src = crate::pack::SourceFile::from_bytes(path.display().to_string(), &bytes);
    Ok(crate::pack::parse(src))
}
