//! `ListSecrets`: filters, order, pages; tags.

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SortOrderType, Tag};

use super::err_code;
use crate::common::TestServer;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

fn names(out: &aws_sdk_secretsmanager::operation::list_secrets::ListSecretsOutput) -> Vec<String> {
    out.secret_list().iter().map(|s| s.name().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn secrets_list_filters_sorts_and_pages() {
    let server = TestServer::start().await;
    let sm = server.secrets();
    for (i, name) in ["prod/a", "prod/b", "test/c", "test/d", "other"].iter().enumerate() {
        server.clock.advance(time::Duration::seconds(1));
        let team = if i % 2 == 0 { "red" } else { "blue" };
        let c = sm.create_secret().name(*name).description(format!("Database {name}")).tags(tag("team", team));
        c.secret_string("s").send().await.unwrap();
    }
    let desc = sm.list_secrets().send().await.unwrap();
    assert_eq!(names(&desc), ["other", "test/d", "test/c", "prod/b", "prod/a"], "newest first by default");
    let asc = sm.list_secrets().sort_order(SortOrderType::Asc).send().await.unwrap();
    assert_eq!(names(&asc), ["prod/a", "prod/b", "test/c", "test/d", "other"]);
    assert!(asc.secret_list()[0].secret_versions_to_stages().is_some());

    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = sm.list_secrets().max_results(2).set_next_token(token).send().await.unwrap();
        assert!(page.secret_list().len() <= 2);
        seen.extend(names(&page));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, names(&desc));
    assert_eq!(err_code(sm.list_secrets().next_token("garbage").send().await), "InvalidNextTokenException");

    let filter = |key: FilterNameStringType, values: &[&str]| {
        let mut f = Filter::builder().key(key);
        for v in values {
            f = f.values(*v);
        }
        f.build()
    };
    let by_name = sm.list_secrets().filters(filter(FilterNameStringType::Name, &["prod/"])).send().await.unwrap();
    assert_eq!(names(&by_name), ["prod/b", "prod/a"]);
    let not_prod = sm.list_secrets().filters(filter(FilterNameStringType::Name, &["!prod/"])).send().await.unwrap();
    assert_eq!(names(&not_prod), ["other", "test/d", "test/c"]);
    let red = sm.list_secrets().filters(filter(FilterNameStringType::TagValue, &["red"])).send().await.unwrap();
    assert_eq!(names(&red), ["other", "test/c", "prod/a"]);
    let both = sm
        .list_secrets()
        .filters(filter(FilterNameStringType::TagValue, &["red"]))
        .filters(filter(FilterNameStringType::Name, &["test/"]))
        .send()
        .await
        .unwrap();
    assert_eq!(names(&both), ["test/c"]);
    let any_case = sm.list_secrets().filters(filter(FilterNameStringType::Description, &["database OTHER"]));
    assert_eq!(names(&any_case.send().await.unwrap()), ["other"]);
    let all = sm.list_secrets().filters(filter(FilterNameStringType::All, &["BLUE"])).send().await.unwrap();
    assert_eq!(names(&all), ["test/d", "prod/b"]);

    // Tags.
    sm.tag_resource().secret_id("other").tags(tag("env", "dev")).tags(tag("team", "green")).send().await.unwrap();
    sm.untag_resource().secret_id("other").tag_keys("env").tag_keys("absent").send().await.unwrap();
    let d = sm.describe_secret().secret_id("other").send().await.unwrap();
    let tags: Vec<(String, String)> =
        d.tags().iter().map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned())).collect();
    assert_eq!(tags, [("team".to_owned(), "green".to_owned())]);
    let reserved = sm.tag_resource().secret_id("other").tags(tag("aws:x", "y")).send().await;
    assert_eq!(err_code(reserved), "InvalidParameterException");
    let mut many = sm.tag_resource().secret_id("other");
    for i in 0..50 {
        many = many.tags(tag(&format!("k{i}"), "v"));
    }
    assert_eq!(err_code(many.send().await), "LimitExceededException", "51 tags with the one already there");
}
