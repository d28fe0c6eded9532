//! The transport seam: the one place a request leaves the client. Everything above it (auth,
//! retries, rate limits, error mapping) only sees a `reqwest::Request` going in and a
//! `reqwest::Response` or a [`TransportError`] coming out, so that logic can be driven by a
//! scripted transport in tests and by an instrumented one in production.

use futures::FutureExt;
use futures::future::BoxFuture;
use std::fmt;
use std::sync::Arc;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Sends one HTTP request. The default wraps the client's `reqwest::Client` (its pool, proxy,
/// TLS and timeouts); install another with
/// [`ClientBuilder::transport`](super::ClientBuilder::transport) to record, replay or instrument
/// requests. A response can be built from an `http::Response` (`reqwest::Response::from`).
///
/// The request's own timeout (`reqwest::Request::timeout`) is set by the client; a transport that
/// does not honour it makes the client's `timeout` option ineffective.
pub trait Transport: Send + Sync + 'static {
    fn send(
        &self,
        request: reqwest::Request,
    ) -> BoxFuture<'static, Result<reqwest::Response, TransportError>>;
}

/// What kind of failure a transport had: the retry rules depend on it (a connection that never
/// opened reached no server, so even a write may be sent again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made; nothing was sent.
    Connect,
    /// The request's timeout ran out.
    Timeout,
    /// The server closed (or reset) the connection without answering: typically a pooled
    /// keep-alive connection it had closed while idle (a load balancer's idle timeout, a process
    /// frozen and thawed as on AWS Lambda). The request may have been written, not answered.
    Closed,
    /// Anything else (a connection broken mid-request, a malformed response).
    Other,
}

/// A request that got no (complete) response.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: BoxError,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        TransportError {
            kind,
            source: source.into(),
        }
    }
    /// The connection could not be made.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Connect, source)
    }
    /// The request's timeout ran out.
    pub fn timeout(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Timeout, source)
    }
    /// Any other failure.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Other, source)
    }
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }
    /// The server closed the connection without answering.
    pub fn is_closed(&self) -> bool {
        self.kind == TransportErrorKind::Closed
    }
    /// The connection was closed by the server without an answer.
    pub fn closed(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Closed, source)
    }
    /// The underlying error (a `reqwest::Error` for the default transport).
    pub fn into_source(self) -> BoxError {
        self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

impl From<reqwest::Error> for TransportError {
    fn from(e: reqwest::Error) -> Self {
        let kind = if e.is_timeout() {
            TransportErrorKind::Timeout
        } else if e.is_connect() {
            TransportErrorKind::Connect
        } else if closed_without_answer(&e) {
            TransportErrorKind::Closed
        } else {
            TransportErrorKind::Other
        };
        TransportError::new(kind, e)
    }
}

/// hyper's "connection closed before message completed", or the OS's reset / broken pipe, before
/// any response: what a request sent on a connection the server had already closed runs into.
fn closed_without_answer(e: &reqwest::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    if e.is_body() || e.is_decode() || e.status().is_some() {
        return false;
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if s.downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message())
        {
            return true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                ConnectionReset | BrokenPipe | ConnectionAborted | UnexpectedEof
            );
        }
        src = s.source();
    }
    false
}

/// The default transport: the client's `reqwest::Client`, with its second pool for writes.
pub(crate) struct ReqwestTransport {
    pub(crate) reads: reqwest::Client,
    /// POST and PATCH go through a pool whose idle connections expire sooner than servers close
    /// theirs (see `HttpConfig::build_writes`): a write is never sent on a connection the server
    /// may have dropped meanwhile, since one written there cannot safely be sent again.
    pub(crate) writes: reqwest::Client,
}

impl Transport for ReqwestTransport {
    fn send(
        &self,
        request: reqwest::Request,
    ) -> BoxFuture<'static, Result<reqwest::Response, TransportError>> {
        let http = match *request.method() {
            reqwest::Method::POST | reqwest::Method::PATCH => &self.writes,
            _ => &self.reads,
        };
        http.execute(request)
            .map(|r| r.map_err(TransportError::from))
            .boxed()
    }
}

/// A transport as the builder holds it (`Debug` and `Clone` like the rest of the builder).
#[derive(Clone)]
pub(crate) struct SharedTransport(pub(crate) Arc<dyn Transport>);

impl fmt::Debug for SharedTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transport(..)")
    }
}
