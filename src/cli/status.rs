//! `oraclepack status [run-dir] [--json]`: what a past or running run did.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, exit};
use crate::run::model::{RunRecord, StepsFile};
use crate::run::store::{RunDir, read_json};

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// A run directory (.oraclepack/runs/<pack_id>) [default: the most recently updated
    /// run of the project around the current directory].
    pub run_dir: Option<PathBuf>,
    /// Print one JSON document: run.json, steps.json and whether a runner holds the run.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    run_dir: String,
    /// An `oraclepack run` holds the directory's lock right now.
    active: bool,
    run: &'a RunRecord,
    steps: &'a StepsFile,
}

pub fn run(a: &StatusArgs) -> crate::Result<i32> {
    let dir = match &a.run_dir {
        Some(d) => d.clone(),
        None => latest_run()?,
    };
    let rd = RunDir::at(dir.clone());
    let run: RunRecord = read_json(&rd.run_json())?.ok_or_else(|| {
        Error::Usage(format!(
            "{} is not a run directory (no run.json); pass .oraclepack/runs/<pack_id>",
            dir.display()
        ))
    })?;
    let steps: StepsFile = read_json(&rd.steps_json())?
        .ok_or_else(|| Error::Usage(format!("{}: run.json without steps.json", dir.display())))?;
    let active = is_locked(&rd.lock_path());
    if a.json {
        let doc = Doc {
            version: 1,
            run_dir: dir.display().to_string(),
            active,
            run: &run,
            steps: &steps,
        };
        let text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Usage(e.to_string()))?;
        crate::report::out::print(&format!("{text}\n"));
        return Ok(exit::OK);
    }
    crate::report::out::print(&crate::report::status::table(&run, &steps, active));
    Ok(exit::OK)
}

fn is_locked(path: &Path) -> bool {
    let Ok(f) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    else {
        return false;
    };
    matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

pub(crate) fn latest_run() -> crate::Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: PathBuf::from("."),
        source,
    })?;
    let root = crate::project::discover_root(&cwd).unwrap_or(cwd);
    let runs = root.join(".oraclepack").join("runs");
    let newest = std::fs::read_dir(&runs)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let steps = e.path().join("steps.json");
            let t = std::fs::metadata(&steps).and_then(|m| m.modified()).ok()?;
            Some((t, e.path()))
        })
        .max();
    newest.map(|(_, p)| p).ok_or_else(|| {
        Error::Usage(format!(
            "no runs under {}; pass a run directory",
            runs.display()
        ))
    })
}
