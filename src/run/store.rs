//! The run directory on disk: paths, the lock, atomic JSON records, the event log.
//! Every JSON file is replaced atomically, so killing the runner (even with SIGKILL) leaves
//! each one readable; `events.jsonl` is append-only and readers skip a torn last line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::fsio::write_atomic;

#[derive(Debug, Clone)]
pub(crate) struct RunDir {
    pub root: PathBuf,
}

impl RunDir {
    pub(crate) fn new(project_root: &Path, pack_id: &str) -> RunDir {
        RunDir {
            root: project_root.join(".oraclepack").join("runs").join(pack_id),
        }
    }
    pub(crate) fn at(root: PathBuf) -> RunDir {
        RunDir { root }
    }
    pub(crate) fn run_json(&self) -> PathBuf {
        self.root.join("run.json")
    }
    pub(crate) fn steps_json(&self) -> PathBuf {
        self.root.join("steps.json")
    }
    pub(crate) fn events(&self) -> PathBuf {
        self.root.join("events.jsonl")
    }
    pub(crate) fn outputs(&self) -> PathBuf {
        self.root.join("outputs")
    }
    pub(crate) fn log(&self, step: &str) -> PathBuf {
        self.root.join("logs").join(format!("{step}.log"))
    }
    pub(crate) fn script(&self, step: &str) -> PathBuf {
        self.root.join("scripts").join(format!("{step}.sh"))
    }
    /// Call records the interposer writes during a step execution.
    pub(crate) fn calls(&self, step: &str) -> PathBuf {
        self.root.join("calls").join(step)
    }
    pub(crate) fn lock_path(&self) -> PathBuf {
        self.root.join("lock")
    }
}

/// Held for the whole run; the OS releases it when the process dies, whatever the cause.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: File,
}

pub(crate) fn lock(dir: &RunDir) -> crate::Result<RunLock> {
    let path = dir.lock_path();
    std::fs::create_dir_all(&dir.root).map_err(|source| Error::Write {
        path: dir.root.clone(),
        source,
    })?;
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            return Err(Error::Usage(format!(
                "{} is in use by another `oraclepack run`{}; wait for it to finish (or stop it) and run again",
                dir.root.display(),
                if holder.is_empty() {
                    String::new()
                } else {
                    format!(" ({holder})")
                }
            )));
        }
        Err(std::fs::TryLockError::Error(source)) => {
            return Err(Error::Write { path, source });
        }
    }
    // Informational only: who holds the lock (the lock itself is the flock).
    let _ = file.set_len(0);
    let _ = writeln!(file, "pid {}", std::process::id());
    Ok(RunLock { _file: file })
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> crate::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// `Ok(None)` when the file does not exist; an error names the file when it is not what
/// this version writes.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> crate::Result<Option<T>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Error::Usage(format!(
            "{}:{}:{}: {e}; the file was not written by this version of oraclepack (move the run directory away to start afresh)",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// Append-only JSON lines; each event is one `write` of a whole line.
#[derive(Debug)]
pub(crate) struct EventLog {
    file: File,
}

impl EventLog {
    pub(crate) fn open(path: &Path) -> crate::Result<EventLog> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|source| Error::Write {
                path: d.to_path_buf(),
                source,
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })?;
        // A crash can leave a torn last line; start on a fresh line so the next event
        // parses.
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut log = EventLog { file };
        if len > 0 && !ends_with_newline(path) {
            let _ = log.file.write_all(b"\n");
        }
        Ok(log)
    }

    pub(crate) fn append(&mut self, line: &str) {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        // The event log is a record, not the state: a failed append must not fail the run.
        let _ = self.file.write_all(&buf);
    }
}

fn ends_with_newline(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = File::open(path) else {
        return true;
    };
    if f.seek(SeekFrom::End(-1)).is_err() {
        return true;
    }
    let mut b = [0u8; 1];
    f.read_exact(&mut b).is_ok() && b[0] == b'\n'
}

/// sha256 of a file's bytes, hex.
pub(crate) fn hash_file(path: &Path) -> Option<(String, u64)> {
    let bytes = std::fs::read(path).ok()?;
    Some((sha256_hex(&bytes), bytes.len() as u64))
}

pub(crate) use crate::fsio::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_with_a_clear_message() {
        let d = tempfile::tempdir().expect("tmp");
        let dir = RunDir::at(d.path().join("run"));
        let first = lock(&dir).expect("first");
        let e = lock(&dir).expect_err("second");
        assert!(e.to_string().contains("in use by another"), "{e}");
        drop(first);
        lock(&dir).expect("free again");
    }

    #[test]
    fn event_log_repairs_a_torn_last_line() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("events.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"b\":").expect("write");
        EventLog::open(&p).expect("open").append("{\"c\":3}");
        let text = std::fs::read_to_string(&p).expect("read");
        assert_eq!(text.lines().last(), Some("{\"c\":3}"));
    }
}
