//! `oraclepack render`: manifest → Markdown pack.

use std::path::PathBuf;

use crate::error::exit;
use crate::manifest::{render, write_atomic};
use crate::report::style::ColorChoice;

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The manifest (JSON); it is validated first (exit 3 when invalid).
    pub manifest: PathBuf,
    /// Write the pack here (atomically) instead of stdout.
    #[arg(short, long, value_name = "PACK.md")]
    pub output: Option<PathBuf>,
    /// Write nothing; exit 3 when the file given with -o differs from what render would
    /// write (or is missing), 0 when it is up to date. For CI.
    #[arg(long, requires = "output")]
    pub check: bool,
}

pub fn run(a: &RenderArgs, color: ColorChoice) -> crate::Result<i32> {
    let m = super::manifest::load(&a.manifest, color)?;
    let text = render::render(&m);
    match (&a.output, a.check) {
        (None, _) => crate::report::out::print(&text),
        (Some(out), true) => {
            let current = std::fs::read(out).ok();
            if current.as_deref() != Some(text.as_bytes()) {
                let why = if current.is_none() {
                    "does not exist"
                } else {
                    "differs from the render of"
                };
                eprintln!(
                    "oraclepack: {} {why} {}; run `oraclepack render {} -o {}`",
                    out.display(),
                    a.manifest.display(),
                    a.manifest.display(),
                    out.display()
                );
                return Ok(exit::INVALID);
            }
            eprintln!("oraclepack: {} is up to date", out.display());
        }
        (Some(out), false) => {
            write_atomic(out, text.as_bytes())?;
            eprintln!("oraclepack: wrote {}", out.display());
        }
    }
    Ok(exit::OK)
}
