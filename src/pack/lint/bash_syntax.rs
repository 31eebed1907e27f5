//! `bash -n` over the whole script in one process (not one per step), started before the
//! other rules so that it runs while they do.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};

use crate::pack::Pack;
use crate::pack::diagnostic::{Diagnostic, Severity};

pub struct Pending {
    child: Option<Child>,
    writer: Option<std::thread::JoinHandle<()>>,
    error: Option<String>,
}

pub fn check(_: &super::Ctx) -> Vec<Diagnostic> {
    Vec::new() // runs through `spawn` / `collect`
}

pub fn spawn(pack: &Pack) -> Pending {
    // CRLF packs are run with LF line endings, so check what will run.
    let script = pack.script_text().replace("\r\n", "\n");
    let child = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    match child {
        Ok(mut child) => {
            let stdin = child.stdin.take();
            let writer = std::thread::spawn(move || {
                if let Some(mut s) = stdin {
                    // A broken pipe only means bash stopped reading at a syntax error.
                    let _ = s.write_all(script.as_bytes());
                }
            });
            Pending {
                child: Some(child),
                writer: Some(writer),
                error: None,
            }
        }
        Err(e) => Pending {
            child: None,
            writer: None,
            error: Some(e.to_string()),
        },
    }
}

pub fn collect(pack: &Pack, mut p: Pending) -> Vec<Diagnostic> {
    let Some(mut child) = p.child.take() else {
        return vec![
            Diagnostic::new(
                "bash.syntax",
                Severity::Info,
                format!(
                    "bash -n could not run ({}); syntax not checked",
                    p.error.unwrap_or_default()
                ),
            )
            .fix("install bash or pass --skip bash.syntax"),
        ];
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let _ = child.wait();
    if let Some(w) = p.writer.take() {
        let _ = w.join();
    }
    let first = pack.bash.as_ref().map(|b| b.first_line).unwrap_or(1);
    let mut out: Vec<Diagnostic> = Vec::new();
    for line in stderr.lines() {
        // "bash: line 12: syntax error near unexpected token `fi'"
        let Some(rest) = line.split_once("line ").map(|x| x.1) else {
            continue;
        };
        let Some((n, msg)) = rest.split_once(": ") else {
            continue;
        };
        let Ok(n) = n.trim().parse::<usize>() else {
            continue;
        };
        let file_line = first + n.saturating_sub(1);
        if let Some(prev) = out.last_mut()
            && prev.line == file_line
        {
            prev.message.push_str(&format!(" (near {})", msg.trim()));
            continue;
        }
        let eof = msg.contains("unexpected end of file");
        out.push(
            Diagnostic::new(
                "bash.syntax",
                Severity::Error,
                format!("bash -n: {}", msg.trim()),
            )
            .at(file_line, 1)
            .width(pack.source.line_text(file_line).trim_end().chars().count())
            .fix(if eof {
                "close the quote, heredoc, if/fi, do/done or $( ) opened earlier in the step"
            } else {
                "fix the shell syntax on this line"
            }),
        );
    }
    out
}
