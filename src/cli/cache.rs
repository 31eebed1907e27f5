//! `oraclepack cache explain <step|step.call>`: why a call hit or missed the call cache.

use std::path::PathBuf;

use crate::error::{Error, exit};
use crate::run::interpose::explain::explain;
use crate::run::model::{RunRecord, StepsFile};
use crate::run::store::{RunDir, read_json};

#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum CacheCommand {
    /// Show a recorded call's cache key inputs (provider, version, model, flags, prompt,
    /// attached files with their hashes) and, when the cache would miss now, what differs
    /// from the closest stored entry.
    Explain(ExplainArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A step (`07`: each of its calls) or one call (`07.2`: the step's second call).
    pub target: String,
    /// The run directory [default: the most recently updated run of the project].
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
}

pub fn run(a: &CacheArgs) -> crate::Result<i32> {
    let CacheCommand::Explain(e) = &a.command;
    let (step, seq) = match e.target.split_once('.') {
        Some((s, c)) => (s, Some(c)),
        None => (e.target.as_str(), None),
    };
    let step: u32 = step.parse().map_err(|_| {
        Error::Usage(format!(
            "`{}`: expected a step like 07 or a call like 07.2",
            e.target
        ))
    })?;
    let step = format!("{step:02}");
    let seq: Option<u32> = seq
        .map(|s| {
            s.parse()
                .map_err(|_| Error::Usage(format!("`{}`: bad call number", e.target)))
        })
        .transpose()?;
    let dir = match &e.run_dir {
        Some(d) => d.clone(),
        None => super::status::latest_run()?,
    };
    let rd = RunDir::at(dir.clone());
    let run: RunRecord = read_json(&rd.run_json())?
        .ok_or_else(|| Error::Usage(format!("{}: no run.json", dir.display())))?;
    let steps: StepsFile = read_json(&rd.steps_json())?
        .ok_or_else(|| Error::Usage(format!("{}: no steps.json", dir.display())))?;
    // .oraclepack/runs/<id> → the project root.
    let root =
        dir.ancestors().nth(3).map(PathBuf::from).ok_or_else(|| {
            Error::Usage(format!("{} is not under .oraclepack/runs", dir.display()))
        })?;
    let cache_dir = root.join(".oraclepack").join("cache");
    let rec = steps
        .steps
        .iter()
        .find(|s| s.step_id == step)
        .ok_or_else(|| Error::Usage(format!("no step {step} in {}", dir.display())))?;
    let calls: Vec<_> = rec
        .invocations
        .iter()
        .filter(|c| seq.is_none_or(|s| c.seq == s))
        .collect();
    if calls.is_empty() {
        return Err(Error::Usage(format!(
            "step {step} has no recorded call{} (has it run?)",
            seq.map(|s| format!(" {s}")).unwrap_or_default()
        )));
    }
    let mut out = String::new();
    for c in calls {
        let x = explain(c, &run, &root, &cache_dir);
        out.push_str(&format!(
            "call {}.{} ({}{}): {}\n",
            x.step,
            x.seq,
            c.provider,
            c.write_output
                .as_deref()
                .map(|w| format!(" → {w}"))
                .unwrap_or_default(),
            if x.hit { "HIT" } else { "MISS" }
        ));
        out.push_str(&format!("  key now      {}\n", x.key));
        if let Some(k) = &x.recorded_key {
            let same = if *k == x.key {
                "(same)"
            } else {
                "(differs: inputs changed since the call)"
            };
            out.push_str(&format!("  key recorded {k} {same}\n"));
        }
        let i = &x.inputs;
        out.push_str(&format!(
            "  inputs: key format {}, provider {} {}, model {}\n  flags: {:?}\n  prompt: {} chars, sha256 {}\n",
            i.key_format,
            i.provider,
            i.provider_version.as_deref().unwrap_or("(version unknown)"),
            i.model,
            i.flags,
            i.prompt.chars().count(),
            &crate::fsio::sha256_hex(i.prompt.as_bytes())[..16]
        ));
        for (p, h) in &i.files {
            out.push_str(&format!("  file {p} sha256 {}\n", &h[..h.len().min(16)]));
        }
        for u in &i.unmatched {
            out.push_str(&format!("  file arg {u} matched nothing\n"));
        }
        if let Some(n) = &x.note {
            out.push_str(&format!("  note: {n}\n"));
        }
        if !x.hit {
            match &x.closest {
                Some(k) => out.push_str(&format!("  closest entry {k} differs in:\n")),
                None if x.differences.is_empty() => {
                    out.push_str("  no cached entry from this provider to compare with\n")
                }
                None => {}
            }
            for d in &x.differences {
                out.push_str(&format!("    - {d}\n"));
            }
        }
    }
    crate::report::out::print(&out);
    Ok(exit::OK)
}
