//! Signing keys: generation, storage in the data folder, rotation and JWT signing.
//!
//! Each key is an RSA 2048 key stored as `signing-key-<unix seconds>.pem` (PKCS#8, mode
//! 0600). The newest key signs; an older key stays published in the JWKS until the key that
//! replaced it is older than the grace period, so that tokens it signed still verify.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

const FILE_PREFIX: &str = "signing-key-";
const FILE_SUFFIX: &str = ".pem";
const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// Failures loading, creating or using keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is not a PKCS#8 RSA private key")]
    Malformed { path: PathBuf },
    #[error("RSA key generation failed")]
    Generate,
    #[error("signing failed")]
    Sign,
}

/// Why a JWT was not accepted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("malformed JWT")]
    Malformed,
    #[error("unexpected JOSE header: alg {alg:?}, typ {typ:?}")]
    UnexpectedHeader { alg: String, typ: Option<String> },
    #[error("unknown key id")]
    UnknownKey,
    #[error("bad signature")]
    BadSignature,
}

/// One RSA signing key with its public JWK parts.
#[derive(Debug)]
pub struct SigningKey {
    pub kid: String,
    pub created_at: u64,
    n: String,
    e: String,
    pair: KeyPair,
    path: PathBuf,
}

/// A public key as published in the JWKS (RFC 7517 section 4).
#[derive(Debug, Serialize)]
pub struct Jwk<'a> {
    pub kty: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
    pub kid: &'a str,
    pub n: &'a str,
    pub e: &'a str,
}

impl SigningKey {
    fn from_pair(pair: KeyPair, created_at: u64, path: PathBuf) -> Self {
        let parts = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let n = URL_SAFE_NO_PAD.encode(&parts.n);
        let e = URL_SAFE_NO_PAD.encode(&parts.e);
        SigningKey {
            kid: thumbprint(&n, &e),
            created_at,
            n,
            e,
            pair,
            path,
        }
    }

    pub fn jwk(&self) -> Jwk<'_> {
        Jwk {
            kty: "RSA",
            use_: "sig",
            alg: "RS256",
            kid: &self.kid,
            n: &self.n,
            e: &self.e,
        }
    }

    fn verify(&self, message: &[u8], signature_bytes: &[u8]) -> bool {
        UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            self.pair.public_key().as_ref(),
        )
        .verify(message, signature_bytes)
        .is_ok()
    }
}

/// RFC 7638 section 3: SHA-256 over the lexicographically ordered required members.
pub fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The keys in force at one moment: the active one and every one still published.
#[derive(Debug)]
pub struct KeySet {
    active: Arc<SigningKey>,
    published: Vec<Arc<SigningKey>>,
}

impl KeySet {
    pub fn active(&self) -> &SigningKey {
        &self.active
    }

    pub fn published(&self) -> impl Iterator<Item = &SigningKey> {
        self.published.iter().map(|k| k.as_ref())
    }

    /// Signs `claims` as a compact JWS with RS256 (RFC 7515 section 7.1).
    pub fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> Result<String, KeyError> {
        let header = serde_json::json!({"alg": "RS256", "typ": typ, "kid": self.active.kid});
        let claims = serde_json::to_vec(claims).map_err(|_| KeyError::Sign)?;
        let mut jws = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let mut sig = vec![0u8; self.active.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.active
            .pair
            .sign(&signature::RSA_PKCS1_SHA256, &rng, jws.as_bytes(), &mut sig)
            .map_err(|_| KeyError::Sign)?;
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(sig));
        Ok(jws)
    }

    /// Verifies a JWS signed by one of the published keys and returns its claims.
    ///
    /// Steps: (1) split into three parts; (2) require `alg` RS256 and, when `typ` is given,
    /// that exact header `typ` (RFC 9068 section 4 for access tokens); (3) select the key
    /// by `kid`; (4) check the signature. Claim checks (iss, exp, aud) are the caller's.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        typ: Option<&str>,
    ) -> Result<T, JwtError> {
        #[derive(serde::Deserialize)]
        struct Header {
            alg: String,
            typ: Option<String>,
            kid: Option<String>,
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).map_err(|_| JwtError::Malformed);
        let header: Header =
            serde_json::from_slice(&decode(h)?).map_err(|_| JwtError::Malformed)?;
        let typ_ok = typ.is_none_or(|t| header.typ.as_deref() == Some(t));
        if header.alg != "RS256" || !typ_ok {
            return Err(JwtError::UnexpectedHeader {
                alg: header.alg,
                typ: header.typ,
            });
        }
        let kid = header.kid.ok_or(JwtError::UnknownKey)?;
        let key = self
            .published()
            .find(|k| k.kid == kid)
            .ok_or(JwtError::UnknownKey)?;
        let signed_len = h.len() + 1 + c.len();
        if !key.verify(&token.as_bytes()[..signed_len], &decode(s)?) {
            return Err(JwtError::BadSignature);
        }
        serde_json::from_slice(&decode(c)?).map_err(|_| JwtError::Malformed)
    }
}

