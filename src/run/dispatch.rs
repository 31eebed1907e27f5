//! The dispatcher: owns the run's state, starts steps up to `--max-parallel`, turns each
//! step's end into a record, handles SIGINT/SIGTERM, and emits the event stream.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::events::{Event, PlanAction, to_line};
use super::executor::{Exit, StepCommand, execute};
use super::interpose::settings::{ENV, ENV_STEP};
use super::model::{
    CallRecord, CallStatus, ErrorClass, OutputRecord, Status, StepRecord, StepsFile, Totals,
};
use super::script::canonical_name;
use super::session::Prepared;
use super::store::{EventLog, RunDir, lock, read_json, write_json};
use crate::error::{Error, exit};
use crate::fsio::write_atomic;
use crate::report::progress::Progress;

#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub stop_on_fail: bool,
    pub min_completion: Option<f64>,
}

/// Where events go besides `events.jsonl`.
pub(crate) struct Sinks {
    pub progress: Progress,
    /// `--json-log`: every event line on stdout.
    pub json_stdout: bool,
}

struct Emitter {
    log: EventLog,
    sinks: Sinks,
    start: Instant,
}

impl Emitter {
    fn emit(&mut self, ev: Event) {
        let elapsed = self.start.elapsed().as_millis() as u64;
        let line = to_line(&ev, elapsed);
        self.log.append(&line);
        if self.sinks.json_stdout {
            crate::report::out::print(&format!("{line}\n"));
        }
        self.sinks.progress.event(&ev, self.start.elapsed());
    }
}

pub(crate) fn run(prep: Prepared, policy: &Policy, sinks: Sinks) -> crate::Result<i32> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the runtime: {e}")))?;
    rt.block_on(dispatch(prep, policy, sinks))
}

struct State {
    prep: Prepared,
}

impl State {
    fn write_steps(&self) -> crate::Result<()> {
        write_json(
            &self.prep.run_dir.steps_json(),
            &StepsFile {
                format_version: super::model::FORMAT_VERSION,
                pack_id: self.prep.run.pack_id.clone(),
                steps: self.prep.steps.clone(),
            },
        )
    }
    fn write_run(&self) -> crate::Result<()> {
        write_json(&self.prep.run_dir.run_json(), &self.prep.run)
    }
}

