//! Nodes sharing one PostgreSQL schema (`TRENT_TEST_POSTGRES_URL`; skipped loudly without it, a
//! failure under `CI=true`) and one root of trust, with seal files published in the database
//! instead of copied between data directories (`docs/key-hierarchy.md`, "Seal files published
//! in the database"):
//!
//! - `shamir`: node A is initialised and unsealed; node B starts in an empty data directory and
//!   node C too, each getting A's `root.shamir` from the database, and both unseal with A's
//!   shares. C is stopped; `rotate-root` on A hands out new shares. B, running, takes the
//!   rotation up and writes the new file itself; once it has finished B is restarted and
//!   unsealed with two of the **new** shares (the old ones and the old token refused), and C,
//!   stopped for the whole rotation, starts with the new file in place and unseals with the new
//!   shares. Ciphertexts made before decrypt on both. No file is copied. Then C is rekeyed to
//!   new shares (`trent operator rekey`, without the database): its next unseal publishes
//!   them, a new node D gets them, and B's file of the same generation is kept.
//! - `pkcs11` (one SoftHSM2 token shared by the nodes): node B starts in an empty data
//!   directory and opens the published `root.pkcs11` through the token; B is stopped,
//!   `rotate-root` runs on A, and B, started again after the rotation, is serving at once with
//!   A's new file, and decrypts what was made before.

#[path = "../../trent-store/tests/support/postgres.rs"]
mod postgres;
#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use postgres::TestSchema;
use support::seals::{all_decrypt, encrypt_some, kms_client, softhsm, status, unseal, wait_until};
use support::{Server, operator, shares_and_token};

/// A rotation on PostgreSQL waits one full check (30 s) before its first batch, and every node
/// takes its finish up at its next full check.
const ROTATION_WITHIN: Duration = Duration::from_secs(150);

/// Unseals `server` with the first two of `shares`.
fn unseal_with(server: &Server, token: &str, shares: &[String]) {
    unseal(server, token, &shares[0]);
    let (ok, out) = unseal(server, token, &shares[1]);
    assert!(ok && out.contains("Sealed: false"), "{out}");
}

/// Waits until `server` serves generation 2 with no rotation in progress.
fn wait_rotated(what: &str, server: &Server) {
    wait_until(what, ROTATION_WITHIN, || {
        let s = status(server);
        s["Root"]["Generation"] == 2 && s["Root"].get("Rotation").is_none()
    });
}

/// `--no-wait` rotate-root on `server`, signed with the credentials of `data`; its output.
fn rotate_root(server: &Server, data: &Path, env: &[(&str, &str)]) -> String {
    let (ok, out, err) = operator(
        &["rotate-root", "--endpoint-url", &server.endpoint, "--data-dir", data.to_str().unwrap(), "--no-wait"],
        env,
        "",
    );
    assert!(ok && out.contains("generation 1 to 2"), "{out}{err}");
    out
}

