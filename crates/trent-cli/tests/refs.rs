//! `trent resolve` and `trent exec` end to end against `trent server`: text without references
//! passes through, a command gets its variables in its environment (not its argv), and a
//! reference that does not resolve fails the whole command naming it, with no output file
//! written and no command run.

use std::path::Path;
use std::process::Command;

#[path = "support/mod.rs"]
mod support;

use support::{Server, TRENT};

/// Runs `trent SUBCOMMAND ARGS` against `server`; (success, stdout, stderr).
fn trent(server: &Server, data: &Path, subcommand: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(TRENT)
        .arg(subcommand)
        .args(["--endpoint-url", &server.endpoint, "--data-dir"])
        .arg(data)
        .args(args)
        .output()
        .expect("run trent");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// A server on a fresh data directory inside a fresh temporary directory.
fn started() -> (tempfile::TempDir, std::path::PathBuf, Server) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data);
    (dir, data, server)
}

#[test]
fn resolve_passes_text_without_references_through_and_writes_the_output_file() {
    let (dir, data, server) = started();
    let input = dir.path().join("template.yaml");
    let text = "Resources:\n  Db:\n    Properties:\n      Port: 5432  # {{not a reference}}\n";
    std::fs::write(&input, text).unwrap();
    let output = dir.path().join("rendered.yaml");
    let (ok, _, err) = trent(&server, &data, "resolve", &[input.to_str().unwrap(), "-o", output.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), text);
    let (ok, out, err) = trent(&server, &data, "resolve", &[input.to_str().unwrap()]);
    assert!(ok && out == text, "{out}{err}");
}

#[test]
fn an_unresolvable_reference_fails_the_whole_command_and_writes_nothing() {
    let (dir, data, server) = started();
    let input = dir.path().join("app.env");
    std::fs::write(&input, "A=literal\nB={{resolve:ssm:/nowhere/b}}\n").unwrap();
    let output = dir.path().join("app.rendered.env");
    let (ok, out, err) = trent(&server, &data, "resolve", &[input.to_str().unwrap(), "-o", output.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(err.contains("{{resolve:ssm:/nowhere/b}} did not resolve"), "{err}");
    assert!(!output.exists(), "no partial output");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no staged file left behind");

    let marker = dir.path().join("ran");
    let script = format!("touch {}", marker.display());
    let (ok, _, err) =
        trent(&server, &data, "exec", &["--env", "B={{resolve:secretsmanager:nowhere}}", "--", "sh", "-c", &script]);
    assert!(!ok && err.contains("{{resolve:secretsmanager:nowhere}} did not resolve"), "{err}");
    assert!(!marker.exists(), "the command did not run");

    let (ok, _, err) = trent(&server, &data, "resolve", &[]);
    assert!(ok, "empty stdin renders to nothing: {err}");
}

#[test]
fn exec_hands_variables_to_the_command_in_its_environment() {
    let (dir, data, server) = started();
    let buildspec = dir.path().join("buildspec.yml");
    std::fs::write(&buildspec, "version: 0.2\nenv:\n  variables:\n    STAGE: from-buildspec\n").unwrap();
    let seen = dir.path().join("seen");
    let script = format!("printf '%s %s %s' \"$GREETING\" \"$STAGE\" \"$#\" > {}", seen.display());
    let args = ["--env", "GREETING=hello", "--buildspec", buildspec.to_str().unwrap(), "--", "sh", "-c", &script];
    let (ok, _, err) = trent(&server, &data, "exec", &args);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "hello from-buildspec 0");

    let (ok, _, err) = trent(&server, &data, "exec", &["--env", "1BAD=x", "--", "true"]);
    assert!(!ok && err.contains("not a valid environment variable name"), "{err}");
}
