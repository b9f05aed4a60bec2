//! Tags on keys: TagResource (add and upsert), UntagResource (absent keys are fine),
//! ListResourceTags with pagination, AWS's tag rules, the 50-tag limit, and aliases refused.

use aws_sdk_kms::Client;
use aws_sdk_kms::types::Tag;

use crate::common::{TestServer, expect_code};

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().tag_key(k).tag_value(v).build().unwrap()
}

async fn listed(kms: &Client, id: &str) -> Vec<(String, String)> {
    let out = kms.list_resource_tags().key_id(id).send().await.unwrap();
    assert!(!out.truncated());
    out.tags().iter().map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned())).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn tag_untag_and_list_resource_tags() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let other = server.new_key().await;
    assert!(listed(&kms, &id).await.is_empty());
    kms.tag_resource().key_id(&id).tags(tag("team", "core")).tags(tag("env", "")).send().await.unwrap();
    assert_eq!(listed(&kms, &id).await, pairs(&[("env", ""), ("team", "core")]));
    // An existing key gets its new value; the count does not change.
    let arn = server.key_arn(&id).await;
    kms.tag_resource().key_id(&arn).tags(tag("team", "platform")).tags(tag("cost", "42")).send().await.unwrap();
    assert_eq!(listed(&kms, &id).await, pairs(&[("cost", "42"), ("env", ""), ("team", "platform")]));
    // Untagging a key that is not there is fine, and only the named keys go.
    kms.untag_resource().key_id(&id).tag_keys("env").tag_keys("absent").send().await.unwrap();
    assert_eq!(listed(&kms, &arn).await, pairs(&[("cost", "42"), ("team", "platform")]));
    kms.untag_resource().key_id(&id).tag_keys("never-there").send().await.unwrap();
    assert_eq!(listed(&kms, &id).await.len(), 2);
    // Tags belong to one key.
    assert!(listed(&kms, &other).await.is_empty());
    let missing = "00000000-0000-0000-0000-000000000000";
    expect_code(kms.tag_resource().key_id(missing).tags(tag("k", "v")).send().await, "NotFoundException");
    expect_code(kms.untag_resource().key_id(missing).tag_keys("k").send().await, "NotFoundException");
    expect_code(kms.list_resource_tags().key_id(missing).send().await, "NotFoundException");
}

#[tokio::test]
async fn list_resource_tags_paginates_with_limit_and_marker() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let mut request = kms.tag_resource().key_id(&id);
    for i in 0..5 {
        request = request.tags(tag(&format!("key-{i}"), &format!("value-{i}")));
    }
    request.send().await.unwrap();
    let mut seen = Vec::new();
    let mut marker = None;
    let mut pages = 0;
    loop {
        let page = kms.list_resource_tags().key_id(&id).limit(2).set_marker(marker).send().await.unwrap();
        pages += 1;
        assert!(page.tags().len() <= 2);
        assert_eq!(page.truncated(), page.next_marker().is_some());
        seen.extend(page.tags().iter().map(|t| t.tag_key().to_owned()));
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["key-0", "key-1", "key-2", "key-3", "key-4"]);
    expect_code(kms.list_resource_tags().key_id(&id).marker("bogus").send().await, "InvalidMarkerException");
    expect_code(kms.list_resource_tags().key_id(&id).limit(0).send().await, "ValidationException");
}

#[tokio::test]
async fn tags_follow_aws_rules() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let r = kms.tag_resource().key_id(&id).tags(tag("aws:owner", "me")).send().await;
    // AWS's words (as recorded against AWS by LocalStack's snapshot tests).
    assert_eq!(expect_code(r, "TagException"), "Tags beginning with aws: are reserved");
    let r = kms.tag_resource().key_id(&id).tags(tag("AWS:Owner", "me")).send().await;
    assert_eq!(expect_code(r, "TagException"), "Tags beginning with aws: are reserved");
    let r = kms.tag_resource().key_id(&id).tags(tag("dup", "1")).tags(tag("dup", "2")).send().await;
    assert_eq!(expect_code(r, "TagException"), "Duplicate tag keys");
    let r = kms.tag_resource().key_id(&id).tags(tag("bad<char>", "v")).send().await;
    expect_code(r, "TagException");
    expect_code(kms.tag_resource().key_id(&id).tags(tag("", "v")).send().await, "ValidationException");
    expect_code(kms.tag_resource().key_id(&id).tags(tag(&"k".repeat(129), "v")).send().await, "ValidationException");
    expect_code(kms.tag_resource().key_id(&id).tags(tag("k", &"v".repeat(257))).send().await, "ValidationException");
    kms.tag_resource().key_id(&id).tags(tag(&"k".repeat(128), &"v".repeat(256))).send().await.unwrap();
    // A request with one bad tag adds none of its tags.
    let r = kms.tag_resource().key_id(&id).tags(tag("fine", "v")).tags(tag("aws:x", "v")).send().await;
    expect_code(r, "TagException");
    assert_eq!(listed(&kms, &id).await.len(), 1);
}

