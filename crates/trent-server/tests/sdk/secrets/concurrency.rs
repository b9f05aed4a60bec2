//! Many writers of one secret at once, on SQLite and on PostgreSQL: every call succeeds or gets
//! the AWS error AWS gives for it, none answers a 5xx, and afterwards the versions and labels
//! are those of writes made one after the other (one `AWSCURRENT`, `AWSPREVIOUS` on another
//! of the new versions, every version kept, the tags and description of every writer).

use std::collections::BTreeSet;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use tokio::task::JoinSet;
use trent_server::{RawConfig, StorageSetting};

use crate::common::TestServer;
use crate::support::TestSchema;

/// Concurrent `PutSecretValue` calls on one secret.
const PUTS: usize = 32;
/// Concurrent metadata writers (`TagResource`, `UpdateSecret` description) among them.
const METADATA_WRITERS: usize = 4;

/// The `ClientRequestToken` (and so the version id) of put `i`.
fn token(i: usize) -> String {
    format!("{i:08}-0000-4000-8000-000000000000")
}

/// What a failed call answered: its HTTP status and AWS error code.
fn failure<E: ProvideErrorMetadata>(
    e: &aws_sdk_secretsmanager::error::SdkError<E, aws_sdk_secretsmanager::config::http::HttpResponse>,
) -> (u16, String) {
    let status = e.raw_response().map_or(0, |r| r.status().as_u16());
    (status, e.code().unwrap_or("<no code>").to_owned())
}

type Outcome = Result<(), (u16, String)>;

async fn many_writers_of_one_secret(sm: &Client) {
    let id = "busy/app";
    sm.create_secret().name(id).secret_string("initial").send().await.expect("create");

    let mut calls: JoinSet<(String, Outcome)> = JoinSet::new();
    for i in 0..PUTS {
        let sm = sm.clone();
        calls.spawn(async move {
            let put = sm.put_secret_value().secret_id(id).secret_string(format!("value-{i}"));
            let done = put.client_request_token(token(i)).send().await;
            (format!("put {i}"), done.map(drop).map_err(|e| failure(&e)))
        });
    }
    for i in 0..METADATA_WRITERS {
        let tagger = sm.clone();
        calls.spawn(async move {
            let tag = aws_sdk_secretsmanager::types::Tag::builder().key(format!("k{i}")).value("v").build();
            let done = tagger.tag_resource().secret_id(id).tags(tag).send().await;
            (format!("tag {i}"), done.map(drop).map_err(|e| failure(&e)))
        });
        let describer = sm.clone();
        calls.spawn(async move {
            let done = describer.update_secret().secret_id(id).description(format!("described by {i}")).send().await;
            (format!("describe {i}"), done.map(drop).map_err(|e| failure(&e)))
        });
    }
    let mut failed = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let (what, outcome) = joined.expect("the call's task");
        if let Err(answer) = outcome {
            failed.push((what, answer));
        }
    }
    assert!(failed.is_empty(), "every writer succeeds, none answers 500: {failed:?}");

    let listed = sm.list_secret_version_ids().secret_id(id).include_deprecated(true).max_results(100).send().await;
    let listed = listed.expect("list versions");
    let versions = listed.versions();
    assert_eq!(versions.len(), PUTS + 1, "every put made a version, none was lost or pruned");
    let with = |label: &str| -> Vec<String> {
        versions
            .iter()
            .filter(|v| v.version_stages().iter().any(|s| s == label))
            .map(|v| v.version_id().unwrap_or_default().to_owned())
            .collect()
    };
    let (current, previous) = (with("AWSCURRENT"), with("AWSPREVIOUS"));
    assert_eq!(current.len(), 1, "exactly one AWSCURRENT: {current:?}");
    assert_eq!(previous.len(), 1, "exactly one AWSPREVIOUS: {previous:?}");
    let puts: BTreeSet<String> = (0..PUTS).map(token).collect();
    assert!(puts.contains(&current[0]) && puts.contains(&previous[0]), "{current:?} {previous:?}");
    assert_ne!(current, previous);
    assert!(with("AWSPENDING").is_empty());

    // The labels name the values written under those tokens.
    for (label, version) in [("AWSCURRENT", &current[0]), ("AWSPREVIOUS", &previous[0])] {
        let got = sm.get_secret_value().secret_id(id).version_stage(label).send().await.expect(label);
        let i: usize = version[..8].parse().expect("a put's token");
        assert_eq!(got.secret_string(), Some(format!("value-{i}").as_str()), "{label}");
        assert_eq!(got.version_id(), Some(version.as_str()));
    }
    let described = sm.describe_secret().secret_id(id).send().await.expect("describe");
    assert_eq!(described.tags().len(), METADATA_WRITERS, "every TagResource kept: {:?}", described.tags());
    let description = described.description().unwrap_or_default();
    assert!(description.starts_with("described by "), "{description:?}");

    // Many moves of one custom label at once, each to another version and none naming where
    // it is: the first wins and the others get AWS's answer for a label attached elsewhere.
    let mut moves: JoinSet<Outcome> = JoinSet::new();
    for i in 0..8 {
        let sm = sm.clone();
        moves.spawn(async move {
            let stage = sm.update_secret_version_stage().secret_id(id).version_stage("Blue");
            stage.move_to_version_id(token(i)).send().await.map(drop).map_err(|e| failure(&e))
        });
    }
    let (mut won, mut refused) = (0, Vec::new());
    while let Some(joined) = moves.join_next().await {
        match joined.expect("the move's task") {
            Ok(()) => won += 1,
            Err(answer) => refused.push(answer),
        }
    }
    assert_eq!(won, 1, "one move wins: {refused:?}");
    assert!(refused.iter().all(|(status, code)| *status == 400 && code == "InvalidParameterException"), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_concurrent_writers_of_one_secret_all_succeed_on_sqlite() {
    let server = TestServer::start().await;
    many_writers_of_one_secret(&server.secrets()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_concurrent_writers_of_one_secret_all_succeed_on_postgres() {
    let Some(schema) = TestSchema::new("secrets_concurrent_writers").await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    let raw = RawConfig { storage: Some(StorageSetting::new(url)), ..RawConfig::default() };
    let server = TestServer::start_with(raw).await;
    many_writers_of_one_secret(&server.secrets()).await;
}
