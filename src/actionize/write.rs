//! Atomic writes: a temp file in the destination directory, fsync, rename. A reader
//! (or a crash) never sees a half-written artifact.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

pub(crate) fn atomic(dir: &Path, name: &str, bytes: &[u8]) -> crate::Result<()> {
    let path = dir.join(name);
    let werr = |source| Error::Write {
        path: path.clone(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(werr)?;
    tmp.write_all(bytes).map_err(werr)?;
    // NamedTempFile is created 0600; artifacts are ordinary project files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(werr)?;
    }
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(&path).map_err(|e| werr(e.error))?;
    Ok(())
}
