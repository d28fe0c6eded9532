//! `NativeSimulator`: the embedded csapi simulator (`qualys-cs-sim`) for users' own tests, behind
//! `qualys-cs/testing`. It runs on its own thread and runtime (not napi's), so starting one from a
//! test does not depend on, or block, the client's calls.

use crate::errors::invalid;
use napi_derive::napi;
use qualys_cs_sim::{Fault, Resource, SimConfig, SimHandle, Simulator, Spelling};
use std::sync::Mutex;

#[napi]
pub struct NativeSimulator {
    handle: Mutex<Option<SimHandle>>,
    url: String,
    username: String,
    password: String,
}

#[napi]
impl NativeSimulator {
    /// `options_json`: `startSimulator`'s options as JSON text, read by the simulator crate's one
    /// reader (`SimConfig::from_json`, as the command line's flags and Python's keywords are) in
    /// Node's spelling: camelCase, durations in the unit their names say (`latencyMs`,
    /// `tokenTtl` in seconds). An unknown name or a bad value is refused, naming it.
    #[napi(factory, catch_unwind)]
    pub fn start(options_json: Option<String>) -> napi::Result<NativeSimulator> {
        let options: serde_json::Value = match options_json {
            Some(j) => {
                serde_json::from_str(&j).map_err(|e| invalid("options", "json", e.to_string()))?
            }
            None => serde_json::Value::Object(Default::default()),
        };
        let cfg = SimConfig::from_json(&options, Spelling::Camel)
            .map_err(|e| invalid(&e.option, "option", e.message))?;
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

    /// The option names the simulator reads in Node's spelling (the keys of `SimulatorOptions` in
    /// testing.d.ts, checked against it by a test).
    #[napi(catch_unwind)]
    pub fn option_names() -> Vec<String> {
        qualys_cs_sim::options::option_names(Spelling::Camel)
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
