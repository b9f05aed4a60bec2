//! The MySQL/MariaDB built-in functions against a real server, `TRENT_TEST_MYSQL_URL`
//! (e.g. `mysql://root@127.0.0.1:3306`, a user that may create users and databases).

mod common;

use std::str::FromStr;

use common::{MemorySecrets, missing, unique};
use serde_json::json;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection, Executor, Row};
use trent_rotation::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, BuiltinOptions, Step, StepError, builtin_function};

struct Server {
    host: String,
    port: u16,
    user: String,
    password: String,
}

fn server() -> Option<Server> {
    let Ok(url) = std::env::var("TRENT_TEST_MYSQL_URL") else {
        missing("MySQL/MariaDB (TRENT_TEST_MYSQL_URL)");
        return None;
    };
    let url = url::Url::parse(&url).expect("TRENT_TEST_MYSQL_URL is a URL");
    Some(Server {
        host: url.host_str().unwrap_or("127.0.0.1").to_owned(),
        port: url.port().unwrap_or(3306),
        user: url.username().to_owned(),
        password: url.password().unwrap_or("").to_owned(),
    })
}

async fn admin(s: &Server) -> MySqlConnection {
    MySqlConnectOptions::from_str(&format!("mysql://{}:{}@{}:{}", s.user, s.password, s.host, s.port))
        .unwrap()
        .ssl_mode(MySqlSslMode::Disabled)
        .connect()
        .await
        .expect("the admin user logs in")
}

async fn logs_in(s: &Server, user: &str, password: &str) -> bool {
    MySqlConnectOptions::new()
        .host(&s.host)
        .port(s.port)
        .username(user)
        .password(password)
        .ssl_mode(MySqlSslMode::Disabled)
        .connect()
        .await
        .is_ok()
}

/// Drops what an earlier, failed run of a test left behind (names `<prefix>_<8 hex>`).
async fn sweep(admin: &mut MySqlConnection, prefix: &str) {
    let pattern = format!("{prefix}\\_%");
    let users: Vec<String> = sqlx::query_scalar("SELECT CAST(User AS CHAR) FROM mysql.user WHERE User LIKE ?")
        .bind(&pattern)
        .fetch_all(&mut *admin)
        .await
        .unwrap();
    for user in users {
        admin.execute(format!("DROP USER IF EXISTS '{user}'@'%'").as_str()).await.unwrap();
    }
    let rows = admin.fetch_all(format!("SHOW DATABASES LIKE '{pattern}'").as_str()).await.unwrap();
    for db in rows.iter().map(|r| r.get::<String, _>(0)) {
        admin.execute(format!("DROP DATABASE `{db}`").as_str()).await.unwrap();
    }
}

