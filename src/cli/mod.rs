//! Command-line surface: clap types, dispatch, and the one place that maps errors to exit
//! codes and messages.

mod check;
mod import;
mod init;
mod list;
mod manifest;
mod render;
mod validate;

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
    /// CI chain: validate the manifest, render it, validate the pack --strict (run
    /// --dry-run is not implemented yet and is skipped). Exit 0 pass, 3 fail.
    Check(check::CheckArgs),
    /// Set up a project: --skills installs the Stage-1 generator prompt for Codex and
    /// Gemini CLI.
    Init(init::InitArgs),
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

/// Parse argv, run, print errors, return the process exit code.
pub fn main() -> i32 {
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
