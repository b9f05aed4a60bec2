//! Imported key material from the command line: the procedure of `docs/imported-key-material.md`
//! (the AWS CLI with `openssl` wrapping, then a manual rotation by moving an alias), run as the
//! page writes it, and `trent kms import-key-material`, which wraps on the caller's machine.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use support::Server;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The page's one `sh` block.
fn documented_script() -> String {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/imported-key-material.md");
    let text = std::fs::read_to_string(page).expect("read the how-to");
    let start = text.find("```sh\n").expect("the how-to has an sh block") + "```sh\n".len();
    let end = start + text[start..].find("```").expect("the sh block ends");
    text[start..end].to_owned()
}

/// The how-to's script, run by bash with the AWS CLI and openssl, exactly as documented.
/// Needs `aws` (the interop environment `.ci/run` sets up); elsewhere the test says loudly that
/// it is skipped, and under `CI=true` a missing `aws` is a failure.
#[test]
fn the_documented_import_and_manual_rotation_work_with_the_aws_cli_and_openssl() {
    let has_aws = Command::new("aws").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !has_aws {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the `aws` CLI is not installed");
        eprintln!("SKIPPED the imported-key-material how-to: the `aws` CLI is not installed (run .ci/run)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data);
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(documented_script())
        .current_dir(&work)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1");
    for (k, v) in &server.exports {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the how-to failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("rotated ") && stdout.contains(" -> "), "{stdout}");
    assert!(server.terminate());
}

/// `trent kms create-key --origin EXTERNAL`, `import-key-material` (wrapped locally, here an
/// `openssl`-made P-256 private key under RSA_AES_KEY_WRAP_SHA_256), `sign`, and
/// `delete-imported-key-material`.
#[test]
fn trent_kms_import_key_material_wraps_on_the_callers_machine() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data);
    let (ok, out, err) = server.trent(
        &data,
        &[
            "create-key",
            "--origin",
            "EXTERNAL",
            "--key-spec",
            "ECC_NIST_P256",
            "--key-usage",
            "SIGN_VERIFY",
            "--output",
            "json",
        ],
    );
    assert!(ok, "{err}");
    let key = json(&out)["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    assert_eq!(json(&out)["KeyMetadata"]["KeyState"], "PendingImport");

    let pem = dir.path().join("ec.pem");
    let der = dir.path().join("ec.der");
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pem.to_str().unwrap()]);
    run(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        pem.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        der.to_str().unwrap(),
    ]);
    let (ok, out, err) =
        server.trent(&data, &["import-key-material", "--key-id", &key, "--material-file", der.to_str().unwrap()]);
    assert!(ok && out.contains("imported into"), "{out}{err}");
    let (ok, out, _) = server.trent(&data, &["describe-key", "--key-id", &key]);
    assert!(ok && out.contains("KeyState:     Enabled"), "{out}");
    let (ok, signature, err) = server
        .trent(&data, &["sign", "--key-id", &key, "--message", "imported", "--signing-algorithm", "ECDSA_SHA_256"]);
    assert!(ok, "{err}");
    let (ok, out, err) = server.trent(
        &data,
        &[
            "verify",
            "--key-id",
            &key,
            "--message",
            "imported",
            "--signature",
            signature.trim(),
            "--signing-algorithm",
            "ECDSA_SHA_256",
        ],
    );
    assert!(ok && out.contains("signature valid"), "{out}{err}");
    // The same material again (here wrapped with RSA-OAEP alone, which a P-256 PKCS#8 key
    // fits) is accepted, as AWS accepts it; the symmetric-only flags are refused for this key.
    let (ok, out, err) = server.trent(
        &data,
        &[
            "import-key-material",
            "--key-id",
            &key,
            "--material-file",
            der.to_str().unwrap(),
            "--wrapping-algorithm",
            "RSAES_OAEP_SHA_1",
        ],
    );
    assert!(ok && out.contains("key material imported into"), "{out}{err}");
    let (ok, _, err) = server.trent(
        &data,
        &[
            "import-key-material",
            "--key-id",
            &key,
            "--material-file",
            der.to_str().unwrap(),
            "--import-type",
            "NEW_KEY_MATERIAL",
        ],
    );
    assert!(!ok && err.contains("UnsupportedOperationException"), "{err}");
    let (ok, out, err) = server.trent(&data, &["delete-imported-key-material", "--key-id", &key]);
    assert!(ok && out.contains("deleted"), "{out}{err}");
    let (ok, out, _) = server.trent(&data, &["describe-key", "--key-id", &key]);
    assert!(ok && out.contains("KeyState:     PendingImport"), "{out}");
    assert!(server.terminate());
}

/// Rotation of imported material from the command line: `import-key-material
/// --import-type NEW_KEY_MATERIAL --key-material-description`, `rotate-key`, and
/// `delete-imported-key-material --key-material-id`.
#[test]
fn trent_kms_imports_new_material_for_a_rotation_and_deletes_by_material_id() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data);
    let (ok, out, err) = server.trent(&data, &["create-key", "--origin", "EXTERNAL", "--output", "json"]);
    assert!(ok, "{err}");
    let key = json(&out)["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let file = |name: &str, fill: u8| {
        let path = dir.path().join(name);
        std::fs::write(&path, [fill; 32]).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (first, second) = (file("first.bin", 1), file("second.bin", 2));
    let import = |extra: &[&str]| {
        let mut args = vec!["import-key-material", "--key-id", &key, "--output", "json"];
        args.extend_from_slice(extra);
        let (ok, out, err) = server.trent(&data, &args);
        assert!(ok, "{err}");
        json(&out)["KeyMaterialId"].as_str().unwrap().to_owned()
    };
    let id1 = import(&["--material-file", &first]);
    let id2 = import(&[
        "--material-file",
        &second,
        "--import-type",
        "NEW_KEY_MATERIAL",
        "--key-material-description",
        "the second",
    ]);
    let current = || {
        let (ok, out, err) = server.trent(&data, &["describe-key", "--key-id", &key, "--output", "json"]);
        assert!(ok, "{err}");
        json(&out)["KeyMetadata"]["CurrentKeyMaterialId"].as_str().unwrap().to_owned()
    };
    assert_eq!(current(), id1);
    let (ok, _, err) = server.trent(&data, &["rotate-key", "--key-id", &key]);
    assert!(ok, "{err}");
    assert_eq!(current(), id2);
    let (ok, out, err) = server.trent(
        &data,
        &["delete-imported-key-material", "--key-id", &key, "--key-material-id", &id1, "--output", "json"],
    );
    assert!(ok && json(&out)["KeyMaterialId"] == id1.as_str(), "{out}{err}");
    let again = import(&["--material-file", &first, "--key-material-id", &id1]);
    assert_eq!(again, id1);
    assert!(server.terminate());
}
