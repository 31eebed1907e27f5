//! Renderings of results: human text (with source lines and carets) and JSON documents.

pub mod diagnostics;
pub mod out;
pub(crate) mod plan;
pub(crate) mod progress;
pub(crate) mod status;
pub mod style;
pub mod validate;
pub(crate) mod verify_outputs;
