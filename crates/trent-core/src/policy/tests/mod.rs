//! Tests of the policy engine, by topic. Every file is table-driven: each case has a name, a
//! failing run lists every failing case at once, and a subtle expectation carries the reason.

mod actions_resources;
mod conditions_sets;
mod conditions_string;
mod conditions_typed;
mod evaluation;
mod fuzz;
mod limits;
mod parse_errors;
mod parse_shapes;
mod principals;
mod variables;

use std::fmt::Debug;

use crate::policy::{ConditionContext, Evaluation, Policy, PolicyKind, PrincipalType, Request, RequestPrincipal};

/// The account most callers belong to.
pub(super) const ACCOUNT: &str = "111122223333";
/// Another account.
pub(super) const OTHER: &str = "444455556666";
/// A key ARN in [`ACCOUNT`].
pub(super) const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// IAM user `name` of `account`.
pub(super) fn user_of(account: &str, name: &str) -> RequestPrincipal {
    RequestPrincipal {
        arn: format!("arn:aws:iam::{account}:user/{name}"),
        account: account.to_owned(),
        principal_type: PrincipalType::User,
        user_id: format!("AIDA{}", name.to_uppercase()),
        username: Some(name.to_owned()),
        service: None,
    }
}

/// IAM user `name` of [`ACCOUNT`].
pub(super) fn user(name: &str) -> RequestPrincipal {
    user_of(ACCOUNT, name)
}

/// The root user of `account`.
pub(super) fn root(account: &str) -> RequestPrincipal {
    RequestPrincipal {
        arn: format!("arn:aws:iam::{account}:root"),
        account: account.to_owned(),
        principal_type: PrincipalType::Root,
        user_id: account.to_owned(),
        username: None,
        service: None,
    }
}

/// A session of role `role_path_name` (`Admin` or `team/Admin`) of [`ACCOUNT`].
pub(super) fn session(role_path_name: &str, session: &str) -> RequestPrincipal {
    let role_name = role_path_name.rsplit('/').next().unwrap_or(role_path_name);
    RequestPrincipal {
        arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}"),
        account: ACCOUNT.to_owned(),
        principal_type: PrincipalType::AssumedRole {
            role_arn: format!("arn:aws:iam::{ACCOUNT}:role/{role_path_name}"),
        },
        user_id: format!("AROAROLE:{session}"),
        username: None,
        service: None,
    }
}

/// A `GetFederationToken` session named `name` of [`ACCOUNT`].
pub(super) fn federated_user(name: &str) -> RequestPrincipal {
    RequestPrincipal {
        arn: format!("arn:aws:sts::{ACCOUNT}:federated-user/{name}"),
        account: ACCOUNT.to_owned(),
        principal_type: PrincipalType::FederatedUser,
        user_id: format!("{ACCOUNT}:{name}"),
        username: None,
        service: None,
    }
}

/// A context from `(key, values)` pairs.
pub(super) fn context(pairs: &[(&str, &[&str])]) -> ConditionContext {
    let mut ctx = ConditionContext::new();
    for (key, values) in pairs {
        ctx.insert_all(key, values.iter().copied());
    }
    ctx
}

/// Parses a document the test expects to be valid.
pub(super) fn policy(kind: PolicyKind, document: &str) -> Policy {
    match Policy::parse(document, kind) {
        Ok(policy) => policy,
        Err(e) => panic!("{kind:?} policy refused ({e}, {:?}): {document}", e.kind()),
    }
}

/// Evaluates `policy` for `principal` doing `action` on `resource`.
pub(super) fn evaluate(
    policy: &Policy,
    principal: &RequestPrincipal,
    action: &str,
    resource: &str,
    ctx: &ConditionContext,
) -> Evaluation {
    policy.evaluate(&Request { principal, action, resource, context: ctx })
}

/// An identity policy allowing `kms:Encrypt` on everything under `condition` (a JSON object).
pub(super) fn condition_policy(condition: &str) -> Policy {
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{condition}}}}}"#
    );
    policy(PolicyKind::Identity, &document)
}

/// Whether `condition` holds for user `alice` with context `pairs`.
pub(super) fn holds(condition: &str, pairs: &[(&str, &[&str])]) -> bool {
    let policy = condition_policy(condition);
    evaluate(&policy, &user("alice"), "kms:Encrypt", KEY, &context(pairs)).is_allowed()
}

/// Asserts every `(name, actual, expected)`, listing all mismatches.
pub(super) fn check<T: Debug + PartialEq>(results: impl IntoIterator<Item = (&'static str, T, T)>) {
    let mut count = 0;
    let failures: Vec<String> = results
        .into_iter()
        .inspect(|_| count += 1)
        .filter(|(_, actual, expected)| actual != expected)
        .map(|(name, actual, expected)| format!("{name}: got {actual:?}, expected {expected:?}"))
        .collect();
    assert!(count > 0, "no cases ran");
    assert!(failures.is_empty(), "{} of {count} cases failed:\n{}", failures.len(), failures.join("\n"));
}
