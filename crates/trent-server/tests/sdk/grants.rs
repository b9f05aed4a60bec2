//! Grants: CreateGrant (validation, names, constraints, tokens), ListGrants,
//! ListRetirableGrants, RetireGrant (by token and by id), RevokeGrant, and grants
//! disappearing with their key.

use aws_sdk_kms::types::{GrantConstraints, GrantOperation};

use crate::common::{TestServer, blob, expect_code, quiet_scheduler};

async fn user_arn(server: &TestServer, name: &str) -> String {
    format!("arn:aws:iam::{}:user/{name}", server.account().await)
}

#[tokio::test]
async fn create_list_retire_and_revoke() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    let alice = user_arn(&server, "alice").await;
    let bob = user_arn(&server, "bob").await;
    let g1 = kms
        .create_grant()
        .key_id(&key)
        .grantee_principal(&alice)
        .retiring_principal(&bob)
        .operations(GrantOperation::Encrypt)
        .operations(GrantOperation::Decrypt)
        .constraints(GrantConstraints::builder().encryption_context_subset("app", "billing").build())
        .name("billing-app")
        .send()
        .await
        .unwrap();
    let grant_id = g1.grant_id().unwrap().to_owned();
    assert_eq!(grant_id.len(), 64);
    let token = g1.grant_token().unwrap().to_owned();

    // A grant token is usable at once wherever GrantTokens is accepted.
    kms.encrypt().key_id(&key).plaintext(blob(b"x")).grant_tokens(&token).send().await.unwrap();
    let r = kms.encrypt().key_id(&key).plaintext(blob(b"x")).grant_tokens("not-a-token").send().await;
    expect_code(r, "InvalidGrantTokenException");

    // Same name and parameters: the same grant; other parameters: a new grant.
    let again = kms
        .create_grant()
        .key_id(&key)
        .grantee_principal(&alice)
        .retiring_principal(&bob)
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::Encrypt)
        .constraints(GrantConstraints::builder().encryption_context_subset("app", "billing").build())
        .name("billing-app")
        .send()
        .await
        .unwrap();
    assert_eq!(again.grant_id(), Some(grant_id.as_str()));
    let other = kms
        .create_grant()
        .key_id(&key)
        .grantee_principal(&bob)
        .operations(GrantOperation::DescribeKey)
        .name("billing-app")
        .send()
        .await
        .unwrap();
    assert_ne!(other.grant_id(), Some(grant_id.as_str()));

    let listed = kms.list_grants().key_id(&key).send().await.unwrap();
    assert_eq!(listed.grants().len(), 2);
    let mine = listed.grants().iter().find(|g| g.grant_id() == Some(grant_id.as_str())).unwrap();
    assert_eq!(mine.grantee_principal(), Some(alice.as_str()));
    assert_eq!(mine.retiring_principal(), Some(bob.as_str()));
    assert_eq!(mine.name(), Some("billing-app"));
    assert!(mine.key_id().unwrap().ends_with(&key));
    assert!(mine.issuing_account().unwrap().ends_with(":root"));
    assert_eq!(mine.operations().len(), 2);
    let subset = mine.constraints().unwrap().encryption_context_subset().unwrap();
    assert_eq!(subset.get("app").map(String::as_str), Some("billing"));
    assert!(mine.creation_date().is_some());
    let filtered = kms.list_grants().key_id(&key).grantee_principal(&bob).send().await.unwrap();
    assert_eq!(filtered.grants().len(), 1);
    let by_id = kms.list_grants().key_id(&key).grant_id(&grant_id).send().await.unwrap();
    assert_eq!(by_id.grants().len(), 1);
    expect_code(kms.list_grants().key_id(&key).grant_id("nope").send().await, "InvalidGrantIdException");

    let retirable = kms.list_retirable_grants().retiring_principal(&bob).send().await.unwrap();
    assert_eq!(retirable.grants().len(), 1);

    // DryRun: each is authorized and checked, and nothing is retired or revoked.
    let dry = kms.retire_grant().grant_token(&token).dry_run(true).send().await;
    expect_code(dry, "DryRunOperationException");
    let dry = kms.revoke_grant().key_id(&key).grant_id(other.grant_id().unwrap()).dry_run(true).send().await;
    expect_code(dry, "DryRunOperationException");
    assert_eq!(kms.list_grants().key_id(&key).send().await.unwrap().grants().len(), 2);

    // Retire by token, then revoke the other by id.
    kms.retire_grant().grant_token(&token).send().await.unwrap();
    expect_code(kms.retire_grant().grant_token(&token).send().await, "NotFoundException");
    let other_id = other.grant_id().unwrap();
    kms.revoke_grant().key_id(&key).grant_id(other_id).send().await.unwrap();
    expect_code(kms.revoke_grant().key_id(&key).grant_id(other_id).send().await, "NotFoundException");
    assert!(kms.list_grants().key_id(&key).send().await.unwrap().grants().is_empty());
}

