#!/usr/bin/env bash
# The main job on the bundled example, offline, no API key: validate → run → actionize.
# The demo project is copied to target/demo-project (fresh each time) so the repository
# stays clean; its oraclepack.toml points `oracle` at an offline stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/oraclepack"
proj=target/demo-project
rm -rf "$proj"
cp -R examples/demo "$proj"
cd "$proj"
echo "== oraclepack validate --strict pack.md"
"$bin" validate --strict pack.md
echo
echo "== oraclepack run pack.md --non-interactive"
"$bin" run pack.md --non-interactive
run_dir=$(ls -d .oraclepack/runs/*/)
echo
echo "== oraclepack run pack.md (again: resumes, nothing to do)"
"$bin" run pack.md --non-interactive 2>&1 | tail -1
echo
echo "== oraclepack status"
"$bin" status "$run_dir"
echo
echo "== oraclepack verify-outputs $run_dir --headings"
"$bin" verify-outputs "$run_dir" --headings
echo
echo "== oraclepack actionize --run-dir $run_dir"
"$bin" actionize --run-dir "$run_dir"
echo
echo "Artifacts in $proj/$run_dir: run.json steps.json outputs/ logs/ events.jsonl actionizer/"
