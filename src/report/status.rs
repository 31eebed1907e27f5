//! The table of `oraclepack status`.

use crate::run::model::{RunRecord, Status, StepsFile};

pub(crate) fn table(run: &RunRecord, steps: &StepsFile, active: bool) -> String {
    let state = if active {
        "running now".to_string()
    } else if run.state == "running" {
        "interrupted (the runner died; run again to resume)".to_string()
    } else {
        run.state.clone()
    };
    let t = &run.totals;
    let mut out = format!(
        "{}  {}  [{state}]\npack {} · sha256 {} · git {} · {} session(s) · created {}\n\n",
        run.pack_id,
        run.pack_path,
        run.pack_path,
        &run.pack_hash[..run.pack_hash.len().min(12)],
        run.git_sha
            .as_deref()
            .map_or("none", |s| &s[..s.len().min(7)]),
        run.sessions,
        run.created_at
    );
    out.push_str(
        "step status   exec calls cached attempts   tokens in/out      cost   time  note\n",
    );
    for s in &steps.steps {
        let calls = s.invocations.len();
        let cached = s.invocations.iter().filter(|c| c.cache_hit).count();
        let attempts: usize = s.invocations.iter().map(|c| c.attempts.len()).sum();
        let status = if s.status == Status::Running && !active {
            "stopped"
        } else {
            s.status.as_str()
        };
        let note = s
            .error
            .clone()
            .or_else(|| s.reason.clone())
            .unwrap_or_default();
        let note: String = note.chars().take(60).collect();
        out.push_str(&format!(
            "{:<4} {:<8} {:>4} {:>5} {:>6} {:>8} {:>9}/{:<7} {:>8} {:>6} {note}\n",
            s.step_id,
            status,
            s.attempts,
            calls,
            cached,
            attempts,
            s.input_tokens,
            s.output_tokens,
            format!("${:.4}", s.cost_usd),
            s.duration_ms
                .map(|d| format!("{:.1}s", d as f64 / 1000.0))
                .unwrap_or_else(|| "-".into()),
        ));
    }
    out.push_str(&format!(
        "\n{} ok · {} failed · {} skipped · {} pending of {} · {} calls ({} cached, {} attempts) · ↑{} ↓{} tokens · ${:.4}\n",
        t.ok, t.failed, t.skipped, t.pending, t.steps, t.calls, t.cache_hits, t.attempts,
        t.input_tokens, t.output_tokens, t.cost_usd
    ));
    out
}
