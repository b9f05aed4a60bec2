//! `resolve` and `exec` over a stand-in for the two services.

use std::cell::Cell;
use std::collections::BTreeMap;

use trent_client::ClientError;
use zeroize::Zeroizing;

use super::fetch::{Parameter, Source, Value};
use super::grammar::SecretVersion;
use super::*;

/// Parameters by selector (`name` or `name:version`) with their type; secrets by
/// `id/stage-or-version`; counts calls.
#[derive(Default)]
struct Fake {
    parameters: BTreeMap<String, (&'static str, &'static str)>,
    secrets: BTreeMap<String, Option<&'static str>>,
    calls: Cell<usize>,
}

fn not_found(code: &str) -> ClientError {
    ClientError::Aws { code: code.into(), message: "not found".into(), status: 400 }
}

impl Source for Fake {
    async fn parameter(&self, name: &str, decrypt: bool) -> Result<Parameter, ClientError> {
        self.calls.set(self.calls.get() + 1);
        let (kind, value) = self.parameters.get(name).ok_or_else(|| not_found("ParameterNotFound"))?;
        let value = if *kind == "SecureString" && !decrypt { "CIPHERTEXT" } else { value };
        Ok(Parameter { kind: (*kind).into(), value: Zeroizing::new(value.into()) })
    }

    async fn secret(&self, id: &str, version: &SecretVersion) -> Result<Option<Value>, ClientError> {
        self.calls.set(self.calls.get() + 1);
        let which = match version {
            SecretVersion::Current => "AWSCURRENT",
            SecretVersion::Stage(s) | SecretVersion::Id(s) => s,
        };
        let value = self.secrets.get(&format!("{id}/{which}")).ok_or_else(|| not_found("ResourceNotFoundException"))?;
        Ok(value.map(|v| Zeroizing::new(v.to_owned())))
    }

