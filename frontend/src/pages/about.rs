//! `/about`, guarded: calls the public and the protected API.

use shared::{Service, Values};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::components::error_banner::ErrorBanner;
use crate::components::guard::Guard;
use crate::context::{AuthContext, call_api, use_auth};

#[function_component]
pub fn AboutPage() -> Html {
    html! {
        <>
            <h1>{ "About" }</h1>
            <Guard>
                <p class="lead">
                    { "You are signed in. Both buttons call the API with your access token; \
                       the secure one fails without it." }
                </p>
                <div class="grid">
                    <ValuesCard />
                    <ServicesCard />
                </div>
            </Guard>
        </>
    }
}

/// An API call's progress.
#[derive(Debug, Clone, PartialEq)]
enum Call<T> {
    Idle,
    Loading,
    Done(T),
    Failed(ApiError),
}

#[hook]
fn use_api_call<T>(path: &'static str) -> (UseStateHandle<Call<T>>, Callback<MouseEvent>)
where
    T: serde::de::DeserializeOwned + 'static,
{
    let auth = use_auth();
    let call = use_state(|| Call::Idle);
    let start = {
        let call = call.clone();
        Callback::from(move |_: MouseEvent| {
            let (auth, call): (AuthContext, _) = (auth.clone(), call.clone());
            call.set(Call::Loading);
            spawn_local(async move {
                match call_api::<T>(&auth, path).await {
                    Ok(value) => call.set(Call::Done(value)),
                    Err(e) => call.set(Call::Failed(e)),
                }
            });
        })
    };
    (call, start)
}

#[function_component]
fn ValuesCard() -> Html {
    let (call, onclick) = use_api_call::<Values>("/api/values");
    let loading = matches!(*call, Call::Loading);
    let result = match &*call {
        Call::Done(values) if values.is_empty() => html! { <p>{ "The API sent no values." }</p> },
        Call::Done(values) => html! {
            <ul id="values" class="values">
                { for values.iter().map(|v| html! { <li>{ v }</li> }) }
            </ul>
        },
        Call::Failed(e) => {
            html! { <ErrorBanner title="Call API failed" message={e.to_string()} /> }
        }
        Call::Idle | Call::Loading => html! {},
    };
    html! {
        <section class="card" aria-labelledby="values-title" aria-busy={loading.to_string()}>
            <h2 id="values-title">{ "Values" }</h2>
            <p>{ "GET /api/values, open to everyone." }</p>
            <button id="call-api" class="button primary" {onclick} disabled={loading}>
                { if loading { "Calling..." } else { "Call API" } }
            </button>
            { result }
        </section>
    }
}

#[function_component]
fn ServicesCard() -> Html {
    let (call, onclick) = use_api_call::<Vec<Service>>("/api/services");
    let loading = matches!(*call, Call::Loading);
    let result = match &*call {
        Call::Done(services) if services.is_empty() => {
            html! { <p>{ "The API sent no services." }</p> }
        }
        Call::Done(services) => html! {
            <ul id="services" class="services">
                { for services.iter().map(service) }
            </ul>
        },
        Call::Failed(e) => html! {
            <ErrorBanner title="Call Secure API failed" message={e.to_string()} />
        },
        Call::Idle | Call::Loading => html! {},
    };
    html! {
        <section class="card" aria-labelledby="services-title" aria-busy={loading.to_string()}>
            <h2 id="services-title">{ "Services" }</h2>
            <p>{ "GET /api/services, needs a valid access token with the api1 scope." }</p>
            <button id="call-secure-api" class="button primary" {onclick} disabled={loading}>
                { if loading { "Calling..." } else { "Call Secure API" } }
            </button>
            { result }
        </section>
    }
}

fn service(service: &Service) -> Html {
    html! {
        <li class="service">
            <img src={service.icon_uri.clone()} alt={service.name.clone()} width="32" height="32" />
            <a href={service.uri.clone()} rel="noopener noreferrer">{ &service.name }</a>
        </li>
    }
}
