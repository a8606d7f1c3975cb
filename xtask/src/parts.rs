//! The running parts of the system (identity, backend, trunk, chromedriver) as child processes:
//! started in their own process groups, their output prefixed or captured, stopped together.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::net::{SocketAddr, TcpListener};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Child;

use crate::tools::describe;

/// How many of a part's last log lines are kept to print when something fails.
const KEPT_LINES: usize = 400;
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What happens to a part's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Printed as it comes, each line prefixed with the part's name.
    Stream,
    /// Kept quietly, to be shown if a test fails.
    Capture,
}

/// One child process and the tail of its output.
#[derive(Debug)]
pub struct Part {
    pub name: &'static str,
    child: Child,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Part {
    pub fn spawn(
        name: &'static str,
        command: std::process::Command,
        output: Output,
    ) -> anyhow::Result<Self> {
        let described = describe(&command);
        let mut command = tokio::process::Command::from(command);
        if output == Output::Capture || !std::io::stdout().is_terminal() {
            // "true" rather than "1": Trunk parses the variable as a boolean flag.
            command.env("NO_COLOR", "true");
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so stopping it also stops what it started (trunk runs
            // cargo), and the terminal's Ctrl-C reaches only xtask, which stops everyone.
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {name}: {described}"))?;
        let log = Arc::new(Mutex::new(VecDeque::with_capacity(KEPT_LINES)));
        if let Some(stdout) = child.stdout.take() {
            pump(name, stdout, output, Arc::clone(&log));
        }
        if let Some(stderr) = child.stderr.take() {
            pump(name, stderr, output, Arc::clone(&log));
        }
        Ok(Self { name, child, log })
    }

    /// The exit status, if the process has stopped.
    pub fn exited(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        self.child
            .try_wait()
            .with_context(|| format!("checking on {}", self.name))
    }

    /// Waits until `url` answers 200, failing if the part exits first or `timeout` passes.
    pub async fn wait_until_ready(&mut self, url: &str, timeout: Duration) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .context("building an HTTP client")?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.exited()? {
                bail!("{} exited while starting ({status})", self.name);
            }
            let response = client.get(url).send().await;
            if response.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!("{} did not answer {url} within {timeout:?}", self.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks the process group to stop (SIGTERM), then kills it after a grace period.
    pub async fn stop(&mut self) {
        if matches!(self.exited(), Ok(Some(_))) {
            return;
        }
        if let Some(pid) = self.child.id().and_then(|pid| i32::try_from(pid).ok()) {
            // The group may already be gone; either way the wait below settles it.
            let _ = killpg(Pid::from_raw(pid), Signal::SIGTERM);
        }
        if tokio::time::timeout(STOP_GRACE, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }

    /// The last lines the part printed.
    pub fn log_tail(&self) -> Vec<String> {
        self.log
            .lock()
            .map(|log| log.iter().cloned().collect())
            .unwrap_or_default()
    }
}

fn pump(
    name: &'static str,
    stream: impl AsyncRead + Unpin + Send + 'static,
    output: Output,
    log: Arc<Mutex<VecDeque<String>>>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if output == Output::Stream {
                println!("{name:>9} | {line}");
            }
            if let Ok(mut log) = log.lock() {
                if log.len() == KEPT_LINES {
                    log.pop_front();
                }
                log.push_back(line);
            }
        }
    });
}

/// Stops every part, last started first.
pub async fn stop_all(parts: &mut [Part]) {
    for part in parts.iter_mut().rev() {
        part.stop().await;
    }
}

/// Fails with a message naming the variable to change when `addr` is already taken.
pub fn check_free(addr: SocketAddr, variable: &str) -> anyhow::Result<()> {
    match TcpListener::bind(addr) {
        Ok(_) => Ok(()),
        Err(error) => bail!(
            "port {} on {} is not available ({error}); set {variable} to use another",
            addr.port(),
            addr.ip()
        ),
    }
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}
