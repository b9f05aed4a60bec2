//! Rotation of a MariaDB/MySQL user's password through the server, with the built-in
//! `trent-mysql-single-user` function against the machine's database
//! (`TRENT_TEST_MYSQL_URL`, a user that may create users; without it the test says loudly that
//! it is skipped, and fails under `CI=true`): `RotateSecret` through `aws-sdk-secretsmanager`,
//! then the new password logs in and the rotated-away one no longer does. The test's database
//! user is created for it and dropped after.

use std::str::FromStr;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection, Executor};

use crate::common::{TestServer, quiet_scheduler};

const MYSQL_SINGLE_USER: &str = "arn:aws:lambda:us-east-1:111122223333:function:trent-mysql-single-user";

/// The database of `TRENT_TEST_MYSQL_URL`: host, port, admin user and password.
fn database() -> Option<(String, u16, String, String)> {
    let Ok(url) = std::env::var("TRENT_TEST_MYSQL_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("MySQL/MariaDB (TRENT_TEST_MYSQL_URL) is required under CI=true");
        }
        eprintln!(
            "\n!!!!!!!! SKIPPED: MySQL/MariaDB (TRENT_TEST_MYSQL_URL) is not set; this test did NOT run !!!!!!!!\n"
        );
        return None;
    };
    // mysql://USER[:PASSWORD]@HOST[:PORT][/...]
    let rest = url.strip_prefix("mysql://").expect("TRENT_TEST_MYSQL_URL starts with mysql://");
    let rest = rest.split('/').next().unwrap_or_default();
    let (credentials, address) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().expect("a port number")),
        None => (address, 3306),
    };
    Some((host.to_owned(), port, user.to_owned(), password.to_owned()))
}

async fn connect(host: &str, port: u16, user: &str, password: &str) -> Result<MySqlConnection, sqlx::Error> {
    let options = MySqlConnectOptions::from_str(&format!("mysql://{host}:{port}")).expect("options").username(user);
    let options = if password.is_empty() { options } else { options.password(password) };
    options.ssl_mode(MySqlSslMode::Disabled).connect().await
}

/// Drops the test's user when the test ends, whatever its outcome.
struct DropUser {
    admin: Option<MySqlConnection>,
    user: String,
}

impl DropUser {
    async fn drop_now(mut self) {
        if let Some(mut admin) = self.admin.take() {
            admin.execute(format!("DROP USER IF EXISTS '{}'@'%'", self.user).as_str()).await.expect("drop the user");
            admin.close().await.ok();
        }
    }
}

impl Drop for DropUser {
    fn drop(&mut self) {
        if self.admin.is_some() {
            eprintln!("the test failed before dropping MariaDB user {}; drop it by hand", self.user);
        }
    }
}

#[tokio::test]
async fn a_mariadb_password_rotated_through_the_server_replaces_the_old_one() {
    let Some((host, port, admin_user, admin_password)) = database() else { return };
    let mut admin = connect(&host, port, &admin_user, &admin_password).await.expect("the admin user logs in");
    let user = format!("trent_srv_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let first = "First-pass-1";
    admin.execute(format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{first}'").as_str()).await.unwrap();
    let cleanup = DropUser { admin: Some(admin), user: user.clone() };

    let server = TestServer::start_with(quiet_scheduler()).await;
    let sm = server.secrets();
    let value = serde_json::json!({
        "engine": "mariadb", "host": host, "port": port, "username": user, "password": first, "ssl": "false"
    });
    sm.create_secret().name("mariadb/app").secret_string(value.to_string()).send().await.unwrap();

    let mut before = first.to_owned();
    for round in 0..2 {
        let r = sm.rotate_secret().secret_id("mariadb/app").rotation_lambda_arn(MYSQL_SINGLE_USER);
        let token = r.send().await.unwrap().version_id().unwrap().to_owned();
        let state = server.rotation_settled("mariadb/app").await;
        assert!(state.pending.is_none(), "round {round}: the rotation finished: {state:?}");
        let current = sm.get_secret_value().secret_id("mariadb/app").send().await.unwrap();
        assert_eq!(current.version_id(), Some(token.as_str()), "round {round}: the new version is AWSCURRENT");
        let json: serde_json::Value = serde_json::from_str(current.secret_string().unwrap()).unwrap();
        let after = json["password"].as_str().unwrap().to_owned();
        assert_ne!(after, before);
        assert_eq!(json["username"].as_str(), Some(user.as_str()));
        connect(&host, port, &user, &after).await.expect("the new password logs in");
        assert!(connect(&host, port, &user, &before).await.is_err(), "round {round}: the old password no longer does");
        let previous = sm.get_secret_value().secret_id("mariadb/app").version_stage("AWSPREVIOUS").send().await;
        let previous: serde_json::Value = serde_json::from_str(previous.unwrap().secret_string().unwrap()).unwrap();
        assert_eq!(previous["password"].as_str(), Some(before.as_str()), "AWSPREVIOUS holds the old password");
        before = after;
    }
    cleanup.drop_now().await;
}
