//! The real `oracle` CLI (npm `@steipete/oracle@0.21.2`) for the end-to-end tests.
//!
//! [`oracle_bin`] finds it in `target/npm-tools/oracle` (where `scripts/test.sh` installs
//! it) and installs it there with npm when it is missing, so a plain `cargo test` works;
//! it panics with a clear message when it cannot (the suite never skips silently).
//! [`offline_command`] builds a call that only talks to the test server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const ORACLE_PACKAGE: &str = "@steipete/oracle";
pub const ORACLE_VERSION: &str = "0.21.2";
/// A non-"pro" model: runs in the foreground (pro models detach unless `--wait`).
pub const OFFLINE_MODEL: &str = "gpt-5.1";

/// `target/npm-tools/oracle` in the checkout.
pub fn install_prefix() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/npm-tools/oracle")
}

/// The `oracle` executable, installed on first use.
pub fn oracle_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let prefix = install_prefix();
        let bin = prefix.join("node_modules/.bin/oracle");
        if !installed(&prefix) {
            install(&prefix);
        }
        assert!(
            installed(&prefix),
            "oracle CLI still missing at {} after `npm install`; run scripts/test.sh or \
             `npm install --no-audit --no-fund --prefix target/npm-tools/oracle {ORACLE_PACKAGE}@{ORACLE_VERSION}`",
            bin.display()
        );
        bin
    })
    .clone()
}

fn installed(prefix: &Path) -> bool {
    let manifest = prefix.join("node_modules/@steipete/oracle/package.json");
    prefix.join("node_modules/.bin/oracle").is_file()
        && std::fs::read_to_string(manifest)
            .ok()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .is_some_and(|v| v["version"] == ORACLE_VERSION)
}

fn install(prefix: &Path) {
    std::fs::create_dir_all(prefix)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", prefix.display()));
    // Several test binaries may get here at once: one installs, the others wait.
    let lock_path = prefix.join(".install.lock");
    let lock = std::fs::File::create(&lock_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    if installed(prefix) {
        return;
    }
    eprintln!(
        "installing {ORACLE_PACKAGE}@{ORACLE_VERSION} into {} (first run only)",
        prefix.display()
    );
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(prefix)
        .arg(format!("{ORACLE_PACKAGE}@{ORACLE_VERSION}"))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the end-to-end tests need the real oracle CLI, and `npm` could not be started \
                 ({e}); install node >= 20 and npm, then run scripts/test.sh"
            )
        });
    assert!(
        out.status.success(),
        "`npm install {ORACLE_PACKAGE}@{ORACLE_VERSION}` failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Flags for an offline, quiet, foreground call against `base_url`.
///
/// `--force` lifts the duplicate-prompt guard (parallel calls with one prompt fail
/// without it); `--no-notify` and `--heartbeat 0` keep it from notifying and from
/// printing progress lines.
pub fn offline_args(base_url: &str) -> Vec<String> {
    [
        "--engine",
        "api",
        "--model",
        OFFLINE_MODEL,
        "--base-url",
        base_url,
        "--force",
        "--no-notify",
        "--heartbeat",
        "0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Variables that would send oracle elsewhere (Azure, OpenRouter, a real base URL, the
/// browser engine, a remote host) or change its output.
fn is_foreign_env(name: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "ORACLE_",
        "OPENAI_",
        "AZURE_OPENAI_",
        "OPENROUTER_",
        "ANTHROPIC_",
        "GEMINI_",
        "XAI_",
        "CHATGPT_",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || matches!(name, "FORCE_COLOR" | "NODE_OPTIONS")
}

/// Clears the variables that would reach a real provider and sets the offline ones:
/// `OPENAI_API_KEY=test`, `ORACLE_HOME_DIR=<home>` (sessions, config), `NO_COLOR=1`,
/// `NO_PROXY` for loopback.
pub fn apply_offline_env(cmd: &mut Command, home: &Path) {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_foreign_env) {
            cmd.env_remove(&name);
        }
    }
    cmd.env("OPENAI_API_KEY", "test")
        .env("ORACLE_HOME_DIR", home)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
}

/// `oracle <offline flags>` with the offline environment; the caller adds `-p`, `-f`,
/// `--write-output` and sets the working directory (oracle loads `./.env` from it).
pub fn offline_command(home: &Path, base_url: &str) -> Command {
    let mut cmd = Command::new(oracle_bin());
    cmd.args(offline_args(base_url));
    apply_offline_env(&mut cmd, home);
    cmd
}

/// Writes `<home>/config.json` so that a bare `oracle -p … -f …` (how real packs call it)
/// uses the api engine, the offline model and `base_url`, quietly.
pub fn write_offline_config(home: &Path, base_url: &str) -> PathBuf {
    std::fs::create_dir_all(home).expect("mkdir oracle home");
    let path = home.join("config.json");
    let config = serde_json::json!({
        "engine": "api",
        "model": OFFLINE_MODEL,
        "apiBaseUrl": base_url,
        "heartbeatSeconds": 0,
        "notify": {"enabled": false, "sound": false},
    });
    std::fs::write(&path, serde_json::to_string_pretty(&config).expect("json"))
        .expect("write oracle config.json");
    path
}
