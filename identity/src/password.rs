//! Password hashing with argon2id (RFC 9106) using the crate's default parameters.
//!
//! Verification reuses its working memory (19 MiB with the default parameters). Allocating
//! and freeing a block that size for every sign-in makes glibc raise its mmap threshold
//! after the first free, after which the blocks come from malloc arenas that keep them:
//! 100 sequential failed sign-ins left the provider at 444 MB RSS and 100 more, four at a
//! time, at 1.09 GB (the same runs stay near 16 MB with the threshold pinned). Here at most
//! one block per core is ever allocated, never freed, and verifications beyond that many
//! wait for a free block.

use std::sync::{Condvar, LazyLock, Mutex, MutexGuard};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::config::User;

static MEMORY: LazyLock<Memory> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Memory::new(cores)
});

/// Hashes `password` with argon2id and the default (OWASP-recommended) parameters.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(random_salt().as_slice()).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies with the algorithm, version and parameters recorded in the PHC string.
/// Malformed hashes never match. Blocks while every working-memory block is in use.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(hash.algorithm),
        hash.version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut lease = MEMORY.take();
    if lease.blocks.len() < blocks {
        lease.blocks.resize(blocks, Block::default());
    }
    let computed = Output::init_with(expected.len(), |out| {
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut lease.blocks[..])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    });
    drop(lease);
    // `Output` compares in constant time.
    computed.is_ok_and(|computed| computed == expected)
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

/// Argon2 working memory: at most `limit` blocks in existence, handed out one at a time.
#[derive(Debug)]
struct Memory {
    pool: Mutex<Pool>,
    returned: Condvar,
    limit: usize,
}

#[derive(Debug, Default)]
struct Pool {
    free: Vec<Vec<Block>>,
    in_use: usize,
}

impl Memory {
    fn new(limit: usize) -> Self {
        Memory {
            pool: Mutex::new(Pool::default()),
            returned: Condvar::new(),
            limit: limit.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A free block (empty when new), waiting while `limit` are in use.
    fn take(&self) -> Lease<'_> {
        let mut pool = self.lock();
        while pool.free.is_empty() && pool.in_use >= self.limit {
            pool = self.returned.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
        pool.in_use += 1;
        Lease {
            blocks: pool.free.pop().unwrap_or_default(),
            memory: self,
        }
    }
}

/// A block taken from [`Memory`]; dropping it, even in a panic, gives it back.
struct Lease<'a> {
    blocks: Vec<Block>,
    memory: &'a Memory,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut pool = self.memory.lock();
        pool.in_use -= 1;
        pool.free.push(std::mem::take(&mut self.blocks));
        self.memory.returned.notify_one();
    }
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
    fn working_memory_is_reused_and_bounded() {
        let memory = Memory::new(2);
        let mut a = memory.take();
        a.blocks.resize(8, Block::default());
        let b = memory.take();
        let address = a.blocks.as_ptr();
        drop(a);
        let again = memory.take();
        assert_eq!(
            again.blocks.as_ptr(),
            address,
            "the freed block is handed out again"
        );
        assert_eq!(memory.lock().in_use, 2);
        drop((b, again));
        let pool = memory.lock();
        assert_eq!((pool.in_use, pool.free.len()), (0, 2));
    }

    #[test]
    fn hashes_with_other_parameters_and_versions_verify() {
        let salt = SaltString::encode_b64(b"other-salt-16byt").unwrap();
        for (algorithm, version, m) in [
            (Algorithm::Argon2id, Version::V0x13, 1024),
            (Algorithm::Argon2i, Version::V0x10, 2048),
            (Algorithm::Argon2d, Version::V0x13, 4096),
        ] {
            let params = Params::new(m, 1, 1, Some(16)).unwrap();
            let phc = Argon2::new(algorithm, version, params)
                .hash_password(b"pw", &salt)
                .unwrap()
                .to_string();
            assert!(verify("pw", &phc), "{phc}");
            assert!(!verify("pW", &phc), "{phc}");
        }
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
