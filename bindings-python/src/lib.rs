//! `qualys_cs._native`: the compiled half of the `qualys_cs` Python package. It is deliberately
//! small and generic (call an endpoint by id, page through a list, the escape hatch); the resource
//! classes, the exceptions and the iterators are Python, generated from the endpoint table.

mod arrow;
mod cli;
mod client;
mod convert;
mod errors;
mod log;
mod meta;
mod pages;
mod pyjson;
mod runtime;
#[cfg(feature = "simulator")]
mod sim;

#[pyo3::pymodule(gil_used = false)]
mod _native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::arrow::{NativeArrowSink, NativeExport, NativeTable, schema_json};
    #[pymodule_export]
    use super::cli::cli_main;
    #[pymodule_export]
    use super::client::NativeClient;
    #[pymodule_export]
    use super::convert::loads;
    #[pymodule_export]
    use super::log::set_log_level;
    #[pymodule_export]
    use super::pages::{NativePage, NativePages, NativeRawPage};
    #[pymodule_export]
    use super::runtime::{after_fork_in_child, drain};
    #[cfg(feature = "simulator")]
    #[pymodule_export]
    use super::sim::NativeSimulator;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        super::log::install();
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