fn password(v: &serde_json::Value) -> String {
    v["password"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn single_user_rotation_changes_the_password() {
    let Some(s) = server() else { return };
    let mut admin = admin(&s).await;
    sweep(&mut admin, "trent_rot").await;
    let user = unique("trent_rot");
    admin.execute(format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'first-Pass-1'").as_str()).await.unwrap();

    let api = MemorySecrets::default();
    let arn = format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{user}-AbCdEf");
    api.create(
        &arn,
        &json!({"engine": "mariadb", "host": s.host, "port": s.port, "username": user, "password": "first-Pass-1", "note": "kept"}),
    );
    // No `ssl` member: TLS is tried first and, the server having none, dropped (AWS's rule).
    let f = builtin_function("trent-mysql-single-user", BuiltinOptions::default()).unwrap();

    for round in 0..2 {
        let before = api.json(&arn, AWSCURRENT);
        let token =
            api.rotate(&arn, &*f).await.unwrap_or_else(|e| panic!("round {round}: {}", trent_rotation::ErrorChain(&e)));
        let after = api.json(&arn, AWSCURRENT);
        assert_eq!(api.version_with(&arn, AWSCURRENT).as_deref(), Some(token.as_str()));
        assert_eq!(api.json(&arn, AWSPREVIOUS), before);
        assert_eq!((after["username"].as_str(), after["note"].as_str()), (Some(user.as_str()), Some("kept")));
        assert_ne!(password(&after), password(&before));
        assert!(logs_in(&s, &user, &password(&after)).await, "round {round}: the new password logs in");
        assert!(!logs_in(&s, &user, &password(&before)).await, "round {round}: the old password no longer does");
    }

    admin.execute(format!("DROP USER '{user}'@'%'").as_str()).await.unwrap();
    admin.close().await.unwrap();
}

#[tokio::test]
async fn alternating_users_take_turns() {
    let Some(s) = server() else { return };
    let mut admin = admin(&s).await;
    sweep(&mut admin, "trent_alt").await;
    sweep(&mut admin, "trent_altdb").await;
    let user = unique("trent_alt");
    let db = unique("trent_altdb");
    admin.execute(format!("CREATE DATABASE `{db}`").as_str()).await.unwrap();
    admin.execute(format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'first-Pass-1'").as_str()).await.unwrap();
    admin.execute(format!("GRANT SELECT, INSERT ON `{db}`.* TO '{user}'@'%'").as_str()).await.unwrap();

    let api = MemorySecrets::default();
    let master_arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:master-AbCdEf";
    api.create(
        master_arn,
        &json!({"engine": "mysql", "host": s.host, "port": s.port, "username": s.user, "password": s.password, "ssl": "false"}),
    );
    let arn = format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{user}-AbCdEf");
    api.create(
        &arn,
        &json!({"engine": "mysql", "host": s.host, "port": s.port.to_string(), "username": user, "password": "first-Pass-1",
                "dbname": db, "masterarn": master_arn, "ssl": false}),
    );
    let f = builtin_function("trent-mysql-alternating-users", BuiltinOptions::default()).unwrap();
    let clone = format!("{user}_clone");

    let first = api.json(&arn, AWSCURRENT);
    api.rotate(&arn, &*f).await.unwrap_or_else(|e| panic!("{}", trent_rotation::ErrorChain(&e)));
    let second = api.json(&arn, AWSCURRENT);
    assert_eq!(second["username"], clone.as_str());
    assert_eq!(second["dbname"], db.as_str());
    // Both users work: the previous one is untouched, the clone has its privileges.
    assert!(logs_in(&s, &clone, &password(&second)).await);
    assert!(logs_in(&s, &user, &password(&first)).await);
    let rows = admin.fetch_all(format!("SHOW GRANTS FOR '{clone}'@'%'").as_str()).await.unwrap();
    let grants: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
    assert!(grants.iter().any(|g| g.contains(&db) && g.contains("SELECT") && g.contains("INSERT")), "{grants:?}");

    api.rotate(&arn, &*f).await.unwrap_or_else(|e| panic!("{}", trent_rotation::ErrorChain(&e)));
    let third = api.json(&arn, AWSCURRENT);
    assert_eq!(third["username"], user.as_str());
    assert_ne!(password(&third), password(&first));
    assert!(logs_in(&s, &user, &password(&third)).await);
    assert!(!logs_in(&s, &user, &password(&first)).await);
    assert!(logs_in(&s, &clone, &password(&second)).await, "the clone keeps working until its next turn");

    admin.execute(format!("DROP USER '{user}'@'%', '{clone}'@'%'").as_str()).await.unwrap();
    admin.execute(format!("DROP DATABASE `{db}`").as_str()).await.unwrap();
    admin.close().await.unwrap();
}

#[tokio::test]
async fn a_failed_test_step_leaves_the_current_value_working() {
    let Some(s) = server() else { return };
    let mut admin = admin(&s).await;
    sweep(&mut admin, "trent_fail").await;
    let user = unique("trent_fail");
    admin.execute(format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'first-Pass-1'").as_str()).await.unwrap();
    let api = MemorySecrets::default();
    let arn = format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{user}-AbCdEf");
    let current = json!({"engine": "mysql", "host": s.host, "port": s.port, "username": user, "password": "first-Pass-1", "ssl": false});
    api.create(&arn, &current);

    // A function whose setSecret is a no-op: testSecret cannot log in with the new password.
    let f = common::SkipSetSecret(builtin_function("trent-mysql-single-user", BuiltinOptions::default()).unwrap());
    let failure = api.rotate(&arn, &f).await.unwrap_err();
    assert_eq!(failure.step, Step::TestSecret);
    assert!(matches!(failure.error, StepError::Builtin(trent_rotation::BuiltinError::Login { .. })), "{failure:?}");
    assert_eq!(api.json(&arn, AWSCURRENT), current);
    assert!(logs_in(&s, &user, "first-Pass-1").await);
    // The failure says nothing of either password.
    let shown = format!("{failure:?} {}", trent_rotation::ErrorChain(&failure));
    assert!(!shown.contains("first-Pass-1"), "{shown}");
    let pending = api.json(&arn, AWSPENDING);
    assert!(!shown.contains(&password(&pending)), "{shown}");

    // Retrying the same token reuses the pending value (createSecret is idempotent) and
    // completes; running it once more changes nothing (the version is already AWSCURRENT).
    let token = api.version_with(&arn, AWSPENDING).unwrap();
    let real = builtin_function("trent-mysql-single-user", BuiltinOptions::default()).unwrap();
    trent_rotation::rotate(&api, &*real, &arn, &token)
        .await
        .unwrap_or_else(|e| panic!("{}", trent_rotation::ErrorChain(&e)));
    assert_eq!(api.json(&arn, AWSCURRENT), pending);
    assert!(logs_in(&s, &user, &password(&pending)).await);
    assert!(!logs_in(&s, &user, "first-Pass-1").await);
    trent_rotation::rotate(&api, &*real, &arn, &token).await.unwrap();
    assert_eq!(api.json(&arn, AWSCURRENT), pending);
    assert!(logs_in(&s, &user, &password(&pending)).await);

    // `"ssl": true` is a requirement: against a server without TLS no login happens in clear.
    let tls_arn = format!("{arn}-tls");
    let mut tls_secret = current.clone();
    tls_secret["ssl"] = json!(true);
    tls_secret["password"] = json!(password(&pending));
    api.create(&tls_arn, &tls_secret);
    let failure = api.rotate(&tls_arn, &*real).await.unwrap_err();
    assert_eq!(failure.step, Step::SetSecret, "{}", trent_rotation::ErrorChain(&failure));
    assert!(logs_in(&s, &user, &password(&pending)).await, "nothing changed");

    // Rotation disabled: every step refuses.
    api.set_rotation_enabled(&arn, false);
    let f = builtin_function("trent-mysql-single-user", BuiltinOptions::default()).unwrap();
    let failure = api.rotate(&arn, &*f).await.unwrap_err();
    assert!(matches!((failure.step, failure.error), (Step::CreateSecret, StepError::RotationNotEnabled)));

    admin.execute(format!("DROP USER '{user}'@'%'").as_str()).await.unwrap();
    admin.close().await.unwrap();
}
