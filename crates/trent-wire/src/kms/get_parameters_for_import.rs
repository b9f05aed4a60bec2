//! `GetParametersForImport`: <https://docs.aws.amazon.com/kms/latest/APIReference/API_GetParametersForImport.html>

use serde::{Deserialize, Serialize};
use trent_core::Caller;
use trent_core::kms::{Kms, WrappingAlgorithm, WrappingKeySpec};

use super::constraints::KEY_ID;
use crate::AwsError;
use crate::json::{Blob, Epoch, Violations};

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Request {
    key_id: Option<String>,
    wrapping_algorithm: Option<String>,
    wrapping_key_spec: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Response {
    key_id: String,
    /// Opaque to the caller: the wrapping private key sealed under the root key.
    import_token: Blob,
    public_key: Blob,
    parameters_valid_to: Epoch,
}

names!(request(key_id));

names!(response(key_id));

pub(crate) async fn handle(kms: &Kms, caller: &Caller, req: Request) -> Result<Response, AwsError> {
    let mut v = Violations::default();
    let id = v.required_text("keyId", req.key_id, KEY_ID);
    let algorithm = v.required("wrappingAlgorithm", req.wrapping_algorithm.as_deref());
    let algorithm = v.choice("wrappingAlgorithm", algorithm, WrappingAlgorithm::ALL, WrappingAlgorithm::as_str);
    let spec = v.required("wrappingKeySpec", req.wrapping_key_spec.as_deref());
    let spec = v.choice("wrappingKeySpec", spec, WrappingKeySpec::ALL, WrappingKeySpec::as_str);
    v.finish()?;
    let (Some(algorithm), Some(spec)) = (algorithm, spec) else {
        unreachable!("finish() refuses a request whose required members are missing or invalid")
    };
    let out = kms.get_parameters_for_import(caller, &id, algorithm, spec).await?;
    Ok(Response {
        key_id: out.key_arn,
        import_token: Blob(out.import_token),
        public_key: Blob(out.public_key),
        parameters_valid_to: Epoch(out.valid_to),
    })
}
