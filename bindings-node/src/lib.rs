//! Native half of the `qualys-cs` npm package: a thin napi-rs layer over the `qualys-cs` core.
//!
//! The JS wrapper (`index.js`) owns the public surface; this module exposes a small native API:
//! `NativeClient` (generic calls by endpoint id, the escape hatch, pagers), `NativePager`
//! (`next(): Promise<Page | null>`), `Canceller` (AbortSignal → dropped Rust future) and, with the
//! `simulator` feature, `NativeSimulator`. Errors cross as a JSON payload in the message (napi cannot
//! attach fields to async rejections); `index.js` rethrows them as typed `QualysError` subclasses.
#![deny(clippy::all)]

mod cancel;
mod cli;
mod client;
mod convert;
mod errors;
mod log;
mod pager;
#[cfg(feature = "simulator")]
mod testing;

pub use cancel::Canceller;
pub use cli::{cli_main, cli_runtimes_built};
pub use client::{NativeClient, endpoint_table, native_version, parse_json, request_option_names};
pub use pager::NativePager;
#[cfg(feature = "simulator")]
pub use testing::NativeSimulator;
