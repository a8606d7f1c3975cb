//! Authorization codes, kept in memory.
//!
//! A code lives at most [`CODE_LIFETIME_SECS`] and is single use (RFC 6749 section 4.1.2).
//! Memory is enough: a restart only makes a user who was between the redirect and the
//! token request sign in again, and no usable code ever reaches the disk. After
//! redemption a marker stays for [`REPLAY_WINDOW_SECS`] so that a replay is recognised and
//! the tokens the code issued are revoked (RFC 6749 section 4.1.2, RFC 9700 4.2.4).

use crate::secret;
use crate::ttl::TtlMap;

pub const CODE_LIFETIME_SECS: u64 = 60;
pub const REPLAY_WINDOW_SECS: u64 = 600;
const CAPACITY: usize = 100_000;

/// What an authorization code stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    /// RFC 7636 S256 challenge.
    pub code_challenge: String,
    pub sub: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: u64,
    pub session_hash: Option<String>,
    pub expires_at: u64,
}

/// The tokens a redemption issued, to be revoked if the code is replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub family_id: Option<String>,
    pub access_jti: String,
    pub access_expires_at: u64,
}

#[derive(Debug)]
enum CodeState {
    Fresh(Box<CodeGrant>),
    Redeemed(Issued),
}

/// Outcome of presenting a code.
#[derive(Debug, PartialEq, Eq)]
pub enum Redemption {
    Valid(Box<CodeGrant>),
    /// Unknown or expired.
    Invalid,
    /// Already redeemed: these are the tokens it issued.
    Replayed(Issued),
}

/// The in-memory code table, keyed by the code's hash.
#[derive(Debug)]
pub struct CodeStore {
    codes: TtlMap<String, CodeState>,
}

impl Default for CodeStore {
    fn default() -> Self {
        CodeStore {
            codes: TtlMap::new(CAPACITY),
        }
    }
}

impl CodeStore {
    /// Stores a grant and returns its new code, or `None` when the table is full.
    pub fn issue(&self, grant: CodeGrant, now: u64) -> Option<String> {
        let code = secret::random_token();
        let stored = self.codes.insert(
            secret::hash(&code),
            CodeState::Fresh(Box::new(grant)),
            now + REPLAY_WINDOW_SECS,
            now,
        );
        stored.then_some(code)
    }

    /// Redeems `code` atomically, recording what the redemption will issue.
    pub fn redeem(&self, code: &str, now: u64, issued: Issued) -> Redemption {
        let outcome = self
            .codes
            .with(&secret::hash(code), now, |state| match state {
                CodeState::Redeemed(previous) => Redemption::Replayed(previous.clone()),
                CodeState::Fresh(grant) if grant.expires_at <= now => Redemption::Invalid,
                CodeState::Fresh(_) => {
                    match std::mem::replace(state, CodeState::Redeemed(issued)) {
                        CodeState::Fresh(grant) => Redemption::Valid(grant),
                        CodeState::Redeemed(_) => Redemption::Invalid,
                    }
                }
            });
        outcome.unwrap_or(Redemption::Invalid)
    }

    pub fn sweep(&self, now: u64) {
        self.codes.sweep(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(expires_at: u64) -> CodeGrant {
        CodeGrant {
            client_id: "spa".into(),
            redirect_uri: "http://localhost:5000/callback".into(),
            code_challenge: "c".into(),
            sub: "alice".into(),
            scope: "openid".into(),
            nonce: None,
            auth_time: 0,
            session_hash: None,
            expires_at,
        }
    }

    fn issued() -> Issued {
        Issued {
            family_id: Some("f".into()),
            access_jti: "j".into(),
            access_expires_at: 9,
        }
    }

    #[test]
    fn code_is_single_use_and_replay_reports_issued_tokens() {
        let store = CodeStore::default();
        let code = store.issue(grant(60), 0).unwrap();
        assert!(matches!(
            store.redeem(&code, 1, issued()),
            Redemption::Valid(_)
        ));
        assert_eq!(
            store.redeem(&code, 2, issued()),
            Redemption::Replayed(issued())
        );
    }

    #[test]
    fn expired_code_is_invalid() {
        let store = CodeStore::default();
        let code = store.issue(grant(60), 0).unwrap();
        assert_eq!(store.redeem(&code, 60, issued()), Redemption::Invalid);
        assert_eq!(store.redeem("unknown", 1, issued()), Redemption::Invalid);
    }
}
