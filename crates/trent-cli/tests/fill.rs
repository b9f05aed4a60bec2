//! `trent admin fill` (the scale benchmark's filler) on a running server, on SQLite and on
//! PostgreSQL (`TRENT_TEST_POSTGRES_URL`, a schema of its own dropped afterwards; skipped
//! loudly without it, a failure under `CI=true`): 1,000 keys, secrets and parameters written in
//! batches of 300 are then listed and served by the server like any others. A filled key
//! encrypts and decrypts, a filled secret's value reads back, filled parameters are read by name
//! and by path, and a batch holding a name that exists fails as a whole.

#[path = "../../trent-store/tests/support/postgres.rs"]
mod postgres;
#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use trent_client::{ClientOptions, JsonClient, RetryPolicy};

use postgres::TestSchema;
use support::{Server, TRENT};

const FILLED: usize = 1_000;

/// Runs `trent admin fill --data-dir DATA [--storage URL] ARGS...`.
fn fill(data: &Path, storage: Option<&str>, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(TRENT);
    cmd.args(["admin", "fill", "--data-dir"]).arg(data).args(args).env_remove("TRENT_STORAGE");
    if let Some(url) = storage {
        cmd.args(["--storage", url]);
    }
    let out = cmd.output().expect("run trent admin fill");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn client(server: &Server, data: &Path, service: &'static str, prefix: &'static str) -> JsonClient {
    let credentials = trent_client::from_file(&data.join("credentials"), "trent").expect("credentials");
    let options = ClientOptions { retry: RetryPolicy::none(), ..Default::default() };
    JsonClient::new(&server.endpoint, credentials, "us-east-1", service, prefix, options).expect("client")
}

async fn call(client: &JsonClient, operation: &str, body: Value) -> Value {
    client.call(operation, &body).await.unwrap_or_else(|e| panic!("{operation}: {e}"))
}

async fn filled_rows_are_served(storage: Option<&str>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut args = vec!["--data-dir", data.to_str().expect("utf-8")];
    if let Some(url) = storage {
        args.extend(["--storage", url]);
    }
    let server = Server::start_with(&args).expect("server starts");
    let n = FILLED.to_string();
    let (ok, out, err) = fill(&data, storage, &["--keys", &n, "--secrets", &n, "--parameters", &n, "--batch", "300"]);
    assert!(ok, "fill failed: {err}");
    for kind in ["keys", "secrets", "parameters"] {
        assert!(out.contains(&format!("with {FILLED} {kind} in ")), "{kind} not reported: {out}");
    }

    let kms = client(&server, &data, "kms", "TrentService.");
    let mut keys = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut body = json!({ "Limit": 1000 });
        if let Some(m) = &marker {
            body["Marker"] = json!(m);
        }
        let page = call(&kms, "ListKeys", body).await;
        keys.extend(page["Keys"].as_array().expect("Keys").iter().map(|k| k["KeyId"].as_str().unwrap().to_owned()));
        match page["NextMarker"].as_str() {
            Some(m) => marker = Some(m.to_owned()),
            None => break,
        }
    }
    // Besides the filled keys: the AWS managed key the filled secrets are encrypted under.
    let aliases = call(&kms, "ListAliases", json!({})).await;
    let managed: Vec<&str> =
        aliases["Aliases"].as_array().expect("Aliases").iter().filter_map(|a| a["TargetKeyId"].as_str()).collect();
    assert_eq!(managed.len(), 1, "aws/secretsmanager only: {aliases}");
    keys.retain(|k| k != managed[0]);
    assert_eq!(keys.len(), FILLED, "every filled key is listed");
    for key in [&keys[0], &keys[FILLED / 2], &keys[FILLED - 1]] {
        let described = call(&kms, "DescribeKey", json!({ "KeyId": key })).await;
        assert_eq!(described["KeyMetadata"]["KeyState"], "Enabled");
        assert_eq!(described["KeyMetadata"]["KeySpec"], "SYMMETRIC_DEFAULT");
        let sealed = call(&kms, "Encrypt", json!({ "KeyId": key, "Plaintext": "ZmlsbGVk" })).await;
        let opened = call(&kms, "Decrypt", json!({ "CiphertextBlob": sealed["CiphertextBlob"] })).await;
        assert_eq!(opened["Plaintext"], "ZmlsbGVk");
        assert_eq!(opened["KeyId"], described["KeyMetadata"]["Arn"]);
    }

    let sm = client(&server, &data, "secretsmanager", "secretsmanager.");
    for i in [0, FILLED / 2, FILLED - 1] {
        let value = call(&sm, "GetSecretValue", json!({ "SecretId": format!("fill/{i}") })).await;
        assert_eq!(value["SecretString"], "trent admin fill");
        assert_eq!(value["VersionStages"], json!(["AWSCURRENT"]));
    }
    let listed = call(&sm, "ListSecrets", json!({ "MaxResults": 100 })).await;
    assert_eq!(listed["SecretList"].as_array().expect("SecretList").len(), 100);

    let ssm = client(&server, &data, "ssm", "AmazonSSM.");
    let got = call(&ssm, "GetParameter", json!({ "Name": "/fill/d07/p507" })).await;
    assert_eq!(got["Parameter"]["Value"], "trent admin fill");
    assert_eq!(got["Parameter"]["Version"], 1);
    let path = call(&ssm, "GetParametersByPath", json!({ "Path": "/fill/d07", "MaxResults": 10 })).await;
    assert_eq!(path["Parameters"].as_array().expect("Parameters").len(), 10, "a hundredth of them in each path");
    // The filled ones are Standard (the first 9,000 are), and a Standard parameter still fits.
    let described = call(
        &ssm,
        "DescribeParameters",
        json!({ "ParameterFilters": [
        { "Key": "Name", "Values": ["/fill/d07/p507"] }] }),
    )
    .await;
    assert_eq!(described["Parameters"][0]["Tier"], "Standard");
    call(&ssm, "PutParameter", json!({ "Name": "/after/fill", "Value": "v", "Type": "String" })).await;

    // A batch holding a name that exists fails as a whole: m/0 to m/8 come before the
    // existing m/9 in the batch, and none of them is left.
    call(&sm, "CreateSecret", json!({ "Name": "m/9", "SecretString": "made by the API" })).await;
    let (ok, _, err) = fill(&data, storage, &["--secrets", "10", "--prefix", "m"]);
    assert!(!ok, "a fill of an existing name must fail");
    assert!(err.contains("filling secrets"), "{err}");
    let absent = sm.call("DescribeSecret", &json!({ "SecretId": "m/0" })).await;
    assert!(absent.is_err(), "m/0 was rolled back with its batch: {absent:?}");
    let (ok, _, err) = fill(&data, storage, &["--keys", "10", "--secrets", "10", "--prefix", "again"]);
    assert!(ok, "a fill under another prefix: {err}");
    let value = call(&sm, "GetSecretValue", json!({ "SecretId": "again/9" })).await;
    assert_eq!(value["SecretString"], "trent admin fill");
    assert!(server.terminate(), "the server stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filled_keys_secrets_and_parameters_are_served_on_sqlite() {
    filled_rows_are_served(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filled_keys_secrets_and_parameters_are_served_on_postgresql() {
    let Some(schema) = TestSchema::new("filled_keys_secrets_and_parameters_are_served").await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    filled_rows_are_served(Some(&url)).await;
}
