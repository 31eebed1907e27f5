//! Which steps run: resume by default (a step whose recorded outputs exist and match their
//! hashes is skipped), `--rerun all|failed|01,03`, the ROI filter.

use std::collections::BTreeSet;
use std::path::Path;

use super::events::PlanAction;
use super::model::{Status, StepRecord};
use super::script::StepSpec;
use super::store::{RunDir, hash_file};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rerun {
    /// Resume: run what is not up to date.
    Resume,
    All,
    /// Only steps whose last execution failed or was interrupted.
    Failed,
    /// Exactly these steps.
    Steps(BTreeSet<String>),
}

impl Rerun {
    pub(crate) fn parse(s: &str) -> Result<Rerun, String> {
        match s {
            "all" => Ok(Rerun::All),
            "failed" => Ok(Rerun::Failed),
            _ => {
                let mut set = BTreeSet::new();
                for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let n: u32 = part.parse().map_err(|_| {
                        format!("--rerun {s}: `{part}` is not a step; use all, failed or a list like 01,03,07")
                    })?;
                    if !(1..=99).contains(&n) {
                        return Err(format!("--rerun {s}: step {part} is out of range"));
                    }
                    set.insert(format!("{n:02}"));
                }
                if set.is_empty() {
                    return Err("--rerun needs all, failed or a list like 01,03,07".into());
                }
                Ok(Rerun::Steps(set))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RoiMode {
    /// Run steps with ROI >= threshold (the Go tool's default).
    Over,
    /// Run steps with ROI < threshold.
    Under,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoiFilter {
    pub threshold: f64,
    pub mode: RoiMode,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub step: String,
    pub action: PlanAction,
    /// Machine-readable reason (`new`, `changed`, `failed`, `outputs_missing`, …).
    pub reason: String,
    /// Human detail (which output, which threshold).
    pub detail: Option<String>,
    /// Outputs to restore from their canonical copies (pack locations that were deleted
    /// or edited while the canonical copy still matches).
    pub restore: Vec<(String, String)>,
    /// The step is left out of this run entirely (ROI filter, not selected by --rerun).
    pub status_if_skipped: Option<Status>,
}

pub(crate) fn plan(
    specs: &[StepSpec],
    previous: &[StepRecord],
    rerun: &Rerun,
    roi: Option<&RoiFilter>,
    run_dir: &RunDir,
    project_root: &Path,
) -> Vec<Decision> {
    specs
        .iter()
        .map(|spec| {
            let prev = previous.iter().find(|p| p.step_id == spec.id);
            decide(spec, prev, rerun, roi, run_dir, project_root)
        })
        .collect()
}

fn decide(
    spec: &StepSpec,
    prev: Option<&StepRecord>,
    rerun: &Rerun,
    roi: Option<&RoiFilter>,
    run_dir: &RunDir,
    root: &Path,
) -> Decision {
    let run = |reason: &str, detail: Option<String>| Decision {
        step: spec.id.clone(),
        action: PlanAction::Run,
        reason: reason.into(),
        detail,
        restore: Vec::new(),
        status_if_skipped: None,
    };
    let skip = |reason: &str, detail: Option<String>, status: Option<Status>| Decision {
        step: spec.id.clone(),
        action: PlanAction::Skip,
        reason: reason.into(),
        detail,
        restore: Vec::new(),
        status_if_skipped: status,
    };
    if let Some(f) = roi {
        let r = spec.roi.unwrap_or(0.0);
        let keep = match f.mode {
            RoiMode::Over => r >= f.threshold,
            RoiMode::Under => r < f.threshold,
        };
        if !keep {
            let rel = if f.mode == RoiMode::Over {
                "below"
            } else {
                "at or above"
            };
            return skip(
                "roi_filtered",
                Some(format!("ROI {r} is {rel} the threshold {}", f.threshold)),
                Some(Status::Skipped),
            );
        }
    }
    let prev_status = prev.map(|p| p.status);
    match rerun {
        Rerun::All => return run("rerun_all", None),
        Rerun::Steps(set) if set.contains(&spec.id) => return run("rerun_selected", None),
        Rerun::Steps(_) => return skip("not_selected", None, None),
        Rerun::Failed => {
            let failed = prev.is_some_and(|p| {
                p.status == Status::Failed || (p.status != Status::Ok && p.error_class.is_some())
            });
            return if failed {
                run("failed", prev.and_then(|p| p.error.clone()))
            } else {
                skip("not_failed", None, None)
            };
        }
        Rerun::Resume => {}
    }
    let Some(p) = prev else {
        return run("new", None);
    };
    if p.command_hash != spec.command_hash {
        return run(
            "changed",
            Some("the step's script changed since it last ran".into()),
        );
    }
    match prev_status {
        Some(Status::Ok) => {}
        Some(Status::Failed) => return run("failed", p.error.clone()),
        _ if p.error_class.is_some() => return run("interrupted", p.error.clone()),
        _ => return run("pending", None),
    }
    let mut restore = Vec::new();
    for o in &p.outputs {
        let canon = run_dir.root.join(&o.canonical);
        match hash_file(&canon) {
            None => return run("outputs_missing", Some(format!("{} is gone", o.canonical))),
            Some((h, _)) if h != o.sha256 => {
                return run(
                    "outputs_changed",
                    Some(format!(
                        "{} no longer matches its recorded hash",
                        o.canonical
                    )),
                );
            }
            Some(_) => {}
        }
        let at = root.join(&o.path);
        if hash_file(&at).map(|(h, _)| h) != Some(o.sha256.clone()) {
            restore.push((o.canonical.clone(), o.path.clone()));
        }
    }
    let mut d = skip("up_to_date", None, Some(Status::Ok));
    if !restore.is_empty() {
        d.detail = Some(format!(
            "{} output(s) restored from the run directory",
            restore.len()
        ));
    }
    d.restore = restore;
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rerun_parses() {
        assert_eq!(Rerun::parse("all"), Ok(Rerun::All));
        assert_eq!(Rerun::parse("failed"), Ok(Rerun::Failed));
        let Ok(Rerun::Steps(s)) = Rerun::parse("1,03, 7") else {
            panic!("list")
        };
        assert_eq!(s.into_iter().collect::<Vec<_>>(), ["01", "03", "07"]);
        assert!(Rerun::parse("x").is_err());
        assert!(Rerun::parse("0").is_err());
    }
}
