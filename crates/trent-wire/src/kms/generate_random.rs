//! `GenerateRandom`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, KmsError};
use trent_crypto::DataKey;

use super::shapes::no_recipient;
use crate::AwsError;
use crate::json::{SecretBlob, opt_range};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    number_of_bytes: Option<i64>,
    custom_key_store_id: Option<String>,
    recipient: Option<serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    plaintext: SecretBlob<DataKey>,
}

names!(none(Request));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let n = opt_range("numberOfBytes", req.number_of_bytes, 1, trent_core::kms::MAX_RANDOM_BYTES.into())?;
    if let Some(id) = req.custom_key_store_id {
        return Err(KmsError::CustomKeyStoreNotFound(format!("Custom key store '{id}' does not exist")).into());
    }
    no_recipient(&req.recipient)?;
    Ok(Response { plaintext: SecretBlob(kms.generate_random(caller, n)?) })
}
