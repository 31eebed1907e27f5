//! The human side of a run: a live status line on a terminal, plain lines otherwise. It
//! consumes the same events as `events.jsonl` and `--json-log`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use crate::run::events::{Event, PlanAction};
use crate::run::model::{RunRecord, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Redraw one status line on stderr (a terminal, interactive).
    Live,
    /// One line per event that matters (CI logs, pipes).
    Plain,
    /// Nothing (stdout carries JSON and the user asked for quiet).
    Quiet,
}

impl Mode {
    pub(crate) fn detect(non_interactive: bool) -> Mode {
        if !non_interactive && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
            Mode::Live
        } else {
            Mode::Plain
        }
    }
}

#[derive(Debug)]
pub(crate) struct Progress {
    mode: Mode,
    total: usize,
    to_run: usize,
    done: usize,
    running: usize,
    failed: usize,
    skipped: usize,
    input_tokens: u64,
    output_tokens: u64,
    cost: f64,
    cache_hits: usize,
    line_shown: bool,
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}", s / 60, s % 60)
}

impl Progress {
    pub(crate) fn new(mode: Mode) -> Progress {
        Progress {
            mode,
            total: 0,
            to_run: 0,
            done: 0,
            running: 0,
            failed: 0,
            skipped: 0,
            input_tokens: 0,
            output_tokens: 0,
            cost: 0.0,
            cache_hits: 0,
            line_shown: false,
        }
    }

    fn say(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if self.line_shown {
            let _ = write!(err, "\r\x1b[2K");
            self.line_shown = false;
        }
        let _ = writeln!(err, "{line}");
    }

    pub(crate) fn status_line(&self, elapsed: Duration) -> String {
        let mut s = format!(
            "[{}] {}/{} done · {} running · {} failed · {} skipped",
            clock(elapsed),
            self.done,
            self.to_run,
            self.running,
            self.failed,
            self.skipped
        );
        if self.input_tokens + self.output_tokens > 0 || self.cache_hits > 0 {
            s.push_str(&format!(
                " · ↑{} ↓{} · ${:.4} · {} cached",
                self.input_tokens, self.output_tokens, self.cost, self.cache_hits
            ));
        }
        s
    }

    pub(crate) fn event(&mut self, ev: &Event, elapsed: Duration) {
        match ev {
            Event::RunStarted {
                pack_id,
                steps,
                to_run,
                max_parallel,
                run_dir,
                ..
            } => {
                self.total = *steps;
                self.to_run = *to_run;
                if self.mode != Mode::Quiet {
                    self.say(&format!(
                        "oraclepack run {pack_id}: {to_run} of {steps} steps to run, up to {max_parallel} at a time ({run_dir})"
                    ));
                }
            }
            Event::StepPlanned {
                step,
                action: PlanAction::Skip,
                reason,
            } => {
                self.skipped += 1;
                if self.mode == Mode::Plain {
                    self.say(&format!("  skip {step} ({reason})"));
                }
            }
            Event::StepPlanned { .. } => {}
            Event::StepStarted { step, attempt } => {
                self.running += 1;
                if self.mode == Mode::Plain {
                    let again = if *attempt > 1 {
                        format!(" (execution {attempt})")
                    } else {
                        String::new()
                    };
                    self.say(&format!("  start {step}{again}"));
                }
            }
            Event::CallFinished {
                input_tokens,
                output_tokens,
                cost_usd,
                cache_hit,
                ..
            } => {
                self.input_tokens += input_tokens;
                self.output_tokens += output_tokens;
                self.cost += cost_usd;
                self.cache_hits += usize::from(*cache_hit);
            }
            Event::StepFinished {
                step,
                status,
                error,
                duration_ms,
                ..
            } => {
                self.running = self.running.saturating_sub(1);
                match status {
                    Status::Ok => self.done += 1,
                    Status::Failed => {
                        self.done += 1;
                        self.failed += 1;
                    }
                    _ => {}
                }
                if self.mode != Mode::Quiet {
                    let why = error
                        .as_deref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default();
                    self.say(&format!(
                        "  {:<7} {step} in {:.1}s{why}",
                        status.as_str(),
                        *duration_ms as f64 / 1000.0
                    ));
                }
            }
            Event::Interrupted { signal } => {
                if self.mode != Mode::Quiet {
                    self.say(&format!(
                        "oraclepack: {signal} received; stopping running steps (statuses are saved; run again to resume)"
                    ));
                }
            }
            Event::RunFinished { .. } => {}
        }
        self.tick(elapsed);
    }

    pub(crate) fn tick(&mut self, elapsed: Duration) {
        if self.mode != Mode::Live {
            return;
        }
        let line = self.status_line(elapsed);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.line_shown = true;
    }

    pub(crate) fn finish(&mut self, elapsed: Duration, run: &RunRecord, code: i32) {
        if self.mode == Mode::Quiet {
            return;
        }
        let t = &run.totals;
        let mut line = format!(
            "oraclepack run: {} ok, {} failed, {} skipped, {} pending of {} steps in {} (exit {code})",
            t.ok,
            t.failed,
            t.skipped,
            t.pending,
            t.steps,
            clock(elapsed)
        );
        if t.calls > 0 {
            line.push_str(&format!(
                "; {} calls, {} cached, ↑{} ↓{} tokens, ${:.4}",
                t.calls, t.cache_hits, t.input_tokens, t.output_tokens, t.cost_usd
            ));
        }
        self.say(&line);
    }
}