/// Regression guard: a dry run of RevokeGrant answered DryRunOperationException for a grant
/// the key does not have, though DryRunOperationException means "would have succeeded" and the
/// call itself fails with NotFoundException.
#[tokio::test]
async fn a_dry_run_of_revoke_grant_checks_that_the_grant_exists() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    let alice = user_arn(&server, "alice").await;
    let unknown = "0f".repeat(32);
    let dry_revoke = |grant_id: &str| kms.revoke_grant().key_id(&key).grant_id(grant_id).dry_run(true).send();
    expect_code(dry_revoke(&unknown).await, "NotFoundException");
    expect_code(kms.revoke_grant().key_id(&key).grant_id(&unknown).send().await, "NotFoundException");
    let retire = kms.retire_grant().key_id(&key).grant_id(&unknown).dry_run(true).send().await;
    expect_code(retire, "NotFoundException");

    let grant = kms.create_grant().key_id(&key).grantee_principal(&alice).operations(GrantOperation::Decrypt);
    let grant_id = grant.send().await.unwrap().grant_id().unwrap().to_owned();
    expect_code(dry_revoke(&grant_id).await, "DryRunOperationException");
    assert_eq!(kms.list_grants().key_id(&key).send().await.unwrap().grants().len(), 1, "a dry run revokes nothing");
    kms.revoke_grant().key_id(&key).grant_id(&grant_id).send().await.unwrap();
    expect_code(dry_revoke(&grant_id).await, "NotFoundException");
    // The key is checked first: an unknown key is NotFound whatever the grant.
    let missing_key = kms.revoke_grant().key_id("1234abcd-12ab-34cd-56ef-1234567890ab").grant_id(&grant_id);
    expect_code(missing_key.dry_run(true).send().await, "NotFoundException");
}

#[tokio::test]
async fn create_grant_validation() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    let alice = user_arn(&server, "alice").await;
    let ok = || kms.create_grant().key_id(&key).grantee_principal(&alice);
    expect_code(ok().send().await, "ValidationException");
    expect_code(
        kms.create_grant().key_id(&key).grantee_principal("alice").operations(GrantOperation::Decrypt).send().await,
        "ValidationException",
    );
    // A constraint needs an encryption context to apply to (DescribeKey and RetireGrant merely ignore it).
    expect_code(
        ok().operations(GrantOperation::Sign)
            .constraints(GrantConstraints::builder().encryption_context_equals("a", "b").build())
            .send()
            .await,
        "ValidationException",
    );
    expect_code(ok().operations(GrantOperation::Decrypt).name("bad name").send().await, "ValidationException");
    expect_code(
        kms.create_grant().key_id("alias/x").grantee_principal(&alice).operations(GrantOperation::Decrypt).send().await,
        "NotFoundException",
    );
    expect_code(ok().operations(GrantOperation::Decrypt).dry_run(true).send().await, "DryRunOperationException");
    kms.disable_key().key_id(&key).send().await.unwrap();
    expect_code(ok().operations(GrantOperation::Decrypt).send().await, "DisabledException");
    kms.enable_key().key_id(&key).send().await.unwrap();
    kms.schedule_key_deletion().key_id(&key).pending_window_in_days(7).send().await.unwrap();
    expect_code(ok().operations(GrantOperation::Decrypt).send().await, "KMSInvalidStateException");
    assert!(kms.list_grants().key_id(&key).send().await.unwrap().grants().is_empty());
}

