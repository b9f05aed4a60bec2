use super::*;

fn value(json: &str) -> SecretValue {
    SecretValue::String(SecretBytes::from_slice(json.as_bytes()))
}

fn text(v: &SecretValue) -> String {
    let SecretValue::String(b) = v else { panic!("binary") };
    String::from_utf8(b.expose_secret().to_vec()).unwrap()
}

#[test]
fn reads_the_template_members() {
    let s = DbSecret::parse(&value(
        r#"{"engine":"postgres","host":"db.example","port":"6432","username":"app","password":"p\"w","dbname":"shop","masterarn":"arn:m","ssl":"TRUE","extra":[1,2]}"#,
    ))
    .unwrap();
    assert_eq!((s.engine.as_str(), s.host.as_str(), s.port), ("postgres", "db.example", Some(6432)));
    assert_eq!(
        (s.username.as_str(), s.dbname.as_deref(), s.masterarn.as_deref()),
        ("app", Some("shop"), Some("arn:m"))
    );
    assert_eq!(s.password.expose_secret(), b"p\"w");
    assert_eq!(s.ssl, SslChoice::Required);
    let port_number = DbSecret::parse(&value(
        r#"{"engine":"mysql","host":"h","port":3307,"username":"u","password":"p","ssl":false}"#,
    ))
    .unwrap();
    assert_eq!((port_number.port, port_number.ssl), (Some(3307), SslChoice::Disabled));
    let defaults =
        DbSecret::parse(&value(r#"{"engine":"mysql","host":"h","username":"u","password":"p","ssl":"maybe"}"#))
            .unwrap();
    assert_eq!((defaults.port, defaults.dbname, defaults.ssl), (None, None, SslChoice::Preferred));
}

#[test]
fn refusals_name_the_member_not_the_value() {
    let cases = [
        (r#"[1]"#, SecretJsonError::NotAnObject),
        (r#"not json"#, SecretJsonError::NotAnObject),
        (r#"{"engine":"mysql","host":"h","username":"u"}"#, SecretJsonError::Missing { field: "password" }),
        (r#"{"engine":"mysql","host":"h","password":"p"}"#, SecretJsonError::Missing { field: "username" }),
        (r#"{"host":"h","username":"u","password":"p"}"#, SecretJsonError::Missing { field: "engine" }),
        (
            r#"{"engine":"mysql","host":"h","username":"u","password":7}"#,
            SecretJsonError::Invalid { field: "password" },
        ),
        (
            r#"{"engine":"mysql","host":"h","username":"u","password":"p","port":"x"}"#,
            SecretJsonError::Invalid { field: "port" },
        ),
        (
            r#"{"engine":"mysql","host":"h","username":"u","password":"p","port":70000}"#,
            SecretJsonError::Invalid { field: "port" },
        ),
        (
            r#"{"engine":"mysql","host":"h","username":"u","password":"p","port":0}"#,
            SecretJsonError::Invalid { field: "port" },
        ),
        (
            r#"{"engine":"mysql","host":["h"],"username":"u","password":"p"}"#,
            SecretJsonError::Invalid { field: "host" },
        ),
    ];
    for (json, want) in cases {
        let err = DbSecret::parse(&value(json)).unwrap_err();
        assert_eq!(err, want, "{json}");
    }
    let binary = SecretValue::Binary(SecretBytes::from_slice(b"{}"));
    assert_eq!(DbSecret::parse(&binary).unwrap_err(), SecretJsonError::Binary);
}

#[test]
fn writes_back_every_member_and_the_new_password() {
    let s = DbSecret::parse(&value(
        r#"{"engine":"postgres","host":"h","port":5432,"username":"app","password":"old","extra":{"k":[true]}}"#,
    ))
    .unwrap();
    let new = s.with_username("app_clone").with_password(SecretBytes::from_slice(b"n\"e\\w\x01"));
    let json: serde_json::Value = serde_json::from_str(&text(&new.to_value().unwrap())).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"engine":"postgres","host":"h","port":5432,"username":"app_clone","password":"n\"e\\w\u{1}","extra":{"k":[true]}})
    );
    let again = DbSecret::parse(&new.to_value().unwrap()).unwrap();
    assert_eq!(again.password.expose_secret(), b"n\"e\\w\x01");
}

#[test]
fn debug_never_shows_the_password() {
    let s =
        DbSecret::parse(&value(r#"{"engine":"mysql","host":"h","username":"u","password":"s3cr3t-value"}"#)).unwrap();
    assert!(!format!("{s:?}").contains("s3cr3t"));
}
