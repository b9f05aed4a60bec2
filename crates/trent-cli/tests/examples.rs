//! Python clients and the README's examples, for real, against this build's `trent server --dev`:
//! the pytest fixture of "Trent in your tests" (`examples/pytest/`), the Rust helper
//! (`examples/rust/dev_trent.rs`), and the boto3 interop suite (`interop/boto3/`).

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

/// Runs pytest over `dir` (relative to the repository) with this build as `TRENT`; returns its
/// output, or `None` after saying loudly that `test` is skipped (under `CI=true` a missing
/// interpreter fails instead).
fn pytest(test: &str, dir: &str) -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = support::venv_python(test, "pytest, boto3")?;
    let out = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(root.join(dir))
        .env("TRENT", env!("CARGO_BIN_EXE_trent"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run pytest");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    Some(stdout)
}

#[test]
fn the_readme_pytest_fixture_runs_a_suite_against_a_dev_server() {
    if let Some(out) = pytest("the pytest example", "examples/pytest") {
        assert!(out.contains("3 passed"), "{out}");
    }
}

/// botocore parses every answer with its own code (not the Rust SDK's): KMS operation families,
/// paginators, modelled and unmodelled error codes, IAM (with role updates, tags and the ListRoles
/// paginator), STS and CloudTrail, and Secrets Manager
/// rotating a real PostgreSQL password, resource-policy names and a refused cross-account replica
/// (`interop/boto3/`).
#[test]
fn boto3_drives_kms_iam_sts_and_cloudtrail() {
    if let Some(out) = pytest("the boto3 interop suite", "interop/boto3") {
        assert!(out.contains("15 passed"), "{out}");
    }
}

include!("../../../examples/rust/dev_trent.rs");

#[test]
fn the_readme_rust_helper_starts_a_dev_server() {
    let readme = include_str!("../../../README.md");
    assert!(readme.contains(include_str!("../../../examples/rust/dev_trent.rs")), "the README shows the tested helper");
    let (mut child, endpoint) = dev_trent(env!("CARGO_BIN_EXE_trent"));
    let list = |key: &str| {
        Command::new(env!("CARGO_BIN_EXE_trent"))
            .args(["kms", "list-keys", "--output", "json", "--endpoint-url", &endpoint])
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env_remove("TRENT_DATA_DIR")
            .output()
            .expect("trent kms")
    };
    let out = list("test");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let denied = list("nobody");
    assert!(!denied.status.success(), "signatures are still checked");
    // SIGTERM, so the server removes its temporary state as it exits.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(child.wait().expect("wait").success());
}