#[tokio::test]
async fn a_key_carries_at_most_fifty_tags() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    let mut request = kms.tag_resource().key_id(&id);
    for i in 0..50 {
        request = request.tags(tag(&format!("k{i:02}"), "v"));
    }
    request.send().await.unwrap();
    assert_eq!(listed(&kms, &id).await.len(), 50);
    let r = kms.tag_resource().key_id(&id).tags(tag("k50", "v")).send().await;
    let m = expect_code(r, "LimitExceededException");
    assert!(m.contains("50"), "{m}");
    // Replacing a value at the limit is not an addition.
    kms.tag_resource().key_id(&id).tags(tag("k00", "new")).send().await.unwrap();
    // A request that adds one and replaces one is over the limit as a whole.
    let r = kms.tag_resource().key_id(&id).tags(tag("k01", "new")).tags(tag("k50", "v")).send().await;
    expect_code(r, "LimitExceededException");
    let tags = listed(&kms, &id).await;
    assert_eq!(tags.len(), 50);
    assert_eq!(tags[0], ("k00".to_owned(), "new".to_owned()));
    assert_eq!(tags[1], ("k01".to_owned(), "v".to_owned()), "a refused request changes nothing");
    kms.untag_resource().key_id(&id).tag_keys("k49").send().await.unwrap();
    kms.tag_resource().key_id(&id).tags(tag("k50", "v")).send().await.unwrap();
    assert_eq!(listed(&kms, &id).await.len(), 50);
}

#[tokio::test]
async fn tag_operations_refuse_an_alias_as_key_id() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = server.new_key().await;
    kms.create_alias().alias_name("alias/tagged").target_key_id(&id).send().await.unwrap();
    let r = kms.tag_resource().key_id("alias/tagged").tags(tag("k", "v")).send().await;
    assert_eq!(expect_code(r, "NotFoundException"), "Invalid keyId 'alias/tagged'");
    expect_code(kms.untag_resource().key_id("alias/tagged").tag_keys("k").send().await, "NotFoundException");
    expect_code(kms.list_resource_tags().key_id("alias/tagged").send().await, "NotFoundException");
    assert!(listed(&kms, &id).await.is_empty());
}

/// Guards the tag count bound of one request: AWS refuses 51 tags with `TagException`, before
/// looking at the key.
#[tokio::test]
async fn more_than_fifty_tags_in_one_request_are_a_tag_exception() {
    let server = TestServer::start().await;
    let kms = server.client();
    let mut create = kms.create_key();
    for i in 0..51 {
        create = create.tags(tag(&format!("c{i:02}"), "v"));
    }
    assert_eq!(expect_code(create.send().await, "TagException"), "Too many tags");
    let id = server.new_key().await;
    let mut request = kms.tag_resource().key_id(&id);
    for i in 0..51 {
        request = request.tags(tag(&format!("t{i:02}"), "v"));
    }
    assert_eq!(expect_code(request.send().await, "TagException"), "Too many tags");
    assert!(listed(&kms, &id).await.is_empty());
}

#[tokio::test]
async fn tags_given_at_creation_count_towards_the_limit() {
    let server = TestServer::start().await;
    let kms = server.client();
    let mut create = kms.create_key();
    for i in 0..40 {
        create = create.tags(tag(&format!("c{i:02}"), "v"));
    }
    let id = create.send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    assert_eq!(listed(&kms, &id).await.len(), 40);
    let mut request = kms.tag_resource().key_id(&id);
    for i in 0..11 {
        request = request.tags(tag(&format!("t{i:02}"), "v"));
    }
    expect_code(request.send().await, "LimitExceededException");
    assert_eq!(listed(&kms, &id).await.len(), 40, "a refused request adds nothing");
}
