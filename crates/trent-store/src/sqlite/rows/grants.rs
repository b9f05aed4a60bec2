//! Rows of the `kms_grants` table.

use std::collections::BTreeMap;

use trent_core::StoreError;
use trent_core::kms::{Grant, GrantConstraints, GrantOperation};
use trent_core::store::Fault;

use super::{key_id_from_db, ts_from_db, ts_to_db};

/// A `kms_grants` row, without its scope columns.
pub(crate) struct GrantRow {
    pub(crate) key_id: String,
    pub(crate) grant_id: String,
    pub(crate) name: Option<String>,
    pub(crate) grantee_principal: String,
    pub(crate) retiring_principal: Option<String>,
    pub(crate) issuing_account: String,
    pub(crate) operations: String,
    pub(crate) constraints: Option<String>,
    pub(crate) created_at: i64,
}

impl GrantRow {
    /// The columns, in the order of the fields.
    pub(crate) const COLUMNS: &'static str = "key_id, grant_id, name, grantee_principal, retiring_principal, \
         issuing_account, operations, constraints, created_at";
}

from_any_row!(GrantRow, |r| {
    Ok(Self {
        key_id: r.try_get("key_id")?,
        grant_id: r.try_get("grant_id")?,
        name: r.try_get("name")?,
        grantee_principal: r.try_get("grantee_principal")?,
        retiring_principal: r.try_get("retiring_principal")?,
        issuing_account: r.try_get("issuing_account")?,
        operations: r.try_get("operations")?,
        constraints: r.try_get("constraints")?,
        created_at: r.try_get("created_at")?,
    })
});

fn constraints_to_db(c: &GrantConstraints) -> Result<String, StoreError> {
    let mut doc = serde_json::Map::new();
    if let Some(s) = &c.encryption_context_subset {
        doc.insert(
            "subset".into(),
            serde_json::to_value(s)
                .map_err(|e| StoreError::corrupt_because("kms_grants.constraints", Fault::Undecodable, e))?,
        );
    }
    if let Some(e) = &c.encryption_context_equals {
        doc.insert(
            "equals".into(),
            serde_json::to_value(e)
                .map_err(|e| StoreError::corrupt_because("kms_grants.constraints", Fault::Undecodable, e))?,
        );
    }
    Ok(serde_json::Value::Object(doc).to_string())
}

fn constraints_from_db(text: &str) -> Result<GrantConstraints, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::corrupt_because("kms_grants.constraints", Fault::Undecodable, e);
    let mut doc: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_str(text).map_err(corrupt)?;
    let c = GrantConstraints {
        encryption_context_subset: doc.remove("subset"),
        encryption_context_equals: doc.remove("equals"),
    };
    if !doc.is_empty() {
        let members = doc.keys().cloned().collect::<Vec<_>>().join(",");
        return Err(StoreError::corrupt("kms_grants.constraints", Fault::Unknown(members)));
    }
    Ok(c)
}

impl TryFrom<&Grant> for GrantRow {
    type Error = StoreError;

    fn try_from(g: &Grant) -> Result<Self, StoreError> {
        Ok(Self {
            key_id: g.key_id.to_string(),
            grant_id: g.grant_id.clone(),
            name: g.name.clone(),
            grantee_principal: g.grantee_principal.clone(),
            retiring_principal: g.retiring_principal.clone(),
            issuing_account: g.issuing_account.clone(),
            operations: g.operations.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(","),
            constraints: g.constraints.as_ref().map(constraints_to_db).transpose()?,
            created_at: ts_to_db(g.created_at)?,
        })
    }
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;

    fn try_from(r: GrantRow) -> Result<Self, StoreError> {
        let operations = r
            .operations
            .split(',')
            .map(|o| {
                GrantOperation::parse(o)
                    .ok_or_else(|| StoreError::corrupt("kms_grants.operations", Fault::Unknown(o.to_owned())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Grant {
            key_id: key_id_from_db(&r.key_id)?,
            grant_id: r.grant_id,
            name: r.name,
            grantee_principal: r.grantee_principal,
            retiring_principal: r.retiring_principal,
            issuing_account: r.issuing_account,
            operations,
            constraints: r.constraints.as_deref().map(constraints_from_db).transpose()?,
            created_at: ts_from_db(r.created_at)?,
        })
    }
}
