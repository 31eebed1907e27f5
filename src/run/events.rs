//! The typed event stream of a run. The dispatcher emits events; reporters (progress
//! display, `--json-log` on stdout) and `events.jsonl` consume the same values.
//!
//! Each JSON line is `{"v":1,"elapsed_ms":…,"event":"<kind>",…}` (schema:
//! `schemas/run-event-v1.schema.json`). New event kinds and fields may be added within
//! version 1; readers must ignore what they do not know.

use serde::Serialize;

use super::model::{ErrorClass, Status};

pub(crate) const EVENT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event {
    RunStarted {
        pack_id: String,
        run_dir: String,
        pack_path: String,
        steps: usize,
        to_run: usize,
        max_parallel: usize,
        session: u32,
    },
    /// One per step, in step order, before anything runs.
    StepPlanned {
        step: String,
        action: PlanAction,
        reason: String,
    },
    StepStarted {
        step: String,
        attempt: u32,
    },
    /// A provider call inside a step finished (from the interposer's record).
    CallFinished {
        step: String,
        provider: String,
        status: String,
        cache_hit: bool,
        attempts: usize,
        input_tokens: u64,
        output_tokens: u64,
        cost_usd: f64,
    },
    StepFinished {
        step: String,
        status: Status,
        exit_code: Option<i32>,
        error_class: Option<ErrorClass>,
        error: Option<String>,
        duration_ms: u64,
        outputs: usize,
    },
    /// SIGINT/SIGTERM received: running steps are being stopped.
    Interrupted {
        signal: String,
    },
    RunFinished {
        ok: usize,
        failed: usize,
        skipped: usize,
        pending: usize,
        completion: f64,
        exit_code: i32,
        input_tokens: u64,
        output_tokens: u64,
        cost_usd: f64,
    },
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PlanAction {
    Run,
    Skip,
}

#[derive(Serialize)]
struct Line<'a> {
    v: u32,
    elapsed_ms: u64,
    #[serde(flatten)]
    event: &'a Event,
}

pub(crate) fn to_line(event: &Event, elapsed_ms: u64) -> String {
    serde_json::to_string(&Line {
        v: EVENT_VERSION,
        elapsed_ms,
        event,
    })
    .unwrap_or_else(|e| format!("{{\"v\":1,\"event\":\"serialize_error\",\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shape() {
        let l = to_line(
            &Event::StepStarted {
                step: "03".into(),
                attempt: 1,
            },
            12,
        );
        assert_eq!(
            l,
            r#"{"v":1,"elapsed_ms":12,"event":"step_started","step":"03","attempt":1}"#
        );
    }
}
