//! One `oraclepack run`: read the pack, check it, find the run directory, plan, and hand
//! the steps to the dispatcher.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::interpose::settings::{Retry, Settings};
use super::model::{
    FORMAT_VERSION, RunRecord, Settings as RunSettings, Status, StepRecord, StepsFile,
};
use super::pack_id::{git_head, pack_id};
use super::plan::{Decision, Rerun, RoiFilter, plan};
use super::script::{StepSpec, step_specs};
use super::store::{RunDir, read_json};
use super::{CacheMode, path_safety, providers};
use crate::error::Error;
use crate::fsio::sha256_hex;
use crate::pack::{Pack, SourceFile};

/// Default steps in flight: LLM calls are latency-bound (tens of seconds to minutes), so
/// parallelism pays; 4 keeps a typical account under provider rate limits.
pub(crate) const DEFAULT_MAX_PARALLEL: usize = 4;
pub(crate) const DEFAULT_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The pack or manifest as named by the user.
    pub input: PathBuf,
    /// The pack's bytes (a manifest is rendered first by the caller).
    pub source: Vec<u8>,
    pub work_dir: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub max_parallel: Option<usize>,
    pub step_timeout: Option<Duration>,
    pub grace: Option<Duration>,
    pub rerun: Rerun,
    pub roi: Option<RoiFilter>,
    pub stop_on_fail: bool,
    pub dry_run: bool,
    pub min_completion: Option<f64>,
    pub cache: Option<CacheMode>,
    pub budget_usd: Option<f64>,
}

/// Everything known before anything runs.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub pack: Pack,
    pub specs: Vec<StepSpec>,
    pub root: PathBuf,
    pub run_dir: RunDir,
    pub run: RunRecord,
    pub steps: Vec<StepRecord>,
    pub decisions: Vec<Decision>,
    pub max_parallel: usize,
    pub step_timeout: Option<Duration>,
    pub grace: Duration,
    pub interposer: Settings,
    /// The user's PATH, before the interposer's directory is put in front.
    pub user_path: std::ffi::OsString,
}

