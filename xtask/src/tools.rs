//! Finding, and when missing installing, the tools the tasks use.
//!
//! Everything comes from the package registries: the wasm target through rustup, Trunk and the
//! wasm-bindgen CLI from crates.io, wasm-opt from npm (`binaryen`), and Chromium with
//! ChromeDriver from Debian. Trunk is told never to download tools of its own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::workspace::{Workspace, cargo};

/// Trunk 0.22 needs a newer rustc than the toolchain this project targets.
const TRUNK_VERSION: &str = "0.21.14";
/// Debian's binaryen (108) and the `wasm-opt` crate (116) cannot parse the wasm that current
/// rustc emits; the npm package carries a recent build that runs on Node.js.
const BINARYEN_NPM_VERSION: &str = "132";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Paths of the tools, ready to hand to child processes.
#[derive(Debug, Clone)]
pub struct Tools {
    /// `PATH` with the directories of the installed tools in front.
    pub path: OsString,
    pub chromium: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
}

impl Tools {
    /// A command whose `PATH` finds the installed tools first.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        // Trunk's update check would reach outside this machine; Trunk.toml cannot disable it.
        command
            .env("PATH", &self.path)
            .env("TRUNK_SKIP_VERSION_CHECK", "true");
        command
    }

    /// Debug builds of the two servers, which `dev` and the browser test run directly.
    pub fn build_servers(&self, workspace: &Workspace) -> anyhow::Result<()> {
        step("building identity and backend");
        run(self.command(cargo()).current_dir(&workspace.root).args([
            "build",
            "--package",
            "identity",
            "--package",
            "backend",
        ]))
    }

    pub fn browser(&self) -> anyhow::Result<(&Path, &Path)> {
        match (&self.chromium, &self.chromedriver) {
            (Some(chromium), Some(driver)) => Ok((chromium, driver)),
            _ => bail!(
                "Chromium and ChromeDriver are needed: install them with \
                 `sudo apt-get install chromium chromium-driver`"
            ),
        }
    }
}

/// Everything `dev` needs: the wasm target, Trunk, wasm-bindgen CLI and wasm-opt.
pub fn ensure_build_tools(workspace: &Workspace) -> anyhow::Result<Tools> {
    ensure_wasm_target()?;
    let cargo_bin = cargo_bin_dir();
    let wasm_opt_dir = workspace.tools_dir().join("node_modules").join(".bin");
    let path = prepend_path(&[wasm_opt_dir.clone(), cargo_bin.clone()])?;
    let tools = Tools {
        path,
        chromium: None,
        chromedriver: None,
    };
    // Trunk.toml runs Trunk offline (it must never download tools), which makes its cargo
    // offline too: fetch the wasm dependencies first.
    run(tools
        .command(cargo())
        .current_dir(&workspace.root)
        .args(["fetch", "--quiet"]))?;
    ensure_trunk(&tools)?;
    ensure_wasm_bindgen(&tools, &workspace.locked_version("wasm-bindgen")?)?;
    ensure_wasm_opt(&tools, workspace, &wasm_opt_dir)?;
    Ok(tools)
}

/// The build tools plus Chromium and ChromeDriver for the browser tests.
pub fn ensure_all(workspace: &Workspace) -> anyhow::Result<Tools> {
    let mut tools = ensure_build_tools(workspace)?;
    let (chromium, chromedriver) = ensure_browser()?;
    tools.chromium = Some(chromium);
    tools.chromedriver = Some(chromedriver);
    Ok(tools)
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("`rustup` is needed to add the wasm32 target")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    step(&format!("installing the {WASM_TARGET} target"));
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn ensure_trunk(tools: &Tools) -> anyhow::Result<()> {
    let found = output_of(tools.command("trunk").arg("--version")).unwrap_or_default();
    if found.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
        return Ok(());
    }
    step(&format!(
        "installing trunk {TRUNK_VERSION} (takes a few minutes, once)"
    ));
    run(tools
        .command(cargo())
        .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))
}

/// The CLI must match the `wasm-bindgen` library version exactly, or Trunk's output is broken.
fn ensure_wasm_bindgen(tools: &Tools, version: &str) -> anyhow::Result<()> {
    let found = output_of(tools.command("wasm-bindgen").arg("--version")).unwrap_or_default();
    if found.split_whitespace().nth(1) == Some(version) {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {version} to match Cargo.lock (once)"
    ));
    // Not `--locked`: the registry mirror lacks one of the CLI's locked dependencies.
    run(tools.command(cargo()).args([
        "install",
        "--force",
        "wasm-bindgen-cli",
        "--version",
        version,
    ]))
}

fn ensure_wasm_opt(tools: &Tools, workspace: &Workspace, bin_dir: &Path) -> anyhow::Result<()> {
    let found = output_of(tools.command(bin_dir.join("wasm-opt")).arg("--version"));
    if found.is_ok_and(|text| text.contains(&format!("version {BINARYEN_NPM_VERSION}"))) {
        return Ok(());
    }
    if output_of(Command::new("npm").arg("--version")).is_err() {
        bail!(
            "wasm-opt comes from the npm package `binaryen`, and npm is missing: install it with \
             `sudo apt-get install nodejs npm`"
        );
    }
    step(&format!(
        "installing wasm-opt (npm binaryen@{BINARYEN_NPM_VERSION}) under target/tools"
    ));
    let prefix = workspace.tools_dir();
    std::fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    run(Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(&prefix)
        .args(["--no-audit", "--no-fund", "--no-save"])
        .arg(format!("binaryen@{BINARYEN_NPM_VERSION}")))
}

/// Chromium and ChromeDriver from Debian: installed through apt when running as root,
/// otherwise the error names the packages to install.
fn ensure_browser() -> anyhow::Result<(PathBuf, PathBuf)> {
    if let Some(found) = find_browser() {
        return Ok(found);
    }
    let is_root = nix::unistd::geteuid().is_root();
    let has_apt = Path::new("/usr/bin/apt-get").exists();
    if !(is_root && has_apt) {
        bail!(
            "the browser tests need Debian's Chromium and ChromeDriver: install them with \
             `sudo apt-get update && sudo apt-get install -y chromium chromium-driver`"
        );
    }
    step("installing chromium and chromium-driver with apt-get");
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args([
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    find_browser().context("apt-get installed chromium but /usr/bin/chromedriver is still missing")
}

fn find_browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())?;
    let driver = PathBuf::from("/usr/bin/chromedriver");
    driver.exists().then_some((chromium, driver))
}

fn cargo_bin_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

fn prepend_path(dirs: &[PathBuf]) -> anyhow::Result<OsString> {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let all = dirs.iter().cloned().chain(std::env::split_paths(&current));
    std::env::join_paths(all).context("building PATH")
}

/// Prints a task step, so long installs and builds say what they are doing.
pub fn step(what: &str) {
    eprintln!("xtask: {what}");
}

/// Runs a command to completion, failing with its command line when it fails.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {}", describe(command)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(command));
    }
    Ok(())
}

fn output_of(command: &mut Command) -> anyhow::Result<String> {
    let output = command
        .output()
        .with_context(|| format!("starting {}", describe(command)))?;
    if !output.status.success() {
        bail!("{} failed ({})", describe(command), output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

pub fn describe(command: &Command) -> String {
    let program = command.get_program().to_string_lossy().into_owned();
    let args = command
        .get_args()
        .map(|arg| arg.to_string_lossy().into_owned());
    std::iter::once(program)
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}
