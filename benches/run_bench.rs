//! Stage 2 benchmarks, ratios from one run (`cargo bench --bench run_bench`):
//! 1. orchestration overhead: a real 80-call grouped pack against an instant stub `oracle`,
//!    through `oraclepack run`, versus running the same step scripts bare with bash;
//! 2. parallel speed-up: a 20-step pack against a provider with a fixed latency at
//!    --max-parallel 1 / 4 / 8 versus the ideal ⌈20/N⌉ × latency;
//! 3. a rerun served entirely from the call cache versus the first run;
//! 4. per-call overhead of the interposer versus calling the provider directly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_oraclepack");

const INSTANT_STUB: &str = r#"#!/usr/bin/env bash
[ "${1:-}" = "--version" ] && { echo "stub 1.0"; exit 0; }
out=""
while [ $# -gt 0 ]; do
  case "$1" in --write-output) out="$2"; shift 2;; *) shift;; esac
done
[ -n "${STUB_SLEEP:-}" ] && sleep "$STUB_SLEEP"
mkdir -p "$(dirname "$out")"
printf 'Direct answer\n- ok\n' > "$out"
"#;

fn write_exe(p: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

struct Project {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    path: String,
}

fn project(pack: &Path, tickets: bool) -> Project {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("proj");
    std::fs::create_dir_all(root.join(".oraclepack")).expect("mkdir");
    std::fs::copy(pack, root.join("pack.md")).expect("copy");
    if tickets {
        // The grouped pack attaches these (its embedded python lists them).
        let text = std::fs::read_to_string(pack).expect("pack");
        for line in text.lines().filter(|l| l.starts_with("TICKET_PATHS = ")) {
            let list = line.split('"').nth(1).unwrap_or("");
            for t in list.split(',').filter(|t| !t.is_empty()) {
                let p = root.join(t);
                std::fs::create_dir_all(p.parent().expect("p")).expect("mkdir");
                std::fs::write(&p, format!("# {t}\nticket body\n")).expect("ticket");
            }
        }
    } else {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/app");
        std::fs::create_dir_all(root.join("app")).expect("mkdir");
        for e in std::fs::read_dir(demo).expect("demo") {
            let e = e.expect("e");
            std::fs::copy(e.path(), root.join("app").join(e.file_name())).expect("copy");
        }
    }
    let bin = tmp.path().join("stubbin");
    write_exe(&bin.join("oracle"), INSTANT_STUB);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Project {
        _tmp: tmp,
        root,
        path,
    }
}

fn run(p: &Project, args: &[&str], env: &[(&str, &str)]) -> Duration {
    let t = Instant::now();
    let out = Command::new(BIN)
        .current_dir(&p.root)
        .env("PATH", &p.path)
        .envs(env.iter().copied())
        .args(["run", "pack.md", "--non-interactive"])
        .args(args)
        .output()
        .expect("run");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn run_dir(p: &Project) -> PathBuf {
    std::fs::read_dir(p.root.join(".oraclepack/runs"))
        .expect("runs")
        .map(|e| e.expect("e").path())
        .next()
        .expect("one run")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/packs");
    let grouped = shared.join("oracle-questions-2026-01-09-030000_actions.md");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/pack.md");

    // 1. Orchestration overhead, sequential and parallel, cache off.
    let p = project(&grouped, true);
    run(&p, &["--no-cache", "--max-parallel", "1"], &[]); // warm-up, writes scripts/NN.sh
    let rd = run_dir(&p);
    let seq: Vec<Duration> = (0..3)
        .map(|_| {
            run(
                &p,
                &["--no-cache", "--rerun", "all", "--max-parallel", "1"],
                &[],
            )
        })
        .collect();
    let par: Vec<Duration> = (0..3)
        .map(|_| {
            run(
                &p,
                &["--no-cache", "--rerun", "all", "--max-parallel", "4"],
                &[],
            )
        })
        .collect();
    let bare: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            for n in 1..=20 {
                let st = Command::new("bash")
                    .arg(rd.join(format!("scripts/{n:02}.sh")))
                    .current_dir(&p.root)
                    .env("PATH", &p.path)
                    .output()
                    .expect("bash");
                assert!(
                    st.status.success(),
                    "{}",
                    String::from_utf8_lossy(&st.stderr)
                );
            }
            t.elapsed()
        })
        .collect();
    let (seq, par, bare) = (median(seq), median(par), median(bare));
    println!(
        "## run: orchestration overhead (oracle-questions-2026-01-09-030000_actions.md, 20 steps, 80 calls, instant stub, --no-cache)\n"
    );
    println!("| measurement | median | ratio |\n|---|---|---|");
    println!(
        "| the 20 step scripts run bare with bash, sequentially (stub called directly) | {:.1} ms | 1.000 |",
        ms(bare)
    );
    println!(
        "| `oraclepack run --max-parallel 1` (interposer on every call) | {:.1} ms | {:.3} × bare |",
        ms(seq),
        ms(seq) / ms(bare)
    );
    println!(
        "| `oraclepack run --max-parallel 4` | {:.1} ms | {:.3} × bare |",
        ms(par),
        ms(par) / ms(bare)
    );
    println!(
        "\nper-call overhead of oraclepack (sequential run − bare) / 80 calls: {:.2} ms\n",
        (ms(seq) - ms(bare)) / 80.0
    );

    // 2. Parallel speed-up against a fixed-latency provider.
    let latency = 0.5;
    let p = project(&demo, false);
    println!(
        "## run: parallel steps vs the ideal (examples/demo/pack.md, 20 steps × 1 call, provider latency {latency} s, --no-cache)\n"
    );
    println!(
        "| --max-parallel | wall | ideal ⌈20/N⌉ × latency | wall / ideal |\n|---|---|---|---|"
    );
    let lat = format!("{latency}");
    for n in [1usize, 4, 8] {
        let ns = n.to_string();
        let wall = run(
            &p,
            &["--no-cache", "--rerun", "all", "--max-parallel", &ns],
            &[("STUB_SLEEP", &lat)],
        );
        let ideal = (20usize.div_ceil(n)) as f64 * latency;
        println!(
            "| {n} | {:.2} s | {:.2} s | {:.3} |",
            wall.as_secs_f64(),
            ideal,
            wall.as_secs_f64() / ideal
        );
    }

    // 3. Cache-hit rerun versus the first run (same latency).
    let p = project(&demo, false);
    let first = run(&p, &["--max-parallel", "4"], &[("STUB_SLEEP", &lat)]);
    let hit = run(
        &p,
        &["--rerun", "all", "--max-parallel", "4"],
        &[("STUB_SLEEP", &lat)],
    );
    let steps: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run_dir(&p).join("steps.json")).expect("steps"),
    )
    .expect("json");
    let hits = steps["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .flat_map(|s| s["invocations"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["cache_hit"] == true)
        .count();
    println!(
        "\n## run: cache-hit rerun (examples/demo/pack.md, latency {latency} s, --max-parallel 4)\n"
    );
    println!("| run | wall | ratio |\n|---|---|---|");
    println!(
        "| first run (20 provider calls) | {:.2} s | 1.000 |",
        first.as_secs_f64()
    );
    println!(
        "| `--rerun all`, every call a cache hit ({hits}/20 hits, 0 provider calls) | {:.3} s | {:.3} × first |",
        hit.as_secs_f64(),
        hit.as_secs_f64() / first.as_secs_f64()
    );

    // 4. Per call: the interposer in front of the stub versus the stub alone.
    let p = project(&demo, false);
    run(&p, &["--no-cache", "--max-parallel", "8"], &[]);
    let rd = run_dir(&p);
    let shim = rd.join("bin/oracle");
    let settings = {
        // The settings the runner hands the interposer, rebuilt from a real run's files is
        // overkill; the interposer only needs the run dir, root and provider.
        serde_json::json!({
            "version": 1, "run_dir": rd, "project_root": p.root.canonicalize().expect("canon"),
            "cache_dir": p.root.join(".oraclepack/cache"), "cache": "off", "max_calls": 4,
            "providers": {"oracle": {"command": p._tmp.path().join("stubbin/oracle"), "version": null, "args": [], "env": {}, "max_concurrent": 4}},
            "retry": {"max_attempts": 1, "base_delay_ms": 1, "max_delay_ms": 1, "step_budget": 0, "run_budget": 0, "call_timeout_ms": null},
            "budget_usd": null
        })
        .to_string()
    };
    let call = |exe: &Path, i: usize, interposed: bool| {
        let mut c = Command::new(exe);
        c.current_dir(&p.root).args([
            "--write-output",
            &format!("bench/{i}.md"),
            "-f",
            "app/api.py",
            "-p",
            "q",
        ]);
        if interposed {
            c.env("ORACLEPACK_INTERPOSER", &settings)
                .env("ORACLEPACK_STEP", "99");
        }
        assert!(c.output().expect("call").status.success());
    };
    let stub = p._tmp.path().join("stubbin/oracle");
    let n = 40;
    let t = Instant::now();
    (0..n).for_each(|i| call(&stub, i, false));
    let direct = t.elapsed() / n as u32;
    let t = Instant::now();
    (0..n).for_each(|i| call(&shim, i, true));
    let via = t.elapsed() / n as u32;
    println!(
        "\n## run: per-call overhead of the interposer ({n} sequential calls, instant stub)\n"
    );
    println!("| path | per call | ratio |\n|---|---|---|");
    println!("| stub called directly | {:.2} ms | 1.000 |", ms(direct));
    println!(
        "| through the interposer (path check, cache key with 1 attached file, slots, record) | {:.2} ms | {:.3} × direct |",
        ms(via),
        ms(via) / ms(direct)
    );
    println!(
        "\ninterposer overhead per call: {:.2} ms",
        ms(via) - ms(direct)
    );
}
