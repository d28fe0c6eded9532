//! Configuration, faults and the request log's record type.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The Container Security subscription the simulated account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Subscription {
    /// Report APIs answer 409 (API.md §5.2, S004).
    Free,
    Trial,
    #[default]
    Full,
}

impl std::str::FromStr for Subscription {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "free" => Ok(Subscription::Free),
            "trial" => Ok(Subscription::Trial),
            "full" => Ok(Subscription::Full),
            _ => Err(format!("unknown subscription '{s}' (free, trial, full)")),
        }
    }
}

/// How many generated objects of each kind the simulated account holds.
#[derive(Debug, Clone)]
pub struct Counts {
    /// Generated on demand: any number up to millions costs no memory.
    pub images: u64,
    /// Generated on demand, like images.
    pub containers: u64,
    pub sensors: u64,
    pub registries: u64,
    pub repositories_per_registry: u64,
    pub schedules_per_registry: u64,
    pub controls: u64,
    pub events: u64,
    pub reports: u64,
    pub k8s_postures: u64,
    /// Custom policies besides the two default ones.
    pub policies: u64,
    pub tags: u64,
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            images: 200,
            containers: 300,
            sensors: 20,
            registries: 6,
            repositories_per_registry: 8,
            schedules_per_registry: 5,
            controls: 40,
            events: 100,
            reports: 5,
            k8s_postures: 30,
            policies: 2,
            tags: 4,
        }
    }
}

/// One fixed window: `calls` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub calls: u32,
    pub window: Duration,
}

/// The endpoint families rate limits apply to (API.md §5.3).
pub const FAMILIES: &[&str] = &[
    "images/list",
    "containers/list",
    "images",
    "containers",
    "registry",
    "sensors",
];

/// Rate limiting per endpoint family (API.md §5.3). Off by default.
#[derive(Debug, Clone)]
pub struct RateLimits {
    pub enabled: bool,
    /// Family name (`images/list`, `containers/list`, `images`, `containers`, `registry`,
    /// `sensors`) to its limit; families not listed are unlimited.
    pub families: BTreeMap<String, Limit>,
    /// Also send `Retry-After` on 429 (no Qualys source mentions it; off by default).
    pub retry_after: bool,
}

impl RateLimits {
    /// The published limits.
    pub fn published() -> RateLimits {
        let m = |c, s| Limit {
            calls: c,
            window: Duration::from_secs(s),
        };
        RateLimits {
            enabled: true,
            families: BTreeMap::from([
                ("containers/list".to_string(), m(120, 60)),
                ("images/list".to_string(), m(120, 60)),
                ("containers".to_string(), m(5000, 60)),
                ("images".to_string(), m(5000, 60)),
                ("registry".to_string(), m(1000, 60)),
                ("sensors".to_string(), m(1000, 60)),
            ]),
            retry_after: false,
        }
    }

    /// The published limits with windows `factor` times shorter and the same rate (at least one
    /// call per window, windows at least one second): `scaled(30.0)` turns 120/60 s into 4/2 s.
    pub fn scaled(factor: f64) -> RateLimits {
        let mut r = RateLimits::published();
        let f = factor.max(1e-9);
        for l in r.families.values_mut() {
            let secs = (l.window.as_secs_f64() / f).max(1.0);
            let calls = (l.calls as f64 * secs / l.window.as_secs_f64())
                .round()
                .max(1.0) as u32;
            *l = Limit {
                calls,
                window: Duration::from_secs_f64(secs),
            };
        }
        r
    }

    /// Every family at the same limit (handy in tests).
    pub fn uniform(calls: u32, window: Duration) -> RateLimits {
        let mut r = RateLimits::published();
        for l in r.families.values_mut() {
            *l = Limit { calls, window };
        }
        r
    }

