#!/usr/bin/env bash
# The whole test suite, with every set-up step a fresh machine needs.
# Real fixtures are read from ../shared/fixtures (or $ORACLEPACK_FIXTURES).
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures="${ORACLEPACK_FIXTURES:-../shared/fixtures}"
if [ ! -d "$fixtures/packs" ]; then
  echo "error: real fixtures not found at $fixtures (clone with ../shared beside the checkout or set ORACLEPACK_FIXTURES)" >&2
  exit 2
fi
command -v bash >/dev/null
# Python jsonschema: the independent validator of the manifest differential test.
if ! python3 -c 'import jsonschema' 2>/dev/null; then
  venv=target/pyvenv-jsonschema
  [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
  "$venv/bin/python3" -c 'import jsonschema' 2>/dev/null || "$venv/bin/pip" install --quiet jsonschema
fi
# The real oracle CLI for the end-to-end tests (tests/common/oracle_cli.rs installs it the
# same way when it is missing, so a plain `cargo test` works too).
oracle_prefix=target/npm-tools/oracle
if [ ! -x "$oracle_prefix/node_modules/.bin/oracle" ]; then
  if ! command -v npm >/dev/null; then
    echo "error: npm (node >= 20) is needed to install the oracle CLI for the end-to-end tests" >&2
    exit 2
  fi
  npm install --no-audit --no-fund --prefix "$oracle_prefix" @steipete/oracle@0.21.2
fi
cargo test --locked
