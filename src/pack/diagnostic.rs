//! Diagnostics: what a rule found, where, and the one-line fix.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    /// The step the finding belongs to (`"07"`), if any.
    pub step: Option<String>,
    /// 1-based line and column in the pack file (0 when the finding has no place).
    pub line: usize,
    pub column: usize,
    /// Characters to underline, starting at `column` (at least 1).
    #[serde(skip)]
    pub width: usize,
    pub message: String,
    pub fix: String,
}

impl Diagnostic {
    pub fn new(rule: &'static str, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity,
            step: None,
            line: 0,
            column: 0,
            width: 1,
            message: message.into(),
            fix: String::new(),
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    pub fn width(mut self, w: usize) -> Self {
        self.width = w.max(1);
        self
    }

    pub fn step(mut self, id: impl Into<String>) -> Self {
        self.step = Some(id.into());
        self
    }

    pub fn fix(mut self, f: impl Into<String>) -> Self {
        self.fix = f.into();
        self
    }
}
