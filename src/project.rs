//! Project root discovery: the nearest ancestor holding `.git` or `.oraclepack`.

use std::path::{Path, PathBuf};

pub fn discover_root(start: &Path) -> Option<PathBuf> {
    let start = if start.is_absolute() {
        start.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(start)
    };
    start
        .ancestors()
        .find(|d| d.join(".git").exists() || d.join(".oraclepack").is_dir())
        .map(Path::to_path_buf)
}

/// Where a pack's relative paths resolve: `--work-dir`, else the project root above the
/// pack, else the current directory.
pub fn root_for(pack_path: &Path, work_dir: Option<&Path>) -> PathBuf {
    if let Some(w) = work_dir {
        return w.to_path_buf();
    }
    let dir = pack_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    discover_root(dir).unwrap_or_else(|| PathBuf::from("."))
}
