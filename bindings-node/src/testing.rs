//! `NativeSimulator`: the embedded csapi simulator (`qualys-cs-sim`) for users' own tests, behind
//! `qualys-cs/testing`. It runs on its own thread and runtime (not napi's), so starting one from a
//! test does not depend on, or block, the client's calls.

use crate::errors::invalid;
use napi_derive::napi;
use qualys_cs_sim::{Fault, SimConfig, SimHandle, Simulator};
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
        if let Some(p) = o.port {
            cfg.port =
                u16::try_from(p).map_err(|_| invalid("port", "range", "must be a port number"))?;
        }
        let (username, password) = (cfg.username.clone(), cfg.password.clone());
        let handle = Simulator::spawn(cfg).map_err(|e| {
            napi::Error::new(napi::Status::GenericFailure, format!("simulator: {e}"))
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

    /// Stop serving; idempotent.
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        if let Some(h) = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take() {
            h.shutdown();
        }
    }
}
