//! `NativeSimulator`: the embedded csapi simulator (`qualys-cs-sim`) for users' own tests, behind
//! `qualys-cs/testing`. It runs on its own thread and runtime (not napi's), so starting one from a
//! test does not depend on, or block, the client's calls.

use crate::errors::invalid;
use napi_derive::napi;
use qualys_cs_sim::{
    Fault, FaultRates, Fixtures, RateLimits, Resource, SimConfig, SimHandle, Simulator,
    Subscription,
};
use std::sync::Mutex;
use std::time::Duration;

/// Options of `startSimulator`.
#[napi(object)]
#[derive(Default)]
pub struct SimulatorOptions {
    pub username: Option<String>,
    pub password: Option<String>,
    /// Seed of the generated inventory (same seed, same data).
    pub seed: Option<i64>,
    pub images: Option<i64>,
    pub containers: Option<i64>,
    pub sensors: Option<i64>,
    pub registries: Option<i64>,
    /// Added to every `/csapi` request, milliseconds.
    pub latency_ms: Option<f64>,
    /// Port to listen on (0, the default: any free port).
    pub port: Option<u32>,
    /// Lifetime of the JWTs `/auth` issues, seconds (4 h by default, as Qualys documents).
    pub token_ttl: Option<f64>,
    /// Random faults drawn per `/csapi` request.
    pub faults: Option<SimulatorFaults>,
    /// `full` (default), `trial` or `free` (reports answer 409).
    pub subscription: Option<String>,
    /// Keep at most this many requests in the log; 0 turns it off.
    pub request_log: Option<u32>,
    /// Answer 406 when a success's content type is not one the request's `Accept` allows.
    pub strict_accept: Option<bool>,
    /// The bulk lists' `link` header name: `lower` (`link`, default) or `title` (`Link`).
    pub link_case: Option<String>,
    /// What their last page sends: `null` (default), `absent` or `empty`.
    pub link_end: Option<String>,
    /// `false`: no generated images, containers, sensors, registries or tags (only loaded records).
    pub generated: Option<bool>,
    /// Records to load from a directory (`images.json`, `containers.json`, ...).
    pub fixtures_dir: Option<String>,
    /// Records to load, as JSON text: `{images: [...], registries: {data: [...]}, ...}`.
    pub fixtures_json: Option<String>,
    /// Rate limits as JSON text: `true`, `"published"`, a scale factor or `{family: [calls, secs]}`.
    pub rate_limits_json: Option<String>,
}

/// Random fault rates of `startSimulator({faults})`: shares between 0 and 1.
#[napi(object)]
#[derive(Default)]
pub struct SimulatorFaults {
    pub error_rate: Option<f64>,
    pub drop_rate: Option<f64>,
    pub malformed_rate: Option<f64>,
    pub truncate_rate: Option<f64>,
    /// Every body streamed in chunks with this pause between them, milliseconds.
    pub slow_body_ms: Option<f64>,
}

fn rate(field: &str, v: Option<f64>) -> napi::Result<f64> {
    match v {
        None => Ok(0.0),
        Some(r) if (0.0..=1.0).contains(&r) => Ok(r),
        Some(_) => Err(invalid(field, "range", "must be between 0 and 1")),
    }
}

fn millis(field: &str, ms: f64) -> napi::Result<Duration> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid(field, "range", "must be a non-negative number"));
    }
    Ok(Duration::from_secs_f64(ms / 1000.0))
}

fn count(field: &str, v: Option<i64>) -> napi::Result<Option<u64>> {
    v.map(|n| u64::try_from(n).map_err(|_| invalid(field, "range", "must not be negative")))
        .transpose()
}

#[napi]
pub struct NativeSimulator {
    handle: Mutex<Option<SimHandle>>,
    url: String,
    username: String,
    password: String,
}

