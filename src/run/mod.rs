//! Stage 2: run a pack. Planning (which steps run), the executor (processes, timeouts,
//! signals), the dispatcher (state, limits), the run-directory store (atomic writes, lock),
//! and the provider interposer that sees every LLM call inside a step.

pub(crate) mod interpose;
pub(crate) mod verify_outputs;