    /// Parse `FAMILY=CALLS/SECS` (e.g. `images/list=20/2`).
    pub fn parse_entry(s: &str) -> Result<(String, Limit), String> {
        let (fam, rest) = s.split_once('=').ok_or("expected FAMILY=CALLS/SECS")?;
        let (c, w) = rest.split_once('/').ok_or("expected FAMILY=CALLS/SECS")?;
        let calls: u32 = c
            .trim()
            .parse()
            .map_err(|_| format!("bad call count '{c}'"))?;
        let secs: f64 = w.trim().parse().map_err(|_| format!("bad window '{w}'"))?;
        if calls == 0 || secs <= 0.0 {
            return Err("calls and window must be positive".to_string());
        }
        Ok((
            fam.trim().to_string(),
            Limit {
                calls,
                window: Duration::from_secs_f64(secs),
            },
        ))
    }
}

impl RateLimits {
    /// The bindings' option form: `true`/`false` (the published limits on or off),
    /// `"published"`, a scale factor (`0.1`: windows ten times longer, see [`RateLimits::scaled`]),
    /// or `{family: [calls, window_secs]}` (named families changed, the others published; `list`
    /// names both bulk lists, and a `scale` key starts from the scaled limits instead).
    /// Errors name `field` and the rule.
    pub fn from_json(field: &str, v: &Value) -> Result<RateLimits, String> {
        let on = |r: RateLimits| RateLimits { enabled: true, ..r };
        match v {
            Value::Bool(b) => Ok(RateLimits {
                enabled: *b,
                ..RateLimits::published()
            }),
            Value::String(s) if s == "published" => Ok(on(RateLimits::published())),
            Value::String(s) => Err(format!("{field}: unknown preset '{s}' (published)")),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.is_finite() && f > 0.0 => Ok(on(RateLimits::scaled(f))),
                _ => Err(format!("{field}: a scale factor must be a positive number")),
            },
            Value::Object(m) => {
                // `scale` first: the named families are changed on top of the scaled ones.
                let mut r = match m.get("scale") {
                    None => on(RateLimits::published()),
                    Some(f) => match f.as_f64() {
                        Some(f) if f.is_finite() && f > 0.0 => on(RateLimits::scaled(f)),
                        _ => return Err(format!("{field}.scale: must be a positive number")),
                    },
                };
                for (fam, lim) in m.iter().filter(|(k, _)| *k != "scale") {
                    let bad = || {
                        format!(
                            "{field}.{fam}: must be [calls, windowSeconds] with calls >= 1 and windowSeconds > 0"
                        )
                    };
                    if fam != "list" && !FAMILIES.contains(&fam.as_str()) {
                        let hint = crate::options::closest(fam, FAMILIES.iter().copied())
                            .map(|f| format!(" (did you mean `{f}`?)"))
                            .unwrap_or_default();
                        return Err(format!(
                            "{field}: unknown rate-limit family `{fam}`{hint}; known: {}, list (both lists), scale",
                            FAMILIES.join(", ")
                        ));
                    }
                    let a = lim.as_array().filter(|a| a.len() == 2).ok_or_else(bad)?;
                    let calls = a[0]
                        .as_u64()
                        .filter(|c| (1..=u32::MAX as u64).contains(c))
                        .ok_or_else(bad)?;
                    let secs = a[1]
                        .as_f64()
                        .filter(|s| s.is_finite() && *s > 0.0)
                        .ok_or_else(bad)?;
                    let limit = Limit {
                        calls: calls as u32,
                        window: Duration::from_secs_f64(secs),
                    };
                    // `list`: both bulk lists at once.
                    let names: &[&str] = if fam == "list" {
                        &["images/list", "containers/list"]
                    } else {
                        &[fam.as_str()]
                    };
                    for n in names {
                        r.families.insert((*n).to_string(), limit);
                    }
                }
                Ok(r)
            }
            _ => Err(format!(
                "{field}: must be true/false, \"published\", a scale factor or {{family: [calls, windowSeconds]}}"
            )),
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        // The published families, switched off until asked for.
        let mut r = RateLimits::published();
        r.enabled = false;
        r
    }
}

