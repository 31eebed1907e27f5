//! Clusters, missing answers and conflicts → tasks with stable ids, grouped into one issue
//! per step. Ids are `OP3-<packhash8>-<issue_index>-<task_index>`: the issue index is the
//! step number, and task indices come from `ids.json` of the previous run when there is
//! one (a task keeps the id of any previous task it shares a finding with), else from a
//! content order. Retired entries stay in `ids.json` so an index is never reused.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::model::{EvidenceRef, Finding, Issue, Section, StepMeta, Task, TaskKind};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdMap {
    pub version: u32,
    pub pack_hash8: String,
    pub tasks: Vec<IdEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdEntry {
    pub id: String,
    pub issue: u32,
    pub task: u32,
    pub members: Vec<String>,
    /// True when the task no longer appears (kept so the index is never reused).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
}

/// A task before it has an id.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub home: u32,
    pub kind: TaskKind,
    pub title: String,
    pub text: String,
    pub category: String,
    pub roi: Option<f64>,
    pub horizon: String,
    pub evidence: Vec<EvidenceRef>,
    pub steps: Vec<String>,
    pub members: Vec<String>,
    pub sources: Vec<String>,
    /// Display order inside the home issue (the owner finding's position in its file).
    pub ordinal: usize,
}

pub(crate) fn step_number(step: &str) -> u32 {
    step.parse().unwrap_or(0)
}

