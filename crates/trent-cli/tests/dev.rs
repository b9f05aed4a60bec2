//! `trent server --dev` and seed files, end to end with the binary: LocalStack-style default
//! credentials, a seed whose keys keep their material from one run to the next, policies
//! still enforced, and bad seeds refused with the file, line and field named and no state
//! left behind.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use support::Server;

const SEEDED_KEY: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed.yaml")
}

fn dev(seed: Option<&Path>) -> Result<Server, String> {
    let seed = seed.map(|p| p.to_str().expect("utf-8").to_owned());
    let mut args = vec!["--dev"];
    if let Some(s) = &seed {
        args.extend(["--seed", s.as_str()]);
    }
    Server::start_with(&args)
}

#[test]
fn dev_mode_has_localstack_credentials_and_every_region() {
    let server = dev(None).expect("dev server");
    let names: Vec<&str> = server.exports.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"]);
    let (ok, out, err) = server.trent_as("test", "test", "ap-southeast-2", &["create-key", "--output", "json"]);
    assert!(ok, "{err}");
    let arn =
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    assert!(arn.starts_with("arn:aws:kms:ap-southeast-2:000000000000:key/"), "{arn}");
    // Signatures are still verified.
    let (ok, _, err) = server.trent_as("test", "wrong", "us-east-1", &["list-keys"]);
    assert!(!ok && err.contains("InvalidSignatureException"), "{err}");
    assert!(server.terminate());
}

#[test]
fn seeded_keys_keep_their_material_across_runs_and_policies_hold() {
    let first = dev(Some(&fixture())).expect("dev server with seed");
    let (ok, blob, err) = first.trent_as(
        "FOOBARKEY",
        "FOOBARSECRET",
        "us-east-1",
        &["encrypt", "--key-id", "alias/seeded", "--plaintext", "made in run one"],
    );
    assert!(ok, "{err}");
    let blob = blob.trim().to_owned();
    let (ok, out, err) = first.trent_as(
        "FOOBARKEY",
        "FOOBARSECRET",
        "us-east-1",
        &["describe-key", "--key-id", SEEDED_KEY, "--output", "json"],
    );
    assert!(ok, "{err}");
    let meta = &serde_json::from_str::<serde_json::Value>(&out).unwrap()["KeyMetadata"];
    assert_eq!(meta["AWSAccountId"], "123456789012");
    assert_eq!(meta["Description"], "seeded");
    assert!(first.terminate());
    // No default test/test credentials when the seed names access keys.
    let second = dev(Some(&fixture())).expect("second dev server");
    let (ok, _, err) = second.trent_as("test", "test", "us-east-1", &["list-keys"]);
    assert!(!ok && err.contains("UnrecognizedClientException"), "{err}");
    // A fresh server with the same seed decrypts the first run's ciphertext.
    let (ok, plain, err) =
        second.trent_as("READERKEY", "READERSECRET", "us-east-1", &["decrypt", "--ciphertext", &blob]);
    assert!(ok, "{err}");
    assert_eq!(plain, "made in run one");
    // The reader's policy allows Decrypt only: policies are enforced in dev mode.
    let (ok, _, err) = second.trent_as(
        "READERKEY",
        "READERSECRET",
        "us-east-1",
        &["encrypt", "--key-id", SEEDED_KEY, "--plaintext", "x"],
    );
    assert!(!ok && err.contains("AccessDeniedException"), "{err}");
    // The other seeded keys: disabled in eu-west-1; RSA and EC keys parsed and stored.
    let (ok, _, err) = second.trent_as(
        "FOOBARKEY",
        "FOOBARSECRET",
        "eu-west-1",
        &["encrypt", "--key-id", "11111111-2222-3333-4444-555555555555", "--plaintext", "x"],
    );
    assert!(!ok && err.contains("DisabledException"), "{err}");
    for (id, spec, usage) in [
        ("33333333-4444-5555-6666-777777777777", "RSA_2048", "SIGN_VERIFY"),
        ("44444444-5555-6666-7777-888888888888", "ECC_NIST_P256", "SIGN_VERIFY"),
        ("22222222-3333-4444-5555-666666666666", "HMAC_256", "GENERATE_VERIFY_MAC"),
    ] {
        let (ok, out, err) = second.trent_as(
            "FOOBARKEY",
            "FOOBARSECRET",
            "us-east-1",
            &["describe-key", "--key-id", id, "--output", "json"],
        );
        assert!(ok, "{err}");
        let meta = &serde_json::from_str::<serde_json::Value>(&out).unwrap()["KeyMetadata"];
        assert_eq!((meta["KeySpec"].as_str(), meta["KeyUsage"].as_str()), (Some(spec), Some(usage)), "{id}");
    }
    // A signing key refuses Encrypt in AWS's words, which name the operation.
    let rsa = "33333333-4444-5555-6666-777777777777";
    let (ok, _, err) =
        second.trent_as("FOOBARKEY", "FOOBARSECRET", "us-east-1", &["encrypt", "--key-id", rsa, "--plaintext", "x"]);
    let expected = format!(
        "arn:aws:kms:us-east-1:123456789012:key/{rsa} key usage is SIGN_VERIFY which is not valid for Encrypt."
    );
    assert!(!ok && err.contains("InvalidKeyUsageException") && err.contains(&expected), "{err}");
    assert!(second.terminate());
}

