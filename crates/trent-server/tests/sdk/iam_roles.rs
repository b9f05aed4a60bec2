//! Role management over `aws-sdk-iam`: `UpdateAssumeRolePolicy` (the next `AssumeRole`
//! obeys the new trust policy), `UpdateRole`, `UpdateRoleDescription`, `ListRoles` and its
//! pages, `TagRole`, `UntagRole`, `ListRoleTags` (and a session's `aws:PrincipalTag/*`
//! following its role's tags), each with its errors and its authorization.

use aws_sdk_iam::types::Tag;

use crate::common::{TestServer, expect_code};
use crate::iam::{Creds, allow, url_decode};
use crate::key_policies::second_account;

/// A trust policy letting `principal` (an ARN) `sts:AssumeRole`.
fn trusting(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

pub(crate) fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().expect("tag")
}

/// Assumes `role_arn` as `creds`, for `seconds` if given: the session's credentials.
async fn assume(
    server: &TestServer,
    creds: &Creds,
    role_arn: &str,
    seconds: Option<i32>,
) -> Result<Creds, aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>> {
    let sts = server.sts(creds);
    let out = sts.assume_role().role_arn(role_arn).role_session_name("s1").set_duration_seconds(seconds).send().await?;
    Ok(crate::sts::session(&out))
}

#[tokio::test]
async fn an_updated_trust_policy_decides_the_next_assume_role() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let may_assume = allow("\"sts:AssumeRole\"", "*");
    let bob = server.user_with_policy("bob", Some(&may_assume)).await;
    let carol = server.user_with_policy("carol", Some(&may_assume)).await;
    let (bob_arn, carol_arn) =
        (format!("arn:aws:iam::{account}:user/bob"), format!("arn:aws:iam::{account}:user/carol"));
    let iam = server.iam(&server.admin_creds());
    let made = iam.create_role().role_name("Deployer").assume_role_policy_document(trusting(&bob_arn)).send().await;
    let role_arn = made.unwrap().role().unwrap().arn().to_owned();
    assume(&server, &bob, &role_arn, None).await.expect("bob is trusted");
    expect_code(assume(&server, &carol, &role_arn, None).await, "AccessDenied");

    // Trust moved from bob to carol: carol, refused before, is allowed; bob is refused.
    let for_carol = trusting(&carol_arn);
    iam.update_assume_role_policy().role_name("deployer").policy_document(&for_carol).send().await.unwrap();
    assume(&server, &carol, &role_arn, None).await.expect("carol is trusted now");
    expect_code(assume(&server, &bob, &role_arn, None).await, "AccessDenied");
    let got = iam.get_role().role_name("Deployer").send().await.unwrap();
    assert_eq!(url_decode(got.role().unwrap().assume_role_policy_document().unwrap()), for_carol);

    // Held to CreateRole's rules; a refused document changes nothing.
    let update = |doc: &str| iam.update_assume_role_policy().role_name("Deployer").policy_document(doc).send();
    expect_code(update("{}").await, "MalformedPolicyDocument");
    let with_resource = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}"#;
    expect_code(update(with_resource).await, "MalformedPolicyDocument");
    let long = for_carol.replace(&carol_arn, &format!("{carol_arn}\",\"{}", "x".repeat(2_100)));
    let message = expect_code(update(&long).await, "LimitExceeded");
    assert_eq!(message, "Cannot exceed quota for ACLSizePerRole: 2048");
    let spaced = for_carol.replace(',', &format!(",{}", " ".repeat(2_100)));
    update(&spaced).await.expect("whitespace does not count towards the quota");
    expect_code(update("{\"a\":\"\u{263a}\"}").await, "ValidationError");
    let missing = iam.update_assume_role_policy().role_name("nobody").policy_document(&for_carol).send().await;
    expect_code(missing, "NoSuchEntity");
    let bad_name = iam.update_assume_role_policy().role_name("a b").policy_document(&for_carol).send().await;
    expect_code(bad_name, "ValidationError");
    assume(&server, &carol, &role_arn, None).await.expect("still carol's");

    // Authorized as iam:UpdateAssumeRolePolicy on the role's ARN.
    let own = allow("\"iam:UpdateAssumeRolePolicy\"", &format!("arn:aws:iam::{account}:role/Deployer"));
    let dave = server.user_with_policy("dave", Some(&own)).await;
    let dave_iam = server.iam(&dave);
    dave_iam
        .update_assume_role_policy()
        .role_name("Deployer")
        .policy_document(trusting(&bob_arn))
        .send()
        .await
        .unwrap();
    assume(&server, &bob, &role_arn, None).await.expect("bob again");
    iam.create_role().role_name("Other").assume_role_policy_document(&for_carol).send().await.unwrap();
    let other = dave_iam.update_assume_role_policy().role_name("Other").policy_document(&for_carol).send().await;
    let message = expect_code(other, "AccessDenied");
    assert!(message.contains(&format!("iam:UpdateAssumeRolePolicy on resource: arn:aws:iam::{account}:role/Other")));

    // Another account's administrator reaches only its own account's roles.
    let (_, partner) = second_account(&server).await;
    let theirs = server.iam(&partner).update_assume_role_policy().role_name("Deployer").policy_document(&for_carol);
    expect_code(theirs.send().await, "NoSuchEntity");
    assume(&server, &bob, &role_arn, None).await.expect("bob's still");
}

