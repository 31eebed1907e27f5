//! Atomic writes, shared by every stage: a temp file in the destination directory, fsync,
//! rename. A reader (or a crash) never sees a half-written file, and a failed write leaves
//! the previous file in place.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> crate::Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // NamedTempFile is created 0600; packs, manifests and artifacts are ordinary project files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// sha256 of bytes, lowercase hex: the one content hash of every artifact and key.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let mut s = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file_readable_and_replaces_the_old_one() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("sub/a.md");
        write_atomic(&p, b"one").expect("write");
        write_atomic(&p, b"two").expect("rewrite");
        assert_eq!(std::fs::read(&p).expect("read"), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o644);
        }
        let leftovers = std::fs::read_dir(d.path().join("sub"))
            .expect("dir")
            .count();
        assert_eq!(leftovers, 1, "no temp files left behind");
    }
}
