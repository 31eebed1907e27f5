//! `oraclepack list`.

use serde::Serialize;

use super::ListArgs;
use crate::error::{Error, exit};
use crate::pack::header::{HeaderForm, Meta};
use crate::pack::lint::question_display;
use crate::pack::{Invocation, Severity, compat};
use crate::report::diagnostics::render_grouped;
use crate::report::style::{ColorChoice, Style};

#[derive(Serialize)]
struct StepOut<'a> {
    id: &'a str,
    line: usize,
    form: HeaderForm,
    /// Header text after `NN)`, exactly as written.
    raw_title: &'a str,
    title: &'a str,
    #[serde(flatten)]
    meta: &'a Meta,
    /// ROI from a `# ROI: x` body comment when the header has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    roi_comment: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    question: Option<String>,
    invocations: &'a [Invocation],
}

#[derive(Serialize)]
struct ListOut<'a> {
    format_version: u32,
    file: &'a str,
    out_dir: Option<&'a crate::pack::OutDir>,
    steps: Vec<StepOut<'a>>,
}

pub fn run(a: &ListArgs, color: ColorChoice) -> crate::Result<i32> {
    let pack = super::read_pack(&a.pack)?;
    let problems: Vec<_> = compat::check(&pack)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let file = a.pack.display().to_string();
    let steps: Vec<StepOut> = pack
        .steps
        .iter()
        .map(|s| StepOut {
            id: &s.id,
            line: s.line,
            form: s.header.form,
            raw_title: &s.header.raw,
            title: &s.header.title,
            meta: &s.header.meta,
            roi_comment: s.roi_comment,
            question: s
                .invocations
                .iter()
                .find_map(|i| i.prompt.as_ref())
                .map(|p| question_display(&p.value)),
            invocations: &s.invocations,
        })
        .collect();
    if a.json {
        let doc = ListOut {
            format_version: 1,
            file: &file,
            out_dir: pack.prelude.out_dir.as_ref(),
            steps,
        };
        crate::report::out::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).map_err(|e| Error::Usage(e.to_string()))?
        ));
    } else {
        let rows: Vec<[String; 5]> = steps
            .iter()
            .map(|s| {
                let roi = pack
                    .steps
                    .iter()
                    .find(|p| p.line == s.line)
                    .and_then(|p| {
                        p.header
                            .tokens
                            .iter()
                            .find(|t| t.key == "ROI")
                            .map(|t| t.value.clone())
                            .or(p.roi_comment.map(|r| r.to_string()))
                    })
                    .unwrap_or_else(|| "-".into());
                let title = if !s.title.is_empty() {
                    s.title.to_string()
                } else {
                    s.question.clone().unwrap_or_default()
                };
                [
                    s.id.to_string(),
                    format!("ROI={roi}"),
                    s.meta.category.clone().unwrap_or_else(|| "-".into()),
                    s.meta.reference.clone().unwrap_or_else(|| "-".into()),
                    crate::pack::lint::truncate(&title, 90),
                ]
            })
            .collect();
        let mut w = [0usize; 4];
        for r in &rows {
            for (i, c) in r.iter().take(4).enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        for r in &rows {
            let line = format!(
                "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            );
            crate::report::out::print(&format!("{}\n", line.trim_end()));
        }
    }
    if !problems.is_empty() {
        eprint!(
            "{}",
            render_grouped(&pack.source, &problems, &Style::for_stdout(color))
        );
        eprintln!("{file}: invalid pack structure: {}", problems[0].message);
        return Ok(exit::INVALID);
    }
    Ok(exit::OK)
}
