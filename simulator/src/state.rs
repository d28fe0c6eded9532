//! Shared simulator state. Images and containers are generated, so the hot path only reads two
//! small sets (deleted indices); the stored collections sit behind one `RwLock` that only writes
//! take exclusively.

use crate::clock::now_ms;
use crate::config::{Fault, FaultKind, Limit, LoggedRequest, SimConfig};
use crate::filter::Gen;
use crate::fixtures::{FixtureError, Fixtures, Ids, Resource};
use crate::records::{Loaded, Stored};
use crate::synth::{self, World, salt, splitmix};
use axum::http::HeaderMap;
use base64::Engine;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

#[derive(Default)]
pub(crate) struct Deleted {
    pub images: BTreeSet<u64>,
    pub containers: BTreeSet<u64>,
    pub instrumented: HashSet<u64>,
}

pub(crate) struct Window {
    start: Instant,
    used: u32,
}

pub(crate) struct RateCheck {
    pub allowed: bool,
    pub limit: u32,
    pub window_secs: u64,
    pub remaining: u32,
    pub wait_secs: u64,
}

pub(crate) struct Sim {
    pub cfg: SimConfig,
    pub world: World,
    pub stored: RwLock<Stored>,
    pub deleted: RwLock<Deleted>,
    /// Loaded images and containers; the other loaded resources live in `stored`.
    pub loaded: RwLock<Loaded>,
    fixture_ids: Mutex<Ids>,
    tokens: RwLock<HashMap<String, u64>>,
    ids: AtomicU64,
    log: Mutex<VecDeque<LoggedRequest>>,
    log_on: AtomicBool,
    log_seq: AtomicU64,
    faults: Mutex<Vec<Fault>>,
    fault_count: AtomicUsize,
    latency_us: AtomicU64,
    rng: AtomicU64,
    windows: HashMap<String, (Limit, Mutex<Window>)>,
}

impl Sim {
    /// A simulator with the config's fixtures loaded, or the first bad record.
    pub fn new(cfg: SimConfig) -> Result<Sim, FixtureError> {
        let fixtures = cfg.fixtures.clone();
        let sim = Sim::generated(cfg);
        for (r, records) in fixtures.iter() {
            if !records.is_empty() {
                sim.load(r, records, Some(&fixtures))?;
            }
        }
        Ok(sim)
    }

    fn generated(cfg: SimConfig) -> Sim {
        let c = &cfg.counts;
        let world = World::new(cfg.seed, c.images, c.containers, c.sensors, c.registries);
        let mut windows = HashMap::new();
        if cfg.rate_limits.enabled {
            for (fam, lim) in &cfg.rate_limits.families {
                windows.insert(
                    fam.clone(),
                    (
                        *lim,
                        Mutex::new(Window {
                            start: Instant::now(),
                            used: 0,
                        }),
                    ),
                );
            }
        }
        let mut stored = crate::collections::initial(&cfg, &world);
        stored.controls = crate::collections::controls(&world, c.controls);
        stored.events = crate::collections::events(&world, c.events);
        stored.postures = crate::collections::postures(&world, c.k8s_postures);
        stored.clusters = crate::collections::clusters(&world);
        Sim {
            latency_us: AtomicU64::new(cfg.latency.as_micros() as u64),
            log_on: AtomicBool::new(cfg.request_log_capacity > 0),
            rng: AtomicU64::new(0),
            ids: AtomicU64::new(0),
            world,
            stored: RwLock::new(stored),
            deleted: RwLock::new(Deleted::default()),
            loaded: RwLock::new(Loaded::default()),
            fixture_ids: Mutex::new(Ids::new(cfg.seed)),
            tokens: RwLock::new(HashMap::new()),
            log: Mutex::new(VecDeque::new()),
            log_seq: AtomicU64::new(0),
            faults: Mutex::new(Vec::new()),
            fault_count: AtomicUsize::new(0),
            windows,
            cfg,
        }
    }

    /// A fresh id for something created at run time (deterministic per seed and order).
    pub fn new_id(&self) -> u64 {
        splitmix(self.cfg.seed ^ 0x1D5 ^ splitmix(self.ids.fetch_add(1, Ordering::Relaxed)))
    }

    pub fn new_uuid(&self) -> String {
        crate::synth::uuid_from(self.new_id())
    }

    // ---- loaded records ----

