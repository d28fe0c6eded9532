//! `qualys-cs`, the command line: every endpoint of the table is a command
//! (`qualys-cs images list --filter 'vulnerabilities.severity:5' --all --output table`), plus CI
//! gates (`qualys-cs gate vulns SHA --max-severity 4 --report vulns.sarif`), the config file's
//! profiles (`qualys-cs configure`), the local simulator (`qualys-cs sim`) and shell completion.
//!
//! One implementation for every install: the `qualys-cs` binary (`cargo install qualys-cs-cli`),
//! the Python package's console script and the npm package's bin all call [`run`] with their argv.
//!
//! Exit codes ([`exit`]): 0 success, 1 a gate failed, 2 usage or validation error, 3
//! configuration or credentials missing, 4 authentication or permission refused (401/403), 5 not
//! found (404), 6 rate limited (429 after the retries), 7 server error (5xx after the retries),
//! 8 no answer (connection, timeout or deadline), 9 any other API error (4xx, a response that does not
//! decode), 10 a local I/O error (a body or report file), 130 interrupted (Ctrl-C).

mod commands;
mod config;
mod configure;
mod gate;
mod mcp;
mod output;
mod sim;
mod tables;

use clap::ArgMatches;
use qualys_cs::{Error, ErrorKind};
use std::ffi::OsString;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// Stopped by Ctrl-C: 128 + SIGINT, what a shell reports for a process the signal ended.
    pub const INTERRUPTED: i32 = 130;
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
        ErrorKind::Timeout | ErrorKind::DeadlineExceeded | ErrorKind::Connection => exit::NO_ANSWER,
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
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // The reader of stdout has gone (`| head -1`): it has what it wanted, so the command
            // ends there, quietly and successfully, as gh, kubectl and the coreutils do.
            return Failure::new(exit::OK, "");
        }
        Failure::new(exit::IO, format!("{what}: {e}"))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(exit_code(&e), e.to_string())
    }
}

/// A command's work, for the host's runtime to drive (see [`run_with`]): the exit code once it
/// has finished, its messages already written to stderr.
pub type Work<'a> = Pin<Box<dyn Future<Output = i32> + 'a>>;

/// Runtimes [`run`] has built in this process (the bindings drive the command on theirs instead,
/// through [`run_with`], and their tests check that this stays 0).
static RUNTIMES_BUILT: AtomicUsize = AtomicUsize::new(0);

/// How many runtimes [`run`] has built in this process.
pub fn runtimes_built() -> usize {
    RUNTIMES_BUILT.load(Ordering::Relaxed)
}

/// Run the command line `args` (the program name first, as `std::env::args_os` gives it) and
/// return the process exit code. Output goes to stdout, messages to stderr. The command runs on a
/// runtime of its own (one thread); a host with a runtime of its own calls [`run_with`].
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_in(args, Process::Own, |work| {
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
        RUNTIMES_BUILT.fetch_add(1, Ordering::Relaxed);
        runtime.block_on(work)
    })
}

/// [`run`], with the command's work driven by `block_on` on the caller's thread: the Python and
/// Node bindings use the one runtime of their process (and the Python one stops on Ctrl-C, which
/// only the interpreter sees). `block_on` must poll the work on the calling thread (as tokio's
/// `block_on` does): the `-v` log lines go to a subscriber set for this thread, which the tasks the
/// work spawns inherit. It is not called for `--help`, usage errors and `completion`.
pub fn run_with<I, T, B>(args: I, block_on: B) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
    B: FnOnce(Work<'_>) -> i32,
{
    run_in(args, Process::Host, block_on)
}

/// What [`run`] makes of a command line before it does anything: clap's parse, then, for a
/// command that calls the API, the client settings (flags over the chosen profile over the
/// environment) and the client they describe. Nothing is sent, asked or written. `Err` holds the
/// exit code a run would end with and its message; `--help`, `--version` and the commands that
/// need no client (`configure`, `sim`, `completion`) are `Ok` once parsed.
pub fn check_command_line<I, T>(args: I) -> Result<(), (i32, String)>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match commands::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Ok(())
                }
                _ => Err((exit::USAGE, e.to_string())),
            };
        }
    };
    match matches.subcommand() {
        None => Err((exit::USAGE, "no command".to_owned())),
        Some(("configure" | "sim" | "completion", _)) => Ok(()),
        Some(_) => config::Settings::from_matches(&matches)
            .and_then(|s| s.client())
            .map(drop)
            .map_err(|f| (f.code, f.message)),
    }
}

