//! oraclepack: compile, run and actionize packs of LLM questions about a codebase.
//!
//! The pipeline's stages are modules: [`pack`] (Markdown → typed pack, lint rules),
//! `manifest` (Pack Manifest v1: schema, validation, renderer, importer),
//! [`report`] (human and JSON renderings), [`cli`] (argv → validated commands).

pub mod actionize;
pub mod cli;
pub mod error;
pub(crate) mod fsio;
pub(crate) mod manifest;
pub mod pack;
pub mod project;
pub mod report;
pub(crate) mod run;

pub use error::{Error, Result};
