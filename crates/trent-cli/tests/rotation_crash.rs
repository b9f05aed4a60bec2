//! A real `trent server` killed with SIGKILL in the middle of a rotation step, against the
//! machine's MariaDB (`TRENT_TEST_MYSQL_URL`, a user that may create users; without it the test
//! says loudly that it is skipped, and fails under `CI=true`).
//!
//! The built-in `trent-mysql-single-user` function rotates a database user's password. The
//! test holds `LOCK TABLES mysql.global_priv WRITE`, so the function's `setSecret` (`SET
//! PASSWORD`) waits in the database after `createSecret` has finished and been recorded; the
//! server is killed there, the lock released (the orphaned statement may still change the
//! password: the database got the new password but the rotation never heard), and the server
//! restarted on the same data directory. The rotation must resume by itself at its unfinished
//! step, not start again: the same `ClientRequestToken`, the pending value `createSecret` made
//! before the kill, one `RotationStarted` and one `RotationSucceeded`, and in the end an
//! `AWSCURRENT` whose password logs in while the old one no longer does.
//!
//! The test runs three times: with the server's storage on SQLite in its data directory, and on
//! PostgreSQL (`TRENT_TEST_POSTGRES_URL`, a schema of its own dropped afterwards; skipped loudly
//! without it, a failure under `CI=true`), where the rotation's progress is committed to the
//! database the killed process shared; and on PostgreSQL with a second node (its own data
//! directory and node id, a copy of the first's `root.key` and `credentials`) running beside the
//! one killed: the second node resumes the rotation, not a restart of the first. The second node
//! starts only once the first holds the `secret-rotations` lease and is inside the step, so the
//! node killed is the one running the rotation (both nodes' `/metrics` say so).

#[path = "../../trent-store/tests/support/postgres.rs"]
mod postgres;
#[path = "support/mod.rs"]
mod support;

use std::str::FromStr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection, Executor};
use trent_client::{ClientError, ClientOptions, JsonClient, RetryPolicy};

use support::Server;

const MYSQL_SINGLE_USER: &str = "arn:aws:lambda:us-east-1:111122223333:function:trent-mysql-single-user";
const TOKEN: &str = "c0ffee00-0000-4000-8000-00000000000a";
const SECRET: &str = "crash/mariadb";
const FIRST_PASSWORD: &str = "First-pass-1";

/// The admin connection options of `TRENT_TEST_MYSQL_URL`.
fn database() -> Option<MySqlConnectOptions> {
    let Ok(url) = std::env::var("TRENT_TEST_MYSQL_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "MySQL/MariaDB (TRENT_TEST_MYSQL_URL) is required under CI=true"
        );
        eprintln!(
            "\n!!!!!!!! SKIPPED: MySQL/MariaDB (TRENT_TEST_MYSQL_URL) is not set; this test did NOT run !!!!!!!!\n"
        );
        return None;
    };
    let options = MySqlConnectOptions::from_str(&url).expect("TRENT_TEST_MYSQL_URL is a MySQL URL");
    Some(options.ssl_mode(MySqlSslMode::Disabled))
}

async fn logs_in(admin: &MySqlConnectOptions, user: &str, password: &str) -> bool {
    let options = admin.clone().username(user).password(password).database("");
    match options.connect().await {
        Ok(c) => {
            c.close().await.ok();
            true
        }
        Err(_) => false,
    }
}

/// Sessions of `user` in the database, and of those, how many wait for a table lock.
async fn sessions(admin: &mut MySqlConnection, user: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(state LIKE 'Waiting for table%'), 0) AS SIGNED) \
         FROM information_schema.processlist WHERE user = ?",
    )
    .bind(user)
    .fetch_one(&mut *admin)
    .await
    .expect("processlist")
}

/// A bounded wait, polled every 50 ms.
struct Deadline {
    what: &'static str,
    started: Instant,
    within: Duration,
}

impl Deadline {
    fn new(what: &'static str, within: Duration) -> Deadline {
        Deadline { what, started: Instant::now(), within }
    }

    /// Pauses before the next poll; panics once the time is up.
    async fn pause(&self) {
        assert!(self.started.elapsed() < self.within, "{}: not within {:?}", self.what, self.within);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Api {
    secrets: JsonClient,
    trail: JsonClient,
}

impl Api {
    fn new(server: &Server, data_dir: &std::path::Path) -> Api {
        let options = ClientOptions { retry: RetryPolicy::none(), ..Default::default() };
        let client = |service, prefix| {
            let credentials = trent_client::from_file(&data_dir.join("credentials"), "trent").expect("credentials");
            JsonClient::new(&server.endpoint, credentials, "us-east-1", service, prefix, options.clone())
                .expect("client")
        };
        Api {
            secrets: client("secretsmanager", "secretsmanager."),
            trail: client("cloudtrail", "CloudTrail_20131101."),
        }
    }

    async fn sm(&self, operation: &str, body: Value) -> Value {
        self.secrets.call(operation, &body).await.unwrap_or_else(|e| panic!("{operation}: {e}"))
    }

    /// The version holding `label`, from `DescribeSecret`.
    async fn version_with(&self, label: &str) -> Option<String> {
        let d = self.sm("DescribeSecret", json!({"SecretId": SECRET})).await;
        let stages = d["VersionIdsToStages"].as_object().expect("VersionIdsToStages");
        stages.iter().find(|(_, s)| s.as_array().is_some_and(|s| s.iter().any(|l| l == label))).map(|(v, _)| v.clone())
    }

    /// How many times the trail recorded the service event `name`.
    async fn events(&self, name: &str) -> usize {
        let body = json!({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}]});
        let page = self.trail.call("LookupEvents", &body).await.expect("LookupEvents");
        page["Events"].as_array().expect("Events").len()
    }
}

