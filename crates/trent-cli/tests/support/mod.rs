//! Shared by the binary's integration tests: a `trent server` child process on an ephemeral
//! port, its banner, and `trent kms` against it.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

pub(crate) mod seals;

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub(crate) const TRENT: &str = env!("CARGO_BIN_EXE_trent");

/// The repository's `.venv/bin/python` if it imports `modules` (as an `import` statement lists
/// them), or `None` after saying loudly that `test` is skipped; under `CI=true` it must be there.
pub(crate) fn venv_python(test: &str, modules: &str) -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let ready = Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ready {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but .venv/bin/python with {modules} is missing (see .ci/run)"
    );
    eprintln!("SKIPPED {test}: .venv/bin/python with {modules} is missing (run .ci/run to set it up)");
    None
}

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) endpoint: String,
    pub(crate) exports: Vec<(String, String)>,
}

impl Server {
    /// Starts `trent server` on an ephemeral port with `data_dir` and reads its banner.
    pub(crate) fn start(data_dir: &Path) -> Server {
        let dir = data_dir.to_str().expect("utf-8 path");
        Self::start_with(&["--data-dir", dir]).expect("server starts")
    }

    /// Starts `trent server --listen 127.0.0.1:0 ARGS...`; on failure, returns its stderr.
    pub(crate) fn start_with(args: &[&str]) -> Result<Server, String> {
        Self::start_with_env(args, &[])
    }

    /// As [`Server::start_with`], with extra environment variables.
    pub(crate) fn start_with_env(args: &[&str], env: &[(&str, &Path)]) -> Result<Server, String> {
        Self::start_with_stdin(args, env, Stdio::inherit())
    }

    /// As [`Server::start_with_env`], with `stdin` as the server's standard input (a
    /// passphrase read from descriptor 0).
    pub(crate) fn start_with_stdin(args: &[&str], env: &[(&str, &Path)], stdin: Stdio) -> Result<Server, String> {
        let mut command = server_command(&[&["--listen", "127.0.0.1:0"], args].concat(), env);
        command.stdin(stdin);
        Self::start_command(command)
    }

    /// Spawns `command` (a `trent server`, or a program that runs one and passes its output
    /// through) and reads the server's banner from its standard output.
    pub(crate) fn start_command(mut command: Command) -> Result<Server, String> {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn trent server");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stdout).lines();
        let mut exports = Vec::new();
        for line in lines.by_ref() {
            let line = line.expect("banner line");
            if let Some(rest) = line.strip_prefix("export ") {
                for pair in rest.split_whitespace() {
                    let (k, v) = pair.split_once('=').expect("export line");
                    exports.push((k.to_owned(), v.to_owned()));
                }
                if exports.iter().any(|(k, _)| k == "AWS_ENDPOINT_URL") {
                    break;
                }
            }
            if let Some(rest) = line.strip_prefix("Trent is listening on ") {
                // A sealed server's banner goes on: "... and is SEALED".
                let url = rest.split_whitespace().next().unwrap_or_default();
                exports.push(("AWS_ENDPOINT_URL".into(), url.to_owned()));
                break;
            }
        }
        let Some(endpoint) = exports.iter().find(|(k, _)| k == "AWS_ENDPOINT_URL").map(|(_, v)| v.clone()) else {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut err);
            let _ = child.wait();
            return Err(err);
        };
        // Keep draining both pipes so the server never writes into a closed one.
        std::thread::spawn(move || lines.for_each(drop));
        // TRENT_TEST_SERVER_LOG=1 passes the server's log through, to see why a test failed.
        let show = std::env::var_os("TRENT_TEST_SERVER_LOG").is_some();
        std::thread::spawn(move || {
            BufReader::new(stderr).lines().map_while(Result::ok).filter(|_| show).for_each(|l| eprintln!("server: {l}"))
        });
        Ok(Server { child, endpoint, exports })
    }

    /// Runs `trent kms ARGS` against this server with the credentials of `data_dir`.
    pub(crate) fn trent(&self, data_dir: &Path, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new(TRENT);
        cmd.arg("kms").args(args).args(["--endpoint-url", &self.endpoint, "--data-dir"]).arg(data_dir);
        run(cmd)
    }

    /// Runs `trent params ARGS` against this server with the administrator's credentials file.
    pub(crate) fn params(&self, data_dir: &Path, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new(TRENT);
        cmd.arg("params").args(args).args(["--endpoint-url", &self.endpoint, "--data-dir"]).arg(data_dir);
        run(cmd)
    }

    /// Runs `trent kms ARGS` against this server with an explicit access key.
    pub(crate) fn trent_as(&self, id: &str, secret: &str, region: &str, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new(TRENT);
        cmd.arg("kms")
            .args(args)
            .args(["--endpoint-url", &self.endpoint, "--region", region])
            .env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret);
        run(cmd)
    }

    /// Runs `trent params ARGS` against this server with an explicit access key.
    pub(crate) fn params_as(&self, id: &str, secret: &str, region: &str, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new(TRENT);
        cmd.arg("params")
            .args(args)
            .args(["--endpoint-url", &self.endpoint, "--region", region])
            .env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret);
        run(cmd)
    }

    /// Sends an unsigned `POST PATH` with an empty body; returns the status code and the body.
    pub(crate) fn post(&self, path: &str) -> (u16, String) {
        self.post_with(path, &[], "")
    }

    /// Sends an unsigned `POST PATH` with extra `headers` and `body`; returns the status code
    /// and the body.
    pub(crate) fn post_with(&self, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        self.raw("POST", path, headers, body)
    }

    /// Sends an unsigned `GET PATH` (`/metrics`, `/ready`); returns the status code and the body.
    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        self.raw("GET", path, &[], "")
    }

    fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let authority = self.endpoint.strip_prefix("http://").expect("an http endpoint");
        let mut stream = std::net::TcpStream::connect(authority).expect("connect");
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("Connection: close\r\n\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).expect("write request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read response");
        let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }

    /// Sends SIGTERM and returns whether the server exited cleanly.
    pub(crate) fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().map(|s| s.success()).unwrap_or(false)
    }
}

