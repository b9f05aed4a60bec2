//! Shapes of the grant operations: `GrantConstraints`, `GrantListEntry`, `Operations`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::kms::{Grant, GrantConstraints, GrantOperation, GrantPage};

use super::constraints::{SERVICE_PRINCIPAL, SERVICE_PRINCIPAL_PATTERN, SOURCE_ARN, SOURCE_ARN_PATTERN};
use crate::AwsError;
use crate::json::{Epoch, Violations};

/// `GrantConstraints`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConstraintsShape {
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_context_subset: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_context_equals: Option<BTreeMap<String, String>>,
    /// Refused ([`no_service_principals`]): Trent's grants have no `SourceArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    source_arn: Option<String>,
}

impl ConstraintsShape {
    /// The `SourceArn` constraint, if given.
    pub(crate) fn source_arn(&self) -> Option<&str> {
        self.source_arn.as_deref()
    }
}

impl From<ConstraintsShape> for GrantConstraints {
    fn from(c: ConstraintsShape) -> Self {
        GrantConstraints {
            encryption_context_subset: c.encryption_context_subset,
            encryption_context_equals: c.encryption_context_equals,
        }
    }
}

impl From<GrantConstraints> for ConstraintsShape {
    fn from(c: GrantConstraints) -> Self {
        ConstraintsShape {
            encryption_context_subset: c.encryption_context_subset,
            encryption_context_equals: c.encryption_context_equals,
            source_arn: None,
        }
    }
}

/// Why grants naming an AWS service principal are refused.
pub(crate) const NO_SERVICE_PRINCIPALS: &str = "Trent does not support grants to or for AWS service principals \
     (GranteeServicePrincipal, RetiringServicePrincipal, the SourceArn constraint): no Trent service uses KMS keys as a \
     service principal; Secrets Manager and Parameter Store use them on their caller's behalf.";

/// `UnsupportedOperationException` for a service principal member.
pub(crate) fn no_service_principals() -> AwsError {
    AwsError::new("UnsupportedOperationException", http::StatusCode::BAD_REQUEST, NO_SERVICE_PRINCIPALS)
}

/// Checks a `ServicePrincipalType` member: its length, then its pattern (dot-separated labels
/// of letters, digits and `-`, at least three), which is not a character class.
pub(crate) fn service_principal(v: &mut Violations, field: &str, value: Option<&str>) {
    let Some(p) = value else { return };
    v.text(field, Some(p), SERVICE_PRINCIPAL);
    let labels: Vec<&str> = p.split('.').collect();
    let fits = labels.len() >= 3
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !fits {
        v.custom(pattern_violation(field, p, SERVICE_PRINCIPAL_PATTERN));
    }
}

/// Checks `Constraints.SourceArn`: its length, then its pattern (`arn:aws…:service:region:`
/// twelve digits `:` something), which is not a character class.
pub(crate) fn source_arn(v: &mut Violations, constraints: Option<&ConstraintsShape>) {
    let Some(arn) = constraints.and_then(ConstraintsShape::source_arn) else { return };
    let field = "constraints.sourceArn";
    v.text(field, Some(arn), SOURCE_ARN);
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let label = |s: &str| s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let fits = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].strip_prefix("aws").is_some_and(label)
        && !parts[2].is_empty()
        && label(parts[2])
        && label(parts[3])
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && !parts[5].is_empty()
        && !parts[5].contains(['\n', '\r']);
    if !fits {
        v.custom(pattern_violation(field, arn, SOURCE_ARN_PATTERN));
    }
}

fn pattern_violation(field: &str, value: &str, pattern: &str) -> String {
    format!(
        "Value '{}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}",
        crate::json::echo(value)
    )
}

/// Checks and parses `Operations`.
pub(crate) fn operations(v: &mut Violations, list: Option<&[String]>) -> Vec<GrantOperation> {
    v.choice_list("operations", list, GrantOperation::ALL, GrantOperation::as_str)
}

/// `GrantListEntry`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GrantEntry {
    key_id: String,
    grant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    creation_date: Epoch,
    grantee_principal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retiring_principal: Option<String>,
    issuing_account: String,
    operations: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    constraints: Option<ConstraintsShape>,
}

fn entry(key_arn: String, g: Grant) -> GrantEntry {
    GrantEntry {
        key_id: key_arn,
        grant_id: g.grant_id,
        name: g.name,
        creation_date: Epoch(g.created_at),
        grantee_principal: g.grantee_principal,
        retiring_principal: g.retiring_principal,
        issuing_account: g.issuing_account,
        operations: g.operations.iter().map(|o| o.as_str()).collect(),
        constraints: g.constraints.map(ConstraintsShape::from),
    }
}

/// The answer of `ListGrants` and `ListRetirableGrants`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GrantListResponse {
    grants: Vec<GrantEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

/// A grant listing names no key of its own beyond the request's.
impl super::Names for GrantListResponse {}

impl From<GrantPage> for GrantListResponse {
    fn from(p: GrantPage) -> Self {
        GrantListResponse {
            truncated: p.next_marker.is_some(),
            next_marker: p.next_marker,
            grants: p.grants.into_iter().map(|(arn, g)| entry(arn, g)).collect(),
        }
    }
}
