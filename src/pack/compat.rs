//! The structural contract the Go tool enforces, with its messages, so that `validate`
//! without `--strict` accepts and rejects exactly what users already rely on (exit 3).

use super::Pack;
use super::diagnostic::{Diagnostic, Severity};
use super::markdown;

pub const EXPECTED_STEPS: usize = 20;

/// Structural findings: no bash block, wrong count, duplicates, non-sequential ids.
/// Also notes (warnings) where oraclepack reads a pack differently from the Go tool.
pub fn check(pack: &Pack) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(bash) = &pack.bash else {
        let mut d = Diagnostic::new("fence.count", Severity::Error, "no bash code block found")
            .fix("put the script in a fenced block that starts on its own line with ```bash");
        if let Some(&(line, col)) = markdown::inline_bash_fences(&pack.source).first() {
            d = Diagnostic::new(
                "fence.count",
                Severity::Error,
                "no bash code block found: the ```bash on this line follows other text, so Markdown reads it as inline code",
            )
            .at(line, col)
            .width(7)
            .fix("move ```bash to the start of its own line");
        }
        out.push(d);
        return out;
    };
    if let Some(close) = bash.recovered_close {
        let fence = &pack.fences[bash.fence];
        out.push(
            Diagnostic::new(
                "fence.nested",
                Severity::Warning,
                format!(
                    "a ``` line inside a heredoc closes the ```bash fence of line {} for Markdown; read the script up to the fence at line {close}",
                    fence.open_line
                ),
            )
            .at(fence.open_line, 1)
            .width(3)
            .fix("open the script with a longer fence (````bash ... ````) so nested ``` lines stay inside it"),
        );
    }
    let n = pack.steps.len();
    let first = pack.steps.first();
    if n != EXPECTED_STEPS {
        let (line, col) = match first {
            Some(s) => (s.line, 1),
            None => (pack.fences[bash.fence].open_line, 1),
        };
        out.push(
            Diagnostic::new(
                "steps.count",
                Severity::Error,
                format!("expected exactly {EXPECTED_STEPS} steps, got {n}"),
            )
            .at(line, col)
            .width(3)
            .fix(if n < EXPECTED_STEPS {
                format!("add the missing steps so headers run # 01) .. # {EXPECTED_STEPS})")
            } else {
                format!("remove or merge steps so exactly {EXPECTED_STEPS} remain")
            }),
        );
    }
    let mut seen = std::collections::BTreeMap::new();
    // Only the first break in the sequence is reported: after a dropped step every later
    // step is "out of sequence", which says nothing new.
    let mut sequence_reported = false;
    for (i, s) in pack.steps.iter().enumerate() {
        if let Some(prev) = seen.insert(s.number, s.line) {
            out.push(
                Diagnostic::new(
                    "steps.duplicate",
                    Severity::Error,
                    format!("duplicate step number {} (first at line {prev})", s.number),
                )
                .at(s.line, 1)
                .width(5)
                .step(s.id.clone())
                .fix("renumber the steps so each id 01..20 appears once"),
            );
        } else if s.number as usize != i + 1 && !sequence_reported {
            sequence_reported = true;
            out.push(
                Diagnostic::new(
                    "steps.sequence",
                    Severity::Error,
                    format!(
                        "steps must be sequential starting from 1 (expected {}, got {})",
                        i + 1,
                        s.number
                    ),
                )
                .at(s.line, 1)
                .width(5)
                .step(s.id.clone())
                .fix(format!("renumber this header to # {:02})", i + 1)),
            );
        }
    }
    out
}
