//! Failed secret replicas across the three processes, under the `secrets` lease (issue 13): a
//! replica whose region's KMS key is disabled fails, and is tried again when its retry time
//! comes by the one node holding the lease, once per retry time; once the key is enabled again,
//! the next retry brings it in sync, once; and when the holder is `kill -9`ed, one of the
//! others takes the lease and does the next retry that comes due, once.
//!
//! Each attempt is counted three ways: `trent_scheduled_work_total{work="replica_retried"}`
//! (and `replica_recovered` for the attempts that brought a replica in sync) on the node that
//! made it, the replica's `failures` in the database, and the service's own `GenerateDataKey`
//! under the replica's key in the trail (one per attempt, the refused ones with their error).
//!
//! As in the other `leases` tests, the clock moves in the database: a replica's retry time
//! (in the primary's `replicas` and in `replica_retry_at`) goes an hour back, past any backoff.
//! No process reads a primary between its change and its move (its status is read from the
//! database until the end), so none holds a cached copy with the retry time of before (in a
//! real cluster the retry time never moves under a cache: the clock does).

use std::collections::HashMap;

use super::leases::{a_few_more_ticks, done_by, done_once_by, kill_holder, lease_holder};
use super::*;

const PRIMARY: &str = "us-east-1";
const REPLICA: &str = "eu-west-1";
/// An hour in the database's nanoseconds: past the longest wait between two attempts.
const AN_HOUR_NS: i64 = 3_600 * 1_000_000_000;

/// Moves the retry times of the failed replicas of the primaries `names` an hour back, in their
/// `replicas` and in `replica_retry_at`, in one statement.
async fn bring_retries_due(url: &str, schema: &TestSchema, names: &[&str]) {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let sql = format!(
        "UPDATE {}.secrets SET replica_retry_at = replica_retry_at - $1, replicas = ( \
           SELECT jsonb_agg(CASE WHEN jsonb_typeof(r -> 'retry_at') = 'number' \
             THEN jsonb_set(r, '{{retry_at}}', to_jsonb((r ->> 'retry_at')::BIGINT - $1)) ELSE r END ORDER BY i) \
           FROM jsonb_array_elements(replicas::jsonb) WITH ORDINALITY AS e(r, i))::text \
         WHERE name = ANY($2) AND replica_retry_at IS NOT NULL",
        schema.name()
    );
    let moved = sqlx::query(&sql).bind(AN_HOUR_NS).bind(&names).execute(&pool).await.expect("bring due");
    pool.close().await;
    assert_eq!(moved.rows_affected(), names.len() as u64, "every one has a failed replica");
}

/// The status and failure count of the one replica of each primary `names`, from the database.
async fn replicas(url: &str, schema: &TestSchema, names: &[&str]) -> Vec<(String, u64)> {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let sql = format!("SELECT replicas FROM {}.secrets WHERE name = $1 AND region = $2", schema.name());
    let mut found = Vec::with_capacity(names.len());
    for name in names {
        let text: String = sqlx::query_scalar(&sql).bind(name).bind(PRIMARY).fetch_one(&pool).await.expect("read");
        let replicas: Value = serde_json::from_str(&text).expect("replicas are JSON");
        let [replica] = replicas.as_array().expect("an array").as_slice() else { panic!("{name}: {replicas}") };
        let status = replica["status"].as_str().expect("a status").to_owned();
        found.push((status, replica["failures"].as_u64().unwrap_or(0)));
    }
    pool.close().await;
    found
}

