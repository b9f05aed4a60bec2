//! The `params` and `secrets` scheduler leases across the three processes (issue 13): policies
//! of parameters that come due are applied once, by the holder of the `params` lease; secrets
//! whose recovery window ends are purged once, by the holder of the `secrets` lease; and when
//! the holder is `kill -9`ed, one of the two others takes the lease on its next tick and does
//! the next item that comes due, once.
//!
//! As in the KMS test, the clock moves in the database: an item's due instants go 8 days back
//! (a parameter's last change, the `Expiration` timestamp in its policy text and its
//! `policies_due`; a secret's `deletion_date`). No process reads an item before it is moved,
//! so none holds a cached copy with the instants of before (in a real cluster the instants
//! never move under a cache: the clock does).

use std::collections::HashMap;

use super::*;

/// How long a lease may take to reach a survivor of its holder's `kill -9`: the kill ends the
/// holder's database session at once, and the others try the lease on every tick (a second).
const TAKEOVER_WITHIN: Duration = Duration::from_secs(15);
/// Eight days in the database's nanoseconds: past any 7-day window.
const EIGHT_DAYS_NS: i64 = 8 * 86_400 * 1_000_000_000;

/// The one process of `nodes` holding `job`'s lease, once exactly one does, and how long it
/// took to be so.
pub(super) async fn lease_holder(nodes: &[&Node], job: &str) -> (usize, Duration) {
    let started = Instant::now();
    let series = format!("trent_lease_held{{job=\"{job}\"}}");
    loop {
        let held: Vec<usize> = (0..nodes.len()).filter(|&i| metric(&nodes[i].server, &series) == 1.0).collect();
        if let [one] = held[..] {
            return (one, started.elapsed());
        }
        assert!(started.elapsed() < TAKEOVER_WITHIN, "{job}: held by {held:?} after {TAKEOVER_WITHIN:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A few more scheduler ticks on every process, so that work done twice has the time to show.
pub(super) async fn a_few_more_ticks() {
    tokio::time::sleep(Duration::from_secs(3)).await;
}

/// `trent_scheduled_work_total{work}` of each of `nodes`.
pub(super) fn done_by(nodes: &[&Node], work: &str) -> Vec<f64> {
    let series = format!("trent_scheduled_work_total{{work=\"{work}\"}}");
    nodes.iter().map(|n| metric(&n.server, &series)).collect()
}

/// Sends SIGKILL to the process of `nodes[holder]`, holder of `job`'s lease, and reaps it;
/// answers the others and which of them took the lease.
pub(super) async fn kill_holder<'n>(nodes: &'n mut [Node], holder: usize, job: &str) -> (Vec<&'n Node>, usize) {
    nodes[holder].server.child.kill().expect("SIGKILL the lease holder");
    nodes[holder].server.child.wait().expect("reap");
    let survivors: Vec<&Node> = nodes.iter().enumerate().filter(|(i, _)| *i != holder).map(|(_, n)| n).collect();
    let (taker, took) = lease_holder(&survivors, job).await;
    eprintln!("the {job} lease was taken {took:?} after its holder's kill -9");
    (survivors, taker)
}

/// Asserts that since the kill of `holder` (when each process had done `before` of `work`),
/// the survivors did `work` once, all by `taker`, which still holds `job`'s lease.
pub(super) async fn done_once_by(
    survivors: &[&Node],
    taker: usize,
    job: &str,
    work: &str,
    before: &[f64],
    holder: usize,
) {
    a_few_more_ticks().await;
    let before = before.iter().enumerate().filter(|(i, _)| *i != holder).map(|(_, v)| *v);
    let by_survivors: Vec<f64> = done_by(survivors, work).iter().zip(before).map(|(after, b)| after - b).collect();
    eprintln!("{work} after the kill, by the survivors: {by_survivors:?}; the lease's taker: {taker}");
    assert_eq!(lease_holder(survivors, job).await.0, taker, "the lease stayed with the taker");
    assert_eq!(by_survivors[taker], 1.0, "the new holder did it");
    assert_eq!(by_survivors.iter().sum::<f64>(), 1.0, "once: {by_survivors:?}");
}

/// `at` as an ISO instant to the second (`2026-12-13T20:00:00Z`), as a policy's `Timestamp`.
fn instant(at: time::OffsetDateTime) -> String {
    let (y, m, d) = (at.year(), u8::from(at.month()), at.day());
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", at.hour(), at.minute(), at.second())
}

const NO_CHANGE_1_HOUR: &str =
    r#"{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Hours"}}"#;

/// The types of [`three_policies`].
const THREE_POLICIES: [&str; 3] = ["Expiration", "ExpirationNotification", "NoChangeNotification"];

/// An `Expiration` at `at`, its notification a day before, and a `NoChangeNotification`.
fn three_policies(at: &str) -> String {
    let expiration = format!(r#"{{"Type":"Expiration","Version":"1.0","Attributes":{{"Timestamp":"{at}"}}}}"#);
    let notification = r#"{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"1","Unit":"Days"}}"#;
    format!("[{expiration},{notification},{NO_CHANGE_1_HOUR}]")
}

/// Puts the Advanced parameter `name` with `policies` through one of `ssm`.
async fn put_with_policies(ssm: &[&JsonClient], start: usize, name: &str, policies: &str) {
    let body = json!({"Name": name, "Value": "v", "Type": "String", "Tier": "Advanced", "Policies": policies});
    spread(ssm, start, "PutParameter", &body).await;
}

/// Moves the parameters `names` 8 days back: their last change, their `policies_due`, and the
/// `Expiration` timestamp `expiration` in their policies' text. One transaction, so that the
/// holder's tick sees all of it or none.
async fn bring_parameters_due(url: &str, schema: &TestSchema, names: &[&str], expiration: &str) {
    let at = time::OffsetDateTime::parse(expiration, &time::format_description::well_known::Rfc3339);
    let moved = instant(at.expect("a timestamp") - time::Duration::days(8));
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let s = schema.name();
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let mut tx = pool.begin().await.expect("begin");
    let versions = sqlx::query(&format!(
        "UPDATE {s}.ssm_parameter_versions SET modified_at = modified_at - $1, policies = replace(policies, $2, $3) \
         WHERE name = ANY($4)"
    ))
    .bind(EIGHT_DAYS_NS)
    .bind(expiration)
    .bind(&moved)
    .bind(&names)
    .execute(&mut *tx)
    .await
    .expect("move the versions back");
    let due = sqlx::query(&format!(
        "UPDATE {s}.ssm_parameters SET policies_due = policies_due - $1 WHERE name = ANY($2) AND policies_due IS NOT NULL"
    ))
    .bind(EIGHT_DAYS_NS)
    .bind(&names)
    .execute(&mut *tx)
    .await
    .expect("move policies_due back");
    tx.commit().await.expect("commit");
    pool.close().await;
    assert_eq!((versions.rows_affected(), due.rows_affected()), (names.len() as u64, names.len() as u64));
}

/// How many times the outbox holds each `(detail-type, parameter, policy type or operation)`.
async fn outbox(url: &str, schema: &TestSchema) -> HashMap<(String, String, String), usize> {
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let sql = format!("SELECT detail_type, detail FROM {}.event_outbox ORDER BY seq", schema.name());
    let rows: Vec<(String, String)> = sqlx::query_as(&sql).fetch_all(&pool).await.expect("read the outbox");
    pool.close().await;
    let mut seen = HashMap::new();
    for (kind, detail) in rows {
        let d: Value = serde_json::from_str(&detail).expect("an event's detail is JSON");
        let name = d["parameter-name"].as_str().or(d["name"].as_str()).unwrap_or_default().to_owned();
        let what = d["policy-type"].as_str().or(d["operation"].as_str()).unwrap_or_default().to_owned();
        *seen.entry((kind, name, what)).or_insert(0) += 1;
    }
    seen
}

/// Asserts that the outbox has each of `parameter`'s `actions` once, and its deletion once if
/// `deleted`.
fn applied_once(outbox: &HashMap<(String, String, String), usize>, parameter: &str, actions: &[&str], deleted: bool) {
    let count = |kind: &str, what: &str| outbox.get(&(kind.to_owned(), parameter.to_owned(), what.to_owned()));
    for action in actions {
        assert_eq!(count("Parameter Store Policy Action", action), Some(&1), "{parameter}'s {action} once: {outbox:?}");
    }
    assert_eq!(count("Parameter Store Change", "Delete"), deleted.then_some(&1), "{parameter}: {outbox:?}");
}

/// Polls `operation` with `body` on each of `clients` until it is refused with `code` (the
/// item is gone).
async fn gone(clients: &[&JsonClient], operation: &str, body: &Value, code: &str, started: Instant) {
    for client in clients {
        loop {
            match call(client, operation, body).await {
                Err(Some(c)) if c == code => break,
                other => assert!(started.elapsed() < SCHEDULED_WITHIN, "{body} still there: {other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Polls until `name` is `ParameterNotFound` on each of `ssm`.
async fn parameter_gone(ssm: &[&JsonClient], name: &str, started: Instant) {
    gone(ssm, "GetParameter", &json!({"Name": name}), "ParameterNotFound", started).await;
}

/// The status of each of `name`'s policies, as `DescribeParameters` on `ssm` shows them.
async fn policy_statuses(ssm: &JsonClient, name: &str) -> Vec<String> {
    let body = json!({"ParameterFilters": [{"Key": "Name", "Values": [name]}]});
    let described = call(ssm, "DescribeParameters", &body).await.expect("DescribeParameters");
    let policies = described["Parameters"][0]["Policies"].as_array().cloned().unwrap_or_default();
    policies.iter().map(|p| p["PolicyStatus"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_parameter_policies_apply_once_and_move_on_when_the_holder_is_killed() {
    let test = "leases_parameter_policies_apply_once_and_move_on_when_the_holder_is_killed";
    let Some((schema, url, mut nodes)) = three_nodes(test).await else { return };
    let credentials = nodes[0].dir.path().join("credentials");
    let clients: Vec<JsonClient> =
        nodes.iter().map(|n| client(&n.server.endpoint, &credentials, "trent", "ssm", "AmazonSSM.")).collect();
    let ssm: Vec<&JsonClient> = clients.iter().collect();
    let expiring = ["/leases/expiring/0", "/leases/expiring/1", "/leases/expiring/2"];
    let expires = instant(time::OffsetDateTime::now_utc() + time::Duration::days(7));
    for (i, name) in expiring.iter().enumerate() {
        put_with_policies(&ssm, i, name, &three_policies(&expires)).await;
    }
    put_with_policies(&ssm, 0, "/leases/unchanged", &format!("[{NO_CHANGE_1_HOUR}]")).await;
    // Due after the kill, put before it.
    put_with_policies(&ssm, 1, "/leases/after-kill", &three_policies(&expires)).await;
    let (holder, _) = lease_holder(&nodes.iter().collect::<Vec<_>>(), "params").await;

    // Three expirations (each with both notifications) and one notification on its own.
    let mut due = expiring.to_vec();
    due.push("/leases/unchanged");
    bring_parameters_due(&url, &schema, &due, &expires).await;
    let started = Instant::now();
    for name in expiring {
        parameter_gone(&ssm, name, started).await;
    }
    while policy_statuses(ssm[0], "/leases/unchanged").await != ["Finished"] {
        assert!(started.elapsed() < SCHEDULED_WITHIN, "the NoChangeNotification never fired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("three parameters expired and one notified across the processes in {:?}", started.elapsed());
    let all: Vec<&Node> = nodes.iter().collect();
    a_few_more_ticks().await;
    let (expired, notified) = (done_by(&all, "parameter_expired"), done_by(&all, "parameter_notified"));
    eprintln!("parameters expired by process: {expired:?}; notified: {notified:?}; params lease: {holder}");
    assert_eq!(lease_holder(&all, "params").await.0, holder, "the lease stayed where it was");
    assert_eq!(expired.iter().sum::<f64>(), 3.0, "each parameter expired exactly once: {expired:?}");
    assert_eq!(notified.iter().sum::<f64>(), 1.0, "the notification sent exactly once: {notified:?}");
    assert_eq!((expired[holder], notified[holder]), (3.0, 1.0), "the holder did the work");
    for client in &ssm {
        assert_eq!(policy_statuses(client, "/leases/unchanged").await, ["Finished"]);
    }
    let events = outbox(&url, &schema).await;
    for name in expiring {
        applied_once(&events, name, &THREE_POLICIES, true);
    }
    applied_once(&events, "/leases/unchanged", &["NoChangeNotification"], false);
    applied_once(&events, "/leases/after-kill", &[], false);

    // The holder dies; one of the others takes the lease and applies the next due policies.
    drop(all);
    let (survivors, taker) = kill_holder(&mut nodes, holder, "params").await;
    let ssm: Vec<&JsonClient> = (0..3).filter(|&i| i != holder).map(|i| &clients[i]).collect();
    bring_parameters_due(&url, &schema, &["/leases/after-kill"], &expires).await;
    parameter_gone(&ssm, "/leases/after-kill", Instant::now()).await;
    done_once_by(&survivors, taker, "params", "parameter_expired", &expired, holder).await;
    let events = outbox(&url, &schema).await;
    applied_once(&events, "/leases/after-kill", &THREE_POLICIES, true);
    audit_verifies(&url);
}

/// Creates the secret `name` through one of `sm` and deletes it with a 7-day recovery window;
/// answers its ARN.
async fn secret_deleted_in_7_days(sm: &[&JsonClient], start: usize, name: &str) -> String {
    let created = spread(sm, start, "CreateSecret", &json!({"Name": name, "SecretString": "s"})).await;
    spread(sm, start + 1, "DeleteSecret", &json!({"SecretId": name, "RecoveryWindowInDays": 7})).await;
    created["ARN"].as_str().expect("ARN").to_owned()
}

/// Moves the deletion dates of the secrets `names` 8 days back.
async fn bring_deletions_due(url: &str, schema: &TestSchema, names: &[&str]) {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let pool = sqlx::PgPool::connect(url).await.expect("connect");
    let sql = format!("UPDATE {}.secrets SET deletion_date = deletion_date - $1 WHERE name = ANY($2)", schema.name());
    let moved = sqlx::query(&sql).bind(EIGHT_DAYS_NS).bind(&names).execute(&pool).await.expect("bring due");
    pool.close().await;
    assert_eq!(moved.rows_affected(), names.len() as u64);
}

/// Polls until the secret `name` is `ResourceNotFoundException` on each of `sm`.
async fn secret_gone(sm: &[&JsonClient], name: &str, started: Instant) {
    gone(sm, "DescribeSecret", &json!({"SecretId": name}), "ResourceNotFoundException", started).await;
}

/// How many `EndSecretVersionDelete` records the trail holds for each secret ARN.
async fn purge_records(trail: &JsonClient) -> HashMap<String, usize> {
    let body = json!({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "EndSecretVersionDelete"}]});
    let page = call(trail, "LookupEvents", &body).await.expect("LookupEvents");
    let mut seen = HashMap::new();
    for event in page["Events"].as_array().expect("Events") {
        for resource in event["Resources"].as_array().expect("Resources") {
            *seen.entry(resource["ResourceName"].as_str().expect("ResourceName").to_owned()).or_insert(0) += 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_secrets_past_their_window_are_purged_once_and_move_on_when_the_holder_is_killed() {
    let test = "leases_secrets_past_their_window_are_purged_once_and_move_on_when_the_holder_is_killed";
    let Some((schema, url, mut nodes)) = three_nodes(test).await else { return };
    let credentials = nodes[0].dir.path().join("credentials");
    let on = |n: &Node, service, prefix| client(&n.server.endpoint, &credentials, "trent", service, prefix);
    let clients: Vec<JsonClient> = nodes.iter().map(|n| on(n, "secretsmanager", "secretsmanager.")).collect();
    let trails: Vec<JsonClient> = nodes.iter().map(|n| on(n, "cloudtrail", "CloudTrail_20131101.")).collect();
    let sm: Vec<&JsonClient> = clients.iter().collect();
    let purged = ["leases/purged/0", "leases/purged/1", "leases/purged/2"];
    let mut arns = Vec::new();
    for (i, name) in purged.iter().enumerate() {
        arns.push(secret_deleted_in_7_days(&sm, i, name).await);
    }
    // Due after the kill, deleted before it.
    let after_kill = secret_deleted_in_7_days(&sm, 2, "leases/after-kill").await;
    let (holder, _) = lease_holder(&nodes.iter().collect::<Vec<_>>(), "secrets").await;

    bring_deletions_due(&url, &schema, &purged).await;
    let started = Instant::now();
    for name in purged {
        secret_gone(&sm, name, started).await;
    }
    eprintln!("three secrets purged across the processes in {:?}", started.elapsed());
    let all: Vec<&Node> = nodes.iter().collect();
    a_few_more_ticks().await;
    let done = done_by(&all, "secret_purged");
    eprintln!("secrets purged by process: {done:?}; secrets lease: {holder}");
    assert_eq!(lease_holder(&all, "secrets").await.0, holder, "the lease stayed where it was");
    assert_eq!(done.iter().sum::<f64>(), 3.0, "each secret purged exactly once: {done:?}");
    assert_eq!(done[holder], 3.0, "the holder did the work");
    let records = purge_records(&trails[0]).await;
    for arn in &arns {
        assert_eq!(records.get(arn), Some(&1), "one purge record of {arn}: {records:?}");
    }
    assert_eq!(records.get(&after_kill), None, "{records:?}");
    let described = call(sm[0], "DescribeSecret", &json!({"SecretId": "leases/after-kill"})).await;
    assert!(described.expect("still there")["DeletedDate"].is_number(), "still scheduled for deletion");

    // The holder dies; one of the others takes the lease and purges the next secret due.
    drop(all);
    let (survivors, taker) = kill_holder(&mut nodes, holder, "secrets").await;
    let sm: Vec<&JsonClient> = (0..3).filter(|&i| i != holder).map(|i| &clients[i]).collect();
    bring_deletions_due(&url, &schema, &["leases/after-kill"]).await;
    secret_gone(&sm, "leases/after-kill", Instant::now()).await;
    done_once_by(&survivors, taker, "secrets", "secret_purged", &done, holder).await;
    let survivor_trail = &trails[(holder + 1) % 3];
    let records = purge_records(survivor_trail).await;
    assert_eq!(records.get(&after_kill), Some(&1), "one purge record of {after_kill}: {records:?}");
    for arn in &arns {
        assert_eq!(records.get(arn), Some(&1), "{records:?}");
    }
    audit_verifies(&url);
}
