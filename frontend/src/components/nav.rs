//! The top navigation bar.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::context::use_auth;

#[derive(Debug, Properties, PartialEq)]
struct NavLinkProps {
    id: AttrValue,
    to: Route,
    children: Html,
}

/// A router link with an `id`, marked `aria-current` on its own page.
#[function_component]
fn NavLink(props: &NavLinkProps) -> Html {
    let navigator = use_navigator();
    let current = use_route::<Route>();
    let onclick = {
        let to = props.to.clone();
        Callback::from(move |e: MouseEvent| {
            if e.meta_key() || e.ctrl_key() || e.shift_key() || e.alt_key() {
                return;
            }
            if let Some(navigator) = &navigator {
                e.prevent_default();
                navigator.push(&to);
            }
        })
    };
    let aria_current = (current.as_ref() == Some(&props.to)).then_some("page");
    html! {
        <a id={props.id.clone()} href={props.to.to_path()} {onclick} aria-current={aria_current}>
            { props.children.clone() }
        </a>
    }
}

/// Links to the pages and, when signed in, who is signed in.
#[function_component]
pub fn Nav() -> Html {
    let auth = use_auth();
    let user = auth.session.as_ref().map(|s| s.display_name().to_owned());
    html! {
        <header class="topbar">
            <nav class="container nav" aria-label="Main">
                <NavLink id="nav-home" to={Route::Home}>{ "Home" }</NavLink>
                <NavLink id="nav-about" to={Route::About}>{ "About" }</NavLink>
                if let Some(user) = user {
                    <span class="nav-user">{ "Signed in as " }{ user }</span>
                }
            </nav>
        </header>
    }
}