    /// Checks, fills and adds records of one resource, all or none. `origin` names the file a
    /// record came from in errors.
    pub fn load(
        &self,
        r: Resource,
        records: &[Value],
        origin: Option<&Fixtures>,
    ) -> Result<usize, FixtureError> {
        let err = |i: usize, m: String| match origin {
            Some(f) => f.error(r, i, m),
            None => FixtureError {
                file: None,
                resource: Some(r),
                index: Some(i),
                message: m,
            },
        };
        let mut ids = self.fixture_ids.lock().unwrap_or_else(|p| p.into_inner());
        if r == Resource::Registries {
            let mut regs = Vec::with_capacity(records.len());
            for (i, v) in records.iter().enumerate() {
                regs.push(crate::fixtures::registry(v, &mut ids).map_err(|m| err(i, m))?);
            }
            let mut st = self.stored.write().unwrap_or_else(|p| p.into_inner());
            for (i, reg) in regs.iter().enumerate() {
                let clash = st
                    .registries
                    .iter()
                    .chain(&regs[..i])
                    .find(|o| o.uuid == reg.uuid || o.uri == reg.uri);
                if let Some(o) = clash {
                    let what = if o.uuid == reg.uuid {
                        format!("registryUuid '{}'", reg.uuid)
                    } else {
                        format!("registryUri '{}'", reg.uri)
                    };
                    return Err(err(
                        i,
                        format!("{what} is already taken by another registry"),
                    ));
                }
            }
            st.registries.extend(regs);
            return Ok(records.len());
        }
        let mut vals = Vec::with_capacity(records.len());
        for (i, v) in records.iter().enumerate() {
            vals.push(crate::fixtures::normalize(r, v, &mut ids).map_err(|m| err(i, m))?);
        }
        drop(ids);
        let keys = crate::fixtures::unique_keys(r);
        let same = |a: &Value, b: &Value| {
            keys.iter()
                .find(|k| !a[**k].is_null() && a[**k] == b[**k])
                .map(|k| format!("{k} {}", a[*k]))
        };
        let taken = |i: usize, v: &Value, existing: &[Value]| -> Result<(), FixtureError> {
            for o in existing.iter().chain(&vals[..i]) {
                if let Some(what) = same(v, o) {
                    return Err(err(i, format!("{what} is already taken by another record")));
                }
            }
            Ok(())
        };
        match r {
            Resource::Images | Resource::Containers => {
                let kind = if r == Resource::Images {
                    Gen::Image
                } else {
                    Gen::Container
                };
                // Checked before taking `loaded`: the lookup reads `deleted`, which is locked
                // after `loaded` everywhere else.
                for (i, v) in vals.iter().enumerate() {
                    for k in ["sha", "uuid"] {
                        let id = v[k].as_str().unwrap_or("");
                        if !id.is_empty() && self.find_generated(id, kind).is_some() {
                            let what = &r.name()[..r.name().len() - 1];
                            return Err(err(
                                i,
                                format!("{k} '{id}' is already taken by a generated {what}"),
                            ));
                        }
                    }
                }
                let mut l = self.loaded.write().unwrap_or_else(|p| p.into_inner());
                let list = if r == Resource::Images {
                    &l.images
                } else {
                    &l.containers
                };
                for (i, v) in vals.iter().enumerate() {
                    taken(i, v, list)?;
                }
                if r == Resource::Images {
                    l.images.extend(vals);
                } else {
                    l.containers.extend(vals);
                }
            }
            Resource::Tags => {
                let mut st = self.stored.write().unwrap_or_else(|p| p.into_inner());
                for (i, v) in vals.iter().enumerate() {
                    taken(i, v, &st.tags)?;
                }
                for mut v in vals {
                    let id = match v["tagId"].as_u64() {
                        Some(id) => id,
                        None => {
                            let id = st.next_tag_id;
                            st.next_tag_id += 1;
                            v["tagId"] = id.into();
                            id
                        }
                    };
                    st.next_tag_id = st.next_tag_id.max(id + 1);
                    if v.get("uuid").is_none() {
                        v["uuid"] = crate::synth::uuid_from(id).into();
                    }
                    st.tags.push(v);
                }
            }
            Resource::Policies => {
                let mut st = self.stored.write().unwrap_or_else(|p| p.into_inner());
                let latest: Vec<Value> = st
                    .policies
                    .iter()
                    .filter_map(|p| p.versions.last().cloned())
                    .collect();
                for (i, v) in vals.iter().enumerate() {
                    taken(i, v, &latest)?;
                }
                st.policies.extend(
                    vals.into_iter()
                        .map(|v| crate::records::Policy { versions: vec![v] }),
                );
            }
            Resource::Registries => unreachable!("handled above"),
            _ => {
                let mut st = self.stored.write().unwrap_or_else(|p| p.into_inner());
                let list = match r {
                    Resource::Sensors => &mut st.sensors,
                    Resource::Reports => &mut st.reports,
                    Resource::Controls => &mut st.controls,
                    Resource::Events => &mut st.events,
                    Resource::K8sPostures => &mut st.postures,
                    _ => &mut st.clusters,
                };
                for (i, v) in vals.iter().enumerate() {
                    taken(i, v, list)?;
                }
                // Number ids left out come after the highest one held.
                if let Some(key) = match r {
                    Resource::Controls => Some("id"),
                    Resource::K8sPostures => Some("controlId"),
                    _ => None,
                } {
                    let top = |l: &[Value]| l.iter().filter_map(|v| v[key].as_u64()).max();
                    let first = top(list).max(top(&vals)).map_or(1, |m| m + 1);
                    let missing = vals.iter_mut().filter(|v| v[key].is_null());
                    for (id, v) in (first..).zip(missing) {
                        v[key] = id.into();
                    }
                }
                list.extend(vals);
            }
        }
        Ok(records.len())
    }

