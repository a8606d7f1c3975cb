//! Sign-in requests that left for the provider and have not come back yet.
//!
//! Each request is stored under its own `state` value (RFC 6749 section 10.12), so two tabs,
//! or two attempts in one tab, never overwrite each other's verifier and nonce. An entry is
//! single use: the callback takes it out before exchanging the code, and leaves a small
//! "completed" marker holding only the return path, so reloading the callback or pressing
//! Back can be answered sensibly instead of failing.

use serde::{Deserialize, Serialize};

use super::storage::{PlatformError, Store};

/// Key prefix of the entries.
pub const KEY_PREFIX: &str = "oidc.request.";

/// How long a request (or its completed marker) is kept, in seconds.
pub const REQUEST_LIFETIME_SECS: i64 = 600;

/// What the client remembers about one authorization request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    /// The `state` sent to the provider, also the storage key.
    pub state: String,
    /// The `nonce` the ID token must echo.
    pub nonce: String,
    /// The PKCE `code_verifier`.
    pub code_verifier: String,
    /// Where to go after sign-in, a path on this origin.
    pub return_path: String,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: i64,
}

impl std::fmt::Debug for PendingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRequest")
            .field("return_path", &self.return_path)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// The answer to "which request does this `state` belong to?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A live request: it has now been removed and cannot be used again.
    Pending(PendingRequest),
    /// A request that already completed; only its return path is left.
    Completed { return_path: String },
    /// Unknown, expired, or from another tab.
    Unknown,
}

/// Externally tagged (`{"pending": {...}}`): cheaper to decode than an internal tag.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Entry {
    Pending(PendingRequest),
    Completed {
        return_path: String,
        completed_at: i64,
    },
}

impl Entry {
    fn timestamp(&self) -> i64 {
        match self {
            Self::Pending(request) => request.created_at,
            Self::Completed { completed_at, .. } => *completed_at,
        }
    }
}

/// The pending requests kept in a [`Store`].
#[derive(Debug)]
pub struct PendingRequests<'s, S: Store> {
    store: &'s S,
}

impl<'s, S: Store> PendingRequests<'s, S> {
    /// Requests kept in `store`.
    pub fn new(store: &'s S) -> Self {
        Self { store }
    }

    /// Saves a new request, first dropping entries older than [`REQUEST_LIFETIME_SECS`].
    pub fn save(&self, request: &PendingRequest) -> Result<(), PlatformError> {
        self.prune(request.created_at);
        self.store
            .set_json(&key(&request.state), &Entry::Pending(request.clone()))
    }

    /// Takes the request for `state` out of the store.
    pub fn take(&self, state: &str, now: i64) -> Lookup {
        let key = key(state);
        let Some(entry) = self.entry(&key) else {
            return Lookup::Unknown;
        };
        if is_stale(&entry, now) {
            self.store.remove(&key);
            return Lookup::Unknown;
        }
        match entry {
            Entry::Pending(request) => {
                self.store.remove(&key);
                Lookup::Pending(request)
            }
            Entry::Completed { return_path, .. } => Lookup::Completed { return_path },
        }
    }

    /// Like [`Self::take`], for a response that may carry no `state`: without one it matches
    /// nothing, since every request this client sends has one.
    pub fn take_matching(&self, state: Option<&str>, now: i64) -> Lookup {
        state.map_or(Lookup::Unknown, |state| self.take(state, now))
    }

    /// Records that the request for `state` signed the user in.
    pub fn mark_completed(&self, state: &str, return_path: &str, now: i64) {
        let entry = Entry::Completed {
            return_path: return_path.into(),
            completed_at: now,
        };
        // Losing the marker only makes a later reload of the callback less helpful.
        let _ = self.store.set_json(&key(state), &entry);
    }

    /// Whether a request for `return_path` left within the lifetime and never came back,
    /// as happens when the user presses Back on the provider's page.
    pub fn has_unfinished(&self, return_path: &str, now: i64) -> bool {
        self.entries().any(|(_, entry)| {
            !is_stale(&entry, now)
                && matches!(&entry, Entry::Pending(r) if r.return_path == return_path)
        })
    }

    /// Removes every stored request, for sign-out.
    pub fn clear(&self) {
        for (key, _) in self.entries() {
            self.store.remove(&key);
        }
    }

    fn prune(&self, now: i64) {
        for (key, entry) in self.entries() {
            if is_stale(&entry, now) {
                self.store.remove(&key);
            }
        }
    }

    fn entry(&self, key: &str) -> Option<Entry> {
        self.store.get_json(key)
    }

    fn entries(&self) -> impl Iterator<Item = (String, Entry)> + '_ {
        self.store
            .keys()
            .into_iter()
            .filter(|k| k.starts_with(KEY_PREFIX))
            .filter_map(|k| self.entry(&k).map(|e| (k, e)))
    }
}

fn key(state: &str) -> String {
    format!("{KEY_PREFIX}{state}")
}

