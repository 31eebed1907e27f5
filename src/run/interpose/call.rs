//! One intercepted provider call, from argv to exit code: path safety, cache, budget,
//! slots, the real CLI with retries, the answer put in place, the record written.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::argv::{CallArgs, parse, redirect_output};
use super::cache::{self, EntryMeta, Lookup};
use super::outcome::{Outcome, evaluate};
use super::settings::{ENV, ENV_STEP, Settings};
use super::slots;
use crate::fsio::{sha256_hex, write_atomic};
use crate::run::CacheMode;
use crate::run::model::{AttemptRecord, CallRecord, CallStatus, FORMAT_VERSION};
use crate::run::path_safety::check_output_path;

/// Entry point when argv[0] is a provider name.
pub(crate) fn main(provider: &str, argv: Vec<String>) -> i32 {
    let settings: Settings = match std::env::var(ENV)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
    {
        Some(s) => s,
        None => {
            eprintln!(
                "oraclepack: `{provider}` points at oraclepack but no `oraclepack run` is active; call the real {provider} CLI directly"
            );
            return 127;
        }
    };
    die_with_parent();
    let step = std::env::var(ENV_STEP).unwrap_or_else(|_| "00".into());
    let mut call = Call::new(provider, argv, settings, step);
    let code = call.run();
    call.write_record();
    code
}

/// The step's shell dying (the runner was killed) takes this call down too, and with it
/// the real CLI (see `spawn`): no orphan keeps spending tokens.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl/getppid have no memory effects.
    unsafe {
        let parent = libc::getppid();
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        if libc::getppid() != parent {
            std::process::exit(143);
        }
    }
}

struct Call {
    provider: String,
    argv: Vec<String>,
    args: CallArgs,
    settings: Settings,
    step: String,
    seq: u32,
    cwd: PathBuf,
    started: Instant,
    record: CallRecord,
}

impl Call {
    fn new(provider: &str, argv: Vec<String>, settings: Settings, step: String) -> Call {
        let args = parse(&argv);
        let dir = settings.run_dir.join("calls").join(&step);
        let seq = reserve_seq(&dir);
        let record = CallRecord {
            format_version: FORMAT_VERSION,
            step_id: step.clone(),
            seq,
            provider: provider.to_string(),
            model: args.model.clone(),
            argv: argv.clone(),
            write_output: None,
            cache_key: None,
            cache_hit: false,
            status: CallStatus::Failed,
            error_class: None,
            error: None,
            attempts: Vec::new(),
            exit_code: None,
            duration_ms: 0,
            input_tokens: 0,
            output_tokens: 0,
            cost_usd: 0.0,
        };
        Call {
            provider: provider.to_string(),
            argv,
            args,
            cwd: std::env::current_dir().unwrap_or_default(),
            settings,
            step,
            seq,
            started: Instant::now(),
            record,
        }
    }

    fn refuse(&mut self, class: &str, msg: String) -> i32 {
        eprintln!("oraclepack: {} call refused: {msg}", self.provider);
        self.record.status = CallStatus::Refused;
        self.record.error_class = Some(class.into());
        self.record.error = Some(msg);
        1
    }

    fn fail(&mut self, class: String, msg: String, code: i32) -> i32 {
        self.record.status = CallStatus::Failed;
        self.record.error_class = Some(class);
        self.record.error = Some(msg);
        code
    }

