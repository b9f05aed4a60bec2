//! Known-answer tests from the AWS Signature Version 4 test suite.
//!
//! Source: the SigV4 test suite AWS publishes with its general reference
//! (<https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html>), in the revision
//! maintained by AWS in `awslabs/aws-c-auth`, `tests/aws-signing-test-suite/v4/<case>/`
//! (`header-canonical-request.txt`, `header-string-to-sign.txt`, `header-signature.txt`, and the
//! `query-*` files for presigning), as vendored in the `aws-sigv4` 1.6.4 crate under
//! `aws-signing-test-suite/v4/`. `POST_X_WWW_FORM_URLENCODED_2015` is the original 2015 suite's
//! version of that case (`aws-sig-v4-test-suite/post-x-www-form-urlencoded/*.creq`, `.sts`,
//! `.authz`), which signs only `content-type;host;x-amz-date`.
//!
//! Every case uses access key `AKIDEXAMPLE`, secret `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`,
//! region `us-east-1`, service `service` and time `20150830T123600Z`, except `double-url-encode`.
//! Each case is checked three ways: the canonical request and string to sign computed by the
//! shared canonicalisation code, the `Authorization` header produced by signing (through the
//! public `sign` whenever the case signs the headers `sign` chooses), and `verify` accepting it.
//! The file ends with AWS's documented signing-key example and targeted checks of the
//! canonical query and URI encoding.

use http::HeaderMap;

use super::super::canonical::{self, AmzDate, Scope, SigningInput};
use super::super::limits::canonical_len_bound;
use super::super::sign::{ClientCredentials, headers_to_sign, sign_listed};
use super::super::{SignedRequest, parse_authorization, presign, sign, signing_key, verify};
use super::{AKID, REGION, SECRET, SERVICE, header_map, minutes, suite_time};

/// The session token of the suite's `post-sts-header-before` case.
const STS_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

const HOST: (&str, &str) = ("host", "example.amazonaws.com");
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// One header-signed case of the suite.
struct Vector {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    /// The request's headers before signing, in wire order (repeats kept).
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    token: Option<&'static str>,
    /// `SignedHeaders` of the expected `Authorization` header.
    signed: &'static [&'static str],
    creq: &'static str,
    /// The last line of the string to sign: the hex SHA-256 of `creq`.
    creq_hash: &'static str,
    signature: &'static str,
}

fn check(v: &Vector) {
    let now = suite_time();
    let headers = header_map(v.headers);
    let req = SignedRequest { method: v.method, path: v.path, query: v.query, headers: &headers, body: v.body };
    let client = ClientCredentials { access_key_id: AKID, region: REGION, service: SERVICE, session_token: v.token };

    let added = sign_listed(&req, &client, now, Some(v.signed), &|date| signing_key(SECRET, date, REGION, SERVICE));
    let mut signed = headers.clone();
    for (name, value) in &added {
        signed.insert(name, value.clone());
    }
    let expected = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={}, Signature={}",
        v.signed.join(";"),
        v.signature
    );
    assert_eq!(signed["authorization"], expected.as_str(), "{}: authorization", v.name);
    if headers_to_sign(&signed) == v.signed {
        assert_eq!(sign(&req, AKID, SECRET, REGION, SERVICE, now, v.token), added, "{}: public sign", v.name);
    }

    let signed_req = SignedRequest { headers: &signed, ..req };
    let auth = parse_authorization(&signed_req).unwrap_or_else(|e| panic!("{}: {e}", v.name));
    assert_eq!(auth.signed_headers, v.signed, "{}", v.name);
    assert_eq!(auth.security_token.as_deref(), v.token, "{}", v.name);
    let amz_date = AmzDate::new(auth.timestamp);
    let body_hash = canonical::payload_hash_hex(v.body);
    let input = SigningInput {
        signed_headers: &auth.signed_headers,
        query_auth: false,
        payload_hash: &body_hash,
        amz_date: &amz_date,
        scope: Scope { date: "20150830", region: REGION, service: SERVICE },
    };
    let creq = canonical::canonical_request(&signed_req, &input).expect("all signed headers present");
    assert!(creq.len() <= canonical_len_bound(&signed_req), "{}: canonical request within the bound", v.name);
    assert_eq!(String::from_utf8_lossy(&creq), v.creq, "{}: canonical request", v.name);
    let sts = canonical::string_to_sign(&input, &creq);
    let expected_sts =
        format!("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n{}", v.creq_hash);
    assert_eq!(String::from_utf8_lossy(&sts), expected_sts, "{}: string to sign", v.name);

    let key = signing_key(SECRET, "20150830", REGION, SERVICE);
    verify(&auth, &signed_req, &key).unwrap_or_else(|e| panic!("{}: verify: {e}", v.name));
}

