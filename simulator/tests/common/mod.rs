#![allow(dead_code)]

use qualys_cs_sim::{SimConfig, SimHandle, Simulator};
use reqwest::{Client, Method, Response};
use serde_json::Value;
use std::sync::Once;

pub fn client() -> Client {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    Client::builder().build().expect("client")
}

pub struct T {
    pub sim: SimHandle,
    pub c: Client,
}

impl T {
    pub async fn new(cfg: SimConfig) -> T {
        T {
            sim: Simulator::start(cfg).await.expect("start"),
            c: client(),
        }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.url(), path)
    }
    pub fn req(&self, m: Method, path: &str) -> reqwest::RequestBuilder {
        self.c
            .request(m, self.url(path))
            .basic_auth("qualys", Some("qualys"))
    }
    pub async fn get(&self, path: &str) -> Response {
        self.req(Method::GET, path).send().await.expect("send")
    }
    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        let s = r.status();
        let t = r.text().await.expect("body");
        assert!(s.is_success(), "GET {path}: {s} {t}");
        serde_json::from_str(&t).unwrap_or_else(|e| panic!("GET {path}: {e}: {t}"))
    }
    pub async fn send_json(&self, m: Method, path: &str, body: &Value) -> (u16, String) {
        let r = self.req(m, path).json(body).send().await.expect("send");
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }
    pub async fn first_image(&self) -> Value {
        self.get_json("/csapi/v1.3/images?pageSize=1").await["data"][0].clone()
    }
    pub async fn first_container(&self) -> Value {
        self.get_json("/csapi/v1.3/containers?pageSize=1").await["data"][0].clone()
    }
}

pub fn fixture(name: &str) -> Value {
    let p = format!(
        "{}/../tests/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .expect("fixture json")
}

pub fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}
