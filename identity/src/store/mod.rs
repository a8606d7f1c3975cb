//! SQLite persistence: provider sessions, refresh-token families and revocations.
//!
//! Only SHA-256 hashes of session ids and refresh tokens are stored (see [`crate::secret`]).
//! One connection behind a mutex is enough here: every statement is a primary-key lookup
//! or a small write in WAL mode, far shorter than the request that needs it.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (
    id_hash     TEXT PRIMARY KEY,
    sub         TEXT NOT NULL,
    auth_time   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_families (
    family_id    TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    sub          TEXT NOT NULL,
    scope        TEXT NOT NULL,
    auth_time    INTEGER NOT NULL,
    session_hash TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_families_session ON refresh_families (session_hash);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL,
    rotated_at  INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id);
CREATE TABLE IF NOT EXISTS revoked_access_tokens (
    jti         TEXT PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);
";

/// A provider session: the user signed in at `auth_time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub sub: String,
    pub auth_time: u64,
}

/// What a refresh-token family grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub family_id: String,
    pub client_id: String,
    pub sub: String,
    pub scope: String,
    pub auth_time: u64,
    pub session_hash: Option<String>,
    pub expires_at: u64,
}

/// The columns [`Family::from_row`] reads, first in a query's result.
const FAMILY_COLUMNS: &str =
    "f.family_id, f.client_id, f.sub, f.scope, f.auth_time, f.session_hash, f.expires_at";
/// The family of the refresh token whose hash is `?1`.
const FAMILY_OF_TOKEN: &str = "FROM refresh_tokens t
    JOIN refresh_families f ON f.family_id = t.family_id WHERE t.token_hash = ?1";

impl Family {
    /// A family from the first columns of a row selected with [`FAMILY_COLUMNS`].
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            family_id: r.get(0)?,
            client_id: r.get(1)?,
            sub: r.get(2)?,
            scope: r.get(3)?,
            auth_time: r.get(4)?,
            session_hash: r.get(5)?,
            expires_at: r.get(6)?,
        })
    }
}

/// Result of presenting a refresh token.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// Valid: the presented token is now spent and the new hash is its successor.
    Rotated(Family),
    /// Unknown, expired, or its family was revoked.
    Invalid,
    /// Already rotated: the whole family has now been revoked (RFC 9700 section 4.14.2).
    Reused { family_id: String },
    /// Valid, but the caller's check refused the request; nothing was changed, so the
    /// token stays usable.
    Declined(Family),
}

/// Database errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database file permissions: {0}")]
    Io(#[from] std::io::Error),
}

