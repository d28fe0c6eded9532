//! HTTP plumbing: the router derived from the endpoint table, the per-request pipeline
//! (log, latency, faults, auth, rate limits, subscription) and the accept loop.

use crate::clock::now_ms;
use crate::config::{Fault, FaultKind, LoggedRequest, SimConfig, Subscription};
use crate::handlers::{self, Ctx, Run};
use crate::respond::{error, json_response};
use crate::state::Sim;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, post};
use base64::Engine;
use bytes::Bytes;
use futures::StreamExt;
use hyper_util::rt::TokioIo;
use qualys_cs_spec::{Endpoint, endpoints};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// Lets a handler close its own connection without answering (the `drop` fault).
#[derive(Clone)]
pub(crate) struct ConnKill(Arc<Notify>);

/// Builds the router: one route per distinct table path, one verb per table entry, each
/// dispatching by endpoint id.
pub(crate) fn router(sim: Arc<Sim>) -> Router {
    let mut by_path: BTreeMap<String, Vec<&'static Endpoint>> = BTreeMap::new();
    for ep in endpoints() {
        by_path.entry(route_key(&ep.path)).or_default().push(ep);
    }
    let mut r: Router<Arc<Sim>> = Router::new();
    for eps in by_path.into_values() {
        let path = eps[0].path.as_str();
        let mut mr: MethodRouter<Arc<Sim>> = MethodRouter::new();
        for ep in eps {
            let m = Method::from_bytes(ep.http.as_str().as_bytes()).expect("table verb");
            let filter = MethodFilter::try_from(m).expect("table verb is routable");
            mr = mr.on(
                filter,
                move |State(sim): State<Arc<Sim>>,
                      Path(params): Path<Vec<(String, String)>>,
                      req: Request| {
                    dispatch(sim, ep, own_names(ep, params), req)
                },
            );
        }
        r = r.route(path, mr);
    }
    r.route("/__sim/health", get(sim_health))
        .route("/__sim/requests", get(sim_requests).delete(sim_clear))
        .route("/__sim/faults", post(sim_faults))
        .route("/__sim/latency", post(sim_latency))
        .fallback(fallback)
        // After the routes: axum sets it on every method router registered so far. Without it a
        // known path with a verb the API lacks gets axum's bare 405, without the Qualys body and
        // without a log entry.
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(sim)
}

async fn sim_health(State(sim): State<Arc<Sim>>) -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "status": "ok",
            "images": sim.world.images,
            "containers": sim.world.containers,
            "requests": sim.log_seq(),
        }),
    )
}

async fn sim_requests(State(sim): State<Arc<Sim>>) -> Response {
    json_response(StatusCode::OK, &sim.requests())
}

async fn sim_clear(State(sim): State<Arc<Sim>>) -> Response {
    sim.clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

async fn sim_faults(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let faults: Vec<Fault> = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v @ serde_json::Value::Array(_)) => match serde_json::from_value(v) {
            Ok(f) => f,
            Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
        },
        Ok(v) => match serde_json::from_value(v) {
            Ok(f) => vec![f],
            Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
        },
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
    };
    let n = faults.len();
    for f in faults {
        sim.inject(f);
    }
    json_response(StatusCode::OK, &serde_json::json!({"queued": n}))
}

