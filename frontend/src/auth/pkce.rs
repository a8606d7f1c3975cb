//! Proof Key for Code Exchange (RFC 7636) with the `S256` method.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Number of random bytes behind a code verifier.
///
/// RFC 7636 section 7.1 asks for at least 256 bits of entropy; 32 bytes encode to the
/// 43-character verifier the RFC uses in its own example.
pub const VERIFIER_BYTES: usize = 32;

/// The `code_verifier`: a secret kept by the client until the code exchange.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Encodes random bytes as a verifier (RFC 7636 section 4.1: base64url without padding).
    ///
    /// The bytes must come from a cryptographically secure generator.
    pub fn from_random_bytes(bytes: &[u8; VERIFIER_BYTES]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Wraps a verifier that was stored earlier.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    /// The verifier as sent in the token request.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The `S256` code challenge: `BASE64URL(SHA256(ASCII(code_verifier)))`
    /// (RFC 7636 section 4.2). The `plain` method is never used.
    ///
    /// Native builds and tests hash with the `sha2` crate; the browser build uses
    /// [`CodeVerifier::browser_challenge`] instead, so the wasm binary carries no SHA-256.
    #[cfg(any(test, not(target_arch = "wasm32")))]
    pub fn challenge(&self) -> CodeChallenge {
        use sha2::{Digest, Sha256};
        CodeChallenge::from_digest(&Sha256::digest(self.0.as_bytes()))
    }

    /// The `S256` code challenge, hashed by the browser's `crypto.subtle.digest`.
    #[cfg(target_arch = "wasm32")]
    pub async fn browser_challenge(&self) -> Result<CodeChallenge, super::PlatformError> {
        let digest = super::storage::sha256(self.0.as_bytes()).await?;
        Ok(CodeChallenge::from_digest(&digest))
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier(..)")
    }
}

/// The `code_challenge` sent in the authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// The only method this client sends.
    pub const METHOD: &'static str = "S256";

    /// The challenge for a SHA-256 digest of the verifier.
    pub fn from_digest(digest: &[u8]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(digest))
    }

    /// The challenge as sent in the authorization request.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The octets of RFC 7636 Appendix B.
    pub(super) const APPENDIX_B_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn verifier_matches_rfc7636_appendix_b() {
        let verifier = CodeVerifier::from_random_bytes(&APPENDIX_B_OCTETS);
        assert_eq!(
            verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }

    #[test]
    fn challenge_matches_rfc7636_appendix_b() {
        let verifier = CodeVerifier::from_random_bytes(&APPENDIX_B_OCTETS);
        assert_eq!(
            verifier.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_uses_only_unreserved_characters_and_valid_length() {
        let verifier = CodeVerifier::from_random_bytes(&[0xff; VERIFIER_BYTES]);
        let secret = verifier.secret();
        // RFC 7636 section 4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." /
        // "_" / "~".
        assert!((43..=128).contains(&secret.len()));
        assert!(
            secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        );
    }

    #[test]
    fn debug_output_hides_the_verifier() {
        let verifier = CodeVerifier::from_random_bytes(&APPENDIX_B_OCTETS);
        assert!(!format!("{verifier:?}").contains("dBjf"));
    }
}

#[cfg(test)]
#[cfg(target_arch = "wasm32")]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::auth::storage::random_bytes;

    #[wasm_bindgen_test]
    fn verifier_from_browser_randomness_is_valid_and_unique() {
        let a = CodeVerifier::from_random_bytes(&random_bytes().unwrap());
        let b = CodeVerifier::from_random_bytes(&random_bytes().unwrap());
        assert_eq!(a.secret().len(), 43);
        assert_ne!(a, b);
    }

    #[wasm_bindgen_test]
    async fn browser_challenge_matches_rfc7636_appendix_b() {
        let verifier = CodeVerifier::from_random_bytes(&tests::APPENDIX_B_OCTETS);
        let challenge = verifier.browser_challenge().await.unwrap();
        assert_eq!(
            challenge.as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
