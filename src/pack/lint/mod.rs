//! `validate --strict`: independent rules over a parsed [`Pack`], each with an id, a
//! default severity and the pack kinds it applies to. Rules never see each other's
//! results; the report lists every rule with its outcome so CI can gate on any of them.

mod attachments;
mod bash_syntax;
mod coverage;
mod headers;
mod outputs;
mod script;
mod structure;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use super::Pack;
use super::diagnostic::{Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PackKind {
    /// Stage-1 question pack: 20 LLM questions with typed headers and outputs.
    QuestionPack,
    /// Stage-3 action pack: 20 steps of tool calls; structural lint only.
    ActionPack,
}

impl PackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PackKind::QuestionPack => "question-pack",
            PackKind::ActionPack => "action-pack",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LintOptions {
    pub kind: PackKind,
    /// Directory that attachments and outputs are relative to (the project root).
    pub root: PathBuf,
    /// Rule ids not to run.
    pub skip: BTreeSet<String>,
    /// Run `bash -n` (needs bash on PATH).
    pub bash_check: bool,
}

pub struct Ctx<'a> {
    pub pack: &'a Pack,
    pub opts: &'a LintOptions,
    /// The structural findings, computed once and shared by the structure rules.
    pub structure: Vec<Diagnostic>,
}

pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub kinds: &'static [PackKind],
    check: fn(&Ctx) -> Vec<Diagnostic>,
}

const BOTH: &[PackKind] = &[PackKind::QuestionPack, PackKind::ActionPack];
const QUESTION: &[PackKind] = &[PackKind::QuestionPack];

