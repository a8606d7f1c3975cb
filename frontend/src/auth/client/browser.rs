//! The browser half of the client: redirects, `fetch` to the token endpoint, storage.

use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;

use super::{OidcClient, RefreshFailure, RequestRandomness, parse_token_response};
use crate::auth::discovery::{DiscoveryError, ProviderMetadata};
use crate::auth::pkce::CodeVerifier;
use crate::auth::session::{Session, TokenResponse};
use crate::auth::state::{Lookup, PendingRequests};
use crate::auth::storage::{Store, random_bytes};
use crate::auth::{AuthError, ClientSettings, now_secs};

/// How long a revocation may take before sign-out goes on without its answer.
pub const REVOCATION_TIMEOUT_MS: u32 = 3_000;

/// How a callback ended.
#[derive(Debug)]
pub enum SignInOutcome {
    /// The code was exchanged and the ID token checked.
    SignedIn {
        session: Session,
        return_path: String,
    },
    /// This `state` was already used by an earlier, successful visit (a reload or Back).
    AlreadyCompleted { return_path: String },
    /// No request of this tab has this `state` (expired, another tab, or forged).
    UnknownState,
}

impl OidcClient {
    /// Fetches the provider's metadata and builds a client for it.
    pub async fn discover(settings: ClientSettings) -> Result<Self, DiscoveryError> {
        let metadata = ProviderMetadata::discover(&settings.authority).await?;
        Ok(Self::new(settings, metadata))
    }

    /// The session stored for this client, if any.
    pub fn stored_session<S: Store>(&self, store: &S) -> Option<Session> {
        Session::load(store, &self.settings.client_id)
    }

    /// Sends the browser to the provider to sign in, coming back to `return_path`.
    ///
    /// Does nothing if this page already started a redirect, so two callers never race two
    /// requests with different `state` values.
    pub async fn start_sign_in<S: Store>(
        &self,
        store: &S,
        return_path: &str,
    ) -> Result<(), AuthError> {
        // Claimed before the first await, so a second caller sees it at once.
        if self.redirecting.replace(true) {
            return Ok(());
        }
        let result = self.send_to_provider(store, return_path).await;
        if result.is_err() {
            self.redirecting.set(false);
        }
        result
    }

    async fn send_to_provider<S: Store>(
        &self,
        store: &S,
        return_path: &str,
    ) -> Result<(), AuthError> {
        let random = RequestRandomness {
            state: random_bytes()?,
            nonce: random_bytes()?,
            verifier: random_bytes()?,
        };
        let request = self.new_request(return_path, &random, now_secs());
        let verifier = CodeVerifier::from_stored(request.code_verifier.clone());
        let challenge = verifier.browser_challenge().await?;
        PendingRequests::new(store).save(&request)?;
        self.redirect(&self.authorization_url(&request, &challenge))
    }

    /// Handles the redirect back with a code: checks `state`, exchanges the code, checks the
    /// ID token and stores the session.
    pub async fn complete_sign_in<S: Store>(
        &self,
        store: &S,
        code: &str,
        state: &str,
        iss: Option<&str>,
    ) -> Result<SignInOutcome, AuthError> {
        let requests = PendingRequests::new(store);
        let request = match requests.take(state, now_secs()) {
            Lookup::Pending(request) => request,
            Lookup::Completed { return_path } => {
                return Ok(SignInOutcome::AlreadyCompleted { return_path });
            }
            Lookup::Unknown => return Ok(SignInOutcome::UnknownState),
        };
        // After taking the request, so a rejected response cannot be replayed.
        self.check_response_issuer(iss)?;
        let body = self.code_exchange_body(code, &request.code_verifier);
        let response = self.post_form(body).await?;
        let session = self.session_from_code_response(response, &request.nonce, now_secs())?;
        session.save(store, &self.settings.client_id)?;
        requests.mark_completed(state, &request.return_path, now_secs());
        Ok(SignInOutcome::SignedIn {
            session,
            return_path: request.return_path,
        })
    }

