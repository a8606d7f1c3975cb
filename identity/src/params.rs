//! Form and query parameters with the checks OAuth requires of them.

use std::collections::HashMap;

use actix_web::web;

/// Longest single parameter value accepted; longer values are malformed requests.
pub const MAX_VALUE_LEN: usize = 4096;

/// A request body as the extractor read it, at most [`crate::MAX_BODY_BYTES`]. Handlers
/// take the `Err` too, so that an oversized or broken body gets the endpoint's own kind of
/// error (JSON or page) instead of actix's plain-text one; see [`crate::error::Error::body`].
pub type Body = Result<web::Bytes, actix_web::Error>;

/// Decoded `application/x-www-form-urlencoded` parameters.
///
/// RFC 6749 section 3.1: parameters without a value are treated as omitted, and request
/// and response parameters must not be included more than once, so repeats are recorded.
#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, String>,
    repeated: Vec<String>,
    too_long: Vec<String>,
}

impl Params {
    pub fn parse(input: &[u8]) -> Self {
        let mut params = Params::default();
        for (name, value) in url::form_urlencoded::parse(input) {
            if value.is_empty() {
                continue;
            }
            if value.len() > MAX_VALUE_LEN {
                params.too_long.push(name.into_owned());
                continue;
            }
            if params.values.contains_key(name.as_ref()) {
                params.repeated.push(name.into_owned());
            } else {
                params.values.insert(name.into_owned(), value.into_owned());
            }
        }
        params
    }

    /// The value of `name` only if it was sent exactly once and is not oversized.
    pub fn get(&self, name: &str) -> Option<&str> {
        if self.is_bad(name) {
            return None;
        }
        self.values.get(name).map(String::as_str)
    }

    /// Whether `name` was repeated or oversized.
    pub fn is_bad(&self, name: &str) -> bool {
        self.repeated
            .iter()
            .chain(&self.too_long)
            .any(|n| n == name)
    }

    /// The first repeated or oversized parameter, if any.
    pub fn first_bad(&self) -> Option<&str> {
        self.repeated
            .iter()
            .chain(&self.too_long)
            .map(String::as_str)
            .next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameter_is_bad() {
        let p = Params::parse(b"a=1&b=2&a=3");
        assert_eq!(p.get("a"), None);
        assert_eq!(p.get("b"), Some("2"));
        assert_eq!(p.first_bad(), Some("a"));
    }

    #[test]
    fn empty_value_is_omitted() {
        let p = Params::parse(b"a=&a=1");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.first_bad(), None);
    }

    #[test]
    fn malformed_encoding_does_not_panic() {
        let p = Params::parse(b"a=%ZZ%&%FF=%E2%82&&=&b");
        assert_eq!(p.get("a"), Some("%ZZ%"));
    }
}
