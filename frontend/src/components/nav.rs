//! The top navigation bar.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::context::use_auth;

/// Links to the pages and, when signed in, who is signed in.
#[function_component]
pub fn Nav() -> Html {
    let auth = use_auth();
    let navigator = use_navigator();
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
                }
            </nav>
        </header>
    }
}
