//! Project tasks, run as `cargo xtask <task>` from anywhere in the workspace.
//!
//! `dev` brings the whole system up on this machine; `test` runs every check the project has,
//! including the end-to-end browser test. Both install the tools they need when missing.

mod dev;
mod e2e;
mod parts;
mod tools;
mod verify;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::workspace::Workspace;

/// Development tasks for the OpenID Connect SPA + API workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Install missing tools, then run identity (5001), backend (5000) and `trunk serve` (8080)
    /// together, streaming their logs, until Ctrl-C or until one of them stops.
    Dev,
    /// Run every check: rustfmt, clippy (native and wasm32), all workspace tests, the wasm tests
    /// in headless Chromium, and the end-to-end browser test.
    Test,
    /// Run only the end-to-end browser test against a release build of the SPA.
    E2e,
    /// Install the tools the other tasks use: the wasm32 target, Trunk, the wasm-bindgen CLI
    /// matching Cargo.lock, wasm-opt, and (as root, through apt) Chromium and ChromeDriver.
    Setup,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(task: Task) -> anyhow::Result<()> {
    let workspace = Workspace::locate()?;
    match task {
        Task::Dev => dev::run(&workspace),
        Task::Test => verify::run(&workspace),
        Task::E2e => {
            let tools = tools::ensure_all(&workspace)?;
            e2e::run(&workspace, &tools)
        }
        Task::Setup => tools::ensure_all(&workspace).map(|_| ()),
    }
}
