//! `oraclepack manifest schema|validate`, and the manifest loading that `render` and
//! `check` share.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, exit};
use crate::manifest::validate::{self, ManifestDiagnostic, Outcome};
use crate::manifest::{Manifest, schema};
use crate::pack::{Diagnostic, Severity, SourceFile};
use crate::report::diagnostics::render_grouped;
use crate::report::style::{ColorChoice, Style};

#[derive(Debug, clap::Args)]
pub struct ManifestArgs {
    #[command(subcommand)]
    pub command: ManifestCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ManifestCommand {
    /// Print the Pack Manifest v1 JSON Schema (Draft 2020-12).
    Schema,
    /// Validate a manifest: JSON syntax, the schema (every violation at once), step ids
    /// 01..20 unique and in order, safe paths, ROI ordering (warning). Each finding has a
    /// JSON pointer and the line:column in the file. Exit 0 valid, 3 invalid, 1 unreadable.
    Validate(ManifestValidateArgs),
}

#[derive(Debug, clap::Args)]
pub struct ManifestValidateArgs {
    /// The manifest (JSON).
    pub file: PathBuf,
    /// Print one JSON document (valid, schema_valid, counts, diagnostics with pointers).
    #[arg(long)]
    pub json: bool,
}

/// Bump when a field of the `--json` document changes meaning or disappears.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    format_version: u32,
    file: &'a str,
    valid: bool,
    /// The verdict of the JSON Schema alone (what any Draft 2020-12 validator says).
    schema_valid: bool,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [ManifestDiagnostic],
}

pub(crate) fn read_source(path: &Path) -> crate::Result<SourceFile> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(SourceFile::from_bytes(path.display().to_string(), &bytes))
}

fn count(o: &Outcome, s: Severity) -> usize {
    o.diagnostics
        .iter()
        .filter(|d| d.diag.severity == s)
        .count()
}

/// The diagnostics (rustc style, with the source line) and a one-line verdict.
pub(crate) fn human(o: &Outcome, style: &Style) -> String {
    let diags: Vec<Diagnostic> = o.diagnostics.iter().map(|d| d.diag.clone()).collect();
    let mut out = render_grouped(&o.source, &diags, style);
    let verdict = if o.valid() {
        style.paint("1;32", "valid")
    } else {
        style.paint("1;31", "invalid")
    };
    out.push_str(&format!(
        "{}: {verdict} (pack manifest v1); {} error(s), {} warning(s)\n",
        o.source.name,
        count(o, Severity::Error),
        count(o, Severity::Warning)
    ));
    out
}

/// Read and validate; on failure print the findings to stderr and return `Invalid`.
pub(crate) fn load(path: &Path, color: ColorChoice) -> crate::Result<Manifest> {
    let o = validate::validate(read_source(path)?);
    let style = Style::for_stdout(color);
    match o.manifest.as_ref().filter(|_| o.valid()) {
        Some(m) => {
            if count(&o, Severity::Warning) > 0 {
                eprint!("{}", human(&o, &style));
            }
            Ok(m.clone())
        }
        None => {
            eprint!("{}", human(&o, &style));
            Err(Error::Invalid(format!(
                "{}: invalid manifest",
                path.display()
            )))
        }
    }
}

pub fn run(a: &ManifestArgs, color: ColorChoice) -> crate::Result<i32> {
    match &a.command {
        ManifestCommand::Schema => {
            crate::report::out::print(schema::SCHEMA_TEXT);
            Ok(exit::OK)
        }
        ManifestCommand::Validate(v) => validate_cmd(v, color),
    }
}

fn validate_cmd(a: &ManifestValidateArgs, color: ColorChoice) -> crate::Result<i32> {
    let o = validate::validate(read_source(&a.file)?);
    let valid = o.valid();
    if a.json {
        let doc = Report {
            format_version: FORMAT_VERSION,
            file: &o.source.name,
            valid,
            schema_valid: o.schema_valid,
            errors: count(&o, Severity::Error),
            warnings: count(&o, Severity::Warning),
            diagnostics: &o.diagnostics,
        };
        let text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Usage(e.to_string()))?;
        crate::report::out::print(&format!("{text}\n"));
    } else {
        crate::report::out::print(&human(&o, &Style::for_stdout(color)));
    }
    Ok(if valid { exit::OK } else { exit::INVALID })
}
