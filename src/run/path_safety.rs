//! Output paths must stay inside the project: no `..` escape, no absolute path elsewhere,
//! no symlinked parent that leads out. Checked statically before a run and again by the
//! interposer on each call's real argv.

use std::path::{Component, Path, PathBuf};

/// Resolve `path` (relative to `cwd`) and return it project-absolute, or say why it is
/// refused.
pub(crate) fn check_output_path(root: &Path, cwd: &Path, path: &str) -> Result<PathBuf, String> {
    if path.is_empty() {
        return Err("the output path is empty".into());
    }
    let root = canonical_or_lexical(root);
    let joined = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        cwd.join(path)
    };
    let lexical = normalize(&joined)
        .ok_or_else(|| format!("{path} climbs above the file system root with `..`"))?;
    let cwd_root = canonical_or_lexical(cwd);
    let lexical = if lexical.starts_with(&root) {
        lexical
    } else if let Ok(rest) = lexical.strip_prefix(normalize(cwd).unwrap_or_default()) {
        // `cwd` given in a non-canonical spelling (e.g. /tmp vs /private/tmp).
        cwd_root.join(rest)
    } else {
        lexical
    };
    if !lexical.starts_with(&root) {
        return Err(format!(
            "{path} resolves to {}, outside the project {}; write under the project (e.g. under out_dir)",
            lexical.display(),
            root.display()
        ));
    }
    // The deepest existing ancestor decides where the file really lands.
    let mut existing = lexical.parent().map(Path::to_path_buf);
    while let Some(dir) = existing.clone() {
        if dir.exists() {
            break;
        }
        existing = dir.parent().map(Path::to_path_buf);
    }
    if let Some(dir) = existing
        && let Ok(real) = dir.canonicalize()
        && !real.starts_with(&root)
    {
        return Err(format!(
            "{path}: its directory {} is a symlink to {}, outside the project {}",
            dir.display(),
            real.display(),
            root.display()
        ));
    }
    if let Ok(meta) = std::fs::symlink_metadata(&lexical)
        && meta.file_type().is_symlink()
        && let Ok(real) = lexical.canonicalize()
        && !real.starts_with(&root)
    {
        return Err(format!(
            "{path} is a symlink to {}, outside the project {}",
            real.display(),
            root.display()
        ));
    }
    Ok(lexical)
}

fn canonical_or_lexical(p: &Path) -> PathBuf {
    p.canonicalize()
        .ok()
        .or_else(|| normalize(p))
        .unwrap_or_else(|| p.to_path_buf())
}

/// Lexical normalization; `None` when `..` climbs above the root.
pub(crate) fn normalize(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_refused_and_inside_paths_accepted() {
        let d = tempfile::tempdir().expect("tmp");
        let root = d.path().canonicalize().expect("canon");
        std::fs::create_dir_all(root.join("docs")).expect("mkdir");
        let ok = check_output_path(&root, &root, "docs/out/01-a.md").expect("inside");
        assert_eq!(ok, root.join("docs/out/01-a.md"));
        assert!(check_output_path(&root, &root, "docs/../02.md").is_ok());
        let e = check_output_path(&root, &root, "../escape.md").expect_err("dotdot");
        assert!(e.contains("outside the project"), "{e}");
        assert!(check_output_path(&root, &root, "/etc/passwd").is_err());
        let inside_abs = root.join("x.md");
        assert!(check_output_path(&root, &root, &inside_abs.to_string_lossy()).is_ok());
    }

    #[test]
    fn a_symlinked_parent_leading_out_is_refused() {
        let d = tempfile::tempdir().expect("tmp");
        let outside = tempfile::tempdir().expect("tmp2");
        let root = d.path().canonicalize().expect("canon");
        std::os::unix::fs::symlink(outside.path(), root.join("link")).expect("symlink");
        let e = check_output_path(&root, &root, "link/new/01.md").expect_err("symlink");
        assert!(e.contains("symlink"), "{e}");
    }
}