/// The URL of a fresh schema.
async fn schema(test: &str) -> Option<(TestSchema, String)> {
    let schema = TestSchema::new(test).await?;
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    Some((schema, url))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shamir_nodes_take_up_a_rotation_from_the_database_without_a_copied_file() {
    let Some((_schema, url)) = schema("shamir_nodes_take_up_a_rotation").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    let (ok, out, err) =
        operator(&["init", "--data-dir", a.to_str().unwrap(), "--shares", "3", "--threshold", "2"], &[], "");
    assert!(ok, "{err}");
    let (old_shares, old_token) = shares_and_token(&out);
    let config = dir.path().join("shamir.toml");
    std::fs::write(&config, "[quotas]\nenabled = false\n\n[seal]\ntype = \"shamir\"\n").unwrap();
    let start = |data: &Path| {
        let args = ["--config", config.to_str().unwrap(), "--data-dir", data.to_str().unwrap(), "--storage", &url];
        Server::start_with(&args).expect("a sealed node starts")
    };
    let node_a = start(&a);
    unseal_with(&node_a, &old_token, &old_shares);
    let credentials = a.join("credentials");
    let made = encrypt_some(&kms_client(&node_a, &credentials), 6).await;

    // B and C start in empty data directories: A's published root.shamir is theirs.
    let node_b = start(&b);
    assert_eq!(std::fs::read(b.join("root.shamir")).unwrap(), std::fs::read(a.join("root.shamir")).unwrap());
    unseal_with(&node_b, &old_token, &old_shares[1..]);
    let node_c = start(&c);
    unseal_with(&node_c, &old_token, &old_shares);
    all_decrypt(&kms_client(&node_c, &credentials), &made).await;
    assert!(node_c.terminate());

    let out = rotate_root(&node_a, &a, &[]);
    let (new_shares, new_token) = shares_and_token(&out);
    assert_eq!(new_shares.len(), 3, "{out}");
    wait_rotated("the rotation finishes on A", &node_a);
    wait_rotated("B takes the finish up", &node_b);
    let new_file = std::fs::read(a.join("root.shamir")).unwrap();
    // The running node wrote the new shares' file itself.
    wait_until("B's new seal file is in place", Duration::from_secs(5), || {
        std::fs::read(b.join("root.shamir")).is_ok_and(|f| f == new_file) && !b.join("root.shamir.rotate").exists()
    });
    assert!(node_b.terminate());

    // B restarted: the old token and shares are refused, two new shares unseal it.
    let node_b = start(&b);
    let (ok, out) = unseal(&node_b, &old_token, &old_shares[0]);
    assert!(!ok && out.contains("AccessDeniedException"), "{out}");
    let (ok, out) = unseal(&node_b, &new_token, &old_shares[0]);
    assert!(!ok && out.contains("not one of this seal's shares"), "{out}");
    unseal_with(&node_b, &new_token, &new_shares[1..]);
    all_decrypt(&kms_client(&node_b, &credentials), &made).await;

    // C, stopped for the whole rotation, starts with the new file in place.
    let node_c = start(&c);
    assert_eq!(std::fs::read(c.join("root.shamir")).unwrap(), new_file);
    let (ok, out) = unseal(&node_c, &new_token, &old_shares[2]);
    assert!(!ok && out.contains("not one of this seal's shares"), "{out}");
    unseal_with(&node_c, &new_token, &[new_shares[2].clone(), new_shares[0].clone()]);
    all_decrypt(&kms_client(&node_c, &credentials), &made).await;
    assert!(node_c.terminate());

    // C rekeyed to new shares of the same root: its next start publishes them, a new node D
    // gets them, and B's file (the same generation's other split) is not replaced.
    let c_arg = c.to_str().unwrap();
    let (ok, out, err) = operator(
        &["rekey", "--data-dir", c_arg, "--to", "shamir", "--shares", "3", "--threshold", "2"],
        &[],
        &format!("{}\n{}\n", new_shares[0], new_shares[1]),
    );
    assert!(ok, "{out}{err}");
    let (rekeyed_shares, rekeyed_token) = shares_and_token(&out);
    assert!(c.join("root.publish").exists());
    let rekeyed_file = std::fs::read(c.join("root.shamir")).unwrap();
    let node_c = start(&c);
    assert_eq!(std::fs::read(c.join("root.shamir")).unwrap(), rekeyed_file, "its own rekeyed file is kept");
    unseal_with(&node_c, &rekeyed_token, &rekeyed_shares);
    assert!(!c.join("root.publish").exists(), "published at the unseal");
    let d = dir.path().join("d");
    let node_d = start(&d);
    assert_eq!(std::fs::read(d.join("root.shamir")).unwrap(), rekeyed_file);
    unseal_with(&node_d, &rekeyed_token, &rekeyed_shares[1..]);
    all_decrypt(&kms_client(&node_d, &credentials), &made).await;
    assert!(node_b.terminate());
    let node_b = start(&b);
    assert_eq!(std::fs::read(b.join("root.shamir")).unwrap(), new_file, "B's current file is kept");
    unseal_with(&node_b, &new_token, &new_shares);
    for node in [node_a, node_b, node_c, node_d] {
        assert!(node.terminate());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pkcs11_node_stopped_for_a_whole_rotation_starts_unsealed_without_a_copied_file() {
    let dir = tempfile::tempdir().unwrap();
    let Some((config, hsm_env)) = softhsm(dir.path(), "shared-seal") else { return };
    let Some((_schema, url)) = schema("a_pkcs11_node_stopped_for_a_whole_rotation").await else { return };
    let env: Vec<(&str, &Path)> = hsm_env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let start = |data: &Path| {
        let args = ["--config", config.to_str().unwrap(), "--data-dir", data.to_str().unwrap(), "--storage", &url];
        Server::start_with_env(&args, &env).expect("a pkcs11 node starts")
    };
    let node_a = start(&a);
    let credentials = a.join("credentials");
    let made = encrypt_some(&kms_client(&node_a, &credentials), 6).await;
    let first_file = std::fs::read(a.join("root.pkcs11")).unwrap();

    // B starts in an empty data directory with A's published file, opened through the token.
    let node_b = start(&b);
    assert_eq!(status(&node_b)["Sealed"], false);
    assert_eq!(std::fs::read(b.join("root.pkcs11")).unwrap(), first_file);
    all_decrypt(&kms_client(&node_b, &credentials), &made).await;
    assert!(node_b.terminate());

    rotate_root(&node_a, &a, &[]);
    wait_rotated("the rotation finishes on A", &node_a);
    let new_file = std::fs::read(a.join("root.pkcs11")).unwrap();
    assert_ne!(new_file, first_file);

    // B, stopped for the whole rotation, serves at once with the new file in place.
    let node_b = start(&b);
    assert_eq!(status(&node_b)["Sealed"], false);
    assert_eq!(status(&node_b)["Root"]["Generation"], 2);
    assert_eq!(std::fs::read(b.join("root.pkcs11")).unwrap(), new_file);
    all_decrypt(&kms_client(&node_b, &credentials), &made).await;
    for node in [node_a, node_b] {
        assert!(node.terminate());
    }
}
