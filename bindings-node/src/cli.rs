//! The npm package's `qualys-cs` bin: the Rust command line, run synchronously (the bin does
//! nothing else meanwhile) with the process's stdio.

use napi_derive::napi;

/// Run the command line `argv` (program name first) and return its exit code.
#[napi]
pub fn cli_main(argv: Vec<String>) -> i32 {
    std::panic::catch_unwind(|| qualys_cs_cli::run(argv)).unwrap_or_else(|_| {
        eprintln!("qualys-cs: internal error (a panic); please report it");
        qualys_cs_cli::exit::IO
    })
}
