//! The provider interposer: `oracle`, `codex`, `gemini` and `claude` resolve to oraclepack
//! itself while a step runs (argv[0] dispatch), so each call is seen after shell expansion.

pub(crate) mod argv;
pub(crate) mod cache;
pub(crate) mod call;
pub(crate) mod classify;
pub(crate) mod explain;
pub(crate) mod outcome;
pub(crate) mod settings;
pub(crate) mod slots;
