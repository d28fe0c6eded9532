//! The `qualys-cs` console script: the Rust command line, run with the GIL released.

use pyo3::prelude::*;

/// Run the command line `argv` (program name first) and return its exit code.
#[pyfunction]
pub fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| {
        std::panic::catch_unwind(|| qualys_cs_cli::run(argv)).unwrap_or_else(|_| {
            eprintln!("qualys-cs: internal error (a panic); please report it");
            qualys_cs_cli::exit::IO
        })
    })
}
