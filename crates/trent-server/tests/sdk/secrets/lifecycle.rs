//! Deletion with a recovery window, restore, the scheduler's purge and forced deletion.

use super::err_code;
use crate::common::TestServer;

#[tokio::test]
async fn secrets_deletion_waits_for_its_window_on_a_moved_clock() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    let arn = sm.create_secret().name("db").secret_string("x").send().await.unwrap().arn().unwrap().to_owned();

    let scheduled = sm.delete_secret().secret_id("db").send().await.unwrap();
    let deletion = scheduled.deletion_date().unwrap().secs();
    let now = server.clock_now();
    assert_eq!(deletion - now, 30 * 86_400, "the default window is 30 days");
    assert_eq!(err_code(sm.get_secret_value().secret_id("db").send().await), "InvalidRequestException");
    assert_eq!(
        err_code(sm.put_secret_value().secret_id("db").secret_string("y").send().await),
        "InvalidRequestException"
    );
    assert_eq!(err_code(sm.create_secret().name("db").secret_string("z").send().await), "InvalidRequestException");
    assert_eq!(err_code(sm.delete_secret().secret_id("db").send().await), "InvalidRequestException");
    let d = sm.describe_secret().secret_id("db").send().await.unwrap();
    assert!(d.deleted_date().is_some());
    let listed = sm.list_secrets().send().await.unwrap();
    assert!(listed.secret_list().is_empty(), "a secret waiting for deletion is not listed by default");
    let listed = sm.list_secrets().include_planned_deletion(true).send().await.unwrap();
    assert_eq!(listed.secret_list().len(), 1);

    sm.restore_secret().secret_id("db").send().await.unwrap();
    assert_eq!(sm.get_secret_value().secret_id("db").send().await.unwrap().secret_string(), Some("x"));
    assert!(sm.describe_secret().secret_id("db").send().await.unwrap().deleted_date().is_none());

    for bad in [6, 31] {
        let r = sm.delete_secret().secret_id("db").recovery_window_in_days(bad).send().await;
        assert_eq!(err_code(r), "InvalidParameterException", "window {bad}");
    }
    let both = sm.delete_secret().secret_id("db").recovery_window_in_days(7).force_delete_without_recovery(true);
    assert_eq!(err_code(both.send().await), "InvalidParameterException");

    sm.delete_secret().secret_id("db").recovery_window_in_days(7).send().await.unwrap();
    server.clock.advance(time::Duration::days(7) - time::Duration::seconds(1));
    assert_eq!(server.state.secrets.run_due_work().await.unwrap(), 0, "not before the window ends");
    server.clock.advance(time::Duration::seconds(1));
    assert_eq!(server.state.secrets.run_due_work().await.unwrap(), 1);
    assert_eq!(err_code(sm.describe_secret().secret_id("db").send().await), "ResourceNotFoundException");
    assert_eq!(err_code(sm.restore_secret().secret_id("db").send().await), "ResourceNotFoundException");

    // The name is free again, under a new ARN.
    let again = sm.create_secret().name("db").secret_string("new").send().await.unwrap();
    assert_ne!(again.arn(), Some(arn.as_str()), "a new suffix");
    assert_eq!(err_code(sm.get_secret_value().secret_id(&arn).send().await), "ResourceNotFoundException");

    let forced = sm.delete_secret().secret_id("db").force_delete_without_recovery(true).send().await.unwrap();
    assert!(forced.deletion_date().is_some());
    assert_eq!(err_code(sm.get_secret_value().secret_id("db").send().await), "ResourceNotFoundException");
}

impl TestServer {
    /// The server clock, in epoch seconds.
    fn clock_now(&self) -> i64 {
        use trent_core::Clock as _;
        self.clock.now().unix_timestamp()
    }
}
