//! The streamable HTTP transport at `/mcp`, on hyper (HTTP/1.1), stateless.
//!
//! Loopback by default; any other address needs a bearer token, checked on every request before
//! the MCP layer sees it. The MCP layer's own `Host` check (against DNS rebinding) is kept for
//! loopback, where a browser page could otherwise reach the server; on another address the token
//! is what protects it, and the host names clients use are not known in advance.

use super::Server;
use crate::{Failure, exit};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// The path the MCP endpoint is served at.
pub(crate) const PATH: &str = "/mcp";

/// True when `header` is `Bearer <token>`; compared in constant time, so the time of a refusal
/// says nothing of how much of a guess was right.
fn authorized(header: Option<&header::HeaderValue>, token: &str) -> bool {
    let Some(given) = header.and_then(|v| v.to_str().ok()).and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    }) else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, x) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ x);
    }
    diff == 0
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())).boxed());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain"),
    );
    r
}

pub(crate) async fn serve(
    server: Server,
    addr: SocketAddr,
    token: Option<String>,
    quiet: bool,
) -> Result<i32, Failure> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::new(exit::IO, format!("--http {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::new(exit::IO, format!("--http {addr}: {e}")))?;
    // Stateless: every request is answered on its own (the listings' cursors are the server's
    // state, shared by every client), so no session is kept per client, for any protocol version.
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true);
    if !addr.ip().is_loopback() {
        config = config.disable_allowed_hosts();
    }
    let mcp = Arc::new(StreamableHttpService::new(
        move || Ok(server.clone()),
        NeverSessionManager::default().into(),
        config,
    ));
    let token: Option<Arc<str>> = token.map(Into::into);
    if !quiet {
        // The one line a launcher reads to find the port (with `--http 127.0.0.1:0`).
        eprintln!(
            "qualys-cs mcp: listening on http://{local}{PATH}{}",
            if token.is_some() {
                " (bearer token required)"
            } else {
                ""
            }
        );
    }
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            // A failed accept (out of file descriptors, a reset before accept) ends that
            // connection only.
            Err(e) => {
                tracing::warn!("mcp: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let mcp = mcp.clone();
        let token = token.clone();
        let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
            let mcp = mcp.clone();
            let token = token.clone();
            async move {
                if req.uri().path() != PATH {
                    return Ok::<_, Infallible>(plain(
                        StatusCode::NOT_FOUND,
                        "not found: use /mcp\n",
                    ));
                }
                if let Some(t) = &token
                    && !authorized(req.headers().get(header::AUTHORIZATION), t)
                {
                    let mut r = plain(StatusCode::UNAUTHORIZED, "a bearer token is required\n");
                    r.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        header::HeaderValue::from_static("Bearer"),
                    );
                    return Ok(r);
                }
                Ok(mcp.handle(req).await)
            }
        });
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            if let Err(e) = conn.await {
                tracing::debug!("mcp: connection: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_is_authorized() {
        let h = |s: &str| header::HeaderValue::from_str(s).unwrap();
        assert!(authorized(Some(&h("Bearer s3cret-token")), "s3cret-token"));
        assert!(!authorized(Some(&h("Bearer s3cret-toke")), "s3cret-token"));
        assert!(!authorized(
            Some(&h("Bearer s3cret-token2")),
            "s3cret-token"
        ));
        assert!(!authorized(Some(&h("Basic s3cret-token")), "s3cret-token"));
        assert!(!authorized(Some(&h("Bearer ")), "s3cret-token"));
        assert!(!authorized(None, "s3cret-token"));
    }
}
