//! SSM Parameter Store through the official `aws-sdk-ssm`: every served operation, AWS's
//! rules (names, hierarchy, versions and labels, tiers, patterns), SecureString encryption
//! through KMS, path-based IAM access, pagination over thousands of parameters, and the
//! leak check of a recognisable SecureString.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{
    ParameterStringFilter, ParameterTier, ParameterType, ParametersFilter, ParametersFilterKey, ResourceTypeForTagging,
    Tag,
};
use base64::Engine;

use crate::common::{TestServer, expect_code};
use crate::iam::allow;

fn admin(server: &TestServer) -> Client {
    server.ssm(&server.admin_creds())
}

async fn put(ssm: &Client, name: &str, value: &str, kind: ParameterType) -> i64 {
    ssm.put_parameter().name(name).value(value).r#type(kind).overwrite(true).send().await.expect(name).version()
}

async fn value_of(ssm: &Client, name: &str, decrypt: bool) -> String {
    let out = ssm.get_parameter().name(name).with_decryption(decrypt).send().await.expect(name);
    out.parameter().and_then(|p| p.value()).expect("value").to_owned()
}

fn filter(key: &str, option: Option<&str>, values: &[&str]) -> ParameterStringFilter {
    let mut b = ParameterStringFilter::builder().key(key).set_option(option.map(str::to_owned));
    for v in values {
        b = b.values(*v);
    }
    b.build().expect("filter")
}

#[tokio::test]
async fn put_get_overwrite_selectors_and_history() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    let account = server.account().await;
    let out = ssm
        .put_parameter()
        .name("/app/db/url")
        .value("postgres://one")
        .r#type(ParameterType::String)
        .description("the database")
        .send()
        .await
        .expect("create");
    assert_eq!((out.version(), out.tier()), (1, Some(&ParameterTier::Standard)));
    let again = ssm.put_parameter().name("/app/db/url").value("x").r#type(ParameterType::String).send().await;
    expect_code(again, "ParameterAlreadyExists");
    assert_eq!(put(&ssm, "/app/db/url", "postgres://two", ParameterType::String).await, 2);

    let got = ssm.get_parameter().name("/app/db/url").send().await.unwrap();
    let p = got.parameter().unwrap();
    assert_eq!((p.name(), p.value(), p.version()), (Some("/app/db/url"), Some("postgres://two"), 2));
    assert_eq!(p.arn(), Some(format!("arn:aws:ssm:us-east-1:{account}:parameter/app/db/url").as_str()));
    assert_eq!((p.r#type(), p.data_type(), p.selector()), (Some(&ParameterType::String), Some("text"), None));
    let first = ssm.get_parameter().name("/app/db/url:1").send().await.unwrap();
    let p = first.parameter().unwrap();
    assert_eq!((p.value(), p.version(), p.selector()), (Some("postgres://one"), 1, Some(":1")));
    expect_code(ssm.get_parameter().name("/app/db/url:9").send().await, "ParameterVersionNotFound");
    expect_code(ssm.get_parameter().name("/app/none").send().await, "ParameterNotFound");
    let arn_name = format!("arn:aws:ssm:us-east-1:{account}:parameter/app/db/url");
    assert_eq!(value_of(&ssm, &arn_name, false).await, "postgres://two", "a name may be its ARN");

    let history = ssm.get_parameter_history().name("/app/db/url").send().await.unwrap();
    let versions: Vec<(i64, Option<&str>)> = history.parameters().iter().map(|h| (h.version(), h.value())).collect();
    assert_eq!(versions, vec![(1, Some("postgres://one")), (2, Some("postgres://two"))]);
    assert_eq!(history.parameters()[1].description(), Some("the database"), "kept across versions");
    let paged = ssm.get_parameter_history().name("/app/db/url").max_results(1).send().await.unwrap();
    assert_eq!(paged.parameters().len(), 1);
    let rest = ssm
        .get_parameter_history()
        .name("/app/db/url")
        .next_token(paged.next_token().expect("more"))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.parameters()[0].version(), 2);
    expect_code(ssm.get_parameter_history().name("/nope").send().await, "ParameterNotFound");
    expect_code(ssm.get_parameter_history().name("/app/db/url").next_token("forged").send().await, "InvalidNextToken");

    put(&ssm, "/app/list", "a,b,c", ParameterType::StringList).await;
    let many = ssm.get_parameters().names("/app/list").names("/app/db/url:1").names("/missing").send().await.unwrap();
    let names: Vec<(&str, &str)> = many.parameters().iter().map(|p| (p.name().unwrap(), p.value().unwrap())).collect();
    assert_eq!(names, vec![("/app/list", "a,b,c"), ("/app/db/url", "postgres://one")]);
    assert_eq!(many.invalid_parameters(), ["/missing"]);
    let no_type = ssm.put_parameter().name("/new").value("v").send().await;
    expect_code(no_type, "ValidationException");
}

