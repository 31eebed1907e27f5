//! Markdown pack → manifest: the migration path. Reads whatever the compatibility
//! grammar reads; values the manifest cannot type (placeholders such as `ROI=...`,
//! unknown categories) are dropped with a note, never invented.

use super::render::trim_trailing_blank_lines;
use super::{Kind, Level, LevelWord, Manifest, SCHEMA_VERSION, Step};
use crate::pack::header::{CATEGORIES, HORIZONS, Value};
use crate::pack::{Diagnostic, OutDirSource, Pack, Severity, compat};

#[derive(Debug)]
pub(crate) struct Imported {
    pub manifest: Manifest,
    /// What could not be carried over, one sentence each.
    pub notes: Vec<String>,
}

fn level(v: &Value, max: Option<f64>) -> Option<Level> {
    match v {
        Value::Number(n) if *n >= 0.0 && max.is_none_or(|m| *n <= m) => Some(Level::Number(*n)),
        Value::Number(_) => None,
        Value::Word(w) => match w.to_ascii_lowercase().as_str() {
            "low" => Some(Level::Word(LevelWord::Low)),
            "medium" => Some(Level::Word(LevelWord::Medium)),
            "high" => Some(Level::Word(LevelWord::High)),
            _ => None,
        },
    }
}

/// Fails with the compatibility findings when the pack has no bash block or not 20
/// sequential steps (the Go tool rejects those too).
pub(crate) fn import(pack: &Pack, kind: Option<Kind>) -> Result<Imported, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> = compat::check(pack)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let Some(bash) = pack.bash.as_ref().filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let src = &pack.source;
    let mut notes = Vec::new();

    let fence = &pack.fences[bash.fence];
    let preamble = src.text[..src.line_start(fence.open_line)].to_string();
    let postamble = fence.close_line.map(|l| {
        let end = src.line_range(l).end;
        let rest = &src.text[end..];
        let rest = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix('\n'))
            .unwrap_or(rest);
        rest.to_string()
    });

    // Prelude: everything before step 01 except the lines the renderer writes itself.
    let od = pack.prelude.out_dir.as_ref();
    let skip_lines: Vec<usize> = od
        .filter(|o| o.source == OutDirSource::Prelude)
        .map(|o| o.line)
        .into_iter()
        .chain(pack.prelude.write_output_convention)
        .collect();
    let prelude: Vec<&str> = pack
        .prelude
        .lines
        .clone()
        .filter(|l| !skip_lines.contains(l))
        .map(|l| src.line_text(l))
        .collect();
    let prelude = trim_trailing_blank_lines(&prelude.join("\n")).to_string();

    let out_dir = match od {
        Some(o) => o.value.clone(),
        None => {
            let from_outputs = pack
                .invocations()
                .flat_map(|(_, i)| i.write_outputs.iter())
                .map(|a| pack.expand(&a.value))
                .find(|v| !v.contains('$'))
                .and_then(|v| v.rsplit_once('/').map(|(d, _)| d.to_string()));
            let d = from_outputs.unwrap_or_else(|| ".".to_string());
            notes.push(format!(
                "the pack declares no out_dir; using \"{d}\" (from its --write-output paths, else \".\")"
            ));
            d
        }
    };

    let mut steps = Vec::new();
    for s in &pack.steps {
        let m = &s.header.meta;
        let mut drop = |what: &str, raw: String| {
            notes.push(format!(
                "step {}: {what}={raw} is not a typed manifest value; dropped",
                s.id
            ));
        };
        let roi = match &m.roi {
            Some(Value::Number(n)) if *n >= 0.0 => Some(*n),
            Some(v) => {
                drop("ROI", raw_of(v));
                None
            }
            None => None,
        };
        let mut lv = |name: &str, v: &Option<Value>, max: Option<f64>| {
            let v = v.as_ref()?;
            let l = level(v, max);
            if l.is_none() {
                drop(name, raw_of(v));
            }
            l
        };
        let impact = lv("impact", &m.impact, None);
        let confidence = lv("confidence", &m.confidence, Some(1.0));
        let effort = lv("effort", &m.effort, None);
        let horizon = match &m.horizon {
            Some(h) if HORIZONS.contains(&h.as_str()) => Some(h.clone()),
            Some(h) => {
                drop("horizon", h.clone());
                None
            }
            None => None,
        };
        let category = match &m.category {
            Some(c) => match CATEGORIES.iter().find(|k| k.eq_ignore_ascii_case(c)) {
                Some(k) => Some((*k).to_string()),
                None => {
                    drop("category", c.clone());
                    None
                }
            },
            None => None,
        };
        let reference = match &m.reference {
            Some(r) if !r.is_empty() && !r.contains(char::is_whitespace) => Some(r.clone()),
            Some(r) => {
                drop("reference", r.clone());
                None
            }
            None => None,
        };
        let mut title = s.header.title.clone();
        if title.contains('|') {
            // `|` would switch the rendered header to the pipe form.
            title = title.replace('|', "/");
            notes.push(format!("step {}: `|` in the title replaced by `/`", s.id));
        }
        steps.push(Step {
            id: s.id.clone(),
            title,
            roi,
            impact,
            confidence,
            effort,
            horizon,
            category,
            reference,
            bash: trim_trailing_blank_lines(&src.text[s.body.clone()]).to_string(),
            prompt: None,
            files: Vec::new(),
            model: None,
            output: None,
        });
    }
    let kind = kind.unwrap_or(if pack.steps.iter().all(|s| !s.invocations.is_empty()) {
        Kind::QuestionPack
    } else {
        Kind::ActionPack
    });
    Ok(Imported {
        manifest: Manifest {
            schema_version: SCHEMA_VERSION,
            kind,
            title: None,
            preamble: (!preamble.is_empty()).then_some(preamble),
            out_dir,
            write_output: pack.prelude.write_output_convention.map(|_| true),
            prelude: (!prelude.is_empty()).then_some(prelude),
            steps,
            postamble: postamble.filter(|p| !p.is_empty()),
        },
        notes,
    })
}

fn raw_of(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::Word(w) => w.clone(),
    }
}