/// Handle to the provider database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: every write is
        // a statement or a transaction that rolls back on drop.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn create_session(
        &self,
        id_hash: &str,
        session: &Session,
        expires_at: u64,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO sessions (id_hash, sub, auth_time, expires_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id_hash, session.sub, session.auth_time, expires_at])?;
        Ok(())
    }

    pub fn session(&self, id_hash: &str, now: u64) -> Result<Option<Session>, StoreError> {
        let session = self
            .conn()
            .prepare_cached(
                "SELECT sub, auth_time FROM sessions WHERE id_hash = ?1 AND expires_at > ?2",
            )?
            .query_row(params![id_hash, now], |r| {
                Ok(Session {
                    sub: r.get(0)?,
                    auth_time: r.get(1)?,
                })
            })
            .optional()?;
        Ok(session)
    }

    /// Deletes a session and revokes the refresh-token families issued under it.
    pub fn end_session(&self, id_hash: &str, now: u64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let deleted = tx.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
        tx.execute(
            "UPDATE refresh_families SET revoked_at = ?2
             WHERE session_hash = ?1 AND revoked_at IS NULL",
            params![id_hash, now],
        )?;
        tx.commit()?;
        Ok(deleted > 0)
    }

    /// Starts a family with its first token.
    pub fn create_family(
        &self,
        family: &Family,
        token_hash: &str,
        token_expires_at: u64,
        now: u64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO refresh_families
             (family_id, client_id, sub, scope, auth_time, session_hash, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            family.family_id,
            family.client_id,
            family.sub,
            family.scope,
            family.auth_time,
            family.session_hash,
            now,
            family.expires_at
        ])?;
        tx.prepare_cached(
            "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![token_hash, family.family_id, token_expires_at])?;
        tx.commit()?;
        Ok(())
    }

    /// Spends `token_hash` and stores `new_hash` as its successor expiring at
    /// `min(now + sliding, family expiry)`, in one transaction.
    pub fn rotate(
        &self,
        client_id: &str,
        token_hash: &str,
        new_hash: &str,
        now: u64,
        sliding: u64,
    ) -> Result<Rotation, StoreError> {
        self.rotate_if(client_id, token_hash, new_hash, now, sliding, |_| true)
    }

    /// [`Store::rotate`], but only once the token is known to be valid for `client_id` is
    /// `accept` asked whether to go on; if it says no, the answer is
    /// [`Rotation::Declined`] and the token is not spent. The token's own state is thus
    /// always decided first, so a refusal by `accept` (for example a scope check) reveals
    /// nothing about unknown, spent, revoked or expired tokens.
    pub fn rotate_if(
        &self,
        client_id: &str,
        token_hash: &str,
        new_hash: &str,
        now: u64,
        sliding: u64,
        accept: impl FnOnce(&Family) -> bool,
    ) -> Result<Rotation, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let row = tx
            .prepare_cached(&format!(
                "SELECT {FAMILY_COLUMNS}, t.expires_at, t.rotated_at, f.revoked_at
                     {FAMILY_OF_TOKEN}"
            ))?
            .query_row([token_hash], |r| {
                let family = Family::from_row(r)?;
                let expires: u64 = r.get(7)?;
                let rotated: Option<u64> = r.get(8)?;
                let revoked: Option<u64> = r.get(9)?;
                Ok((expires, rotated, revoked, family))
            })
            .optional()?;
        let Some((expires, rotated, revoked, family)) = row else {
            return Ok(Rotation::Invalid);
        };
        // RFC 6749 section 6: the token is bound to the client it was issued to.
        if revoked.is_some() || family.client_id != client_id {
            return Ok(Rotation::Invalid);
        }
        if rotated.is_some() {
            revoke_family_in(&tx, &family.family_id, now)?;
            tx.commit()?;
            return Ok(Rotation::Reused {
                family_id: family.family_id,
            });
        }
        if expires <= now || family.expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        if !accept(&family) {
            return Ok(Rotation::Declined(family));
        }
        tx.prepare_cached("UPDATE refresh_tokens SET rotated_at = ?2 WHERE token_hash = ?1")?
            .execute(params![token_hash, now])?;
        let new_expires = now.saturating_add(sliding).min(family.expires_at);
        tx.prepare_cached(
            "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![new_hash, family.family_id, new_expires])?;
        tx.commit()?;
        Ok(Rotation::Rotated(family))
    }

    /// The family of a refresh token, whatever its state.
    pub fn family_of(&self, token_hash: &str) -> Result<Option<Family>, StoreError> {
        let family = self
            .conn()
            .prepare_cached(&format!("SELECT {FAMILY_COLUMNS} {FAMILY_OF_TOKEN}"))?
            .query_row([token_hash], Family::from_row)
            .optional()?;
        Ok(family)
    }

    pub fn revoke_family(&self, family_id: &str, now: u64) -> Result<(), StoreError> {
        let conn = self.conn();
        revoke_family_in(&conn, family_id, now)?;
        Ok(())
    }

    /// Records a revoked access token until it would have expired anyway.
    pub fn revoke_access_token(&self, jti: &str, expires_at: u64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?1, ?2)",
            )?
            .execute(params![jti, expires_at])?;
        Ok(())
    }

    pub fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let found = self
            .conn()
            .prepare_cached("SELECT 1 FROM revoked_access_tokens WHERE jti = ?1")?
            .query_row([jti], |_| Ok(()))
            .optional()?;
        Ok(found.is_some())
    }

    /// Deletes rows that can no longer matter. Revoked families are kept until their
    /// absolute expiry so that reuse of their tokens is still recognised.
    pub fn purge_expired(&self, now: u64) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        conn.execute("DELETE FROM refresh_families WHERE expires_at <= ?1", [now])?;
        conn.execute(
            "DELETE FROM revoked_access_tokens WHERE expires_at <= ?1",
            [now],
        )?;
        Ok(())
    }
}

fn revoke_family_in(conn: &Connection, family_id: &str, now: u64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE refresh_families SET revoked_at = ?2 WHERE family_id = ?1 AND revoked_at IS NULL",
    )?
    .execute(params![family_id, now])?;
    Ok(())
}

#[cfg(test)]
mod tests;
