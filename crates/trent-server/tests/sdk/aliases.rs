//! Aliases: CreateAlias/UpdateAlias/DeleteAlias/ListAliases, AWS's naming rules, aliases in
//! place of key ids, re-routing by UpdateAlias, pagination, and aliases being regional.

use trent_server::RawConfig;

use crate::common::{TestServer, assigned_names as names, blob, expect_code};

#[tokio::test]
async fn create_list_update_and_delete_an_alias() {
    let server = TestServer::start().await;
    let kms = server.client();
    let (a, b) = (server.new_key().await, server.new_key().await);
    let arn = server.key_arn(&a).await;
    kms.create_alias().alias_name("alias/app").target_key_id(&arn).send().await.unwrap();
    let listed = kms.list_aliases().send().await.unwrap();
    assert_eq!(names(&listed), ["alias/app"]);
    assert!(!listed.truncated());
    let entry = listed.aliases().iter().find(|a| a.alias_name() == Some("alias/app")).unwrap();
    assert_eq!(entry.alias_name(), Some("alias/app"));
    assert_eq!(entry.alias_arn(), Some(arn.replace(&format!("key/{a}"), "alias/app").as_str()));
    assert_eq!(entry.target_key_id(), Some(a.as_str()), "TargetKeyId is the key id, not its ARN");
    let created = entry.creation_date().expect("CreationDate").secs();
    assert_eq!(entry.last_updated_date().map(|d| d.secs()), Some(created));

    server.clock.advance(time::Duration::days(1));
    kms.update_alias().alias_name("alias/app").target_key_id(&b).send().await.unwrap();
    let listed = kms.list_aliases().send().await.unwrap();
    let entry = &listed.aliases()[0];
    assert_eq!(entry.target_key_id(), Some(b.as_str()));
    assert_eq!(entry.creation_date().map(|d| d.secs()), Some(created));
    assert_eq!(entry.last_updated_date().map(|d| d.secs()), Some(created + 86_400));

    kms.encrypt().key_id("alias/app").plaintext(blob(b"cached")).send().await.unwrap();
    kms.delete_alias().alias_name("alias/app").send().await.unwrap();
    assert!(names(&kms.list_aliases().send().await.unwrap()).is_empty());
    // A deleted alias no longer resolves, even right after it was used.
    expect_code(kms.encrypt().key_id("alias/app").plaintext(blob(b"x")).send().await, "NotFoundException");
    let message = expect_code(kms.delete_alias().alias_name("alias/app").send().await, "NotFoundException");
    assert_eq!(message, format!("Alias {} is not found.", arn.replace(&format!("key/{a}"), "alias/app")));
    let r = kms.update_alias().alias_name("alias/app").target_key_id(&a).send().await;
    expect_code(r, "NotFoundException");
    // The keys themselves are untouched by alias changes.
    server.describe(&a).await;
    server.describe(&b).await;
}

