//! `change-plan.md`: tasks ordered Immediate → NearTerm → MidTerm → LongTerm → Strategic,
//! each with the files to touch and how to validate it.

use std::fmt::Write;

use super::super::Model;
use super::super::model::{Task, fmt_roi};
use super::{files_to_touch, one_line, validation};
use crate::pack::header::HORIZONS;

pub(crate) fn render(m: &Model) -> String {
    let mut all: Vec<&Task> = m.issues.iter().flat_map(|i| i.tasks.iter()).collect();
    let rank = |h: &str| {
        HORIZONS
            .iter()
            .position(|x| *x == h)
            .unwrap_or(HORIZONS.len())
    };
    all.sort_by(|a, b| {
        rank(&a.horizon)
            .cmp(&rank(&b.horizon))
            .then(super::roi_desc(a.roi, b.roi))
            .then((a.issue, a.index).cmp(&(b.issue, b.index)))
    });
    let mut s = String::new();
    let _ = writeln!(s, "# Change plan\n");
    let _ = writeln!(
        s,
        "Ordered by horizon, then ROI. Experiments, blocked and conflict tasks are Immediate because they unblock the rest of their step. Pack hash `{}`.\n",
        m.pack_hash8
    );
    let mut current: Option<&str> = None;
    let mut n = 0;
    for t in all {
        if current != Some(t.horizon.as_str()) {
            let _ = writeln!(s, "## {}\n", t.horizon);
            current = Some(t.horizon.as_str());
            n = 0;
        }
        n += 1;
        let _ = writeln!(
            s,
            "{n}. **{}** `{}` ({}, step {}, ROI {}) — {}",
            t.id,
            t.kind.as_str(),
            t.category,
            t.steps.join("+"),
            fmt_roi(t.roi),
            one_line(&t.title)
        );
        let files = files_to_touch(t);
        if files.is_empty() {
            let _ = writeln!(s, "   - Files to touch: none named by the answers");
        } else {
            let _ = writeln!(
                s,
                "   - Files to touch: {}",
                files
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(s, "   - Validate: {}", validation(m, t));
    }
    if n == 0 && current.is_none() {
        let _ = writeln!(s, "No tasks.");
    }
    s
}