/// Random faults, drawn per `/csapi` request from a seeded generator.
#[derive(Debug, Clone, Default)]
pub struct FaultRates {
    /// Share of requests answered 500/502/503 (JSON error body or a gateway HTML page).
    pub error_rate: f64,
    /// Share of requests whose connection is closed without any response.
    pub drop_rate: f64,
    /// Share of requests answered 200 with a body that is not valid JSON.
    pub malformed_rate: f64,
    /// Share of requests whose body stops half-way (the full Content-Length is declared).
    pub truncate_rate: f64,
    /// When set, every body is streamed in chunks with this pause between them.
    pub slow_body: Option<Duration>,
}

/// What the simulator does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer this status; `body` defaults to the Qualys error body (JSON).
    Status {
        status: u16,
        body: Option<String>,
        headers: BTreeMap<String, String>,
    },
    /// Close the connection without a response.
    Drop,
    /// 200 with invalid JSON.
    Malformed,
    /// Half the body, then the connection ends.
    Truncate,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Stream the body in chunks with this pause between them.
    SlowBody(Duration),
}

/// A one-shot fault for [`crate::SimHandle::inject`] or `POST /__sim/faults`.
///
/// JSON form: `{"kind": "status", "status": 503, "body": "...", "headers": {...},
/// "path_contains": "/images", "method": "GET", "times": 2}`; kinds `status`, `drop`,
/// `malformed`, `truncate`, `delay` (with `ms`), `slow_body` (with `ms`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FaultWire", into = "FaultWire")]
pub struct Fault {
    pub kind: FaultKind,
    pub path_contains: Option<String>,
    pub method: Option<String>,
    /// How many matching requests it hits (default 1).
    pub times: u32,
}

impl Fault {
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            path_contains: None,
            method: None,
            times: 1,
        }
    }
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultKind::Status {
            status,
            body: None,
            headers: BTreeMap::new(),
        })
    }
    pub fn path_contains(mut self, s: impl Into<String>) -> Fault {
        self.path_contains = Some(s.into());
        self
    }
    pub fn method(mut self, m: impl Into<String>) -> Fault {
        self.method = Some(m.into());
        self
    }
    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        self.path_contains
            .as_deref()
            .is_none_or(|p| path.contains(p))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

#[derive(Serialize, Deserialize)]
struct FaultWire {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ms: Option<u64>,
    #[serde(default)]
    path_contains: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

impl TryFrom<FaultWire> for Fault {
    type Error = String;
    fn try_from(w: FaultWire) -> Result<Fault, String> {
        let need_ms = || {
            w.ms.map(Duration::from_millis)
                .ok_or_else(|| format!("fault kind '{}' needs ms", w.kind))
        };
        let kind = match w.kind.to_ascii_lowercase().as_str() {
            "status" => {
                let status = w.status.ok_or("fault kind 'status' needs status")?;
                if !(100..=999).contains(&status) {
                    return Err(format!("invalid status {status}"));
                }
                FaultKind::Status {
                    status,
                    body: w.body.clone(),
                    headers: w.headers.clone(),
                }
            }
            "drop" => FaultKind::Drop,
            "malformed" => FaultKind::Malformed,
            "truncate" => FaultKind::Truncate,
            "delay" => FaultKind::Delay(need_ms()?),
            "slow_body" | "slow" => FaultKind::SlowBody(need_ms()?),
            k => return Err(format!("unknown fault kind '{k}'")),
        };
        Ok(Fault {
            kind,
            path_contains: w.path_contains,
            method: w.method,
            times: w.times,
        })
    }
}

impl From<Fault> for FaultWire {
    fn from(f: Fault) -> FaultWire {
        let mut w = FaultWire {
            kind: String::new(),
            status: None,
            body: None,
            headers: BTreeMap::new(),
            ms: None,
            path_contains: f.path_contains,
            method: f.method,
            times: f.times,
        };
        match f.kind {
            FaultKind::Status {
                status,
                body,
                headers,
            } => {
                w.kind = "status".into();
                w.status = Some(status);
                w.body = body;
                w.headers = headers;
            }
            FaultKind::Drop => w.kind = "drop".into(),
            FaultKind::Malformed => w.kind = "malformed".into(),
            FaultKind::Truncate => w.kind = "truncate".into(),
            FaultKind::Delay(d) => {
                w.kind = "delay".into();
                w.ms = Some(d.as_millis() as u64);
            }
            FaultKind::SlowBody(d) => {
                w.kind = "slow_body".into();
                w.ms = Some(d.as_millis() as u64);
            }
        }
        w
    }
}

/// How the bulk lists' `link` header's name is written on the wire. HTTP header names are
/// case-insensitive, but not every client reads them so: Qualys' docs print `link`, and a peer's
/// loop only finds `Link`. Which the live gateway sends is an open question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkCase {
    /// `link` (as the docs print it; hyper writes every header name in lower case).
    #[default]
    Lower,
    /// `Link`: every header name of the answer in Title-Case (`Content-Type`, `X-Ratelimit-Limit`).
    Title,
}