async fn sim_latency(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct L {
        ms: u64,
    }
    match serde_json::from_slice::<L>(&body) {
        Ok(l) => {
            sim.set_latency(Duration::from_millis(l.ms));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

async fn fallback(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    unrouted(&sim, req, StatusCode::NOT_FOUND).await
}

async fn method_not_allowed(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    unrouted(&sim, req, StatusCode::METHOD_NOT_ALLOWED).await
}

/// A request no endpoint answers: an unknown path (404) or a verb the path lacks (405). It gets
/// the Qualys error body like every other answer, an `Allow` header on a 405, and a log entry.
async fn unrouted(sim: &Sim, req: Request, status: StatusCode) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path();
    let resp = if status == StatusCode::METHOD_NOT_ALLOWED {
        let allowed = allowed_methods(path);
        let mut resp = error(
            status,
            format!(
                "Request method '{}' is not supported for {path}; supported: {}",
                parts.method,
                allowed.join(", ")
            ),
        );
        if let Ok(v) = HeaderValue::from_str(&allowed.join(",")) {
            resp.headers_mut().insert(header::ALLOW, v);
        }
        resp
    } else {
        error(status, format!("No endpoint {} {path}", parts.method))
    };
    if sim.logging() {
        let mut entry = log_entry(sim, &parts, &bytes, None);
        entry.status = resp.status().as_u16();
        sim.push_log(entry);
    }
    resp
}

/// A path template with its parameters' names blanked. The guide names one path's id by what
/// each verb takes (`GET /images/{imageSha}/exceptions`, `PUT /images/{imageId}/exceptions`, a
/// UUID): the router cannot hold two names at one place, so such templates share one route.
fn route_key(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// The path's values under the endpoint's own parameter names (the route may carry a sibling
/// verb's names), in path order.
fn own_names(ep: &Endpoint, params: Vec<(String, String)>) -> Vec<(String, String)> {
    let names = ep
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'));
    names
        .zip(params)
        .map(|(n, (_, v))| (n.to_string(), v))
        .collect()
}

/// The verbs the table has for the path template a concrete path fits.
fn allowed_methods(path: &str) -> Vec<&'static str> {
    match qualys_cs_spec::match_path(path) {
        Some(found) => endpoints()
            .iter()
            .filter(|e| route_key(&e.path) == route_key(&found.path))
            .map(|e| e.http.as_str())
            .collect(),
        // The simulator's own routes.
        None => vec!["GET"],
    }
}

fn log_entry(
    sim: &Sim,
    parts: &axum::http::request::Parts,
    body: &Bytes,
    ep: Option<&str>,
) -> LoggedRequest {
    let raw_path = parts.uri.path().to_string();
    let decoded_path = percent_encoding::percent_decode_str(&raw_path)
        .decode_utf8_lossy()
        .into_owned();
    let query = parts.uri.query().unwrap_or("").to_string();
    let query_pairs = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let val = if name == "authorization" {
                let s = v.to_str().unwrap_or("");
                format!("{} ***", s.split_whitespace().next().unwrap_or(""))
            } else if name == "clientsecret" {
                // An API client's secret is a password: never in the log.
                "***".to_string()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, val)
        })
        .collect();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (mut jb, mut tb, mut bb) = (None, None, None);
    if !body.is_empty() {
        if let Ok(v) = serde_json::from_slice(body) {
            jb = Some(v);
        } else if let Ok(s) = std::str::from_utf8(body) {
            tb = Some(s.to_string());
        } else {
            bb = Some(base64::engine::general_purpose::STANDARD.encode(body));
        }
    }
    LoggedRequest {
        seq: sim.next_seq(),
        time_ms: now_ms(),
        method: parts.method.to_string(),
        path: raw_path,
        decoded_path,
        query,
        query_pairs,
        headers,
        content_type,
        body: jb,
        body_text: tb,
        body_base64: bb,
        endpoint: ep.map(str::to_string),
        status: 0,
        fault: None,
    }
}

fn fault_name(k: &FaultKind) -> &'static str {
    match k {
        FaultKind::Status { .. } => "status",
        FaultKind::Drop => "drop",
        FaultKind::Malformed => "malformed",
        FaultKind::Truncate => "truncate",
        FaultKind::Delay(_) => "delay",
        FaultKind::SlowBody(_) => "slow_body",
    }
}