/// A one-line title: the first sentence, cut at a word boundary.
pub(crate) fn title_of(text: &str, max: usize) -> String {
    let mut first = text;
    for sep in [". ", "; ", " — "] {
        if let Some(p) = first.find(sep) {
            first = &first[..p];
        }
    }
    let first = first.trim().trim_end_matches('.');
    if first.chars().count() <= max {
        return first.to_string();
    }
    let mut out = String::new();
    for w in first.split_whitespace() {
        if out.chars().count() + w.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out.push('…');
    out
}

fn horizon(kind: TaskKind, meta: Option<&StepMeta>) -> String {
    match kind {
        // These unblock everything else in the step, whatever its horizon.
        TaskKind::Experiment | TaskKind::Blocked | TaskKind::Conflict => "Immediate".into(),
        TaskKind::Action | TaskKind::Risk => meta
            .and_then(|m| m.horizon.clone())
            .filter(|h| crate::pack::header::HORIZONS.contains(&h.as_str()))
            .unwrap_or_else(|| match kind {
                TaskKind::Risk => "Strategic".into(),
                _ => "NearTerm".into(),
            }),
    }
}

fn kind_of(section: Section) -> TaskKind {
    match section {
        Section::DirectAnswer => TaskKind::Action,
        Section::Risk => TaskKind::Risk,
        Section::NextExperiment => TaskKind::Experiment,
        Section::MissingEvidence => TaskKind::Blocked,
    }
}

fn roi_key(r: Option<f64>) -> i64 {
    r.map(|v| (v * 1000.0).round() as i64).unwrap_or(i64::MIN)
}

/// A draft per cluster; the owner is the member with the highest ROI, then the lowest
/// step, then the smallest id, so the choice never depends on reading order.
pub(crate) fn from_clusters(
    findings: &[Finding],
    clusters: &[Vec<usize>],
    steps: &BTreeMap<String, StepMeta>,
) -> Vec<Draft> {
    let mut out = Vec::new();
    for c in clusters {
        let Some(&owner) = c.iter().min_by(|&&a, &&b| {
            let (fa, fb) = (&findings[a], &findings[b]);
            roi_key(fb.roi)
                .cmp(&roi_key(fa.roi))
                .then(fa.step.cmp(&fb.step))
                .then(fa.id.cmp(&fb.id))
        }) else {
            continue;
        };
        let o = &findings[owner];
        let kind = kind_of(o.section);
        let mut evidence: Vec<EvidenceRef> = c
            .iter()
            .flat_map(|&i| findings[i].evidence.clone())
            .collect();
        evidence.sort();
        evidence.dedup();
        let set = |f: &dyn Fn(&Finding) -> String| -> Vec<String> {
            c.iter()
                .map(|&i| f(&findings[i]))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let text = o.text.clone();
        let title = match kind {
            TaskKind::Blocked => {
                let pats: Vec<String> = evidence.iter().map(EvidenceRef::display).collect();
                if pats.is_empty() {
                    format!("Attach evidence: {}", title_of(&text, 80))
                } else {
                    title_of(&format!("Attach evidence: {}", pats.join(", ")), 100)
                }
            }
            TaskKind::Experiment => format!("Experiment: {}", title_of(&text, 90)),
            TaskKind::Risk => format!("Resolve: {}", title_of(&text, 90)),
            _ => title_of(&text, 100),
        };
        out.push(Draft {
            home: step_number(&o.step),
            kind,
            title,
            text,
            category: o.category.clone(),
            roi: o.roi,
            horizon: horizon(kind, steps.get(&o.step)),
            evidence,
            steps: set(&|f| f.step.clone()),
            members: set(&|f| f.id.clone()),
            sources: set(&|f| f.source.clone()),
            ordinal: o.ordinal,
        });
    }
    out
}

/// Why a step has no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Missing {
    Absent,
    Empty,
    Failed,
}

pub(crate) fn blocked_answer(
    step: &StepMeta,
    why: Missing,
    expected: &[String],
    category: String,
) -> Draft {
    let what = match why {
        Missing::Absent => "has no answer file",
        Missing::Empty => "has an empty answer",
        Missing::Failed => "failed",
    };
    let expected_txt = if expected.is_empty() {
        format!("{}-<slug>.md", step.id)
    } else {
        expected.join(", ")
    };
    Draft {
        home: step_number(&step.id),
        kind: TaskKind::Blocked,
        title: format!("Step {} {what}: rerun it or attach {expected_txt}", step.id),
        text: format!(
            "Step {} ({}) {what}. Rerun it (`oraclepack run <pack> --rerun {}`) or place its answer at {expected_txt} in the outputs directory, then rerun actionize.",
            step.id,
            if step.title.is_empty() {
                "untitled"
            } else {
                step.title.as_str()
            },
            step.id
        ),
        category,
        roi: step.roi,
        horizon: "Immediate".into(),
        evidence: expected
            .iter()
            .map(|p| EvidenceRef {
                path: p.clone(),
                line: None,
                symbol: None,
                glob: p.contains('*'),
            })
            .collect(),
        steps: vec![step.id.clone()],
        members: vec![format!("answer:{}", step.id)],
        sources: Vec::new(),
        ordinal: 0,
    }
}

pub(crate) fn conflict(a: &Finding, b: &Finding, about: &str) -> Draft {
    // The higher-ROI side owns the conflict; ties go to the lower step.
    let (o, other) = if roi_key(b.roi) > roi_key(a.roi)
        || (roi_key(b.roi) == roi_key(a.roi) && b.step < a.step)
    {
        (b, a)
    } else {
        (a, b)
    };
    let mut evidence: Vec<EvidenceRef> = a.evidence.iter().chain(&b.evidence).cloned().collect();
    evidence.sort();
    evidence.dedup();
    let (lo, hi) = if a.id <= b.id {
        (&a.id, &b.id)
    } else {
        (&b.id, &a.id)
    };
    let members = vec![format!("conflict:{lo}+{hi}")];
    let mut steps = vec![a.step.clone(), b.step.clone()];
    steps.sort();
    steps.dedup();
    let mut sources = vec![a.source.clone(), b.source.clone()];
    sources.sort();
    sources.dedup();
    Draft {
        home: step_number(&o.step),
        kind: TaskKind::Conflict,
        title: title_of(
            &format!(
                "Conflict between steps {} and {} on {about}",
                o.step, other.step
            ),
            100,
        ),
        text: format!(
            "Step {} ({}, {}) says: \"{}\"\n\nStep {} ({}, {}) says: \"{}\"\n\nDecide which holds (check the code), then correct the other step's tasks.",
            o.step, o.source, o.id, o.text, other.step, other.source, other.id, other.text
        ),
        category: o.category.clone(),
        roi: o.roi,
        horizon: "Immediate".into(),
        evidence,
        steps,
        members,
        sources,
        ordinal: 0,
    }
}

fn canonical_order(d: &mut [Draft]) {
    d.sort_by(|a, b| {
        (a.home, a.kind, a.ordinal, &a.members).cmp(&(b.home, b.kind, b.ordinal, &b.members))
    });
}

/// Give every draft its id, reusing `previous` (when it belongs to the same pack hash).
pub(crate) fn assign(
    mut drafts: Vec<Draft>,
    pack_hash8: &str,
    previous: Option<&IdMap>,
) -> (Vec<Task>, IdMap) {
    canonical_order(&mut drafts);
    let prev: Vec<IdEntry> = previous
        .filter(|p| p.pack_hash8 == pack_hash8)
        .map(|p| p.tasks.clone())
        .unwrap_or_default();
    let mut by_member: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in prev.iter().enumerate() {
        for m in &e.members {
            by_member.entry(m.as_str()).or_default().push(i);
        }
    }
    let mut taken = vec![false; prev.len()];
    let mut slot: Vec<Option<(u32, u32)>> = vec![None; drafts.len()];
    for (di, d) in drafts.iter().enumerate() {
        let best = d
            .members
            .iter()
            .flat_map(|m| by_member.get(m.as_str()).into_iter().flatten())
            .copied()
            .filter(|&i| !taken[i])
            .min_by_key(|&i| (prev[i].issue, prev[i].task));
        if let Some(i) = best {
            taken[i] = true;
            slot[di] = Some((prev[i].issue, prev[i].task));
        }
    }
    let mut next: BTreeMap<u32, u32> = BTreeMap::new();
    for e in &prev {
        let n = next.entry(e.issue).or_default();
        *n = (*n).max(e.task);
    }
    for (di, d) in drafts.iter().enumerate() {
        if slot[di].is_none() {
            let n = next.entry(d.home).or_default();
            *n += 1;
            slot[di] = Some((d.home, *n));
        }
    }
    let mut tasks = Vec::new();
    let mut entries = Vec::new();
    for (d, s) in drafts.into_iter().zip(slot) {
        let (issue, index) = s.unwrap_or((d.home, 0));
        let id = format!("OP3-{pack_hash8}-{issue}-{index}");
        entries.push(IdEntry {
            id: id.clone(),
            issue,
            task: index,
            members: d.members.clone(),
            retired: false,
        });
        tasks.push(Task {
            id,
            issue,
            index,
            kind: d.kind,
            title: d.title,
            text: d.text,
            category: d.category,
            roi: d.roi,
            horizon: d.horizon,
            evidence: d.evidence,
            steps: d.steps,
            members: d.members,
            sources: d.sources,
        });
    }
    for (i, e) in prev.into_iter().enumerate() {
        if !taken[i] {
            entries.push(IdEntry { retired: true, ..e });
        }
    }
    entries.sort_by_key(|e| (e.issue, e.task));
    tasks.sort_by_key(|t| (t.issue, t.index));
    (
        tasks,
        IdMap {
            version: 1,
            pack_hash8: pack_hash8.to_string(),
            tasks: entries,
        },
    )
}

/// One issue per step that has tasks, in index order; tasks by kind, then index.
pub(crate) fn issues(tasks: Vec<Task>, steps: &BTreeMap<String, StepMeta>) -> Vec<Issue> {
    let mut by: BTreeMap<u32, Vec<Task>> = BTreeMap::new();
    for t in tasks {
        by.entry(t.issue).or_default().push(t);
    }
    by.into_iter()
        .map(|(index, mut tasks)| {
            tasks.sort_by_key(|t| (t.kind, t.index));
            let step = format!("{index:02}");
            let meta = steps.get(&step);
            let category = meta
                .and_then(|m| m.category.clone())
                .or_else(|| tasks.first().map(|t| t.category.clone()))
                .unwrap_or_else(|| "uncategorized".into());
            let title = meta
                .map(|m| m.title.clone())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| format!("Step {step}"));
            Issue {
                index,
                step,
                title,
                category,
                roi: meta
                    .and_then(|m| m.roi)
                    .or_else(|| tasks.iter().filter_map(|t| t.roi).reduce(f64::max)),
                reference: meta.and_then(|m| m.reference.clone()),
                tasks,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(home: u32, member: &str) -> Draft {
        Draft {
            home,
            kind: TaskKind::Action,
            title: member.into(),
            text: member.into(),
            category: "x".into(),
            roi: None,
            horizon: "NearTerm".into(),
            evidence: vec![],
            steps: vec![format!("{home:02}")],
            members: vec![member.into()],
            sources: vec![],
            ordinal: 0,
        }
    }

    #[test]
    fn previous_ids_survive_new_tasks() {
        let (t1, map) = assign(vec![d(1, "F-b"), d(1, "F-c")], "abcd1234", None);
        let ids1: Vec<_> = t1
            .iter()
            .map(|t| (t.members[0].clone(), t.id.clone()))
            .collect();
        // A new finding sorts first in content order but must not steal an index.
        let (t2, map2) = assign(
            vec![d(1, "F-a"), d(1, "F-b"), d(1, "F-c")],
            "abcd1234",
            Some(&map),
        );
        for (m, id) in ids1 {
            assert!(t2.iter().any(|t| t.members[0] == m && t.id == id));
        }
        assert!(
            t2.iter()
                .any(|t| t.members[0] == "F-a" && t.id == "OP3-abcd1234-1-3")
        );
        // Dropping a task retires its id instead of reusing it.
        let (t3, map3) = assign(vec![d(1, "F-a"), d(1, "F-c")], "abcd1234", Some(&map2));
        assert_eq!(t3.len(), 2);
        assert!(
            map3.tasks
                .iter()
                .any(|e| e.retired && e.members == vec!["F-b".to_string()])
        );
    }

    #[test]
    fn titles_are_first_sentences() {
        assert_eq!(title_of("Do X now. Then Y.", 50), "Do X now");
        assert_eq!(title_of("alpha beta gamma delta", 12), "alpha beta…");
    }
}
