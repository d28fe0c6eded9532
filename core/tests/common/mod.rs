//! Shared helpers of the integration tests: an in-process simulator and a client pointed at it.
#![allow(dead_code)]

use futures::StreamExt;
use qualys_cs::{Client, ClientBuilder};
use qualys_cs_sim::{SimConfig, SimHandle, Simulator};
use std::time::Duration;

pub async fn sim(config: SimConfig) -> SimHandle {
    Simulator::start(config)
        .await
        .expect("the simulator starts")
}

/// A client for `sim` with short retry delays so fault tests stay fast.
pub fn sim_client(sim: &SimHandle) -> ClientBuilder {
    Client::builder()
        .base_url(sim.url())
        .credentials("qualys", "qualys")
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
        .timeout(Duration::from_secs(20))
}

/// The sha of the first image `client` lists (one call, on the `images/list` family).
pub async fn first_sha(client: &Client) -> String {
    let first = client
        .images()
        .list(qualys_cs::api::ImagesListParams::default().page_size(1))
        .expect("valid arguments")
        .pages()
        .next()
        .await
        .expect("a first page")
        .expect("the first page loads");
    first.items[0]
        .sha
        .as_deref()
        .expect("the image has a sha")
        .to_owned()
}

pub fn args(v: serde_json::Value) -> qualys_cs::Args {
    qualys_cs::Args(v.as_object().cloned().expect("args are an object"))
}

/// A plain reqwest client for talking to the simulator directly (reqwest is built without a
/// default TLS provider; the core installs ring on its first client, tests may run first).
pub fn raw_http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