/// `trent server ARGS` with `env` and none of the caller's `TRENT_*` settings.
pub(crate) fn server_command(args: &[&str], env: &[(&str, &Path)]) -> Command {
    let mut cmd = Command::new(TRENT);
    cmd.arg("server").args(args).env_remove("TRENT_CONFIG").env_remove("TRENT_DATA_DIR").envs(env.iter().copied());
    cmd
}

/// Runs `trent server ARGS` (with `env`) that must refuse to start; returns its stderr. A
/// server that starts instead is killed and the test fails.
pub(crate) fn refused(args: &[&str], env: &[(&str, &Path)]) -> String {
    let mut child =
        server_command(args, env).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn trent server");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("trent server {args:?} started instead of refusing");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run(mut cmd: Command) -> (bool, String, String) {
    for var in ["AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_REGION", "TRENT_DATA_DIR"] {
        cmd.env_remove(var);
    }
    if cmd.get_envs().all(|(k, _)| k != "AWS_ACCESS_KEY_ID") {
        cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    }
    let out = cmd.output().expect("run trent");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Runs `trent operator ARGS` with `env`, `stdin` on its standard input, with none of the
/// operator's or AWS's variables inherited from the test's own environment; (ok, stdout, stderr).
pub(crate) fn operator<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    env: &[(&str, &str)],
    stdin: &str,
) -> (bool, String, String) {
    let mut child = Command::new(TRENT)
        .arg("operator")
        .args(args)
        .env_remove("AWS_CA_BUNDLE")
        .env_remove("TRENT_OPERATOR_TOKEN")
        .env_remove("TRENT_DATA_DIR")
        .env_remove("TRENT_CONFIG")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run trent operator");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The shares and the operator token printed by `init`, `rekey --to shamir` or `rotate-root`.
pub(crate) fn shares_and_token(out: &str) -> (Vec<String>, String) {
    let shares: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Unseal share ").and_then(|r| r.split_once(": ")).map(|(_, s)| s.to_owned()))
        .collect();
    let token = out.lines().find(|l| l.starts_with("trent-operator-v1-")).expect("operator token line").to_owned();
    (shares, token)
}