async fn dispatch(
    sim: Arc<Sim>,
    ep: &'static Endpoint,
    params: Vec<(String, String)>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let kill = parts.extensions.get::<ConnKill>().cloned();
    let bytes = match axum::body::to_bytes(body, 64 << 20).await {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("could not read the request body: {e}"),
            );
        }
    };
    let path = parts.uri.path();
    let is_csapi = path.starts_with("/csapi");
    let mut entry = sim
        .logging()
        .then(|| log_entry(&sim, &parts, &bytes, Some(ep.id.as_str())));

    if is_csapi {
        let lat = sim.latency();
        if !lat.is_zero() {
            tokio::time::sleep(lat).await;
        }
    }

    let mut fault = sim.take_fault(parts.method.as_str(), path);
    if fault.is_none() && is_csapi {
        fault = sim.random_fault();
    }
    if let Some(e) = entry.as_mut() {
        e.fault = fault.as_ref().map(|f| fault_name(f).to_string());
    }
    let mut post_fault = None;
    match fault {
        Some(FaultKind::Delay(d)) => tokio::time::sleep(d).await,
        Some(FaultKind::Status {
            status,
            body,
            headers,
        }) => {
            let st = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = match body {
                Some(b) => {
                    let ct = if serde_json::from_str::<serde_json::Value>(&b).is_ok() {
                        "application/json"
                    } else if b.trim_start().starts_with('<') {
                        "text/html"
                    } else {
                        "text/plain"
                    };
                    (st, [(header::CONTENT_TYPE, ct)], b).into_response()
                }
                None => error(st, st.canonical_reason().unwrap_or("Injected fault")),
            };
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) = (
                    header::HeaderName::from_bytes(k.as_bytes()),
                    HeaderValue::from_str(&v),
                ) {
                    resp.headers_mut().insert(k, v);
                }
            }
            return finish(&sim, entry, resp);
        }
        Some(FaultKind::Drop) => {
            if let Some(e) = entry.take() {
                sim.push_log(e);
            }
            if let Some(k) = kill {
                k.0.notify_one();
                std::future::pending::<()>().await;
            }
            // No connection handle (should not happen): fail the stream before the first byte.
            let s = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("dropped"))
            });
            return Response::new(Body::from_stream(s));
        }
        Some(k) => post_fault = Some(k),
        None => {}
    }

    let (resp, panicked) = guarded(pipeline(&sim, ep, params, &parts, bytes)).await;
    if panicked && let Some(e) = entry.as_mut() {
        e.fault = Some("handler_panic".into());
    }
    let resp = match post_fault {
        Some(k) => apply_body_fault(resp, k, kill).await,
        None => match sim.cfg.faults.slow_body {
            Some(d) if is_csapi && !d.is_zero() => {
                apply_body_fault(resp, FaultKind::SlowBody(d), kill).await
            }
            _ => resp,
        },
    };
    finish(&sim, entry, resp)
}

/// Runs a handler so that a panic (a bug: no input may cause one) answers 500 with the Qualys
/// error body instead of dropping the connection; `true` when it panicked. The request log then
/// shows the request with status 500 and the fault `handler_panic`.
pub(crate) async fn guarded(fut: impl std::future::Future<Output = Response>) -> (Response, bool) {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
        Ok(resp) => (resp, false),
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            eprintln!("qualys-cs-sim: a handler panicked: {what}");
            (
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal server error (a simulator bug; the request log has it)",
                ),
                true,
            )
        }
    }
}

fn finish(sim: &Sim, entry: Option<LoggedRequest>, resp: Response) -> Response {
    if let Some(mut e) = entry {
        e.status = resp.status().as_u16();
        sim.push_log(e);
    }
    resp
}

async fn pipeline(
    sim: &Arc<Sim>,
    ep: &'static Endpoint,
    params: Vec<(String, String)>,
    parts: &axum::http::request::Parts,
    body: Bytes,
) -> Response {
    // The gateway's `/auth` (and an API client's `/auth/oidc`, `/auth/oauth`) is how a caller
    // gets credentials: it takes none.
    let user = if ep.resource == "auth" {
        String::new()
    } else {
        match sim.authorize(&parts.headers) {
            Ok(u) => u,
            Err(msg) => return error(StatusCode::UNAUTHORIZED, msg),
        }
    };
    let mut rl_headers = None;
    if let Some(fam) = ep.rate_family.name()
        && let Some(check) = sim.rate_check(fam)
    {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", check.limit.into());
        h.insert("x-ratelimit-window-sec", check.window_secs.into());
        h.insert("x-ratelimit-remaining", check.remaining.into());
        if !check.allowed {
            h.insert("x-ratelimit-towait-sec", check.wait_secs.into());
            if sim.cfg.rate_limits.retry_after {
                h.insert(header::RETRY_AFTER, check.wait_secs.into());
            }
            let mut resp = error(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "API rate limit exceeded for {fam}: {} calls per {} seconds",
                    check.limit, check.window_secs
                ),
            );
            resp.headers_mut().extend(h);
            return resp;
        }
        rl_headers = Some(h);
    }
    let mut resp = if sim.cfg.subscription == Subscription::Free && ep.resource == "reports" {
        // API.md open question 11/12: every Report API answers 409 on Free, with the usual body.
        error(
            StatusCode::CONFLICT,
            "Reports are not available on a Container Security Free subscription; upgrade to Trial or Full",
        )
    } else {
        let query = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let ctx = Ctx {
            ep,
            params,
            query,
            body,
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            headers: parts.headers.clone(),
            user,
        };
        match handlers::route(ep.id) {
            Run::Inline(h) => handlers::call(h, sim, &ctx),
            Run::Blocking(h) => {
                let sim = sim.clone();
                match tokio::task::spawn_blocking(move || handlers::call(h, &sim, &ctx)).await {
                    Ok(resp) => resp,
                    // A panicking handler fails its request as it would inline.
                    Err(e) => match e.try_into_panic() {
                        Ok(p) => std::panic::resume_unwind(p),
                        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                    },
                }
            }
        }
    };
    if sim.cfg.strict_accept && resp.status().is_success() {
        let produced = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let accept = parts
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        if !produced.is_empty() && !accepts(&accept, produced) {
            resp = error(
                StatusCode::NOT_ACCEPTABLE,
                format!(
                    "Could not find acceptable representation: the answer is {produced}, Accept was '{accept}'"
                ),
            );
        }
    }
    if let Some(h) = rl_headers {
        resp.headers_mut().extend(h);
    }
    resp
}

