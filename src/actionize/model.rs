//! Types shared by the actionizer stages: answers in, findings, clusters, issues and tasks out.

use serde::Serialize;

pub use crate::answers::Section;

/// One answer file as read from disk.
#[derive(Debug, Clone)]
pub struct Answer {
    /// File name inside the outputs directory.
    pub file: String,
    /// Two-digit step id taken from the file name.
    pub step: String,
    /// File-name slug after the step id (without the chunk suffix).
    pub slug: String,
    /// Set for chunk-set files (`...-risks-unknowns.md`): the section the whole file holds.
    pub chunk: Option<Section>,
    pub sha256: String,
    pub text: String,
}

/// What the actionizer knows about a step (from the pack, or derived from the slug).
#[derive(Debug, Clone, Default)]
pub struct StepMeta {
    pub id: String,
    pub title: String,
    pub category: Option<String>,
    pub roi: Option<f64>,
    pub reference: Option<String>,
    pub horizon: Option<String>,
}

/// An evidence reference found in answer text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EvidenceRef {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// The path is a glob pattern (`**/jobs/**`), i.e. something to attach, not a file.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub glob: bool,
}

impl EvidenceRef {
    pub fn display(&self) -> String {
        match (&self.line, &self.symbol) {
            (Some(l), _) => format!("{}:{l}", self.path),
            (None, Some(s)) => format!("{}:{s}", self.path),
            _ => self.path.clone(),
        }
    }
}

/// One normalized finding: a line of `normalized.jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub step: String,
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub roi: Option<f64>,
    pub section: Section,
    pub text: String,
    pub evidence: Vec<EvidenceRef>,
    /// Documents the answer cites after a paragraph (`Oraclepack_Compatibility_Issues`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cites: Vec<String>,
    pub source: String,
    pub source_sha256: String,
    /// Position inside the source file; used for display order only, never for ids.
    #[serde(skip)]
    pub ordinal: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// Implement what a direct answer says must change.
    Action,
    /// Run the answer's smallest concrete experiment.
    Experiment,
    /// Resolve a risk or unknown.
    Risk,
    /// Cannot proceed: evidence or the answer itself is missing.
    Blocked,
    /// Two answers contradict each other.
    Conflict,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Action => "action",
            TaskKind::Experiment => "experiment",
            TaskKind::Risk => "risk",
            TaskKind::Blocked => "blocked",
            TaskKind::Conflict => "conflict",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: String,
    pub issue: u32,
    pub index: u32,
    pub kind: TaskKind,
    pub title: String,
    pub text: String,
    pub category: String,
    pub roi: Option<f64>,
    pub horizon: String,
    pub evidence: Vec<EvidenceRef>,
    /// Steps whose answers raised this task (sorted).
    pub steps: Vec<String>,
    /// Finding ids merged into this task (sorted); the identity used by `ids.json`.
    pub members: Vec<String>,
    /// Source files, sorted.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Issue {
    pub index: u32,
    pub step: String,
    pub title: String,
    pub category: String,
    pub roi: Option<f64>,
    pub reference: Option<String>,
    pub tasks: Vec<Task>,
}

pub fn fmt_roi(r: Option<f64>) -> String {
    r.map(|v| format!("{v:.1}")).unwrap_or_else(|| "?".into())
}
