//! The view shown when the settings or the identity provider cannot be loaded.

use yew::prelude::*;

use crate::components::error_banner::error_banner;
use crate::context::{AuthAction, AuthContext, MAX_ATTEMPTS};

/// Explains the failure and offers a retry, until [`MAX_ATTEMPTS`] attempts were made.
pub fn provider_error(auth: &AuthContext, message: &str) -> Html {
    let attempts = auth.attempts;
    let action = if attempts < MAX_ATTEMPTS {
        let auth = auth.clone();
        let retry = Callback::from(move |_| auth.dispatch(AuthAction::Retry));
        html! {
            <button class="button" id="retry" onclick={retry}>
                { format!("Try again ({attempts} of {MAX_ATTEMPTS} attempts used)") }
            </button>
        }
    } else {
        let text = format!("Gave up after {MAX_ATTEMPTS} attempts. Please reload the page later.");
        html! { <p>{ text }</p> }
    };
    error_banner("Sign-in is unavailable", message.to_owned(), action)
}
