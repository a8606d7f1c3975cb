//! `/`: what this app is, and who is signed in.

use yew::prelude::*;

use crate::components::account::Account;

/// The page body; the account panel inside it follows the sign-in state.
pub fn page() -> Html {
    html! {
        <>
            <h1>{ "Secure single-page app" }</h1>
            <p class="lead">
                { "This app signs you in with OpenID Connect (authorization code flow with \
                   PKCE) and calls an API with the access token it receives. The About page is \
                   protected: opening it signs you in first and brings you back." }
            </p>
            <Account />
        </>
    }
}
