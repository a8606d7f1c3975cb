//! Password hashing with argon2id (RFC 9106) using the crate's default parameters.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};

use crate::config::User;

/// Hashes `password` with argon2id and the default (OWASP-recommended) parameters.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(random_salt().as_slice()).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies with the parameters recorded in the PHC string. Malformed hashes never match.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash of a random password with the same parameters as the first configured user, so
/// that a sign-in with an unknown username costs as much as one with a wrong password.
pub fn dummy_hash(users: &[User]) -> Result<String, String> {
    let params = users
        .first()
        .and_then(|u| PasswordHash::new(&u.password_hash).ok())
        .and_then(|h| Params::try_from(&h).ok())
        .unwrap_or_default();
    let argon = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(random_salt().as_slice()).map_err(|e| e.to_string())?;
    argon
        .hash_password(crate::secret::random_token().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn random_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut salt).expect("system random number generator failed");
    salt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify_ok_and_wrong_password_fails() {
        let phc = hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong", &phc));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn development_users_accept_the_documented_password() {
        let settings = crate::config::Settings::from_file_config(
            crate::config::Issuer::development(),
            crate::config::FileConfig::default(),
        )
        .unwrap();
        for user in &settings.users {
            assert!(verify("password", &user.password_hash), "{}", user.username);
        }
    }
}
