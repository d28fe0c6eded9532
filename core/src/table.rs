//! The endpoint table, from the `qualys-cs-spec` crate (every per-endpoint fact lives there), and
//! the little the client adds to it: the verb as a `reqwest::Method` and the one "endpoint by id,
//! or a validation error" lookup that the bindings use for ids they receive at run time.

pub use qualys_cs_spec::*;

use crate::error::{Error, Result};

/// What the client adds to a table entry.
pub trait EndpointExt {
    /// The HTTP verb as a `reqwest::Method`.
    fn http_method(&self) -> reqwest::Method;
}

impl EndpointExt for Endpoint {
    fn http_method(&self) -> reqwest::Method {
        match self.http {
            Http::Get => reqwest::Method::GET,
            Http::Post => reqwest::Method::POST,
            Http::Put => reqwest::Method::PUT,
            Http::Delete => reqwest::Method::DELETE,
        }
    }
}

/// The endpoint with this id, or a `ValidationError` naming the field `endpoint`.
pub fn lookup(id: &str) -> Result<&'static Endpoint> {
    by_id(id).ok_or_else(|| {
        Error::validation(
            "endpoint",
            "known_endpoint",
            format!("no endpoint with id {id:?}"),
        )
    })
}
