//! `qualys-cs`, the command line: every endpoint of the table is a command
//! (`qualys-cs images list --filter 'vulnerabilities.severity:5' --all --output table`), plus CI
//! gates (`qualys-cs gate vulns SHA --max-severity 4 --report vulns.sarif`) and shell completion.
//!
//! One implementation for every install: the `qualys-cs` binary (`cargo install qualys-cs-cli`),
//! the Python package's console script and the npm package's bin all call [`run`] with their argv.
//!
//! Exit codes ([`exit`]): 0 success, 1 a gate failed, 2 usage or validation error, 3
//! configuration or credentials missing, 4 authentication or permission refused (401/403), 5 not
//! found (404), 6 rate limited (429 after the retries), 7 server error (5xx after the retries),
//! 8 no answer (connection or timeout), 9 any other API error (4xx, a response that does not
//! decode), 10 a local I/O error (a body or report file).

mod commands;
mod config;
mod gate;
mod output;

use clap::ArgMatches;
use qualys_cs::{Error, ErrorKind};
use std::ffi::OsString;
use std::io::Write;

/// The process exit codes, as documented in `--help` and the README.
pub mod exit {
    pub const OK: i32 = 0;
    pub const GATE_FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const CONFIG: i32 = 3;
    pub const AUTH: i32 = 4;
    pub const NOT_FOUND: i32 = 5;
    pub const RATE_LIMITED: i32 = 6;
    pub const SERVER: i32 = 7;
    pub const NO_ANSWER: i32 = 8;
    pub const API: i32 = 9;
    pub const IO: i32 = 10;
}

/// The exit code of a client error.
pub fn exit_code(e: &Error) -> i32 {
    match e.kind() {
        ErrorKind::Validation => exit::USAGE,
        ErrorKind::Config => exit::CONFIG,
        ErrorKind::Authentication | ErrorKind::PermissionDenied | ErrorKind::Auth => exit::AUTH,
        ErrorKind::NotFound => exit::NOT_FOUND,
        ErrorKind::RateLimited => exit::RATE_LIMITED,
        ErrorKind::Server => exit::SERVER,
        ErrorKind::Timeout | ErrorKind::Connection => exit::NO_ANSWER,
        ErrorKind::Io => exit::IO,
        _ => exit::API,
    }
}

/// A failure of a command: a message for stderr and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(exit::USAGE, message)
    }
    pub fn io(what: &str, e: std::io::Error) -> Failure {
        Failure::new(exit::IO, format!("{what}: {e}"))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(exit_code(&e), e.to_string())
    }
}

/// Run the command line `args` (the program name first, as `std::env::args_os` gives it) and
/// return the process exit code. Output goes to stdout, messages to stderr.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut cmd = commands::command();
    let matches = match cmd.try_get_matches_from_mut(args) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    exit::OK
                }
                _ => exit::USAGE,
            };
        }
    };
    if let Some(("completion", m)) = matches.subcommand() {
        let shell = *m
            .get_one::<clap_complete::Shell>("shell")
            .expect("a required argument");
        clap_complete::generate(shell, &mut cmd, "qualys-cs", &mut std::io::stdout());
        return exit::OK;
    }
    let verbosity = matches.get_count("verbose");
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qualys-cs: cannot start: {e}");
            return exit::IO;
        }
    };
    // The log lines of `-v` go to stderr through a subscriber of this run only (the command may
    // run inside a process whose global subscriber forwards elsewhere, e.g. Python's logging).
    // One thread polls every task of the run, so the thread's default subscriber sees them all.
    let dispatch = tracing::Dispatch::new(tracing_subscriber::layer::SubscriberExt::with(
        tracing_subscriber::registry(),
        output::StderrLog::new(verbosity),
    ));
    let result = tracing::dispatcher::with_default(&dispatch, || {
        runtime.block_on(dispatch_command(&matches))
    });
    match result {
        Ok(code) => code,
        Err(f) => {
            let _ = std::io::stdout().flush();
            eprintln!("qualys-cs: {}", f.message);
            f.code
        }
    }
}

async fn dispatch_command(m: &ArgMatches) -> Result<i32, Failure> {
    let settings = config::Settings::from_matches(m)?;
    match m.subcommand() {
        Some(("gate", g)) => gate::run(&settings, g).await,
        Some((_, _)) => commands::run_endpoint(&settings, m).await,
        None => Err(Failure::usage("no command: see `qualys-cs --help`")),
    }
}

/// An id field (`qid`, `controlId`) as text, whether the API sent a number or a string.
pub(crate) fn output_id(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => "?".into(),
        Some(v) => v.to_string(),
    }
}
