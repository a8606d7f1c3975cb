//! The `backend` binary: parses configuration, starts the key refresher and serves.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use backend::auth::{SystemClock, jwks};
use backend::{AppState, Config};
use clap::Parser;
use clap::error::ErrorKind;
use tracing_subscriber::EnvFilter;

/// Exit status for unusable configuration (the usual usage-error code).
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let config = match Config::try_parse() {
        Ok(config) => config,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) => {
            let args: Vec<_> = std::env::args_os().collect();
            let line =
                Config::describe_parse_error(&e, &args, |name| std::env::var_os(name).is_some());
            eprintln!("backend: {line}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let state = match AppState::new(&config, Arc::new(SystemClock)) {
        Ok(state) => state,
        Err(error) => {
            eprintln!("backend: {error}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match serve(config, state) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("backend: {error}");
            ExitCode::FAILURE
        }
    }
}

#[actix_web::main]
async fn serve(config: Config, state: AppState) -> std::io::Result<()> {
    if !config.static_dir.join("index.html").is_file() {
        tracing::warn!(
            static_dir = %config.static_dir.display(),
            "no index.html in the static folder: the SPA is not built; the API still works"
        );
    }
    jwks::spawn_refresher(
        state.keys().clone(),
        Duration::from_secs(config.jwks_refresh_secs),
    );
    let server = HttpServer::new(move || backend::app(state.clone()))
        .bind(config.listen)
        .map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.listen))
        })?;
    tracing::info!(listen = %config.listen, issuer = config.issuer.as_str(), "backend listening");
    server.run().await
}