/// Polls the database until every replica of `names` is `(status, failures)`.
async fn replicas_become(url: &str, schema: &TestSchema, names: &[&str], status: &str, failures: u64) {
    let started = Instant::now();
    let expected = vec![(status.to_owned(), failures); names.len()];
    loop {
        let now = replicas(url, schema, names).await;
        if now == expected {
            eprintln!(
                "{names:?} {status} after {failures} failures, {:?} after their retry came due",
                started.elapsed()
            );
            return;
        }
        assert!(started.elapsed() < SCHEDULED_WITHIN, "{names:?}: {now:?}, not {expected:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Brings the retries of `names` due one primary at a time, each once the one before is done
/// (its replica `(status, failures)`): one chance per primary for a node without the lease to
/// take the work, were it to ignore the lease.
async fn retried_one_by_one(url: &str, schema: &TestSchema, names: &[&str], status: &str, failures: u64) {
    for name in names {
        bring_retries_due(url, schema, &[name]).await;
        replicas_become(url, schema, &[name], status, failures).await;
    }
}

/// Polls `Encrypt` under `key` on each of `kms` until it answers `code` (`None`: encrypts).
async fn key_seen(kms: &[&JsonClient], key: &str, code: Option<&str>) {
    let body = json!({"KeyId": key, "Plaintext": "eA=="});
    for client in kms {
        let started = Instant::now();
        loop {
            let answer = call(client, "Encrypt", &body).await;
            let seen = match (&answer, code) {
                (Ok(_), None) => true,
                (Err(Some(c)), Some(code)) => c == code,
                _ => false,
            };
            if seen {
                break;
            }
            assert!(started.elapsed() < BOUND, "Encrypt under {key}: {answer:?}, not {code:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The outcome (`None`: done, or the error code) of each `GenerateDataKey` the service made for
/// itself in the replicas' region, by the replica's ARN, oldest first.
async fn service_data_keys(trail: &JsonClient) -> HashMap<String, Vec<Option<String>>> {
    let lookup = [("EventName", "GenerateDataKey")];
    let attributes: Vec<Value> = lookup.iter().map(|(k, v)| json!({"AttributeKey": k, "AttributeValue": v})).collect();
    let page = call(trail, "LookupEvents", &json!({"LookupAttributes": attributes, "MaxResults": 50})).await;
    let page = page.expect("LookupEvents");
    assert!(page.get("NextToken").is_none(), "one page holds them all");
    let mut seen: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for event in page["Events"].as_array().expect("Events").iter().rev() {
        let record: Value = serde_json::from_str(event["CloudTrailEvent"].as_str().expect("a record")).expect("JSON");
        if record["userIdentity"]["type"] != "AWSService" {
            continue;
        }
        assert_eq!(record["awsRegion"], REPLICA, "{record}");
        let arn = record["requestParameters"]["encryptionContext"]["SecretARN"].as_str().expect("the replica's ARN");
        seen.entry(arn.to_owned()).or_default().push(record["errorCode"].as_str().map(str::to_owned));
    }
    seen
}

/// Asserts that `trail` shows, for each of `replicas`, the service's attempts `attempts`.
async fn attempts_recorded(trail: &JsonClient, replicas: &[String], attempts: &[Option<&str>]) {
    let recorded = service_data_keys(trail).await;
    let expected: Vec<Option<String>> = attempts.iter().map(|a| a.map(str::to_owned)).collect();
    for arn in replicas {
        assert_eq!(recorded.get(arn), Some(&expected), "{arn}: {recorded:?}");
    }
}

/// Asserts that each of `sm` (in the primaries' region) shows the replica of each of `names`
/// `InSync`, and each of `sm_west` reads `value` in it.
async fn in_sync_everywhere(sm: &[&JsonClient], sm_west: &[&JsonClient], names: &[&str], value: &str) {
    for name in names {
        for client in sm {
            let described = call(client, "DescribeSecret", &json!({"SecretId": name})).await.expect("described");
            assert_eq!(described["ReplicationStatus"][0]["Status"], "InSync", "{name}: {described}");
        }
        for client in sm_west {
            let read = call(client, "GetSecretValue", &json!({"SecretId": name})).await.expect("the replica reads");
            assert_eq!(read["SecretString"], value, "{name}");
        }
    }
}

/// After a few more ticks, asserts that `holder` still holds the `secrets` lease and that all
/// of `nodes` together retried `tried` failed replicas and recovered `recovered` so far, every
/// one of them on `holder`; answers each node's counts.
async fn done_by_holder(nodes: &[&Node], holder: usize, tried: f64, recovered: f64) -> (Vec<f64>, Vec<f64>) {
    a_few_more_ticks().await;
    let (by_tried, by_recovered) = (done_by(nodes, "replica_retried"), done_by(nodes, "replica_recovered"));
    eprintln!("failed replicas retried by process: {by_tried:?}; recovered: {by_recovered:?}; lease: {holder}");
    assert_eq!(lease_holder(nodes, "secrets").await.0, holder, "the lease stayed where it was");
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    assert_eq!((sum(&by_tried), sum(&by_recovered)), (tried, recovered), "each once: {by_tried:?} {by_recovered:?}");
    assert_eq!((by_tried[holder], by_recovered[holder]), (tried, recovered), "all by the holder");
    (by_tried, by_recovered)
}

/// The clients of `clients` but the one of node `holder`.
fn but(clients: &[JsonClient], holder: usize) -> Vec<&JsonClient> {
    clients.iter().enumerate().filter(|(i, _)| *i != holder).map(|(_, c)| c).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_failed_replicas_are_retried_once_and_move_on_when_the_holder_is_killed() {
    let test = "leases_failed_replicas_are_retried_once_and_move_on_when_the_holder_is_killed";
    let regions = format!("{PRIMARY},{REPLICA}");
    let Some((schema, url, mut nodes)) = three_nodes_with(test, &["--region", &regions]).await else { return };
    let credentials = nodes[0].dir.path().join("credentials");
    let on = |n: &Node, region, service, prefix| {
        client_in(region, &n.server.endpoint, &credentials, "trent", service, prefix)
    };
    let clients: Vec<JsonClient> = nodes.iter().map(|n| on(n, PRIMARY, "secretsmanager", "secretsmanager.")).collect();
    let west: Vec<JsonClient> = nodes.iter().map(|n| on(n, REPLICA, "secretsmanager", "secretsmanager.")).collect();
    let kms: Vec<JsonClient> = nodes.iter().map(|n| on(n, REPLICA, "kms", "TrentService.")).collect();
    let trails: Vec<JsonClient> = nodes.iter().map(|n| on(n, REPLICA, "cloudtrail", "CloudTrail_20131101.")).collect();
    let (sm, sm_west, kms): (Vec<&JsonClient>, Vec<&JsonClient>, Vec<&JsonClient>) =
        (clients.iter().collect(), west.iter().collect(), kms.iter().collect());

    // Four primaries in sync with a replica under a key of the replica's region; the key is
    // disabled, and their next value fails to reach the replicas.
    let created = spread(&kms, 0, "CreateKey", &json!({})).await;
    let key = created["KeyMetadata"]["KeyId"].as_str().expect("KeyId").to_owned();
    let retried = ["leases/retried/0", "leases/retried/1", "leases/retried/2"];
    let mut names = retried.to_vec();
    names.push("leases/after-kill");
    let mut replica_arns = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let replica = json!([{"Region": REPLICA, "KmsKeyId": key}]);
        let body = json!({"Name": name, "SecretString": "one", "AddReplicaRegions": replica});
        let out = spread(&sm, i, "CreateSecret", &body).await;
        assert_eq!(out["ReplicationStatus"][0]["Status"], "InSync", "{out}");
        replica_arns.push(out["ARN"].as_str().expect("ARN").replace(PRIMARY, REPLICA));
    }
    spread(&kms, 1, "DisableKey", &json!({"KeyId": key})).await;
    key_seen(&kms, &key, Some("DisabledException")).await;
    for (i, name) in names.iter().enumerate() {
        spread(&sm, i + 1, "PutSecretValue", &json!({"SecretId": name, "SecretString": "two"})).await;
    }
    assert_eq!(replicas(&url, &schema, &names).await, vec![("Failed".to_owned(), 1); 4]);
    let all: Vec<&Node> = nodes.iter().collect();
    let (holder, _) = lease_holder(&all, "secrets").await;

    // Their retries come due with the key still disabled: each fails again, once, on the holder.
    retried_one_by_one(&url, &schema, &names, "Failed", 2).await;
    done_by_holder(&all, holder, 4.0, 0.0).await;
    assert_eq!(replicas(&url, &schema, &names).await, vec![("Failed".to_owned(), 2); 4], "not tried again");

    // The key is enabled again; three of the retries come due and bring their replicas in sync.
    spread(&kms, 2, "EnableKey", &json!({"KeyId": key})).await;
    key_seen(&kms, &key, None).await;
    retried_one_by_one(&url, &schema, &retried, "InSync", 0).await;
    let (tried, recovered) = done_by_holder(&all, holder, 7.0, 3.0).await;
    assert_eq!(replicas(&url, &schema, &names[3..]).await, [("Failed".to_owned(), 2)], "not due yet");
    let (refused, done) = (Some("DisabledException"), None);
    attempts_recorded(&trails[0], &replica_arns[..3], &[refused, done]).await;
    attempts_recorded(&trails[0], &replica_arns[3..], &[refused]).await;
    in_sync_everywhere(&sm, &sm_west, &retried, "two").await;

    // The holder dies; one of the others takes the lease and does the next retry due, once.
    drop(all);
    let (survivors, taker) = kill_holder(&mut nodes, holder, "secrets").await;
    retried_one_by_one(&url, &schema, &names[3..], "InSync", 0).await;
    done_once_by(&survivors, taker, "secrets", "replica_recovered", &recovered, holder).await;
    let tried_after = done_by(&survivors, "replica_retried");
    let tried_before: Vec<f64> = (0..3).filter(|&i| i != holder).map(|i| tried[i]).collect();
    assert_eq!(tried_after.iter().sum::<f64>() - tried_before.iter().sum::<f64>(), 1.0, "{tried_after:?}");
    let survivor_trail = &trails[(holder + 1) % 3];
    attempts_recorded(survivor_trail, &replica_arns, &[refused, done]).await;
    in_sync_everywhere(&but(&clients, holder), &but(&west, holder), &names, "two").await;
    audit_verifies(&url);
}
