//! The MySQL/MariaDB built-in functions over TLS, against a throwaway MariaDB this test starts
//! itself (the machine's server has TLS off): `mariadb-install-db`, a free port on 127.0.0.1,
//! a certificate from a test CA, a user that must use TLS; stopped by its PID at the end.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{MemorySecrets, missing};
use serde_json::json;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection, Executor};
use trent_rotation::builtin::DbOptions;
use trent_rotation::{AWSCURRENT, BuiltinOptions, ErrorChain, Step, builtin_function};

const INSTALL_DB: &str = "/usr/bin/mariadb-install-db";
const MARIADBD: &str = "/usr/sbin/mariadbd";

struct Server {
    _dir: tempfile::TempDir,
    port: u16,
    child: Child,
    ca: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        // A normal shutdown of the server this test started, by its PID.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
    }
}

async fn start() -> Option<Server> {
    if !Path::new(INSTALL_DB).exists() || !Path::new(MARIADBD).exists() {
        missing("MariaDB server binaries (mariadb-install-db, mariadbd)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = common::tls::make_certificate(dir.path())?;
    let user: &[&str] = if common::is_root() { &["--user=mysql"] } else { &[] };
    if common::is_root() {
        let ok = Command::new("chown").args(["-R", "mysql:mysql"]).arg(dir.path()).status().unwrap().success();
        assert!(ok, "chown");
    }
    let data = dir.path().join("data");
    let ok = Command::new(INSTALL_DB)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args(user)
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "mariadb-install-db");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let file = |name: &str| dir.path().join(name).display().to_string();
    let child = Command::new(MARIADBD)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args(user)
        .args([format!("--port={port}"), "--bind-address=127.0.0.1".into(), "--skip-log-bin".into()])
        .args([format!("--socket={}", file("sock")), format!("--pid-file={}", file("pid"))])
        .args([format!("--ssl-cert={}", file("server.crt")), format!("--ssl-key={}", file("server.key"))])
        .arg(format!("--ssl-ca={}", ca.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { _dir: dir, port, child, ca };
    for _ in 0..300 {
        if let Ok(c) = connect(&server, "root", "", MySqlSslMode::Disabled).await {
            c.close().await.unwrap();
            return Some(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the throwaway MariaDB did not start");
}

async fn connect(s: &Server, user: &str, password: &str, mode: MySqlSslMode) -> Result<MySqlConnection, sqlx::Error> {
    let mut o = MySqlConnectOptions::new().host("127.0.0.1").port(s.port).username(user).ssl_mode(mode);
    if !password.is_empty() {
        o = o.password(password);
    }
    o.connect().await
}

fn pw(v: &serde_json::Value) -> String {
    v["password"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn mysql_rotation_over_tls() {
    let Some(s) = start().await else { return };
    let mut admin = connect(&s, "root", "", MySqlSslMode::Disabled).await.unwrap();
    admin.execute("CREATE USER 'tlsonly'@'%' IDENTIFIED BY 'first-Pass-1' REQUIRE SSL").await.unwrap();
    admin.execute("GRANT SELECT ON mysql.* TO 'tlsonly'@'%'").await.unwrap();
    assert!(connect(&s, "tlsonly", "first-Pass-1", MySqlSslMode::Disabled).await.is_err(), "TLS is required");

    let api = MemorySecrets::default();
    let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:tlsonly-AbCdEf";
    let master = "arn:aws:secretsmanager:us-east-1:111122223333:secret:root-AbCdEf";
    api.create(master, &json!({"engine": "mariadb", "host": "127.0.0.1", "port": s.port, "username": "root", "password": "", "ssl": false}));
    let current = json!({"engine": "mariadb", "host": "127.0.0.1", "port": s.port, "username": "tlsonly",
                         "password": "first-Pass-1", "ssl": true, "masterarn": master});
    api.create(arn, &current);

    // Without the test CA the server's certificate does not verify, and the secret forbids
    // falling back to a clear connection: setSecret fails, nothing changes.
    let untrusting = builtin_function("trent-mysql-single-user", BuiltinOptions::default()).unwrap();
    let failure = api.rotate(arn, &*untrusting).await.unwrap_err();
    assert_eq!(failure.step, Step::SetSecret, "{}", ErrorChain(&failure));
    assert_eq!(api.json(arn, AWSCURRENT), current);

    let options =
        BuiltinOptions { db: DbOptions { ca_file: Some(s.ca.clone()), ..DbOptions::default() }, password: None };
    let single = builtin_function("trent-mysql-single-user", options.clone()).unwrap();
    api.rotate(arn, &*single).await.unwrap_or_else(|e| panic!("{}", ErrorChain(&e)));
    let new = pw(&api.json(arn, AWSCURRENT));
    assert!(connect(&s, "tlsonly", &new, MySqlSslMode::Required).await.is_ok(), "the new password logs in over TLS");
    assert!(
        connect(&s, "tlsonly", "first-Pass-1", MySqlSslMode::Required).await.is_err(),
        "the old one no longer does"
    );

    // Alternating users: the clone inherits the TLS requirement and the grants.
    let alternating = builtin_function("trent-mysql-alternating-users", options).unwrap();
    api.rotate(arn, &*alternating).await.unwrap_or_else(|e| panic!("{}", ErrorChain(&e)));
    let clone = api.json(arn, AWSCURRENT);
    assert_eq!(clone["username"], "tlsonly_clone");
    let mut c =
        connect(&s, "tlsonly_clone", &pw(&clone), MySqlSslMode::Required).await.expect("the clone logs in over TLS");
    c.execute("SELECT COUNT(*) FROM mysql.user").await.expect("the clone has the user's grants");
    c.close().await.unwrap();
    assert!(
        connect(&s, "tlsonly_clone", &pw(&clone), MySqlSslMode::Disabled).await.is_err(),
        "the clone must use TLS too"
    );
    admin.close().await.unwrap();
}