#[tokio::test]
async fn list_grants_paginates_and_grants_go_with_their_key() {
    let server = TestServer::start_with(quiet_scheduler()).await;
    let kms = server.client();
    let key = server.new_key().await;
    let alice = user_arn(&server, "alice").await;
    for _ in 0..5 {
        kms.create_grant()
            .key_id(&key)
            .grantee_principal(&alice)
            .operations(GrantOperation::Decrypt)
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut marker = None;
    loop {
        let page = kms.list_grants().key_id(&key).limit(2).set_marker(marker).send().await.unwrap();
        seen.extend(page.grants().iter().map(|g| g.grant_id().unwrap().to_owned()));
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    expect_code(kms.list_grants().key_id(&key).marker("zz").send().await, "InvalidMarkerException");

    kms.schedule_key_deletion().key_id(&key).pending_window_in_days(7).send().await.unwrap();
    server.clock.advance(time::Duration::days(8));
    assert_eq!(server.run_scheduler().await.deleted, 1);
    expect_code(kms.list_grants().key_id(&key).send().await, "NotFoundException");
}

/// Grants for AWS service principals (`GranteeServicePrincipal`, `RetiringServicePrincipal`, the
/// `SourceArn` constraint) and the service-principal filters of the list operations are refused
/// with `UnsupportedOperationException` once their members are valid, and a broken member is a
/// `ValidationException` first; nothing is created.
#[tokio::test]
async fn grants_for_service_principals_are_refused_and_create_nothing() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = server.new_key().await;
    let alice = user_arn(&server, "alice").await;
    let grant = || kms.create_grant().key_id(&key).operations(GrantOperation::Decrypt);
    let refused = grant().grantee_service_principal("secretsmanager.amazonaws.com").send().await;
    expect_code(refused, "UnsupportedOperationException");
    let retiring = grant().grantee_principal(&alice).retiring_service_principal("ssm.amazonaws.com").send().await;
    expect_code(retiring, "UnsupportedOperationException");
    let source =
        GrantConstraints::builder().source_arn("arn:aws:secretsmanager:us-east-1:111122223333:secret:x").build();
    expect_code(grant().grantee_principal(&alice).constraints(source).send().await, "UnsupportedOperationException");
    // Neither grantee: GranteePrincipal is required when no service principal is named.
    expect_code(grant().send().await, "ValidationException");
    // The members' patterns, which are not character classes, are still checked first.
    let bad = server
        .call_raw(
            "CreateGrant",
            &format!(
                r#"{{"KeyId":"{key}","Operations":["Decrypt"],"GranteeServicePrincipal":"amazonaws.com","Constraints":{{"SourceArn":"arn:aws:s3:::bucket-name-here"}}}}"#
            ),
        )
        .await;
    assert_eq!(bad.error_type(), "ValidationException");
    let message = bad.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.starts_with("2 validation errors detected: "), "{message}");
    assert!(message.contains("at 'granteeServicePrincipal' failed to satisfy constraint"), "{message}");
    assert!(message.contains("at 'constraints.sourceArn' failed to satisfy constraint"), "{message}");
    let long = format!("{}.{}.com", "x".repeat(62), "y".repeat(62));
    let too_long =
        server.call_raw("ListGrants", &format!(r#"{{"KeyId":"{key}","GranteeServicePrincipal":"{long}"}}"#)).await;
    assert_eq!(too_long.error_type(), "ValidationException");
    let message = too_long.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("Member must have length less than or equal to 128"), "{message}");
    assert!(!message.contains("regular expression"), "{message}");
    let listed = kms.list_grants().key_id(&key).grantee_service_principal("secretsmanager.amazonaws.com").send().await;
    expect_code(listed, "UnsupportedOperationException");
    let retirable = server.call_raw("ListRetirableGrants", r#"{"RetiringServicePrincipal":"ssm.amazonaws.com"}"#).await;
    assert_eq!(retirable.error_type(), "UnsupportedOperationException");
    assert!(kms.list_grants().key_id(&key).send().await.unwrap().grants().is_empty());
}

/// `ListKeys`' `ResourceOwners`: `SELF` (alone or with the other value) lists the caller's keys;
/// `OTHER_ACCOUNTS_VIA_RAM` alone lists none (Trent has no Resource Access Manager); a bad value
/// or list length is a `ValidationException`.
#[tokio::test]
async fn list_keys_by_resource_owner() {
    let server = TestServer::start().await;
    let key = server.new_key().await;
    let keys = |body: &'static str| {
        let server = &server;
        async move {
            let answer = server.call_raw("ListKeys", body).await;
            answer.json()["Keys"]
                .as_array()
                .map(|k| k.iter().map(|e| e["KeyId"].as_str().unwrap_or("").to_owned()).collect::<Vec<_>>())
        }
    };
    let mine = keys(r#"{"ResourceOwners":["SELF"]}"#).await.expect("a list");
    assert!(mine.contains(&key), "{mine:?}");
    assert_eq!(keys(r#"{"ResourceOwners":["OTHER_ACCOUNTS_VIA_RAM","SELF"]}"#).await, Some(mine.clone()));
    assert_eq!(keys(r#"{}"#).await, Some(mine));
    assert_eq!(keys(r#"{"ResourceOwners":["OTHER_ACCOUNTS_VIA_RAM"]}"#).await, Some(vec![]));
    for (body, rule) in [
        (r#"{"ResourceOwners":["SELF","SELF","SELF"]}"#, "Member must have length less than or equal to 2"),
        (r#"{"ResourceOwners":[]}"#, "Member must have length greater than or equal to 1"),
        (r#"{"ResourceOwners":["OTHERS"]}"#, "Member must satisfy enum value set: [SELF, OTHER_ACCOUNTS_VIA_RAM]"),
    ] {
        let answer = server.call_raw("ListKeys", body).await;
        assert_eq!(answer.error_type(), "ValidationException", "{body}");
        let message = answer.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(
            message.contains("at 'resourceOwners' failed to satisfy constraint") && message.contains(rule),
            "{message}"
        );
    }
}
