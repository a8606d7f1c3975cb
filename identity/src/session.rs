//! The provider session cookie and the CSRF cookie of the sign-in form.
//!
//! Cookie names carry the `identity_` prefix: browsers do not isolate cookies by port, and
//! the SPA and API run on other ports of the same host.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::AppState;
use crate::secret;
use crate::store::Session;

pub const SESSION_COOKIE: &str = "identity_session";
pub const CSRF_COOKIE: &str = "identity_csrf";

/// The current session with the hash of its id, if the cookie names a live one.
pub fn current(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<(String, Session)>, crate::store::StoreError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = secret::hash(cookie.value());
    Ok(state
        .store
        .session(&id_hash, state.clock.now())?
        .map(|s| (id_hash, s)))
}

/// HttpOnly and SameSite=Lax (the authorization request is a top-level cross-site GET);
/// Secure whenever the issuer is served over https.
pub fn session_cookie(value: String, max_age: u64, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(Duration::seconds(
            i64::try_from(max_age).unwrap_or(i64::MAX),
        ))
        .finish()
}

/// The double-submit CSRF cookie of the sign-in form, only ever sent to `/login`.
pub fn csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(Duration::minutes(10))
        .finish()
}

/// A cookie that deletes `name` (same path as when it was set).
pub fn removal(name: &'static str, path: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "").path(path).finish();
    cookie.make_removal();
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_is_http_only_lax_and_secure_only_on_https() {
        let c = session_cookie("v".into(), 60, false);
        assert_eq!(c.http_only(), Some(true));
        assert_eq!(c.same_site(), Some(SameSite::Lax));
        assert_ne!(c.secure(), Some(true));
        assert_eq!(session_cookie("v".into(), 60, true).secure(), Some(true));
        assert!(c.name().starts_with("identity_") && CSRF_COOKIE.starts_with("identity_"));
    }
}
