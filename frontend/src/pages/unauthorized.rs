//! `/unauthorized`: the provider refused or failed the sign-in.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::safe_return_path;
use crate::components::error_banner::error_banner;
use crate::components::provider_error::provider_error;
use crate::context::{Provider, sign_in, use_auth};

/// Query parameter names this page reads.
pub const ERROR_PARAM: &str = "error";
pub const DESCRIPTION_PARAM: &str = "error_description";
pub const RETURN_PARAM: &str = "return_path";

/// Shows the provider's error code and description (as text), and a way to try again. It
/// never starts a redirect by itself.
#[function_component]
pub fn UnauthorizedPage() -> Html {
    let auth = use_auth();
    let location = use_location();
    let error = use_state(|| None::<String>);
    let (code, description, return_path) = location
        .map(|l| read_query(l.query_str()))
        .unwrap_or_default();
    let message = match (&code, &description) {
        (Some(code), Some(description)) => format!("{description} ({code})"),
        (Some(code), None) => code.clone(),
        _ => "You are not allowed to see that page.".into(),
    };
    let try_again = {
        let (auth, error) = (auth.clone(), error.clone());
        let return_path = safe_return_path(return_path.as_deref().unwrap_or("/")).to_owned();
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
            { error_banner("The identity provider did not sign you in", message, actions) }
            { for start_error }
            { unavailable }
        </>
    }
}

fn read_query(query: &str) -> (Option<String>, Option<String>, Option<String>) {
    let mut found = (None, None, None);
    for (name, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        let value = Some(value.into_owned());
        match name.as_ref() {
            ERROR_PARAM => found.0 = value,
            DESCRIPTION_PARAM => found.1 = value,
            RETURN_PARAM => found.2 = value,
            _ => {}
        }
    }
    found
}
