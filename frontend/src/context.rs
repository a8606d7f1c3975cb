//! The app's sign-in state, shared with every component through a Yew context.
//!
//! At start the provider loads `/api/config`, then the identity provider's discovery document,
//! and restores a session from `sessionStorage`. Loading is retried only when the user asks,
//! at most [`MAX_ATTEMPTS`] times, so an unreachable provider never causes a loop.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use shared::SpaConfig;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, future_to_promise, spawn_local};
use yew::prelude::*;

use crate::api::{ApiClient, ApiError, ApiResponse, token_after_failed_refresh};
use crate::auth::id_token::DEFAULT_LEEWAY_SECS;
use crate::auth::storage::SessionStore;
use crate::auth::{
    AuthError, ClientSettings, OidcClient, RefreshFailure, Session, client, now_secs,
};

/// How many times loading the settings and discovery is attempted before giving up.
pub const MAX_ATTEMPTS: u32 = 3;

/// Whether the identity provider can be used yet.
#[derive(Debug, Clone)]
pub enum Provider {
    /// Settings or discovery are still loading.
    Loading,
    /// Discovery succeeded.
    Ready(Rc<OidcClient>),
    /// Loading failed; the message says why.
    Unavailable(String),
}

impl PartialEq for Provider {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Loading, Self::Loading) => true,
            (Self::Ready(a), Self::Ready(b)) => Rc::ptr_eq(a, b),
            (Self::Unavailable(a), Self::Unavailable(b)) => a == b,
            _ => false,
        }
    }
}

/// Everything components need to know about sign-in.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthState {
    pub provider: Provider,
    pub session: Option<Rc<Session>>,
    /// The last session ended because the API or the provider refused its tokens.
    pub expired: bool,
    /// It ended because the API refused the access token (HTTP 401); a protected page may
    /// then sign in again by itself (see [`crate::auth::reauth`]).
    pub refused: bool,
    /// Loading attempts made so far, counting the one under way.
    pub attempts: u32,
    /// The token refresh under way, if any.
    pub refresh: InFlight,
    /// The end of a session the API refused, under way: its refresh token is being revoked.
    pub ending: InFlight,
}

/// Work shared by every caller that needs it, such as one refresh for all API calls; the same
/// slot survives state updates.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Rc<RefCell<Option<Promise>>>);

impl InFlight {
    /// The work under way, or the one `start` begins if there is none.
    fn join_or_start(&self, start: impl FnOnce() -> Promise) -> Promise {
        self.0.borrow_mut().get_or_insert_with(start).clone()
    }

    /// Frees the slot once the work is done, so the next caller starts afresh.
    fn finish(&self) {
        self.0.borrow_mut().take();
    }

    /// Waits for the work under way, if any, whatever its outcome.
    async fn settled(&self) {
        let pending = self.0.borrow().clone();
        if let Some(promise) = pending {
            let _ = JsFuture::from(promise).await;
        }
    }
}

impl PartialEq for InFlight {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for AuthState {
    fn default() -> Self {
        Self {
            provider: Provider::Loading,
            session: None,
            expired: false,
            refused: false,
            attempts: 1,
            refresh: InFlight::default(),
            ending: InFlight::default(),
        }
    }
}

/// Changes to [`AuthState`].
#[derive(Debug)]
pub enum AuthAction {
    Loaded(Rc<OidcClient>, Option<Session>),
    Failed(String),
    Retry,
    SignedIn(Session),
    Renewed(Session),
    /// The tokens could not be renewed.
    Expired,
    /// The API answered 401 to the access token.
    Refused,
}

impl Reducible for AuthState {
    type Action = AuthAction;

    fn reduce(self: Rc<Self>, action: AuthAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            AuthAction::Loaded(client, session) => {
                next.provider = Provider::Ready(client);
                next.session = session.map(Rc::new);
            }
            AuthAction::Failed(message) => next.provider = Provider::Unavailable(message),
            AuthAction::Retry if self.attempts < MAX_ATTEMPTS => {
                next.provider = Provider::Loading;
                next.attempts += 1;
            }
            AuthAction::Retry => return self,
            AuthAction::SignedIn(session) | AuthAction::Renewed(session) => {
                next.session = Some(Rc::new(session));
                next.expired = false;
                next.refused = false;
            }
            AuthAction::Expired => {
                next.session = None;
                next.expired = true;
                next.refused = false;
            }
            AuthAction::Refused => {
                next.session = None;
                next.expired = true;
                next.refused = true;
            }
        }
        Rc::new(next)
    }
}

