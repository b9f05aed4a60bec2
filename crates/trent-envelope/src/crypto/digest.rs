//! The running digest of a signed message: every byte before the footer, fed in order on one
//! thread, then finished into the value the footer signature signs.
//!
//! SHA-256 is aws-lc's. SHA-384 is aws-lc's, or with the `openssl-sha384` feature the system
//! OpenSSL's, which has AVX2/BMI2 SHA-512 code where aws-lc runs its portable one (on AMD CPUs;
//! `docs/adr/0006-openssl-sha384-digest.md`). Both produce the same bytes; the signature is
//! always aws-lc's, over the digest imported with `Digest::import_less_safe`. This module knows
//! nothing of the message format.

use aws_lc_rs::digest::{self, Digest};

#[cfg(feature = "openssl-sha384")]
use crate::error::Error;
use crate::error::Result;

/// A running SHA-256 or SHA-384 over a message's bytes.
pub(crate) struct MessageDigest(Inner);

enum Inner {
    AwsLc(digest::Context),
    #[cfg(feature = "openssl-sha384")]
    OpenSsl(openssl::hash::Hasher),
}

impl MessageDigest {
    /// A fresh digest of `alg` (SHA-256 or SHA-384).
    ///
    /// # Errors
    /// `OpenSsl` if OpenSSL cannot start a SHA-384 (a broken installation).
    pub(crate) fn new(alg: &'static digest::Algorithm) -> Result<MessageDigest> {
        #[cfg(feature = "openssl-sha384")]
        if *alg == digest::SHA384 {
            let hasher = openssl::hash::Hasher::new(openssl::hash::MessageDigest::sha384()).map_err(Error::OpenSsl)?;
            return Ok(MessageDigest(Inner::OpenSsl(hasher)));
        }
        Ok(MessageDigest(Inner::AwsLc(digest::Context::new(alg))))
    }

    /// Feeds the next bytes of the message.
    ///
    /// # Errors
    /// `OpenSsl` if OpenSSL's update fails (it does not for SHA-384 in practice).
    pub(crate) fn update(&mut self, bytes: &[u8]) -> Result<()> {
        match &mut self.0 {
            Inner::AwsLc(c) => c.update(bytes),
            #[cfg(feature = "openssl-sha384")]
            Inner::OpenSsl(h) => h.update(bytes).map_err(Error::OpenSsl)?,
        }
        Ok(())
    }

    /// The finished digest, as aws-lc's signing and verification take it.
    ///
    /// # Errors
    /// `OpenSsl` if OpenSSL's final step fails.
    pub(crate) fn finish(self) -> Result<Digest> {
        match self.0 {
            Inner::AwsLc(c) => Ok(c.finish()),
            #[cfg(feature = "openssl-sha384")]
            Inner::OpenSsl(mut h) => {
                let bytes = h.finish().map_err(Error::OpenSsl)?;
                // Only fails for a length that is not SHA-384's, which OpenSSL's SHA-384 never returns.
                Digest::import_less_safe(&bytes, &digest::SHA384)
                    .map_err(|_| Error::Crypto("OpenSSL SHA-384 digest length"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Odd-sized pieces, across block boundaries, against aws-lc's one-shot digest.
    #[test]
    fn streamed_digests_match_aws_lc_for_both_algorithms() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for alg in [&digest::SHA256, &digest::SHA384] {
            let mut d = MessageDigest::new(alg).unwrap();
            for piece in data.chunks(4099) {
                d.update(piece).unwrap();
            }
            d.update(&[]).unwrap();
            assert_eq!(d.finish().unwrap().as_ref(), digest::digest(alg, &data).as_ref());
        }
    }

    #[cfg(feature = "openssl-sha384")]
    #[test]
    fn sha384_comes_from_openssl_with_the_feature() {
        assert!(matches!(MessageDigest::new(&digest::SHA384).unwrap().0, Inner::OpenSsl(_)));
        assert!(matches!(MessageDigest::new(&digest::SHA256).unwrap().0, Inner::AwsLc(_)));
    }
}
