//! The provider interposer: `oracle`, `codex`, `gemini` and `claude` resolve to oraclepack
//! itself while a step runs (argv[0] dispatch), so each call is seen after shell expansion.

pub(crate) mod classify;