async fn dispatch(prep: Prepared, policy: &Policy, sinks: Sinks) -> crate::Result<i32> {
    let _lock = lock(&prep.run_dir)?;
    let run_dir = prep.run_dir.clone();
    let shim = install_shims(&run_dir)?;
    let mut em = Emitter {
        log: EventLog::open(&run_dir.events())?,
        sinks,
        start: Instant::now(),
    };
    let mut st = State { prep };
    // Apply the plan to the records.
    let mut queue = VecDeque::new();
    let decisions = st.prep.decisions.clone();
    for (i, d) in decisions.iter().enumerate() {
        let rec = &mut st.prep.steps[i];
        match d.action {
            PlanAction::Run => {
                rec.status = Status::Pending;
                rec.reason = Some(d.reason.clone());
                queue.push_back(i);
            }
            PlanAction::Skip => {
                if let Some(s) = d.status_if_skipped {
                    rec.status = s;
                    rec.reason = Some(d.reason.clone());
                }
                for (canonical, path) in &d.restore {
                    restore(&run_dir, &st.prep.root, canonical, path)?;
                }
            }
        }
    }
    st.prep.run.sessions += 1;
    st.prep.run.state = "running".into();
    st.write_run()?;
    st.write_steps()?;
    em.emit(Event::RunStarted {
        pack_id: st.prep.run.pack_id.clone(),
        run_dir: run_dir.root.display().to_string(),
        pack_path: st.prep.run.pack_path.clone(),
        steps: st.prep.specs.len(),
        to_run: queue.len(),
        max_parallel: st.prep.max_parallel,
        session: st.prep.run.sessions,
    });
    for d in &decisions {
        em.emit(Event::StepPlanned {
            step: d.step.clone(),
            action: d.action,
            reason: d.reason.clone(),
        });
    }

    let settings_json = serde_json::to_string(&st.prep.interposer)
        .map_err(|e| Error::Usage(format!("interposer settings: {e}")))?;
    let path_env = {
        let mut paths = vec![shim.clone()];
        paths.extend(std::env::split_paths(&st.prep.user_path));
        std::env::join_paths(paths)
            .map_err(|e| Error::Usage(format!("PATH: {e}")))?
            .to_string_lossy()
            .to_string()
    };
    let out_dir = st
        .prep
        .pack
        .prelude
        .out_dir
        .as_ref()
        .map(|o| o.value.clone());

    let (cancel_tx, cancel_rx) = watch::channel(false);
    let mut sigint = signal(SignalKind::interrupt()).map_err(sig_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(sig_err)?;
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let mut running: JoinSet<(usize, Exit, Duration)> = JoinSet::new();
    let mut stopping = false;
    let mut interrupted = false;
    let mut budget_hit = false;

    loop {
        while !stopping && running.len() < st.prep.max_parallel {
            let Some(i) = queue.pop_front() else { break };
            let cmd = prepare_step(&mut st, i, &settings_json, &path_env, out_dir.as_deref())?;
            let rec = &mut st.prep.steps[i];
            rec.status = Status::Running;
            rec.attempts += 1;
            let attempt = rec.attempts;
            let step = rec.step_id.clone();
            st.write_steps()?;
            em.emit(Event::StepStarted { step, attempt });
            let rx = cancel_rx.clone();
            running.spawn(async move {
                let (exit, took) = execute(&cmd, rx).await;
                (i, exit, took)
            });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some(res) = running.join_next() => {
                let Ok((i, exit, took)) = res else { continue };
                let failed_budget = finish_step(&mut st, &mut em, i, exit, took)?;
                budget_hit |= failed_budget;
                if st.prep.steps[i].status == Status::Failed && (policy.stop_on_fail || failed_budget) {
                    stopping = true;
                }
            }
            _ = sigint.recv() => {
                interrupted = true;
                stopping = true;
                em.emit(Event::Interrupted { signal: "SIGINT".into() });
                let _ = cancel_tx.send(true);
            }
            _ = sigterm.recv() => {
                interrupted = true;
                stopping = true;
                em.emit(Event::Interrupted { signal: "SIGTERM".into() });
                let _ = cancel_tx.send(true);
            }
            _ = ticker.tick() => em.sinks.progress.tick(em.start.elapsed()),
        }
    }
    for i in queue {
        let rec = &mut st.prep.steps[i];
        rec.reason = Some(if interrupted {
            "interrupted".into()
        } else {
            "not_started".into()
        });
    }

    let totals = totals(&st.prep.steps);
    let considered: Vec<&StepRecord> = st
        .prep
        .steps
        .iter()
        .zip(&decisions)
        .filter(|(_, d)| d.reason != "roi_filtered")
        .map(|(s, _)| s)
        .collect();
    let ok = considered.iter().filter(|s| s.status == Status::Ok).count();
    let completion = if considered.is_empty() {
        1.0
    } else {
        ok as f64 / considered.len() as f64
    };
    let unfinished = considered.iter().any(|s| s.status != Status::Ok);
    let code = if interrupted {
        exit::INTERRUPTED
    } else if budget_hit {
        exit::POLICY
    } else if let Some(min) = policy.min_completion {
        if completion + 1e-9 >= min {
            exit::OK
        } else {
            exit::POLICY
        }
    } else if unfinished {
        exit::EXEC_FAILED
    } else {
        exit::OK
    };
    st.prep.run.totals = totals.clone();
    st.prep.run.state = match code {
        exit::INTERRUPTED => "interrupted",
        exit::OK if !unfinished => "completed",
        _ => "failed",
    }
    .into();
    st.write_steps()?;
    st.write_run()?;
    em.emit(Event::RunFinished {
        ok: totals.ok,
        failed: totals.failed,
        skipped: totals.skipped,
        pending: totals.pending,
        completion,
        exit_code: code,
        input_tokens: totals.input_tokens,
        output_tokens: totals.output_tokens,
        cost_usd: totals.cost_usd,
    });
    em.sinks
        .progress
        .finish(em.start.elapsed(), &st.prep.run, code);
    Ok(code)
}

fn sig_err(e: std::io::Error) -> Error {
    Error::Usage(format!("cannot install signal handlers: {e}"))
}

/// `bin/` in the run directory: `oracle`, `codex`, `gemini`, `claude` → this executable.
fn install_shims(run_dir: &RunDir) -> crate::Result<PathBuf> {
    let bin = run_dir.root.join("bin");
    let exe = std::env::current_exe().map_err(|source| Error::Read {
        path: PathBuf::from("/proc/self/exe"),
        source,
    })?;
    std::fs::create_dir_all(&bin).map_err(|source| Error::Write {
        path: bin.clone(),
        source,
    })?;
    for name in crate::pack::invocation::PROVIDERS {
        let link = bin.join(name);
        if std::fs::read_link(&link).is_ok_and(|t| t == exe) {
            continue;
        }
        let tmp = bin.join(format!(".{name}.tmp{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&exe, &tmp)
            .and_then(|()| std::fs::rename(&tmp, &link))
            .map_err(|source| Error::Write {
                path: link.clone(),
                source,
            })?;
    }
    Ok(bin)
}

fn prepare_step(
    st: &mut State,
    i: usize,
    settings_json: &str,
    path_env: &str,
    out_dir: Option<&str>,
) -> crate::Result<StepCommand> {
    let spec = &st.prep.specs[i];
    let run_dir = &st.prep.run_dir;
    let script = run_dir.script(&spec.id);
    write_atomic(&script, spec.script.as_bytes())?;
    let calls = run_dir.calls(&spec.id);
    if calls.exists() {
        std::fs::remove_dir_all(&calls).map_err(|source| Error::Write {
            path: calls.clone(),
            source,
        })?;
    }
    std::fs::create_dir_all(&calls).map_err(|source| Error::Write {
        path: calls.clone(),
        source,
    })?;
    let mut env = vec![
        ("PATH".to_string(), path_env.to_string()),
        (ENV.to_string(), settings_json.to_string()),
        (ENV_STEP.to_string(), spec.id.clone()),
        (
            "ORACLEPACK_RUN_DIR".to_string(),
            run_dir.root.display().to_string(),
        ),
    ];
    if let Some(o) = out_dir {
        env.push(("out_dir".to_string(), o.to_string()));
    }
    Ok(StepCommand {
        script,
        cwd: st.prep.root.clone(),
        env,
        log: run_dir.log(&spec.id),
        timeout: st.prep.step_timeout,
        grace: st.prep.grace,
    })
}

/// Record how a step ended. Returns true when it failed because the budget was spent.
fn finish_step(
    st: &mut State,
    em: &mut Emitter,
    i: usize,
    exit: Exit,
    took: Duration,
) -> crate::Result<bool> {
    let spec = st.prep.specs[i].clone();
    let run_dir = st.prep.run_dir.clone();
    let root = st.prep.root.clone();
    let calls = read_calls(&run_dir.calls(&spec.id));
    let mut rec = st.prep.steps[i].clone();
    rec.title = spec.title.clone();
    rec.reference = spec.reference.clone();
    rec.category = spec.category.clone();
    rec.roi = spec.roi;
    rec.command_hash = spec.command_hash.clone();
    rec.duration_ms = Some(took.as_millis() as u64);
    rec.total_duration_ms += took.as_millis() as u64;
    rec.log = format!("logs/{}.log", spec.id);
    rec.input_tokens = calls.iter().map(|c| c.input_tokens).sum();
    rec.output_tokens = calls.iter().map(|c| c.output_tokens).sum();
    // A float sum of nothing is -0.0, which JSON shows as `-0.0`.
    rec.cost_usd = calls.iter().fold(0.0, |a, c| a + c.cost_usd);

    // The outputs: what the calls actually wrote, else what the pack declares.
    let mut paths: Vec<String> = Vec::new();
    for c in calls.iter().filter(|c| c.status == CallStatus::Ok) {
        if let Some(w) = &c.write_output
            && !paths.contains(w)
        {
            paths.push(w.clone());
        }
    }
    if calls.is_empty() {
        paths = spec.declared_outputs.clone();
    }
    let failed_call = calls.iter().find(|c| c.status != CallStatus::Ok);
    let budget = failed_call.is_some_and(|c| c.error_class.as_deref() == Some("budget"));
    let (mut status, mut class, mut error) = match &exit {
        Exit::Code(0) => (Status::Ok, None, None),
        Exit::Code(c) => (
            Status::Failed,
            Some(ErrorClass::Exit),
            Some(format!("exit {c}{}", last_line(&run_dir.log(&spec.id)))),
        ),
        Exit::Signal(s) => (
            Status::Failed,
            Some(ErrorClass::Exit),
            Some(format!("killed by signal {s}")),
        ),
        Exit::TimedOut => (
            Status::Failed,
            Some(ErrorClass::Timeout),
            Some(format!(
                "timed out after {:?} (--step-timeout)",
                st.prep.step_timeout.unwrap_or_default()
            )),
        ),
        Exit::Cancelled => (
            Status::Pending,
            Some(ErrorClass::Interrupted),
            Some("interrupted; the next run resumes it".into()),
        ),
        Exit::SpawnFailed(e) => (Status::Failed, Some(ErrorClass::Spawn), Some(e.clone())),
    };
    if let Some(c) = failed_call
        && status != Status::Pending
    {
        status = Status::Failed;
        class = Some(match c.status {
            CallStatus::Refused => ErrorClass::Refused,
            // The provider exited 0 without an answer; the interposer failed the call.
            _ if matches!(c.error_class.as_deref(), Some("transient:empty-answer")) => {
                ErrorClass::MissingOutput
            }
            _ if c
                .error_class
                .as_deref()
                .is_some_and(|e| e.starts_with("transient")) =>
            {
                ErrorClass::Transient
            }
            _ => ErrorClass::Permanent,
        });
        error = Some(format!(
            "{} call {} failed: {}",
            c.provider,
            c.seq,
            c.error.clone().unwrap_or_else(|| "see the log".into())
        ));
    }
    let mut outputs = Vec::new();
    if status == Status::Ok {
        let mut taken: Vec<String> = Vec::new();
        for p in &paths {
            let at = root.join(p);
            let bytes = std::fs::read(&at).unwrap_or_default();
            if String::from_utf8_lossy(&bytes).trim().is_empty() {
                status = Status::Failed;
                class = Some(ErrorClass::MissingOutput);
                error = Some(format!("{p} was not written (or is empty)"));
                break;
            }
            let name = st.prep.steps[i]
                .outputs
                .iter()
                .find(|o| &o.path == p)
                .map(|o| o.canonical.trim_start_matches("outputs/").to_string())
                .filter(|n| !taken.contains(n))
                .unwrap_or_else(|| canonical_name(&spec.id, p, &taken));
            taken.push(name.clone());
            let canonical = run_dir.outputs().join(&name);
            write_atomic(&canonical, &bytes)?;
            outputs.push(OutputRecord {
                path: p.clone(),
                canonical: format!("outputs/{name}"),
                sha256: crate::fsio::sha256_hex(&bytes),
                bytes: bytes.len() as u64,
            });
        }
    }
    if status == Status::Ok {
        rec.outputs = outputs;
        rec.output_path = rec.outputs.first().map(|o| o.path.clone());
        rec.output_hash = rec.outputs.first().map(|o| o.sha256.clone());
    }
    rec.status = status;
    rec.exit_code = match exit {
        Exit::Code(c) => Some(c),
        _ => None,
    };
    rec.error_class = class;
    rec.error = error;
    rec.invocations = calls;
    for c in &rec.invocations {
        em.emit(Event::CallFinished {
            step: spec.id.clone(),
            provider: c.provider.clone(),
            status: format!("{:?}", c.status).to_lowercase(),
            cache_hit: c.cache_hit,
            attempts: c.attempts.len(),
            input_tokens: c.input_tokens,
            output_tokens: c.output_tokens,
            cost_usd: c.cost_usd,
        });
    }
    st.prep.steps[i] = rec.clone();
    st.write_steps()?;
    em.emit(Event::StepFinished {
        step: rec.step_id.clone(),
        status: rec.status,
        exit_code: rec.exit_code,
        error_class: rec.error_class,
        error: rec.error.clone(),
        duration_ms: took.as_millis() as u64,
        outputs: rec.outputs.len(),
    });
    Ok(budget)
}

fn restore(run_dir: &RunDir, root: &Path, canonical: &str, path: &str) -> crate::Result<()> {
    let from = run_dir.root.join(canonical);
    let bytes = std::fs::read(&from).map_err(|source| Error::Read {
        path: from.clone(),
        source,
    })?;
    write_atomic(&root.join(path), &bytes)
}

/// The interposer's records of one step execution, in call order. A record that cannot be
/// read (the interposer was killed mid-write cannot produce one: writes are atomic) is
/// skipped.
pub(crate) fn read_calls(dir: &Path) -> Vec<CallRecord> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut v: Vec<CallRecord> = files
        .iter()
        .filter_map(|p| read_json::<CallRecord>(p).ok().flatten())
        .collect();
    v.sort_by_key(|c| c.seq);
    v
}

fn last_line(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    match text.lines().rev().map(str::trim).find(|l| !l.is_empty()) {
        Some(l) => {
            let l: String = l.chars().take(200).collect();
            format!(": {l}")
        }
        None => String::new(),
    }
}

pub(crate) fn totals(steps: &[StepRecord]) -> Totals {
    let mut t = Totals {
        steps: steps.len(),
        ..Totals::default()
    };
    for s in steps {
        match s.status {
            Status::Ok => t.ok += 1,
            Status::Failed => t.failed += 1,
            Status::Skipped => t.skipped += 1,
            Status::Pending | Status::Running => t.pending += 1,
        }
        t.calls += s.invocations.len();
        t.cache_hits += s.invocations.iter().filter(|c| c.cache_hit).count();
        t.attempts += s
            .invocations
            .iter()
            .map(|c| c.attempts.len())
            .sum::<usize>();
        t.input_tokens += s.input_tokens;
        t.output_tokens += s.output_tokens;
        t.cost_usd += s.cost_usd;
    }
    t.cost_usd = (t.cost_usd * 1e6).round() / 1e6;
    t
}