    fn run(&mut self) -> i32 {
        let root = self.settings.project_root.clone();
        // 1. Path safety.
        let target = match self.args.write_output.clone() {
            Some(w) => match check_output_path(&root, &self.cwd, &w) {
                Ok(p) => {
                    self.record.write_output = Some(
                        p.strip_prefix(&root)
                            .map(|r| r.to_string_lossy().to_string())
                            .unwrap_or_else(|_| p.to_string_lossy().to_string()),
                    );
                    Some(p)
                }
                Err(why) => return self.refuse("unsafe_path", format!("--write-output {why}")),
            },
            None => None,
        };
        let Some(provider) = self.settings.providers.get(&self.provider).cloned() else {
            return self.fail(
                "permanent:unknown_provider".into(),
                "unknown provider".into(),
                127,
            );
        };
        let Some(real) = provider.command.clone() else {
            return self.fail(
                "permanent:not_installed".into(),
                format!(
                    "the real `{}` CLI is not on PATH (configure [providers.{}] command)",
                    self.provider, self.provider
                ),
                127,
            );
        };
        // The prompt: `-p -` reads stdin once, replayed to every attempt.
        let stdin_prompt = if self.args.prompt_stdin {
            let mut s = String::new();
            let _ = std::io::stdin().read_to_string(&mut s);
            Some(s)
        } else {
            None
        };
        let prompt = stdin_prompt
            .clone()
            .or_else(|| self.args.prompt.clone())
            .unwrap_or_default();
        self.record.model = self.args.model.clone();

        // 2. Cache.
        let cacheable = target.is_some() && self.settings.cache != CacheMode::Off;
        let inputs = cache::key_inputs(
            &self.provider,
            provider.version.as_deref(),
            &self.args,
            &provider.args,
            &prompt,
            &self.cwd,
            &root,
        );
        self.record.model = Some(inputs.model.clone());
        let key = inputs.key();
        self.record.cache_key = Some(key.clone());
        if cacheable
            && let Some(target) = &target
            && let Lookup::Hit { answer, meta } = cache::lookup(&self.settings.cache_dir, &key)
        {
            if let Err(e) = write_atomic(target, &answer) {
                return self.fail("permanent:write".into(), e.to_string(), 1);
            }
            println!(
                "oraclepack: cache hit {} → {}",
                &key[..12],
                self.record.write_output.clone().unwrap_or_default()
            );
            self.record.cache_hit = true;
            self.record.status = CallStatus::Ok;
            self.record.exit_code = Some(0);
            // Tokens and cost were spent by the original call, not this one.
            let _ = meta;
            return 0;
        }

        // 3. Budget.
        if let Some(budget) = self.settings.budget_usd {
            let (spent, estimate) = spent_and_estimate(&self.settings.run_dir);
            if spent + estimate > budget {
                return self.refuse(
                    "budget",
                    format!("--budget-usd {budget}: ${spent:.4} spent, the next call (~${estimate:.4}) would pass it"),
                );
            }
        }

        // 4. The real CLI, with retries.
        let tmp = target.as_ref().map(|_| {
            self.settings
                .run_dir
                .join("tmp")
                .join(format!("{}-{:04}.md", self.step, self.seq))
        });
        let mut argv = match &tmp {
            Some(t) => redirect_output(&self.argv, &self.args, &t.to_string_lossy()),
            None => self.argv.clone(),
        };
        argv.extend(provider.args.iter().cloned());
        let retry = self.settings.retry.clone();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if let Some(t) = &tmp {
                let _ = std::fs::remove_file(t);
            }
            let t0 = Instant::now();
            let res = {
                let _global = slots::acquire(
                    &self.settings.run_dir.join("slots"),
                    "all",
                    self.settings.max_calls,
                );
                let _mine = slots::acquire(
                    &self.settings.run_dir.join("slots"),
                    &self.provider,
                    provider.max_concurrent,
                );
                spawn(
                    &real,
                    &argv,
                    &call_env(&self.provider, &provider.env),
                    stdin_prompt.as_deref(),
                    retry.call_timeout_ms.map(Duration::from_millis),
                )
            };
            let took = t0.elapsed().as_millis() as u64;
            let (code, stdout, stderr, timed_out) = match res {
                Ok(r) => r,
                Err(e) => {
                    self.push_attempt(None, format!("permanent:spawn: {e}"), took, None);
                    return self.fail(
                        "permanent:spawn".into(),
                        format!("cannot run {}: {e}", real.display()),
                        127,
                    );
                }
            };
            let answer = match (&tmp, code) {
                (Some(t), Some(0)) => std::fs::read(t).ok(),
                (None, Some(0)) => Some(stdout.clone().into_bytes()),
                _ => None,
            };
            let (outcome, usage) = evaluate(
                &self.provider,
                code,
                &stdout,
                &stderr,
                answer.as_deref(),
                &provider.env,
            );
            self.record.input_tokens += usage.input_tokens;
            self.record.output_tokens += usage.output_tokens;
            self.record.cost_usd += usage.cost_usd;
            self.record.exit_code = code;
            let outcome = if timed_out {
                Outcome::Transient("call-timeout".into())
            } else {
                outcome
            };
            if outcome == Outcome::Ok {
                self.push_attempt(code, "ok".into(), took, None);
                let answer = answer.unwrap_or_default();
                if let Some(target) = &target {
                    if let Err(e) = write_atomic(target, &answer) {
                        return self.fail("permanent:write".into(), e.to_string(), 1);
                    }
                    if let Some(t) = &tmp {
                        let _ = std::fs::remove_file(t);
                    }
                    if self.settings.cache == CacheMode::ReadWrite {
                        let meta = EntryMeta {
                            format: cache::KEY_FORMAT,
                            key: key.clone(),
                            answer_sha256: sha256_hex(&answer),
                            bytes: answer.len() as u64,
                            inputs: inputs.clone(),
                            input_tokens: usage.input_tokens,
                            output_tokens: usage.output_tokens,
                            cost_usd: usage.cost_usd,
                        };
                        if let Err(e) = cache::store(&self.settings.cache_dir, &meta, &answer) {
                            eprintln!(
                                "oraclepack: warning: could not store the answer in the cache: {e}"
                            );
                        }
                    }
                }
                self.record.status = CallStatus::Ok;
                return 0;
            }
            let retryable = matches!(outcome, Outcome::Transient(_))
                && attempt < retry.max_attempts
                && retries_used(&self.settings.run_dir.join("calls").join(&self.step))
                    + (attempt - 1)
                    < retry.step_budget
                && retries_used(&self.settings.run_dir.join("calls")) + (attempt - 1)
                    < retry.run_budget;
            if !retryable {
                self.push_attempt(code, outcome.label(), took, None);
                let why = if code == Some(0) {
                    // Exit 0 without an answer (e.g. a model that detaches): the CLI's last
                    // line says nothing about what went wrong.
                    match &self.record.write_output {
                        Some(w) => format!("exited 0 but wrote no answer to {w}"),
                        None => "exited 0 with no output".to_string(),
                    }
                } else {
                    last_error_line(&stdout, &stderr)
                };
                let code = code.filter(|c| *c != 0).unwrap_or(1);
                return self.fail(outcome.label(), why, code);
            }
            let backoff = backoff_ms(retry.base_delay_ms, retry.max_delay_ms, attempt);
            self.push_attempt(code, outcome.label(), took, Some(backoff));
            eprintln!(
                "oraclepack: {} attempt {attempt} failed ({}); retrying in {:.1}s",
                self.provider,
                outcome.label(),
                backoff as f64 / 1000.0
            );
            std::thread::sleep(Duration::from_millis(backoff));
        }
    }

    fn push_attempt(
        &mut self,
        code: Option<i32>,
        outcome: String,
        took: u64,
        backoff: Option<u64>,
    ) {
        self.record.attempts.push(AttemptRecord {
            exit_code: code,
            outcome,
            duration_ms: took,
            backoff_ms: backoff,
        });
    }

    fn write_record(&mut self) {
        self.record.duration_ms = self.started.elapsed().as_millis() as u64;
        self.record.cost_usd = (self.record.cost_usd * 1e6).round() / 1e6;
        let path = self
            .settings
            .run_dir
            .join("calls")
            .join(&self.step)
            .join(format!("{:04}.json", self.seq));
        let _ = std::fs::remove_file(path.with_extension("reserved"));
        if let Err(e) = crate::run::store::write_json(&path, &self.record) {
            eprintln!("oraclepack: warning: cannot record the call: {e}");
        }
    }
}