#[tokio::test]
async fn names_hierarchy_and_reserved_prefixes() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    let deep = "/l".repeat(16);
    let r = ssm.put_parameter().name(&deep).value("v").r#type(ParameterType::String).send().await;
    expect_code(r, "HierarchyLevelLimitExceededException");
    put(&ssm, &"/l".repeat(15), "v", ParameterType::String).await;
    for bad in ["/aws/mine", "ssm-thing", "AWSx", "a/b", "/a//b", "/a b"] {
        let r = ssm.put_parameter().name(bad).value("v").r#type(ParameterType::String).send().await;
        expect_code(r, "ValidationException");
    }
    let r = ssm.get_parameter().name("/aws/reference/secretsmanager/db").with_decryption(true).send().await;
    expect_code(r, "ParameterNotFound");
    let long = ssm.put_parameter().name("n".repeat(2049)).value("v").r#type(ParameterType::String).send().await;
    expect_code(long, "ValidationException");
}

#[tokio::test]
async fn secure_strings_are_encrypted_with_the_aws_managed_key_and_decrypted_on_request() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    let secret = "correct horse battery staple";
    let out = ssm
        .put_parameter()
        .name("/app/password")
        .value(secret)
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .expect("put");
    assert_eq!(out.version(), 1);
    let hidden = value_of(&ssm, "/app/password", false).await;
    assert_ne!(hidden, secret);
    let blob = base64::engine::general_purpose::STANDARD.decode(&hidden).expect("base64 ciphertext");
    assert!(!blob.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert_eq!(value_of(&ssm, "/app/password", true).await, secret);

    let described = ssm.describe_parameters().parameter_filters(filter("Name", None, &["/app/password"])).send().await;
    let meta = described.unwrap().parameters()[0].clone();
    assert_eq!(meta.key_id(), Some("alias/aws/ssm"));
    let aliases = server.client().list_aliases().send().await.unwrap();
    let managed = aliases.aliases().iter().find(|a| a.alias_name() == Some("alias/aws/ssm")).expect("alias");
    assert!(managed.target_key_id().is_some(), "the AWS managed key was created on first use");

    // An Advanced value above 4 KB is sealed with a data key (envelope encryption).
    let big = "s".repeat(6000);
    let out = ssm
        .put_parameter()
        .name("/app/big")
        .value(&big)
        .r#type(ParameterType::SecureString)
        .tier(ParameterTier::Advanced)
        .send()
        .await
        .expect("advanced");
    assert_eq!(out.tier(), Some(&ParameterTier::Advanced));
    assert_eq!(value_of(&ssm, "/app/big", true).await, big);
    let history = ssm.get_parameter_history().name("/app/big").with_decryption(true).send().await.unwrap();
    assert_eq!(history.parameters()[0].value(), Some(big.as_str()));

    let bad_key = ssm
        .put_parameter()
        .name("/app/other")
        .value("v")
        .r#type(ParameterType::SecureString)
        .key_id("alias/does-not-exist")
        .send()
        .await;
    expect_code(bad_key, "InvalidKeyId");
    let key_for_string =
        ssm.put_parameter().name("/app/s").value("v").r#type(ParameterType::String).key_id("alias/x").send().await;
    expect_code(key_for_string, "ValidationException");
}

