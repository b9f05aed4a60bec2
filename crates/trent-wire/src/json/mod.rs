//! awsJson1_1 value encodings: blobs as base64 strings, timestamps as epoch seconds; and, in
//! [`violations`], the checks that turn model constraints into AWS's `ValidationException`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{Deserialize, Deserializer, Error as _};
use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use trent_crypto::Plaintext;
use zeroize::Zeroizing;

use crate::AwsError;

mod violations;

pub(crate) use violations::{Bounds, ECHO_CHARS, Pattern, Text, Violations, echo};

/// Decodes a base64 blob member.
pub(crate) fn de_blob<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    s.map(|s| STANDARD.decode(s.as_bytes()).map_err(|_| D::Error::custom("blob is not valid base64"))).transpose()
}

/// Decodes a sensitive base64 blob member straight into a zeroizing [`Plaintext`].
pub(crate) fn de_plaintext<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Plaintext>, D::Error> {
    let s: Option<Zeroizing<String>> = Option::<String>::deserialize(d)?.map(Zeroizing::new);
    s.map(|s| {
        STANDARD.decode(s.as_bytes()).map(Plaintext::new).map_err(|_| D::Error::custom("blob is not valid base64"))
    })
    .transpose()
}

/// A non-secret blob (a ciphertext) to serialise as base64.
pub(crate) struct Blob(pub(crate) Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

/// Secret byte containers of `trent_crypto` that may be sent to the caller who asked.
pub(crate) trait SecretSource {
    fn secret_bytes(&self) -> &[u8];
}

impl SecretSource for Plaintext {
    fn secret_bytes(&self) -> &[u8] {
        self.expose_secret()
    }
}

impl SecretSource for trent_crypto::DataKey {
    fn secret_bytes(&self) -> &[u8] {
        self.expose_secret()
    }
}

/// A secret blob (plaintext, data key) serialised as base64 through a zeroizing buffer.
pub(crate) struct SecretBlob<T: SecretSource>(pub(crate) T);

impl<T: SecretSource> Serialize for SecretBlob<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let encoded = Zeroizing::new(STANDARD.encode(self.0.secret_bytes()));
        s.serialize_str(&encoded)
    }
}

/// A timestamp as fractional epoch seconds, as awsJson1_1 writes them.
pub(crate) struct Epoch(pub(crate) OffsetDateTime);

impl Serialize for Epoch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let millis = self.0.unix_timestamp_nanos() / 1_000_000;
        s.serialize_f64(millis as f64 / 1000.0)
    }
}

/// A required member: `Value null at 'field'` when absent.
pub(crate) fn required<T>(value: Option<T>, field: &str) -> Result<T, AwsError> {
    value.ok_or_else(|| {
        AwsError::validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One string member checked alone.
    fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), AwsError> {
        let mut v = Violations::default();
        v.text(field, Some(value), Text::new(min, max));
        v.finish()
    }

    #[test]
    fn epoch_seconds_keep_milliseconds() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(serde_json::to_string(&Epoch(t)).unwrap(), "1700000000.123");
    }

    #[test]
    fn validation_messages_have_the_aws_shape() {
        let e = length("name", "", 1, 256).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '' at 'name' failed to satisfy constraint: \
             Member must have length greater than or equal to 1"
        );
        assert!(required::<u8>(None, "keyId").unwrap_err().message.contains("Value null at 'keyId'"));
    }
}
