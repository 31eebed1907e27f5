//! Concurrency limits that span every parallel step: a limit of N is N lock files in the
//! run directory; a call holds one (an OS file lock) while it talks to the provider. The
//! kernel releases a dead process's lock, so a crash never leaks a slot.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::Duration;

#[derive(Debug)]
pub(crate) struct Slot {
    _file: File,
}

/// Block until one of `n` slots named `name` is free.
pub(crate) fn acquire(dir: &Path, name: &str, n: usize) -> std::io::Result<Slot> {
    std::fs::create_dir_all(dir)?;
    let n = n.max(1);
    let files: Vec<File> = (0..n)
        .map(|i| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(format!("{name}.{i}")))
        })
        .collect::<std::io::Result<_>>()?;
    // Start at a random slot so waiting calls spread out instead of all polling slot 0.
    let start = fastrand::usize(..n);
    let mut files: Vec<Option<File>> = files.into_iter().map(Some).collect();
    loop {
        for k in 0..n {
            let i = (start + k) % n;
            if let Some(f) = &files[i] {
                match f.try_lock() {
                    Ok(()) => {
                        let file = files[i]
                            .take()
                            .ok_or_else(|| std::io::Error::other("slot"))?;
                        return Ok(Slot { _file: file });
                    }
                    Err(std::fs::TryLockError::WouldBlock) => {}
                    Err(std::fs::TryLockError::Error(e)) => return Err(e),
                }
            }
        }
        std::thread::sleep(Duration::from_millis(15 + fastrand::u64(..20)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn at_most_n_holders_at_once() {
        let d = tempfile::tempdir().expect("tmp");
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..6 {
                let (inside, peak, dir) = (inside.clone(), peak.clone(), d.path());
                s.spawn(move || {
                    let _slot = acquire(dir, "oracle", 2).expect("slot");
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(60));
                    inside.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