/// What the last page of a bulk list carries instead of a next `link`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkEnd {
    /// `link: null` (as the docs print it).
    #[default]
    Null,
    /// No `link` header at all.
    Absent,
    /// A `link` header with an empty value.
    Empty,
}

impl std::str::FromStr for LinkCase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "lower" => Ok(LinkCase::Lower),
            "title" => Ok(LinkCase::Title),
            _ => Err(format!("unknown link case '{s}' (lower, title)")),
        }
    }
}

impl std::str::FromStr for LinkEnd {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "null" => Ok(LinkEnd::Null),
            "absent" => Ok(LinkEnd::Absent),
            "empty" => Ok(LinkEnd::Empty),
            _ => Err(format!("unknown link end '{s}' (null, absent, empty)")),
        }
    }
}

/// Everything that shapes a simulator.
#[derive(Clone)]
pub struct SimConfig {
    pub username: String,
    pub password: String,
    pub seed: u64,
    pub counts: Counts,
    /// Added to every `/csapi` request.
    pub latency: Duration,
    pub faults: FaultRates,
    pub rate_limits: RateLimits,
    pub subscription: Subscription,
    /// Lifetime of the JWTs `/auth` issues (4 h, as Qualys documents).
    pub token_ttl: Duration,
    /// Host the bulk lists' `link` header points at (not the simulator: Qualys' samples point at
    /// `http://qualysapi.qualys.com` too).
    pub link_host: String,
    /// How the `link` header's name is written.
    pub link_case: LinkCase,
    /// What the last page sends instead of a next `link`.
    pub link_end: LinkEnd,
    /// Answer 406 (Qualys error body) when a success's content type is not one the request's
    /// `Accept` allows, as a strict gateway does (e.g. a report download asked for as JSON only).
    /// Off by default: lenient like the seeds' curl samples, which send no `Accept`.
    pub strict_accept: bool,
    /// 0 binds an ephemeral port.
    pub port: u16,
    /// Keep at most this many requests in the log; 0 turns the log off (benchmarks).
    pub request_log_capacity: usize,
    /// Records loaded at start, besides the generated ones (see [`SimConfig::generated`]).
    pub fixtures: crate::Fixtures,
    /// API clients (id, secret) that `/auth/oidc` and `/auth/oauth` issue tokens to.
    pub api_clients: Vec<(String, String)>,
}