/// Starts `trent server` on `dir`'s data directory, its storage there (SQLite) or at `storage`.
fn start(dir: &std::path::Path, storage: Option<&str>) -> Server {
    let config = dir.join("trent.toml");
    std::fs::write(&config, "scheduler_tick_seconds = 1\n").expect("trent.toml");
    let data = dir.join("data");
    let mut args = vec!["--data-dir", data.to_str().expect("utf-8"), "--config", config.to_str().expect("utf-8")];
    if let Some(url) = storage {
        args.extend(["--storage", url]);
    }
    Server::start_with(&args).unwrap_or_else(|err| panic!("trent server did not start: {err}"))
}

/// The two runs share the database's grant table lock and its `trent_crash_` users: one at a time.
static DATABASE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Which process resumes the rotation once the one running it is killed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resumer {
    /// The killed server, restarted on its data directory.
    ItsRestart,
    /// A second node on the same PostgreSQL schema, running since before the kill.
    AnotherNode,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_mid_step_resumes_at_that_step_after_restart() {
    killed_mid_step_and_resumed(None, Resumer::ItsRestart).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_mid_step_resumes_at_that_step_after_restart_on_postgres() {
    on_postgres("a_rotation_killed_mid_step_resumes_at_that_step_after_restart_on_postgres", Resumer::ItsRestart).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_mid_step_on_one_node_resumes_at_that_step_on_another_on_postgres() {
    on_postgres(
        "a_rotation_killed_mid_step_on_one_node_resumes_at_that_step_on_another_on_postgres",
        Resumer::AnotherNode,
    )
    .await;
}

/// The test on a PostgreSQL schema of its own, named after `test`.
async fn on_postgres(test: &str, resumer: Resumer) {
    let Some(schema) = postgres::TestSchema::new(test).await else { return };
    let url = format!("{}?options=-c%20search_path%3D{}", schema.url(), schema.name());
    killed_mid_step_and_resumed(Some(&url), resumer).await;
    drop(schema);
}

/// A second node beside the one on `first`'s data directory: a data directory of its own (so a
/// node id of its own) under `dir`, with a copy of the first's root of trust and administrator's
/// credentials, on the same `storage`.
fn second_node(dir: &std::path::Path, first: &std::path::Path, storage: Option<&str>) -> Server {
    use std::os::unix::fs::PermissionsExt;
    let data = dir.join("data");
    std::fs::create_dir(&data).expect("the second node's data directory");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
    for file in ["root.key", "credentials"] {
        std::fs::copy(first.join(file), data.join(file)).expect("copy the seal");
    }
    start(dir, storage)
}

/// Whether `node` held the `secret-rotations` lease at its last scheduler tick (`/metrics`).
fn holds_rotations(node: &Server) -> bool {
    let (status, text) = node.get("/metrics");
    assert_eq!(status, 200, "{text}");
    text.lines().any(|l| l == "trent_lease_held{job=\"secret-rotations\"} 1")
}

/// The node id a node on `data_dir` derived at its first start.
fn node_id(data_dir: &std::path::Path) -> String {
    std::fs::read_to_string(data_dir.join("node_id")).expect("node_id").trim().to_owned()
}

/// The test, with the server's storage on SQLite (`None`) or at the PostgreSQL URL given, and
/// the rotation resumed by `resumer`.
async fn killed_mid_step_and_resumed(storage: Option<&str>, resumer: Resumer) {
    let Some(admin_options) = database() else { return };
    let _one_at_a_time = DATABASE.lock().await;
    let mut admin = admin_options.connect().await.expect("the admin user logs in");
    let mut watcher = admin_options.connect().await.expect("a second admin session");
    // Users an earlier run of this test left behind when it failed.
    let stale: Vec<(String,)> =
        sqlx::query_as("SELECT CAST(user AS CHAR) FROM mysql.user WHERE user LIKE 'trent\\_crash\\_%'")
            .fetch_all(&mut admin)
            .await
            .expect("list users");
    for (stale,) in stale {
        admin.execute(format!("DROP USER IF EXISTS '{stale}'@'%'").as_str()).await.expect("drop a stale user");
    }
    let user = format!("trent_crash_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    admin.execute(format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{FIRST_PASSWORD}'").as_str()).await.unwrap();

    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let mut server = start(dir.path(), storage);
    let api = Api::new(&server, &data_dir);
    let value = json!({
        "engine": "mariadb",
        "host": admin_options.get_host(),
        "port": admin_options.get_port(),
        "username": user,
        "password": FIRST_PASSWORD,
        "ssl": "false"
    });
    let created = api.sm("CreateSecret", json!({"Name": SECRET, "SecretString": value.to_string()})).await;
    let first = created["VersionId"].as_str().expect("VersionId").to_owned();

    // setSecret will wait for this lock in the database.
    admin.execute("LOCK TABLES mysql.global_priv WRITE").await.expect("lock the grant table");
    let rotate = json!({"SecretId": SECRET, "ClientRequestToken": TOKEN, "RotationLambdaARN": MYSQL_SINGLE_USER});
    assert_eq!(api.sm("RotateSecret", rotate.clone()).await["VersionId"], TOKEN);
    let waiting = Deadline::new("setSecret waits for the lock in the database", Duration::from_secs(60));
    while sessions(&mut watcher, &user).await.1 != 1 {
        waiting.pause().await;
    }
    assert_eq!(api.version_with("AWSPENDING").await.as_deref(), Some(TOKEN), "createSecret finished");
    let pending = api.sm("GetSecretValue", json!({"SecretId": SECRET, "VersionStage": "AWSPENDING"})).await;
    let pending: Value = serde_json::from_str(pending["SecretString"].as_str().expect("a string")).expect("JSON");
    let new_password = pending["password"].as_str().expect("password").to_owned();
    // The second node starts now that the first is inside the step: the lease is the first's.
    let second_dir = tempfile::tempdir().expect("tempdir");
    let second_data = second_dir.path().join("data");
    let second = (resumer == Resumer::AnotherNode).then(|| {
        let second = second_node(second_dir.path(), &data_dir, storage);
        assert_ne!(node_id(&data_dir), node_id(&second_data), "two node ids");
        assert!(holds_rotations(&server), "the node inside the step holds the rotations' lease");
        assert!(!holds_rotations(&second), "the second node does not");
        let api = Api::new(&second, &second_data);
        (second, api)
    });
    // A second rotation is refused while this one is in progress (by the other node too).
    let again = json!({"SecretId": SECRET, "RotationLambdaARN": MYSQL_SINGLE_USER});
    let asked = second.as_ref().map_or(&api, |(_, api)| api);
    let refused = asked.secrets.call("RotateSecret", &again).await.expect_err("a second rotation");
    assert!(matches!(&refused, ClientError::Aws { code, .. } if code == "InvalidRequestException"), "{refused}");

    server.child.kill().expect("SIGKILL the server");
    server.child.wait().expect("reap the server");
    admin.execute("UNLOCK TABLES").await.expect("unlock");
    // The orphaned statement ends one way or the other once the lock is gone.
    let ending = Deadline::new("the killed server's database session ends", Duration::from_secs(30));
    while sessions(&mut watcher, &user).await.0 != 0 {
        ending.pause().await;
    }

    let (server, api) = match second {
        Some(second) => second,
        None => {
            let server = start(dir.path(), storage);
            let api = Api::new(&server, &data_dir);
            (server, api)
        }
    };
    let resumed = Deadline::new("the rotation resumes and finishes after the kill", Duration::from_secs(60));
    // finishSecret moves AWSCURRENT to the pending version (AWSPENDING may stay with it).
    while api.version_with("AWSCURRENT").await.as_deref() != Some(TOKEN) {
        resumed.pause().await;
    }
    if resumer == Resumer::AnotherNode {
        assert!(holds_rotations(&server), "the other node took the rotations' lease and resumed");
    }
    assert_eq!(api.version_with("AWSPREVIOUS").await.as_deref(), Some(first.as_str()));
    let described = api.sm("DescribeSecret", json!({"SecretId": SECRET})).await;
    assert_eq!(described["VersionIdsToStages"].as_object().map(|m| m.len()), Some(2), "one rotation: {described}");
    assert!(described["LastRotatedDate"].is_number(), "{described}");
    let current = api.sm("GetSecretValue", json!({"SecretId": SECRET})).await;
    let current: Value = serde_json::from_str(current["SecretString"].as_str().expect("a string")).expect("JSON");
    assert_eq!(current["password"].as_str(), Some(new_password.as_str()), "createSecret was not run again");
    assert!(logs_in(&admin_options, &user, &new_password).await, "AWSCURRENT logs in");
    assert!(!logs_in(&admin_options, &user, FIRST_PASSWORD).await, "the old password no longer does");
    assert_eq!(api.events("RotationStarted").await, 1, "the rotation was resumed, not started again");
    assert_eq!(api.events("RotationSucceeded").await, 1);

    admin.execute(format!("DROP USER IF EXISTS '{user}'@'%'").as_str()).await.expect("drop the user");
    assert!(server.terminate(), "the server stops cleanly");
}
