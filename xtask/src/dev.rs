//! `cargo xtask dev`: the whole system on this machine, one command from a fresh clone.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::signal::unix::{SignalKind, signal};

use crate::parts::{self, Output, Part};
use crate::tools::{self, Tools, step};
use crate::workspace::Workspace;

const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Where each part listens, from the same variables the parts themselves read.
#[derive(Debug)]
struct Ports {
    identity: SocketAddr,
    backend: SocketAddr,
    spa: u16,
}

impl Ports {
    fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            identity: addr_from_env("IDENTITY_LISTEN", "127.0.0.1:5001")?,
            backend: addr_from_env("BACKEND_LISTEN", "127.0.0.1:5000")?,
            spa: port_from_env("TRUNK_SERVE_PORT", 8080)?,
        })
    }

    /// Names every taken port at once, so one attempt is enough to fix them all.
    fn check_free(&self) -> anyhow::Result<()> {
        let spa = SocketAddr::from(([127, 0, 0, 1], self.spa));
        let taken: Vec<String> = [
            (self.identity, "IDENTITY_LISTEN"),
            (self.backend, "BACKEND_LISTEN"),
            (spa, "TRUNK_SERVE_PORT"),
        ]
        .into_iter()
        .filter_map(|(addr, variable)| parts::check_free(addr, variable).err())
        .map(|error| error.to_string())
        .collect();
        if taken.is_empty() {
            Ok(())
        } else {
            bail!("{}", taken.join("\n  "))
        }
    }

    fn issuer(&self) -> String {
        std::env::var("IDENTITY_ISSUER")
            .unwrap_or_else(|_| format!("http://localhost:{}", self.identity.port()))
    }

    fn spa_origins(&self) -> [String; 2] {
        [
            format!("http://localhost:{}", self.backend.port()),
            format!("http://localhost:{}", self.spa),
        ]
    }

    fn are_defaults(&self) -> bool {
        self.identity.port() == 5001 && self.backend.port() == 5000 && self.spa == 8080
    }
}

pub fn run(workspace: &Workspace) -> anyhow::Result<()> {
    let ports = Ports::from_env()?;
    ports.check_free()?;
    let tools = tools::ensure_build_tools(workspace)?;
    tools.build_servers(workspace)?;
    tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(supervise(workspace, &tools, &ports))
}

async fn supervise(workspace: &Workspace, tools: &Tools, ports: &Ports) -> anyhow::Result<()> {
    let data_dir = workspace.root.join(".data");
    let identity_config = match std::env::var_os("IDENTITY_CONFIG") {
        Some(path) => Some(path.into()),
        // The provider's built-in client knows the default ports only.
        None if !ports.are_defaults() => {
            let path = data_dir.join("dev-identity.toml");
            write_identity_config(&path, &ports.spa_origins())?;
            Some(path)
        }
        None => None,
    };

    let mut identity = tools.command(workspace.debug_bin("identity"));
    identity
        .current_dir(&workspace.root)
        .env("IDENTITY_LISTEN", ports.identity.to_string())
        .env("IDENTITY_ISSUER", ports.issuer());
    if let Some(path) = &identity_config {
        identity.env("IDENTITY_CONFIG", path);
    }
    let mut backend = tools.command(workspace.debug_bin("backend"));
    backend
        .current_dir(&workspace.root)
        .env("BACKEND_LISTEN", ports.backend.to_string())
        .env("BACKEND_ISSUER", ports.issuer());
    let mut trunk = tools.command("trunk");
    trunk
        .current_dir(&workspace.root)
        .args(["serve", "--port", &ports.spa.to_string()]);
    if ports.backend.port() != 5000 {
        // Trunk.toml proxies to the default backend port; point a copy at the chosen one.
        let path = data_dir.join("Trunk.dev.toml");
        write_trunk_config(&workspace.root, &path, ports.backend)?;
        trunk.arg("--config").arg(path);
    }

    // The provider runs in the workspace root, so a relative IDENTITY_DATA_DIR is under it.
    let provider_data = workspace
        .root
        .join(std::env::var_os("IDENTITY_DATA_DIR").unwrap_or_else(|| ".data/identity".into()));
    let mut running = Vec::new();
    let parts = [identity, backend, trunk];
    let outcome = start_and_watch(&mut running, parts, ports, &provider_data).await;
    parts::stop_all(&mut running).await;
    outcome
}

/// Starts the parts one after the other, each once the one before it answers (so a bad
/// provider setting stops everything before the rest has started), announces the addresses,
/// then waits for Ctrl-C or for a part to stop on its own.
async fn start_and_watch(
    running: &mut Vec<Part>,
    [identity, backend, trunk]: [std::process::Command; 3],
    ports: &Ports,
    provider_data: &Path,
) -> anyhow::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let discovery = format!("{}/.well-known/openid-configuration", ports.issuer());
    let health = format!("http://{}/healthz", ports.backend);
    for (name, command, ready) in [
        ("identity", identity, &discovery),
        ("backend", backend, &health),
    ] {
        running.push(Part::spawn(name, command, Output::Stream)?);
        let part = running.last_mut().context("the part just started")?;
        tokio::select! {
            started = part.wait_until_ready(ready, READY_TIMEOUT) => started?,
            _ = interrupt.recv() => return Ok(()),
        }
    }
    running.push(Part::spawn("trunk", trunk, Output::Stream)?);
    eprintln!(
        "\n  SPA, live-reloading:  http://localhost:{spa}/   (trunk is building it; it answers \
         when done)\n  API and built SPA:    http://localhost:{backend}/\n  Provider:             \
         {discovery}\n  Test users:           alice / password, bob / password\n  Provider data:        \
         {data}\n\n  Ctrl-C stops everything.\n",
        spa = ports.spa,
        backend = ports.backend.port(),
        data = provider_data.display(),
    );
    loop {
        tokio::select! {
            _ = interrupt.recv() => {
                step("Ctrl-C: stopping identity, backend and trunk");
                return Ok(());
            }
            _ = terminate.recv() => return Ok(()),
            () = tokio::time::sleep(Duration::from_millis(250)) => {
                for part in running.iter_mut() {
                    if let Some(status) = part.exited()? {
                        bail!("{} stopped ({status}); stopped the other parts too", part.name);
                    }
                }
            }
        }
    }
}