#[tokio::test]
async fn alias_names_and_targets_follow_aws_rules() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    let create = |name: &str, target: &str| kms.create_alias().alias_name(name).target_key_id(target).send();
    let m = expect_code(create("my-key", &id).await, "ValidationException");
    assert_eq!(
        m,
        "Alias must start with the prefix \"alias/\". \
         Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
    );
    let m = expect_code(create("alias/aws/ebs", &id).await, "NotAuthorizedException");
    assert!(m.contains("alias/aws/"), "{m}");
    let m = expect_code(create("alias/", &id).await, "InvalidAliasNameException");
    assert_eq!(m, "alias/ is not a valid alias name.");
    // A colon passes the model's pattern but not AWS's alias rule; a space fails the pattern.
    let m = expect_code(create("alias/my:alias", &id).await, "ValidationException");
    assert_eq!(m, "alias/my:alias contains invalid characters for an alias");
    let m = expect_code(create("alias/has space", &id).await, "ValidationException");
    assert!(m.starts_with("1 validation error detected: Value 'alias/has space' at 'aliasName'"), "{m}");
    expect_code(create(&format!("alias/{}", "a".repeat(251)), &id).await, "ValidationException");
    create("alias/taken", &id).await.unwrap();
    let m = expect_code(create("alias/taken", &id).await, "AlreadyExistsException");
    let alias_arn = arn.replace(&format!("key/{id}"), "alias/taken");
    assert_eq!(m, format!("An alias with the name {alias_arn} already exists"));
    expect_code(create("alias/orphan", "00000000-0000-0000-0000-000000000000").await, "NotFoundException");
    let m = expect_code(create("alias/chained", "alias/taken").await, "ValidationException");
    assert_eq!(m, "Aliases must refer to keys. Not aliases");
    expect_code(create("alias/chained", &alias_arn).await, "ValidationException");
    let m = expect_code(kms.delete_alias().alias_name("no-prefix").send().await, "ValidationException");
    assert!(m.starts_with("Alias must start with the prefix"), "{m}");
    let m =
        expect_code(kms.update_alias().alias_name("alias/a:b").target_key_id(&id).send().await, "ValidationException");
    assert_eq!(m, "alias/a:b contains invalid characters for an alias");
    // Only the one valid alias exists after all that.
    assert_eq!(names(&kms.list_aliases().send().await.unwrap()), ["alias/taken"]);
}

#[tokio::test]
async fn an_alias_name_or_arn_works_where_a_key_id_is_accepted() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let arn = server.key_arn(&id).await;
    kms.create_alias().alias_name("alias/use-me").target_key_id(&id).send().await.unwrap();
    let alias_arn = arn.replace(&format!("key/{id}"), "alias/use-me");
    for form in ["alias/use-me", alias_arn.as_str()] {
        let m = kms.describe_key().key_id(form).send().await.unwrap();
        assert_eq!(m.key_metadata().unwrap().key_id(), id, "{form}");
        let out = kms.encrypt().key_id(form).plaintext(blob(b"via alias")).send().await.unwrap();
        assert_eq!(out.key_id(), Some(arn.as_str()), "{form}");
        let back = kms.decrypt().ciphertext_blob(out.ciphertext_blob().unwrap().clone()).send().await.unwrap();
        assert_eq!(back.plaintext().unwrap().as_ref(), b"via alias");
        let dk = kms.generate_data_key().key_id(form).number_of_bytes(16).send().await.unwrap();
        assert_eq!(dk.key_id(), Some(arn.as_str()));
    }
}

