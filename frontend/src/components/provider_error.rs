//! The view shown when the settings or the identity provider cannot be loaded.

use yew::prelude::*;

use crate::components::error_banner::error_banner;
use crate::context::{AuthAction, MAX_ATTEMPTS, use_auth};

#[derive(Debug, Properties, PartialEq)]
pub struct ProviderErrorProps {
    pub message: AttrValue,
}

/// Explains the failure and offers a retry, until [`MAX_ATTEMPTS`] attempts were made.
#[function_component]
pub fn ProviderError(props: &ProviderErrorProps) -> Html {
    let auth = use_auth();
    let attempts = auth.attempts;
    let retry = {
        let auth = auth.clone();
        Callback::from(move |_| auth.dispatch(AuthAction::Retry))
    };
    let action = if attempts < MAX_ATTEMPTS {
        html! {
            <button class="button" id="retry" onclick={retry}>
                { format!("Try again ({} of {MAX_ATTEMPTS} attempts used)", attempts) }
            </button>
        }
    } else {
        html! {
            <p>{ format!("Gave up after {MAX_ATTEMPTS} attempts. Please reload the page later.") }</p>
        }
    };
    error_banner("Sign-in is unavailable", props.message.clone(), action)
}
