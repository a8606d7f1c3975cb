//! Any unknown path.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;

pub fn page() -> Html {
    html! {
        <>
            <h1>{ "Page not found" }</h1>
            <p>{ "There is nothing at this address." }</p>
            <p><Link<Route> to={Route::Home}>{ "Go to the home page" }</Link<Route>></p>
        </>
    }
}
