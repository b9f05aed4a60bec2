//! The PostgreSQL built-in functions against a throwaway PostgreSQL 15 cluster this test
//! starts itself (the machine's own server trusts every login, so it could not tell an old
//! password from a new one): `initdb` with scram-sha-256 on 127.0.0.1, a free port, TLS with
//! a self-signed certificate, stopped by its PID at the end.
//!
//! One test runs every case in turn, so the cluster starts once.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{MemorySecrets, missing, unique};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Executor};
use trent_rotation::builtin::DbOptions;
use trent_rotation::{AWSCURRENT, AWSPREVIOUS, BuiltinOptions, ErrorChain, Step, builtin_function};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const SUPERUSER_PASSWORD: &str = "Super-user-pw-1";

struct Cluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    port: u16,
    postmaster: Child,
    /// The CA that signed the server's certificate, when openssl could make one.
    cert: Option<PathBuf>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Fast shutdown of the postmaster this test started, by its PID.
        let pid = self.postmaster.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let _ = self.postmaster.wait();
    }
}

/// Runs a PostgreSQL program, as `postgres` when we are root (PostgreSQL refuses root).
fn pg_command(program: &str) -> Command {
    let path = Path::new(PG_BIN).join(program);
    if common::is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--clear-groups", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn chown_postgres(path: &Path) {
    if common::is_root() {
        let ok = Command::new("chown").args(["-R", "postgres:postgres"]).arg(path).status().unwrap().success();
        assert!(ok, "chown {path:?}");
    }
}

