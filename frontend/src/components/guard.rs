//! Protects a page: its content renders only for a signed-in user.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::reauth::AutomaticSignIn;
use crate::auth::state::PendingRequests;
use crate::auth::storage::SessionStore;
use crate::auth::{PlatformError, now_secs};
use crate::components::error_banner::error_banner;
use crate::components::provider_error::provider_error;
use crate::components::status::status;
use crate::context::{AuthContext, Provider, sign_in, use_auth};

#[derive(Debug, Properties, PartialEq)]
pub struct GuardProps {
    #[prop_or_default]
    pub children: Html,
}

/// Renders its children for a signed-in user; otherwise starts sign-in, returning here.
///
/// It never redirects twice: not while a redirect is under way, not after the user came back
/// from the provider without finishing (Back button), and not after the session expired.
/// Those cases show a message with a sign-in button instead, so there is no loop. The one
/// exception is an access token the API refused (HTTP 401): then sign-in starts again by
/// itself, unless this tab already did that within the last minute.
#[function_component]
pub fn Guard(props: &GuardProps) -> Html {
    let auth = use_auth();
    let location = use_location();
    let return_path = location
        .map(|l| format!("{}{}", l.path(), l.query_str()))
        .unwrap_or_else(|| "/".into());
    let came_back = {
        let return_path = return_path.clone();
        use_state(move || left_unfinished(&return_path))
    };
    let sign_in_error = use_state(|| None::<String>);
    let redirecting = use_state(|| false);

    let start = {
        let (auth, return_path) = (auth.clone(), return_path.clone());
        let (sign_in_error, redirecting) = (sign_in_error.clone(), redirecting.clone());
        Callback::from(move |_: ()| {
            start_sign_in(&auth, &return_path, &sign_in_error, &redirecting)
        })
    };
    // Decided once, when the refusal arrives, so the answer does not change while the page
    // waits for the redirect.
    let again = *use_memo(auth.refused, |refused| *refused && may_sign_in_again());
    let first_visit = !auth.expired && !*came_back;
    let automatic = matches!(auth.provider, Provider::Ready(_))
        && auth.session.is_none()
        && (first_visit || again)
        && sign_in_error.is_none();
    {
        let (start, sign_in_error) = (start.clone(), sign_in_error.clone());
        use_effect_with(automatic, move |automatic| {
            if !*automatic {
                return;
            }
            // Without the record the next refusal would not be recognised as a loop.
            if again && let Err(e) = record_sign_in_again() {
                sign_in_error.set(Some(e.to_string()));
                return;
            }
            start.emit(());
        });
    }

    let client_redirecting = matches!(&auth.provider, Provider::Ready(c) if c.is_redirecting());
    match (&auth.provider, &auth.session) {
        (Provider::Loading, _) => status("Loading sign-in settings..."),
        (Provider::Unavailable(message), _) => provider_error(&auth, message),
        (Provider::Ready(_), Some(_)) => props.children.clone(),
        (Provider::Ready(_), None) => {
            if let Some(message) = (*sign_in_error).clone() {
                let retry = start.reform(|_: MouseEvent| ());
                let action =
                    html! { <button class="button" onclick={retry}>{ "Try again" }</button> };
                error_banner("Sign-in could not start", message, action)
            } else if *redirecting || client_redirecting || automatic {
                status("Signing you in...")
            } else {
                let reason = if auth.expired {
                    "Your session has expired."
                } else {
                    "Sign-in was not completed."
                };
                html! {
                    <section class="card">
                        <p>{ reason }{ " Sign in to see this page." }</p>
                        <button class="button primary" onclick={start.reform(|_: MouseEvent| ())}>
                            { "Sign in" }
                        </button>
                    </section>
                }
            }
        }
    }
}

fn start_sign_in(
    auth: &AuthContext,
    return_path: &str,
    error: &UseStateHandle<Option<String>>,
    redirecting: &UseStateHandle<bool>,
) {
    error.set(None);
    redirecting.set(true);
    let error = error.clone();
    sign_in(
        auth,
        return_path,
        Callback::from(move |message| error.set(Some(message))),
    );
}

/// Whether the loop guard lets sign-in start again by itself now.
fn may_sign_in_again() -> bool {
    SessionStore::open()
        .map(|store| AutomaticSignIn::new(&store).allowed(now_secs()))
        .unwrap_or(false)
}

fn record_sign_in_again() -> Result<(), PlatformError> {
    AutomaticSignIn::new(&SessionStore::open()?).record(now_secs())
}

/// Whether this tab already left for the provider from this page and came back unfinished.
fn left_unfinished(return_path: &str) -> bool {
    SessionStore::open()
        .map(|store| PendingRequests::new(&store).has_unfinished(return_path, now_secs()))
        .unwrap_or(false)
}
