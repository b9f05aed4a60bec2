//! `GenerateRandom`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::Kms;
use trent_crypto::DataKey;

use super::constraints::{CUSTOM_KEY_STORE_ID, NUMBER_OF_BYTES};
use super::shapes::{RecipientShape, no_recipient, recipient};
use crate::AwsError;
use crate::json::{SecretBlob, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    number_of_bytes: Option<i64>,
    custom_key_store_id: Option<String>,
    recipient: Option<RecipientShape>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    plaintext: SecretBlob<DataKey>,
}

names!(none(Request));

names!(none(Response));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let n = v.range("numberOfBytes", req.number_of_bytes, NUMBER_OF_BYTES);
    v.text("customKeyStoreId", req.custom_key_store_id.as_deref(), CUSTOM_KEY_STORE_ID);
    recipient(&mut v, &req.recipient);
    v.finish()?;
    no_recipient(&req.recipient)?;
    // Not required by the model, but by the service, in these words.
    let n = n.ok_or_else(|| AwsError::validation("NumberOfBytes is required."))?;
    let plaintext = match req.custom_key_store_id {
        // From the store's HSM (`C_GenerateRandom`).
        Some(id) => kms.generate_random_in_store(caller, &id, n).await?,
        None => kms.generate_random(caller, Some(n))?,
    };
    Ok(Response { plaintext: SecretBlob(plaintext) })
}
