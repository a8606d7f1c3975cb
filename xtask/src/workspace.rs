//! Where the workspace and its build output live, and what its lockfile pins.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The workspace root and target directory, as `cargo metadata` reports them.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
}

impl Workspace {
    pub fn locate() -> anyhow::Result<Self> {
        let output = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .context("running `cargo metadata`")?;
        if !output.status.success() {
            bail!(
                "`cargo metadata` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let metadata: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("parsing `cargo metadata` output")?;
        let path = |key: &str| -> anyhow::Result<PathBuf> {
            metadata[key]
                .as_str()
                .map(PathBuf::from)
                .with_context(|| format!("`cargo metadata` has no {key}"))
        };
        Ok(Self {
            root: path("workspace_root")?,
            target_dir: path("target_directory")?,
        })
    }

    /// Where xtask keeps tools it installs itself (wasm-opt) and test artefacts.
    pub fn tools_dir(&self) -> PathBuf {
        self.target_dir.join("tools")
    }

    /// The directory holding the debug builds of the workspace's binaries.
    pub fn debug_bin(&self, name: &str) -> PathBuf {
        self.target_dir.join("debug").join(name)
    }

    /// The exact version of `package` recorded in `Cargo.lock`.
    pub fn locked_version(&self, package: &str) -> anyhow::Result<String> {
        locked_version(&self.root.join("Cargo.lock"), package)
    }
}

/// The `cargo` that runs this task, so nested builds use the same toolchain.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn locked_version(lockfile: &Path, package: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(lockfile)
        .with_context(|| format!("reading {}", lockfile.display()))?;
    let lock: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", lockfile.display()))?;
    let versions: Vec<&str> = lock
        .get("package")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|entry| entry.get("name").and_then(toml::Value::as_str) == Some(package))
        .filter_map(|entry| entry.get("version").and_then(toml::Value::as_str))
        .collect();
    match versions.as_slice() {
        [version] => Ok((*version).to_owned()),
        [] => bail!("{} pins no version of {package}", lockfile.display()),
        many => bail!(
            "{} pins several versions of {package} ({}); keep exactly one",
            lockfile.display(),
            many.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lockfile(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write lockfile");
        file
    }

    #[test]
    fn locked_version_finds_the_single_pin() {
        let file = lockfile(
            "version = 4\n\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n\n\
             [[package]]\nname = \"yew\"\nversion = \"0.23.0\"\n",
        );
        let version = locked_version(file.path(), "wasm-bindgen").expect("found");
        assert_eq!(version, "0.2.130");
    }

    #[test]
    fn locked_version_fails_when_missing_or_ambiguous() {
        let missing = lockfile("version = 4\n");
        assert!(locked_version(missing.path(), "wasm-bindgen").is_err());
        let twice = lockfile(
            "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
             [[package]]\nname = \"a\"\nversion = \"2.0.0\"\n",
        );
        let error = locked_version(twice.path(), "a").expect_err("ambiguous");
        assert!(error.to_string().contains("1.0.0, 2.0.0"));
    }
}
