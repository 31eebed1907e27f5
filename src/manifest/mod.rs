//! Pack Manifest v1: the JSON source of truth of a pack (DESIGN §5). `validate` checks a
//! manifest against the embedded schema plus what a schema cannot say, `render` compiles
//! it into a Markdown pack, `import` goes the other way for existing packs.

pub(crate) mod import;
pub(crate) mod locate;
pub(crate) mod render;
pub(crate) mod schema;
pub(crate) mod skills;
pub(crate) mod validate;

#[cfg(test)]
mod determinism_tests;

use serde::{Deserialize, Serialize};

/// The only schema version this build reads and writes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    QuestionPack,
    ActionPack,
}

impl Kind {
    pub(crate) fn pack_kind(self) -> crate::pack::lint::PackKind {
        match self {
            Kind::QuestionPack => crate::pack::lint::PackKind::QuestionPack,
            Kind::ActionPack => crate::pack::lint::PackKind::ActionPack,
        }
    }
}

/// A header value that is a number or a level word (`impact`, `confidence`, `effort`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Level {
    Number(f64),
    Word(LevelWord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum LevelWord {
    Low,
    Medium,
    High,
}

impl LevelWord {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LevelWord::Low => "Low",
            LevelWord::Medium => "Medium",
            LevelWord::High => "High",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub schema_version: u32,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preamble: Option<String>,
    pub out_dir: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_output: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prelude: Option<String>,
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postamble: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roi: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub bash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

pub(crate) use crate::fsio::write_atomic;