/// Whose process a command runs in, which decides who handles its signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Process {
    /// The `qualys-cs` binary's own ([`run`]): the command may handle SIGINT and SIGTERM.
    Own,
    /// A host's (Python, Node: [`run_with`]), whose signal handlers stay in charge: Node's, chained
    /// after a handler of ours, re-raise the signal forever.
    Host,
}

fn run_in<I, T, B>(args: I, process: Process, block_on: B) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
    B: FnOnce(Work<'_>) -> i32,
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
        return match output::print(&completion_script(shell, &mut cmd)) {
            Ok(()) => exit::OK,
            Err(f) => report(f),
        };
    }
    let verbosity = matches.get_count("verbose");
    let quiet = matches.get_flag("quiet");
    // The log lines of `-v` go to stderr through a subscriber of this run only (the command may
    // run inside a process whose global subscriber forwards elsewhere, e.g. Python's logging).
    // The work is polled on this thread and the client's page tasks carry the subscriber along.
    let dispatch = tracing::Dispatch::new(tracing_subscriber::layer::SubscriberExt::with(
        tracing_subscriber::registry(),
        output::StderrLog::new(verbosity, quiet),
    ));
    let work: Work<'_> = Box::pin(async {
        match dispatch_command(&matches, process).await {
            Ok(code) => code,
            Err(f) => report(f),
        }
    });
    tracing::dispatcher::with_default(&dispatch, || block_on(work))
}

/// The completion script of `shell` for the `qualys-cs` command.
///
/// Bash's is generated for the name `qualys_cs` and then registered for `qualys-cs`: for a name
/// with a `-`, clap_complete's bash script spells its states two ways (`qualys__cs__subcmd__images`
/// where it sets them, `qualys__subcmd__cs__subcmd__images` where it reads them; clap issue 6421),
/// so that nothing past the first word would complete. The other shells keep the real name.
fn completion_script(shell: clap_complete::Shell, cmd: &mut clap::Command) -> String {
    const NAME: &str = "qualys-cs";
    const BASH_NAME: &str = "qualys_cs";
    let mut script = Vec::new();
    if shell != clap_complete::Shell::Bash {
        clap_complete::generate(shell, cmd, NAME, &mut script);
        return String::from_utf8_lossy(&script).into_owned();
    }
    clap_complete::generate(shell, cmd, BASH_NAME, &mut script);
    let mut out = String::new();
    for line in String::from_utf8_lossy(&script).lines() {
        // `complete -F _qualys_cs -o nosort -o bashdefault -o default qualys_cs`: the command the
        // function completes is the last word.
        match line.strip_suffix(&format!(" {BASH_NAME}")) {
            Some(head) if line.trim_start().starts_with("complete ") => {
                out.push_str(&format!("{head} {NAME}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// A failure's message on stderr (none for a closed stdout), and its exit code.
fn report(f: Failure) -> i32 {
    if !f.message.is_empty() {
        let _ = std::io::stdout().flush();
        eprintln!("qualys-cs: {}", f.message);
    }
    f.code
}

async fn dispatch_command(m: &ArgMatches, process: Process) -> Result<i32, Failure> {
    // Before the settings: these neither call the API nor read a profile (`configure` writes it).
    match m.subcommand() {
        Some(("configure", c)) => return configure::run(m, c),
        Some(("sim", s)) => return sim::run(s, process).await,
        _ => {}
    }
    let settings = config::Settings::from_matches(m)?;
    match m.subcommand() {
        Some(("gate", g)) => gate::run(&settings, g).await,
        Some(("mcp", m)) => mcp::run(&settings, m).await,
        Some((_, _)) => commands::run_endpoint(&settings, m).await,
        None => Err(Failure::usage("no command: see `qualys-cs --help`")),
    }
}
