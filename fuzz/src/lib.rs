//! What the fuzz targets share: one client whose transport answers every request with the bytes
//! a target chose (and records the request), and one runtime to drive it. The client's own code
//! runs unchanged above the transport: argument checks, path and query building, the page and
//! item decoding that the bindings' converters rely on.

use qualys_cs::client::{Transport, TransportError};
use qualys_cs::{Client, Output};
use std::sync::{Arc, Mutex, OnceLock};

/// The answer the transport gives, and the requests it saw.
#[derive(Default)]
pub struct Script {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The URLs of the requests sent, in order.
    pub sent: Vec<String>,
}

struct Canned(Arc<Mutex<Script>>);

impl Transport for Canned {
    fn send(
        &self,
        request: reqwest::Request,
    ) -> futures::future::BoxFuture<'static, Result<reqwest::Response, TransportError>> {
        let mut s = self.0.lock().unwrap();
        s.sent.push(request.url().to_string());
        let mut b = http::Response::builder().status(s.status);
        for (k, v) in &s.headers {
            b = b.header(k, v);
        }
        let resp = b.body(s.body.clone()).map(reqwest::Response::from);
        Box::pin(async move { resp.map_err(TransportError::other) })
    }
}

pub struct Harness {
    pub client: Client,
    pub script: Arc<Mutex<Script>>,
    pub rt: tokio::runtime::Runtime,
}

/// The base URL the client is built with (nothing is ever sent there).
pub const BASE: &str = "http://127.0.0.1:9";

/// The process-wide harness: building a client per input would dominate the run.
pub fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let script = Arc::new(Mutex::new(Script {
            status: 200,
            ..Script::default()
        }));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let client = rt.block_on(async {
            Client::builder()
                .base_url(BASE)
                .token("fuzz-token")
                .max_retries(0)
                .rate_limit(false)
                .transport(Arc::new(Canned(script.clone())))
                .build()
                .expect("the client builds")
        });
        Harness { client, script, rt }
    })
}

impl Harness {
    /// Answer the next requests with `status`, `headers` and `body`; forget earlier requests.
    pub fn answer(&self, status: u16, headers: Vec<(String, String)>, body: &[u8]) {
        let mut s = self.script.lock().unwrap();
        s.status = status;
        s.headers = headers;
        s.body = body.to_vec();
        s.sent.clear();
    }

    pub fn sent(&self) -> Vec<String> {
        self.script.lock().unwrap().sent.clone()
    }
}

/// A JSON value's text parses back to the same value.
pub fn assert_roundtrip(v: &serde_json::Value) {
    let text = serde_json::to_vec(v).expect("a decoded value serialises");
    let back: serde_json::Value = serde_json::from_slice(&text).expect("its text parses");
    assert_eq!(&back, v, "the value survives its own text");
}

/// An output's JSON value, if it is one.
pub fn json_of(o: &Output) -> Option<&serde_json::Value> {
    match o {
        Output::Json(v) => Some(v),
        _ => None,
    }
}
