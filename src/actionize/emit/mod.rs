//! Artifact renderers. Each is a pure function of the [`Model`](super::Model); ordering
//! is explicit everywhere (categories in taxonomy order, issues by ROI then index).

pub(crate) mod action_pack;
pub(crate) mod backlog;
pub(crate) mod change_plan;
pub(crate) mod github;
pub(crate) mod taskmaster;

use super::Model;
use super::model::{EvidenceRef, Issue, Task, TaskKind};
use crate::pack::header::CATEGORIES;

/// `normalized.jsonl`: one finding per line.
pub(crate) fn normalized(m: &Model) -> crate::Result<Vec<u8>> {
    let mut out = Vec::new();
    for f in &m.findings {
        let line = serde_json::to_string(f)
            .map_err(|e| crate::Error::Usage(format!("cannot serialize finding: {e}")))?;
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    Ok(out)
}

fn category_rank(c: &str) -> usize {
    CATEGORIES
        .iter()
        .position(|x| *x == c)
        .unwrap_or(CATEGORIES.len())
}

fn roi_desc(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    let k = |r: Option<f64>| r.map(|v| (v * 1000.0).round() as i64).unwrap_or(i64::MIN);
    k(b).cmp(&k(a))
}

/// Issues grouped by category (taxonomy order, unknown ones last by name), each group
/// ordered by ROI descending, then index.
pub(crate) fn by_category(m: &Model) -> Vec<(String, Vec<&Issue>)> {
    let mut v: Vec<&Issue> = m.issues.iter().collect();
    v.sort_by(|a, b| {
        category_rank(&a.category)
            .cmp(&category_rank(&b.category))
            .then(a.category.cmp(&b.category))
            .then(roi_desc(a.roi, b.roi))
            .then(a.index.cmp(&b.index))
    });
    let mut out: Vec<(String, Vec<&Issue>)> = Vec::new();
    for i in v {
        match out.last_mut() {
            Some((c, list)) if *c == i.category => list.push(i),
            _ => out.push((i.category.clone(), vec![i])),
        }
    }
    out
}

pub(crate) fn issue_ref(m: &Model, i: &Issue) -> String {
    format!("OP3-{}-{}", m.pack_hash8, i.index)
}

pub(crate) fn evidence_list(e: &[EvidenceRef]) -> String {
    e.iter()
        .map(|r| format!("`{}`", r.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Concrete files (not globs) a task names: what a change will touch.
pub(crate) fn files_to_touch(t: &Task) -> Vec<String> {
    let mut v: Vec<String> = t
        .evidence
        .iter()
        .filter(|e| !e.glob)
        .map(|e| e.path.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// How to check that a task is done (DESIGN §7: "validation for each change").
pub(crate) fn validation(m: &Model, t: &Task) -> String {
    let step = format!("{:02}", t.issue);
    let experiment = m.experiments.get(&t.issue);
    match t.kind {
        TaskKind::Experiment => format!(
            "Done when the experiment has run and its outcome (pass/fail, with file:line evidence) is recorded on issue {}.",
            t.issue
        ),
        TaskKind::Action => match experiment {
            Some(x) => format!(
                "Add a test for the changed behaviour; re-run {} ({}) and confirm it passes; re-ask step {step} and confirm this finding is gone.",
                x.id,
                super::tasks::title_of(&x.text, 80)
            ),
            None => format!(
                "Add a test for the changed behaviour; re-ask step {step} and confirm this finding is gone."
            ),
        },
        TaskKind::Risk => "Resolved when the unknown is answered with evidence (file:line) or turned into an action task.".to_string(),
        TaskKind::Blocked => format!(
            "Attach the named files to step {step}, rerun it (`oraclepack run <pack> --rerun {step}`), then rerun actionize: this task disappears."
        ),
        TaskKind::Conflict => "Decide by reading the cited code; close or correct the losing step's tasks.".to_string(),
    }
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
