//! `GetPublicKey`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;

use super::constraints::KEY_ID;
use super::shapes::{grant_tokens, issued_grant_tokens, names_of};
use crate::AwsError;
use crate::json::{Blob, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    #[serde(skip_serializing)]
    grant_tokens: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    public_key: Blob,
    customer_master_key_spec: &'static str,
    key_spec: &'static str,
    key_usage: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encryption_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    signing_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_agreement_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encapsulation_algorithms: Vec<&'static str>,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    grant_tokens(&mut v, &req.grant_tokens);
    v.finish()?;
    issued_grant_tokens(&req.grant_tokens)?;
    let out = kms.get_public_key(caller, &id).await?;
    let r = &out.record;
    Ok(Response {
        key_id: r.arn(),
        public_key: Blob(out.public_key),
        customer_master_key_spec: r.spec.as_str(),
        key_spec: r.spec.as_str(),
        key_usage: r.usage.as_str(),
        encryption_algorithms: names_of(r.encryption_algorithms(), |a| a.as_str()),
        signing_algorithms: names_of(r.signing_algorithms(), |a| a.as_str()),
        key_agreement_algorithms: names_of(r.key_agreement_algorithms(), |a| a.as_str()),
        encapsulation_algorithms: names_of(r.encapsulation_algorithms(), |a| a.as_str()),
    })
}