/// Exponential backoff with equal jitter: half the step fixed, half random.
pub(crate) fn backoff_ms(base: u64, max: u64, attempt: u32) -> u64 {
    let exp = base
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(20))
        .min(max);
    exp / 2 + fastrand::u64(..=exp / 2)
}

/// Claim the next call number of this step execution (exclusive create, so parallel calls
/// in one step never share a number).
fn reserve_seq(dir: &Path) -> u32 {
    let _ = std::fs::create_dir_all(dir);
    for n in 1..100_000u32 {
        let p = dir.join(format!("{n:04}.reserved"));
        if dir.join(format!("{n:04}.json")).exists() {
            continue;
        }
        if std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
            .is_ok()
        {
            return n;
        }
    }
    0
}

/// Retries recorded by the finished calls under `dir` (recursively); the running call's
/// own retries are counted by the caller.
fn retries_used(dir: &Path) -> u32 {
    let mut n = 0;
    for rec in records(dir) {
        n += rec.attempts.len().saturating_sub(1) as u32;
    }
    n
}

fn records(dir: &Path) -> Vec<CallRecord> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(records(&p));
        } else if p.extension().is_some_and(|x| x == "json")
            && let Ok(b) = std::fs::read(&p)
            && let Ok(r) = serde_json::from_slice::<CallRecord>(&b)
        {
            out.push(r);
        }
    }
    out
}

