//! The `qualys-cs` console script: the Rust command line, on the process's one runtime with the
//! GIL released, stopped by Ctrl-C.

use crate::runtime::block_on_until_signal;
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use qualys_cs_cli::exit;

/// Run the command line `argv` (program name first) and return its exit code: 130 when Ctrl-C
/// stopped it (its requests are cancelled, what was written stays). An exception another signal
/// handler raises stops it too and is raised here.
#[pyfunction]
pub fn cli_main(py: Python<'_>, argv: Vec<String>) -> PyResult<i32> {
    let mut raised = None;
    let code = py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            qualys_cs_cli::run_with(argv, |work| match block_on_until_signal(work) {
                Ok(code) => code,
                Err(e) => {
                    raised = Some(e);
                    exit::INTERRUPTED
                }
            })
        }))
        .unwrap_or_else(|_| {
            eprintln!("qualys-cs: internal error (a panic); please report it");
            exit::IO
        })
    });
    match raised {
        Some(e) if !e.is_instance_of::<PyKeyboardInterrupt>(py) => Err(e),
        Some(_) => {
            eprintln!("qualys-cs: interrupted");
            Ok(code)
        }
        None => Ok(code),
    }
}
