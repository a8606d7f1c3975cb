//! `/callback`: where the provider sends the browser back after sign-in.

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::Routable;
use yew_router::history::{BrowserHistory, History};

use crate::app::{Route, landing_path};
use crate::auth::state::{Lookup, PendingRequests};
use crate::auth::storage::SessionStore;
use crate::auth::{AuthError, AuthorizationResponse, OidcClient, SignInOutcome, now_secs};
use crate::components::error_banner::error_banner;
use crate::components::provider_error::provider_error;
use crate::components::status::status;
use crate::context::{AuthAction, AuthContext, Provider, sign_in, use_auth};
use crate::pages::unauthorized::AuthorizationError;

#[derive(Debug, Clone, PartialEq)]
enum View {
    Working,
    /// No sign-in of this tab matches (a reload, an old or forged link) and nobody is signed
    /// in.
    NoRequest,
    Failed(String),
}

/// Completes sign-in once the provider is ready. Every outcome either navigates within the app
/// (replacing this entry, so `code` and `state` leave the address bar and history) or shows a
/// message; it never sends the browser back to the provider by itself.
#[function_component]
pub fn CallbackPage() -> Html {
    let auth = use_auth();
    let view = use_state(|| View::Working);
    let sign_in_error = use_state(|| None::<String>);
    let started = use_mut_ref(|| false);
    {
        let (auth, view) = (auth.clone(), view.clone());
        use_effect_with(auth.provider.clone(), move |provider| {
            if let Provider::Ready(client) = provider
                && !started.replace(true)
            {
                handle_response(client.clone(), auth, view);
            }
        });
    }

    let actions = retry_actions(&auth, &sign_in_error);
    match (&auth.provider, &*view) {
        (Provider::Unavailable(message), _) => provider_error(&auth, message),
        (_, View::Working) => status("Completing sign-in..."),
        (_, View::NoRequest) => no_request(actions),
        (_, View::Failed(message)) => error_banner("Sign-in failed", message.clone(), actions),
    }
}

fn handle_response(client: Rc<OidcClient>, auth: AuthContext, view: UseStateHandle<View>) {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if !query.is_empty() {
        // Read once; whatever happens next, `code` and `state` leave the address bar and
        // history now, also when this page ends up showing an error.
        replace_location(&Route::Callback.to_path());
    }
    let Ok(store) = SessionStore::open() else {
        view.set(View::Failed(
            "this browser does not allow session storage".into(),
        ));
        return;
    };
    let signed_in = auth.session.is_some();
    match AuthorizationResponse::from_query(&query) {
        AuthorizationResponse::Error {
            error,
            description,
            state,
            iss,
        } => match PendingRequests::new(&store).take_matching(state.as_deref(), now_secs()) {
            // RFC 6749 section 4.1.2.1: show the provider's answer; never redirect again. An
            // error from another issuer is not that answer (RFC 9207 section 2.4), so its text
            // is not shown.
            Lookup::Pending(request) => match client.check_response_issuer(iss.as_deref()) {
                Ok(()) => {
                    let answer = AuthorizationError {
                        error,
                        description,
                        return_path: request.return_path,
                    };
                    show_provider_error(&store, answer, &view);
                }
                Err(e) => view.set(View::Failed(describe(&e))),
            },
            // RFC 6749 section 10.12: an error for a request this tab never made (or already
            // finished) is not the provider's answer to anything; it could be forged.
            Lookup::Completed { return_path } => unmatched(signed_in, &return_path, &view),
            Lookup::Unknown => unmatched(signed_in, "/", &view),
        },
        AuthorizationResponse::Code { code, state, iss } => spawn_local(async move {
            match client
                .complete_sign_in(&store, &code, &state, iss.as_deref())
                .await
            {
                Ok(SignInOutcome::SignedIn {
                    session,
                    return_path,
                }) => {
                    AuthorizationError::clear(&store);
                    auth.dispatch(AuthAction::SignedIn(session));
                    replace_location(landing_path(&return_path));
                }
                Ok(SignInOutcome::AlreadyCompleted { return_path }) => {
                    unmatched(signed_in, &return_path, &view);
                }
                Ok(SignInOutcome::UnknownState) => unmatched(signed_in, "/", &view),
                Err(e) => view.set(View::Failed(describe(&e))),
            }
        }),
        AuthorizationResponse::Missing => unmatched(signed_in, "/", &view),
    }
}

/// A callback that completes nothing: someone signed in goes on to `return_path`, anyone else
/// sees "Nothing to complete" with a sign-in button.
fn unmatched(signed_in: bool, return_path: &str, view: &UseStateHandle<View>) {
    if signed_in {
        replace_location(landing_path(return_path));
    } else {
        view.set(View::NoRequest);
    }
}

/// Shows the provider's error for this tab's request on the unauthorized page, or here if
/// it cannot be kept for that page.
fn show_provider_error(
    store: &SessionStore,
    answer: AuthorizationError,
    view: &UseStateHandle<View>,
) {
    match answer.save(store) {
        Ok(()) => replace_location(&Route::Unauthorized.to_path()),
        Err(_) => view.set(View::Failed(answer.description.unwrap_or(answer.error))),
    }
}

fn describe(error: &AuthError) -> String {
    match error {
        AuthError::Provider { .. } => format!("{error}. The sign-in code may have expired."),
        _ => error.to_string(),
    }
}

/// `history.replaceState` through the router's history, so the app renders the new route and
/// the callback URL with its `code` and `state` is gone from history. `path` is one of the
/// app's own paths; a return path goes through [`landing_path`] first.
fn replace_location(path: &str) {
    BrowserHistory::new().replace(path);
}

fn no_request(actions: Html) -> Html {
    html! {
        <section class="card">
            <h1>{ "Nothing to complete" }</h1>
            <p>
                { "This sign-in link was already used, has expired, or was not started in \
                   this tab. You are not signed in." }
            </p>
            { actions }
        </section>
    }
}

/// A sign-in button (returning home) and a link home; sign-in errors show below them.
fn retry_actions(auth: &AuthContext, error: &UseStateHandle<Option<String>>) -> Html {
    let onclick = {
        let (auth, error) = (auth.clone(), error.clone());
        Callback::from(move |_| {
            let error = error.clone();
            sign_in(
                &auth,
                "/",
                Callback::from(move |message| error.set(Some(message))),
            );
        })
    };
    html! {
        <>
            <div class="actions">
                <button class="button primary" {onclick}>{ "Sign in" }</button>
                <a href="/">{ "Home" }</a>
            </div>
            if let Some(message) = (**error).clone() {
                <p class="error" role="alert">{ message }</p>
            }
        </>
    }
}