/// A key imported with a version-8 UUID (the version multi-Region ids use) keeps its hyphenated
/// id, and its ciphertexts, which carry only the UUID's bytes, find it.
#[test]
fn a_seeded_key_with_a_version_8_uuid_decrypts_its_ciphertexts() {
    let dir = tempfile::tempdir().unwrap();
    let id = "1234abcd-12ab-84cd-96ef-1234567890ab";
    let seed = dir.path().join("v8.yaml");
    let text = format!(
        "accounts:\n  - id: \"123456789012\"\naccess_keys:\n  - id: V8KEY\n    secret: V8SECRET\n    account: \"123456789012\"\n\
         keys:\n  - id: {id}\n    material: \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n"
    );
    std::fs::write(&seed, text).unwrap();
    let server = dev(Some(&seed)).expect("dev server with a version-8 key id");
    let run = |args: &[&str]| server.trent_as("V8KEY", "V8SECRET", "us-east-1", args);
    let (ok, out, err) = run(&["describe-key", "--key-id", id, "--output", "json"]);
    assert!(ok, "{err}");
    let meta = &serde_json::from_str::<serde_json::Value>(&out).unwrap()["KeyMetadata"];
    assert_eq!((meta["KeyId"].as_str(), meta["MultiRegion"].as_bool()), (Some(id), Some(false)));
    let (ok, blob, err) = run(&["encrypt", "--key-id", id, "--plaintext", "version eight"]);
    assert!(ok, "{err}");
    let (ok, plain, err) = run(&["decrypt", "--ciphertext", blob.trim()]);
    assert!(ok, "{err}");
    assert_eq!(plain, "version eight");
    assert!(server.terminate());
}

fn bad_seed(dir: &Path, name: &str, text: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let err = match dev(Some(&path)) {
        Ok(_) => panic!("{name} was accepted"),
        Err(stderr) => stderr,
    };
    (path, err)
}

#[test]
fn bad_seed_files_name_the_file_the_line_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let key = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    let cases = [
        ("unknown.yaml", format!("keys:\n  - id: {key}\n    colour: blue\n"), 3, "keys[0].colour", "unknown field"),
        ("short.yaml", format!("keys:\n  - id: {key}\n    material: \"0011\"\n"), 3, "keys[0].material", "32 bytes"),
        ("duplicate.yaml", format!("keys:\n  - id: {key}\n  - id: {key}\n"), 3, "keys[1].id", "duplicate key id"),
        (
            "dangling.yaml",
            "aliases:\n  - name: alias/nowhere\n    target: 99999999-8888-7777-6666-555555555555\n".to_owned(),
            2,
            "aliases[0].target",
            "neither seeded nor present",
        ),
        ("short.toml", format!("[[keys]]\nid = \"{key}\"\nmaterial = \"0011\"\n"), 3, "keys[0].material", "32 bytes"),
        // The parser notices the unclosed list where the file ends.
        ("syntax.yaml", "keys:\n  - id: [unclosed\n".to_owned(), 3, "", "not valid YAML"),
        (
            "multi_region.yaml",
            "keys:\n  - id: mrk-0123456789abcdef0123456789abcdef\n".to_owned(),
            2,
            "keys[0].id",
            "multi-Region (mrk-) keys are made by CreateKey",
        ),
    ];
    for (name, text, line, field, message) in cases {
        let (path, err) = bad_seed(dir.path(), name, &text);
        assert!(err.contains(&path.display().to_string()), "{name}: file not named: {err}");
        assert!(err.contains(&format!("line {line}")), "{name}: line {line} not named: {err}");
        assert!(err.contains(field), "{name}: field {field} not named: {err}");
        assert!(err.contains(message), "{name}: {err}");
    }
}

