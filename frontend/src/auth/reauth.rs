//! Signing in again without asking after the API refused the access token, at most once per
//! [`MIN_INTERVAL_SECS`].
//!
//! A 401 from the API means it no longer accepts the access token (RFC 6750 section 3.1,
//! `invalid_token`): revoked, signed with a retired key, or issued for a session the provider
//! has ended. On a protected page the app then starts sign-in again, coming back to the same
//! page. If the new tokens are refused as well (an API that is misconfigured, or a clock that
//! is far off), doing that every time would bounce the browser between the app and the provider
//! forever. So the time of each automatic attempt is kept in the tab's storage, and within
//! [`MIN_INTERVAL_SECS`] of the last one the app asks the user instead.

use super::storage::{PlatformError, Store};

/// Storage key of the last automatic attempt's time.
pub const KEY: &str = "oidc.reauth_at";

/// How long after an automatic attempt another one is held back, in seconds.
pub const MIN_INTERVAL_SECS: i64 = 60;

/// The record of automatic sign-in attempts kept in a [`Store`].
#[derive(Debug)]
pub struct AutomaticSignIn<'s, S: Store> {
    store: &'s S,
}

impl<'s, S: Store> AutomaticSignIn<'s, S> {
    pub fn new(store: &'s S) -> Self {
        Self { store }
    }

    /// Whether sign-in may start again by itself at `now` (seconds since the Unix epoch).
    pub fn allowed(&self, now: i64) -> bool {
        may_start(self.last(), now)
    }

    /// Records an automatic attempt starting at `now`. Without this record the next refusal
    /// could not be recognised as a loop, so callers must not start the attempt if it fails.
    pub fn record(&self, now: i64) -> Result<(), PlatformError> {
        self.store.set(KEY, &now.to_string())
    }

    fn last(&self) -> Option<i64> {
        // An unreadable value counts as no attempt: the next one then overwrites it, so at
        // most one attempt goes unguarded.
        self.store.get(KEY)?.parse().ok()
    }
}

/// The loop guard: there was no automatic attempt yet, or the last one started at least
/// [`MIN_INTERVAL_SECS`] before `now`. A recorded time in the future (the clock was set back)
/// holds attempts back too: when in doubt the user is asked.
pub fn may_start(last: Option<i64>, now: i64) -> bool {
    last.is_none_or(|last| now.saturating_sub(last) >= MIN_INTERVAL_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::storage::MemoryStore;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn first_refusal_signs_in_again() {
        assert!(may_start(None, NOW));
        assert!(AutomaticSignIn::new(&MemoryStore::default()).allowed(NOW));
    }

    #[test]
    fn refusal_within_the_interval_asks_the_user() {
        let store = MemoryStore::default();
        let attempts = AutomaticSignIn::new(&store);
        attempts.record(NOW).unwrap();
        assert!(!attempts.allowed(NOW));
        assert!(!attempts.allowed(NOW + MIN_INTERVAL_SECS - 1));
    }

    #[test]
    fn refusal_after_the_interval_signs_in_again() {
        let store = MemoryStore::default();
        let attempts = AutomaticSignIn::new(&store);
        attempts.record(NOW).unwrap();
        assert!(attempts.allowed(NOW + MIN_INTERVAL_SECS));
        attempts.record(NOW + MIN_INTERVAL_SECS).unwrap();
        assert!(!attempts.allowed(NOW + MIN_INTERVAL_SECS + 1));
    }

    #[test]
    fn attempt_recorded_in_the_future_asks_the_user() {
        assert!(!may_start(Some(NOW + 3600), NOW));
        assert!(!may_start(Some(i64::MAX), i64::MIN));
    }

    #[test]
    fn unreadable_record_counts_as_no_attempt() {
        let store = MemoryStore::default();
        store.set(KEY, "not a number").unwrap();
        let attempts = AutomaticSignIn::new(&store);
        assert!(attempts.allowed(NOW));
        attempts.record(NOW).unwrap();
        assert!(!attempts.allowed(NOW + 1));
    }
}

#[cfg(test)]
#[cfg(target_arch = "wasm32")]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::auth::storage::SessionStore;

    #[wasm_bindgen_test]
    fn attempt_is_remembered_in_session_storage() {
        let store = SessionStore::open().unwrap();
        store.remove(KEY);
        let attempts = AutomaticSignIn::new(&store);
        assert!(attempts.allowed(1_700_000_000));
        attempts.record(1_700_000_000).unwrap();
        assert!(!AutomaticSignIn::new(&SessionStore::open().unwrap()).allowed(1_700_000_030));
        store.remove(KEY);
    }
}