#[tokio::test]
async fn update_role_and_update_role_description() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let bob = server.user_with_policy("bob", Some(&allow("\"sts:AssumeRole\"", "*"))).await;
    let trust = trusting(&format!("arn:aws:iam::{account}:user/bob"));
    let iam = server.iam(&server.admin_creds());
    let made = iam.create_role().role_name("Ops").path("/svc/").assume_role_policy_document(&trust).send().await;
    let role_arn = made.unwrap().role().unwrap().arn().to_owned();
    expect_code(assume(&server, &bob, &role_arn, Some(7_200)).await, "ValidationError");

    iam.update_role().role_name("ops").description("runs things").max_session_duration(7_200).send().await.unwrap();
    let got = iam.get_role().role_name("Ops").send().await.unwrap();
    let role = got.role().unwrap();
    assert_eq!((role.description(), role.max_session_duration()), (Some("runs things"), Some(7_200)));
    assume(&server, &bob, &role_arn, Some(7_200)).await.expect("two hours now");
    // Each member changes only when given.
    iam.update_role().role_name("Ops").max_session_duration(43_200).send().await.unwrap();
    let got = iam.get_role().role_name("Ops").send().await.unwrap();
    assert_eq!(
        (got.role().unwrap().description(), got.role().unwrap().max_session_duration()),
        (Some("runs things"), Some(43_200))
    );
    for bad in [3_599, 43_201] {
        let message =
            expect_code(iam.update_role().role_name("Ops").max_session_duration(bad).send().await, "ValidationError");
        assert!(message.contains("maxSessionDuration") && message.contains("between 3600 and 43200"), "{message}");
    }
    let long = "d".repeat(1_001);
    expect_code(iam.update_role().role_name("Ops").description(&long).send().await, "ValidationError");
    expect_code(iam.update_role().role_name("nobody").description("x").send().await, "NoSuchEntity");

    let out = iam.update_role_description().role_name("OPS").description("deploys").send().await.unwrap();
    let role = out.role().unwrap();
    assert_eq!(
        (role.arn(), role.description(), role.max_session_duration()),
        (role_arn.as_str(), Some("deploys"), Some(43_200))
    );
    assert_eq!(url_decode(role.assume_role_policy_document().unwrap()), trust);
    expect_code(iam.update_role_description().role_name("Ops").description(&long).send().await, "ValidationError");
    expect_code(iam.update_role_description().role_name("nobody").description("x").send().await, "NoSuchEntity");

    // Each is its own permission, on the role's ARN.
    let only_describe = allow("\"iam:UpdateRoleDescription\"", &role_arn);
    let carol = server.iam(&server.user_with_policy("carol", Some(&only_describe)).await);
    carol.update_role_description().role_name("Ops").description("by carol").send().await.unwrap();
    let message = expect_code(carol.update_role().role_name("Ops").description("x").send().await, "AccessDenied");
    assert!(message.contains(&format!("iam:UpdateRole on resource: {role_arn}")), "{message}");
    let (_, partner) = second_account(&server).await;
    expect_code(server.iam(&partner).update_role().role_name("Ops").description("x").send().await, "NoSuchEntity");
    assert_eq!(iam.get_role().role_name("Ops").send().await.unwrap().role().unwrap().description(), Some("by carol"));
}

