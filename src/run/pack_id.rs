//! `pack_id = <YYYY-MM-DD>__<gitshort>__<packhash8>`: the same pack bytes at the same
//! commit give the same id on any day and machine. The date comes from the pack's file name
//! when it has one, else from the HEAD commit; `nogit` (and `undated`) outside a repository.

use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitHead {
    pub sha: String,
    /// Committer date of HEAD, `YYYY-MM-DD`.
    pub date: String,
}

/// HEAD of the repository holding `dir`, if any (and if git is installed).
pub(crate) fn git_head(dir: &Path) -> Option<GitHead> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%H %cs"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (sha, date) = text.trim().split_once(' ')?;
    (sha.len() >= 7 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| GitHead {
        sha: sha.to_string(),
        date: date.to_string(),
    })
}

/// The first `YYYY-MM-DD` in the file name (`oracle-pack-2026-01-07.md`).
pub(crate) fn date_in_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let b = name.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let w = &b[i..i + 10];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        let boundary_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let after_ok = b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        (digits(0..4) && w[4] == b'-' && digits(5..7) && w[7] == b'-' && digits(8..10))
            .then_some(())
            .filter(|_| boundary_ok && after_ok)
            .and_then(|_| {
                let month: u32 = name[i + 5..i + 7].parse().ok()?;
                let day: u32 = name[i + 8..i + 10].parse().ok()?;
                ((1..=12).contains(&month) && (1..=31).contains(&day))
                    .then(|| name[i..i + 10].to_string())
            })
    })
}

pub(crate) fn pack_id(pack_path: &Path, pack_hash: &str, git: Option<&GitHead>) -> String {
    let date = date_in_name(pack_path)
        .or_else(|| git.map(|g| g.date.clone()))
        .unwrap_or_else(|| "undated".to_string());
    let short = git.map_or("nogit", |g| &g.sha[..7]);
    format!("{date}__{short}__{}", &pack_hash[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_comes_from_the_file_name_first() {
        assert_eq!(
            date_in_name(Path::new("docs/oracle-pack-2026-01-07.md")).as_deref(),
            Some("2026-01-07")
        );
        assert_eq!(
            date_in_name(Path::new("oracle-questions-2026-01-09-030000_mcp.md")).as_deref(),
            Some("2026-01-09")
        );
        assert_eq!(date_in_name(Path::new("pack.md")), None);
        assert_eq!(date_in_name(Path::new("v2026-13-01.md")), None);
        assert_eq!(date_in_name(Path::new("12026-01-01.md")), None);
    }

    #[test]
    fn id_is_date_gitshort_hash8() {
        let g = GitHead {
            sha: "0123456789abcdef0123".into(),
            date: "2026-03-04".into(),
        };
        let h = "deadbeefcafe";
        assert_eq!(
            pack_id(Path::new("p.md"), h, Some(&g)),
            "2026-03-04__0123456__deadbeef"
        );
        assert_eq!(
            pack_id(Path::new("p-2025-12-30.md"), h, Some(&g)),
            "2025-12-30__0123456__deadbeef"
        );
        assert_eq!(
            pack_id(Path::new("p.md"), h, None),
            "undated__nogit__deadbeef"
        );
    }
}
