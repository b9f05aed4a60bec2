//! Members shared by the custom key store operations: `KeyStorePassword` decoded straight into a
//! zeroizing secret, `CloudHsmClusterId`'s pattern, the external key store members Trent does not
//! serve (`UnsupportedOperationException`), and `CustomKeyStoresListEntry`.

use serde::{Deserialize, Deserializer, Serialize};
use trent_core::kms::{ConnectionErrorCode, ConnectionState, CustomKeyStoreRecord};
use trent_crypto::SecretBytes;
use zeroize::Zeroizing;

use crate::AwsError;
use crate::json::{Epoch, Text, Violations};

/// `CustomKeyStoreNameType`.
pub(crate) const CUSTOM_KEY_STORE_NAME: Text = Text::new(1, 256);
/// `CloudHsmClusterIdType` (its pattern, `cluster-[2-7a-zA-Z]{11,16}`, is checked by
/// [`cluster_id`]).
pub(crate) const CLOUD_HSM_CLUSTER_ID: Text = Text::new(19, 24);
/// `TrustAnchorCertificateType`.
pub(crate) const TRUST_ANCHOR_CERTIFICATE: Text = Text::new(1, 5000);
/// `KeyStorePasswordType`.
pub(crate) const KEY_STORE_PASSWORD: Text = Text::new(7, 32);
const CLUSTER_ID_PATTERN: &str = "cluster-[2-7a-zA-Z]{11,16}";

/// Decodes `KeyStorePassword` straight into a zeroizing secret.
pub(crate) fn de_password<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretBytes>, D::Error> {
    let s: Option<Zeroizing<String>> = Option::<String>::deserialize(d)?.map(Zeroizing::new);
    Ok(s.map(|s| SecretBytes::from_slice(s.as_bytes())))
}

/// Checks `KeyStorePassword` (never repeating it).
pub(crate) fn password(v: &mut Violations, value: Option<&SecretBytes>) {
    if let Some(p) = value {
        // The bytes came from a JSON string, so they are UTF-8.
        let text = std::str::from_utf8(p.expose_secret()).unwrap_or_default();
        v.secret_text("keyStorePassword", Some(text), KEY_STORE_PASSWORD);
    }
}

/// Checks `CloudHsmClusterId`: its length, then its pattern.
pub(crate) fn cluster_id(v: &mut Violations, value: Option<&str>) {
    let Some(id) = value else { return };
    v.text("cloudHsmClusterId", Some(id), CLOUD_HSM_CLUSTER_ID);
    let tail = id.strip_prefix("cluster-").unwrap_or("");
    let fits = (11..=16).contains(&tail.len()) && tail.chars().all(|c| matches!(c, '2'..='7' | 'a'..='z' | 'A'..='Z'));
    if !fits {
        v.custom(format!(
            "Value '{}' at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression \
             pattern: {CLUSTER_ID_PATTERN}",
            crate::json::echo(id)
        ));
    }
}

/// The external key store members of `CreateCustomKeyStore` and `UpdateCustomKeyStore`: Trent
/// serves no external key stores, so any of them answers `UnsupportedOperationException`.
#[derive(Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct XksMembers {
    xks_proxy_uri_endpoint: Option<String>,
    xks_proxy_uri_path: Option<String>,
    xks_proxy_vpc_endpoint_service_name: Option<String>,
    xks_proxy_vpc_endpoint_service_owner: Option<String>,
    #[serde(skip_serializing)]
    xks_proxy_authentication_credential: Option<serde_json::Value>,
    xks_proxy_connectivity: Option<String>,
}

/// Why external key stores are refused.
pub(crate) const NO_EXTERNAL_KEY_STORES: &str =
    "Trent does not support custom key stores of type EXTERNAL_KEY_STORE; use AWS_CLOUDHSM.";

impl XksMembers {
    /// `UnsupportedOperationException` if any member is given.
    pub(crate) fn refuse(&self) -> Result<(), AwsError> {
        let given = self.xks_proxy_uri_endpoint.is_some()
            || self.xks_proxy_uri_path.is_some()
            || self.xks_proxy_vpc_endpoint_service_name.is_some()
            || self.xks_proxy_vpc_endpoint_service_owner.is_some()
            || self.xks_proxy_authentication_credential.is_some()
            || self.xks_proxy_connectivity.is_some();
        if given { Err(unsupported()) } else { Ok(()) }
    }
}

/// `UnsupportedOperationException` for an external key store.
pub(crate) fn unsupported() -> AwsError {
    AwsError::new("UnsupportedOperationException", http::StatusCode::BAD_REQUEST, NO_EXTERNAL_KEY_STORES)
}

/// `CustomKeyStoresListEntry`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Entry {
    custom_key_store_id: String,
    custom_key_store_name: String,
    cloud_hsm_cluster_id: String,
    trust_anchor_certificate: String,
    connection_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection_error_code: Option<&'static str>,
    creation_date: Epoch,
    custom_key_store_type: &'static str,
}

impl Entry {
    pub(crate) fn new(record: CustomKeyStoreRecord, state: ConnectionState, code: Option<ConnectionErrorCode>) -> Self {
        Entry {
            custom_key_store_id: record.id,
            custom_key_store_name: record.name,
            cloud_hsm_cluster_id: record.cluster_id,
            trust_anchor_certificate: record.trust_anchor,
            connection_state: state.as_str(),
            connection_error_code: code.map(ConnectionErrorCode::as_str),
            creation_date: Epoch(record.created_at),
            custom_key_store_type: "AWS_CLOUDHSM",
        }
    }
}