/// The API client every simulator knows unless told otherwise: id and secret.
pub const DEFAULT_API_CLIENT: (&str, &str) = ("qualys-client", "qualys-client-secret");

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            username: "qualys".into(),
            password: "qualys".into(),
            seed: 1,
            counts: Counts::default(),
            latency: Duration::ZERO,
            faults: FaultRates::default(),
            rate_limits: RateLimits::default(),
            subscription: Subscription::Full,
            token_ttl: Duration::from_secs(4 * 3600),
            link_host: "http://qualysapi.qualys.com".into(),
            link_case: LinkCase::Lower,
            link_end: LinkEnd::Null,
            strict_accept: false,
            port: 0,
            request_log_capacity: 100_000,
            fixtures: crate::Fixtures::default(),
            api_clients: vec![(
                DEFAULT_API_CLIENT.0.to_string(),
                DEFAULT_API_CLIENT.1.to_string(),
            )],
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("username", &self.username)
            .field("password", &"***")
            .field("seed", &self.seed)
            .field("counts", &self.counts)
            .field("latency", &self.latency)
            .field("faults", &self.faults)
            .field("rate_limits", &self.rate_limits)
            .field("subscription", &self.subscription)
            .field("token_ttl", &self.token_ttl)
            .field("link_host", &self.link_host)
            .field("link_case", &self.link_case)
            .field("link_end", &self.link_end)
            .field("strict_accept", &self.strict_accept)
            .field("port", &self.port)
            .field("request_log_capacity", &self.request_log_capacity)
            .field("fixtures", &self.fixtures)
            .field(
                "api_clients",
                &self
                    .api_clients
                    .iter()
                    .map(|(id, _)| (id, "***"))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SimConfig {
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = username.into();
        self.password = password.into();
        self
    }
    /// Also issue API-client tokens to this client (besides [`DEFAULT_API_CLIENT`]).
    pub fn api_client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.api_clients.push((id.into(), secret.into()));
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn images(mut self, n: u64) -> Self {
        self.counts.images = n;
        self
    }
    pub fn containers(mut self, n: u64) -> Self {
        self.counts.containers = n;
        self
    }
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }
    pub fn subscription(mut self, s: Subscription) -> Self {
        self.subscription = s;
        self
    }
    pub fn token_ttl(mut self, d: Duration) -> Self {
        self.token_ttl = d;
        self
    }
    pub fn rate_limits(mut self, r: RateLimits) -> Self {
        self.rate_limits = r;
        self
    }
    pub fn faults(mut self, f: FaultRates) -> Self {
        self.faults = f;
        self
    }
    /// How the `link` header's name is written and what the last page sends.
    pub fn link_header(mut self, case: LinkCase, end: LinkEnd) -> Self {
        self.link_case = case;
        self.link_end = end;
        self
    }
    pub fn strict_accept(mut self, on: bool) -> Self {
        self.strict_accept = on;
        self
    }
    pub fn port(mut self, p: u16) -> Self {
        self.port = p;
        self
    }
    pub fn request_log(mut self, capacity: usize) -> Self {
        self.request_log_capacity = capacity;
        self
    }
    /// Records to serve besides the generated ones; filters, sort, paging, get and delete treat
    /// them as they treat generated ones.
    pub fn fixtures(mut self, f: crate::Fixtures) -> Self {
        self.fixtures = f;
        self
    }
    /// `false`: no generated images, containers, sensors, registries or tags, so only loaded
    /// records are served ("instead of"). `true` restores the default counts of those kinds.
    pub fn generated(mut self, on: bool) -> Self {
        let d = Counts::default();
        let c = &mut self.counts;
        let n = |v: u64| if on { v } else { 0 };
        c.images = n(d.images);
        c.containers = n(d.containers);
        c.sensors = n(d.sensors);
        c.registries = n(d.registries);
        c.tags = n(d.tags);
        self
    }
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// Order of arrival, from 0.
    pub seq: u64,
    /// Arrival, epoch ms.
    pub time_ms: u64,
    pub method: String,
    /// The path exactly as sent (still percent-encoded).
    pub path: String,
    /// The path percent-decoded.
    pub decoded_path: String,
    /// The raw query string (without `?`), empty if none.
    pub query: String,
    /// Decoded query pairs in order, repeated keys kept.
    pub query_pairs: Vec<(String, String)>,
    /// Lower-case names; `authorization` reduced to its scheme (`Basic ***`, `Bearer ***`).
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// The body, when it parsed as JSON.
    pub body: Option<Value>,
    /// The body, when it is UTF-8 but not JSON.
    pub body_text: Option<String>,
    /// The body, when it is not UTF-8.
    pub body_base64: Option<String>,
    /// The endpoint table id the request was routed to (`"S17"`), if any.
    pub endpoint: Option<String>,
    /// Status answered; 0 when the connection was dropped.
    pub status: u16,
    /// The fault applied, if any (`status`, `drop`, `malformed`, `truncate`, `delay`, `slow_body`).
    pub fault: Option<String>,
}

impl LoggedRequest {
    /// The value of the first query parameter with this name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query_pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Every value of a repeated query parameter.
    pub fn query_params(&self, name: &str) -> Vec<&str> {
        self.query_pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
