//! `trent operator rotate-root` with the seals that hold no secret the server could read again:
//! the `shamir` seal (the rotation splits the new root key into new shares of the same counts
//! and hands them out once, in its answer) and the `passphrase` seal with the passphrase read
//! from a file descriptor (the server keeps the key derived from it at start).
//!
//! The Shamir test kills the server (SIGKILL) in the middle of the rotation and restarts it:
//! the new shares are refused until the rotation has finished, the old ones unseal and the
//! rotation goes on; afterwards only the new shares and token unseal, and every ciphertext made
//! before still decrypts. It also recreates on disk the moment between the database's finish
//! and the rename of `root.shamir.rotate`: the old shares are refused with the reason, the new
//! ones unseal and put the file in place.

#[path = "support/mod.rs"]
mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use trent_client::JsonClient;

use support::seals::{all_decrypt, encrypt_some, kms_client, status, unseal, wait_until};
use support::{Server, operator, shares_and_token};

fn kms(server: &Server, data: &Path) -> JsonClient {
    kms_client(server, &data.join("credentials"))
}

/// Regression guard: rotate-root refused the shamir seal ("new shares would have to be handed
/// out while the server runs").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_root_with_the_shamir_seal_hands_out_new_shares_and_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let (ok, out, err) = operator(&["init", "--data-dir", data_arg, "--shares", "3", "--threshold", "2"], &[], "");
    assert!(ok, "{err}");
    let (old_shares, old_token) = shares_and_token(&out);
    let config = dir.path().join("shamir.toml");
    std::fs::write(&config, "[quotas]\nenabled = false\n\n[seal]\ntype = \"shamir\"\n").unwrap();
    let args = ["--config", config.to_str().unwrap(), "--data-dir", data_arg];
    let start = || Server::start_with(&args).expect("a sealed server starts");
    let server = start();
    unseal(&server, &old_token, &old_shares[0]);
    let (ok, out) = unseal(&server, &old_token, &old_shares[1]);
    assert!(ok && out.contains("Sealed: false"), "{out}");
    let made = encrypt_some(&kms(&server, &data), 12).await;
    let old_seal_file = std::fs::read(data.join("root.shamir")).unwrap();

    // Begun: the new split is printed once, with a new operator token; the seal's file of the
    // new shares is there before the answer.
    let (ok, out, err) = operator(
        &["rotate-root", "--endpoint-url", &server.endpoint, "--data-dir", data_arg]
            .into_iter()
            .chain(["--batch-size", "1", "--pause-ms", "300", "--no-wait"])
            .collect::<Vec<_>>(),
        &[],
        "",
    );
    assert!(ok && out.contains("Root key rotation begun: generation 1 to 2."), "{out}{err}");
    let (new_shares, new_token) = shares_and_token(&out);
    assert_eq!(new_shares.len(), 3, "{out}");
    assert!(out.contains("any 2 of them unseal"), "{out}");
    assert_ne!(new_token, old_token);
    assert!(new_shares.iter().all(|s| !old_shares.contains(s)));
    assert!(data.join("root.shamir.rotate").is_file());

    // Killed in the middle of the rewrapping.
    wait_until("some values wrapped again", Duration::from_secs(60), || {
        status(&server)["Root"]["Rotation"]["Rewrapped"].as_u64().is_some_and(|n| n >= 2)
    });
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    // Until the rotation has finished the new shares do not unseal (the values still under the
    // old root need it); the old ones do, and the rotation goes on.
    let server = start();
    assert_eq!(status(&server)["Sealed"], true);
    unseal(&server, &new_token, &new_shares[0]);
    let (ok, out) = unseal(&server, &new_token, &new_shares[2]);
    assert!(!ok && out.contains("InvalidShareException") && out.contains("has not finished"), "{out}");
    let (ok, out) = unseal(&server, &new_token, &old_shares[0]);
    assert!(ok && out.contains("Unseal progress: 1 of 2"), "the old shares count while it runs: {out}");
    let (ok, out) = unseal(&server, &old_token, &old_shares[2]);
    assert!(ok && out.contains("Sealed: false"), "{out}");
    wait_until("the rotation finished after the restart", Duration::from_secs(120), || {
        let s = status(&server);
        s["Root"]["Generation"] == 2 && s["Root"].get("Rotation").is_none()
    });
    assert!(!data.join("root.shamir.rotate").exists(), "the new shares' file is in place");
    all_decrypt(&kms(&server, &data), &made).await;
    // A serving server takes the new token now (and no longer the old one).
    let (ok, out, err) =
        operator(&["seal", "--endpoint-url", &server.endpoint], &[("TRENT_OPERATOR_TOKEN", old_token.as_str())], "");
    assert!(!ok && err.contains("AccessDeniedException"), "{out}{err}");
    let (ok, out, err) =
        operator(&["seal", "--endpoint-url", &server.endpoint], &[("TRENT_OPERATOR_TOKEN", new_token.as_str())], "");
    assert!(ok && out.contains("Sealed: true"), "{out}{err}");
    assert!(server.terminate());

    // After a restart: the old shares and token no longer unseal, two new shares do.
    let server = start();
    let (ok, out) = unseal(&server, &old_token, &old_shares[0]);
    assert!(!ok && out.contains("AccessDeniedException"), "{out}");
    let (ok, out) = unseal(&server, &new_token, &old_shares[0]);
    assert!(!ok && out.contains("not one of this seal's shares"), "{out}");
    unseal(&server, &new_token, &new_shares[1]);
    let (ok, out) = unseal(&server, &new_token, &new_shares[2]);
    assert!(ok && out.contains("Sealed: false"), "{out}");
    all_decrypt(&kms(&server, &data), &made).await;
    assert!(server.terminate());

    // The moment between the database's finish and the rename, recreated: the old seal file
    // in place and the new one pending. The old shares are refused with the reason; the new
    // ones unseal and put their file in place.
    let new_seal_file = std::fs::read(data.join("root.shamir")).unwrap();
    std::fs::rename(data.join("root.shamir"), data.join("root.shamir.rotate")).unwrap();
    let mut restored = std::fs::File::create_new(data.join("root.shamir")).unwrap();
    restored.write_all(&old_seal_file).unwrap();
    drop(restored);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(data.join("root.shamir"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let server = start();
    unseal(&server, &old_token, &old_shares[0]);
    let (ok, out) = unseal(&server, &old_token, &old_shares[1]);
    assert!(!ok && out.contains("has finished"), "{out}");
    unseal(&server, &new_token, &new_shares[0]);
    let (ok, out) = unseal(&server, &new_token, &new_shares[1]);
    assert!(ok && out.contains("Sealed: false"), "{out}");
    assert!(!data.join("root.shamir.rotate").exists());
    assert_eq!(std::fs::read(data.join("root.shamir")).unwrap(), new_seal_file);
    all_decrypt(&kms(&server, &data), &made).await;
    assert!(server.terminate());
}

/// Regression guard: rotate-root refused a passphrase read from a prompt or a file descriptor
/// ("give it through an environment variable").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_root_with_a_passphrase_from_a_file_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let config = dir.path().join("passphrase.toml");
    std::fs::write(&config, "[seal]\ntype = \"passphrase\"\npassphrase_fd = 0\n").unwrap();
    let phrase = dir.path().join("phrase");
    std::fs::write(&phrase, "a passphrase on descriptor zero\n").unwrap();
    let args = ["--config", config.to_str().unwrap(), "--data-dir", data_arg];
    let start = |phrase: &Path| Server::start_with_stdin(&args, &[], Stdio::from(std::fs::File::open(phrase).unwrap()));
    let server = start(&phrase).expect("starts with the passphrase on descriptor 0");
    let made = encrypt_some(&kms(&server, &data), 4).await;
    let before = std::fs::read_to_string(data.join("root.sealed")).unwrap();

    let (ok, out, err) =
        operator(&["rotate-root", "--endpoint-url", &server.endpoint, "--data-dir", data_arg], &[], "");
    assert!(ok && out.contains("Done: the root key is generation 2"), "{out}{err}");
    assert!(!out.contains("Unseal share"), "{out}");
    let after = std::fs::read_to_string(data.join("root.sealed")).unwrap();
    assert_ne!(before, after, "the new root is sealed");
    let salt = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap()["salt"].clone();
    assert_eq!(salt(&before), salt(&after), "under the key derived at start");
    all_decrypt(&kms(&server, &data), &made).await;
    assert!(server.terminate());

    // The same passphrase opens the new root; another does not.
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "another passphrase entirely\n").unwrap();
    let refused = start(&wrong).err().expect("a wrong passphrase does not start");
    assert!(refused.contains("does not open"), "{refused}");
    let server = start(&phrase).expect("the passphrase opens the new root");
    assert_eq!(status(&server)["Root"]["Generation"], 2);
    all_decrypt(&kms(&server, &data), &made).await;
    assert!(server.terminate());
}
