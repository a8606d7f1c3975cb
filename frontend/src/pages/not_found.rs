//! Any unknown path.

use yew::prelude::*;

/// A plain link home: a full page load is a clean start after a wrong address.
pub fn page() -> Html {
    html! {
        <>
            <h1>{ "Page not found" }</h1>
            <p>{ "There is nothing at this address." }</p>
            <p><a href="/">{ "Go to the home page" }</a></p>
        </>
    }
}
