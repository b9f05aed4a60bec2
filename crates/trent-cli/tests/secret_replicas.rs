//! The AWS CLI against a multi-Region secret on a server hosting two regions:
//! `create-secret --add-replica-regions`, `put-secret-value` on the primary, the new value read
//! with `get-secret-value` in the replica's region, the replica refusing writes, and
//! `stop-replication-to-replica` promoting it to a standalone secret.

use std::process::Command;

mod support;

use support::Server;

const PRIMARY: &str = "us-east-1";
const REPLICA: &str = "eu-west-1";

#[test]
fn aws_cli_secret_replica_tour() {
    let has_aws = Command::new("aws").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !has_aws {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but `aws` is not installed");
        eprintln!("SKIPPED aws_cli_secret_replica_tour: `aws` is not installed (run .ci/run)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let regions = format!("{PRIMARY},{REPLICA}");
    let server = Server::start_with(&["--data-dir", data.to_str().unwrap(), "--region", &regions]).expect("starts");
    let aws = |region: &str, args: &[&str]| {
        let mut cmd = Command::new("aws");
        cmd.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("HOME", dir.path());
        for (k, v) in &server.exports {
            cmd.env(k, v);
        }
        cmd.env("AWS_DEFAULT_REGION", region).env("AWS_REGION", region);
        let out = cmd.output().expect("run aws");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = |region: &str, args: &[&str]| {
        let (ok, out, err) = aws(region, args);
        assert!(ok, "aws {args:?} in {region}: {err}");
        out
    };
    let text = |query: &str| ["--query", query, "--output", "text"].map(str::to_owned);
    let run = |region: &str, args: &[&str], query: &str| {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.extend(text(query));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        ok(region, &all)
    };

    let replica_arg = format!("Region={REPLICA}");
    let create = ["secretsmanager", "create-secret", "--name", "tour/db", "--secret-string", "v1"];
    let status = run(
        PRIMARY,
        &[&create[..], &["--add-replica-regions", &replica_arg]].concat(),
        "ReplicationStatus[0].[Region,Status]",
    );
    assert_eq!(status.split_whitespace().collect::<Vec<_>>(), [REPLICA, "InSync"], "{status}");
    let arn = run(PRIMARY, &["secretsmanager", "describe-secret", "--secret-id", "tour/db"], "ARN");
    let replica_arn = arn.replace(PRIMARY, REPLICA);
    let value = |region: &str, id: &str| {
        run(region, &["secretsmanager", "get-secret-value", "--secret-id", id], "SecretString")
    };
    assert_eq!(value(REPLICA, "tour/db"), "v1");

    // The primary changes; the replica, read in its own region, follows.
    ok(PRIMARY, &["secretsmanager", "put-secret-value", "--secret-id", "tour/db", "--secret-string", "v2"]);
    assert_eq!(value(REPLICA, "tour/db"), "v2");
    assert_eq!(value(REPLICA, &replica_arn), "v2");
    let describe = ["secretsmanager", "describe-secret", "--secret-id", "tour/db"];
    assert_eq!(run(REPLICA, &describe, "PrimaryRegion"), PRIMARY);
    assert_eq!(run(PRIMARY, &describe, "ReplicationStatus[0].Status"), "InSync");

    // Read-only in its region.
    let put_west = ["secretsmanager", "put-secret-value", "--secret-id", "tour/db", "--secret-string", "west"];
    let (written, _, err) = aws(REPLICA, &put_west);
    assert!(!written && err.contains("InvalidRequestException"), "{err}");

    // Promoted: a standalone secret of its region, which the primary no longer updates.
    let promoted = run(REPLICA, &["secretsmanager", "stop-replication-to-replica", "--secret-id", "tour/db"], "ARN");
    assert_eq!(promoted, replica_arn);
    assert_eq!(run(REPLICA, &describe, "PrimaryRegion"), "None");
    assert_eq!(run(PRIMARY, &describe, "length(ReplicationStatus || `[]`)"), "0");
    ok(REPLICA, &put_west);
    ok(PRIMARY, &["secretsmanager", "put-secret-value", "--secret-id", "tour/db", "--secret-string", "v3"]);
    assert_eq!(value(REPLICA, "tour/db"), "west");
    assert_eq!(value(PRIMARY, "tour/db"), "v3");
    assert!(server.terminate());
}
