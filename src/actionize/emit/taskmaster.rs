//! `taskmaster.json` in Task Master's `tasks.json` format (task-master-ai 0.43): a tag
//! (`master`) holding `tasks` and `metadata`. One Task Master task per issue, one
//! subtask per actionizer task. `metadata` deliberately has no `created`/`updated`
//! timestamps: the file must be byte-identical on rerun.

use serde::Serialize;

use super::super::Model;
use super::super::model::{TaskKind, fmt_roi};
use super::{by_category, evidence_list, issue_ref, one_line, validation};

#[derive(Serialize)]
struct Subtask {
    id: u32,
    title: String,
    description: String,
    details: String,
    status: &'static str,
    dependencies: Vec<u32>,
    #[serde(rename = "testStrategy")]
    test_strategy: String,
}

#[derive(Serialize)]
struct TmTask {
    id: u32,
    title: String,
    description: String,
    details: String,
    #[serde(rename = "testStrategy")]
    test_strategy: String,
    priority: &'static str,
    dependencies: Vec<u32>,
    status: &'static str,
    subtasks: Vec<Subtask>,
}

#[derive(Serialize)]
struct Metadata {
    description: String,
    #[serde(rename = "packHash8")]
    pack_hash8: String,
    source: &'static str,
}

#[derive(Serialize)]
struct Tag {
    tasks: Vec<TmTask>,
    metadata: Metadata,
}

#[derive(Serialize)]
struct File {
    master: Tag,
}

fn priority(roi: Option<f64>) -> &'static str {
    match roi {
        Some(r) if r >= 4.5 => "high",
        Some(r) if r < 3.5 => "low",
        _ => "medium",
    }
}

pub(crate) fn render(m: &Model) -> crate::Result<Vec<u8>> {
    let mut tasks = Vec::new();
    let mut id = 0;
    for (_, issues) in by_category(m) {
        for i in issues {
            id += 1;
            let mut subtasks = Vec::new();
            // Subtasks of a step follow its first experiment: run the cheapest check first.
            // (One dependency, not all experiments: keeps the file linear in size.)
            let experiments: Vec<u32> = i
                .tasks
                .iter()
                .position(|t| t.kind == TaskKind::Experiment)
                .map(|n| n as u32 + 1)
                .into_iter()
                .collect();
            for (n, t) in i.tasks.iter().enumerate() {
                let sid = n as u32 + 1;
                let mut details = one_line(&t.text);
                if !t.evidence.is_empty() {
                    details.push_str(&format!("\n\nEvidence: {}", evidence_list(&t.evidence)));
                }
                details.push_str(&format!("\n\nSteps: {}", t.steps.join(", ")));
                subtasks.push(Subtask {
                    id: sid,
                    title: format!("{} [{}] {}", t.id, t.kind.as_str(), one_line(&t.title)),
                    description: super::super::tasks::title_of(&one_line(&t.text), 200),
                    details,
                    // Task Master knows `blocked` (its dashboard counts it).
                    status: if t.kind == TaskKind::Blocked {
                        "blocked"
                    } else {
                        "pending"
                    },
                    dependencies: match t.kind {
                        TaskKind::Action | TaskKind::Risk => experiments.clone(),
                        _ => Vec::new(),
                    },
                    test_strategy: validation(m, t),
                });
            }
            tasks.push(TmTask {
                id,
                title: format!("[{}] {}", issue_ref(m, i), super::super::tasks::title_of(&one_line(&i.title), 160)),
                description: format!(
                    "Step {} · {} · ROI {} · {} task(s)",
                    i.step,
                    i.category,
                    fmt_roi(i.roi),
                    i.tasks.len()
                ),
                details: i
                    .tasks
                    .iter()
                    .map(|t| format!("- {} [{}] {}", t.id, t.kind.as_str(), one_line(&t.title)))
                    .collect::<Vec<_>>()
                    .join("\n"),
                test_strategy: "Every subtask's test strategy holds; re-ask the step and rerun `oraclepack actionize`: the issue's open tasks shrink.".into(),
                priority: priority(i.roi),
                dependencies: Vec::new(),
                status: "pending",
                subtasks,
            });
        }
    }
    let file = File {
        master: Tag {
            tasks,
            metadata: Metadata {
                description: format!(
                    "Tasks exported by oraclepack actionize (pack hash {})",
                    m.pack_hash8
                ),
                pack_hash8: m.pack_hash8.clone(),
                source: "oraclepack actionize",
            },
        },
    };
    super::super::json_bytes(&file)
}