/// The key folder, reloaded when another process (`identity rotate-key`) changes it.
#[derive(Debug)]
pub struct KeyRing {
    dir: PathBuf,
    grace: u64,
    current: RwLock<Arc<KeySet>>,
}

impl KeyRing {
    /// Loads the keys in `dir`, generating the first key when there is none.
    pub fn open(dir: &Path, now: u64, grace: u64) -> Result<Self, KeyError> {
        create_private_dir(dir)?;
        let mut keys = read_keys(dir)?;
        if keys.is_empty() {
            keys.push(generate_key(dir, now)?);
            tracing::info!(kid = %keys[0].kid, "generated the first signing key");
        }
        let set = select(keys, now, grace);
        Ok(KeyRing {
            dir: dir.into(),
            grace,
            current: RwLock::new(Arc::new(set)),
        })
    }

    pub fn current(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the folder so that a rotation done by another process takes effect and
    /// keys past their grace period leave the JWKS.
    pub fn reload(&self, now: u64) -> Result<(), KeyError> {
        let keys = read_keys(&self.dir)?;
        if keys.is_empty() {
            return Ok(());
        }
        let set = select(keys, now, self.grace);
        let changed = {
            let old = self.current();
            old.active.kid != set.active.kid || old.published.len() != set.published.len()
        };
        if changed {
            tracing::info!(active = %set.active.kid, published = set.published.len(),
                "signing keys reloaded");
            match self.current.write() {
                Ok(mut guard) => *guard = Arc::new(set),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(set),
            }
        }
        Ok(())
    }
}

/// Creates a new active key and deletes keys whose grace period has ended.
/// Returns the new key id.
pub fn rotate(dir: &Path, now: u64, grace: u64) -> Result<String, KeyError> {
    create_private_dir(dir)?;
    let existing = read_keys(dir)?;
    let newest = existing.iter().map(|k| k.created_at).max().unwrap_or(0);
    let key = generate_key(dir, now.max(newest + 1))?;
    let kid = key.kid.clone();
    let mut all = existing;
    all.push(key);
    let set = select_with_retired(all, now, grace);
    for retired in set.1 {
        fs::remove_file(&retired.path).map_err(|source| KeyError::Io {
            path: retired.path.clone(),
            source,
        })?;
        tracing::info!(kid = %retired.kid, "deleted a signing key past its grace period");
    }
    Ok(kid)
}

fn select(keys: Vec<SigningKey>, now: u64, grace: u64) -> KeySet {
    select_with_retired(keys, now, grace).0
}

/// Splits keys into the published set and those past their grace period.
/// `keys` must not be empty.
fn select_with_retired(
    mut keys: Vec<SigningKey>,
    now: u64,
    grace: u64,
) -> (KeySet, Vec<SigningKey>) {
    keys.sort_by_key(|k| std::cmp::Reverse(k.created_at));
    let mut published = Vec::new();
    let mut retired = Vec::new();
    let mut successor_created: Option<u64> = None;
    for key in keys {
        let keep = successor_created.is_none_or(|t| now < t.saturating_add(grace));
        successor_created = Some(key.created_at);
        if keep {
            published.push(Arc::new(key))
        } else {
            retired.push(key)
        }
    }
    let active = published[0].clone();
    (KeySet { active, published }, retired)
}

fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: dir.into(),
        source,
    };
    fs::create_dir_all(dir).map_err(io)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)
}

fn read_keys(dir: &Path) -> Result<Vec<SigningKey>, KeyError> {
    let io = |source| KeyError::Io {
        path: dir.into(),
        source,
    };
    let mut keys = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let Some(created_at) = path.file_name().and_then(|n| n.to_str()).and_then(|n| {
            n.strip_prefix(FILE_PREFIX)?
                .strip_suffix(FILE_SUFFIX)?
                .parse()
                .ok()
        }) else {
            continue;
        };
        let pem = fs::read_to_string(&path).map_err(|source| KeyError::Io {
            path: path.clone(),
            source,
        })?;
        let pair = decode_pem(&pem)
            .and_then(|der| KeyPair::from_pkcs8(&der).ok())
            .ok_or_else(|| KeyError::Malformed { path: path.clone() })?;
        keys.push(SigningKey::from_pair(pair, created_at, path));
    }
    Ok(keys)
}

fn generate_key(dir: &Path, created_at: u64) -> Result<SigningKey, KeyError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
    let der = pair.as_der().map_err(|_| KeyError::Generate)?;
    let path = dir.join(format!("{FILE_PREFIX}{created_at}{FILE_SUFFIX}"));
    let tmp = dir.join(format!(".{FILE_PREFIX}{created_at}.tmp"));
    let io = |source| KeyError::Io {
        path: tmp.clone(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    file.write_all(encode_pem(der.as_ref()).as_bytes())
        .map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&tmp, &path).map_err(io)?;
    Ok(SigningKey::from_pair(pair, created_at, path))
}

fn encode_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::with_capacity(b64.len() + 80);
    pem.push_str(PEM_BEGIN);
    pem.push('\n');
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}

fn decode_pem(pem: &str) -> Option<Vec<u8>> {
    let body = pem.trim().strip_prefix(PEM_BEGIN)?.strip_suffix(PEM_END)?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests;
