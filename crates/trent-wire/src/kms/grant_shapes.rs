//! Shapes of the grant operations: `GrantConstraints`, `GrantListEntry`, `Operations`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trent_core::kms::{Grant, GrantConstraints, GrantOperation, GrantPage};

use crate::json::{Epoch, Violations};

/// `GrantConstraints`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ConstraintsShape {
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_context_subset: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_context_equals: Option<BTreeMap<String, String>>,
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
        }
    }
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
