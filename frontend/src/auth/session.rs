//! The signed-in user's tokens, and the token endpoint's responses they come from.

use serde::{Deserialize, Serialize};

use super::storage::{PlatformError, Store};

/// Key prefix of the stored session; the client id follows.
pub const SESSION_KEY_PREFIX: &str = "oidc.session.";

/// A successful token response (RFC 6749 section 5.1, OpenID Connect Core section 3.1.3.3).
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// An error response from the token endpoint (RFC 6749 section 5.2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenErrorResponse {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// The tokens of a signed-in user.
///
/// Kept in memory and in `sessionStorage` (see [`super::storage`]), never in `localStorage`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub(crate) access_token: String,
    pub(crate) id_token: String,
    pub(crate) refresh_token: Option<String>,
    /// When the access token expires, seconds since the Unix epoch, if the provider said.
    pub(crate) expires_at: Option<i64>,
    pub(crate) subject: String,
    pub(crate) display_name: Option<String>,
    /// The nonce of the original sign-in, checked again on refreshed ID tokens.
    pub(crate) nonce: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("subject", &self.subject)
            .field("expires_at", &self.expires_at)
            .field("refreshable", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The access token to send to the API.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The ID token, sent back as `id_token_hint` at sign-out.
    pub fn id_token(&self) -> &str {
        &self.id_token
    }

    /// The refresh token, if the provider issued one.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_deref()
    }

    /// The user's identifier at the provider.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// A name to show: the `name` claim, else the subject.
    pub fn display_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.subject)
    }

    /// Whether the access token expires within `margin` seconds of `now`.
    ///
    /// A token without `expires_in` is used until the API rejects it.
    pub fn is_expiring(&self, now: i64, margin: i64) -> bool {
        self.expires_at
            .is_some_and(|at| now.saturating_add(margin) >= at)
    }

    /// The access token, if it has not expired at `now`: after a failed refresh it is still
    /// worth sending until then.
    pub fn unexpired_access_token(&self, now: i64) -> Option<&str> {
        (!self.is_expiring(now, 0)).then_some(self.access_token.as_str())
    }

    /// The session stored for `client_id`, if any and readable.
    pub fn load<S: Store>(store: &S, client_id: &str) -> Option<Self> {
        store.get_json(&key(client_id))
    }

    /// Stores the session for `client_id`.
    pub fn save<S: Store>(&self, store: &S, client_id: &str) -> Result<(), PlatformError> {
        store.set_json(&key(client_id), self)
    }

    /// Forgets the stored session for `client_id`.
    pub fn remove<S: Store>(store: &S, client_id: &str) {
        store.remove(&key(client_id));
    }
}

fn key(client_id: &str) -> String {
    format!("{SESSION_KEY_PREFIX}{client_id}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::auth::storage::MemoryStore;

    pub(crate) fn session(expires_at: Option<i64>) -> Session {
        Session {
            access_token: "at".into(),
            id_token: "it".into(),
            refresh_token: Some("rt".into()),
            expires_at,
            subject: "alice-id".into(),
            display_name: None,
            nonce: "n".into(),
        }
    }

    #[test]
    fn session_round_trips_through_store_per_client() {
        let store = MemoryStore::default();
        let saved = session(Some(100));
        saved.save(&store, "spa").unwrap();
        assert_eq!(Session::load(&store, "spa"), Some(saved));
        assert_eq!(Session::load(&store, "other"), None);
        Session::remove(&store, "spa");
        assert_eq!(Session::load(&store, "spa"), None);
    }

    #[test]
    fn corrupt_stored_session_is_ignored() {
        let store = MemoryStore::default();
        store.set(&key("spa"), "{not json").unwrap();
        assert_eq!(Session::load(&store, "spa"), None);
    }

    #[test]
    fn expiry_uses_margin() {
        let s = session(Some(1_000));
        assert!(!s.is_expiring(900, 30));
        assert!(s.is_expiring(970, 30));
        assert!(!session(None).is_expiring(i64::MAX - 1, 30));
    }

    #[test]
    fn access_token_is_usable_until_it_expires() {
        let s = session(Some(1_000));
        assert_eq!(s.unexpired_access_token(999), Some("at"));
        assert_eq!(s.unexpired_access_token(1_000), None);
        assert_eq!(session(None).unexpired_access_token(i64::MAX), Some("at"));
    }

    #[test]
    fn display_name_falls_back_to_subject() {
        let mut s = session(None);
        assert_eq!(s.display_name(), "alice-id");
        s.display_name = Some("Alice".into());
        assert_eq!(s.display_name(), "Alice");
    }

    #[test]
    fn debug_output_hides_tokens() {
        let shown = format!("{:?}", session(None));
        assert!(!shown.contains("\"at\"") && !shown.contains("rt") && !shown.contains("\"it\""));
    }
}

#[cfg(test)]
#[cfg(target_arch = "wasm32")]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::auth::now_secs;
    use crate::auth::storage::SessionStore;

    #[wasm_bindgen_test]
    fn session_is_kept_in_session_storage_and_never_in_local_storage() {
        let store = SessionStore::open().unwrap();
        let session = tests::session(Some(now_secs() + 300));
        session.save(&store, "browser-test").unwrap();
        assert_eq!(Session::load(&store, "browser-test"), Some(session));
        let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        assert_eq!(local.length().unwrap(), 0);
        Session::remove(&store, "browser-test");
        assert_eq!(Session::load(&store, "browser-test"), None);
    }

    #[wasm_bindgen_test]
    fn browser_clock_is_in_seconds() {
        let now = now_secs();
        assert!((1_600_000_000..4_000_000_000).contains(&now), "{now}");
    }
}
