//! The passphrase seal with `passphrase_prompt = true`, end to end: a real `trent server` on a
//! pseudo-terminal (tests/fixtures/on_a_terminal.py types at its prompts) asks twice on a new
//! data directory and refuses two different answers, seals its root key with the passphrase
//! typed, asks once at a restart and decrypts what it made before, and a wrong passphrase
//! leaves it stopped with the reason. The terminal never shows the passphrase.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::seals::{all_decrypt, encrypt_some, kms_client};
use support::{Server, TRENT};

const PHRASE: &str = "typed at the terminal, twice at first";

/// A server started on a terminal by the runner, stopped by its own process id.
struct Prompted {
    server: Server,
    pid: String,
}

impl Drop for Prompted {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-KILL", &self.pid]).stderr(std::process::Stdio::null()).status();
    }
}

impl Prompted {
    /// Stops the server (SIGTERM) and waits for the runner, which exits with it.
    fn stop(mut self) -> bool {
        let _ = Command::new("kill").args(["-TERM", &self.pid]).status();
        self.server.child.wait().map(|s| s.success()).unwrap_or(false)
    }
}

/// Starts `trent server` with `config` and `data` on a terminal where `answers` are typed at
/// its prompts; on failure, what the terminal showed.
fn start(dir: &Path, config: &Path, data: &Path, answers: &[&str]) -> Result<Prompted, String> {
    let answers_file = dir.join("answers");
    std::fs::write(&answers_file, answers.join("\n") + "\n").unwrap();
    let pidfile = dir.join("server.pid");
    let _ = std::fs::remove_file(&pidfile);
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/on_a_terminal.py");
    let mut command = Command::new("python3");
    command
        .arg(runner)
        .args([&pidfile, &answers_file])
        .arg("--")
        .args([TRENT, "server", "--listen", "127.0.0.1:0", "--config"])
        .args([config, &PathBuf::from("--data-dir"), data])
        .env_remove("TRENT_CONFIG")
        .env_remove("TRENT_DATA_DIR")
        .stdin(std::process::Stdio::null());
    let server = Server::start_command(command)?;
    let pid = std::fs::read_to_string(&pidfile).expect("the runner wrote the server's pid");
    Ok(Prompted { server, pid })
}

#[tokio::test]
async fn a_passphrase_typed_at_the_prompt_seals_and_opens_the_root_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("prompt.toml");
    std::fs::write(&config, "[seal]\ntype = \"passphrase\"\npassphrase_prompt = true\n").unwrap();

    // A new data directory: two different answers seal nothing.
    let refused = start(dir.path(), &config, &data, &[PHRASE, "a typo of the first one"]).err().expect("refused");
    assert!(refused.contains("the two passphrases typed differ"), "{refused}");
    assert!(!data.join("root.sealed").exists(), "nothing sealed under a mistyped passphrase");

    // Asked twice, the same answer: the root key is sealed with it.
    let first = start(dir.path(), &config, &data, &[PHRASE, PHRASE]).expect("starts after two equal answers");
    let credentials = data.join("credentials");
    let made = encrypt_some(&kms_client(&first.server, &credentials), 3).await;
    assert!(first.stop(), "the server stops cleanly");
    assert!(data.join("root.sealed").is_file());

    // A restart asks once; the same passphrase opens the root key.
    let again = start(dir.path(), &config, &data, &[PHRASE]).expect("restarts with the passphrase");
    all_decrypt(&kms_client(&again.server, &credentials), &made).await;
    assert!(again.stop());

    // A wrong passphrase: the server does not start, and says why.
    let typed = "not the passphrase at all";
    let wrong = start(dir.path(), &config, &data, &[typed]).err().expect("refused");
    assert!(wrong.contains("does not open"), "{wrong}");
    assert!(!wrong.contains(typed), "the terminal does not echo what is typed: {wrong}");
}
