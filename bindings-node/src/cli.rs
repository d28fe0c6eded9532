//! The npm package's `qualys-cs` bin: the Rust command line, run synchronously (the bin does
//! nothing else meanwhile) with the process's stdio, on the addon's one runtime (napi's, which
//! the clients' calls use too) rather than one of its own.

use napi_derive::napi;

/// Run the command line `argv` (program name first) and return its exit code.
#[napi(catch_unwind)]
pub fn cli_main(argv: Vec<String>) -> i32 {
    std::panic::catch_unwind(|| {
        qualys_cs_cli::run_with(argv, |work| napi::bindgen_prelude::block_on(work))
    })
    .unwrap_or_else(|_| {
        eprintln!("qualys-cs: internal error (a panic); please report it");
        qualys_cs_cli::exit::IO
    })
}

/// How many runtimes the command line has built for itself in this process (0: every run used
/// the addon's runtime). For the package's tests.
#[napi(catch_unwind)]
pub fn cli_runtimes_built() -> u32 {
    qualys_cs_cli::runtimes_built() as u32
}