#[tokio::test]
async fn list_roles_filters_by_path_and_pages() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let iam = server.iam(&server.admin_creds());
    let trust = trusting(&format!("arn:aws:iam::{account}:root"));
    for (name, path) in [("delta", "/a/"), ("Bravo", "/a/b/"), ("alpha", "/"), ("charlie", "/c/"), ("echo", "/a/")] {
        let create = iam.create_role().role_name(name).path(path).assume_role_policy_document(&trust);
        create.tags(tag("team", "core")).description(format!("role {name}")).send().await.unwrap();
    }
    let names = |out: &aws_sdk_iam::operation::list_roles::ListRolesOutput| {
        out.roles().iter().map(|r| r.role_name().to_owned()).collect::<Vec<_>>()
    };
    let all = iam.list_roles().send().await.unwrap();
    assert_eq!(names(&all), ["alpha", "Bravo", "charlie", "delta", "echo"]);
    assert!(!all.is_truncated());
    let bravo = &all.roles()[1];
    assert_eq!(bravo.arn(), format!("arn:aws:iam::{account}:role/a/b/Bravo"));
    assert_eq!((bravo.description(), bravo.max_session_duration()), (Some("role Bravo"), Some(3_600)));
    assert_eq!(url_decode(bravo.assume_role_policy_document().unwrap()), trust);
    assert!(bravo.tags().is_empty(), "listings leave tags out, as AWS's do");

    let mut pages = Vec::new();
    let mut marker = None;
    loop {
        let page = iam.list_roles().max_items(2).set_marker(marker.clone()).send().await.unwrap();
        pages.push(names(&page));
        if !page.is_truncated() {
            assert_eq!(page.marker(), None);
            break;
        }
        marker = Some(page.marker().expect("a marker when truncated").to_owned());
    }
    assert_eq!(pages, [vec!["alpha", "Bravo"], vec!["charlie", "delta"], vec!["echo"]]);
    let under_a = iam.list_roles().path_prefix("/a/").send().await.unwrap();
    assert_eq!(names(&under_a), ["Bravo", "delta", "echo"]);
    let under_a = iam.list_roles().path_prefix("/a/").max_items(1).marker("Bravo").send().await.unwrap();
    assert_eq!((names(&under_a), under_a.is_truncated()), (vec!["delta".to_owned()], true));
    expect_code(iam.list_roles().max_items(0).send().await, "ValidationError");
    expect_code(iam.list_roles().max_items(1_001).send().await, "ValidationError");
    expect_code(iam.list_roles().path_prefix("a/").send().await, "ValidationError");

    // Authorized as iam:ListRoles on *; another account lists its own roles only.
    let bob = server.iam(&server.user_with_policy("bob", Some(&allow("\"iam:GetRole\"", "*"))).await);
    let message = expect_code(bob.list_roles().send().await, "AccessDenied");
    assert!(message.contains("iam:ListRoles on resource: *"), "{message}");
    let (_, partner) = second_account(&server).await;
    assert!(server.iam(&partner).list_roles().send().await.unwrap().roles().is_empty());
}