/// The strict contract, in report order.
pub static RULES: &[Rule] = &[
    Rule {
        id: "fence.count",
        severity: Severity::Error,
        summary: "exactly one fenced block in the document, and it is ```bash",
        kinds: BOTH,
        check: structure::fence_count,
    },
    Rule {
        id: "fence.nested",
        severity: Severity::Error,
        summary: "no ``` line inside the script closes the fence early",
        kinds: BOTH,
        check: structure::fence_nested,
    },
    Rule {
        id: "steps.count",
        severity: Severity::Error,
        summary: "exactly 20 step headers",
        kinds: BOTH,
        check: structure::steps_count,
    },
    Rule {
        id: "steps.duplicate",
        severity: Severity::Error,
        summary: "no step id appears twice",
        kinds: BOTH,
        check: structure::steps_duplicate,
    },
    Rule {
        id: "steps.sequence",
        severity: Severity::Error,
        summary: "step ids run 01..20 in order",
        kinds: BOTH,
        check: structure::steps_sequence,
    },
    Rule {
        id: "header.malformed",
        severity: Severity::Warning,
        summary: "no line that looks like a step header but is not one",
        kinds: BOTH,
        check: structure::header_malformed,
    },
    Rule {
        id: "header.tokens",
        severity: Severity::Error,
        summary: "every header has ROI= impact= confidence= effort= horizon= category= reference= with typed values",
        kinds: QUESTION,
        check: headers::tokens,
    },
    Rule {
        id: "header.category",
        severity: Severity::Error,
        summary: "category is one of the ten pack categories",
        kinds: QUESTION,
        check: headers::category,
    },
    Rule {
        id: "order.roi",
        severity: Severity::Warning,
        summary: "steps ordered by ROI descending, ties by effort ascending",
        kinds: QUESTION,
        check: headers::order,
    },
    Rule {
        id: "step.invocation",
        severity: Severity::Error,
        summary: "every step calls an LLM CLI",
        kinds: QUESTION,
        check: outputs::invocation,
    },
    Rule {
        id: "output.missing",
        severity: Severity::Error,
        summary: "every LLM call has --write-output",
        kinds: QUESTION,
        check: outputs::missing,
    },
    Rule {
        id: "output.path",
        severity: Severity::Error,
        summary: "--write-output is relative, has no .., and lives under out_dir",
        kinds: BOTH,
        check: outputs::path,
    },
    Rule {
        id: "output.naming",
        severity: Severity::Error,
        summary: "outputs are NN-<slug>.md or one chunk set NN-<slug>-{direct-answer,risks-unknowns,next-experiment,missing-evidence}.md",
        kinds: QUESTION,
        check: outputs::naming,
    },
    Rule {
        id: "output.duplicate",
        severity: Severity::Error,
        summary: "no two calls write the same file",
        kinds: BOTH,
        check: outputs::duplicate,
    },
    Rule {
        id: "placeholder",
        severity: Severity::Error,
        summary: "no unresolved template placeholders",
        kinds: BOTH,
        check: script::placeholder,
    },
    Rule {
        id: "flag.orphan",
        severity: Severity::Error,
        summary: "no flag line that is not continued from a command",
        kinds: BOTH,
        check: script::orphan_flags,
    },
    Rule {
        id: "bash.syntax",
        severity: Severity::Error,
        summary: "bash -n accepts the script",
        kinds: BOTH,
        check: bash_syntax::check,
    },
    Rule {
        id: "attach.missing",
        severity: Severity::Error,
        summary: "attached files exist in the project",
        kinds: QUESTION,
        check: attachments::missing,
    },
    Rule {
        id: "attach.broad",
        severity: Severity::Warning,
        summary: "attachments are minimal: the reference plus 0-2 neighbours, no broad globs",
        kinds: QUESTION,
        check: attachments::broad,
    },
    Rule {
        id: "coverage.duplicate",
        severity: Severity::Error,
        summary: "no two steps ask the same question",
        kinds: QUESTION,
        check: coverage::duplicate,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    Pass,
    Fail,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub id: &'static str,
    pub severity: Severity,
    pub status: RuleStatus,
    pub findings: usize,
    pub summary: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintOutcome {
    pub rules: Vec<RuleResult>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|r| r.id)
}

/// Run every applicable rule. Diagnostics come back sorted by line, then rule id.
pub fn lint(pack: &Pack, opts: &LintOptions) -> LintOutcome {
    let ctx = Ctx {
        pack,
        opts,
        structure: super::compat::check(pack),
    };
    // `bash -n` is the only slow rule (a process); start it first so it runs while the
    // other rules do.
    let mut pending_bash =
        (opts.bash_check && !opts.skip.contains("bash.syntax") && pack.bash.is_some())
            .then(|| bash_syntax::spawn(pack));
    let mut rules = Vec::new();
    let mut diagnostics = Vec::new();
    for rule in RULES {
        let applies = rule.kinds.contains(&opts.kind);
        if !applies || opts.skip.contains(rule.id) {
            rules.push(RuleResult {
                id: rule.id,
                severity: rule.severity,
                status: RuleStatus::Skipped,
                findings: 0,
                summary: rule.summary,
            });
            continue;
        }
        let mut found = if rule.id == "bash.syntax" {
            match pending_bash.take() {
                Some(child) => bash_syntax::collect(pack, child),
                None => {
                    rules.push(RuleResult {
                        id: rule.id,
                        severity: rule.severity,
                        status: RuleStatus::Skipped,
                        findings: 0,
                        summary: rule.summary,
                    });
                    continue;
                }
            }
        } else {
            (rule.check)(&ctx)
        };
        for d in &mut found {
            // A rule may emit infos/warnings besides its own severity; errors follow it.
            if d.severity == Severity::Error {
                d.severity = rule.severity;
            }
            if d.step.is_none() && d.line > 0 {
                d.step = pack.step_at_line(d.line).map(|s| s.id.clone());
            }
        }
        let counted = found
            .iter()
            .filter(|d| d.severity != Severity::Info)
            .count();
        rules.push(RuleResult {
            id: rule.id,
            severity: rule.severity,
            status: if counted > 0 {
                RuleStatus::Fail
            } else {
                RuleStatus::Pass
            },
            findings: counted,
            summary: rule.summary,
        });
        diagnostics.extend(found);
    }
    sort(&mut diagnostics);
    LintOutcome { rules, diagnostics }
}

pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.line, a.column, a.rule, &a.message).cmp(&(b.line, b.column, b.rule, &b.message))
    });
}

pub use coverage::question_display;
pub use structure::truncate;
