//! `oraclepack verify-outputs`: the Stage-2 output directory contract.

use std::path::PathBuf;

use crate::error::{Error, exit};
use crate::report::style::{ColorChoice, Style};
use crate::run::verify_outputs::{self as verify, VerifyOptions};

#[derive(Debug, clap::Args)]
pub struct VerifyOutputsArgs {
    /// A run directory (with run.json; its outputs/ is checked) or any directory of
    /// answers (NN-<slug>.md files or chunk sets).
    pub dir: PathBuf,
    /// Print one JSON document (per-step status and files, problems, complete, valid).
    #[arg(long)]
    pub json: bool,
    /// Also check that every answer (or chunk set) has the sections Direct answer,
    /// Risks/unknowns, Next experiment, Missing evidence; missing ones are warnings.
    #[arg(long)]
    pub headings: bool,
    /// Like --headings, but missing sections are errors.
    #[arg(long)]
    pub require_headings: bool,
    /// The pack that produced the directory: also check that the file names its literal
    /// --write-output paths promise are present.
    #[arg(long)]
    pub pack: Option<PathBuf>,
}

pub fn run(a: &VerifyOutputsArgs, color: ColorChoice) -> crate::Result<i32> {
    let dir = verify::resolve_dir(&a.dir)?;
    let expected = match &a.pack {
        Some(p) => Some(verify::expected_outputs(&super::read_pack(p)?)),
        None => None,
    };
    let opts = VerifyOptions {
        headings: a.headings || a.require_headings,
        require_headings: a.require_headings,
        expected,
    };
    let report = verify::verify_dir(&dir, &opts)?;
    if a.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Usage(e.to_string()))?;
        crate::report::out::print(&format!("{text}\n"));
    } else {
        let style = Style::for_stdout(color);
        crate::report::out::print(&crate::report::verify_outputs::human(&report, &style));
    }
    Ok(if report.valid {
        exit::OK
    } else {
        exit::INVALID
    })
}