    // ---- request log ----
    pub fn logging(&self) -> bool {
        self.log_on.load(Ordering::Relaxed)
    }
    pub fn set_logging(&self, on: bool) {
        self.log_on
            .store(on && self.cfg.request_log_capacity > 0, Ordering::Relaxed);
    }
    pub fn next_seq(&self) -> u64 {
        self.log_seq.fetch_add(1, Ordering::Relaxed)
    }
    pub fn log_seq(&self) -> u64 {
        self.log_seq.load(Ordering::Relaxed)
    }
    pub fn push_log(&self, e: LoggedRequest) {
        let mut l = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if l.len() >= self.cfg.request_log_capacity {
            l.pop_front();
        }
        l.push_back(e);
    }
    pub fn requests(&self) -> Vec<LoggedRequest> {
        let mut v: Vec<_> = self
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect();
        v.sort_by_key(|e| e.seq);
        v
    }
    pub fn clear_requests(&self) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    // ---- latency and faults ----
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_us.load(Ordering::Relaxed))
    }
    pub fn set_latency(&self, d: Duration) {
        self.latency_us
            .store(d.as_micros() as u64, Ordering::Relaxed);
    }
    pub fn inject(&self, f: Fault) {
        if f.times == 0 {
            return;
        }
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(f);
        self.fault_count.fetch_add(1, Ordering::Release);
    }
    /// The first queued fault matching the request, consumed once.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<FaultKind> {
        if self.fault_count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut q = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let pos = q.iter().position(|f| f.matches(method, path))?;
        let kind = q[pos].kind.clone();
        q[pos].times -= 1;
        if q[pos].times == 0 {
            q.remove(pos);
            self.fault_count.fetch_sub(1, Ordering::Release);
        }
        Some(kind)
    }
    /// Draws the configured random faults from a seeded sequence (lock-free).
    pub fn random_fault(&self) -> Option<FaultKind> {
        let r = &self.cfg.faults;
        if r.error_rate <= 0.0
            && r.drop_rate <= 0.0
            && r.malformed_rate <= 0.0
            && r.truncate_rate <= 0.0
        {
            return None;
        }
        let n = self.rng.fetch_add(1, Ordering::Relaxed);
        let mut x = splitmix(self.cfg.seed ^ 0xFA17_FA17 ^ splitmix(n));
        let mut draw = || {
            x = splitmix(x);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        if draw() < r.drop_rate {
            return Some(FaultKind::Drop);
        }
        if draw() < r.error_rate {
            let pick = (x >> 3) % 6;
            let status = [500, 502, 503][(pick % 3) as usize];
            // Half the time a gateway-style HTML page instead of the Qualys JSON body.
            let body = (pick >= 3).then(|| {
                let reason = match status {
                    500 => "Internal Server Error",
                    502 => "Bad Gateway",
                    _ => "Service Temporarily Unavailable",
                };
                format!("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n")
            });
            return Some(FaultKind::Status {
                status,
                body,
                headers: Default::default(),
            });
        }
        if draw() < r.malformed_rate {
            return Some(FaultKind::Malformed);
        }
        if draw() < r.truncate_rate {
            return Some(FaultKind::Truncate);
        }
        None
    }

    // ---- auth ----
    pub fn issue_token(&self, user: &str, permissions: bool) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let now = now_ms();
        let exp_ms = now + self.cfg.token_ttl.as_millis() as u64;
        let jti = self.new_uuid();
        let mut payload = serde_json::json!({
            "sub": user,
            "iss": "qualys-cs-sim",
            "iat": now / 1000,
            "exp": exp_ms.div_ceil(1000),
            "jti": jti,
            "customerUuid": self.world.customer_uuid,
        });
        if permissions {
            payload["permissions"] =
                serde_json::json!(["CS.IMAGE.VIEW", "CS.CONTAINER.VIEW", "CS.REGISTRY.MANAGE"]);
        }
        let head = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = b64(payload.to_string().as_bytes());
        let mut sig = Vec::with_capacity(32);
        let mut x = self.cfg.seed ^ 0x5EC2E7;
        for b in head.bytes().chain(body.bytes()) {
            x = splitmix(x ^ b as u64);
        }
        for _ in 0..4 {
            x = splitmix(x);
            sig.extend_from_slice(&x.to_be_bytes());
        }
        let token = format!("{head}.{body}.{}", b64(&sig));
        let mut t = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        // Forget expired tokens now and then so a long benchmark does not grow the map.
        if t.len() > 10_000 {
            t.retain(|_, exp| *exp > now);
        }
        t.insert(token.clone(), exp_ms);
        token
    }

    /// The user behind the request's credentials, or why not.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<String, &'static str> {
        let Some(h) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Err("Full authentication is required to access this resource");
        };
        let h = h
            .to_str()
            .map_err(|_| "Invalid Authorization header")?
            .trim();
        let (scheme, cred) = h.split_once(' ').ok_or("Invalid Authorization header")?;
        let cred = cred.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(cred)
                .map_err(|_| "Invalid basic authentication token")?;
            let s = String::from_utf8(raw).map_err(|_| "Invalid basic authentication token")?;
            let (u, p) = s
                .split_once(':')
                .ok_or("Invalid basic authentication token")?;
            if u == self.cfg.username && p == self.cfg.password {
                Ok(u.to_string())
            } else {
                Err("Bad credentials")
            }
        } else if scheme.eq_ignore_ascii_case("bearer") {
            let t = self.tokens.read().unwrap_or_else(|p| p.into_inner());
            match t.get(cred) {
                Some(&exp) if exp > now_ms() => Ok(self.cfg.username.clone()),
                Some(_) => Err("JWT token has expired"),
                None => Err("Invalid JWT token"),
            }
        } else {
            Err("Unsupported authorization scheme")
        }
    }

    // ---- rate limits ----
    pub fn rate_check(&self, family: &str) -> Option<RateCheck> {
        let (lim, w) = self.windows.get(family)?;
        let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if now.duration_since(w.start) >= lim.window {
            w.start = now;
            w.used = 0;
        }
        let window_secs = lim.window.as_secs_f64().ceil() as u64;
        if w.used >= lim.calls {
            let left = lim.window.saturating_sub(now.duration_since(w.start));
            return Some(RateCheck {
                allowed: false,
                limit: lim.calls,
                window_secs,
                remaining: 0,
                wait_secs: (left.as_secs_f64().ceil() as u64).max(1),
            });
        }
        w.used += 1;
        Some(RateCheck {
            allowed: true,
            limit: lim.calls,
            window_secs,
            remaining: lim.calls - w.used,
            wait_secs: 0,
        })
    }

    // ---- generated collections ----
    pub fn image_live(&self, i: u64) -> bool {
        i < self.world.images
            && !self
                .deleted
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .images
                .contains(&i)
    }
    pub fn container_live(&self, j: u64) -> bool {
        j < self.world.containers
            && !self
                .deleted
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .containers
                .contains(&j)
    }

    /// The index of the live generated image or container with this uuid or (short or full) sha:
    /// what the handlers look items up by, and what a loaded record may not reuse.
    pub(crate) fn find_generated(&self, id: &str, kind: Gen) -> Option<u64> {
        let w = &self.world;
        let id = id.trim().trim_start_matches("sha256:").to_ascii_lowercase();
        let (n, us, ss) = match kind {
            Gen::Image => (w.images, salt::IMG_UUID, salt::IMG_SHORT),
            Gen::Container => (w.containers, salt::CTR_UUID, salt::CTR_SHORT),
        };
        let i = if id.contains('-') {
            let i = synth::index_of_uuid(w.seed, us, &id)?;
            let u = if kind == Gen::Image {
                w.img_uuid(i)
            } else {
                w.ctr_uuid(i)
            };
            (i < n && u == id).then_some(i)?
        } else {
            let i = synth::index_of_short(w.seed, ss, &id)?;
            if i >= n {
                return None;
            }
            let sha = if kind == Gen::Image {
                w.img_sha(i)
            } else {
                w.ctr_sha(i)
            };
            sha.starts_with(&id).then_some(i)?
        };
        let live = if kind == Gen::Image {
            self.image_live(i)
        } else {
            self.container_live(i)
        };
        live.then_some(i)
    }
}
