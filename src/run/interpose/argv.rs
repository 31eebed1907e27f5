//! What a provider call asks for, read from its argv after shell expansion.

/// The parts of a call the interposer acts on; everything else passes through untouched.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CallArgs {
    pub write_output: Option<String>,
    /// Index in argv of the output path's value (to redirect it), and whether it was
    /// written `--write-output=path`.
    pub write_output_at: Option<(usize, bool)>,
    pub model: Option<String>,
    pub prompt: Option<String>,
    /// `-p -`: the prompt comes on stdin.
    pub prompt_stdin: bool,
    /// `-f/--file` values, comma-split, as given.
    pub files: Vec<String>,
    /// The remaining flags (normalized `--k=v` → `--k`, `v`), in order: part of the cache
    /// key.
    pub flags: Vec<String>,
}

fn is_flag(s: &str) -> bool {
    s.starts_with('-') && s != "-"
}

/// Parse an `oracle`-style argv (the other providers share the flags that matter:
/// `-p/--prompt`, `-m/--model`, `-f/--file`, `--write-output`).
pub(crate) fn parse(argv: &[String]) -> CallArgs {
    let mut c = CallArgs::default();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let take = |i: &mut usize| -> Option<String> {
            if let Some(v) = &inline {
                return Some(v.clone());
            }
            let v = argv.get(*i + 1).cloned();
            if v.is_some() {
                *i += 1;
            }
            v
        };
        match name {
            "--write-output" => {
                let at = if inline.is_some() { i } else { i + 1 };
                c.write_output = take(&mut i);
                c.write_output_at = c.write_output.as_ref().map(|_| (at, inline.is_some()));
            }
            "-m" | "--model" => c.model = take(&mut i),
            "-p" | "--prompt" => {
                let v = take(&mut i);
                c.prompt_stdin = v.as_deref() == Some("-");
                c.prompt = v;
            }
            "-f" | "--file" | "--files" => {
                let first = take(&mut i);
                for v in first.into_iter() {
                    c.files.extend(split_files(&v));
                }
                if inline.is_none() {
                    // Variadic: values until the next flag.
                    while let Some(v) = argv.get(i + 1).filter(|v| !is_flag(v)) {
                        c.files.extend(split_files(v));
                        i += 1;
                    }
                }
            }
            _ => {
                c.flags.push(name.to_string());
                if let Some(v) = inline {
                    c.flags.push(v);
                }
            }
        }
        i += 1;
    }
    c
}

fn split_files(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// argv with the output path replaced (the real CLI writes to a temporary file; the answer
/// reaches its place only when the call succeeded).
pub(crate) fn redirect_output(argv: &[String], c: &CallArgs, to: &str) -> Vec<String> {
    let mut v = argv.to_vec();
    if let Some((at, inline)) = c.write_output_at
        && let Some(slot) = v.get_mut(at)
    {
        *slot = if inline {
            format!("--write-output={to}")
        } else {
            to.to_string()
        };
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn reads_the_grouped_pack_call_shape() {
        let argv = s(&[
            "--files-report",
            "--write-output",
            "docs/out/01-a-direct-answer.md",
            "-f",
            ".tickets/a.md",
            "-f",
            ".tickets/b.md,.tickets/c.md",
            "-p",
            "Question?",
        ]);
        let c = parse(&argv);
        assert_eq!(
            c.write_output.as_deref(),
            Some("docs/out/01-a-direct-answer.md")
        );
        assert_eq!(c.files, [".tickets/a.md", ".tickets/b.md", ".tickets/c.md"]);
        assert_eq!(c.prompt.as_deref(), Some("Question?"));
        assert_eq!(c.flags, ["--files-report"]);
        let r = redirect_output(&argv, &c, "/tmp/x.md");
        assert_eq!(r[2], "/tmp/x.md");
    }

    #[test]
    fn variadic_files_and_inline_values() {
        let c = parse(&s(&[
            "-f",
            "a.md",
            "b.md",
            "--model=gpt-5.1",
            "--write-output=o.md",
            "-p",
            "-",
        ]));
        assert_eq!(c.files, ["a.md", "b.md"]);
        assert_eq!(c.model.as_deref(), Some("gpt-5.1"));
        assert_eq!(c.write_output.as_deref(), Some("o.md"));
        assert!(c.prompt_stdin);
        let r = redirect_output(
            &s(&["--write-output=o.md"]),
            &parse(&s(&["--write-output=o.md"])),
            "t.md",
        );
        assert_eq!(r, ["--write-output=t.md"]);
    }
}
