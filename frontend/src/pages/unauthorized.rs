//! `/unauthorized`: the provider refused or failed the sign-in.

use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::auth::storage::{PlatformError, SessionStore, Store};
use crate::components::error_banner::error_banner;
use crate::components::provider_error::provider_error;
use crate::context::{Provider, sign_in, use_auth};

/// Where the error this page shows is kept. It travels in this tab's `sessionStorage`, not
/// in the address, so a link cannot make the app's own origin display words of someone
/// else's choosing, and a reload still shows it.
const ERROR_KEY: &str = "app.authorization_error";

/// The provider's error answer to a sign-in of this tab (RFC 6749 section 4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationError {
    pub error: String,
    pub description: Option<String>,
    /// The page the sign-in was for; "Try again" returns there.
    pub return_path: String,
}

impl AuthorizationError {
    /// Keeps the error for the unauthorized page.
    pub fn save<S: Store>(&self, store: &S) -> Result<(), PlatformError> {
        store.set_json(ERROR_KEY, self)
    }

    /// Forgets it, once a sign-in has succeeded.
    pub fn clear<S: Store>(store: &S) {
        store.remove(ERROR_KEY);
    }

    fn load<S: Store>(store: &S) -> Option<Self> {
        store.get_json(ERROR_KEY)
    }
}

/// Shows the provider's error code and description (as text), and a way to try again. It
/// never starts a redirect by itself.
#[function_component]
pub fn UnauthorizedPage() -> Html {
    let auth = use_auth();
    let error = use_state(|| None::<String>);
    let answer = use_memo((), |_| {
        SessionStore::open()
            .ok()
            .and_then(|store| AuthorizationError::load(&store))
    });
    let (message, return_path) = match &*answer {
        Some(AuthorizationError {
            error,
            description: Some(description),
            return_path,
        }) => (format!("{description} ({error})"), return_path.as_str()),
        Some(AuthorizationError {
            error, return_path, ..
        }) => (error.clone(), return_path.as_str()),
        None => ("You are not allowed to see that page.".to_owned(), "/"),
    };
    let try_again = {
        let (auth, error) = (auth.clone(), error.clone());
        let return_path = return_path.to_owned();
        Callback::from(move |_| {
            let error = error.clone();
            sign_in(
                &auth,
                &return_path,
                Callback::from(move |message| error.set(Some(message))),
            );
        })
    };
    let ready = matches!(auth.provider, Provider::Ready(_));
    let actions = html! {
        <div class="actions">
            <button class="button primary" id="try-again" onclick={try_again} disabled={!ready}>
                { "Try again" }
            </button>
            <a href="/">{ "Home" }</a>
        </div>
    };
    let start_error = (*error)
        .clone()
        .map(|message| error_banner("Sign-in could not start", message, Html::default()));
    // "Try again" stays disabled until the provider is ready; if it cannot be loaded, say
    // why and offer that retry instead.
    let unavailable = match &auth.provider {
        Provider::Unavailable(reason) => provider_error(&auth, reason),
        _ => Html::default(),
    };
    html! {
        <>
            <h1>{ "Sign-in failed" }</h1>
            <div id="provider-error">
                { error_banner("The identity provider did not sign you in", message, actions) }
            </div>
            { for start_error }
            { unavailable }
        </>
    }
}

#[cfg(test)]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn error_is_kept_in_session_storage_until_cleared() {
        let store = SessionStore::open().unwrap();
        let answer = AuthorizationError {
            error: "access_denied".into(),
            description: Some("The user said no".into()),
            return_path: "/about".into(),
        };
        answer.save(&store).unwrap();
        assert_eq!(AuthorizationError::load(&store), Some(answer));
        AuthorizationError::clear(&store);
        assert_eq!(AuthorizationError::load(&store), None);
    }
}
