//! `CreateCustomKeyStore`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateCustomKeyStore.html>
//!
//! Type `AWS_CLOUDHSM` only: `CloudHsmClusterId` names a PKCS#11 token of `trent.toml`'s
//! `[[custom_key_stores]]`, `KeyStorePassword` is its user PIN. `EXTERNAL_KEY_STORE` answers
//! `UnsupportedOperationException`.

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{CreateCustomKeyStoreInput, Kms};
use trent_crypto::SecretBytes;

use super::custom_key_store_shapes::{
    CUSTOM_KEY_STORE_NAME, TRUST_ANCHOR_CERTIFICATE, XksMembers, cluster_id, de_password, password, unsupported,
};
use crate::AwsError;
use crate::json::Violations;

const TYPES: &[&str] = &["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    custom_key_store_name: Option<String>,
    cloud_hsm_cluster_id: Option<String>,
    trust_anchor_certificate: Option<String>,
    #[serde(default, deserialize_with = "de_password", skip_serializing)]
    key_store_password: Option<SecretBytes>,
    custom_key_store_type: Option<String>,
    #[serde(flatten)]
    xks: XksMembers,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    custom_key_store_id: String,
}

names!(none(Request));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let name = v.required_text("customKeyStoreName", req.custom_key_store_name, CUSTOM_KEY_STORE_NAME);
    cluster_id(&mut v, req.cloud_hsm_cluster_id.as_deref());
    v.text("trustAnchorCertificate", req.trust_anchor_certificate.as_deref(), TRUST_ANCHOR_CERTIFICATE);
    password(&mut v, req.key_store_password.as_ref());
    let kind = v.choice("customKeyStoreType", req.custom_key_store_type.as_deref(), TYPES, |t| t);
    v.finish()?;
    if kind == Some("EXTERNAL_KEY_STORE") {
        return Err(unsupported());
    }
    req.xks.refuse()?;
    let mut v = Violations::default();
    let cluster_id = v.required("cloudHsmClusterId", req.cloud_hsm_cluster_id);
    let trust_anchor = v.required("trustAnchorCertificate", req.trust_anchor_certificate);
    let password = v.required("keyStorePassword", req.key_store_password);
    v.finish()?;
    let (Some(cluster_id), Some(trust_anchor), Some(password)) = (cluster_id, trust_anchor, password) else {
        unreachable!("finish() refused the missing members");
    };
    let input = CreateCustomKeyStoreInput { name, cluster_id, trust_anchor, password };
    Ok(Response { custom_key_store_id: kms.create_custom_key_store(caller, input).await? })
}
