//! `oraclepack validate`.

use std::collections::BTreeSet;

use super::ValidateArgs;
use crate::error::{Error, exit};
use crate::pack::lint::{self, LintOptions, LintOutcome, PackKind, RuleResult, RuleStatus};
use crate::pack::{Diagnostic, Severity, compat};
use crate::report::diagnostics::render_grouped;
use crate::report::style::{ColorChoice, Style};
use crate::report::validate as vreport;

const COMPAT_RULES: [(&str, Severity, &str); 5] = [
    ("fence.count", Severity::Error, "a ```bash block exists"),
    (
        "fence.nested",
        Severity::Warning,
        "no ``` line inside the script closes the fence early",
    ),
    ("steps.count", Severity::Error, "exactly 20 step headers"),
    (
        "steps.duplicate",
        Severity::Error,
        "no step id appears twice",
    ),
    (
        "steps.sequence",
        Severity::Error,
        "step ids run 01..20 in order",
    ),
];

fn compat_outcome(pack: &crate::pack::Pack) -> LintOutcome {
    let mut diagnostics = compat::check(pack);
    for d in &mut diagnostics {
        if d.step.is_none() && d.line > 0 {
            d.step = pack.step_at_line(d.line).map(|s| s.id.clone());
        }
    }
    lint::sort(&mut diagnostics);
    let rules = COMPAT_RULES
        .iter()
        .map(|&(id, severity, summary)| {
            let n = diagnostics
                .iter()
                .filter(|d| d.rule == id && d.severity != Severity::Info)
                .count();
            let skipped = pack.bash.is_none() && id != "fence.count";
            RuleResult {
                id,
                severity,
                status: if skipped {
                    RuleStatus::Skipped
                } else if n > 0 {
                    RuleStatus::Fail
                } else {
                    RuleStatus::Pass
                },
                findings: n,
                summary,
            }
        })
        .collect();
    LintOutcome { rules, diagnostics }
}

pub fn run(a: &ValidateArgs, color: ColorChoice) -> crate::Result<i32> {
    let known: BTreeSet<&str> = lint::rule_ids().collect();
    for s in &a.skip {
        if !known.contains(s.as_str()) {
            return Err(Error::Usage(format!(
                "--skip {s}: no such rule; rules are: {}",
                known.iter().copied().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let pack = super::read_pack(&a.pack)?;
    let strict = a.strict || a.kind.is_some();
    let kind = a.kind.unwrap_or(PackKind::QuestionPack);
    let mut outcome = if strict {
        let opts = LintOptions {
            kind,
            root: crate::project::root_for(&a.pack, a.work_dir.as_deref()),
            skip: a.skip.iter().cloned().collect(),
            bash_check: true,
        };
        lint::lint(&pack, &opts)
    } else {
        compat_outcome(&pack)
    };
    if pack.source.lossy {
        outcome.diagnostics.insert(
            0,
            Diagnostic::new(
                "encoding",
                Severity::Warning,
                "the file is not valid UTF-8; invalid bytes were replaced with U+FFFD",
            )
            .fix("save the pack as UTF-8"),
        );
    }
    let failing = |d: &Diagnostic| {
        d.severity == Severity::Error || (a.deny_warnings && d.severity == Severity::Warning)
    };
    let valid = !outcome.diagnostics.iter().any(failing);
    let file = a.pack.display().to_string();
    let mode = if strict { "strict" } else { "compat" };
    if a.json {
        let doc = vreport::build(&file, &pack, mode, kind.as_str(), &outcome, valid);
        let text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Usage(e.to_string()))?;
        crate::report::out::print(&format!("{text}\n"));
    } else {
        let style = Style::for_stdout(color);
        crate::report::out::print(&render_grouped(&pack.source, &outcome.diagnostics, &style));
        let c = vreport::counts(&pack);
        let s = vreport::summary(&outcome.diagnostics);
        let verdict = if valid {
            style.paint("1;32", "valid")
        } else {
            style.paint("1;31", "invalid")
        };
        let first_error = outcome.diagnostics.iter().find(|d| failing(d));
        let why = match (strict, first_error) {
            (false, Some(d)) => format!(": invalid pack structure: {}", d.message),
            _ => String::new(),
        };
        crate::report::out::print(&format!(
            "{file}: {verdict} ({mode}, {}){why}\n  {} steps, {} bash block(s), {} fence(s), {} oracle invocation(s); {} error(s), {} warning(s)\n",
            kind.as_str(),
            c.steps,
            c.bash_blocks,
            c.fences_total,
            c.oracle_invocations,
            s.errors,
            s.warnings
        ));
    }
    Ok(if valid { exit::OK } else { exit::INVALID })
}
