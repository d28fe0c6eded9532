//! `qualys-cs sim`: the local csapi simulator from the one binary the pip and npm installs ship,
//! with the options of `qualys-cs-sim` (the simulator crate's own parser, mounted here).

use crate::{Failure, Process};
use clap::{ArgMatches, Args as _, Command, FromArgMatches};
use qualys_cs_sim::cli::{SimArgs, Stop, config, serve};

pub(crate) fn command() -> Command {
    // A heading of their own: the command line's global options are listed beside them.
    SimArgs::augment_args(Command::new("sim").next_help_heading("Simulator options"))
        .about(
            "Serve the local csapi simulator (as qualys-cs-sim): the first stdout line is \
             `listening on URL`; stops on Ctrl-C, SIGTERM or the end of a piped stdin",
        )
        .after_help(
            "Credentials qualys / qualys unless --username/--password say otherwise.\n\n\
             Example:\n  qualys-cs sim --port 8080 --images 1000 --latency-ms 50",
        )
}

pub(crate) async fn run(m: &ArgMatches, process: Process) -> Result<i32, Failure> {
    let args = SimArgs::from_arg_matches(m).map_err(|e| Failure::usage(e.to_string()))?;
    let cfg = config(args).map_err(|e| Failure::usage(format!("sim: {e}")))?;
    // In a host's process (the pip and npm installs), SIGINT and SIGTERM are the host's to handle:
    // they end the process, and the simulator with it.
    let stop = match process {
        Process::Own => Stop::Signals,
        Process::Host => Stop::StdinOnly,
    };
    Ok(serve(cfg, "qualys-cs sim", stop).await)
}