#[test]
fn a_bad_seed_leaves_no_state_and_outside_dev_mode_there_are_no_default_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    // The second key is invalid: the first (valid) key, account and access key must not land.
    let seed = dir.path().join("half.yaml");
    std::fs::write(
        &seed,
        "accounts:\n  - id: \"222233334444\"\naccess_keys:\n  - id: HALFKEY\n    secret: HALFSECRET\n\
         keys:\n  - id: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n  - id: 11111111-2222-3333-4444-555555555555\n    key_spec: RSA_2048\n",
    )
    .unwrap();
    let err = match Server::start_with(&["--data-dir", data_arg, "--seed", seed.to_str().unwrap()]) {
        Ok(_) => panic!("a bad seed was accepted"),
        Err(e) => e,
    };
    assert!(err.contains("keys[1]") && err.contains("material_pem"), "{err}");
    let server = Server::start_with(&["--data-dir", data_arg]).expect("server without seed");
    let (ok, _, err) = server.trent_as("HALFKEY", "HALFSECRET", "us-east-1", &["list-keys"]);
    assert!(!ok && err.contains("UnrecognizedClientException"), "the half-applied key exists: {err}");
    let (ok, _, err) = server.trent_as("test", "test", "us-east-1", &["list-keys"]);
    assert!(!ok && err.contains("UnrecognizedClientException"), "{err}");
    let (ok, out, _) = server.trent(&data, &["list-keys"]);
    assert!(ok && !out.contains("0f1e2d3c"), "{out}");
    assert!(server.terminate());
}

#[test]
fn a_seed_is_applied_idempotently_at_every_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seed = fixture();
    let args =
        ["--data-dir", data.to_str().unwrap(), "--seed", seed.to_str().unwrap(), "--region", "us-east-1,eu-west-1"];
    let first = Server::start_with(&args).expect("first start");
    let (ok, blob, err) = first.trent_as(
        "FOOBARKEY",
        "FOOBARSECRET",
        "us-east-1",
        &["encrypt", "--key-id", SEEDED_KEY, "--plaintext", "kept"],
    );
    assert!(ok, "{err}");
    assert!(first.terminate());
    let second = Server::start_with(&args).expect("second start with the same seed");
    let (ok, plain, err) =
        second.trent_as("FOOBARKEY", "FOOBARSECRET", "us-east-1", &["decrypt", "--ciphertext", blob.trim()]);
    assert!(ok && plain == "kept", "{err}");
    assert!(second.terminate());
}