#[tokio::test]
async fn role_tags_follow_iams_rules_and_reach_the_roles_sessions() {
    let server = TestServer::start().await;
    let account = server.account().await;
    let iam = server.iam(&server.admin_creds());
    let bob = server.user_with_policy("bob", Some(&allow("\"sts:AssumeRole\"", "*"))).await;
    let trust = trusting(&format!("arn:aws:iam::{account}:user/bob"));
    let made = iam.create_role().role_name("Ops").assume_role_policy_document(&trust).tags(tag("env", "dev"));
    let role_arn = made.send().await.unwrap().role().unwrap().arn().to_owned();
    // The role's sessions may list keys only while the role is tagged team=core.
    let by_tag = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"core"}}}]}"#;
    iam.put_role_policy().role_name("Ops").policy_name("by-tag").policy_document(by_tag).send().await.unwrap();
    let session = server.kms(&assume(&server, &bob, &role_arn, None).await.expect("session"));
    expect_code(session.list_keys().send().await, "AccessDeniedException");

    iam.tag_role().role_name("ops").tags(tag("team", "core")).tags(tag("ENV", "prod")).send().await.unwrap();
    session.list_keys().send().await.expect("the session carries the role's new tag at once");
    let keys = |tags: &[Tag]| tags.iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect::<Vec<_>>();
    let listed = iam.list_role_tags().role_name("Ops").send().await.unwrap();
    let expected = [("ENV", "prod"), ("team", "core")].map(|(k, v)| (k.to_owned(), v.to_owned()));
    assert_eq!((keys(listed.tags()), listed.is_truncated()), (expected.to_vec(), false));
    let got = iam.get_role().role_name("Ops").send().await.unwrap();
    assert_eq!(keys(got.role().unwrap().tags()), expected.to_vec(), "ENV replaced env in its place");

    iam.untag_role().role_name("Ops").tag_keys("TEAM").tag_keys("absent").send().await.unwrap();
    expect_code(session.list_keys().send().await, "AccessDeniedException");
    assert_eq!(keys(iam.list_role_tags().role_name("Ops").send().await.unwrap().tags()), expected[..1].to_vec());

    // IAM's rules: reserved prefix, repeated keys, patterns, 50 tags per role.
    let tag_one = |key: &str, value: &str| iam.tag_role().role_name("Ops").tags(tag(key, value)).send();
    let message = expect_code(tag_one("aws:team", "x").await, "InvalidInput");
    assert!(message.contains("aws:"), "{message}");
    expect_code(tag_one("AWS:team", "x").await, "InvalidInput");
    expect_code(iam.tag_role().role_name("Ops").tags(tag("a", "1")).tags(tag("A", "2")).send().await, "InvalidInput");
    expect_code(tag_one("bad*key", "x").await, "ValidationError");
    expect_code(tag_one(&"k".repeat(129), "x").await, "ValidationError");
    expect_code(tag_one("k", &"v".repeat(257)).await, "ValidationError");
    expect_code(iam.tag_role().role_name("nobody").tags(tag("k", "v")).send().await, "NoSuchEntity");
    tag_one("k", "x").await.expect("a second tag");
    let mut many = iam.tag_role().role_name("Ops");
    for i in 0..48 {
        many = many.tags(tag(&format!("k{i:02}"), "v"));
    }
    many.send().await.expect("50 tags in all");
    let message = expect_code(tag_one("one-more", "v").await, "LimitExceeded");
    assert_eq!(message, "Cannot exceed quota for TagsPerRole: 50");
    tag_one("K00", "replaced").await.expect("replacing a key adds no tag");
    let bad_key = iam.untag_role().role_name("Ops").tag_keys("ok").tag_keys("bad*").send().await;
    let message = expect_code(bad_key, "ValidationError");
    assert!(message.contains("'tagKeys.2.member'"), "{message}");
    expect_code(iam.untag_role().role_name("nobody").tag_keys("k").send().await, "NoSuchEntity");
    expect_code(iam.list_role_tags().role_name("nobody").send().await, "NoSuchEntity");

    // ListRoleTags pages by key.
    let mut seen = Vec::new();
    let mut marker = None;
    loop {
        let page = iam.list_role_tags().role_name("Ops").max_items(20).set_marker(marker.clone()).send().await.unwrap();
        seen.extend(keys(page.tags()).into_iter().map(|(k, _)| k));
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_owned);
    }
    assert_eq!(seen.len(), 50);
    assert_eq!(&seen[..3], ["ENV", "k", "K00"]);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|k| k.to_lowercase());
    assert_eq!(seen, sorted);

    // Authorized on the role's ARN with the request's tags as aws:RequestTag/* and aws:TagKeys.
    let only_team = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["iam:TagRole","iam:UntagRole"],"Resource":"{role_arn}","Condition":{{"ForAllValues:StringEquals":{{"aws:TagKeys":["team"]}}}}}}]}}"#
    );
    let carol = server.iam(&server.user_with_policy("carol", Some(&only_team)).await);
    iam.untag_role().role_name("Ops").tag_keys("K00").send().await.unwrap();
    carol.tag_role().role_name("Ops").tags(tag("team", "core")).send().await.expect("team may be tagged");
    session.list_keys().send().await.expect("tagged by carol");
    let message = expect_code(carol.tag_role().role_name("Ops").tags(tag("owner", "x")).send().await, "AccessDenied");
    assert!(message.contains(&format!("iam:TagRole on resource: {role_arn}")), "{message}");
    expect_code(carol.untag_role().role_name("Ops").tag_keys("env").send().await, "AccessDenied");
    carol.untag_role().role_name("Ops").tag_keys("team").send().await.expect("team may be untagged");
    expect_code(carol.list_role_tags().role_name("Ops").send().await, "AccessDenied");
    let (_, partner) = second_account(&server).await;
    expect_code(server.iam(&partner).list_role_tags().role_name("Ops").send().await, "NoSuchEntity");
    expect_code(server.iam(&partner).tag_role().role_name("Ops").tags(tag("a", "b")).send().await, "NoSuchEntity");
}

