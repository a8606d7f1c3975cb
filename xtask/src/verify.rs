//! `cargo xtask test`: every check the project has, in the order a failure is cheapest to find.

use std::process::Command;
use std::time::Instant;

use crate::e2e;
use crate::tools::{self, Tools, step};
use crate::workspace::{Workspace, cargo};

pub fn run(workspace: &Workspace) -> anyhow::Result<()> {
    let tools = tools::ensure_all(workspace)?;
    let cargo = || {
        let mut command = tools.command(cargo());
        command.current_dir(&workspace.root);
        command
    };
    let started = Instant::now();
    check("rustfmt", cargo().args(["fmt", "--all", "--check"]))?;
    check(
        "clippy (native)",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    check(
        "clippy (wasm32)",
        cargo()
            .args(["clippy", "--package", "frontend", "--package", "shared"])
            .args([
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
    )?;
    check("workspace tests", cargo().args(["test", "--workspace"]))?;
    check(
        "wasm tests in headless Chromium",
        &mut wasm_tests(&tools, workspace)?,
    )?;
    step("end-to-end browser test");
    e2e::run(workspace, &tools)?;
    step(&format!("every check passed in {:.0?}", started.elapsed()));
    Ok(())
}

/// The frontend's browser-side tests, run by wasm-bindgen's test runner in headless Chromium.
fn wasm_tests(tools: &Tools, workspace: &Workspace) -> anyhow::Result<Command> {
    let (_, chromedriver) = tools.browser()?;
    let mut command = tools.command(cargo());
    command
        .current_dir(workspace.root.join("frontend"))
        .args([
            "test",
            "--package",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", chromedriver);
    Ok(command)
}

fn check(name: &str, command: &mut Command) -> anyhow::Result<()> {
    step(name);
    tools::run(command)
}