    async fn by_path(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<(Vec<(String, Value)>, Option<String>), ClientError> {
        // One parameter per page, to walk the pagination.
        let under: Vec<_> = self.parameters.iter().filter(|(n, _)| n.starts_with(path) && !n.contains(':')).collect();
        let at: usize = token.map_or(0, |t| t.parse().expect("token"));
        let page =
            under.get(at).map(|(n, (_, v))| vec![((*n).clone(), Zeroizing::new((*v).to_owned()))]).unwrap_or_default();
        let next = (at + 1 < under.len()).then(|| (at + 1).to_string());
        Ok((page, next))
    }
}

/// The connection options at their defaults (never used to connect here).
#[derive(clap::Parser)]
struct Defaults {
    #[command(flatten)]
    connection: Connection,
}

fn fake() -> Fake {
    let mut f = Fake::default();
    f.parameters.insert("/app/prod/db-url".into(), ("String", "postgres://db:5432/app"));
    f.parameters.insert("/app/prod/db-url:1".into(), ("String", "postgres://old:5432/app"));
    f.parameters.insert("/app/prod/hosts".into(), ("StringList", "a,b,c"));
    f.parameters.insert("/app/prod/nested/api-token".into(), ("SecureString", "tok-123"));
    f.parameters.insert("/other/x".into(), ("String", "value-of-x"));
    f.secrets.insert("db/AWSCURRENT".into(), Some(r#"{"username":"app","password":"s3cr3t","port":5432}"#));
    f.secrets.insert("db/AWSPREVIOUS".into(), Some(r#"{"username":"app","password":"old"}"#));
    f.secrets.insert("db/v-1".into(), Some(r#"{"password":"v1"}"#));
    f.secrets.insert("plain/AWSCURRENT".into(), Some("just text"));
    f.secrets.insert("binary/AWSCURRENT".into(), None);
    f
}

async fn render(source: &Fake, text: &str) -> Result<String, String> {
    Resolved::new(source).render(text).await.map(|v| v.to_string()).map_err(|e| e.to_string())
}

#[tokio::test]
async fn every_reference_form_renders() {
    let f = fake();
    let text = "url={{resolve:ssm:/app/prod/db-url}} old={{resolve:ssm:/app/prod/db-url:1}} \
                hosts={{resolve:ssm:/app/prod/hosts}} token={{resolve:ssm-secure:/app/prod/nested/api-token}} \
                whole={{resolve:secretsmanager:plain}} pw={{resolve:secretsmanager:db:SecretString:password}} \
                prev={{resolve:secretsmanager:db:SecretString:password:AWSPREVIOUS}} \
                v1={{resolve:secretsmanager:db::password::v-1}} port={{resolve:secretsmanager:db:SecretString:port}}";
    assert_eq!(
        render(&f, text).await.expect("render"),
        "url=postgres://db:5432/app old=postgres://old:5432/app hosts=a,b,c token=tok-123 whole=just text \
         pw=s3cr3t prev=old v1=v1 port=5432"
    );
}

#[tokio::test]
async fn a_reference_used_twice_is_fetched_once() {
    let f = fake();
    let out = render(&f, "{{resolve:ssm:/other/x}}-{{resolve:ssm:/other/x}}").await.expect("render");
    assert_eq!(out, "value-of-x-value-of-x");
    assert_eq!(f.calls.get(), 1);
}

#[tokio::test]
async fn each_failure_names_its_reference_and_no_value() {
    let f = fake();
    let cases = [
        ("{{resolve:ssm:/missing}}", "{{resolve:ssm:/missing}} did not resolve: ParameterNotFound"),
        (
            "{{resolve:ssm:/app/prod/nested/api-token}}",
            "names a SecureString parameter; this form reads only String and StringList",
        ),
        ("{{resolve:ssm-secure:/app/prod/db-url}}", "names a String parameter; this form reads only SecureString"),
        ("{{resolve:secretsmanager:binary}}", "holds SecretBinary"),
        ("{{resolve:secretsmanager:plain:SecretString:k}}", "is not a JSON object"),
        ("{{resolve:secretsmanager:db:SecretString:nope}}", "has no JSON key \"nope\""),
        ("{{resolve:secretsmanager:db:SecretString:password:AWSPENDING}}", "ResourceNotFoundException"),
        ("{{resolve:kms:x}}", "names a service other than"),
    ];
    for (text, expected) in cases {
        let e = render(&f, &format!("a {{{{resolve:ssm:/other/x}}}} then {text}")).await.unwrap_err();
        assert!(e.contains(expected), "{text}: {e}");
        assert!(!e.contains("s3cr3t") && !e.contains("tok-123") && !e.contains("value-of-x"), "{e}");
    }
}

#[tokio::test]
async fn exec_environment_from_buildspec_path_and_env() {
    let f = fake();
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("buildspec.yml");
    std::fs::write(
        &spec,
        "version: 0.2\nenv:\n  variables:\n    STAGE: prod\n  parameter-store:\n    TOKEN: /app/prod/nested/api-token\n    \
         URL: /app/prod/db-url\n  secrets-manager:\n    DB_USER: db:username\n    DB_PASS: db:password:AWSPREVIOUS\n",
    )
    .expect("write");
    let args = ExecArgs {
        env: vec!["DSN=postgres://{{resolve:secretsmanager:db::username}}@host".into(), "STAGE=override".into()],
        paths: vec!["/app/prod/".into()],
        buildspec: Some(spec),
        connection: <Defaults as clap::Parser>::parse_from(["trent"]).connection,
        command: vec!["true".into()],
    };
    let env = environment(&args, &f).await.expect("environment");
    let env: BTreeMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(env["STAGE"], "override", "--env overrides the buildspec");
    assert_eq!(env["TOKEN"], "tok-123", "parameter-store decrypts SecureStrings");
    assert_eq!(env["DB_USER"], "app");
    assert_eq!(env["DB_PASS"], "old");
    assert_eq!(env["DSN"], "postgres://app@host");
    assert_eq!(env["DB_URL"], "postgres://db:5432/app", "--path names variables after the rest of the name");
    assert_eq!(env["NESTED_API_TOKEN"], "tok-123");
    assert_eq!(env["HOSTS"], "a,b,c");
    assert!(!env.contains_key("X"), "only parameters under the path");
}

#[test]
fn variable_names_from_parameter_names() {
    assert_eq!(variable_name("/app/prod", "/app/prod/db-url").expect("name"), "DB_URL");
    assert_eq!(variable_name("/app/prod/", "/app/prod/a.b/c").expect("name"), "A_B_C");
    assert!(variable_name("/app", "/app/1password").is_err(), "a variable cannot start with a digit");
    assert!(check_name("GOOD_1").is_ok());
    assert!(check_name("").is_err());
    assert!(check_name("BAD-NAME").is_err());
}