/// What the SDK does not check or cannot send: `UpdateRole`'s empty result element (botocore
/// needs it), its console members refused, and the required lists of `TagRole`/`UntagRole`.
#[tokio::test]
async fn update_role_answers_its_result_element_and_refuses_what_it_does_not_serve() {
    let server = TestServer::start().await;
    let iam = server.iam(&server.admin_creds());
    let trust = trusting(&format!("arn:aws:iam::{}:root", server.account().await));
    iam.create_role().role_name("Ops").assume_role_policy_document(trust).send().await.unwrap();
    let call = |body: String| {
        let mut req = http::Request::builder()
            .method("POST")
            .uri("/")
            .header("host", "localhost")
            .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
            .body(body.into_bytes())
            .expect("request");
        server.sign(&mut req, "us-east-1", "iam");
        server.send_raw(req)
    };
    let answer = call("Action=UpdateRole&Version=2010-05-08&RoleName=Ops&Description=d".into()).await;
    let text = String::from_utf8(answer.body).expect("UTF-8");
    assert_eq!(answer.status, 200, "{text}");
    assert!(text.contains("<UpdateRoleResult></UpdateRoleResult>"), "{text}");
    for member in ["MaxSigninSessionDuration=3600", "ResetMaxSigninSessionDuration=true"] {
        let answer = call(format!("Action=UpdateRole&Version=2010-05-08&RoleName=Ops&{member}")).await;
        let text = String::from_utf8(answer.body).expect("UTF-8");
        assert_eq!(answer.status, 400, "{text}");
        assert!(text.contains("<Code>InvalidInput</Code>"), "{text}");
    }
    for (action, member) in [("TagRole", "&apos;tags&apos;"), ("UntagRole", "&apos;tagKeys&apos;")] {
        let answer = call(format!("Action={action}&Version=2010-05-08&RoleName=Ops")).await;
        let text = String::from_utf8(answer.body).expect("UTF-8");
        assert_eq!(answer.status, 400, "{text}");
        assert!(text.contains("<Code>ValidationError</Code>") && text.contains(member), "{text}");
    }
    let got = iam.get_role().role_name("Ops").send().await.unwrap();
    assert_eq!(got.role().unwrap().description(), Some("d"));
}
