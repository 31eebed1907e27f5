//! `oraclepack actionize`: gather the inputs from disk (a run directory or a plain
//! outputs directory plus a pack), run the pure pipeline, write the artifacts atomically,
//! apply the CI policy.
//!
//! Run-directory layout read here (the runner will produce it):
//! `<run-dir>/outputs/*.md` (required), `<run-dir>/run.json` (optional: `pack_path`,
//! `pack_hash`), `<run-dir>/steps.json` (optional: an array, or `{"steps": [...]}`, of
//! records with `step_id` and `status`; `failed` ones become blocked tasks).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::ActionizeArgs;
use crate::actionize::{self, IdMap, Input, Summary};
use crate::error::{Error, exit};

#[derive(Serialize)]
struct Policy {
    min_action_yield: Option<usize>,
    max_blocked_ratio: Option<f64>,
    passed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failures: Vec<String>,
}

#[derive(Serialize)]
struct Line<'a> {
    event: &'static str,
    format_version: u32,
    out_dir: String,
    #[serde(flatten)]
    summary: &'a Summary,
    policy: Policy,
}

fn read(path: &Path) -> crate::Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn json(path: &Path) -> crate::Result<Option<serde_json::Value>> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = read(path)?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::Usage(format!("{}: not valid JSON: {e}", path.display())))
}

/// Where the action pack should say its artifacts live: relative to the current
/// directory (the project root a pack runs from) when possible.
fn display_dir(out: &Path) -> String {
    if out.is_relative() {
        return out.display().to_string();
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| out.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| out.to_path_buf())
        .display()
        .to_string()
}

pub fn run(a: &ActionizeArgs) -> crate::Result<i32> {
    let (outputs, default_out) = match (&a.run_dir, &a.outputs) {
        (Some(r), None) => (r.join("outputs"), r.join("actionizer")),
        (None, Some(o)) => {
            let parent = o
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            (o.clone(), parent.join("actionizer"))
        }
        _ => {
            return Err(Error::Usage(
                "actionize needs exactly one of --run-dir <dir> or --outputs <dir>".into(),
            ));
        }
    };
    let out: PathBuf = a.out.clone().unwrap_or(default_out);
    let mut input = Input {
        answers: crate::answers::read_dir(&outputs)?,
        emit_action_pack: a.emit_action_pack,
        out_dir: display_dir(&out),
        ..Input::default()
    };
    let mut pack_path = a.pack.clone();
    if let Some(r) = &a.run_dir {
        if let Some(run) = json(&r.join("run.json"))? {
            input.pack_hash = run
                .get("pack_hash")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            if pack_path.is_none()
                && let Some(p) = run.get("pack_path").and_then(|v| v.as_str())
                && Path::new(p).is_file()
            {
                pack_path = Some(PathBuf::from(p));
            }
        }
        if let Some(steps) = json(&r.join("steps.json"))? {
            let list = steps.get("steps").cloned().unwrap_or(steps);
            let failed: BTreeSet<String> = list
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s.get("status").and_then(|v| v.as_str()) == Some("failed"))
                .filter_map(|s| {
                    s.get("step_id")
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                })
                .collect();
            input.failed_steps = failed;
        }
    }
    if let Some(p) = &pack_path {
        input.pack = Some((p.display().to_string(), read(p)?));
    }
    let ids_path = out.join("ids.json");
    if ids_path.is_file() {
        match serde_json::from_slice::<IdMap>(&read(&ids_path)?) {
            Ok(m) => input.previous_ids = Some(m),
            Err(e) => eprintln!(
                "oraclepack: warning: ignoring {} ({e}); ids are assigned afresh",
                ids_path.display()
            ),
        }
    }

    let artifacts = actionize::run(&input)?;
    std::fs::create_dir_all(&out).map_err(|source| Error::Write {
        path: out.clone(),
        source,
    })?;
    for (name, bytes) in &artifacts.files {
        actionize::write::atomic(&out, name, bytes)?;
    }

    let s = &artifacts.summary;
    let mut failures = Vec::new();
    if let Some(n) = a.min_action_yield
        && s.action_yield < n
    {
        failures.push(format!("action yield {} < {n}", s.action_yield));
    }
    if let Some(r) = a.max_blocked_ratio
        && s.blocked_ratio > r
    {
        failures.push(format!("blocked ratio {} > {r}", s.blocked_ratio));
    }
    for f in &s.unmapped_files {
        eprintln!("oraclepack: warning: {f}: no step id in the file name (NN-<slug>.md); skipped");
    }
    let passed = failures.is_empty();
    if a.ci || a.json {
        let line = Line {
            event: "actionize.summary",
            format_version: 1,
            out_dir: out.display().to_string(),
            summary: s,
            policy: Policy {
                min_action_yield: a.min_action_yield,
                max_blocked_ratio: a.max_blocked_ratio,
                passed,
                failures: failures.clone(),
            },
        };
        let text = serde_json::to_string(&line).map_err(|e| Error::Usage(e.to_string()))?;
        crate::report::out::print(&format!("{text}\n"));
    } else {
        eprintln!(
            "actionize: {} answers → {} findings → {} issues, {} tasks ({} actionable, {} blocked, {} conflicts); wrote {}",
            s.answers,
            s.findings,
            s.issues,
            s.tasks,
            s.action_yield,
            s.blocked,
            s.conflicts,
            out.display()
        );
    }
    for f in &failures {
        eprintln!("oraclepack: CI policy not met: {f}");
    }
    Ok(if passed { exit::OK } else { exit::POLICY })
}
