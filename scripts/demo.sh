#!/usr/bin/env bash
# The main job on the bundled example, offline, no API key: validate the demo pack
# strictly and list its steps.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/oraclepack
echo "== oraclepack validate --strict examples/demo/pack.md"
"$bin" validate --strict examples/demo/pack.md
echo
echo "== oraclepack list examples/demo/pack.md"
"$bin" list examples/demo/pack.md
