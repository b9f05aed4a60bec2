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

/// Calls `operation` of the awsJson `service` on `server` with the first start's credentials.
fn call(server: &Server, service: &'static trent_wire::WireService, operation: &str, body: serde_json::Value) {
    let trent_wire::Protocol::Json { target_prefixes: [prefix, ..] } = service.protocol else {
        panic!("{} is not awsJson", service.name);
    };
    let key = |name: &str| server.exports.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).expect(name);
    let credentials =
        trent_client::Credentials::new(&key("AWS_ACCESS_KEY_ID"), key("AWS_SECRET_ACCESS_KEY").as_bytes());
    let client = trent_client::JsonClient::new(
        &server.endpoint,
        credentials,
        "us-east-1",
        service.signing_name,
        prefix,
        trent_client::ClientOptions::default(),
    )
    .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(client.call(operation, &body)).unwrap_or_else(|e| panic!("{operation}: {e}"));
}

#[test]
fn secret_references_resolve_against_secrets_manager() {
    let (dir, data, server) = started();
    let secrets = &trent_wire::secretsmanager::SERVICE;
    let first = serde_json::json!({"username": "app", "password": "first-pw-7f3a"});
    call(&server, secrets, "CreateSecret", serde_json::json!({"Name": "prod/db", "SecretString": first.to_string()}));
    let second = serde_json::json!({"username": "app", "password": "second-pw-91c2"});
    call(
        &server,
        secrets,
        "PutSecretValue",
        serde_json::json!({"SecretId": "prod/db", "SecretString": second.to_string()}),
    );

    let input = dir.path().join("app.conf");
    std::fs::write(
        &input,
        "user={{resolve:secretsmanager:prod/db:SecretString:username}}\n\
         pw={{resolve:secretsmanager:prod/db::password}}\n\
         old={{resolve:secretsmanager:prod/db::password:AWSPREVIOUS}}\n",
    )
    .unwrap();
    let (ok, out, err) = trent(&server, &data, "resolve", &[input.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(out, "user=app\npw=second-pw-91c2\nold=first-pw-7f3a\n");

    let seen = dir.path().join("seen");
    let script = format!("printf '%s' \"$DB_PASSWORD\" > {}", seen.display());
    let args = ["--env", "DB_PASSWORD={{resolve:secretsmanager:prod/db::password}}", "--", "sh", "-c", &script];
    let (ok, _, err) = trent(&server, &data, "exec", &args);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "second-pw-91c2");

    let (ok, _, err) =
        trent(&server, &data, "exec", &["--env", "X={{resolve:secretsmanager:prod/db::nokey}}", "--", "true"]);
    assert!(!ok && err.contains("no JSON key \"nokey\"") && !err.contains("second-pw"), "{err}");
}

#[test]
fn ssm_references_resolve_against_parameter_store() {
    let (dir, data, server) = started();
    let put = |args: &[&str]| {
        let (ok, out, err) = trent(&server, &data, "params", args);
        assert!(ok, "{out}{err}");
    };
    put(&["put", "/app/db/host", "--value", "db1.internal", "--type", "String"]);
    put(&["put", "/app/db/host", "--value", "db2.internal", "--overwrite"]);
    put(&["put", "/app/db/password", "--value", "pw-from-ssm", "--type", "SecureString"]);
    let input = dir.path().join("app.env");
    let text = "HOST={{resolve:ssm:/app/db/host}}\nOLD={{resolve:ssm:/app/db/host:1}}\n\
                PASSWORD={{resolve:ssm-secure:/app/db/password}}\n";
    std::fs::write(&input, text).unwrap();
    let (ok, out, err) = trent(&server, &data, "resolve", &[input.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(out, "HOST=db2.internal\nOLD=db1.internal\nPASSWORD=pw-from-ssm\n");

    let seen = dir.path().join("seen");
    let script = format!("printf '%s' \"$PASSWORD\" > {}", seen.display());
    let env = "PASSWORD={{resolve:ssm-secure:/app/db/password}}";
    let (ok, _, err) = trent(&server, &data, "exec", &["--env", env, "--", "sh", "-c", &script]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "pw-from-ssm");
}

#[test]
fn an_ssm_secure_reference_reads_a_secrets_manager_secret_through_parameter_store() {
    // `{{resolve:ssm-secure:/aws/reference/secretsmanager/ID}}` goes through `GetParameter`
    // with decryption, which answers the secret's current value as a `SecureString`.
    let (dir, data, server) = started();
    let secrets = &trent_wire::secretsmanager::SERVICE;
    let first = serde_json::json!({"username": "app", "password": "ref-pw-1b7e"});
    call(&server, secrets, "CreateSecret", serde_json::json!({"Name": "prod/api", "SecretString": first.to_string()}));
    let second = "plain-token-5d0c";
    call(&server, secrets, "PutSecretValue", serde_json::json!({"SecretId": "prod/api", "SecretString": second}));

    let input = dir.path().join("app.env");
    std::fs::write(&input, "TOKEN={{resolve:ssm-secure:/aws/reference/secretsmanager/prod/api}}\n").unwrap();
    let (ok, out, err) = trent(&server, &data, "resolve", &[input.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("TOKEN={second}\n"), "the current version, whole");

    let seen = dir.path().join("seen");
    let script = format!("printf '%s' \"$TOKEN\" > {}", seen.display());
    let env = "TOKEN={{resolve:ssm-secure:/aws/reference/secretsmanager/prod/api}}";
    let (ok, _, err) = trent(&server, &data, "exec", &["--env", env, "--", "sh", "-c", &script]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), second);

    // The plain `ssm` form reads without decryption, which a reference refuses; an unknown
    // secret is not found. Either fails the command, naming the reference, showing no value.
    for (reference, expected) in [
        ("{{resolve:ssm:/aws/reference/secretsmanager/prod/api}}", "ValidationException"),
        ("{{resolve:ssm-secure:/aws/reference/secretsmanager/prod/nothing}}", "ParameterNotFound"),
    ] {
        std::fs::write(&input, format!("TOKEN={reference}\n")).unwrap();
        let output = dir.path().join("rendered.env");
        let (ok, out, err) =
            trent(&server, &data, "resolve", &[input.to_str().unwrap(), "-o", output.to_str().unwrap()]);
        assert!(!ok, "{reference}: {out}");
        assert!(err.contains(&format!("{reference} did not resolve")) && err.contains(expected), "{err}");
        assert!(!err.contains(second) && !err.contains("ref-pw"), "{err}");
        assert!(!output.exists(), "no partial output");
    }
}
