//! `/about`, guarded: calls the public and the protected API.

use shared::{Service, Values};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{ApiError, ApiResponse, is_web_address};
use crate::components::error_banner::error_banner;
use crate::components::guard::Guard;
use crate::context::{call_api, use_auth};

/// The page body: the guard decides whether the cards render.
pub fn page() -> Html {
    html! {
        <>
            <h1>{ "About" }</h1>
            <Guard>
                <p class="lead">
                    { "You are signed in. Both buttons call the API with your access token; \
                       the secure one fails without it." }
                </p>
                <div class="grid">
                    <ApiCard endpoint={Endpoint::Values} />
                    <ApiCard endpoint={Endpoint::Services} />
                </div>
            </Guard>
        </>
    }
}

/// The two API resources this page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// `GET /api/values`, public.
    Values,
    /// `GET /api/services`, needs the bearer token.
    Services,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Self::Values => "/api/values",
            Self::Services => "/api/services",
        }
    }

    fn decode(self, response: &ApiResponse) -> Result<Payload, ApiError> {
        match self {
            Self::Values => response.json().map(Payload::Values),
            Self::Services => response.json().map(Payload::Services),
        }
    }
}

/// A decoded answer.
#[derive(Debug, Clone, PartialEq)]
enum Payload {
    Values(Values),
    Services(Vec<Service>),
}

/// An API call's progress.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Idle,
    Loading,
    Done(Payload),
    Failed(ApiError),
}

#[derive(Debug, Properties, PartialEq)]
struct ApiCardProps {
    endpoint: Endpoint,
}

/// A button that calls one endpoint, with its loading state, result and error.
#[function_component]
fn ApiCard(props: &ApiCardProps) -> Html {
    let endpoint = props.endpoint;
    let auth = use_auth();
    let call = use_state(|| Call::Idle);
    let onclick = {
        let call = call.clone();
        Callback::from(move |_: MouseEvent| {
            let (auth, call) = (auth.clone(), call.clone());
            call.set(Call::Loading);
            spawn_local(async move {
                let result = match call_api(&auth, endpoint.path()).await {
                    Ok(response) => endpoint.decode(&response),
                    Err(e) => Err(e),
                };
                call.set(match result {
                    Ok(payload) => Call::Done(payload),
                    Err(e) => Call::Failed(e),
                });
            });
        })
    };
    let loading = matches!(*call, Call::Loading);
    let (title, about, id, label, failed) = match endpoint {
        Endpoint::Values => (
            "Values",
            "GET /api/values, open to everyone.",
            "call-api",
            "Call API",
            "Call API failed",
        ),
        Endpoint::Services => (
            "Services",
            "GET /api/services, needs a valid access token with the api1 scope.",
            "call-secure-api",
            "Call Secure API",
            "Call Secure API failed",
        ),
    };
    let result = match &*call {
        Call::Done(payload) => render(payload),
        Call::Failed(e) => error_banner(failed, e.to_string(), Html::default()),
        Call::Idle | Call::Loading => Html::default(),
    };
    html! {
        <section class="card" aria-label={title} aria-busy={loading.to_string()}>
            <h2>{ title }</h2>
            <p>{ about }</p>
            <button {id} class="button primary" {onclick} disabled={loading}>
                { if loading { "Calling..." } else { label } }
            </button>
            { result }
        </section>
    }
}

fn render(payload: &Payload) -> Html {
    match payload {
        Payload::Values(values) if values.is_empty() => {
            html! { <p>{ "The API sent no values." }</p> }
        }
        Payload::Services(services) if services.is_empty() => {
            html! { <p>{ "The API sent no services." }</p> }
        }
        Payload::Values(values) => html! {
            <ul id="values" class="values">
                { for values.iter().map(|v| html! { <li>{ v }</li> }) }
            </ul>
        },
        Payload::Services(services) => html! {
            <ul id="services" class="services">
                { for services.iter().map(service) }
            </ul>
        },
    }
}

/// One service with its icon and link; an address that is not `http(s)` or a path of this
/// origin is left out (icon) or shown as text (link).
fn service(service: &Service) -> Html {
    let icon = is_web_address(&service.icon_uri).then(|| {
        html! {
            <img src={service.icon_uri.clone()} alt={service.name.clone()} width="32" height="32" />
        }
    });
    let name = if is_web_address(&service.uri) {
        html! { <a href={service.uri.clone()} rel="noopener noreferrer">{ &service.name }</a> }
    } else {
        html! { <span>{ &service.name }</span> }
    };
    html! {
        <li class="service">
            { for icon }
            { name }
        </li>
    }
}