#[test]
fn a_reset_wipes_everything_and_applies_the_seed_again() {
    let server = dev(Some(&fixture())).expect("dev server with seed");
    let admin = |region: &str, args: &[&str]| server.trent_as("FOOBARKEY", "FOOBARSECRET", region, args);
    let (ok, blob, err) = admin("us-east-1", &["encrypt", "--key-id", "alias/seeded", "--plaintext", "before reset"]);
    assert!(ok, "{err}");
    let (ok, out, err) = admin("us-east-1", &["create-key", "--output", "json"]);
    assert!(ok, "{err}");
    let created =
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let (ok, _, err) =
        admin("us-east-1", &["create-alias", "--alias-name", "alias/extra", "--target-key-id", &created]);
    assert!(ok, "{err}");
    // A key in a region the seed never names must go too.
    let (ok, _, err) = admin("ap-south-1", &["create-key"]);
    assert!(ok, "{err}");
    let put_parameter = || {
        let args = ["put", "/app/flag", "--value", "on", "--type", "SecureString"];
        let (ok, _, err) = server.params_as("FOOBARKEY", "FOOBARSECRET", "us-east-1", &args);
        assert!(ok, "{err}");
    };
    put_parameter();

    for path in ["/_trent/reset", "/moto-api/reset"] {
        let (status, body) = server.post(path);
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["status"], "ok", "{body}");

        let (ok, out, err) = admin("us-east-1", &["list-keys", "--output", "json"]);
        assert!(ok, "{err}");
        assert!(!out.contains(&created), "{path}: a created key survived the reset: {out}");
        assert!(out.contains(SEEDED_KEY), "{path}: the seeded key is back: {out}");
        let (ok, out, _) = admin("ap-south-1", &["list-keys", "--output", "json"]);
        assert!(
            ok && serde_json::from_str::<serde_json::Value>(&out).unwrap()["Keys"] == serde_json::json!([]),
            "{out}"
        );
        let (ok, _, err) = admin("us-east-1", &["describe-key", "--key-id", "alias/extra"]);
        assert!(!ok && err.contains("NotFoundException"), "{path}: {err}");
        // Seeded material survives: the ciphertext made before the reset still decrypts.
        let (ok, plain, err) = admin("us-east-1", &["decrypt", "--ciphertext", blob.trim()]);
        assert!(ok && plain == "before reset", "{path}: {err}");
        // Seeded access keys with policies are back too.
        let (ok, _, err) =
            server.trent_as("READERKEY", "READERSECRET", "us-east-1", &["decrypt", "--ciphertext", blob.trim()]);
        assert!(ok, "{path}: {err}");
        // Parameters go with everything else.
        let (ok, _, err) = server.params_as("FOOBARKEY", "FOOBARSECRET", "us-east-1", &["get", "/app/flag"]);
        assert!(!ok && err.contains("ParameterNotFound"), "{path}: {err}");
        let (ok, _, err) = admin("us-east-1", &["create-key"]);
        assert!(ok, "{err}");
        put_parameter();
    }
    assert!(server.terminate());
}

#[test]
fn a_reset_without_a_seed_brings_back_the_default_credentials_only() {
    let server = dev(None).expect("dev server");
    let test = |args: &[&str]| server.trent_as("test", "test", "us-east-1", args);
    let (ok, _, err) = test(&["create-key"]);
    assert!(ok, "{err}");
    let (status, _) = server.post("/_trent/reset");
    assert_eq!(status, 200);
    let (ok, out, err) = test(&["list-keys", "--output", "json"]);
    assert!(ok, "{err}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["Keys"], serde_json::json!([]), "{out}");
    assert!(server.terminate());
}

#[test]
fn outside_dev_mode_the_reset_endpoints_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data);
    let (ok, _, err) = server.trent(&data, &["create-key"]);
    assert!(ok, "{err}");
    for path in ["/_trent/reset", "/moto-api/reset"] {
        assert_eq!(server.post(path).0, 404, "{path}");
    }
    let (ok, out, err) = server.trent(&data, &["list-keys", "--output", "json"]);
    assert!(ok, "{err}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["Keys"].as_array().map(Vec::len), Some(1));
    assert!(server.terminate());
}

