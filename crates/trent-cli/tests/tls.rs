//! HTTPS with the binary and the AWS CLI: `trent server --dev --dev-tls` prints an
//! `AWS_CA_BUNDLE` line the CLI trusts (as `--ca-bundle` and from the environment), and a
//! server with `--tls-cert-file` reloads its certificate on SIGHUP for new connections.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::Server;

/// Runs the AWS CLI (`python -m awscli kms ARGS`) against `server` with `env`.
fn aws(python: &Path, server: &Server, env: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(python);
    cmd.args(["-m", "awscli", "kms"])
        .args(args)
        .args(["--endpoint-url", &server.endpoint, "--region", "us-east-1", "--output", "json"])
        .env_remove("AWS_CA_BUNDLE")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .envs(env.iter().copied());
    let out = cmd.output().expect("run the AWS CLI");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn export<'a>(server: &'a Server, name: &str) -> &'a str {
    server.exports.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("{name} line"))
}

/// Regression guard: the development certificate's bundle line works with the AWS CLI, and
/// without it the CLI refuses the certificate.
#[test]
fn dev_tls_prints_a_ca_bundle_the_aws_cli_trusts() {
    let Some(python) = support::venv_python("dev_tls_prints_a_ca_bundle_the_aws_cli_trusts", "awscli") else {
        return;
    };
    let server = Server::start_with(&["--dev", "--dev-tls"]).expect("dev server with TLS");
    assert!(server.endpoint.starts_with("https://localhost:"), "{}", server.endpoint);
    let bundle = export(&server, "AWS_CA_BUNDLE").to_owned();
    let creds = [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")];
    let (ok, out) = aws(&python, &server, &creds, &["create-key", "--ca-bundle", &bundle]);
    assert!(ok && out.contains("\"KeyId\""), "{out}");
    let env = [creds[0], creds[1], ("AWS_CA_BUNDLE", bundle.as_str())];
    let (ok, out) = aws(&python, &server, &env, &["list-keys"]);
    assert!(ok && out.contains("\"KeyArn\""), "{out}");
    let (ok, out) = aws(&python, &server, &creds, &["list-keys"]);
    assert!(!ok && out.contains("CERTIFICATE_VERIFY_FAILED"), "{out}");
    assert!(server.terminate());
}

/// A self-signed certificate for 127.0.0.1 written to `dir` as `chain.pem` and `key.pem`;
/// returns a copy of the certificate under `name` (the bundle a client trusts).
fn certificate(dir: &Path, name: &str) -> PathBuf {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    std::fs::write(dir.join("chain.pem"), made.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), made.key_pair.serialize_pem()).unwrap();
    let bundle = dir.join(name);
    std::fs::write(&bundle, made.cert.pem()).unwrap();
    bundle
}

/// Regression guard: SIGHUP makes the server read its certificate files again; new
/// connections get the new certificate.
#[test]
fn sighup_reloads_the_certificate() {
    let Some(python) = support::venv_python("sighup_reloads_the_certificate", "awscli") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("tls");
    std::fs::create_dir(&tls).unwrap();
    let old = certificate(&tls, "old.pem");
    let data = dir.path().join("data");
    let (chain, key) = (tls.join("chain.pem"), tls.join("key.pem"));
    let args = [
        "--data-dir",
        data.to_str().unwrap(),
        "--tls-cert-file",
        chain.to_str().unwrap(),
        "--tls-key-file",
        key.to_str().unwrap(),
    ];
    let server = Server::start_with(&args).expect("server with TLS");
    assert!(server.endpoint.starts_with("https://127.0.0.1:"), "{}", server.endpoint);
    let creds: Vec<(&str, &str)> =
        ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].iter().map(|name| (*name, export(&server, name))).collect();
    let list = |bundle: &Path| aws(&python, &server, &creds, &["list-keys", "--ca-bundle", bundle.to_str().unwrap()]);
    let (ok, out) = list(&old);
    assert!(ok, "{out}");

    let new = certificate(&tls, "new.pem");
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    // The reload runs when the server's signal task wakes: wait for it, within a generous bound.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (ok, out) = list(&new);
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "the new certificate was never served: {out}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (ok, out) = list(&old);
    assert!(!ok && out.contains("CERTIFICATE_VERIFY_FAILED"), "{out}");
    assert!(server.terminate(), "the server survived SIGHUP and stopped cleanly");
}

/// Regression guard: `trent bench --transport http,https` measures a plain-HTTP server and a
/// TLS one in the same run: every HTTPS request is answered (the client trusts the run's
/// certificate), and the comparison table is printed.
#[test]
fn bench_measures_encrypt_over_https_and_plain_http_in_one_run() {
    let out = Command::new(support::TRENT)
        .args(["bench", "--transport", "http,https", "--seconds", "1", "--concurrency", "2", "--ops", "encrypt"])
        .output()
        .expect("run trent bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for transport in ["http", "https"] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| Encrypt | 2 | off | {transport} |")))
            .unwrap_or_else(|| panic!("no {transport} row:\n{stdout}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (rate, errors): (f64, u64) = (cells[5].parse().unwrap(), cells[8].parse().unwrap());
        assert!(rate > 0.0 && errors == 0, "{row}");
    }
    assert!(stdout.contains("| plain HTTP, median req/s | HTTPS, median req/s | cost |"), "{stdout}");
}