/// An identity configuration whose development client accepts the given SPA origins.
pub fn write_identity_config(path: &Path, origins: &[String]) -> anyhow::Result<()> {
    let list = |suffix: &str| {
        toml::Value::Array(
            origins
                .iter()
                .map(|origin| toml::Value::String(format!("{origin}{suffix}")))
                .collect(),
        )
    };
    let mut client = toml::Table::new();
    client.insert("client_id".into(), "spa".into());
    client.insert("client_name".into(), "Example SPA".into());
    client.insert("redirect_uris".into(), list("/callback"));
    client.insert("post_logout_redirect_uris".into(), list("/"));
    client.insert("allowed_cors_origins".into(), list(""));
    let scopes = ["openid", "profile", "api1", "offline_access"];
    client.insert(
        "allowed_scopes".into(),
        toml::Value::Array(scopes.into_iter().map(toml::Value::from).collect()),
    );
    let mut config = toml::Table::new();
    config.insert("clients".into(), toml::Value::Array(vec![client.into()]));
    let text = toml::to_string(&config).context("writing the identity configuration")?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// A copy of `Trunk.toml` whose proxies reach the backend at `backend` and whose paths are
/// absolute (Trunk resolves them against the configuration file's own folder).
fn write_trunk_config(root: &Path, path: &Path, backend: SocketAddr) -> anyhow::Result<()> {
    let source = root.join("Trunk.toml");
    let text = std::fs::read_to_string(&source)
        .with_context(|| format!("reading {}", source.display()))?;
    let mut config: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", source.display()))?;
    let absolute = |value: &mut toml::Value| {
        if let Some(relative) = value.as_str() {
            *value = root.join(relative).display().to_string().into();
        }
    };
    if let Some(build) = config.get_mut("build").and_then(toml::Value::as_table_mut) {
        build.get_mut("target").map(absolute);
        build.get_mut("dist").map(absolute);
    }
    if let Some(watch) = config.get_mut("watch").and_then(toml::Value::as_table_mut) {
        for key in ["watch", "ignore"] {
            if let Some(paths) = watch.get_mut(key).and_then(toml::Value::as_array_mut) {
                paths.iter_mut().for_each(absolute);
            }
        }
    }
    let proxies = config
        .get_mut("proxies")
        .and_then(toml::Value::as_array_mut);
    for proxy in proxies.into_iter().flatten() {
        if let Some(url) = proxy.get_mut("backend")
            && let Some(text) = url.as_str()
        {
            *url = text.replace("127.0.0.1:5000", &backend.to_string()).into();
        }
    }
    let text = toml::to_string(&config).context("writing the Trunk configuration")?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn addr_from_env(variable: &str, default: &str) -> anyhow::Result<SocketAddr> {
    let value = std::env::var(variable).unwrap_or_else(|_| default.to_owned());
    value
        .parse()
        .with_context(|| format!("{variable}={value:?} is not an address like {default}"))
}

fn port_from_env(variable: &str, default: u16) -> anyhow::Result<u16> {
    match std::env::var(variable) {
        Ok(value) => value
            .parse()
            .with_context(|| format!("{variable}={value:?} is not a port number")),
        Err(_) => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_config_registers_every_origin() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("identity.toml");
        let origins = ["http://localhost:5100".to_owned()];
        write_identity_config(&path, &origins).expect("written");
        let text = std::fs::read_to_string(&path).expect("read back");
        let config: toml::Table = toml::from_str(&text).expect("valid TOML");
        let client = &config["clients"][0];
        assert_eq!(
            client["redirect_uris"][0].as_str(),
            Some("http://localhost:5100/callback")
        );
        assert_eq!(
            client["post_logout_redirect_uris"][0].as_str(),
            Some("http://localhost:5100/")
        );
        assert_eq!(
            client["allowed_cors_origins"][0].as_str(),
            Some("http://localhost:5100")
        );
    }

    #[test]
    fn trunk_config_follows_the_backend_port() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            root.path().join("Trunk.toml"),
            "[build]\ntarget = \"frontend/index.html\"\n\n\
             [[proxies]]\nbackend = \"http://127.0.0.1:5000/api/\"\n",
        )
        .expect("write Trunk.toml");
        let path = root.path().join("dev.toml");
        let backend = "127.0.0.1:5100".parse().expect("address");
        write_trunk_config(root.path(), &path, backend).expect("written");
        let config: toml::Table =
            toml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("valid TOML");
        assert_eq!(
            config["proxies"][0]["backend"].as_str(),
            Some("http://127.0.0.1:5100/api/")
        );
        let target = root.path().join("frontend/index.html");
        assert_eq!(config["build"]["target"].as_str(), target.to_str());
    }

    #[test]
    fn taken_port_names_the_variable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let error = parts::check_free(addr, "BACKEND_LISTEN").expect_err("taken");
        let message = error.to_string();
        assert!(message.contains(&addr.port().to_string()), "{message}");
        assert!(message.contains("BACKEND_LISTEN"), "{message}");
    }
}
