//! `run --dry-run`: the plan, as a table or one JSON document.

use serde::Serialize;

use crate::error::exit;
use crate::run::events::PlanAction;
use crate::run::session::Prepared;

#[derive(Serialize)]
struct PlanDoc<'a> {
    version: u32,
    pack_id: &'a str,
    run_dir: String,
    max_parallel: usize,
    steps: Vec<PlanStep<'a>>,
    to_run: usize,
}

#[derive(Serialize)]
struct PlanStep<'a> {
    step: &'a str,
    action: PlanAction,
    reason: &'a str,
    detail: Option<&'a str>,
    title: &'a str,
    roi: Option<f64>,
    outputs: &'a [String],
    dynamic_outputs: &'a [String],
    /// For a step that ran before: how many of its recorded calls the cache would answer
    /// now (`[hits, calls]`); `null` when nothing is recorded.
    cached_calls: Option<[usize; 2]>,
}

/// The human plan on stderr (for `check`, whose stdout stays free).
pub(crate) fn print_to_stderr(prep: &Prepared) {
    eprint!("{}", human(prep));
}

pub(crate) fn print(prep: &Prepared, json: bool) -> i32 {
    if !json {
        crate::report::out::print(&human(prep));
        return exit::OK;
    }
    let steps = steps(prep);
    let to_run = steps.iter().filter(|s| s.action == PlanAction::Run).count();
    let doc = PlanDoc {
        version: 1,
        pack_id: &prep.run.pack_id,
        run_dir: prep.run_dir.root.display().to_string(),
        max_parallel: prep.max_parallel,
        steps,
        to_run,
    };
    // One line: with --ci / --json-log every stdout line is one JSON document.
    let text = serde_json::to_string(&doc).unwrap_or_default();
    crate::report::out::print(&format!("{text}\n"));
    exit::OK
}

/// Would the cache answer a step's recorded calls now? Only meaningful for calls whose
/// argv was recorded (steps that ran before).
fn cached_calls(prep: &Prepared, i: usize) -> Option<[usize; 2]> {
    let rec = prep.steps.get(i)?;
    if rec.invocations.is_empty() || prep.interposer.cache == crate::run::CacheMode::Off {
        return None;
    }
    let hits = rec
        .invocations
        .iter()
        .filter(|c| c.write_output.is_some())
        .filter(|c| {
            crate::run::interpose::explain::explain(
                c,
                &prep.run,
                &prep.root,
                &prep.interposer.cache_dir,
            )
            .hit
        })
        .count();
    Some([hits, rec.invocations.len()])
}

fn steps(prep: &Prepared) -> Vec<PlanStep<'_>> {
    prep.decisions
        .iter()
        .zip(&prep.specs)
        .enumerate()
        .map(|(i, (d, s))| PlanStep {
            cached_calls: (d.action == PlanAction::Run)
                .then(|| cached_calls(prep, i))
                .flatten(),
            step: &d.step,
            action: d.action,
            reason: &d.reason,
            detail: d.detail.as_deref(),
            title: &s.title,
            roi: s.roi,
            outputs: &s.declared_outputs,
            dynamic_outputs: &s.dynamic_outputs,
        })
        .collect()
}

fn human(prep: &Prepared) -> String {
    let steps = steps(prep);
    let to_run = steps.iter().filter(|s| s.action == PlanAction::Run).count();
    let mut out = format!(
        "plan for {} ({}): {to_run} of {} steps would run, up to {} at a time\n",
        prep.run.pack_id,
        prep.run_dir.root.display(),
        prep.specs.len(),
        prep.max_parallel
    );
    for s in &steps {
        let action = match s.action {
            PlanAction::Run => "run ",
            PlanAction::Skip => "skip",
        };
        let mut detail = s.detail.map(|d| format!(": {d}")).unwrap_or_default();
        if let Some([hits, calls]) = s.cached_calls {
            detail.push_str(&format!(" [{hits}/{calls} calls cached]"));
        }
        let outs = match s.outputs.len() + s.dynamic_outputs.len() {
            0 => "no --write-output".to_string(),
            1 => s
                .outputs
                .first()
                .or(s.dynamic_outputs.first())
                .cloned()
                .unwrap_or_default(),
            n => format!("{n} outputs"),
        };
        out.push_str(&format!(
            "  {} {action}  {:<16} {}  → {outs}{detail}\n",
            s.step,
            s.reason,
            truncate(s.title, 48)
        ));
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        format!("{s:<n$}")
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}…")
    }
}
