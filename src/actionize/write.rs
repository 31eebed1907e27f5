//! Actionizer artifacts are written with the crate's one atomic writer.

use std::path::Path;

pub(crate) fn atomic(dir: &Path, name: &str, bytes: &[u8]) -> crate::Result<()> {
    crate::fsio::write_atomic(&dir.join(name), bytes)
}
