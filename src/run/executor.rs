//! Runs one step's script as its own process group and reports how it ended. On timeout or
//! cancellation the whole group gets SIGTERM, then SIGKILL after the grace period; after a
//! normal exit, stragglers left in the group are killed so nothing outlives its step.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::sync::watch;

#[derive(Debug, Clone)]
pub(crate) struct StepCommand {
    pub script: PathBuf,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub log: PathBuf,
    pub timeout: Option<Duration>,
    pub grace: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exit {
    Code(i32),
    /// Killed by a signal that did not come from us.
    Signal(i32),
    TimedOut,
    Cancelled,
    SpawnFailed(String),
}

pub(crate) async fn execute(
    cmd: &StepCommand,
    mut cancel: watch::Receiver<bool>,
) -> (Exit, Duration) {
    let start = Instant::now();
    let log = match open_log(&cmd.log) {
        Ok(l) => l,
        Err(e) => return (Exit::SpawnFailed(e), start.elapsed()),
    };
    let (out, err) = log;
    let mut command = tokio::process::Command::new("bash");
    // A plain, non-login, non-interactive bash: a login shell resets PATH on Debian.
    command
        .arg("--noprofile")
        .arg("--norc")
        .arg(&cmd.script)
        .current_dir(&cmd.cwd)
        .env_remove("BASH_ENV")
        .env_remove("ENV")
        .envs(cmd.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .kill_on_drop(false);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            // If the runner dies (even by SIGKILL) the step's shell dies with it; the
            // interposer does the same for provider CLIs, so no orphan keeps calling LLMs.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            return (
                Exit::SpawnFailed(format!("cannot start bash: {e}")),
                start.elapsed(),
            );
        }
    };
    let pgid = child.id().map(|p| p as i32);
    let deadline = cmd.timeout.map(|t| tokio::time::Instant::now() + t);
    let sleep_until = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::pin!(sleep_until);
    enum Ended {
        Exited(std::io::Result<std::process::ExitStatus>),
        TimedOut,
        Cancelled,
    }
    let ended = if *cancel.borrow() {
        Ended::Cancelled
    } else {
        tokio::select! {
            status = child.wait() => Ended::Exited(status),
            _ = &mut sleep_until => Ended::TimedOut,
            _ = wait_cancel(&mut cancel) => Ended::Cancelled,
        }
    };
    let exit = match ended {
        Ended::Exited(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            kill_group(pgid, libc::SIGKILL);
            match (status.code(), status.signal()) {
                (Some(c), _) => Exit::Code(c),
                (None, Some(s)) => Exit::Signal(s),
                (None, None) => Exit::Code(-1),
            }
        }
        Ended::Exited(Err(e)) => {
            stop(&mut child, pgid, cmd.grace).await;
            Exit::SpawnFailed(format!("waiting for the step failed: {e}"))
        }
        Ended::TimedOut => {
            stop(&mut child, pgid, cmd.grace).await;
            Exit::TimedOut
        }
        Ended::Cancelled => {
            stop(&mut child, pgid, cmd.grace).await;
            Exit::Cancelled
        }
    };
    (exit, start.elapsed())
}

async fn wait_cancel(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow() {
            return;
        }
        if rx.changed().await.is_err() {
            // The sender is gone: nobody can cancel any more.
            std::future::pending::<()>().await;
        }
    }
}

/// SIGTERM to the group, SIGKILL after `grace` if the leader has not exited, then SIGKILL
/// for whatever is left in the group.
async fn stop(child: &mut tokio::process::Child, pgid: Option<i32>, grace: Duration) {
    kill_group(pgid, libc::SIGTERM);
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        kill_group(pgid, libc::SIGKILL);
        let _ = child.wait().await;
    }
    kill_group(pgid, libc::SIGKILL);
}

fn kill_group(pgid: Option<i32>, sig: i32) {
    if let Some(p) = pgid.filter(|p| *p > 1) {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory involved.
        unsafe {
            libc::kill(-p, sig);
        }
    }
}

fn open_log(path: &std::path::Path) -> Result<(Stdio, Stdio), String> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    let f = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let g = f
        .try_clone()
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    Ok((Stdio::from(f), Stdio::from(g)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    fn cmd(dir: &std::path::Path, script: &str, timeout: Option<Duration>) -> StepCommand {
        let p = dir.join("s.sh");
        std::fs::write(&p, script).expect("write");
        StepCommand {
            script: p,
            cwd: dir.to_path_buf(),
            env: vec![("OP_TEST".into(), "v".into())],
            log: dir.join("logs/01.log"),
            timeout,
            grace: Duration::from_millis(300),
        }
    }

    #[test]
    fn exit_code_and_combined_log() {
        let d = tempfile::tempdir().expect("tmp");
        let c = cmd(
            d.path(),
            "echo out; echo err >&2; echo $OP_TEST; exit 3\n",
            None,
        );
        let (_tx, rx) = watch::channel(false);
        let (exit, _) = rt().block_on(execute(&c, rx));
        assert_eq!(exit, Exit::Code(3));
        let log = std::fs::read_to_string(d.path().join("logs/01.log")).expect("log");
        assert_eq!(log, "out\nerr\nv\n");
    }

    #[test]
    fn timeout_kills_the_whole_group_including_grandchildren() {
        let d = tempfile::tempdir().expect("tmp");
        let pidfile = d.path().join("gc.pid");
        // A grandchild that ignores SIGTERM must still die (SIGKILL after the grace).
        let script = format!(
            "bash -c 'trap \"\" TERM; echo $$ > {}; sleep 30' &\nsleep 30\n",
            pidfile.display()
        );
        let c = cmd(d.path(), &script, Some(Duration::from_millis(400)));
        let (_tx, rx) = watch::channel(false);
        let (exit, took) = rt().block_on(execute(&c, rx));
        assert_eq!(exit, Exit::TimedOut);
        assert!(took < Duration::from_secs(10));
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .expect("grandchild started")
            .trim()
            .parse()
            .expect("pid");
        std::thread::sleep(Duration::from_millis(100));
        // A zombie (dead, not yet reaped by init) counts as dead.
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        });
        assert!(!alive, "grandchild {pid} survived the step");
    }

    #[test]
    fn cancel_stops_a_running_step() {
        let d = tempfile::tempdir().expect("tmp");
        let c = cmd(d.path(), "sleep 30\n", None);
        let (tx, rx) = watch::channel(false);
        let rt = rt();
        let (exit, took) = rt.block_on(async {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let _ = tx.send(true);
            });
            execute(&c, rx).await
        });
        assert_eq!(exit, Exit::Cancelled);
        assert!(took < Duration::from_secs(10));
    }
}