/// Whether an `Accept` value allows a content type: no header allows anything; otherwise one
/// media range must match (`*/*`, `type/*`, or the type itself, parameters ignored) with a
/// quality above zero.
fn accepts(accept: &str, content_type: &str) -> bool {
    if accept.trim().is_empty() {
        return true;
    }
    let essence = |s: &str| {
        s.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let ct = essence(content_type);
    let (ct_type, _) = ct.split_once('/').unwrap_or((&ct, ""));
    accept.split(',').any(|range| {
        let zero = range.split(';').skip(1).any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        let r = essence(range);
        !zero && (r == "*/*" || r == ct || r.strip_suffix("/*").is_some_and(|t| t == ct_type))
    })
}

async fn apply_body_fault(resp: Response, kind: FaultKind, kill: Option<ConnKill>) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    match kind {
        FaultKind::Malformed => {
            let mut b = bytes[..bytes.len() / 2].to_vec();
            b.extend_from_slice(b"\x7f<<malformed>>{\"");
            parts.status = StatusCode::OK;
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(b))
        }
        FaultKind::Truncate => {
            let full = bytes.len().max(2);
            let half = bytes.slice(..bytes.len() / 2);
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full));
            // Send the head and the first half, let hyper flush them (the stream goes pending),
            // then close the connection: the client has a 200 whose body ends early.
            let tail = async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if let Some(k) = kill {
                    k.0.notify_one();
                    std::future::pending::<()>().await;
                }
                Err::<Bytes, std::io::Error>(std::io::Error::other("truncated by the simulator"))
            };
            let s = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(half) })
                .chain(futures::stream::once(tail));
            Response::from_parts(parts, Body::from_stream(s))
        }
        FaultKind::SlowBody(d) => {
            let n = 4usize;
            let len = bytes.len();
            let chunk = len.div_ceil(n).max(1);
            let chunks: Vec<Bytes> = (0..len)
                .step_by(chunk)
                .map(|s| bytes.slice(s..(s + chunk).min(len)))
                .collect();
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            let s = futures::stream::unfold(
                (chunks.into_iter(), true),
                move |(mut it, first)| async move {
                    let c = it.next()?;
                    if !first {
                        tokio::time::sleep(d).await;
                    }
                    Some((Ok::<Bytes, std::io::Error>(c), (it, false)))
                },
            );
            Response::from_parts(parts, Body::from_stream(s))
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// Accepts connections until `shutdown` turns true. `title_case`: write header names in
/// Title-Case (`Link`), not hyper's lower case.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    title_case: bool,
) {
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let k2 = kill.clone();
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnKill(k2.clone()));
                    let mut r = router.clone();
                    async move { tower::Service::call(&mut r, req).await }
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .title_case_headers(title_case)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

/// Bind per the config.
pub(crate) async fn bind(cfg: &SimConfig) -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", cfg.port)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_the_qualys_error_body() {
        let (resp, panicked) = guarded(async {
            if true {
                panic!("a handler bug");
            }
            StatusCode::OK.into_response()
        })
        .await;
        assert!(panicked);
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(
            v["errorCode"].is_string() && v["message"].is_string(),
            "{v}"
        );
        let (ok, panicked) = guarded(async { StatusCode::OK.into_response() }).await;
        assert_eq!((ok.status(), panicked), (StatusCode::OK, false));
    }
}
