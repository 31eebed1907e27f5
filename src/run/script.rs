//! A pack step as something to execute: its script (the prelude, then the step), the hash
//! that decides whether it changed, and the outputs it declares.

use std::path::Path;

use crate::fsio::sha256_hex;
use crate::pack::{Pack, Step};

/// Version of the command-hash input; bump when the script construction changes meaning.
const HASH_FORMAT: &str = "oraclepack-step-v1";

#[derive(Debug, Clone)]
pub(crate) struct StepSpec {
    pub id: String,
    pub title: String,
    pub reference: Option<String>,
    pub category: Option<String>,
    pub roi: Option<f64>,
    /// What bash runs. Lines are padded so that bash's `line N` is the pack file's line N.
    pub script: String,
    pub command_hash: String,
    /// `--write-output` paths known before running (prelude variables expanded), in order.
    pub declared_outputs: Vec<String>,
    /// `--write-output` values that still depend on run-time shell state.
    pub dynamic_outputs: Vec<String>,
    /// Providers this step calls (static view).
    pub providers: Vec<String>,
}

pub(crate) fn step_specs(pack: &Pack) -> Vec<StepSpec> {
    let prelude = prelude_text(pack);
    pack.steps.iter().map(|s| spec(pack, s, &prelude)).collect()
}

fn prelude_text(pack: &Pack) -> String {
    let lines = &pack.prelude.lines;
    (lines.start..lines.end)
        .map(|l| format!("{}\n", pack.source.line_text(l)))
        .collect()
}

fn spec(pack: &Pack, step: &Step, prelude: &str) -> StepSpec {
    let header = pack.source.line_text(step.line);
    let body = &pack.source.text[step.body.clone()];
    let mut hasher_input = String::with_capacity(prelude.len() + body.len() + 64);
    for part in [HASH_FORMAT, prelude, body] {
        hasher_input.push_str(part);
        hasher_input.push('\0');
    }
    // Pad so that bash's line numbers are the pack's. `export out_dir` comes first: an
    // exported name stays exported when the prelude assigns it later.
    let prelude_start = pack.prelude.lines.start.max(1);
    let mut script = String::from("export out_dir\n");
    let mut line = 2;
    pad_to(&mut script, &mut line, prelude_start);
    script.push_str(prelude);
    line += pack.prelude.lines.len();
    pad_to(&mut script, &mut line, step.line);
    script.push_str(header);
    script.push('\n');
    script.push_str(body);
    if !body.ends_with('\n') {
        script.push('\n');
    }
    let mut declared = Vec::new();
    let mut dynamic = Vec::new();
    let mut providers: Vec<String> = Vec::new();
    for inv in &step.invocations {
        if !providers.contains(&inv.provider) {
            providers.push(inv.provider.clone());
        }
        for w in &inv.write_outputs {
            let v = pack.expand(&w.value);
            if v.contains('$') || v.contains('`') {
                dynamic.push(v);
            } else if !declared.contains(&v) {
                declared.push(v);
            }
        }
    }
    let meta = &step.header.meta;
    StepSpec {
        id: step.id.clone(),
        title: step_title(step),
        reference: meta.reference.clone(),
        category: meta.category.clone(),
        roi: step.roi(),
        script,
        command_hash: sha256_hex(hasher_input.as_bytes()),
        declared_outputs: declared,
        dynamic_outputs: dynamic,
        providers,
    }
}

fn pad_to(script: &mut String, line: &mut usize, target: usize) {
    while *line < target {
        script.push('\n');
        *line += 1;
    }
}

fn step_title(step: &Step) -> String {
    if !step.header.title.trim().is_empty() {
        return step.header.title.trim().to_string();
    }
    step.invocations
        .iter()
        .find_map(|i| i.prompt.as_ref())
        .map(|p| crate::pack::lint::question_display(&p.value))
        .filter(|q| !q.is_empty())
        .map(|q| q.chars().take(80).collect())
        .unwrap_or_else(|| format!("step {}", step.id))
}

/// `outputs/NN-<slug>.md` for an output the step writes at `path`.
pub(crate) fn canonical_name(step_id: &str, path: &str, taken: &[String]) -> String {
    let base = Path::new(path)
        .file_name()
        .map(|b| b.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = base.strip_suffix(".md").unwrap_or(&base);
    let stem = stem
        .strip_prefix(step_id)
        .and_then(|r| r.strip_prefix(['-', '_']))
        .unwrap_or(stem);
    let mut slug = slugify(stem);
    if slug.is_empty() {
        slug = "answer".into();
    }
    let mut name = format!("{step_id}-{slug}.md");
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{step_id}-{slug}-{n}.md");
        n += 1;
    }
    name
}

pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::SourceFile;

    fn pack(text: &str) -> Pack {
        crate::pack::parse(SourceFile::new("p.md", text.to_string()))
    }

    #[test]
    fn script_keeps_pack_line_numbers_and_prelude() {
        let text = "# T\n\n```bash\nset -euo pipefail\nout_dir=\"o\"\n\n# 01) ROI=1 a\necho one\n\n# 02) ROI=1 b\necho two >&2\nfalse\n```\n";
        let p = pack(text);
        let specs = step_specs(&p);
        assert_eq!(specs.len(), 2);
        let s2 = &specs[1].script;
        let lines: Vec<&str> = s2.lines().collect();
        assert_eq!(lines[0], "export out_dir");
        assert_eq!(lines[3], "set -euo pipefail", "prelude at its pack line 4");
        assert_eq!(lines[9], "# 02) ROI=1 b", "header at pack line 10");
        assert_eq!(lines[11], "false", "pack line 12");
        assert!(!s2.contains("echo one"), "other steps are not included");
    }

    #[test]
    fn command_hash_changes_with_body_or_prelude_only() {
        let a = step_specs(&pack(
            "```bash\nx=1\n# 01) ROI=1 a\necho a\n# 02) ROI=2 b\necho b\n```\n",
        ));
        let b = step_specs(&pack(
            "```bash\nx=1\n# 01) ROI=1 a\necho a\n# 02) ROI=2 b\necho B\n```\n",
        ));
        let c = step_specs(&pack(
            "```bash\nx=2\n# 01) ROI=1 a\necho a\n# 02) ROI=2 b\necho b\n```\n",
        ));
        assert_eq!(a[0].command_hash, b[0].command_hash);
        assert_ne!(a[1].command_hash, b[1].command_hash);
        assert_ne!(a[0].command_hash, c[0].command_hash);
    }

    #[test]
    fn canonical_names_are_stable_and_unique() {
        assert_eq!(
            canonical_name("07", "docs/out/07-job-model.md", &[]),
            "07-job-model.md"
        );
        assert_eq!(
            canonical_name("01", "x/01-contracts-surface-direct-answer.md", &[]),
            "01-contracts-surface-direct-answer.md"
        );
        assert_eq!(canonical_name("03", "answer.txt", &[]), "03-answer-txt.md");
        let taken = vec!["03-a.md".to_string()];
        assert_eq!(canonical_name("03", "b/a.md", &taken), "03-a-2.md");
    }
}
