//! Turning a JWKS document into verification keys (RFC 7517, RFC 7518 section 6).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

/// Smallest RSA modulus accepted (RFC 7518 section 3.3 requires at least 2048 bits).
const MIN_RSA_BITS: usize = 2048;

/// Source of unique key serial numbers; see [`VerificationKey::serial`].
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

/// What a key is, which decides the algorithms it may verify (RFC 8725 section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// An RSA key: RS256/384/512 and PS256/384/512.
    Rsa,
    /// An EC key on P-256: ES256 only.
    EcP256,
    /// An EC key on P-384: ES384 only.
    EcP384,
}

impl KeyType {
    /// Whether this kind of key may verify `alg`.
    pub fn allows(self, alg: Algorithm) -> bool {
        use Algorithm::*;
        match self {
            Self::Rsa => matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
            Self::EcP256 => alg == ES256,
            Self::EcP384 => alg == ES384,
        }
    }
}

/// One public key from the provider's key set.
#[derive(Debug)]
pub struct VerificationKey {
    /// The `kid` the provider published it under.
    pub kid: String,
    /// Key type and curve.
    pub key_type: KeyType,
    /// The `alg` the provider bound to the key, if it named one.
    pub alg: Option<Algorithm>,
    /// Process-unique number of this key material under this `kid`. A key that is still
    /// published after a refresh keeps its serial; a key that was removed and comes back
    /// (or changed material) gets a new one. The verified-token cache stores it, so a
    /// cached verdict dies with the key that produced it.
    pub serial: u64,
    pub(super) material: Vec<u8>,
    decoding: DecodingKey,
}

impl VerificationKey {
    /// The key in the form `jsonwebtoken` verifies with.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// An immutable snapshot of the usable keys, by `kid`.
#[derive(Debug, Default)]
pub struct KeySet {
    pub(super) keys: HashMap<String, Arc<VerificationKey>>,
}

impl KeySet {
    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no usable keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    key_ops: Option<Vec<String>>,
    n: Option<String>,
    e: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<serde_json::Value>,
}

/// Keeps the keys this service can use and says why it skips the others.
pub(super) fn build_key_set(documents: &[serde_json::Value], previous: &KeySet) -> KeySet {
    let mut keys = HashMap::new();
    for document in documents {
        match parse_key(document) {
            Ok((kid, key_type, alg, material, decoding)) => {
                if keys.contains_key(&kid) {
                    tracing::warn!(%kid, "duplicate kid in key set; keeping the first");
                    continue;
                }
                let serial = previous
                    .keys
                    .get(&kid)
                    .filter(|old| old.material == material && old.key_type == key_type)
                    .map_or_else(
                        || NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
                        |old| old.serial,
                    );
                let key = VerificationKey {
                    kid: kid.clone(),
                    key_type,
                    alg,
                    serial,
                    material,
                    decoding,
                };
                keys.insert(kid, Arc::new(key));
            }
            Err(reason) => tracing::debug!(reason, "skipping key"),
        }
    }
    KeySet { keys }
}

type ParsedKey = (String, KeyType, Option<Algorithm>, Vec<u8>, DecodingKey);

/// Validates one JWK (RFC 7517 section 4, RFC 7518 section 6).
fn parse_key(document: &serde_json::Value) -> Result<ParsedKey, &'static str> {
    let jwk: Jwk = serde_json::from_value(document.clone()).map_err(|_| "not a JWK")?;
    if jwk.d.is_some() {
        return Err("private key material published; refusing it");
    }
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return Err("not a signature key");
    }
    if jwk
        .key_ops
        .as_ref()
        .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
    {
        return Err("key_ops does not include verify");
    }
    let kid = jwk.kid.filter(|k| !k.is_empty()).ok_or("no kid")?;
    let b64 = |field: &Option<String>| {
        field
            .as_deref()
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
            .ok_or("missing or invalid key parameter")
    };
    let (key_type, material, decoding) = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
        ("RSA", _) => {
            let n = b64(&jwk.n)?;
            let e = b64(&jwk.e)?;
            let bits = n
                .iter()
                .position(|&b| b != 0)
                .map_or(0, |i| (n.len() - i) * 8);
            if bits < MIN_RSA_BITS {
                return Err("RSA key shorter than 2048 bits");
            }
            let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
            (KeyType::Rsa, [n, e].concat(), decoding)
        }
        ("EC", Some(curve @ ("P-256" | "P-384"))) => {
            let (key_type, len) = match curve {
                "P-256" => (KeyType::EcP256, 32),
                _ => (KeyType::EcP384, 48),
            };
            let x = b64(&jwk.x)?;
            let y = b64(&jwk.y)?;
            if x.len() != len || y.len() != len {
                return Err("EC coordinates do not fit the curve");
            }
            let point = [&[0x04][..], &x, &y].concat();
            let decoding = DecodingKey::from_ec_der(&point);
            (key_type, point, decoding)
        }
        _ => return Err("unsupported key type"),
    };
    let alg = match jwk.alg.as_deref() {
        None => None,
        Some(name) => {
            let alg =
                crate::auth::validate::allowed_algorithm(name).ok_or("algorithm not allowed")?;
            if !key_type.allows(alg) {
                return Err("alg does not fit the key type");
            }
            Some(alg)
        }
    };
    Ok((kid, key_type, alg, material, decoding))
}