/// The handle components get from [`use_auth`].
pub type AuthContext = UseReducerHandle<AuthState>;

#[derive(Debug, Properties, PartialEq)]
pub struct AuthProviderProps {
    #[prop_or_default]
    pub children: Html,
}

/// Loads the settings and provides [`AuthContext`] to its children.
#[function_component]
pub fn AuthProvider(props: &AuthProviderProps) -> Html {
    let state = use_reducer(AuthState::default);
    {
        let state = state.clone();
        use_effect_with(state.attempts, move |_| {
            spawn_local(async move {
                match load_client().await {
                    Ok(client) => {
                        let session = SessionStore::open()
                            .ok()
                            .and_then(|store| client.stored_session(&store));
                        state.dispatch(AuthAction::Loaded(Rc::new(client), session));
                    }
                    Err(message) => state.dispatch(AuthAction::Failed(message)),
                }
            });
        });
    }
    html! {
        <ContextProvider<AuthContext> context={state}>
            { props.children.clone() }
        </ContextProvider<AuthContext>>
    }
}

/// The sign-in state. Must be used below [`AuthProvider`].
#[hook]
pub fn use_auth() -> AuthContext {
    use_context::<AuthContext>().expect("components using auth are rendered inside AuthProvider")
}

/// Starts sign-in, coming back to `return_path`; a failure is reported to `on_error`.
pub fn sign_in(auth: &AuthContext, return_path: &str, on_error: Callback<String>) {
    let Provider::Ready(client) = &auth.provider else {
        on_error.emit("the identity provider is not ready".into());
        return;
    };
    let (client, return_path) = (client.clone(), return_path.to_owned());
    spawn_local(async move {
        let result = match SessionStore::open() {
            Ok(store) => client.start_sign_in(&store, &return_path).await,
            Err(e) => Err(e.into()),
        };
        if let Err(e) = result {
            on_error.emit(e.to_string());
        }
    });
}

/// Signs out locally and at the provider.
pub async fn sign_out(auth: &AuthContext) -> Result<(), AuthError> {
    let Provider::Ready(client) = &auth.provider else {
        return Err(AuthError::Navigation(
            "the identity provider is not ready".into(),
        ));
    };
    // A refresh under way would store a renewed session after this one is gone.
    auth.refresh.settled().await;
    client.sign_out(&SessionStore::open()?).await
}

/// What a sign-out button needs: its click handler, whether the browser is already leaving
/// for the provider, and why signing out failed, if it did.
#[derive(Debug, Clone, PartialEq)]
pub struct SignOutButton {
    pub onclick: Callback<MouseEvent>,
    pub busy: bool,
    pub error: Option<String>,
}

/// The one sign-out handler every sign-out button uses (see [`sign_out`]).
#[hook]
pub fn use_sign_out() -> SignOutButton {
    let auth = use_auth();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let onclick = {
        let (busy, error) = (busy.clone(), error.clone());
        Callback::from(move |_| {
            busy.set(true);
            let (auth, busy, error) = (auth.clone(), busy.clone(), error.clone());
            spawn_local(async move {
                if let Err(e) = sign_out(&auth).await {
                    busy.set(false);
                    error.set(Some(e.to_string()));
                }
            });
        })
    };
    SignOutButton {
        onclick,
        busy: *busy,
        error: (*error).clone(),
    }
}

/// Calls the API with the session's access token, renewing it first when it is about to
/// expire. A refused token (HTTP 401) or a renewal the provider refuses ends the session; when
/// the provider is unreachable the session stays and the old token is used while it is valid.
pub async fn call_api(auth: &AuthContext, path: &str) -> Result<ApiResponse, ApiError> {
    let token = access_token(auth).await?;
    let response = ApiClient::same_origin().send(path, Some(&token)).await?;
    if response.status == 401 {
        end_session(auth).await;
        return Err(ApiError::SessionExpired);
    }
    Ok(response)
}