#[napi]
impl NativeSimulator {
    #[napi(factory, catch_unwind)]
    pub fn start(options: Option<SimulatorOptions>) -> napi::Result<NativeSimulator> {
        let o = options.unwrap_or_default();
        let mut cfg = SimConfig::default();
        // Before the counts, so explicit counts win over `generated: false`.
        if let Some(on) = o.generated {
            cfg = cfg.generated(on);
        }
        let fixture_err =
            |e: qualys_cs_sim::FixtureError| invalid("fixtures", "fixture", e.to_string());
        if let Some(dir) = &o.fixtures_dir {
            cfg.fixtures = Fixtures::from_dir(dir).map_err(fixture_err)?;
        }
        if let Some(j) = &o.fixtures_json {
            let v: serde_json::Value =
                serde_json::from_str(j).map_err(|e| invalid("fixtures", "json", e.to_string()))?;
            cfg.fixtures = Fixtures::from_value(&v).map_err(fixture_err)?;
        }
        if let Some(j) = &o.rate_limits_json {
            let v: serde_json::Value = serde_json::from_str(j)
                .map_err(|e| invalid("rateLimits", "json", e.to_string()))?;
            cfg.rate_limits = RateLimits::from_json("rateLimits", &v)
                .map_err(|e| invalid("rateLimits", "type", e))?;
        }
        if let (Some(u), Some(p)) = (&o.username, &o.password) {
            cfg = cfg.credentials(u.clone(), p.clone());
        }
        if let Some(s) = o.seed {
            cfg.seed = s as u64;
        }
        if let Some(n) = count("images", o.images)? {
            cfg.counts.images = n;
        }
        if let Some(n) = count("containers", o.containers)? {
            cfg.counts.containers = n;
        }
        if let Some(n) = count("sensors", o.sensors)? {
            cfg.counts.sensors = n;
        }
        if let Some(n) = count("registries", o.registries)? {
            cfg.counts.registries = n;
        }
        if let Some(ms) = o.latency_ms {
            if !ms.is_finite() || ms < 0.0 {
                return Err(invalid(
                    "latencyMs",
                    "range",
                    "must be a non-negative number",
                ));
            }
            cfg.latency = Duration::from_secs_f64(ms / 1000.0);
        }
        if let Some(t) = o.token_ttl {
            cfg.token_ttl = millis("tokenTtl", t * 1000.0)?;
        }
        if let Some(f) = o.faults {
            cfg.faults = FaultRates {
                error_rate: rate("faults.errorRate", f.error_rate)?,
                drop_rate: rate("faults.dropRate", f.drop_rate)?,
                malformed_rate: rate("faults.malformedRate", f.malformed_rate)?,
                truncate_rate: rate("faults.truncateRate", f.truncate_rate)?,
                slow_body: f
                    .slow_body_ms
                    .map(|ms| millis("faults.slowBodyMs", ms))
                    .transpose()?,
            };
        }
        if let Some(s) = &o.subscription {
            cfg.subscription = s
                .parse::<Subscription>()
                .map_err(|e| invalid("subscription", "enum", e))?;
        }
        if let Some(n) = o.request_log {
            cfg.request_log_capacity = n as usize;
        }
        if let Some(on) = o.strict_accept {
            cfg.strict_accept = on;
        }
        if let Some(c) = &o.link_case {
            cfg.link_case = c.parse().map_err(|e| invalid("linkCase", "enum", e))?;
        }
        if let Some(e) = &o.link_end {
            cfg.link_end = e.parse().map_err(|e| invalid("linkEnd", "enum", e))?;
        }
        if let Some(p) = o.port {
            cfg.port =
                u16::try_from(p).map_err(|_| invalid("port", "range", "must be a port number"))?;
        }
        let (username, password) = (cfg.username.clone(), cfg.password.clone());
        let handle = Simulator::spawn(cfg).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidInput {
                invalid("fixtures", "fixture", e.to_string())
            } else {
                napi::Error::new(napi::Status::GenericFailure, format!("simulator: {e}"))
            }
        })?;
        let url = handle.url().to_string();
        Ok(NativeSimulator {
            handle: Mutex::new(Some(handle)),
            url,
            username,
            password,
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    #[napi(getter, catch_unwind)]
    pub fn username(&self) -> String {
        self.username.clone()
    }

    #[napi(getter, catch_unwind)]
    pub fn password(&self) -> String {
        self.password.clone()
    }

    /// The request log as JSON text (one `LoggedRequest` per entry).
    #[napi(catch_unwind)]
    pub fn requests_json(&self) -> napi::Result<String> {
        let g = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        let reqs = g.as_ref().map(|h| h.requests()).unwrap_or_default();
        serde_json::to_string(&reqs).map_err(|e| napi::Error::from_reason(e.to_string()))
    }

    #[napi(catch_unwind)]
    pub fn clear_requests(&self) {
        if let Some(h) = self
            .handle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            h.clear_requests();
        }
    }

    /// Inject a fault: `{kind: 'status'|'drop'|'malformed'|'truncate'|'delay'|'slow_body', status?,
    /// body?, headers?, ms?, path_contains?, method?, times?}` as JSON text.
    #[napi(catch_unwind)]
    pub fn inject_json(&self, fault_json: String) -> napi::Result<()> {
        let fault: Fault = serde_json::from_str(&fault_json)
            .map_err(|e| invalid("fault", "fault", e.to_string()))?;
        if let Some(h) = self
            .handle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            h.inject(fault);
        }
        Ok(())
    }

    /// Add records of one resource (`images`, `containers`, `registries`, `tags`, `sensors`,
    /// `reports`, `policies`, `controls`, `events`, `k8s_postures`, `k8s_clusters`), given as a
    /// JSON array text, to the running simulator, all or none; returns how many.
    #[napi(catch_unwind)]
    pub fn add_json(&self, resource: String, records_json: String) -> napi::Result<u32> {
        let r: Resource = resource
            .parse()
            .map_err(|e: String| invalid("resource", "enum", e))?;
        let records: Vec<serde_json::Value> = serde_json::from_str(&records_json)
            .map_err(|e| invalid("records", "array", e.to_string()))?;
        let g = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        let h = g.as_ref().ok_or_else(|| {
            napi::Error::new(napi::Status::GenericFailure, "the simulator was stopped")
        })?;
        let n = h
            .add(r, &records)
            .map_err(|e| invalid("records", "fixture", e.to_string()))?;
        Ok(n as u32)
    }

    /// Stop serving; idempotent.
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        if let Some(h) = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take() {
            h.shutdown();
        }
    }
}
