use std::io::{Read, Write};
use std::net::TcpListener;

use actix_web::web;
use clap::Parser;
use identity::config::{Cli, Command, Settings};
use identity::{AppState, keys, password};
use tracing_subscriber::EnvFilter;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print as usual; errors are one line.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let args: Vec<_> = std::env::args_os().collect();
            fail(Cli::describe_parse_error(&e, &args, |name| {
                std::env::var_os(name).is_some()
            }))
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let settings =
        Settings::load(cli.issuer.clone(), cli.config.as_deref()).unwrap_or_else(|e| fail(e));
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli, settings),
        Command::HashPassword => hash_password(),
        Command::RotateKey => rotate_key(&cli, &settings),
    }
}

/// One line on standard error and exit status 2, as for a bad argument. Startup errors
/// happen before any logging is useful, so this is the one place that writes directly.
fn fail(message: impl std::fmt::Display) -> ! {
    let message = message.to_string();
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let _ = writeln!(std::io::stderr(), "identity: {message}");
    std::process::exit(2)
}

fn serve(cli: &Cli, settings: Settings) {
    let state = AppState::open(settings, &cli.data_dir).unwrap_or_else(|e| fail(e));
    let listener = TcpListener::bind(cli.listen)
        .unwrap_or_else(|e| fail(format!("cannot listen on {}: {e}", cli.listen)));
    let s = &state.settings;
    tracing::info!(issuer = s.issuer.as_str(), listen = %cli.listen,
        data_dir = %cli.data_dir.display(), "identity provider starting");
    for c in &s.clients {
        tracing::info!(client_id = %c.client_id, redirect_uris = ?c.redirect_uris,
            scopes = ?c.allowed_scopes, "client");
    }
    tracing::info!(kid = %state.keys.current().active().kid, "active signing key");
    if s.development_users {
        tracing::warn!(
            "WARNING: development users alice and bob with password \"password\" are \
            active; set [[users]] in IDENTITY_CONFIG for anything but local development"
        );
    }
    let state = web::Data::new(state);
    let result = actix_web::rt::System::new().block_on(async move {
        actix_web::rt::spawn(identity::maintenance(state.clone()));
        identity::server(listener, state, None)?.await
    });
    if let Err(e) = result {
        fail(format!("server failed: {e}"));
    }
}

fn hash_password() {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        fail(format!("cannot read the password from stdin: {e}"));
    }
    let password = input
        .strip_suffix('\n')
        .map(|p| p.strip_suffix('\r').unwrap_or(p));
    let password = password.unwrap_or(&input);
    if password.is_empty() {
        fail("the password on stdin is empty");
    }
    match password::hash(password) {
        Ok(phc) => {
            let _ = writeln!(std::io::stdout(), "{phc}");
        }
        Err(e) => fail(format!("hashing failed: {e}")),
    }
}

fn rotate_key(cli: &Cli, settings: &Settings) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match keys::rotate(&cli.data_dir, now, settings.key_grace_period()) {
        Ok(kid) => tracing::info!(kid = %kid, grace_secs = settings.key_grace_period(),
            "new signing key active; the previous one stays published for the grace period"),
        Err(e) => fail(e),
    }
}