async fn start_cluster() -> Option<Cluster> {
    if !Path::new(PG_BIN).join("initdb").exists() {
        missing("PostgreSQL 15 binaries in /usr/lib/postgresql/15/bin");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, SUPERUSER_PASSWORD).unwrap();
    let cert = common::tls::make_certificate(dir.path());
    chown_postgres(dir.path());
    let ok = pg_command("initdb")
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"])
        .arg(format!("--pwfile={}", pwfile.display()))
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "initdb");
    // Only over TCP, scram everywhere; `tlsonly` may log in over TLS only.
    std::fs::write(
        data.join("pg_hba.conf"),
        "hostnossl all tlsonly 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    chown_postgres(&data);
    let port = free_port();
    let mut cmd = pg_command("postgres");
    cmd.arg("-D").arg(&data).args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
    cmd.arg("-c").arg(format!("unix_socket_directories={}", dir.path().display()));
    if let Some(cert) = &cert {
        let _ = cert;
        cmd.args(["-c", "ssl=on"]).arg("-c").arg(format!("ssl_cert_file={}", dir.path().join("server.crt").display()));
        cmd.arg("-c").arg(format!("ssl_key_file={}", dir.path().join("server.key").display()));
    }
    let postmaster = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let cluster = Cluster { _dir: dir, data, port, postmaster, cert };
    for _ in 0..300 {
        if connect(&cluster, "postgres", SUPERUSER_PASSWORD).await.is_ok() {
            return Some(cluster);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the throwaway cluster in {:?} did not start", cluster.data);
}

async fn connect(c: &Cluster, user: &str, password: &str) -> Result<PgConnection, sqlx::Error> {
    PgConnectOptions::new_without_pgpass()
        .host("127.0.0.1")
        .port(c.port)
        .username(user)
        .password(password)
        .database("postgres")
        .ssl_mode(PgSslMode::Disable)
        .connect()
        .await
}

async fn logs_in(c: &Cluster, user: &str, password: &str) -> bool {
    connect(c, user, password).await.is_ok()
}

fn pw(v: &serde_json::Value) -> String {
    v["password"].as_str().unwrap().to_owned()
}

fn arn(name: &str) -> String {
    format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{name}-AbCdEf")
}

#[tokio::test]
async fn postgresql_rotation() {
    let Some(cluster) = start_cluster().await else { return };
    let mut admin = connect(&cluster, "postgres", SUPERUSER_PASSWORD).await.unwrap();
    // The machine's server trusts everyone; this one must not.
    assert!(!logs_in(&cluster, "postgres", "wrong").await, "the throwaway cluster checks passwords");

    single_user(&cluster, &mut admin).await;
    alternating_users(&cluster, &mut admin).await;
    failed_test_step(&cluster, &mut admin).await;
    if cluster.cert.is_some() {
        tls(&cluster, &mut admin).await;
    }
    admin.close().await.unwrap();
}

async fn single_user(c: &Cluster, admin: &mut PgConnection) {
    let user = unique("app");
    admin.execute(format!("CREATE ROLE {user} LOGIN PASSWORD 'first-Pass-1'").as_str()).await.unwrap();
    let api = MemorySecrets::default();
    let arn = arn(&user);
    api.create(
        &arn,
        &json!({"engine": "postgres", "host": "127.0.0.1", "port": c.port, "username": user, "password": "first-Pass-1", "dbname": "postgres"}),
    );
    let f = builtin_function("trent-postgresql-single-user", BuiltinOptions::default()).unwrap();
    for round in 0..2 {
        let before = api.json(&arn, AWSCURRENT);
        api.rotate(&arn, &*f).await.unwrap_or_else(|e| panic!("round {round}: {}", ErrorChain(&e)));
        let after = api.json(&arn, AWSCURRENT);
        assert_eq!(api.json(&arn, AWSPREVIOUS), before);
        assert_eq!(after["username"], user.as_str());
        assert!(logs_in(c, &user, &pw(&after)).await, "round {round}: the new password logs in");
        assert!(!logs_in(c, &user, &pw(&before)).await, "round {round}: the old password no longer does");
    }
    // The password went over as a SCRAM verifier.
    let stored: String = sqlx::query_scalar("SELECT rolpassword FROM pg_authid WHERE rolname = $1")
        .bind(&user)
        .fetch_one(&mut *admin)
        .await
        .unwrap();
    assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");
}

async fn alternating_users(c: &Cluster, admin: &mut PgConnection) {
    let user = unique("alt");
    let clone = format!("{user}_clone");
    admin.execute(format!("CREATE ROLE {user} LOGIN PASSWORD 'first-Pass-1'").as_str()).await.unwrap();
    admin.execute(format!("CREATE TABLE {user}_t (x int); GRANT SELECT ON {user}_t TO {user}").as_str()).await.unwrap();
    let api = MemorySecrets::default();
    let master = arn("master");
    api.create(
        &master,
        &json!({"engine": "postgres", "host": "127.0.0.1", "port": c.port, "username": "postgres", "password": SUPERUSER_PASSWORD}),
    );
    let arn = arn(&user);
    api.create(
        &arn,
        &json!({"engine": "postgres", "host": "127.0.0.1", "port": c.port, "username": user, "password": "first-Pass-1", "masterarn": master}),
    );
    let f = builtin_function("trent-postgresql-alternating-users", BuiltinOptions::default()).unwrap();

    let first = api.json(&arn, AWSCURRENT);
    api.rotate(&arn, &*f).await.unwrap_or_else(|e| panic!("{}", ErrorChain(&e)));
    let second = api.json(&arn, AWSCURRENT);
    assert_eq!(second["username"], clone.as_str());
    assert!(logs_in(c, &user, &pw(&first)).await, "the first user is untouched");
    let mut as_clone = connect(c, &clone, &pw(&second)).await.expect("the clone logs in");
    // The clone holds the user's privileges (it is granted the user's role).
    as_clone.execute(format!("SELECT * FROM {user}_t").as_str()).await.expect("the clone may read the user's table");
    as_clone.close().await.unwrap();

    api.rotate(&arn, &*f).await.unwrap_or_else(|e| panic!("{}", ErrorChain(&e)));
    let third = api.json(&arn, AWSCURRENT);
    assert_eq!(third["username"], user.as_str());
    assert!(logs_in(c, &user, &pw(&third)).await);
    assert!(!logs_in(c, &user, &pw(&first)).await);
    assert!(logs_in(c, &clone, &pw(&second)).await, "the clone keeps working until its next turn");
}

async fn failed_test_step(c: &Cluster, admin: &mut PgConnection) {
    let user = unique("fail");
    admin.execute(format!("CREATE ROLE {user} LOGIN PASSWORD 'first-Pass-1'").as_str()).await.unwrap();
    let api = MemorySecrets::default();
    let arn = arn(&user);
    let current = json!({"engine": "postgres", "host": "127.0.0.1", "port": c.port, "username": user, "password": "first-Pass-1"});
    api.create(&arn, &current);
    // setSecret is skipped, so testSecret cannot log in with the new password.
    let f = common::SkipSetSecret(builtin_function("trent-postgresql-single-user", BuiltinOptions::default()).unwrap());
    let failure = api.rotate(&arn, &f).await.unwrap_err();
    assert_eq!(failure.step, Step::TestSecret, "{}", ErrorChain(&failure));
    assert_eq!(api.json(&arn, AWSCURRENT), current);
    assert!(logs_in(c, &user, "first-Pass-1").await, "the current password still works");

    // The next rotation (a new token) succeeds from there.
    let real = builtin_function("trent-postgresql-single-user", BuiltinOptions::default()).unwrap();
    api.rotate(&arn, &*real).await.unwrap_or_else(|e| panic!("{}", ErrorChain(&e)));
    assert!(logs_in(c, &user, &pw(&api.json(&arn, AWSCURRENT))).await);
    assert!(!logs_in(c, &user, "first-Pass-1").await);
}

async fn tls(c: &Cluster, admin: &mut PgConnection) {
    admin.execute("CREATE ROLE tlsonly LOGIN PASSWORD 'first-Pass-1'").await.unwrap();
    let api = MemorySecrets::default();
    let arn = arn("tlsonly");
    api.create(
        &arn,
        &json!({"engine": "postgres", "host": "127.0.0.1", "port": c.port, "username": "tlsonly", "password": "first-Pass-1", "ssl": true}),
    );
    // Without the server's CA the certificate does not verify, and without TLS the server
    // refuses this user: the rotation fails at setSecret, nothing changes.
    let untrusting = builtin_function("trent-postgresql-single-user", BuiltinOptions::default()).unwrap();
    let failure = api.rotate(&arn, &*untrusting).await.unwrap_err();
    assert_eq!(failure.step, Step::SetSecret, "{}", ErrorChain(&failure));
    assert_eq!(api.json(&arn, AWSCURRENT)["password"], "first-Pass-1");

    let options = BuiltinOptions { db: DbOptions { ca_file: c.cert.clone(), ..DbOptions::default() }, password: None };
    let trusting = builtin_function("trent-postgresql-single-user", options).unwrap();
    api.rotate(&arn, &*trusting).await.unwrap_or_else(|e| panic!("{}", ErrorChain(&e)));
    let new = pw(&api.json(&arn, AWSCURRENT));
    assert!(tls_login(c, &new).await, "the new password logs in over TLS");
    assert!(!tls_login(c, "first-Pass-1").await, "the old one no longer does");
}

async fn tls_login(c: &Cluster, password: &str) -> bool {
    PgConnectOptions::new_without_pgpass()
        .host("127.0.0.1")
        .port(c.port)
        .username("tlsonly")
        .password(password)
        .database("postgres")
        .ssl_mode(PgSslMode::Require)
        .connect()
        .await
        .is_ok()
}