fn is_stale(entry: &Entry, now: i64) -> bool {
    now - entry.timestamp() > REQUEST_LIFETIME_SECS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::storage::MemoryStore;

    const NOW: i64 = 1_700_000_000;

    fn request(state: &str, return_path: &str, created_at: i64) -> PendingRequest {
        PendingRequest {
            state: state.into(),
            nonce: format!("nonce-{state}"),
            code_verifier: format!("verifier-{state}"),
            return_path: return_path.into(),
            created_at,
        }
    }

    #[test]
    fn saved_request_is_found_by_state_once() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        let saved = request("s1", "/about", NOW);
        requests.save(&saved).unwrap();
        assert_eq!(requests.take("s1", NOW + 5), Lookup::Pending(saved));
        assert_eq!(requests.take("s1", NOW + 6), Lookup::Unknown);
    }

    #[test]
    fn two_concurrent_requests_keep_their_own_nonce_and_verifier() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        requests.save(&request("a", "/about", NOW)).unwrap();
        requests.save(&request("b", "/", NOW + 1)).unwrap();
        let Lookup::Pending(b) = requests.take("b", NOW + 2) else {
            panic!("b is pending");
        };
        assert_eq!(b.nonce, "nonce-b");
        let Lookup::Pending(a) = requests.take("a", NOW + 3) else {
            panic!("a is still pending");
        };
        assert_eq!(
            (a.nonce.as_str(), a.return_path.as_str()),
            ("nonce-a", "/about")
        );
    }

    #[test]
    fn unknown_state_is_not_found() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        requests.save(&request("mine", "/", NOW)).unwrap();
        assert_eq!(requests.take("forged", NOW), Lookup::Unknown);
    }

    #[test]
    fn error_response_with_a_state_never_issued_matches_nothing() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        requests.save(&request("mine", "/about", NOW)).unwrap();
        assert_eq!(requests.take_matching(Some("forged"), NOW), Lookup::Unknown);
        assert_eq!(requests.take_matching(None, NOW), Lookup::Unknown);
        // The real request is still there for the provider's real answer.
        assert!(matches!(
            requests.take_matching(Some("mine"), NOW + 1),
            Lookup::Pending(r) if r.return_path == "/about"
        ));
    }

    #[test]
    fn expired_request_is_not_used() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        requests.save(&request("old", "/", NOW)).unwrap();
        assert_eq!(
            requests.take("old", NOW + REQUEST_LIFETIME_SECS + 1),
            Lookup::Unknown
        );
        assert!(store.keys().is_empty());
    }

    #[test]
    fn saving_prunes_stale_entries_only() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        requests.save(&request("old", "/", NOW)).unwrap();
        requests.save(&request("recent", "/", NOW + 500)).unwrap();
        requests
            .save(&request("new", "/", NOW + REQUEST_LIFETIME_SECS + 1))
            .unwrap();
        let mut keys = store.keys();
        keys.sort();
        assert_eq!(keys, vec![key("new"), key("recent")]);
    }

    #[test]
    fn completed_request_remembers_return_path_for_reloads() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        requests.save(&request("s", "/about", NOW)).unwrap();
        assert!(matches!(requests.take("s", NOW), Lookup::Pending(_)));
        requests.mark_completed("s", "/about", NOW + 1);
        let reload = requests.take("s", NOW + 30);
        assert_eq!(
            reload,
            Lookup::Completed {
                return_path: "/about".into()
            }
        );
        assert_eq!(requests.take("s", NOW + 31), reload);
    }

    #[test]
    fn unfinished_request_is_detected_per_return_path() {
        let store = MemoryStore::default();
        let requests = PendingRequests::new(&store);
        requests.save(&request("s", "/about", NOW)).unwrap();
        assert!(requests.has_unfinished("/about", NOW + 10));
        assert!(!requests.has_unfinished("/", NOW + 10));
        assert!(!requests.has_unfinished("/about", NOW + REQUEST_LIFETIME_SECS + 1));
        requests.take("s", NOW + 11);
        assert!(!requests.has_unfinished("/about", NOW + 12));
    }

    #[test]
    fn clear_removes_only_request_entries() {
        let store = MemoryStore::default();
        store.set("unrelated", "x").unwrap();
        let requests = PendingRequests::new(&store);
        requests.save(&request("s", "/", NOW)).unwrap();
        requests.clear();
        assert_eq!(store.keys(), vec!["unrelated".to_owned()]);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let shown = format!("{:?}", request("s", "/", NOW));
        assert!(!shown.contains("verifier-s") && !shown.contains("nonce-s"));
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
    fn pending_requests_survive_in_session_storage_keyed_by_state() {
        let store = SessionStore::open().unwrap();
        let requests = PendingRequests::new(&store);
        let now = now_secs();
        for (state, path) in [("tab-a", "/about"), ("tab-b", "/")] {
            requests
                .save(&PendingRequest {
                    state: state.into(),
                    nonce: format!("n-{state}"),
                    code_verifier: format!("v-{state}"),
                    return_path: path.into(),
                    created_at: now,
                })
                .unwrap();
        }
        let raw = store.get(&format!("{KEY_PREFIX}tab-a")).unwrap();
        assert!(raw.starts_with(r#"{"pending":"#), "{raw}");
        let Lookup::Pending(b) = requests.take("tab-b", now) else {
            panic!("tab-b is pending");
        };
        assert_eq!(b.nonce, "n-tab-b");
        assert!(requests.has_unfinished("/about", now));
        requests.clear();
        assert!(!store.keys().iter().any(|k| k.starts_with(KEY_PREFIX)));
    }
}