pub(crate) fn prepare(opts: &Options) -> crate::Result<Prepared> {
    let name = opts.input.display().to_string();
    let bytes = &opts.source;
    let pack = crate::pack::parse(SourceFile::from_bytes(name.clone(), bytes));
    let structural = crate::pack::compat::check(&pack);
    if structural
        .iter()
        .any(|d| d.severity == crate::pack::Severity::Error)
    {
        let style = crate::report::style::Style::plain();
        eprint!(
            "{}",
            crate::report::diagnostics::render_grouped(&pack.source, &structural, &style)
        );
        return Err(Error::Invalid(format!("{name}: not a runnable pack")));
    }
    let root = match &opts.work_dir {
        Some(w) => w.clone(),
        None => crate::project::root_for(&opts.input, None),
    };
    let root = root.canonicalize().map_err(|source| Error::Read {
        path: root.clone(),
        source,
    })?;
    let (config, _) = super::config::load(opts.config_file.as_deref(), &root)?;
    refuse_unsafe_outputs(&pack, &root)?;
    let pack_hash = sha256_hex(bytes);
    let git = git_head(&root);
    let id = pack_id(&opts.input, &pack_hash, git.as_ref());
    let run_dir = RunDir::new(&root, &id);
    let specs = step_specs(&pack);
    if let Rerun::Steps(set) = &opts.rerun {
        let unknown: Vec<&str> = set
            .iter()
            .filter(|id| !specs.iter().any(|s| &s.id == *id))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(Error::Usage(format!(
                "--rerun: {name} has no step {}; its steps are {}",
                unknown.join(", "),
                specs
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            )));
        }
    }

    let max_parallel = opts
        .max_parallel
        .or(config.run.max_parallel)
        .unwrap_or(DEFAULT_MAX_PARALLEL);
    let dur = |v: &Option<String>| v.as_deref().map(super::config::parse_duration).transpose();
    let step_timeout = match opts.step_timeout {
        Some(t) => Some(t),
        None => dur(&config.run.step_timeout).map_err(Error::Usage)?,
    };
    let grace = match opts.grace {
        Some(g) => g,
        None => dur(&config.run.grace_period)
            .map_err(Error::Usage)?
            .unwrap_or(DEFAULT_GRACE),
    };
    let cache = match (opts.cache, &config.run.cache) {
        (Some(c), _) => c,
        (None, Some(c)) => CacheMode::parse(c).map_err(Error::Usage)?,
        (None, None) => CacheMode::ReadWrite,
    };
    let max_calls = config.run.max_calls.unwrap_or(max_parallel);
    let user_path = std::env::var_os("PATH").unwrap_or_default();
    let used: Vec<String> = specs
        .iter()
        .flat_map(|s| s.providers.iter().cloned())
        .collect();
    let provider_map = providers::resolve(&config, &used, &user_path, &root, max_calls);
    let r = &config.retry;
    let ms = |s: &str| {
        super::config::parse_duration(s)
            .map(|d| d.as_millis() as u64)
            .map_err(Error::Usage)
    };
    let interposer = Settings {
        version: 1,
        run_dir: run_dir.root.clone(),
        project_root: root.clone(),
        cache_dir: root.join(".oraclepack").join("cache"),
        cache,
        max_calls,
        retry: Retry {
            max_attempts: r.max_attempts.max(1),
            base_delay_ms: ms(&r.base_delay)?,
            max_delay_ms: ms(&r.max_delay)?,
            step_budget: r.step_budget,
            run_budget: r.run_budget,
            call_timeout_ms: r.call_timeout.as_deref().map(ms).transpose()?,
        },
        budget_usd: opts.budget_usd,
        providers: provider_map,
    };

    let previous_run: Option<RunRecord> = read_json(&run_dir.run_json())?;
    let previous_steps: Option<StepsFile> = read_json(&run_dir.steps_json())?;
    let previous = previous_steps.map(|s| s.steps).unwrap_or_default();
    let decisions = plan(
        &specs,
        &previous,
        &opts.rerun,
        opts.roi.as_ref(),
        &run_dir,
        &root,
    );
    let steps = specs
        .iter()
        .map(|s| {
            previous
                .iter()
                .find(|p| p.step_id == s.id)
                .cloned()
                .unwrap_or_else(|| new_record(s))
        })
        .collect();
    let pack_path = relative_to(&opts.input, &root);
    let provider_versions: BTreeMap<String, Option<String>> = interposer
        .providers
        .iter()
        .filter(|(n, _)| used.contains(n))
        .map(|(n, p)| (n.clone(), p.version.clone()))
        .collect();
    let run = RunRecord {
        format_version: FORMAT_VERSION,
        pack_id: id,
        pack_path,
        pack_hash: pack_hash.clone(),
        git_sha: git.map(|g| g.sha),
        oraclepack_version: env!("CARGO_PKG_VERSION").to_string(),
        oracle_version: interposer
            .providers
            .get("oracle")
            .and_then(|p| p.version.clone()),
        provider_versions,
        created_at: previous_run
            .as_ref()
            .map(|r| r.created_at.clone())
            .unwrap_or_else(super::clock::now_rfc3339),
        settings: RunSettings {
            step_timeout_secs: step_timeout.map(|d| d.as_secs()),
            cache: cache.as_str().to_string(),
            provider_args: interposer
                .providers
                .iter()
                .filter(|(_, p)| !p.args.is_empty())
                .map(|(n, p)| (n.clone(), p.args.clone()))
                .collect(),
        },
        totals: previous_run
            .as_ref()
            .map(|r| r.totals.clone())
            .unwrap_or_default(),
        sessions: previous_run.as_ref().map_or(0, |r| r.sessions),
        state: previous_run
            .as_ref()
            .map(|r| r.state.clone())
            .unwrap_or_else(|| "new".into()),
    };
    Ok(Prepared {
        pack,
        specs,
        root,
        run_dir,
        run,
        steps,
        decisions,
        max_parallel: max_parallel.max(1),
        step_timeout,
        grace,
        interposer,
        user_path,
    })
}

pub(crate) fn new_record(s: &StepSpec) -> StepRecord {
    StepRecord {
        step_id: s.id.clone(),
        title: s.title.clone(),
        reference: s.reference.clone(),
        category: s.category.clone(),
        roi: s.roi,
        command_hash: s.command_hash.clone(),
        output_path: s.declared_outputs.first().cloned(),
        output_hash: None,
        status: Status::Pending,
        reason: None,
        attempts: 0,
        exit_code: None,
        error_class: None,
        error: None,
        duration_ms: None,
        total_duration_ms: 0,
        outputs: Vec::new(),
        invocations: Vec::new(),
        log: format!("logs/{}.log", s.id),
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0.0,
    }
}

pub(crate) fn relative_to(p: &Path, root: &Path) -> String {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let abs = abs.canonicalize().unwrap_or(abs);
    abs.strip_prefix(root)
        .map(|r| r.to_string_lossy().to_string())
        .unwrap_or_else(|_| abs.to_string_lossy().to_string())
}

/// Literal output paths that escape the project are refused before anything runs.
fn refuse_unsafe_outputs(pack: &Pack, root: &Path) -> crate::Result<()> {
    let mut problems = Vec::new();
    for (step, inv) in pack.invocations() {
        for w in &inv.write_outputs {
            let v = pack.expand(&w.value);
            if v.contains('$') || v.contains('`') {
                continue;
            }
            if let Err(why) = path_safety::check_output_path(root, root, &v) {
                let (line, col) = pack.source.line_col(w.span.start);
                problems.push(format!(
                    "{}:{line}:{col}: step {} --write-output refused: {why}",
                    pack.source.name, step.id
                ));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    for p in &problems {
        eprintln!("oraclepack: error: {p}");
    }
    Err(Error::Invalid(format!(
        "{} output path(s) escape the project; nothing was run",
        problems.len()
    )))
}
