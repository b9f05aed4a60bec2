//! SoftHSM2 tokens for the PKCS#11 tests, each set in a temporary directory of its own.
//!
//! SoftHSM reads its configuration from `SOFTHSM2_CONF` when the module is initialised, once
//! per process; a test cannot set a variable of its own process (no `unsafe` here), so a
//! parent test makes the tokens and runs its child test, marked `#[ignore]`, in a new process
//! of this binary with `SOFTHSM2_CONF` set.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Debian's `softhsm2` package puts the module.
pub(crate) const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// Set in the child's environment: the parent made the tokens.
pub(crate) const CHILD: &str = "TRENT_TEST_SOFTHSM_CHILD";
/// The user PIN of every test token (the child reads it from this variable).
pub(crate) const PIN_VAR: &str = "TRENT_TEST_HSM_PIN";
pub(crate) const PIN: &str = "4785-user";
const SO_PIN: &str = "9921-security-officer";

/// A SoftHSM configuration and token directory.
pub(crate) struct SoftHsm {
    _dir: tempfile::TempDir,
    conf: PathBuf,
}

impl SoftHsm {
    /// A new, empty token directory; `None` (and a loud note) when SoftHSM2 is not installed
    /// outside CI. Under `CI=true` a missing SoftHSM2 fails the test.
    pub(crate) fn new() -> Option<SoftHsm> {
        let installed = Path::new(MODULE).is_file() && tool("softhsm2-util") && tool("pkcs11-tool");
        if !installed {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but SoftHSM2 or OpenSC is not installed (.ci/run installs softhsm2 and opensc)"
            );
            eprintln!("SKIPPED: SoftHSM2 ({MODULE}, softhsm2-util) or OpenSC (pkcs11-tool) is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
        )
        .unwrap();
        Some(SoftHsm { _dir: dir, conf })
    }

    /// Initialises a token labelled `label` in the next free slot, with [`PIN`].
    pub(crate) fn init_token(&self, label: &str) {
        let out = self
            .command("softhsm2-util")
            .args(["--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN])
            .output()
            .unwrap();
        assert!(out.status.success(), "softhsm2-util: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A command with this configuration in its environment.
    pub(crate) fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("SOFTHSM2_CONF", &self.conf);
        command
    }

    /// Runs the ignored test `name` of this binary in a new process with this configuration,
    /// and fails with its output if it fails.
    pub(crate) fn run_child(&self, name: &str) {
        let exe = std::env::current_exe().unwrap();
        let out = self
            .command(exe.to_str().unwrap())
            .args([name, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env(PIN_VAR, PIN)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child test {name} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// In a child: the configuration the parent made.
    pub(crate) fn in_child() -> SoftHsmChild {
        assert_eq!(std::env::var(CHILD).as_deref(), Ok("1"), "run by its parent test, which sets up SoftHSM");
        SoftHsmChild { conf: std::env::var_os("SOFTHSM2_CONF").expect("SOFTHSM2_CONF").into() }
    }
}

/// The child's view: the same configuration, for `pkcs11-tool`.
pub(crate) struct SoftHsmChild {
    conf: PathBuf,
}

impl SoftHsmChild {
    /// `pkcs11-tool` logged in to the token `label`, with `args`: (success, standard output).
    pub(crate) fn pkcs11_tool(&self, label: &str, args: &[&str]) -> (bool, String) {
        let out = Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["--module", MODULE, "--token-label", label, "--login", "--pin", PIN])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    }
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--help").output().is_ok()
}