    /// Renews the access token with the refresh token. The stored session is removed only
    /// when the provider refuses (see [`RefreshFailure::of`]); after an outage it is kept.
    pub async fn refresh<S: Store>(
        &self,
        store: &S,
        session: &Session,
    ) -> Result<Session, AuthError> {
        let client_id = &self.settings.client_id;
        let renewed = match session.refresh_token() {
            Some(refresh_token) => match self.post_form(self.refresh_body(refresh_token)).await {
                Ok(response) => self.session_from_refresh_response(session, response, now_secs()),
                Err(e) => Err(e),
            },
            None => Err(AuthError::SessionExpired),
        };
        match renewed {
            Ok(next) => {
                next.save(store, client_id)?;
                Ok(next)
            }
            Err(e) => {
                if RefreshFailure::of(&e) == RefreshFailure::Refused {
                    Session::remove(store, client_id);
                }
                Err(e)
            }
        }
    }

    /// Forgets the stored session, revokes its refresh token (see
    /// [`Self::revoke_refresh_token`]), and sends the browser to the provider's end-session
    /// endpoint with `id_token_hint` and `post_logout_redirect_uri`, or home if it has none.
    ///
    /// The stored session, not a copy held elsewhere, is the one revoked: after a refresh it
    /// holds the only refresh token still valid. A caller that may have a refresh under way
    /// lets it finish first, or it would store a renewed session after this one is gone.
    pub async fn sign_out<S: Store>(&self, store: &S) -> Result<(), AuthError> {
        let session = self.stored_session(store);
        Session::remove(store, &self.settings.client_id);
        PendingRequests::new(store).clear();
        if let Some(session) = &session {
            self.revoke_refresh_token(session).await;
        }
        let target = self
            .end_session_url(session.as_ref().map(Session::id_token))
            .unwrap_or_else(|| self.settings.post_logout_redirect_uri.clone());
        self.redirect(&target)
    }

    /// Asks the provider to revoke `session`'s refresh token (RFC 7009), for a session this
    /// app has given up, so a copy of the token left anywhere is worthless. Not every
    /// provider ends refresh tokens at sign-out, and none learns by itself that the app
    /// dropped a session the API refused.
    ///
    /// Best effort: nothing happens without a refresh token or a revocation endpoint, the
    /// answer is not needed (RFC 7009 section 2.2 answers 200 even for unknown tokens), and a
    /// slow provider holds the caller up for at most [`REVOCATION_TIMEOUT_MS`].
    pub async fn revoke_refresh_token(&self, session: &Session) {
        let Some((endpoint, body)) = session
            .refresh_token()
            .and_then(|token| self.revocation_request(token))
        else {
            return;
        };
        let request = Request::post(endpoint)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if let Ok(request) = request {
            // Failure changes nothing: the session is already gone from this browser.
            let sent = std::pin::pin!(request.send());
            let timeout = TimeoutFuture::new(REVOCATION_TIMEOUT_MS);
            let _ = futures_util::future::select(sent, timeout).await;
        }
    }

    fn redirect(&self, url: &str) -> Result<(), AuthError> {
        let window = web_sys::window().ok_or(AuthError::Navigation("no window".into()))?;
        window
            .location()
            .assign(url)
            .map_err(|e| AuthError::Navigation(format!("{e:?}")))?;
        self.redirecting.set(true);
        Ok(())
    }

    /// POSTs a form to the token endpoint (RFC 6749 sections 4.1.3 and 6). Cross-origin, so
    /// the browser sends no cookies with it.
    async fn post_form(&self, body: String) -> Result<TokenResponse, AuthError> {
        let network = |e: gloo_net::Error| AuthError::Network(e.to_string());
        let response = Request::post(&self.metadata.token_endpoint)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body)
            .map_err(network)?
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        let text = response.text().await.map_err(network)?;
        parse_token_response(status, &text)
    }
}
