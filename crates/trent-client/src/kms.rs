//! Typed KMS calls over the JSON client: the operations envelope encryption needs
//! (`GenerateDataKey`, `GenerateDataKeyWithoutPlaintext`, `Encrypt`, `Decrypt`) and the
//! generic `call` for the rest. Blobs are base64 on the wire and bytes here; plaintexts are
//! zeroizing `DataKey`s.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use trent_crypto::DataKey;
use zeroize::Zeroizing;

use crate::credentials::Credentials;
use crate::json::{ClientError, ClientOptions, JsonClient};

/// SigV4 service name of KMS.
pub const KMS_SERVICE: &str = "kms";
/// awsJson1_1 target prefix of KMS.
pub const KMS_TARGET_PREFIX: &str = "TrentService.";

/// A KMS client for Trent or AWS KMS.
#[derive(Debug)]
pub struct KmsClient {
    json: JsonClient,
}

/// The answer of `GenerateDataKey`.
#[derive(Debug)]
pub struct DataKeyPair {
    /// ARN of the key used.
    pub key_id: String,
    /// The data key.
    pub plaintext: DataKey,
    /// The data key encrypted under the KMS key.
    pub ciphertext: Vec<u8>,
}

/// The answer of `Encrypt` or `GenerateDataKeyWithoutPlaintext`.
#[derive(Debug, Clone)]
pub struct Ciphertext {
    /// ARN of the key used.
    pub key_id: String,
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
}

/// The answer of `Decrypt`.
#[derive(Debug)]
pub struct Decrypted {
    /// ARN of the key used.
    pub key_id: String,
    /// The plaintext.
    pub plaintext: DataKey,
}

fn context_json(context: &BTreeMap<String, String>) -> Value {
    Value::Object(context.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn string(v: &Value, key: &str, status: u16) -> Result<String, ClientError> {
    v.get(key).and_then(Value::as_str).map(str::to_owned).ok_or(ClientError::Decode(status))
}

fn blob(v: &Value, key: &str) -> Result<Zeroizing<Vec<u8>>, ClientError> {
    let s = v.get(key).and_then(Value::as_str).ok_or(ClientError::Decode(200))?;
    Ok(Zeroizing::new(STANDARD.decode(s).map_err(|_| ClientError::Decode(200))?))
}

impl KmsClient {
    /// A client for the KMS at `endpoint` in `region`.
    ///
    /// # Errors
    /// `Endpoint` for an unusable URL.
    pub fn new(
        endpoint: &str,
        credentials: Credentials,
        region: &str,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        Ok(Self { json: JsonClient::new(endpoint, credentials, region, KMS_SERVICE, KMS_TARGET_PREFIX, options)? })
    }

    /// Any KMS operation, JSON in and out.
    ///
    /// # Errors
    /// The service's error or a transport failure (after retries).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value, ClientError> {
        self.json.call(operation, body).await
    }

    /// The underlying JSON client.
    pub fn json(&self) -> &JsonClient {
        &self.json
    }

    /// `GenerateDataKey` with `NumberOfBytes`.
    ///
    /// # Errors
    /// The service's error or a transport failure (after retries).
    pub async fn generate_data_key(
        &self,
        key_id: &str,
        number_of_bytes: u32,
        context: &BTreeMap<String, String>,
        grant_tokens: &[String],
    ) -> Result<DataKeyPair, ClientError> {
        let mut body =
            json!({ "KeyId": key_id, "NumberOfBytes": number_of_bytes, "EncryptionContext": context_json(context) });
        if !grant_tokens.is_empty() {
            body["GrantTokens"] = json!(grant_tokens);
        }
        let v = self.call("GenerateDataKey", &body).await?;
        Ok(DataKeyPair {
            key_id: string(&v, "KeyId", 200)?,
            plaintext: DataKey::new(std::mem::take(&mut *blob(&v, "Plaintext")?)),
            ciphertext: blob(&v, "CiphertextBlob")?.to_vec(),
        })
    }

    /// `GenerateDataKeyWithoutPlaintext` with `NumberOfBytes`.
    ///
    /// # Errors
    /// The service's error or a transport failure (after retries).
    pub async fn generate_data_key_without_plaintext(
        &self,
        key_id: &str,
        number_of_bytes: u32,
        context: &BTreeMap<String, String>,
        grant_tokens: &[String],
    ) -> Result<Ciphertext, ClientError> {
        let mut body =
            json!({ "KeyId": key_id, "NumberOfBytes": number_of_bytes, "EncryptionContext": context_json(context) });
        if !grant_tokens.is_empty() {
            body["GrantTokens"] = json!(grant_tokens);
        }
        let v = self.call("GenerateDataKeyWithoutPlaintext", &body).await?;
        Ok(Ciphertext { key_id: string(&v, "KeyId", 200)?, ciphertext: blob(&v, "CiphertextBlob")?.to_vec() })
    }

    /// `Encrypt`.
    ///
    /// # Errors
    /// The service's error or a transport failure (after retries).
    pub async fn encrypt(
        &self,
        key_id: &str,
        plaintext: &[u8],
        context: &BTreeMap<String, String>,
        grant_tokens: &[String],
    ) -> Result<Ciphertext, ClientError> {
        let encoded = Zeroizing::new(STANDARD.encode(plaintext));
        let mut body = json!({ "KeyId": key_id, "Plaintext": *encoded, "EncryptionContext": context_json(context) });
        if !grant_tokens.is_empty() {
            body["GrantTokens"] = json!(grant_tokens);
        }
        let v = self.call("Encrypt", &body).await;
        if let Some(p) = body.get_mut("Plaintext").and_then(|p| if let Value::String(s) = p { Some(s) } else { None }) {
            zeroize::Zeroize::zeroize(p);
        }
        let v = v?;
        Ok(Ciphertext { key_id: string(&v, "KeyId", 200)?, ciphertext: blob(&v, "CiphertextBlob")?.to_vec() })
    }

    /// `Decrypt` with a required `KeyId`.
    ///
    /// # Errors
    /// The service's error or a transport failure (after retries).
    pub async fn decrypt(
        &self,
        key_id: Option<&str>,
        ciphertext: &[u8],
        context: &BTreeMap<String, String>,
        grant_tokens: &[String],
    ) -> Result<Decrypted, ClientError> {
        let mut body =
            json!({ "CiphertextBlob": STANDARD.encode(ciphertext), "EncryptionContext": context_json(context) });
        if let Some(k) = key_id {
            body["KeyId"] = json!(k);
        }
        if !grant_tokens.is_empty() {
            body["GrantTokens"] = json!(grant_tokens);
        }
        let mut v = self.call("Decrypt", &body).await?;
        let plaintext = DataKey::new(std::mem::take(&mut *blob(&v, "Plaintext")?));
        if let Some(Value::String(s)) = v.get_mut("Plaintext") {
            zeroize::Zeroize::zeroize(s);
        }
        Ok(Decrypted { key_id: string(&v, "KeyId", 200)?, plaintext })
    }
}