#[tokio::test]
async fn update_alias_reroutes_new_encryptions_and_old_ciphertexts_still_decrypt() {
    let server = TestServer::start().await;
    let kms = server.client();
    let (a, b) = (server.new_key().await, server.new_key().await);
    let (a_arn, b_arn) = (server.key_arn(&a).await, server.key_arn(&b).await);
    kms.create_alias().alias_name("alias/current").target_key_id(&a).send().await.unwrap();
    let first = kms.encrypt().key_id("alias/current").plaintext(blob(b"one")).send().await.unwrap();
    assert_eq!(first.key_id(), Some(a_arn.as_str()));
    kms.update_alias().alias_name("alias/current").target_key_id(&b).send().await.unwrap();
    let second = kms.encrypt().key_id("alias/current").plaintext(blob(b"two")).send().await.unwrap();
    assert_eq!(second.key_id(), Some(b_arn.as_str()));
    let d1 = kms.decrypt().ciphertext_blob(first.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!((d1.key_id(), d1.plaintext().unwrap().as_ref()), (Some(a_arn.as_str()), &b"one"[..]));
    let d2 = kms.decrypt().ciphertext_blob(second.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!((d2.key_id(), d2.plaintext().unwrap().as_ref()), (Some(b_arn.as_str()), &b"two"[..]));
    // The alias now names B, so naming it for A's ciphertext is the wrong key.
    let r = kms.decrypt().ciphertext_blob(first.ciphertext_blob().unwrap().clone()).key_id("alias/current").send();
    expect_code(r.await, "IncorrectKeyException");
    let describe = kms.describe_key().key_id("alias/current").send().await.unwrap();
    assert_eq!(describe.key_metadata().unwrap().key_id(), b);
}

#[tokio::test]
async fn list_aliases_filters_by_key_and_paginates() {
    let server = TestServer::start().await;
    let kms = server.client();
    let (a, b) = (server.new_key().await, server.new_key().await);
    for name in ["alias/a-3", "alias/a-1", "alias/a-2"] {
        kms.create_alias().alias_name(name).target_key_id(&a).send().await.unwrap();
    }
    for name in ["alias/b-1", "alias/b-2"] {
        kms.create_alias().alias_name(name).target_key_id(&b).send().await.unwrap();
    }
    let of_a = kms.list_aliases().key_id(&a).send().await.unwrap();
    assert_eq!(names(&of_a), ["alias/a-1", "alias/a-2", "alias/a-3"]);
    assert!(of_a.aliases().iter().all(|e| e.target_key_id() == Some(a.as_str())));
    let of_b = kms.list_aliases().key_id(server.key_arn(&b).await).send().await.unwrap();
    assert_eq!(names(&of_b), ["alias/b-1", "alias/b-2"]);
    let none = kms.list_aliases().key_id(server.new_key().await).send().await.unwrap();
    assert!(none.aliases().is_empty());
    expect_code(kms.list_aliases().key_id("00000000-0000-0000-0000-000000000000").send().await, "NotFoundException");

    let mut seen = Vec::new();
    let mut marker = None;
    let mut pages = 0;
    loop {
        let page = kms.list_aliases().limit(2).set_marker(marker).send().await.unwrap();
        pages += 1;
        assert!(page.aliases().len() <= 2);
        assert_eq!(page.truncated(), page.next_marker().is_some());
        seen.extend(names(&page));
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    // The 14 predefined AWS aliases (`alias/aws/...`) come between `alias/a-3` and `alias/b-1`.
    assert_eq!(pages, 10);
    assert_eq!(seen, ["alias/a-1", "alias/a-2", "alias/a-3", "alias/b-1", "alias/b-2"]);
    let page = kms.list_aliases().key_id(&a).limit(1).send().await.unwrap();
    assert_eq!(names(&page), ["alias/a-1"]);
    let rest = kms.list_aliases().key_id(&a).set_marker(page.next_marker().map(str::to_owned)).send().await.unwrap();
    assert_eq!(names(&rest), ["alias/a-2", "alias/a-3"]);
    expect_code(kms.list_aliases().marker("not-a-marker").send().await, "InvalidMarkerException");
    expect_code(kms.list_aliases().limit(0).send().await, "ValidationException");
}

#[tokio::test]
async fn an_alias_names_a_key_in_one_region_only() {
    let regions = Some(vec!["us-east-1".into(), "eu-west-1".into()]);
    let server = TestServer::start_with(RawConfig { regions, ..Default::default() }).await;
    let (east, west) = (server.client(), server.client_in("eu-west-1"));
    let id = server.new_key().await;
    east.create_alias().alias_name("alias/regional").target_key_id(&id).send().await.unwrap();
    assert!(names(&west.list_aliases().send().await.unwrap()).is_empty());
    expect_code(west.describe_key().key_id("alias/regional").send().await, "NotFoundException");
    expect_code(west.encrypt().key_id("alias/regional").plaintext(blob(b"x")).send().await, "NotFoundException");
    // The us-east-1 key cannot be the target of an alias in eu-west-1 either.
    let r = west.create_alias().alias_name("alias/regional").target_key_id(&id).send().await;
    expect_code(r, "NotFoundException");
    // The same name can name a eu-west-1 key there.
    let west_key = west.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    west.create_alias().alias_name("alias/regional").target_key_id(&west_key).send().await.unwrap();
    let there = west.describe_key().key_id("alias/regional").send().await.unwrap();
    assert_eq!(there.key_metadata().unwrap().key_id(), west_key);
    let here = east.describe_key().key_id("alias/regional").send().await.unwrap();
    assert_eq!(here.key_metadata().unwrap().key_id(), id);
}
