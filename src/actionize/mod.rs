//! Stage 3, the actionizer (DESIGN §7): answers → findings (`normalize`) → near-duplicate
//! clusters (`dedupe`) → tasks with stable ids, grouped by step (`tasks`) → artifacts
//! (`emit`). Everything is a pure function of the input bytes: no clock, no map
//! iteration order, no dependence on the order files were read, so reruns are
//! byte-identical.

pub(crate) mod conflict;
pub(crate) mod dedupe;
pub(crate) mod emit;
pub(crate) mod evidence;
pub(crate) mod input;
pub mod model;
pub(crate) mod normalize;
#[doc(hidden)]
pub mod synthetic;
pub mod tasks;
pub(crate) mod write;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use model::{Finding, Issue, TaskKind};
pub use tasks::IdMap;

/// Everything actionize reads, already in memory (the CLI gathers it from disk; tests
/// and the benchmark build it directly).
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// (file name, bytes) of every answer file, in any order.
    pub answers: Vec<(String, Vec<u8>)>,
    /// (display name, bytes) of the pack, when known.
    pub pack: Option<(String, Vec<u8>)>,
    /// `pack_hash` from a run's `run.json`, used when the pack file itself is absent.
    pub pack_hash: Option<String>,
    /// Steps the runner recorded as failed (`steps.json`).
    pub failed_steps: BTreeSet<String>,
    /// `ids.json` of a previous run into the same output directory.
    pub previous_ids: Option<IdMap>,
    /// The output directory as the action pack should name it (relative to the project
    /// root when possible).
    pub out_dir: String,
    pub emit_action_pack: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub pack_hash8: String,
    pub answers: usize,
    pub unmapped_files: Vec<String>,
    pub findings: usize,
    pub issues: usize,
    pub tasks: usize,
    /// Tasks someone can act on now: actions and experiments.
    pub action_yield: usize,
    pub blocked: usize,
    pub conflicts: usize,
    pub blocked_ratio: f64,
}

pub struct Artifacts {
    /// (file name inside the output directory, bytes), sorted by name.
    pub files: Vec<(String, Vec<u8>)>,
    pub summary: Summary,
}

pub(crate) struct Model {
    pub pack_name: Option<String>,
    pub pack_hash8: String,
    pub findings: Vec<Finding>,
    pub issues: Vec<Issue>,
    /// The first experiment task of each issue: what its other tasks validate against.
    pub experiments: BTreeMap<u32, model::Task>,
    pub out_dir: String,
}

fn pack_hash(input: &Input, answers: &[model::Answer]) -> String {
    if let Some((_, bytes)) = &input.pack {
        return input::sha256_hex(bytes);
    }
    if let Some(h) = input.pack_hash.as_ref().filter(|h| h.len() >= 8) {
        return h.trim_start_matches("sha256:").to_string();
    }
    // No pack: the identity of the answer set. `ids.json` carries the hash forward so a
    // new answer does not change every id (see `run`).
    let mut lines: Vec<String> = answers
        .iter()
        .map(|a| format!("{} {}\n", a.sha256, a.file))
        .collect();
    lines.sort();
    input::sha256_hex(lines.concat().as_bytes())
}

