//! `CreateGrant` allowed by a grant ("Granting CreateGrant permission"): the new grant stays
//! within its parent's operations and constraints; constrained grants and their bounds.

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{GrantConstraints, GrantOperation};

use crate::common::{TestServer, expect_code};

/// A server, a key with the default policy, and a user `delegate` without any IAM policy, so
/// that whatever it may do with the key comes from grants.
async fn setup() -> (TestServer, String, String, Client) {
    let server = TestServer::start().await;
    let key = server.new_key().await;
    let creds = server.user_with_policy("delegate", None).await;
    let delegate = format!("arn:aws:iam::{}:user/delegate", server.account().await);
    let kms = server.kms(&creds);
    (server, key, delegate, kms)
}

fn subset(pairs: &[(&str, &str)]) -> GrantConstraints {
    pairs.iter().fold(GrantConstraints::builder(), |b, (k, v)| b.encryption_context_subset(*k, *v)).build()
}

/// Regression (issue 8, item 3): a grant that allowed only `CreateGrant` let its grantee create
/// a grant for `Decrypt`.
#[tokio::test]
async fn a_grant_delegates_only_its_own_operations() {
    let (server, key, delegate, kms) = setup().await;
    let grant = |ops: &[GrantOperation]| {
        server.client().create_grant().key_id(&key).grantee_principal(&delegate).set_operations(Some(ops.to_vec()))
    };
    grant(&[GrantOperation::CreateGrant]).send().await.unwrap();
    let child = |ops: &[GrantOperation]| {
        kms.create_grant().key_id(&key).grantee_principal(&delegate).set_operations(Some(ops.to_vec())).send()
    };
    expect_code(child(&[GrantOperation::Decrypt]).await, "AccessDeniedException");
    child(&[GrantOperation::CreateGrant]).await.unwrap();

    grant(&[GrantOperation::CreateGrant, GrantOperation::Decrypt]).send().await.unwrap();
    child(&[GrantOperation::Decrypt]).await.unwrap();
    expect_code(child(&[GrantOperation::Decrypt, GrantOperation::Encrypt]).await, "AccessDeniedException");
    // The administrator's CreateGrant comes from policies: no such limit.
    let admin = server.client().create_grant().key_id(&key).grantee_principal(&delegate);
    admin.operations(GrantOperation::Encrypt).operations(GrantOperation::ReEncryptFrom).send().await.unwrap();
}

/// Regression (issue 8, item 3): a constrained grant could include neither `DescribeKey` nor
/// serve `CreateGrant`; AWS allows both, the child's constraint at least as strict.
#[tokio::test]
async fn a_constrained_grant_delegates_with_a_constraint_as_strict() {
    let (server, key, delegate, kms) = setup().await;
    let it = [("Department", "IT")];
    server
        .client()
        .create_grant()
        .key_id(&key)
        .grantee_principal(&delegate)
        .operations(GrantOperation::CreateGrant)
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::DescribeKey)
        .constraints(subset(&it))
        .send()
        .await
        .unwrap();
    // The constraint does not apply to DescribeKey.
    kms.describe_key().key_id(&key).send().await.unwrap();
    let child = |c: Option<GrantConstraints>| {
        kms.create_grant()
            .key_id(&key)
            .grantee_principal(&delegate)
            .operations(GrantOperation::Decrypt)
            .set_constraints(c)
            .send()
    };
    child(Some(subset(&[("Department", "IT"), ("Purpose", "Test")]))).await.unwrap();
    child(Some(GrantConstraints::builder().encryption_context_equals("Department", "IT").build())).await.unwrap();
    expect_code(child(None).await, "AccessDeniedException");
    expect_code(child(Some(subset(&[("Department", "HR")]))).await, "AccessDeniedException");
}

/// Regression (issue 8, item 5): grant constraints had no bounds; AWS allows 8 pairs of at most
/// 384 characters.
#[tokio::test]
async fn grant_constraints_are_bounded() {
    let (server, key, delegate, _) = setup().await;
    let kms = server.client();
    let with = |c: GrantConstraints| {
        kms.create_grant()
            .key_id(&key)
            .grantee_principal(&delegate)
            .operations(GrantOperation::Decrypt)
            .constraints(c)
            .send()
    };
    let pairs = |n: usize, len: usize| -> Vec<(String, String)> {
        (0..n).map(|i| (format!("{i}{}", "k".repeat(len - 1)), "v".repeat(len))).collect()
    };
    let build = |p: Vec<(String, String)>| {
        p.into_iter().fold(GrantConstraints::builder(), |b, (k, v)| b.encryption_context_equals(k, v)).build()
    };
    with(build(pairs(8, 384))).await.unwrap();
    let msg = expect_code(with(build(pairs(9, 1))).await, "ValidationException");
    assert_eq!(
        msg,
        "1 validation error detected: Value at 'constraints.encryptionContextEquals' failed to satisfy constraint: \
         Member must have length less than or equal to 8"
    );
    let msg = expect_code(with(build(vec![("k".into(), "v".repeat(385))])).await, "ValidationException");
    assert_eq!(
        msg,
        "1 validation error detected: Value at 'constraints.encryptionContextEquals' failed to satisfy constraint: \
         Map value must satisfy constraint: [Member must have length less than or equal to 384]"
    );
    let long_key = subset(&[(&"k".repeat(385), "v")]);
    let msg = expect_code(with(long_key).await, "ValidationException");
    assert!(msg.contains("'constraints.encryptionContextSubset'") && msg.contains("Map keys must"), "{msg}");
}
