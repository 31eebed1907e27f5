//! `github-issues.json`: one object per issue with `title`, `body`, `labels` — the fields
//! of GitHub's `POST /repos/{owner}/{repo}/issues` and of `gh issue create --title --body
//! --label`.

use std::fmt::Write;

use serde::Serialize;

use super::super::Model;
use super::super::model::{TaskKind, fmt_roi};
use super::{by_category, evidence_list, issue_ref, one_line};

#[derive(Serialize)]
struct GhIssue {
    title: String,
    body: String,
    labels: Vec<String>,
}

fn label(s: &str) -> String {
    s.to_ascii_lowercase().replace([' ', '/'], "-")
}

pub(crate) fn render(m: &Model) -> crate::Result<Vec<u8>> {
    let mut out = Vec::new();
    for (_, issues) in by_category(m) {
        for i in issues {
            let mut body = String::new();
            let _ = writeln!(
                body,
                "Step {} · category {} · ROI {}{}\n",
                i.step,
                i.category,
                fmt_roi(i.roi),
                i.reference
                    .as_deref()
                    .map(|r| format!(" · reference `{r}`"))
                    .unwrap_or_default()
            );
            for t in &i.tasks {
                let _ = writeln!(
                    body,
                    "- [ ] **{}** `{}` {}",
                    t.id,
                    t.kind.as_str(),
                    one_line(&t.title)
                );
                let text = one_line(&t.text);
                if text != one_line(&t.title) {
                    let _ = writeln!(body, "  - {text}");
                }
                if !t.evidence.is_empty() {
                    let _ = writeln!(body, "  - Evidence: {}", evidence_list(&t.evidence));
                }
                let _ = writeln!(body, "  - Steps: {}", t.steps.join(", "));
            }
            let _ = writeln!(body, "\n<!-- oraclepack:{} -->", issue_ref(m, i));
            let mut labels = vec![
                "oraclepack".to_string(),
                format!("category:{}", label(&i.category)),
            ];
            for (k, l) in [
                (TaskKind::Blocked, "blocked"),
                (TaskKind::Conflict, "conflict"),
            ] {
                if i.tasks.iter().any(|t| t.kind == k) {
                    labels.push(l.to_string());
                }
            }
            out.push(GhIssue {
                title: format!(
                    "[{}] {}",
                    issue_ref(m, i),
                    super::super::tasks::title_of(&one_line(&i.title), 200)
                ),
                body,
                labels,
            });
        }
    }
    super::super::json_bytes(&out)
}