async fn access_token(auth: &AuthContext) -> Result<String, ApiError> {
    let Provider::Ready(client) = &auth.provider else {
        return Err(ApiError::SessionExpired);
    };
    // Storage, not this possibly stale handle, holds the newest tokens.
    let store = SessionStore::open().map_err(|_| ApiError::SessionExpired)?;
    let Some(session) = client.stored_session(&store) else {
        return Err(ApiError::SessionExpired);
    };
    if !session.is_expiring(now_secs(), client::REFRESH_MARGIN_SECS) {
        return Ok(session.access_token().to_owned());
    }
    // Concurrent calls share one refresh: with refresh token rotation a second request with
    // the same refresh token looks like a replay and may revoke the session (RFC 9700 section
    // 4.14.2).
    let promise = auth
        .refresh
        .join_or_start(|| start_refresh(client.clone(), auth.clone(), session.clone()));
    match JsFuture::from(promise).await {
        Ok(token) => token.as_string().ok_or(ApiError::SessionExpired),
        Err(failure) => {
            token_after_failed_refresh(&session, &failure_from_js(&failure), now_secs())
        }
    }
}

/// Renews the tokens once, resolving to the new access token, or rejecting with the
/// [`RefreshFailure`] (see [`failure_to_js`]). Only a refusal ends the session.
fn start_refresh(client: Rc<OidcClient>, auth: AuthContext, session: Session) -> Promise {
    future_to_promise(async move {
        let renewed = match SessionStore::open() {
            Ok(store) => client.refresh(&store, &session).await,
            Err(e) => Err(e.into()),
        };
        auth.refresh.finish();
        match renewed {
            Ok(renewed) => {
                let token = JsValue::from_str(renewed.access_token());
                auth.dispatch(AuthAction::Renewed(renewed));
                Ok(token)
            }
            Err(e) => {
                let failure = RefreshFailure::of(&e);
                if failure == RefreshFailure::Refused {
                    auth.dispatch(AuthAction::Expired);
                }
                Err(failure_to_js(&failure))
            }
        }
    })
}

/// A promise rejects with a `JsValue`: `null` for a refusal, `undefined` for an unreachable
/// provider, the message for anything else.
fn failure_to_js(failure: &RefreshFailure) -> JsValue {
    match failure {
        RefreshFailure::Refused => JsValue::NULL,
        RefreshFailure::Unavailable => JsValue::UNDEFINED,
        RefreshFailure::Unusable(reason) => JsValue::from_str(reason),
    }
}

fn failure_from_js(value: &JsValue) -> RefreshFailure {
    match value.as_string() {
        Some(reason) => RefreshFailure::Unusable(reason),
        None if value.is_null() => RefreshFailure::Refused,
        None => RefreshFailure::Unavailable,
    }
}

/// Forgets the session after the API refused its token. Its refresh token is revoked before
/// the app learns that the session is over, so signing in again (which a protected page may
/// do at once) cannot cut that request short; refusals at the same time share one revocation.
async fn end_session(auth: &AuthContext) {
    if let Provider::Ready(client) = &auth.provider {
        let promise = auth
            .ending
            .join_or_start(|| start_ending(client.clone(), auth.clone()));
        let _ = JsFuture::from(promise).await;
    }
    auth.dispatch(AuthAction::Refused);
}

/// Removes the stored session and revokes its refresh token, resolving when both are done.
fn start_ending(client: Rc<OidcClient>, auth: AuthContext) -> Promise {
    future_to_promise(async move {
        if let Ok(store) = SessionStore::open() {
            let session = client.stored_session(&store);
            Session::remove(&store, &client.settings().client_id);
            if let Some(session) = session {
                client.revoke_refresh_token(&session).await;
            }
        }
        auth.ending.finish();
        Ok(JsValue::UNDEFINED)
    })
}

async fn load_client() -> Result<OidcClient, String> {
    let config: SpaConfig = ApiClient::same_origin()
        .get("/api/config", None)
        .await
        .map_err(|e| format!("the app's settings could not be loaded: {e}"))?;
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .ok_or("this page has no origin")?;
    let settings = ClientSettings {
        authority: config.authority,
        client_id: config.client_id,
        scope: config.scope,
        redirect_uri: format!("{origin}{}", config.redirect_path),
        post_logout_redirect_uri: format!("{origin}{}", config.post_logout_redirect_path),
        leeway_secs: DEFAULT_LEEWAY_SECS,
        extra_authorize_params: config.authorize_params.into_iter().collect(),
    };
    OidcClient::discover(settings)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn refresh_failure_survives_the_shared_promise() {
        for failure in [
            RefreshFailure::Refused,
            RefreshFailure::Unavailable,
            RefreshFailure::Unusable("the ID token was rejected".into()),
        ] {
            assert_eq!(failure_from_js(&failure_to_js(&failure)), failure);
        }
    }
}
