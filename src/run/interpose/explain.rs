//! `oraclepack cache explain`: a recorded call's key inputs, whether the cache would hit
//! now, and if not, what differs from the closest stored entry.

use std::path::Path;

use super::argv::parse;
use super::cache::{self, EntryMeta, KeyInputs, Lookup};
use crate::run::model::{CallRecord, RunRecord};

#[derive(Debug)]
pub(crate) struct Explanation {
    pub step: String,
    pub seq: u32,
    pub recorded_key: Option<String>,
    pub inputs: KeyInputs,
    pub key: String,
    pub hit: bool,
    /// Why it misses: the differences from the closest entry (empty when nothing close).
    pub differences: Vec<String>,
    pub closest: Option<String>,
    pub note: Option<String>,
}

pub(crate) fn explain(
    call: &CallRecord,
    run: &RunRecord,
    root: &Path,
    cache_dir: &Path,
) -> Explanation {
    let args = parse(&call.argv);
    let version = run.provider_versions.get(&call.provider).cloned().flatten();
    let extra = run
        .settings
        .provider_args
        .get(&call.provider)
        .cloned()
        .unwrap_or_default();
    let prompt = args.prompt.clone().unwrap_or_default();
    let inputs = cache::key_inputs(
        &call.provider,
        version.as_deref(),
        &args,
        &extra,
        &prompt,
        root,
        root,
    );
    let key = inputs.key();
    let hit = matches!(cache::lookup(cache_dir, &key), Lookup::Hit { .. });
    let mut differences = Vec::new();
    let mut closest = None;
    let mut note = None;
    if args.prompt_stdin {
        note = Some(
            "the prompt came on stdin (`-p -`); it is not recorded, so this key is approximate"
                .into(),
        );
    }
    if !hit {
        if let Lookup::Miss(cache::MissReason::Corrupt) = cache::lookup(cache_dir, &key) {
            differences.push(
                "an entry with this key exists but its answer no longer matches its hash".into(),
            );
        } else if let Some((k, meta)) = nearest(cache_dir, &inputs) {
            differences = cache::diff(&inputs, &meta.inputs);
            closest = Some(k);
        }
    }
    Explanation {
        step: call.step_id.clone(),
        seq: call.seq,
        recorded_key: call.cache_key.clone(),
        inputs,
        key,
        hit,
        differences,
        closest,
        note,
    }
}

/// The stored entry with the same provider whose inputs differ the least.
fn nearest(cache_dir: &Path, inputs: &KeyInputs) -> Option<(String, EntryMeta)> {
    let rd = std::fs::read_dir(cache_dir).ok()?;
    let mut best: Option<(usize, String, EntryMeta)> = None;
    let mut names: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    for p in names {
        if p.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(meta) = std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice::<EntryMeta>(&b).ok())
        else {
            continue;
        };
        if meta.inputs.provider != inputs.provider {
            continue;
        }
        let mut score = cache::diff(inputs, &meta.inputs).len();
        if meta.inputs.prompt != inputs.prompt {
            score += 100;
        }
        if best.as_ref().is_none_or(|(s, _, _)| score < *s) {
            best = Some((score, meta.key.clone(), meta));
        }
    }
    best.map(|(_, k, m)| (k, m))
}