pub fn run(input: &Input) -> crate::Result<Artifacts> {
    let pack = input.pack.as_ref().map(|(name, bytes)| {
        crate::pack::parse(crate::pack::SourceFile::from_bytes(name.clone(), bytes))
    });
    let mut steps = pack
        .as_ref()
        .map(input::steps_from_pack)
        .unwrap_or_default();

    let mut answers = Vec::new();
    let mut unmapped = Vec::new();
    for (name, bytes) in &input.answers {
        match input::answer(name, bytes) {
            Some(a) => answers.push(a),
            None => unmapped.push(name.clone()),
        }
    }
    answers.sort_by(|a, b| a.file.cmp(&b.file));
    unmapped.sort();
    for a in &answers {
        steps
            .entry(a.step.clone())
            .or_insert_with(|| input::meta_from_slug(&a.step, &a.slug));
    }
    let mut hash = pack_hash(input, &answers);
    if input.pack.is_none()
        && input.pack_hash.is_none()
        && let Some(p) = &input.previous_ids
        && !p.pack_hash8.is_empty()
    {
        hash = p.pack_hash8.clone();
    }
    let pack_hash8: String = hash.chars().take(8).collect();

    // Findings, deduplicated by id (a chunk set and a single file may both hold one).
    let mut by_id: BTreeMap<String, Finding> = BTreeMap::new();
    let mut answered: BTreeSet<String> = BTreeSet::new();
    for a in &answers {
        let meta = steps.get(&a.step).cloned().unwrap_or_default();
        let found = normalize::normalize(a, &meta);
        if !found.is_empty() {
            answered.insert(a.step.clone());
        }
        for f in found {
            match by_id.get(&f.id) {
                Some(old) if old.source <= f.source => {}
                _ => {
                    by_id.insert(f.id.clone(), f);
                }
            }
        }
    }
    let canonical: Vec<Finding> = by_id.into_values().collect();
    let clusters = dedupe::cluster(&canonical, dedupe::THRESHOLD);
    let mut drafts = tasks::from_clusters(&canonical, &clusters, &steps);

    // Missing, empty and failed answers.
    let present: BTreeSet<&str> = answers.iter().map(|a| a.step.as_str()).collect();
    for (id, meta) in &steps {
        let why = if input.failed_steps.contains(id) {
            Some(tasks::Missing::Failed)
        } else if !present.contains(id.as_str()) {
            Some(tasks::Missing::Absent)
        } else if !answered.contains(id) {
            Some(tasks::Missing::Empty)
        } else {
            None
        };
        if let Some(why) = why {
            let expected: Vec<String> = pack
                .as_ref()
                .and_then(|p| p.steps.iter().find(|s| &s.id == id))
                .map(|s| {
                    s.invocations
                        .iter()
                        .flat_map(|i| i.write_outputs.iter().map(|a| a.value.clone()))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect()
                })
                .unwrap_or_default();
            let category = meta
                .category
                .clone()
                .unwrap_or_else(|| "uncategorized".into());
            drafts.push(tasks::blocked_answer(meta, why, &expected, category));
        }
    }
    for (a, b, about) in conflict::find(&canonical) {
        drafts.push(tasks::conflict(&canonical[a], &canonical[b], &about));
    }

    let (all_tasks, ids) = tasks::assign(drafts, &pack_hash8, input.previous_ids.as_ref());
    let n_tasks = all_tasks.len();
    let count = |k: TaskKind| all_tasks.iter().filter(|t| t.kind == k).count();
    let action_yield = count(TaskKind::Action) + count(TaskKind::Experiment);
    let blocked = count(TaskKind::Blocked);
    let conflicts = count(TaskKind::Conflict);
    let issues = tasks::issues(all_tasks, &steps);

    let mut findings = canonical;
    findings.sort_by(|a, b| (&a.step, &a.source, a.ordinal).cmp(&(&b.step, &b.source, b.ordinal)));
    let summary = Summary {
        pack_hash8: pack_hash8.clone(),
        answers: answers.len(),
        unmapped_files: unmapped,
        findings: findings.len(),
        issues: issues.len(),
        tasks: n_tasks,
        action_yield,
        blocked,
        conflicts,
        blocked_ratio: if n_tasks == 0 {
            0.0
        } else {
            // Rounded so the JSON summary is stable text.
            ((blocked as f64 / n_tasks as f64) * 10000.0).round() / 10000.0
        },
    };
    let experiments = issues
        .iter()
        .filter_map(|i| {
            i.tasks
                .iter()
                .find(|t| t.kind == TaskKind::Experiment)
                .map(|t| (i.index, t.clone()))
        })
        .collect();
    let model = Model {
        experiments,
        pack_name: input.pack.as_ref().map(|(n, _)| n.clone()),
        pack_hash8,
        findings,
        issues,
        out_dir: input.out_dir.clone(),
    };
    let mut files = vec![
        ("normalized.jsonl".to_string(), emit::normalized(&model)?),
        (
            "backlog.md".to_string(),
            emit::backlog::render(&model).into_bytes(),
        ),
        (
            "change-plan.md".to_string(),
            emit::change_plan::render(&model).into_bytes(),
        ),
        (
            "github-issues.json".to_string(),
            emit::github::render(&model)?,
        ),
        (
            "taskmaster.json".to_string(),
            emit::taskmaster::render(&model)?,
        ),
        ("ids.json".to_string(), json_bytes(&ids)?),
    ];
    if input.emit_action_pack {
        files.push((
            "action-pack.md".to_string(),
            emit::action_pack::render(&model).into_bytes(),
        ));
    }
    files.sort();
    Ok(Artifacts { files, summary })
}

pub(crate) fn json_bytes<T: Serialize>(v: &T) -> crate::Result<Vec<u8>> {
    let mut s = serde_json::to_string_pretty(v)
        .map_err(|e| crate::Error::Usage(format!("cannot serialize: {e}")))?;
    s.push('\n');
    Ok(s.into_bytes())
}
