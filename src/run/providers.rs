//! Finding the real provider CLIs (the interposer shadows them on PATH) and their versions.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::config::Config;
use super::interpose::settings::Provider;
use crate::pack::invocation::PROVIDERS;

/// `name` on `path` (a PATH value), or `name` itself when it is a path (relative to the
/// project root).
pub(crate) fn which(name: &str, path: &OsString, root: &Path) -> Option<PathBuf> {
    if name.contains('/') {
        let p = root.join(name);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `<cmd> --version`, first line, when it answers within a few seconds.
pub(crate) fn version(cmd: &Path) -> Option<String> {
    let out = std::process::Command::new(cmd)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    out.status.success().then(|| line.to_string())
}

/// Every provider, resolved against the configuration and the user's PATH (versions only
/// for those the pack uses: asking node CLIs costs ~0.5 s each, done in parallel).
pub(crate) fn resolve(
    cfg: &Config,
    used: &[String],
    path: &OsString,
    root: &Path,
    default_cap: usize,
) -> BTreeMap<String, Provider> {
    let found: Vec<(String, Option<PathBuf>)> = PROVIDERS
        .iter()
        .map(|name| {
            let c = cfg.providers.get(*name);
            let cmd = c
                .and_then(|c| c.command.clone())
                .unwrap_or_else(|| name.to_string());
            (name.to_string(), which(&cmd, path, root))
        })
        .collect();
    let versions: BTreeMap<String, Option<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = found
            .iter()
            .filter(|(n, _)| used.contains(n))
            .map(|(n, p)| (n.clone(), s.spawn(move || p.as_deref().and_then(version))))
            .collect();
        handles
            .into_iter()
            .map(|(n, h)| (n, h.join().ok().flatten()))
            .collect()
    });
    found
        .into_iter()
        .map(|(name, command)| {
            let c = cfg.providers.get(&name).cloned().unwrap_or_default();
            let p = Provider {
                version: versions.get(&name).cloned().flatten(),
                command,
                args: c.args,
                env: c.env,
                max_concurrent: c.max_concurrent.unwrap_or(default_cap),
            };
            (name, p)
        })
        .collect()
}
