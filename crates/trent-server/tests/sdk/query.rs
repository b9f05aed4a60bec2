//! The awsQuery endpoint with raw requests, for what the SDKs never send: unsigned and
//! malformed requests, unknown actions and versions, `GET` with a query string or a
//! presigned URL, and the XML error documents with their statuses.

use trent_core::Clock;

use crate::common::{RawAnswer, TestServer};

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

fn form(body: &str) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method("POST")
        .uri("/")
        .header("host", "localhost")
        .header("content-type", FORM)
        .body(body.as_bytes().to_vec())
        .expect("request")
}

impl RawAnswer {
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    /// `<Code>` of an `<ErrorResponse>`.
    fn xml_code(&self) -> String {
        let text = self.text();
        let start = text.find("<Code>").map(|i| i + 6).unwrap_or(0);
        let end = text.find("</Code>").unwrap_or(start);
        text[start..end].to_owned()
    }
}

#[tokio::test]
async fn unsigned_and_badly_signed_requests_get_xml_errors() {
    let server = TestServer::start().await;
    let answer = server.send_raw(form("Action=ListUsers&Version=2010-05-08")).await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (403, "MissingAuthenticationToken"));
    assert_eq!(answer.headers["content-type"], "text/xml");
    let text = answer.text();
    assert!(
        text.starts_with(
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
        ),
        "{text}"
    );
    let request_id = answer.headers["x-amzn-requestid"].to_str().unwrap();
    assert!(text.ends_with(&format!("<RequestId>{request_id}</RequestId></ErrorResponse>")), "{text}");

    let mut tampered = form("Action=ListUsers&Version=2010-05-08");
    server.sign(&mut tampered, "us-east-1", "iam");
    *tampered.body_mut() = b"Action=ListUsers&Version=2010-05-08&PathPrefix=/x/".to_vec();
    let answer = server.send_raw(tampered).await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (403, "SignatureDoesNotMatch"));

    let mut incomplete = form("Action=ListUsers");
    incomplete.headers_mut().insert("authorization", "AWS4-HMAC-SHA256 Credential=AKIA/20240101".parse().unwrap());
    let answer = server.send_raw(incomplete).await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "IncompleteSignature"));

    let mut unknown_key = form("Action=GetCallerIdentity&Version=2011-06-15");
    let view = trent_wire::sigv4::SignedRequest {
        method: "POST",
        path: "/",
        query: None,
        headers: unknown_key.headers(),
        body: unknown_key.body(),
    };
    let headers =
        trent_wire::sigv4::sign(&view, "AKIANOSUCHKEY0000000", b"secret", "us-east-1", "sts", server.clock.now(), None);
    for (name, value) in headers {
        unknown_key.headers_mut().insert(name, value);
    }
    let answer = server.send_raw(unknown_key).await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (403, "InvalidClientTokenId"));
    assert!(answer.text().contains("https://sts.amazonaws.com/doc/2011-06-15/"), "answered as STS");

    // A form body signed for KMS is neither IAM's nor STS's.
    let mut wrong_service = form("Action=ListUsers&Version=2010-05-08");
    server.sign(&mut wrong_service, "us-east-1", "kms");
    let answer = server.send_raw(wrong_service).await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (403, "SignatureDoesNotMatch"));
}

#[tokio::test]
async fn actions_versions_and_members_are_checked() {
    let server = TestServer::start().await;
    let call = |body: &str, service: &str| {
        let mut req = form(body);
        server.sign(&mut req, "us-east-1", service);
        server.send_raw(req)
    };
    let answer = call("Action=CreateBucket&Version=2010-05-08", "iam").await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "InvalidAction"));
    let answer = call("Action=ListUsers&Version=2011-06-15", "iam").await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "InvalidAction"));
    let answer = call("Action=GetCallerIdentity&Version=2010-05-08", "sts").await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "InvalidAction"));
    let answer = call("Version=2010-05-08", "iam").await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "MissingAction"));
    let answer = call("Action=CreateUser&Version=2010-05-08", "iam").await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "ValidationError"));
    assert!(answer.text().contains("Value null at &apos;userName&apos;"), "{}", answer.text());
    let answer = call("Action=ListUsers&ListUsers=1&Action=GetUser", "iam").await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "MalformedQueryString"));
    let answer =
        call("Action=CreateUser&Version=2010-05-08&UserName=x&PermissionsBoundary=arn:aws:iam::aws:policy/P", "iam")
            .await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "InvalidInput"));

    let answer = call("Action=CreateUser&Version=2010-05-08&UserName=a%26b%3Cc%3E", "iam").await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "ValidationError"));
    assert!(answer.text().contains("Value &apos;a&amp;b&lt;c&gt;&apos;"), "escaped: {}", answer.text());

    let answer = call(
        "Action=CreateUser&Version=2010-05-08&UserName=query-user&Tags.member.1.Key=k&Tags.member.1.Value=v",
        "iam",
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let text = answer.text();
    assert!(
        text.starts_with(
            "<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateUserResult><User>"
        ),
        "{text}"
    );
    assert!(text.contains("<Tags><member><Key>k</Key><Value>v</Value></member></Tags>"), "{text}");
}

#[tokio::test]
async fn get_requests_carry_the_action_in_the_query_string() {
    let server = TestServer::start().await;
    let mut req = http::Request::builder()
        .method("GET")
        .uri("/?Action=GetCallerIdentity&Version=2011-06-15")
        .header("host", "localhost")
        .body(Vec::new())
        .unwrap();
    server.sign(&mut req, "us-east-1", "sts");
    let answer = server.send_raw(req).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.text().contains("<GetCallerIdentityResult><UserId>AIDA"), "{}", answer.text());

    // A presigned URL: the signature and the action both in the query.
    let presigned = server.presigned_get("Action=ListUsers&Version=2010-05-08", &server.admin_creds(), "iam");
    let answer = server.send_raw(presigned).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.text().contains("<UserName>admin</UserName>"), "{}", answer.text());
}

/// `AssumeRole` members this server does not support are refused by name, never ignored
/// (`MinimumSessionTokenSize`, new in botocore 1.44.18, which no SDK here sends).
#[tokio::test]
async fn assume_role_refuses_the_members_it_does_not_support() {
    let server = TestServer::start().await;
    let body = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr\
                &RoleSessionName=s&MinimumSessionTokenSize=2048";
    let mut request = form(body);
    server.sign(&mut request, "us-east-1", "sts");
    let answer = server.send_raw(request).await;
    assert_eq!((answer.status, answer.xml_code().as_str()), (400, "ValidationError"), "{}", answer.text());
    assert!(answer.text().contains("MinimumSessionTokenSize is not supported by this server."), "{}", answer.text());
}
