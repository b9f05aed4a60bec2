//! The README's examples run for real: the pytest fixture of "Trent in your tests"
//! (`examples/pytest/`), with boto3, against this build's `trent server --dev`.

use std::path::Path;
use std::process::Command;

#[test]
fn the_readme_pytest_fixture_runs_a_suite_against_a_dev_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import pytest, boto3"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but .venv/bin/python with pytest and boto3 is missing (see .ci/run)"
        );
        eprintln!("SKIPPED the pytest example: .venv/bin/python with pytest and boto3 is missing (run .ci/run)");
        return;
    }
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(root.join("examples/pytest"))
        .env("TRENT", env!("CARGO_BIN_EXE_trent"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .env_remove("AWS_REGION")
        .output()
        .expect("run pytest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("3 passed"), "{stdout}");
}
