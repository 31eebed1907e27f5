//! Benchmark program (`cargo bench --bench oraclepack_bench`). It reports ratios measured
//! in one run, never asserts on time. Results go to BENCHMARKS.md.
//!
//! Validate: parse + every strict rule on a real 80-invocation grouped pack, with and
//! without the one `bash -n` process, against `bash -n` alone and against the naive
//! 20-sequential-`bash -n`-processes approach.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oraclepack::pack::lint::{LintOptions, PackKind, lint};
use oraclepack::pack::{SourceFile, parse};

fn fixtures() -> PathBuf {
    std::env::var_os("ORACLEPACK_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"))
}

/// Median of `n` timed runs (after one warm-up).
fn median(n: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[n / 2]
}

fn bash_n(script: &str) {
    let mut c = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bash runs");
    if let Some(mut s) = c.stdin.take() {
        let _ = s.write_all(script.as_bytes());
    }
    let _ = c.wait();
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let path = fixtures().join("packs/oracle-questions-2026-01-09-030000_mcp.md");
    let text = std::fs::read_to_string(&path).expect("fixture pack (../shared/fixtures)");
    let root = std::env::temp_dir();
    let opts = |bash_check| LintOptions {
        kind: PackKind::QuestionPack,
        root: root.clone(),
        skip: Default::default(),
        bash_check,
    };

    let pack = parse(SourceFile::new("mcp.md", text.clone()));
    assert_eq!(pack.invocations().count(), 80);
    let script = pack.script_text().to_string();
    let step_scripts: Vec<String> = pack
        .steps
        .iter()
        .map(|s| text[s.body.clone()].to_string())
        .collect();

    let parse_only = median(200, || {
        std::hint::black_box(parse(SourceFile::new("mcp.md", text.clone())));
    });
    let parse_lint = median(200, || {
        let p = parse(SourceFile::new("mcp.md", text.clone()));
        std::hint::black_box(lint(&p, &opts(false)));
    });
    let bash_once = median(30, || bash_n(&script));
    let full = median(30, || {
        let p = parse(SourceFile::new("mcp.md", text.clone()));
        std::hint::black_box(lint(&p, &opts(true)));
    });
    let sequential = median(10, || {
        for s in &step_scripts {
            bash_n(s);
        }
    });
    let exe = env!("CARGO_BIN_EXE_oraclepack");
    let cli = median(30, || {
        let _ = Command::new(exe)
            .args(["validate", "--strict", "--json", "--work-dir"])
            .arg(&root)
            .arg(&path)
            .stdout(Stdio::null())
            .status();
    });

    println!(
        "## validate: {} ({} bytes, 20 steps, 80 oracle invocations)\n",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
        text.len()
    );
    println!("| measurement | median | ratio |");
    println!("|---|---|---|");
    println!(
        "| parse only | {} | {:.3} × bash -n |",
        ms(parse_only),
        parse_only.as_secs_f64() / bash_once.as_secs_f64()
    );
    println!(
        "| parse + all strict rules, no bash -n | {} | {:.3} × bash -n |",
        ms(parse_lint),
        parse_lint.as_secs_f64() / bash_once.as_secs_f64()
    );
    println!(
        "| bash -n once on the whole script | {} | 1.000 |",
        ms(bash_once)
    );
    println!(
        "| parse + all rules + bash -n (concurrent) | {} | {:.3} × bash -n |",
        ms(full),
        full.as_secs_f64() / bash_once.as_secs_f64()
    );
    println!(
        "| 20 sequential bash -n (one per step, the naive way) | {} | {:.3} × bash -n |",
        ms(sequential),
        sequential.as_secs_f64() / bash_once.as_secs_f64()
    );
    println!(
        "| `oraclepack validate --strict --json` process end to end | {} | {:.3} × bash -n |",
        ms(cli),
        cli.as_secs_f64() / bash_once.as_secs_f64()
    );
    println!(
        "\nfull validate overhead beyond bash -n: {}",
        ms(full.saturating_sub(bash_once))
    );
}
