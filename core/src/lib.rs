//! `qualys-cs`: a client for the Qualys Container Security API (csapi).
//!
//! Every endpoint lives in one table ([`table`], from `endpoints.json`); the typed methods, the
//! paginator, validation, rate-limit families and the simulator's routes all derive from it.
pub mod api;
pub mod auth;
pub mod client;
pub mod columns;
pub mod error;
pub mod logging;
pub mod models;
pub mod paginate;
pub mod platform;
pub mod process;
pub mod ratelimit;
pub mod request;
pub mod response;
pub mod table;
mod validate;

pub use auth::{ClientFlow, Credentials, Secret, TokenProvider};
pub use client::{AuthMode, Client, ClientBuilder, DryRun, RequestOptions};
pub use error::{ApiError, DeadlineError, Error, ErrorKind, Result};
pub use paginate::{Page, Pager};
pub use platform::Platform;
pub use ratelimit::RateLimitInfo;
pub use request::{Args, MAX_ID_LEN, MAX_JSON_DEPTH, MAX_QUERY_VALUE_LEN};
pub use response::{Output, RawOutput, Response, ResponseMeta};
