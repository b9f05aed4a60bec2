//! `TrentKms`: the `KmsClient` of this crate over `trent-client` (SigV4, HTTP or HTTPS, with
//! retries), for Trent or AWS KMS. The async client runs on a small runtime owned by this
//! value, so the synchronous keyrings can call it from any thread, inside another tokio
//! runtime or not.

use std::future::Future;
use std::sync::Arc;

use trent_client::ClientError;

use crate::kms::{
    DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, GenerateDataKeyRequest, GenerateDataKeyResponse,
    KmsClient, KmsError,
};

/// A KMS client for the keyrings, backed by `trent_client::KmsClient`.
pub struct TrentKms {
    client: Arc<trent_client::KmsClient>,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for TrentKms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrentKms").field("client", &self.client).finish()
    }
}

fn kms_error(e: ClientError) -> KmsError {
    let code = match &e {
        ClientError::Aws { code, .. } => Some(code.clone()),
        _ => None,
    };
    KmsError { code, message: e.to_string(), source: Some(Box::new(e)) }
}

impl TrentKms {
    /// Wraps `client`.
    ///
    /// # Errors
    /// When the runtime's thread cannot start.
    pub fn new(client: trent_client::KmsClient) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("trent-kms")
            .enable_all()
            .build()?;
        Ok(Self { client: Arc::new(client), runtime })
    }

    /// Any KMS operation, JSON in and out (blocking), e.g. `DescribeKey` to turn an alias
    /// into the key ARN a strict keyring needs for decryption.
    ///
    /// # Errors
    /// The service's error or a transport failure.
    pub fn call(&self, operation: &str, body: serde_json::Value) -> Result<serde_json::Value, KmsError> {
        let (c, op) = (self.client.clone(), operation.to_owned());
        self.block(async move { c.call(&op, &body).await })
    }

    fn block<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T, ClientError>> + Send + 'static,
    ) -> Result<T, KmsError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| KmsError::invalid("the KMS client runtime stopped"))?.map_err(kms_error)
    }
}

impl KmsClient for TrentKms {
    fn generate_data_key(&self, req: &GenerateDataKeyRequest) -> Result<GenerateDataKeyResponse, KmsError> {
        let (c, r) = (self.client.clone(), req.clone());
        let a =
            self.block(
                async move { c.generate_data_key(&r.key_id, r.number_of_bytes, &r.context, &r.grant_tokens).await },
            )?;
        Ok(GenerateDataKeyResponse { key_id: a.key_id, plaintext: a.plaintext, ciphertext: a.ciphertext })
    }

    fn generate_data_key_without_plaintext(&self, req: &GenerateDataKeyRequest) -> Result<EncryptResponse, KmsError> {
        let (c, r) = (self.client.clone(), req.clone());
        let a = self.block(async move {
            c.generate_data_key_without_plaintext(&r.key_id, r.number_of_bytes, &r.context, &r.grant_tokens).await
        })?;
        Ok(EncryptResponse { key_id: a.key_id, ciphertext: a.ciphertext })
    }

    fn encrypt(&self, req: &EncryptRequest) -> Result<EncryptResponse, KmsError> {
        let c = self.client.clone();
        let (key_id, plaintext, context, tokens) =
            (req.key_id.clone(), req.plaintext.clone(), req.context.clone(), req.grant_tokens.clone());
        let a = self.block(async move { c.encrypt(&key_id, plaintext.expose_secret(), &context, &tokens).await })?;
        Ok(EncryptResponse { key_id: a.key_id, ciphertext: a.ciphertext })
    }

    fn decrypt(&self, req: &DecryptRequest) -> Result<DecryptResponse, KmsError> {
        let (c, r) = (self.client.clone(), req.clone());
        let a =
            self.block(async move { c.decrypt(Some(&r.key_id), &r.ciphertext, &r.context, &r.grant_tokens).await })?;
        Ok(DecryptResponse { key_id: a.key_id, plaintext: a.plaintext })
    }
}
