//! Where the client keeps its state between page loads.
//!
//! Everything lives in `sessionStorage` in the browser: it survives a reload and the round trip
//! through the provider, is private to one tab, and is gone when the tab closes. `localStorage`
//! is never used, so a token is not shared with other tabs or left behind on disk after the
//! session ends.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::json;

/// Errors from the browser facilities the client relies on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    /// The browser refused storage access (storage disabled, quota exceeded, private mode).
    #[error("session storage is unavailable: {0}")]
    StorageUnavailable(String),
    /// Secure random numbers or hashing (Web Crypto) are unavailable.
    #[error("web crypto is unavailable: {0}")]
    RandomUnavailable(String),
}

/// A string key-value store with the semantics of the Web Storage API.
pub trait Store {
    /// The value under `key`, if any.
    fn get(&self, key: &str) -> Option<String>;
    /// Stores `value` under `key`, replacing what was there.
    fn set(&self, key: &str, value: &str) -> Result<(), PlatformError>;
    /// Removes `key`; removing a missing key is not an error.
    fn remove(&self, key: &str);
    /// All keys currently stored.
    fn keys(&self) -> Vec<String>;

    /// The JSON value under `key` decoded as `T`, if present and readable.
    fn get_json<T: DeserializeOwned>(&self, key: &str) -> Option<T>
    where
        Self: Sized,
    {
        json::from_str(&self.get(key)?).ok()
    }

    /// Stores `value` as JSON under `key`.
    fn set_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), PlatformError>
    where
        Self: Sized,
    {
        let text = json::to_string(value).map_err(PlatformError::StorageUnavailable)?;
        self.set(key, &text)
    }
}

/// An in-memory store, for tests.
#[derive(Debug, Default)]
pub struct MemoryStore(RefCell<BTreeMap<String, String>>);

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Option<String> {
        self.0.borrow().get(key).cloned()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), PlatformError> {
        self.0.borrow_mut().insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&self, key: &str) {
        self.0.borrow_mut().remove(key);
    }

    fn keys(&self) -> Vec<String> {
        self.0.borrow().keys().cloned().collect()
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{SessionStore, random_bytes, sha256};

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{PlatformError, Store};

    /// The tab's `window.sessionStorage`.
    #[derive(Debug, Clone)]
    pub struct SessionStore(web_sys::Storage);

    impl SessionStore {
        /// Opens the current tab's session storage.
        pub fn open() -> Result<Self, PlatformError> {
            let window = web_sys::window()
                .ok_or_else(|| PlatformError::StorageUnavailable("no window".into()))?;
            match window.session_storage() {
                Ok(Some(storage)) => Ok(Self(storage)),
                Ok(None) => Err(PlatformError::StorageUnavailable("not provided".into())),
                Err(e) => Err(PlatformError::StorageUnavailable(format!("{e:?}"))),
            }
        }
    }

    impl Store for SessionStore {
        fn get(&self, key: &str) -> Option<String> {
            self.0.get_item(key).ok().flatten()
        }

        fn set(&self, key: &str, value: &str) -> Result<(), PlatformError> {
            self.0
                .set_item(key, value)
                .map_err(|e| PlatformError::StorageUnavailable(format!("{e:?}")))
        }

        fn remove(&self, key: &str) {
            // A failure here leaves a stale entry that expires on its own; nothing to report.
            let _ = self.0.remove_item(key);
        }

        fn keys(&self) -> Vec<String> {
            let len = self.0.length().unwrap_or(0);
            (0..len)
                .filter_map(|i| self.0.key(i).ok().flatten())
                .collect()
        }
    }

    /// SHA-256 of `data` by `crypto.subtle.digest` (available in secure contexts, which
    /// include `http://localhost`).
    pub async fn sha256(data: &[u8]) -> Result<Vec<u8>, PlatformError> {
        let unavailable = |what: &str| PlatformError::RandomUnavailable(what.into());
        let subtle = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.subtle())
            .ok_or_else(|| unavailable("crypto.subtle is missing"))?;
        let promise = subtle
            .digest_with_str_and_u8_array("SHA-256", data)
            .map_err(|_| unavailable("crypto.subtle.digest failed"))?;
        let digest = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|_| unavailable("crypto.subtle.digest failed"))?;
        Ok(js_sys::Uint8Array::new(&digest).to_vec())
    }

    /// Fills `N` bytes from `crypto.getRandomValues`, the browser's CSPRNG.
    pub fn random_bytes<const N: usize>() -> Result<[u8; N], PlatformError> {
        let mut bytes = [0u8; N];
        let crypto = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .ok_or_else(|| PlatformError::RandomUnavailable("window.crypto is missing".into()))?;
        crypto
            .get_random_values_with_u8_array(&mut bytes)
            .map_err(|e| {
                PlatformError::RandomUnavailable(format!("getRandomValues failed: {e:?}"))
            })?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trips_and_removes() {
        let store = MemoryStore::default();
        store.set("a", "1").unwrap();
        assert_eq!(store.get("a").as_deref(), Some("1"));
        assert_eq!(store.keys(), vec!["a".to_owned()]);
        store.remove("a");
        store.remove("a");
        assert_eq!(store.get("a"), None);
    }
}

#[cfg(test)]
#[cfg(target_arch = "wasm32")]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn session_store_round_trips_in_session_storage_only() {
        let store = SessionStore::open().unwrap();
        store.set("test.key", "value").unwrap();
        assert_eq!(store.get("test.key").as_deref(), Some("value"));
        assert!(store.keys().contains(&"test.key".to_owned()));
        let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        assert_eq!(local.get_item("test.key").unwrap(), None);
        store.remove("test.key");
        assert_eq!(store.get("test.key"), None);
    }

    #[wasm_bindgen_test]
    fn random_bytes_come_from_crypto_and_differ() {
        let a = random_bytes::<32>().unwrap();
        let b = random_bytes::<32>().unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }
}
