//! A `trent server` child process on an ephemeral port with a fresh data directory, a KMS key
//! and alias in it, and helpers to run `trent encrypt`/`trent decrypt` and the Python tools.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

pub(crate) const TRENT: &str = env!("CARGO_BIN_EXE_trent");

pub(crate) struct Server {
    child: Child,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) endpoint: String,
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) key_arn: String,
}

impl Server {
    /// Starts a server and creates `alias/envelope` for a new key.
    pub(crate) fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut child = Command::new(TRENT)
            .args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .env_remove("TRENT_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn trent server");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut endpoint = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(v) = line.strip_prefix("export AWS_ENDPOINT_URL=") {
                endpoint = v.to_owned();
                break;
            }
            if let Some(v) = line.strip_prefix("Trent is listening on ") {
                endpoint = v.to_owned();
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        let creds = std::fs::read_to_string(data.join("credentials")).unwrap();
        let value = |name: &str| {
            creds
                .lines()
                .find_map(|l| l.split_once('=').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_owned()))
                .unwrap()
        };
        let mut server = Server {
            child,
            access_key_id: value("aws_access_key_id"),
            secret_access_key: value("aws_secret_access_key"),
            dir,
            endpoint,
            key_arn: String::new(),
        };
        let out = server.trent(&["kms", "create-key", "--output", "json"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        server.key_arn = v["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
        let out = server.trent(
            &["kms", "create-alias", "--alias-name", "alias/envelope", "--target-key-id", &server.key_arn.clone()],
            None,
        );
        assert!(out.status.success());
        server
    }

    /// The environment a client needs (AWS variables pointing at this server).
    pub(crate) fn env(&self, cmd: &mut Command) {
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", &self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_access_key)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env("HOME", self.dir.path());
    }

    /// Runs `trent ARGS` with `stdin`.
    pub(crate) fn trent(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = Command::new(TRENT);
        cmd.args(args);
        self.env(&mut cmd);
        run(cmd, stdin)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd` with `stdin` piped in.
pub(crate) fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.map(<[u8]>::to_vec);
    let writer = std::thread::spawn(move || {
        if let Some(bytes) = input {
            let _ = pipe.write_all(&bytes);
        }
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

/// Asserts success and returns stdout.
#[track_caller]
pub(crate) fn ok(out: Output) -> Vec<u8> {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The repository's `.venv` tool `name` (python, aws-encryption-cli) with the Encryption SDK,
/// or `None` after saying loudly that `test` is skipped; under `CI=true` its absence fails.
pub(crate) fn venv_tool(test: &str, name: &str) -> Option<PathBuf> {
    crate::support::venv_python(test, "aws_encryption_sdk, aws_encryption_sdk_cli").map(|py| py.with_file_name(name))
}
