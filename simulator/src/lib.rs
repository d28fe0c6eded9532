//! `qualys-cs-sim`: a local, faithful simulator of the Qualys Container Security API (csapi).
//!
//! The routes come from the endpoint table of the `qualys-cs` crate (`endpoints.json`), so
//! every documented operation answers, with the shapes, quirks and errors API.md describes.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = qualys_cs_sim::Simulator::start(qualys_cs_sim::SimConfig::default()).await?;
//! println!("{}", sim.url()); // http://127.0.0.1:PORT, user/password qualys/qualys
//! # Ok(()) }
//! ```

#![recursion_limit = "256"]

#[doc(hidden)]
pub mod bench;
pub mod cli;
mod clock;
mod collections;
mod config;
mod data;
mod fast;
mod filter;
mod fixtures;
mod handlers;
pub mod options;
mod qql;
mod records;
mod respond;
mod server;
mod state;
mod synth;
mod txt;

pub use fixtures::{FixtureError, Fixtures, Resource};

pub use config::{
    Counts, DEFAULT_API_CLIENT, FAMILIES, Fault, FaultKind, FaultRates, Limit, LinkCase, LinkEnd,
    LoggedRequest, RateLimits, SimConfig, Subscription,
};
pub use options::{OptionError, Spelling};

use state::Sim;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

fn invalid(e: FixtureError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds `127.0.0.1` (port from the config, 0 = ephemeral) and serves on the current tokio
    /// runtime until the handle is shut down or its last clone is dropped.
    pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
        let listener = server::bind(&config).await?;
        let addr = listener.local_addr()?;
        let title_case = config.link_case == LinkCase::Title;
        let sim = Arc::new(Sim::new(config).map_err(invalid)?);
        let (tx, rx) = watch::channel(false);
        tokio::spawn(server::serve(
            listener,
            server::router(sim.clone()),
            rx,
            title_case,
        ));
        Ok(SimHandle {
            inner: Arc::new(Inner {
                sim,
                addr,
                shutdown: tx,
                thread: Mutex::new(None),
            }),
        })
    }

    /// Like [`Simulator::start`] for callers without a runtime (bindings, benchmarks): serves
    /// from its own thread with its own two-worker tokio runtime.
    pub fn spawn(config: SimConfig) -> std::io::Result<SimHandle> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("qualys-cs-sim".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match server::bind(&config).await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let addr = match listener.local_addr() {
                        Ok(a) => a,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let title_case = config.link_case == LinkCase::Title;
                    let sim = match Sim::new(config) {
                        Ok(s) => Arc::new(s),
                        Err(e) => {
                            let _ = ready_tx.send(Err(invalid(e)));
                            return;
                        }
                    };
                    let (tx, rx) = watch::channel(false);
                    let _ = ready_tx.send(Ok((sim.clone(), addr, tx)));
                    server::serve(listener, server::router(sim), rx, title_case).await;
                });
            })?;
        let (sim, addr, shutdown) = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("simulator thread exited before it was ready"))??;
        Ok(SimHandle {
            inner: Arc::new(Inner {
                sim,
                addr,
                shutdown,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }
}

struct Inner {
    sim: Arc<Sim>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A running simulator. Cheap to clone; the server stops on [`SimHandle::shutdown`] or when the
/// last clone is dropped.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("url", &self.url())
            .finish()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.sim.cfg
    }

    /// The logged requests, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.inner.sim.requests()
    }

    pub fn clear_requests(&self) {
        self.inner.sim.clear_requests()
    }

    /// Turns the request log on or off (it stays off when the capacity is 0).
    pub fn set_request_log(&self, on: bool) {
        self.inner.sim.set_logging(on)
    }

    /// Queues a one-shot fault; queued faults take precedence over the random ones.
    pub fn inject(&self, fault: Fault) {
        self.inner.sim.inject(fault)
    }

    /// Adds records of one resource to the running simulator (all or none): shaped like an item
    /// of the API's list answer, missing fields filled, unknown ones kept. Returns how many.
    pub fn add(
        &self,
        resource: Resource,
        records: &[serde_json::Value],
    ) -> Result<usize, FixtureError> {
        self.inner.sim.load(resource, records, None)
    }
    /// [`SimHandle::add`] for images.
    pub fn add_images(&self, records: &[serde_json::Value]) -> Result<usize, FixtureError> {
        self.add(Resource::Images, records)
    }
    /// [`SimHandle::add`] for containers.
    pub fn add_containers(&self, records: &[serde_json::Value]) -> Result<usize, FixtureError> {
        self.add(Resource::Containers, records)
    }
    /// [`SimHandle::add`] for registries.
    pub fn add_registries(&self, records: &[serde_json::Value]) -> Result<usize, FixtureError> {
        self.add(Resource::Registries, records)
    }
    /// [`SimHandle::add`] for tags.
    pub fn add_tags(&self, records: &[serde_json::Value]) -> Result<usize, FixtureError> {
        self.add(Resource::Tags, records)
    }
    /// [`SimHandle::add`] for sensors.
    pub fn add_sensors(&self, records: &[serde_json::Value]) -> Result<usize, FixtureError> {
        self.add(Resource::Sensors, records)
    }

    /// Latency added to every `/csapi` request from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.inner.sim.set_latency(latency)
    }

    /// Stops accepting and closes open connections. Idempotent.
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown.send(true);
        let t = self
            .inner
            .thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(t) = t {
            // Joining from inside the simulator's own runtime would deadlock.
            if std::thread::current().id() != t.thread().id() {
                let _ = t.join();
            }
        }
    }
}
