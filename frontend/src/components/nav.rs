//! The top navigation bar.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::context::{use_auth, use_sign_out};

/// Links to the pages and, when signed in, who is signed in and a sign-out button.
#[function_component]
pub fn Nav() -> Html {
    let auth = use_auth();
    let navigator = use_navigator();
    let sign_out = use_sign_out();
    let current = use_route::<Route>();
    let link = |id: &'static str, to: Route, label: &'static str| {
        let aria_current = (current.as_ref() == Some(&to)).then_some("page");
        let href = to.to_path();
        let navigator = navigator.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            // Let the browser handle "open in new tab" and similar.
            if e.meta_key() || e.ctrl_key() || e.shift_key() || e.alt_key() {
                return;
            }
            if let Some(navigator) = &navigator {
                e.prevent_default();
                navigator.push(&to);
            }
        });
        html! { <a {id} {href} {onclick} aria-current={aria_current}>{ label }</a> }
    };
    let user = auth.session.as_ref().map(|s| s.display_name().to_owned());
    html! {
        <header class="topbar">
            <nav class="container nav" aria-label="Main">
                { link("nav-home", Route::Home, "Home") }
                { link("nav-about", Route::About, "About") }
                if let Some(user) = user {
                    <span class="nav-user">{ "Signed in as " }{ user }</span>
                    <button id="nav-sign-out" class="button" onclick={sign_out.onclick.clone()}
                        disabled={sign_out.busy} aria-busy={sign_out.busy.to_string()}>
                        { if sign_out.busy { "Signing out..." } else { "Sign out" } }
                    </button>
                }
                if let Some(message) = sign_out.error.clone() {
                    <span class="error" role="alert">{ message }</span>
                }
            </nav>
        </header>
    }
}
