//! Actionize throughput: the 20 real answers end to end (read → normalize → dedupe →
//! emit, in memory plus the atomic writes), and synthetic inputs of 200 and 2,000
//! answers to show how the cost per finding grows. Run: `cargo bench --bench
//! actionize_bench`. The lead's bench program can call `real_answers()` and
//! `synthetic(n)` directly.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use oraclepack::actionize::{self, Input};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut() -> usize>(runs: usize, mut f: F) -> (Duration, usize) {
    let mut t = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let s = Instant::now();
        n = f();
        t.push(s.elapsed());
    }
    (median(t), n)
}

/// The 20 real answers with their pack, written to a temp dir: (median time, findings).
pub fn real_answers() -> (Duration, usize) {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    let dir = shared.join("outputs/2026-01-08-actions");
    let pack = shared.join("packs/oracle-questions-2026-01-09-030000_actions.md");
    let tmp = tempfile::tempdir().expect("tmp");
    time(15, || {
        let mut answers: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        answers.sort();
        let input = Input {
            answers,
            pack: Some(("actions.md".into(), std::fs::read(&pack).expect("pack"))),
            out_dir: "actionizer".into(),
            emit_action_pack: true,
            ..Input::default()
        };
        let art = actionize::run(&input).expect("run");
        for (name, bytes) in &art.files {
            std::fs::write(tmp.path().join(name), bytes).expect("write");
        }
        art.summary.findings
    })
}

/// `n` synthetic answers, in memory: (median time, findings).
pub fn synthetic(n: usize) -> (Duration, usize) {
    let answers = actionize::synthetic::answers(n, 42);
    let runs = if n > 1000 { 3 } else { 7 };
    time(runs, || {
        let input = Input {
            answers: answers.clone(),
            out_dir: "actionizer".into(),
            ..Input::default()
        };
        actionize::run(&input).expect("run").summary.findings
    })
}

fn main() {
    let (t, f) = real_answers();
    println!(
        "actionize real 20 answers: {f} findings, {:.2} ms end to end (median of 15)",
        t.as_secs_f64() * 1e3
    );
    let mut per = Vec::new();
    for n in [200, 2000] {
        let (t, f) = synthetic(n);
        let us = t.as_secs_f64() * 1e6 / f as f64;
        println!(
            "actionize synthetic {n} answers: {f} findings, {:.1} ms, {:.2} µs/finding",
            t.as_secs_f64() * 1e3,
            us
        );
        per.push((f, us));
    }
    let (f0, u0) = per[0];
    let (f1, u1) = per[1];
    let nlogn = (f1 as f64).ln() / (f0 as f64).ln();
    println!(
        "cost per finding ratio (2000 vs 200 answers): {:.2} (n log n would give {:.2}, n² {:.1})",
        u1 / u0,
        nlogn,
        f1 as f64 / f0 as f64
    );
}
