//! Calls into the handlers without HTTP, for the serve-time benchmark (`benches/pages.rs` of this
//! crate). Not part of the supported API: it can change with any release.

use crate::config::SimConfig;
use crate::handlers::{self, Ctx};
use crate::state::Sim;
use axum::http::header;
use bytes::Bytes;
use qualys_cs_spec::EndpointId;

/// A simulator without a server: state, data and handlers only.
pub struct Direct {
    sim: Sim,
}

/// What a handler answered.
pub struct Answer {
    pub status: u16,
    /// The `Link` header (the bulk lists' next cursor).
    pub link: Option<String>,
    pub body: Bytes,
}

impl Direct {
    pub fn new(config: SimConfig) -> Direct {
        Direct {
            sim: Sim::new(config).expect("the benchmark config loads no fixtures"),
        }
    }

    /// Calls endpoint `id` with a query string, on the current thread (as the blocking pool runs
    /// the generated lists); the body is collected.
    pub fn call(&self, id: EndpointId, query: &str) -> Answer {
        let ctx = Ctx {
            ep: qualys_cs_spec::endpoint(id),
            params: vec![],
            query: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            body: Bytes::new(),
            content_type: None,
            headers: Default::default(),
            user: self.sim.cfg.username.clone(),
        };
        let resp = handlers::handle(&self.sim, &ctx);
        let status = resp.status().as_u16();
        let link = resp
            .headers()
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = futures::executor::block_on(axum::body::to_bytes(resp.into_body(), usize::MAX))
            .expect("a handler's body is in memory");
        Answer { status, link, body }
    }
}
