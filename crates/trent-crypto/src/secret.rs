//! Types that hold secret bytes.
//!
//! Each type zeroizes its buffer when dropped, prints as `[REDACTED]`, implements neither
//! `Display` nor `Serialize`, and hands its bytes out only through `expose_secret()`, so
//! that every place that touches a secret is greppable. The distinct names keep a data key
//! from being passed where key material is expected.

use std::fmt;

use zeroize::Zeroize;

macro_rules! secret_bytes {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name(Vec<u8>);

        impl $name {
            /// Takes ownership of `bytes`; they are zeroized when this value drops.
            pub fn new(bytes: Vec<u8>) -> Self {
                Self(bytes)
            }

            /// Copies `bytes` into a new secret buffer of exactly their length.
            pub fn from_slice(bytes: &[u8]) -> Self {
                let mut v = Vec::with_capacity(bytes.len());
                v.extend_from_slice(bytes);
                Self(v)
            }

            /// The secret bytes. Every call site is a place where a secret is used.
            pub fn expose_secret(&self) -> &[u8] {
                &self.0
            }

            /// Number of secret bytes (not secret itself).
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether the buffer is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl Clone for $name {
            fn clone(&self) -> Self {
                Self::from_slice(&self.0)
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([REDACTED; {} bytes])"), self.0.len())
            }
        }
    };
}

secret_bytes!(
    /// Generic secret bytes: credential secrets, configuration secrets.
    SecretBytes
);
secret_bytes!(
    /// Unwrapped key material of a KMS key version (a backing key).
    KeyMaterial
);
secret_bytes!(
    /// Caller plaintext: the input of `Encrypt`, the output of `Decrypt`.
    Plaintext
);
secret_bytes!(
    /// A data key returned in plaintext by `GenerateDataKey` or `GenerateRandom`.
    DataKey
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_bytes() {
        let p = Plaintext::from_slice(b"attack at dawn");
        let shown = format!("{p:?}");
        assert!(!shown.contains("attack"), "{shown}");
        assert!(shown.contains("REDACTED"));
        assert_eq!(p.expose_secret(), b"attack at dawn");
    }

    #[test]
    fn clone_is_an_independent_copy() {
        let a = KeyMaterial::from_slice(&[7u8; 32]);
        let b = a.clone();
        drop(a);
        assert_eq!(b.expose_secret(), &[7u8; 32]);
    }
}