/// The run's recorded cost, and the next call's estimate (the mean of paid calls).
fn spent_and_estimate(run_dir: &Path) -> (f64, f64) {
    let recs = records(&run_dir.join("calls"));
    let paid: Vec<f64> = recs
        .iter()
        .filter(|r| !r.cache_hit && r.cost_usd > 0.0)
        .map(|r| r.cost_usd)
        .collect();
    let spent: f64 = paid.iter().sum();
    let estimate = if paid.is_empty() {
        0.0
    } else {
        spent / paid.len() as f64
    };
    (spent, estimate)
}

fn last_error_line(stdout: &str, stderr: &str) -> String {
    let pick = |t: &str| {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .find(|l| l.starts_with("ERROR:") || l.starts_with('✖'))
            .map(String::from)
    };
    pick(stdout)
        .or_else(|| pick(stderr))
        .or_else(|| {
            stderr
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(String::from)
        })
        .or_else(|| {
            stdout
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(String::from)
        })
        .unwrap_or_else(|| "no output".into())
}

/// The environment of a real call: the configured one, and for oracle `OPENAI_LOG=info`
/// (unless set) so that its output carries each attempt's HTTP status for classification.
fn call_env(
    provider: &str,
    env: &std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    let mut env = env.clone();
    if provider == "oracle" && std::env::var_os("OPENAI_LOG").is_none() {
        env.entry("OPENAI_LOG".into())
            .or_insert_with(|| "info".into());
    }
    env
}

/// Run the real CLI; its output passes through to the step's log while being captured.
/// Returns (exit code, stdout, stderr, killed for exceeding `timeout`).
fn spawn(
    real: &Path,
    argv: &[String],
    env: &std::collections::BTreeMap<String, String>,
    stdin: Option<&str>,
    timeout: Option<Duration>,
) -> std::io::Result<(Option<i32>, String, String, bool)> {
    let mut cmd = Command::new(real);
    cmd.args(argv)
        .envs(env)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    if let (Some(text), Some(mut w)) = (stdin, child.stdin.take()) {
        let text = text.to_string();
        std::thread::spawn(move || {
            let _ = w.write_all(text.as_bytes());
        });
    }
    let out = child.stdout.take();
    let err = child.stderr.take();
    let t_out = std::thread::spawn(move || tee(out, std::io::stdout()));
    let t_err = std::thread::spawn(move || tee(err, std::io::stderr()));
    let mut timed_out = false;
    let status = match timeout {
        None => child.wait()?,
        Some(limit) => {
            let start = Instant::now();
            loop {
                if let Some(s) = child.try_wait()? {
                    break s;
                }
                if start.elapsed() >= limit {
                    timed_out = true;
                    // SAFETY: kill(2) on our own child's pid.
                    unsafe {
                        libc::kill(child.id() as i32, libc::SIGTERM);
                    }
                    let grace = Instant::now();
                    while child.try_wait()?.is_none() && grace.elapsed() < Duration::from_secs(2) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    let _ = child.kill();
                    break child.wait()?;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    Ok((status.code(), stdout, stderr, timed_out))
}

fn tee<R: Read, W: Write>(src: Option<R>, mut dst: W) -> String {
    let mut captured = Vec::new();
    let Some(mut src) = src else {
        return String::new();
    };
    let mut buf = [0u8; 8192];
    loop {
        match src.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let _ = dst.write_all(&buf[..n]);
                let _ = dst.flush();
                captured.extend_from_slice(&buf[..n]);
            }
        }
    }
    String::from_utf8_lossy(&captured).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..10 {
            let b = backoff_ms(1000, 8000, attempt);
            let exp = (1000u64 << (attempt - 1)).min(8000);
            assert!(b >= exp / 2 && b <= exp, "attempt {attempt}: {b}");
        }
    }
}
