//! Command-line error lines for the native binaries (`backend`, `identity`).
//!
//! Only built with the `cli` feature, so the single-page app never links clap.

use std::ffi::{OsStr, OsString};

/// `command` with every argument's environment variable removed, so parsing reads only the
/// arguments it is given: for tests and defaults that must not depend on the caller's shell.
pub fn without_env(mut command: clap::Command) -> clap::Command {
    let ids: Vec<_> = command
        .get_arguments()
        .map(|a| a.get_id().clone())
        .collect();
    for id in ids {
        command = command.mut_arg(id, |a| a.env(None::<&str>));
    }
    command
}

/// The first line of a clap parse error, without clap's `error: ` prefix.
///
/// clap names only the flag even when the bad value came from the flag's environment
/// variable; then the variable is named too, e.g. `invalid value '9999' for '--leeway-secs
/// <LEEWAY_SECS>': ... (from BACKEND_LEEWAY_SECS)`. `args` are the command line and
/// `env_is_set` tells whether a variable is present, so tests need no real environment.
pub fn describe_parse_error(
    error: &clap::Error,
    command: &clap::Command,
    args: &[OsString],
    env_is_set: impl Fn(&OsStr) -> bool,
) -> String {
    let rendered = error.render().to_string();
    let line = rendered.lines().next().unwrap_or("invalid arguments");
    let line = line.trim_start_matches("error: ").to_owned();
    match env_source(error, command, args, env_is_set) {
        Some(variable) => format!("{line} (from {variable})"),
        None => line,
    }
}

/// The environment variable that supplied the value `error` complains about, when the flag
/// itself is absent from `args` and the variable is set.
fn env_source(
    error: &clap::Error,
    command: &clap::Command,
    args: &[OsString],
    env_is_set: impl Fn(&OsStr) -> bool,
) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.split_whitespace().next()?.strip_prefix("--")?;
    let env = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long))?
        .get_env()?;
    let flag = format!("--{long}");
    let given = args.iter().skip(1).any(|a| {
        a.to_str()
            .is_some_and(|a| a == flag || a.strip_prefix(&flag).is_some_and(|r| r.starts_with('=')))
    });
    (!given && env_is_set(env)).then(|| env.to_string_lossy().into_owned())
}
