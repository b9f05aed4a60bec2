//! Hostile input: the parser and evaluator must answer (an error or an evaluation) for any
//! text, never panic or hang. A deterministic generator mutates valid documents so that a
//! failure reproduces; a panic fails the test.

use super::{KEY, context, session, user};
use crate::policy::{Policy, PolicyKind, Request, RequestPrincipal};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/Admin"]},"Action":["kms:*"],"Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","${aws:username}"]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"kms:Describe*","NotResource":"arn:aws:kms:*:*:key/${aws:PrincipalTag/k, 'd''x'}","Condition":{"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00+01:00"},"NumericGreaterThanEquals":{"aws:n":"-1.5"},"BinaryEquals":{"aws:b":"QQ=="},"ArnLike":{"aws:SourceArn":"arn:aws:s3:::${$}*"}}}}"#,
];

/// Pieces that stress the grammar and the pattern syntax.
const FRAGMENTS: &[&str] = &[
    "${",
    "}",
    "'",
    "*",
    "?",
    ":",
    "\"",
    ",",
    "[",
    "]",
    "{",
    "}",
    "${*}",
    "${aws:x, '",
    "\\u0000",
    "é",
    "null",
    "1e309",
    "-",
    ".",
    "/",
    "::",
    "ForAnyValue:",
    "IfExists",
    "arn:aws:iam::111122223333:root",
];

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut text: Vec<char> = seed.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(text.len() + 1);
        match rng.below(3) {
            0 if at < text.len() => {
                let end = (at + 1 + rng.below(8)).min(text.len());
                text.drain(at..end);
            }
            1 => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())];
                text.splice(at..at, fragment.chars());
            }
            _ => {
                let c = char::from_u32(rng.below(0x250) as u32).unwrap_or('x');
                text.insert(at, c);
            }
        }
    }
    text.into_iter().collect()
}

#[test]
fn mutated_documents_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let callers = [
        user("alice"),
        session("Admin", "s"),
        RequestPrincipal::anonymous(),
        RequestPrincipal::service("logs.amazonaws.com"),
    ];
    let ctx = context(&[
        ("aws:TagKeys", &["a1", "b"]),
        ("aws:SourceIp", &["10.1.2.3"]),
        ("aws:CurrentTime", &["2023-06-01T00:00:00Z"]),
        ("aws:n", &["0"]),
        ("aws:b", &["QQ"]),
        ("aws:SourceArn", &["arn:aws:s3:::$x"]),
    ]);
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..3000 {
        let seed = SEEDS[round % SEEDS.len()];
        let document = mutate(&mut rng, seed);
        for kind in [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Trust] {
            match Policy::parse(&document, kind) {
                Ok(policy) => {
                    parsed += 1;
                    for caller in &callers {
                        let request =
                            Request { principal: caller, action: "kms:Encrypt", resource: KEY, context: &ctx };
                        let _ = policy.evaluate(&request);
                    }
                }
                Err(e) => {
                    refused += 1;
                    assert!(!e.to_string().is_empty(), "empty error message for {document}");
                }
            }
        }
    }
    // Both paths must have been exercised, or the generator is broken.
    assert!(parsed > 100 && refused > 100, "parsed {parsed}, refused {refused}");
}

#[test]
fn pathological_patterns_finish() {
    // Many stars against a long near-miss: the matcher is linear-backtracking, not exponential.
    let stars = "a*".repeat(200);
    let doc = format!(r#"{{"Statement":{{"Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:::{stars}b"}}}}"#);
    let policy = Policy::parse(&doc, PolicyKind::Identity).unwrap_or_else(|e| panic!("{e}"));
    let resource = format!("arn:aws:kms:::{}", "a".repeat(5000));
    let started = std::time::Instant::now();
    let evaluation = policy.evaluate(&Request {
        principal: &user("alice"),
        action: "kms:Encrypt",
        resource: &resource,
        context: &context(&[]),
    });
    assert_eq!(evaluation.allow, None, "the resource does not end in b");
    assert!(started.elapsed().as_secs() < 5, "matching took {:?}", started.elapsed());
}