#[tokio::test]
async fn a_customer_managed_key_needs_the_callers_own_kms_decrypt() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    let key = server.new_key().await;
    let out = ssm
        .put_parameter()
        .name("/team/token")
        .value("cmk-protected-value")
        .r#type(ParameterType::SecureString)
        .key_id(&key)
        .send()
        .await
        .expect("put with a customer managed key");
    assert_eq!(out.version(), 1);
    let reader = server.user_with_policy("reader", Some(&allow(r#""ssm:GetParameter""#, "*"))).await;
    let as_reader = server.ssm(&reader);
    let hidden = value_of(&as_reader, "/team/token", false).await;
    assert_ne!(hidden, "cmk-protected-value", "the ciphertext needs no KMS permission");
    let denied = as_reader.get_parameter().name("/team/token").with_decryption(true).send().await;
    let message = expect_code(denied, "AccessDeniedException");
    assert!(message.contains("kms:Decrypt"), "{message}");
    let decrypter =
        server.user_with_policy("decrypter", Some(&allow(r#"["ssm:GetParameter","kms:Decrypt"]"#, "*"))).await;
    assert_eq!(value_of(&server.ssm(&decrypter), "/team/token", true).await, "cmk-protected-value");
}

#[tokio::test]
async fn labels_move_select_and_are_limited() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    for v in ["one", "two", "three"] {
        put(&ssm, "/cfg", v, ParameterType::String).await;
    }
    let out = ssm
        .label_parameter_version()
        .name("/cfg")
        .parameter_version(1)
        .labels("prod")
        .labels("1bad")
        .labels("aws-x")
        .send()
        .await
        .unwrap();
    assert_eq!((out.parameter_version(), out.invalid_labels()), (1, &["1bad".to_owned(), "aws-x".to_owned()][..]));
    assert_eq!(value_of(&ssm, "/cfg:prod", false).await, "one");
    // Without a version the newest is labelled; a label moves.
    let out = ssm.label_parameter_version().name("/cfg").labels("prod").send().await.unwrap();
    assert_eq!(out.parameter_version(), 3);
    let got = ssm.get_parameter().name("/cfg:prod").send().await.unwrap();
    assert_eq!(got.parameter().unwrap().selector(), Some(":prod"));
    assert_eq!(got.parameter().unwrap().value(), Some("three"));
    expect_code(ssm.get_parameter().name("/cfg:nolabel").send().await, "ParameterVersionNotFound");
    let history = ssm.get_parameter_history().name("/cfg").send().await.unwrap();
    let labels: Vec<Vec<String>> = history.parameters().iter().map(|h| h.labels().to_vec()).collect();
    assert_eq!(labels, vec![vec![], vec![], vec!["prod".to_owned()]]);

    let mut many = ssm.label_parameter_version().name("/cfg").parameter_version(2);
    for i in 0..10 {
        many = many.labels(format!("l{i}"));
    }
    many.send().await.expect("ten labels");
    let eleventh = ssm.label_parameter_version().name("/cfg").parameter_version(2).labels("l10").send().await;
    expect_code(eleventh, "ParameterVersionLabelLimitExceeded");
    let missing = ssm.label_parameter_version().name("/cfg").parameter_version(9).labels("x").send().await;
    expect_code(missing, "ParameterVersionNotFound");

    let out = ssm
        .unlabel_parameter_version()
        .name("/cfg")
        .parameter_version(3)
        .labels("prod")
        .labels("l1")
        .send()
        .await
        .unwrap();
    assert_eq!((out.removed_labels(), out.invalid_labels()), (&["prod".to_owned()][..], &["l1".to_owned()][..]));
    let with_selectors = ssm.get_parameters().names("/cfg:l3").names("/cfg:prod").send().await.unwrap();
    assert_eq!(with_selectors.parameters()[0].value(), Some("two"));
    assert_eq!(with_selectors.invalid_parameters(), ["/cfg:prod"]);
}

#[tokio::test]
async fn at_most_100_versions_and_a_labelled_oldest_blocks_the_next() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    for i in 1..=101 {
        assert_eq!(put(&ssm, "/v", &format!("value {i}"), ParameterType::String).await, i);
    }
    let mut versions = Vec::new();
    let mut token = None;
    loop {
        let page = ssm.get_parameter_history().name("/v").set_next_token(token).send().await.unwrap();
        versions.extend(page.parameters().iter().map(|h| h.version()));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(versions, (2..=101).collect::<Vec<_>>(), "version 1 made room");
    expect_code(ssm.get_parameter().name("/v:1").send().await, "ParameterVersionNotFound");
    ssm.label_parameter_version().name("/v").parameter_version(2).labels("keep").send().await.unwrap();
    let blocked = ssm.put_parameter().name("/v").value("x").r#type(ParameterType::String).overwrite(true).send().await;
    let message = expect_code(blocked, "ParameterMaxVersionLimitExceeded");
    assert!(message.contains("Version 2"), "{message}");
    assert_eq!(value_of(&ssm, "/v", false).await, "value 101", "nothing was written");
}

#[tokio::test]
async fn tiers_sizes_patterns_data_types_and_the_default_tier_setting() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    let big = "b".repeat(5000);
    let r = ssm.put_parameter().name("/big").value(&big).r#type(ParameterType::String).send().await;
    expect_code(r, "ValidationException");
    let r = ssm
        .put_parameter()
        .name("/big")
        .value(&big)
        .r#type(ParameterType::String)
        .tier(ParameterTier::IntelligentTiering)
        .send()
        .await
        .unwrap();
    assert_eq!(r.tier(), Some(&ParameterTier::Advanced));
    let down =
        ssm.put_parameter().name("/big").value("small").tier(ParameterTier::Standard).overwrite(true).send().await;
    expect_code(down, "ValidationException");
    let kept = ssm.put_parameter().name("/big").value("small").overwrite(true).send().await.unwrap();
    assert_eq!(kept.tier(), Some(&ParameterTier::Advanced), "an Advanced parameter stays Advanced");
    let huge = "h".repeat(8193);
    let r = ssm
        .put_parameter()
        .name("/huge")
        .value(huge)
        .r#type(ParameterType::String)
        .tier(ParameterTier::Advanced)
        .send()
        .await;
    expect_code(r, "ValidationException");
    let small = ssm
        .put_parameter()
        .name("/small")
        .value("s")
        .r#type(ParameterType::String)
        .tier(ParameterTier::IntelligentTiering)
        .send()
        .await
        .unwrap();
    assert_eq!(small.tier(), Some(&ParameterTier::Standard));

    let pattern = |name: &str, value: &str, p: &str| {
        ssm.put_parameter().name(name).value(value).r#type(ParameterType::String).allowed_pattern(p).send()
    };
    pattern("/num", "123", r"^\d+$").await.expect("matches");
    expect_code(pattern("/num2", "12a", r"^\d+$").await, "ParameterPatternMismatchException");
    expect_code(pattern("/num3", "1", "(").await, "InvalidAllowedPatternException");
    let kept_pattern = ssm.put_parameter().name("/num").value("abc").overwrite(true).send().await;
    expect_code(kept_pattern, "ParameterPatternMismatchException");
    let ami = |value: &str| {
        ssm.put_parameter()
            .name("/ami")
            .value(value)
            .r#type(ParameterType::String)
            .data_type("aws:ec2:image")
            .overwrite(true)
            .send()
    };
    ami("ami-0123456789abcdef0").await.expect("an AMI id");
    expect_code(ami("not-an-ami").await, "ValidationException");
    let r = ssm.put_parameter().name("/dt").value("v").r#type(ParameterType::String).data_type("Text").send().await;
    expect_code(r, "ValidationException");

    const TIER: &str = "/ssm/parameter-store/default-parameter-tier";
    let setting = ssm.get_service_setting().setting_id(TIER).send().await.unwrap();
    let s = setting.service_setting().unwrap();
    assert_eq!((s.setting_value(), s.status()), (Some("Standard"), Some("Default")));
    ssm.update_service_setting().setting_id(TIER).setting_value("Advanced").send().await.unwrap();
    let r = ssm.put_parameter().name("/adv").value("v").r#type(ParameterType::String).send().await.unwrap();
    assert_eq!(r.tier(), Some(&ParameterTier::Advanced));
    let setting = ssm.get_service_setting().setting_id(TIER).send().await.unwrap();
    assert_eq!(setting.service_setting().unwrap().status(), Some("Customized"));
    expect_code(
        ssm.update_service_setting().setting_id(TIER).setting_value("Gold").send().await,
        "ValidationException",
    );
    let reset = ssm.reset_service_setting().setting_id(TIER).send().await.unwrap();
    assert_eq!(reset.service_setting().unwrap().setting_value(), Some("Standard"));
    expect_code(ssm.get_service_setting().setting_id("/ssm/other").send().await, "ServiceSettingNotFound");
    let policies = ssm
        .put_parameter()
        .name("/pol")
        .value("v")
        .r#type(ParameterType::String)
        .tier(ParameterTier::Advanced)
        .policies(r#"[{"Type":"Rotation","Version":"1.0","Attributes":{}}]"#)
        .send()
        .await;
    expect_code(policies, "InvalidPolicyTypeException");
}

#[tokio::test]
async fn describe_filters_tags_and_deletion() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
    ssm.put_parameter()
        .name("/svc/a")
        .value("1")
        .r#type(ParameterType::String)
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    put(&ssm, "/svc/b", "2", ParameterType::SecureString).await;
    put(&ssm, "/svc/deep/c", "3", ParameterType::StringList).await;
    put(&ssm, "plain", "4", ParameterType::String).await;
    let tagged_overwrite =
        ssm.put_parameter().name("/svc/a").value("1").overwrite(true).tags(tag("env", "prod")).send().await;
    expect_code(tagged_overwrite, "ValidationException");

    let names = |out: aws_sdk_ssm::operation::describe_parameters::DescribeParametersOutput| -> Vec<String> {
        out.parameters().iter().map(|p| p.name().unwrap().to_owned()).collect()
    };
    let all = ssm.describe_parameters().send().await.unwrap();
    assert_eq!(names(all), vec!["/svc/a", "/svc/b", "/svc/deep/c", "plain"]);
    let one_level = ssm.describe_parameters().parameter_filters(filter("Path", None, &["/svc"])).send().await;
    assert_eq!(names(one_level.unwrap()), vec!["/svc/a", "/svc/b"]);
    let recursive =
        ssm.describe_parameters().parameter_filters(filter("Path", Some("Recursive"), &["/svc"])).send().await;
    assert_eq!(names(recursive.unwrap()), vec!["/svc/a", "/svc/b", "/svc/deep/c"]);
    let secure = ssm.describe_parameters().parameter_filters(filter("Type", None, &["SecureString"])).send().await;
    assert_eq!(names(secure.unwrap()), vec!["/svc/b"]);
    let by_tag = ssm.describe_parameters().parameter_filters(filter("tag:env", None, &["prod"])).send().await;
    assert_eq!(names(by_tag.unwrap()), vec!["/svc/a"]);
    let contains = ssm.describe_parameters().parameter_filters(filter("Name", Some("Contains"), &["dee"])).send();
    assert_eq!(names(contains.await.unwrap()), vec!["/svc/deep/c"]);
    // Every key with each of its operators.
    let described = |f: ParameterStringFilter| ssm.describe_parameters().parameter_filters(f).send();
    let equals = described(filter("Name", Some("Equals"), &["/svc/a"])).await;
    assert_eq!(names(equals.unwrap()), vec!["/svc/a"]);
    let begins = described(filter("Name", Some("BeginsWith"), &["/svc/d"])).await;
    assert_eq!(names(begins.unwrap()), vec!["/svc/deep/c"]);
    let one_level = described(filter("Path", Some("OneLevel"), &["/svc/deep"])).await;
    assert_eq!(names(one_level.unwrap()), vec!["/svc/deep/c"]);
    let key = described(filter("KeyId", Some("Equals"), &["alias/aws/ssm"])).await;
    assert_eq!(names(key.unwrap()), vec!["/svc/b"]);
    let key = described(filter("KeyId", Some("BeginsWith"), &["alias/"])).await;
    assert_eq!(names(key.unwrap()), vec!["/svc/b"]);
    let tagged = described(filter("tag:env", Some("BeginsWith"), &["pr"])).await;
    assert_eq!(names(tagged.unwrap()), vec!["/svc/a"]);
    let tagged = described(filter("tag:env", Some("Equals"), &["pr"])).await;
    assert!(names(tagged.unwrap()).is_empty());
    let standard = described(filter("Tier", Some("Equals"), &["Standard"])).await;
    assert_eq!(names(standard.unwrap()), vec!["/svc/a", "/svc/b", "/svc/deep/c", "plain"]);
    assert!(names(described(filter("Tier", None, &["Advanced"])).await.unwrap()).is_empty());
    let text = described(filter("DataType", Some("Equals"), &["text"])).await;
    assert_eq!(names(text.unwrap()), vec!["/svc/a", "/svc/b", "/svc/deep/c", "plain"]);
    assert!(names(described(filter("DataType", None, &["aws:ec2:image"])).await.unwrap()).is_empty());
    let lists = described(filter("Type", Some("Equals"), &["StringList"])).await;
    assert_eq!(names(lists.unwrap()), vec!["/svc/deep/c"]);
    expect_code(described(filter("Path", Some("Equals"), &["/svc"])).await, "InvalidFilterOption");
    expect_code(described(filter("Name", Some("Recursive"), &["/svc"])).await, "InvalidFilterOption");
    // The older Filters: Type and KeyId equal.
    let legacy = |key: ParametersFilterKey, value: &str| {
        ssm.describe_parameters().filters(ParametersFilter::builder().key(key).values(value).build().unwrap()).send()
    };
    assert_eq!(names(legacy(ParametersFilterKey::Type, "SecureString").await.unwrap()), vec!["/svc/b"]);
    assert_eq!(names(legacy(ParametersFilterKey::KeyId, "alias/aws/ssm").await.unwrap()), vec!["/svc/b"]);
    let legacy = ParametersFilter::builder().key(ParametersFilterKey::Name).values("/svc/d").build().unwrap();
    assert_eq!(names(ssm.describe_parameters().filters(legacy.clone()).send().await.unwrap()), vec!["/svc/deep/c"]);
    let both = ssm.describe_parameters().filters(legacy).parameter_filters(filter("Type", None, &["String"])).send();
    expect_code(both.await, "ValidationException");
    expect_code(
        ssm.describe_parameters().parameter_filters(filter("Label", None, &["x"])).send().await,
        "InvalidFilterKey",
    );
    expect_code(
        ssm.describe_parameters().parameter_filters(filter("Type", Some("Contains"), &["String"])).send().await,
        "InvalidFilterOption",
    );
    expect_code(
        ssm.describe_parameters().parameter_filters(filter("Type", None, &["Bogus"])).send().await,
        "InvalidFilterValue",
    );
    let page = ssm.describe_parameters().max_results(2).send().await.unwrap();
    let token = page.next_token().expect("more").to_owned();
    let rest = ssm.describe_parameters().next_token(token).send().await.unwrap();
    assert_eq!(names(rest), vec!["/svc/deep/c", "plain"]);

    let kind = ResourceTypeForTagging::Parameter;
    ssm.add_tags_to_resource()
        .resource_type(kind.clone())
        .resource_id("/svc/a")
        .tags(tag("team", "x"))
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    let listed = ssm.list_tags_for_resource().resource_type(kind.clone()).resource_id("/svc/a").send().await.unwrap();
    let pairs: Vec<(&str, &str)> = listed.tag_list().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, vec![("env", "dev"), ("team", "x")]);
    ssm.remove_tags_from_resource()
        .resource_type(kind.clone())
        .resource_id("/svc/a")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let listed = ssm.list_tags_for_resource().resource_type(kind.clone()).resource_id("/svc/a").send().await.unwrap();
    assert_eq!(listed.tag_list().len(), 1);
    expect_code(
        ssm.list_tags_for_resource().resource_type(kind.clone()).resource_id("/nope").send().await,
        "InvalidResourceId",
    );
    expect_code(
        ssm.list_tags_for_resource().resource_type(ResourceTypeForTagging::Document).resource_id("d").send().await,
        "InvalidResourceType",
    );
    let mut too_many = ssm.add_tags_to_resource().resource_type(kind).resource_id("/svc/a");
    for i in 0..50 {
        too_many = too_many.tags(tag(&format!("k{i}"), "v"));
    }
    expect_code(too_many.send().await, "TooManyTagsError");

    ssm.delete_parameter().name("/svc/a").send().await.unwrap();
    expect_code(ssm.delete_parameter().name("/svc/a").send().await, "ParameterNotFound");
    expect_code(ssm.get_parameter().name("/svc/a").send().await, "ParameterNotFound");
    let out = ssm.delete_parameters().names("/svc/b").names("/svc/zz").names("plain").send().await.unwrap();
    assert_eq!(out.deleted_parameters(), ["/svc/b", "plain"]);
    assert_eq!(out.invalid_parameters(), ["/svc/zz"]);
    put(&ssm, "/svc/a", "again", ParameterType::String).await;
    let fresh = ssm.get_parameter().name("/svc/a").send().await.unwrap();
    assert_eq!(fresh.parameter().unwrap().version(), 1, "a deleted parameter's history went with it");
}

#[tokio::test]
async fn get_parameters_by_path_pages_through_thousands_with_filters() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    const N: usize = 2000;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let ssm = ssm.clone();
        tasks.push(tokio::spawn(async move {
            for i in (t..N).step_by(8) {
                let kind = if i % 3 == 0 { ParameterType::SecureString } else { ParameterType::String };
                put(&ssm, &format!("/fleet/g{}/p{i:05}", i % 10), &format!("v{i}"), kind).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    put(&ssm, "/fleet/top", "t", ParameterType::String).await;
    put(&ssm, "/fleetx/other", "o", ParameterType::String).await;

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = ssm
            .get_parameters_by_path()
            .path("/fleet")
            .recursive(true)
            .with_decryption(true)
            .max_results(10)
            .set_next_token(token)
            .send()
            .await
            .expect("page");
        pages += 1;
        for p in page.parameters() {
            let name = p.name().unwrap().to_owned();
            if let Some(i) = name.strip_prefix("/fleet/g").and_then(|r| r.split_once("/p")).map(|(_, i)| i) {
                let i: usize = i.parse().unwrap();
                assert_eq!(p.value(), Some(format!("v{i}").as_str()), "decrypted");
            }
            seen.push(name);
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), N + 1, "every parameter below /fleet once, /fleetx not");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "in name order without repeats");
    assert!(pages >= N / 10);

    let one_level = ssm.get_parameters_by_path().path("/fleet/").send().await.unwrap();
    let names: Vec<&str> = one_level.parameters().iter().map(|p| p.name().unwrap()).collect();
    assert_eq!(names, vec!["/fleet/top"]);
    let secure = ssm
        .get_parameters_by_path()
        .path("/fleet/g0")
        .parameter_filters(filter("Type", None, &["SecureString"]))
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert!(secure.parameters().iter().all(|p| p.r#type() == Some(&ParameterType::SecureString)));
    assert_eq!(secure.parameters().len(), 10);
    assert_ne!(secure.parameters()[0].value(), Some("v0"), "ciphertext without WithDecryption");
    put(&ssm, "/fleet/g0/p00000", "relabelled", ParameterType::SecureString).await;
    ssm.label_parameter_version().name("/fleet/g0/p00000").parameter_version(1).labels("old").send().await.unwrap();
    let labelled = ssm
        .get_parameters_by_path()
        .path("/fleet/g0")
        .with_decryption(true)
        .parameter_filters(filter("Label", None, &["old"]))
        .send()
        .await
        .unwrap();
    let found: Vec<(Option<&str>, Option<&str>)> =
        labelled.parameters().iter().map(|p| (p.value(), p.selector())).collect();
    assert_eq!(found, vec![(Some("v0"), Some(":old"))], "the labelled version");
    expect_code(
        ssm.get_parameters_by_path().path("/fleet").parameter_filters(filter("Name", None, &["x"])).send().await,
        "InvalidFilterKey",
    );
    expect_code(ssm.get_parameters_by_path().path("fleet").send().await, "ValidationException");
    expect_code(ssm.get_parameters_by_path().path("/fleet").max_results(11).send().await, "ValidationException");
}

#[tokio::test]
async fn a_user_allowed_one_branch_reads_only_that_branch() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    for env in ["dev", "prod"] {
        for n in ["a", "b"] {
            put(&ssm, &format!("/dept-1/app-1/{env}/{n}"), &format!("{env}-{n}"), ParameterType::String).await;
        }
    }
    let account = server.account().await;
    let policy = allow(
        r#"["ssm:GetParameter","ssm:GetParameters","ssm:GetParametersByPath"]"#,
        &format!("arn:aws:ssm:us-east-1:{account}:parameter/dept-1/app-1/dev/*"),
    );
    let dev = server.ssm(&server.user_with_policy("dev-reader", Some(&policy)).await);
    assert_eq!(value_of(&dev, "/dept-1/app-1/dev/a", false).await, "dev-a");
    let denied = dev.get_parameter().name("/dept-1/app-1/prod/a").send().await;
    let message = expect_code(denied, "AccessDeniedException");
    assert!(message.contains("ssm:GetParameter") && message.contains("parameter/dept-1/app-1/prod/a"), "{message}");
    expect_code(
        dev.get_parameters().names("/dept-1/app-1/dev/a").names("/dept-1/app-1/prod/a").send().await,
        "AccessDeniedException",
    );
    let by_path = dev.get_parameters_by_path().path("/dept-1").recursive(true).send().await.unwrap();
    let names: Vec<&str> = by_path.parameters().iter().map(|p| p.name().unwrap()).collect();
    assert_eq!(names, vec!["/dept-1/app-1/dev/a", "/dept-1/app-1/dev/b"]);
    expect_code(dev.get_parameters_by_path().path("/dept-1/app-1/prod").send().await, "AccessDeniedException");
    expect_code(
        dev.put_parameter().name("/dept-1/app-1/dev/c").value("v").r#type(ParameterType::String).send().await,
        "AccessDeniedException",
    );
    expect_code(dev.describe_parameters().send().await, "AccessDeniedException");
}

#[tokio::test]
async fn unserved_systems_manager_operations_are_unknown() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    expect_code(ssm.list_documents().send().await, "UnknownOperationException");
    expect_code(ssm.describe_instance_information().send().await, "UnknownOperationException");
}

#[tokio::test]
async fn a_secure_string_reaches_neither_the_database_nor_the_log_nor_the_trail() {
    let log = crate::leak::captured_log();
    let server = TestServer::start().await;
    let ssm = admin(&server);
    const CANARY: &str = "TRENT-SSM-CANARY-9876543210-zyxwvutsrqp-ABCDEFGH";
    let secret = crate::leak::Secret::new("SecureString", CANARY.as_bytes());
    ssm.put_parameter().name("/leak/one").value(CANARY).r#type(ParameterType::SecureString).send().await.unwrap();
    let big = format!("{CANARY}{}", "x".repeat(5000));
    ssm.put_parameter()
        .name("/leak/big")
        .value(&big)
        .r#type(ParameterType::SecureString)
        .tier(ParameterTier::Advanced)
        .send()
        .await
        .unwrap();
    assert_eq!(value_of(&ssm, "/leak/one", true).await, CANARY);
    ssm.get_parameters().names("/leak/one").names("/leak/big").with_decryption(true).send().await.unwrap();
    ssm.get_parameter_history().name("/leak/one").with_decryption(true).send().await.unwrap();
    ssm.get_parameters_by_path().path("/leak").with_decryption(true).send().await.unwrap();
    // A refused overwrite carries the value too.
    let _ = ssm.put_parameter().name("/leak/one").value(CANARY).r#type(ParameterType::SecureString).send().await;
    let dir = server.data_dir();
    let mut server = server;
    server.shutdown().await;
    let mut found = secret.found_in(&crate::leak::database_bytes(&dir));
    let logged = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    found.extend(secret.found_in(&logged).into_iter().map(|f| format!("log: {f}")));
    assert!(found.is_empty(), "found {found:?}");
}

/// Regression guard: an account holds at most 10,000 Standard parameters. The next new one
/// answers `ParameterLimitExceeded` in AWS's words and is not created; overwriting one of the
/// 10,000 still works, Intelligent-Tiering puts a new one in the Advanced tier, and a deleted
/// parameter frees its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_tier_holds_ten_thousand_parameters() {
    let server = TestServer::start().await;
    let ssm = admin(&server);
    const N: usize = 10_000;
    const WRITERS: usize = 16;
    let mut tasks = Vec::new();
    for t in 0..WRITERS {
        let ssm = ssm.clone();
        tasks.push(tokio::spawn(async move {
            for i in (t..N).step_by(WRITERS) {
                ssm.put_parameter()
                    .name(format!("/quota/p{i:05}"))
                    .value("v")
                    .r#type(ParameterType::String)
                    .send()
                    .await
                    .expect("under the quota");
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    let new_standard = |name: &'static str| {
        ssm.put_parameter().name(name).value("v").r#type(ParameterType::String).tier(ParameterTier::Standard).send()
    };
    let message = expect_code(new_standard("/quota/one-more").await, "ParameterLimitExceeded");
    assert!(message.starts_with("You have reached the maximum number of standard parameters"), "{message}");
    assert!(message.contains("account and Region (10000)"), "{message}");
    expect_code(ssm.get_parameter().name("/quota/one-more").send().await, "ParameterNotFound");
    // The default tier (Standard) is refused the same way.
    expect_code(
        ssm.put_parameter().name("/quota/default").value("v").r#type(ParameterType::String).send().await,
        "ParameterLimitExceeded",
    );

    let kept = ssm.put_parameter().name("/quota/p00007").value("w").overwrite(true).send().await.unwrap();
    assert_eq!((kept.version(), kept.tier()), (2, Some(&ParameterTier::Standard)));
    let tiered = ssm
        .put_parameter()
        .name("/quota/tiered")
        .value("v")
        .r#type(ParameterType::String)
        .tier(ParameterTier::IntelligentTiering)
        .send()
        .await
        .unwrap();
    assert_eq!(tiered.tier(), Some(&ParameterTier::Advanced), "Intelligent-Tiering moves past a full Standard tier");

    ssm.delete_parameter().name("/quota/p00000").send().await.unwrap();
    let freed = new_standard("/quota/one-more").await.unwrap();
    assert_eq!(freed.tier(), Some(&ParameterTier::Standard));
}
