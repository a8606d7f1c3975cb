//! Who is signed in, with sign-in and sign-out buttons.

use yew::prelude::*;

use crate::components::error_banner::error_banner;
use crate::components::provider_error::provider_error;
use crate::components::status::status;
use crate::context::{Provider, sign_in, use_auth, use_sign_out};

/// The signed-in user's name and a sign-out button, or a sign-in button.
#[function_component]
pub fn Account() -> Html {
    let auth = use_auth();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    let on_sign_in = {
        let (auth, busy, error) = (auth.clone(), busy.clone(), error.clone());
        Callback::from(move |_| {
            busy.set(true);
            let (busy, error) = (busy.clone(), error.clone());
            let failed = Callback::from(move |message| {
                busy.set(false);
                error.set(Some(message));
            });
            sign_in(&auth, "/", failed);
        })
    };
    let sign_out = use_sign_out();

    let banner = (*error)
        .clone()
        .or_else(|| sign_out.error.clone())
        .map(|message| error_banner("That did not work", message, Html::default()));
    let body = match (&auth.provider, &auth.session) {
        (Provider::Loading, _) => html! {
            <>
                { status("Loading sign-in settings...") }
                <button id="sign-in" class="button" disabled=true>{ "Sign in" }</button>
            </>
        },
        (Provider::Unavailable(message), _) => provider_error(&auth, message),
        (Provider::Ready(_), Some(session)) => html! {
            <>
                <p>
                    { "Signed in as " }
                    <strong id="user-name">{ session.display_name().to_owned() }</strong>
                    { "." }
                </p>
                <button id="sign-out" class="button" onclick={sign_out.onclick.clone()}
                    disabled={sign_out.busy} aria-busy={sign_out.busy.to_string()}>
                    { if sign_out.busy { "Signing out..." } else { "Sign out" } }
                </button>
            </>
        },
        (Provider::Ready(_), None) => html! {
            <>
                <p>
                    { if auth.expired { "Your session has expired. " } else { "" } }
                    { "You are not signed in." }
                </p>
                <button id="sign-in" class="button primary" onclick={on_sign_in}
                    disabled={*busy} aria-busy={busy.to_string()}>
                    { if *busy { "Redirecting..." } else { "Sign in" } }
                </button>
            </>
        },
    };
    html! {
        <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">{ "Your account" }</h2>
            { body }
            { for banner }
        </section>
    }
}
