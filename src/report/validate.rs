//! The `validate --json` document. Field order is fixed by the struct; diagnostics are
//! sorted by the linter, so the same pack gives the same bytes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pack::lint::{LintOutcome, RuleResult};
use crate::pack::{Diagnostic, Pack, Severity};

/// Bump when a field changes meaning or disappears (adding fields does not bump it).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

#[derive(Debug, Serialize)]
pub struct ValidateReport<'a> {
    pub format_version: u32,
    pub file: &'a str,
    /// `compat` (the Go tool's structural contract) or `strict`.
    pub mode: &'static str,
    pub kind: &'static str,
    pub valid: bool,
    pub steps: usize,
    pub bash_blocks: usize,
    pub fences_total: usize,
    /// Calls of `oracle` found in the steps (a grouped pack with four per step has 80).
    pub oracle_invocations: usize,
    /// Calls per provider (oracle, codex, gemini, claude), sorted by name.
    pub llm_invocations: BTreeMap<String, usize>,
    pub summary: Summary,
    pub rules: Vec<RuleResult>,
    pub diagnostics: &'a [Diagnostic],
}

pub struct Counts {
    pub steps: usize,
    pub bash_blocks: usize,
    pub fences_total: usize,
    pub oracle_invocations: usize,
    pub llm_invocations: BTreeMap<String, usize>,
}

pub fn counts(pack: &Pack) -> Counts {
    let mut llm = BTreeMap::new();
    for (_, inv) in pack.invocations() {
        *llm.entry(inv.provider.clone()).or_insert(0) += 1;
    }
    Counts {
        steps: pack.steps.len(),
        bash_blocks: pack.fences.iter().filter(|f| f.is_bash()).count(),
        fences_total: pack.fences.len(),
        oracle_invocations: llm.get("oracle").copied().unwrap_or(0),
        llm_invocations: llm,
    }
}

pub fn summary(diags: &[Diagnostic]) -> Summary {
    let n = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    Summary {
        errors: n(Severity::Error),
        warnings: n(Severity::Warning),
        infos: n(Severity::Info),
    }
}

pub fn build<'a>(
    file: &'a str,
    pack: &Pack,
    mode: &'static str,
    kind: &'static str,
    outcome: &'a LintOutcome,
    valid: bool,
) -> ValidateReport<'a> {
    let c = counts(pack);
    ValidateReport {
        format_version: FORMAT_VERSION,
        file,
        mode,
        kind,
        valid,
        steps: c.steps,
        bash_blocks: c.bash_blocks,
        fences_total: c.fences_total,
        oracle_invocations: c.oracle_invocations,
        llm_invocations: c.llm_invocations,
        summary: summary(&outcome.diagnostics),
        rules: outcome.rules.clone(),
        diagnostics: &outcome.diagnostics,
    }
}