macro_rules! vectors {
    ($($test:ident => $vector:expr;)*) => {
        $(
            #[test]
            fn $test() {
                check(&$vector);
            }
        )*
    };
}

vectors! {
    get_vanilla => Vector {
        name: "get-vanilla", method: "GET", path: "/", query: None, headers: &[HOST], body: b"", token: None,
        signed: &["host", "x-amz-date"],
        creq: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    };
    get_vanilla_query_order_key_case => Vector {
        name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: Some("Param2=value2&Param1=value1"),
        headers: &[HOST], body: b"", token: None, signed: &["host", "x-amz-date"],
        creq: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    };
    get_vanilla_query_order_encoded => Vector {
        name: "get-vanilla-query-order-encoded", method: "GET", path: "/",
        query: Some("Param-3=Value3&Param=Value2&%E1%88%B4=Value1"), headers: &[HOST], body: b"", token: None,
        signed: &["host", "x-amz-date"],
        creq: "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71",
        signature: "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
    };
    get_vanilla_query_unreserved => Vector {
        name: "get-vanilla-query-unreserved", method: "GET", path: "/",
        query: Some("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
        headers: &[HOST], body: b"", token: None, signed: &["host", "x-amz-date"],
        creq: "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
        signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    };
    get_vanilla_utf8_query => Vector {
        name: "get-vanilla-utf8-query", method: "GET", path: "/", query: Some("\u{1234}=bar"), headers: &[HOST],
        body: b"", token: None, signed: &["host", "x-amz-date"],
        creq: "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
        signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    };
    get_utf8 => Vector {
        name: "get-utf8", method: "GET", path: "/\u{1234}", query: None, headers: &[HOST], body: b"", token: None,
        signed: &["host", "x-amz-date"],
        creq: "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
        signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    };
    get_space => Vector {
        name: "get-space-unnormalized", method: "GET", path: "/example space/", query: None, headers: &[HOST],
        body: b"", token: None, signed: &["host", "x-amz-date"],
        creq: "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    };
    get_header_value_trim => Vector {
        name: "get-header-value-trim", method: "GET", path: "/", query: None,
        headers: &[HOST, ("my-header1", " value1"), ("my-header2", "\"a   b   c\"")], body: b"", token: None,
        signed: &["host", "my-header1", "my-header2", "x-amz-date"],
        creq: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
        signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    };
    get_header_key_duplicate => Vector {
        name: "get-header-key-duplicate", method: "GET", path: "/", query: None,
        headers: &[HOST, ("my-header1", "value2"), ("my-header1", "value2"), ("my-header1", "value1")], body: b"",
        token: None, signed: &["host", "my-header1", "x-amz-date"],
        creq: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
        signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    };
    post_vanilla => Vector {
        name: "post-vanilla", method: "POST", path: "/", query: None, headers: &[HOST], body: b"", token: None,
        signed: &["host", "x-amz-date"],
        creq: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    };
    post_x_www_form_urlencoded => Vector {
        name: "post-x-www-form-urlencoded", method: "POST", path: "/", query: None,
        headers: &[
            ("content-type", "application/x-www-form-urlencoded"), HOST, ("content-length", "13"),
            ("x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
        ],
        body: b"Param1=value1", token: None,
        signed: &["content-length", "content-type", "host", "x-amz-content-sha256", "x-amz-date"],
        creq: "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nx-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        creq_hash: "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
        signature: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    };
    post_x_www_form_urlencoded_2015 => Vector {
        name: "post-x-www-form-urlencoded (2015 suite)", method: "POST", path: "/", query: None,
        headers: &[("content-type", "application/x-www-form-urlencoded"), HOST], body: b"Param1=value1", token: None,
        signed: &["content-type", "host", "x-amz-date"],
        creq: "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        creq_hash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
        signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    };
    post_sts_header_before => Vector {
        name: "post-sts-header-before", method: "POST", path: "/", query: None, headers: &[HOST], body: b"",
        token: Some(STS_TOKEN), signed: &["host", "x-amz-date", "x-amz-security-token"],
        creq: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n\nhost;x-amz-date;x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
        signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
    };
    get_vanilla_with_session_token => Vector {
        name: "get-vanilla-with-session-token", method: "GET", path: "/", query: None, headers: &[HOST], body: b"",
        token: Some("6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"),
        signed: &["host", "x-amz-date", "x-amz-security-token"],
        creq: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\nhost;x-amz-date;x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        creq_hash: "067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b",
        signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    };
}

/// `double-url-encode` (aws-sigv4's addition to the suite, from a real Lambda request): the
/// received path is encoded once more, as SDKs for non-S3 services do. Its secret is not
/// published, so only the canonical request and string to sign are checked.
#[test]
fn double_url_encode() {
    let headers = header_map(&[("host", "lambda.us-east-2.amazonaws.com"), ("x-amz-date", "20210511T154045Z")]);
    let path =
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A892717189312%3Afunction%3Amy-rusty-fun/invocations";
    let req = SignedRequest { method: "POST", path, query: None, headers: &headers, body: b"" };
    let amz_date = AmzDate::new(time::macros::datetime!(2021-05-11 15:40:45 UTC));
    let input = SigningInput {
        signed_headers: &["host", "x-amz-date"],
        query_auth: false,
        payload_hash: EMPTY_HASH.as_bytes(),
        amz_date: &amz_date,
        scope: Scope { date: "20210511", region: "us-east-2", service: "lambda" },
    };
    let creq = canonical::canonical_request(&req, &input).expect("headers present");
    assert_eq!(
        String::from_utf8_lossy(&creq),
        "POST\n/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-west-2%253A892717189312%253Afunction%253Amy-rusty-fun/invocations\n\nhost:lambda.us-east-2.amazonaws.com\nx-amz-date:20210511T154045Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        String::from_utf8_lossy(&canonical::string_to_sign(&input, &creq)),
        "AWS4-HMAC-SHA256\n20210511T154045Z\n20210511/us-east-2/lambda/aws4_request\n684dbb3c92a8b6b1e452e23e523c1ea941c713a4c13500bb9f3bdad1e19afaf7"
    );
}

/// `get-vanilla`, presigned (`query-canonical-request.txt`, `query-signature.txt`,
/// `query-signed-request.txt`): `presign` produces the suite's signature, and `verify` accepts
/// the suite's URL, whose parameters come in a different order.
#[test]
fn get_vanilla_presigned() {
    let headers = header_map(&[HOST]);
    let req = SignedRequest { method: "GET", path: "/", query: None, headers: &headers, body: b"" };
    let query = presign(&req, AKID, SECRET, REGION, SERVICE, suite_time(), minutes(60), None);
    assert_eq!(
        query,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"
    );

    let suite_query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d";
    let req = SignedRequest { query: Some(suite_query), ..req };
    let auth = parse_authorization(&req).expect("suite URL parses");
    let amz_date = AmzDate::new(auth.timestamp);
    let input = SigningInput {
        signed_headers: &auth.signed_headers,
        query_auth: true,
        payload_hash: EMPTY_HASH.as_bytes(),
        amz_date: &amz_date,
        scope: Scope { date: "20150830", region: REGION, service: SERVICE },
    };
    let creq = canonical::canonical_request(&req, &input).expect("headers present");
    assert_eq!(
        String::from_utf8_lossy(&creq),
        "GET\n/\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\nhost:example.amazonaws.com\n\nhost\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        String::from_utf8_lossy(&canonical::string_to_sign(&input, &creq)),
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb7705b4aa3cb8e8f5e1e0b3d4c0b64030797a313c8ceee43e33117cc43eadc5"
    );
    verify(&auth, &req, &signing_key(SECRET, "20150830", REGION, SERVICE)).expect("suite URL verifies");
}

/// `post-x-www-form-urlencoded`, presigned (`query-signed-request.txt`): a body and signed
/// `content-length` and `content-type` headers alongside a query signature.
#[test]
fn post_x_www_form_urlencoded_presigned() {
    let headers: HeaderMap =
        header_map(&[("content-type", "application/x-www-form-urlencoded"), HOST, ("content-length", "13")]);
    let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Expires=3600&X-Amz-Signature=89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9";
    let req =
        SignedRequest { method: "POST", path: "/", query: Some(query), headers: &headers, body: b"Param1=value1" };
    let auth = parse_authorization(&req).expect("suite URL parses");
    assert_eq!(auth.signed_headers, ["content-length", "content-type", "host"]);
    verify(&auth, &req, &signing_key(SECRET, "20150830", REGION, SERVICE)).expect("suite URL verifies");
}

/// AWS's documented signing-key derivation example (secret above, 20150830, us-east-1, iam).
#[test]
fn signing_key_matches_the_aws_documentation() {
    let key = signing_key(SECRET, "20150830", REGION, "iam");
    let mut hex = Vec::new();
    canonical::push_hex_lower(&mut hex, &key.0);
    assert_eq!(String::from_utf8(hex).unwrap(), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

#[test]
fn canonical_query_and_uri_follow_rfc_3986() {
    let headers = header_map(&[("host", "h")]);
    let req = SignedRequest {
        method: "GET",
        path: "/a%2Fb/c d/",
        query: Some("b=2&a=1&a=0&flag&&sp=a%20b&plus=a+b&tilde=%7e&bad=%zz&X-Amz-Signature=x"),
        headers: &headers,
        body: b"",
    };
    let amz_date = AmzDate::new(suite_time());
    let mut input = SigningInput {
        signed_headers: &["host"],
        query_auth: false,
        payload_hash: b"UNSIGNED-PAYLOAD",
        amz_date: &amz_date,
        scope: Scope { date: "20150830", region: REGION, service: SERVICE },
    };
    let creq = canonical::canonical_request(&req, &input).unwrap();
    assert_eq!(
        String::from_utf8(creq).unwrap(),
        "GET\n/a%252Fb/c%20d/\nX-Amz-Signature=x&a=0&a=1&b=2&bad=%25zz&flag=&plus=a%2Bb&sp=a%20b&tilde=~\nhost:h\n\nhost\nUNSIGNED-PAYLOAD"
    );
    input.query_auth = true;
    let req = SignedRequest { path: "", query: Some("X-Amz-%53ignature=x"), ..req };
    assert_eq!(
        String::from_utf8(canonical::canonical_request(&req, &input).unwrap()).unwrap().lines().nth(1),
        Some("/")
    );
    assert_eq!(
        String::from_utf8(canonical::canonical_request(&req, &input).unwrap()).unwrap().lines().nth(2),
        Some("")
    );
}

#[test]
fn a_signer_produces_exactly_what_sign_produces_across_days() {
    let headers = header_map(&[("host", "example.amazonaws.com"), ("content-type", "application/x-amz-json-1.1")]);
    let req = SignedRequest { method: "POST", path: "/", query: None, headers: &headers, body: b"{}" };
    let signer = super::super::Signer::new(AKID, trent_crypto::SecretBytes::from_slice(SECRET), REGION, SERVICE, None);
    for day in [0, 0, 1, 1, 0] {
        let now = suite_time() + time::Duration::days(day);
        assert_eq!(signer.sign(&req, now), sign(&req, AKID, SECRET, REGION, SERVICE, now, None), "day +{day}");
    }
}