/// Runs `trent COMMAND ARGS` against `server` with the seeds' credentials: (success, stdout,
/// stderr).
fn seed_cli(server: &Server, command: &str, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .arg(command)
        .args(args)
        .args(["--endpoint-url", server.endpoint.as_str(), "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "SEEDKEY")
        .env("AWS_SECRET_ACCESS_KEY", "SEEDSECRET")
        .output()
        .expect("run trent");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Seeded secrets: created at start (a name already in use is left alone), readable with the
/// seed's credentials; a development reset removes the secrets created since and brings the
/// seeded ones back.
#[test]
fn seeded_secrets_are_readable_and_resets_clear_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("secrets.yaml");
    let text = "accounts:\n  - id: \"123456789012\"\naccess_keys:\n  - id: SEEDKEY\n    secret: SEEDSECRET\n    \
                account: \"123456789012\"\nsecrets:\n  - name: app/db\n    secret_string: \"{\\\"password\\\":\\\"seeded\\\"}\"\n    \
                description: from the seed\n  - name: app/bin\n    secret_binary: AAEC\n";
    std::fs::write(&seed, text).unwrap();
    let server = dev(Some(&seed)).expect("dev server with seeded secrets");
    let secrets = |args: &[&str]| seed_cli(&server, "secrets", args);
    let (ok, out, err) = secrets(&["get", "--secret-id", "app/db"]);
    assert!(ok && out == "{\"password\":\"seeded\"}\n", "{out}{err}");
    let (ok, out, err) = secrets(&["get", "--secret-id", "app/bin", "--output", "json"]);
    assert!(ok && out.contains("\"SecretBinary\": \"AAEC\""), "{out}{err}");
    let (ok, _, err) = secrets(&["put", "--secret-id", "app/db", "--secret-string", "changed"]);
    assert!(ok, "{err}");
    let (ok, _, err) = secrets(&["create", "--name", "made/later", "--secret-string", "x"]);
    assert!(ok, "{err}");

    let (status, body) = server.post("/_trent/reset");
    assert_eq!(status, 200, "{body}");
    let (ok, _, err) = secrets(&["get", "--secret-id", "made/later"]);
    assert!(!ok && err.contains("ResourceNotFoundException"), "{err}");
    let (ok, out, err) = secrets(&["get", "--secret-id", "app/db"]);
    assert!(ok && out == "{\"password\":\"seeded\"}\n", "the seeded value is back: {out}{err}");
    let (ok, out, _) = secrets(&["describe", "--secret-id", "app/db", "--output", "json"]);
    assert!(
        ok && serde_json::from_str::<serde_json::Value>(&out).unwrap()["VersionIdsToStages"].as_object().unwrap().len()
            == 1,
        "{out}"
    );
    assert!(server.terminate());
}

/// Seeded parameters: created at start as the account's root user (a SecureString encrypted
/// under `alias/aws/ssm`), readable with the seed's credentials; a bad parameter is refused
/// with its line and field; a development reset removes the parameters created since and
/// brings the seeded ones back at their first version.
#[test]
fn seeded_parameters_are_readable_and_resets_clear_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = bad_seed(dir.path(), "bad-param.yaml", "parameters:\n  - name: /aws/mine\n    value: x\n");
    assert!(err.contains("line 2") && err.contains("parameters[0].name"), "{err}");
    let (_, err) = bad_seed(dir.path(), "bad-type.yaml", "parameters:\n  - name: /a\n    value: x\n    type: Secret\n");
    assert!(err.contains("parameters[0].type"), "{err}");

    let seed = dir.path().join("params.yaml");
    let text = "accounts:\n  - id: \"123456789012\"\naccess_keys:\n  - id: SEEDKEY\n    secret: SEEDSECRET\n    \
                account: \"123456789012\"\nparameters:\n  - name: /app/url\n    value: https://example.test\n  \
                - name: /app/password\n    value: seeded-pw\n    type: SecureString\n    description: from the seed\n";
    std::fs::write(&seed, text).unwrap();
    let server = dev(Some(&seed)).expect("dev server with seeded parameters");
    let params = |args: &[&str]| seed_cli(&server, "params", args);
    let (ok, out, err) = params(&["get", "/app/url"]);
    assert!(ok && out == "https://example.test\n", "{out}{err}");
    let (ok, out, err) = params(&["get", "/app/password", "--with-decryption"]);
    assert!(ok && out == "seeded-pw\n", "{out}{err}");
    let (ok, out, err) = params(&["get", "/app/password"]);
    assert!(ok && !out.contains("seeded-pw"), "without decryption, the ciphertext: {out}{err}");
    let (ok, _, err) = params(&["put", "/app/url", "--value", "changed", "--overwrite"]);
    assert!(ok, "{err}");
    let (ok, _, err) = params(&["put", "/made/later", "--value", "x", "--type", "String"]);
    assert!(ok, "{err}");

    let (status, body) = server.post("/_trent/reset");
    assert_eq!(status, 200, "{body}");
    let (ok, _, err) = params(&["get", "/made/later"]);
    assert!(!ok && err.contains("ParameterNotFound"), "{err}");
    let (ok, out, err) = params(&["get", "/app/url:1"]);
    assert!(ok && out == "https://example.test\n", "the seeded value is back: {out}{err}");
    let (ok, _, _) = params(&["get", "/app/url:2"]);
    assert!(!ok, "the overwritten version is gone");
    assert!(server.terminate());
}

/// The fixture's private key of the seeded key `id`, as the PEM text `openssl` reads.
fn fixture_pem(id: &str) -> String {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let entry = &text[text.find(&format!("- id: {id}")).expect("the key is in the fixture")..];
    let start = entry.find("-----BEGIN PRIVATE KEY-----").expect("a PEM");
    let end = entry.find("-----END PRIVATE KEY-----").expect("the PEM ends") + "-----END PRIVATE KEY-----".len();
    entry[start..end].lines().map(|l| format!("{}\n", l.trim())).collect()
}

/// The checks dev mode waited for: the seed's signing keys sign what `openssl` verifies with
/// the seed's own private key (its public half), and the seeded HMAC key's `GenerateMac` is
/// `openssl mac` over the seed's material.
#[test]
fn seeded_keys_sign_and_mac_as_openssl_computes_with_the_seed_material() {
    use base64::Engine as _;
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = dev(Some(&fixture())).expect("dev server with the fixture");
    let run = |args: &[&str]| server.trent_as("FOOBARKEY", "FOOBARSECRET", "us-east-1", args);
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(d).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let message = "signed in dev mode";
    std::fs::write(d.join("msg"), message).unwrap();
    let cases = [
        ("33333333-4444-5555-6666-777777777777", "RSASSA_PKCS1_V1_5_SHA_256", vec!["-sha256"]),
        (
            "33333333-4444-5555-6666-777777777777",
            "RSASSA_PSS_SHA_512",
            vec!["-sha512", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"],
        ),
        ("44444444-5555-6666-7777-888888888888", "ECDSA_SHA_256", vec!["-sha256"]),
    ];
    for (id, algorithm, dgst) in cases {
        std::fs::write(d.join("key.pem"), fixture_pem(id)).unwrap();
        openssl(&["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
        let (ok, sig, err) = run(&["sign", "--key-id", id, "--message", message, "--signing-algorithm", algorithm]);
        assert!(ok, "{err}");
        let der = base64::engine::general_purpose::STANDARD.decode(sig.trim()).unwrap();
        std::fs::write(d.join("sig"), der).unwrap();
        let mut args = vec!["dgst"];
        args.extend(dgst);
        args.extend(["-verify", "pub.pem", "-signature", "sig", "msg"]);
        let said = String::from_utf8(openssl(&args)).unwrap();
        assert!(said.contains("Verified OK"), "{id} {algorithm}: {said}");
    }
    // The HMAC key's material is hexadecimal in the fixture.
    let text = std::fs::read_to_string(fixture()).unwrap();
    let entry = &text[text.find("- id: 22222222-3333-4444-5555-666666666666").unwrap()..];
    let line = entry.lines().find(|l| l.trim_start().starts_with("material:")).unwrap();
    let material = line.split('"').nth(1).unwrap();
    let (ok, mac, err) = run(&[
        "generate-mac",
        "--key-id",
        "22222222-3333-4444-5555-666666666666",
        "--message",
        message,
        "--mac-algorithm",
        "HMAC_SHA_256",
    ]);
    assert!(ok, "{err}");
    let mac = base64::engine::general_purpose::STANDARD.decode(mac.trim()).unwrap();
    let mac: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    let hexkey = format!("hexkey:{material}");
    let expected = openssl(&["mac", "-digest", "SHA256", "-macopt", &hexkey, "-in", "msg", "HMAC"]);
    assert_eq!(mac, String::from_utf8(expected).unwrap().trim().to_lowercase());
    assert!(server.terminate());
}
