//! Property tests of request building: for any id, filter, sort, extra query pair and body, the
//! client either refuses before sending (a validation error naming the field) or sends a request
//! the server reads back exactly as given. The requests go through a recording transport: the
//! real URL and body the HTTP client would put on the wire.

use futures::future::BoxFuture;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use qualys_cs::client::{Transport, TransportError};
use qualys_cs::{Args, Client, Error, ErrorKind, RequestOptions};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<(String, Option<Vec<u8>>)>>,
    body: Mutex<Vec<u8>>,
}

impl Transport for Recorder {
    fn send(
        &self,
        req: reqwest::Request,
    ) -> BoxFuture<'static, Result<reqwest::Response, TransportError>> {
        let body = req.body().and_then(|b| b.as_bytes()).map(<[u8]>::to_vec);
        self.sent
            .lock()
            .unwrap()
            .push((req.url().to_string(), body));
        let answer = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(self.body.lock().unwrap().clone())
            .unwrap();
        Box::pin(async move { Ok(reqwest::Response::from(answer)) })
    }
}

thread_local! {
    /// One client per test thread: building one per case would dominate the run.
    static FIXTURE: &'static Fixture = Box::leak(Box::new(Fixture::new()));
}

fn fixture() -> &'static Fixture {
    FIXTURE.with(|f| *f)
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    client: Client,
    rec: Arc<Recorder>,
}

impl Fixture {
    fn new() -> Fixture {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let rec = Arc::new(Recorder::default());
        let client = rt.block_on(async {
            Client::builder()
                .base_url("http://127.0.0.1:9")
                .token("t")
                .max_retries(0)
                .rate_limit(false)
                .transport(rec.clone())
                .build()
                .unwrap()
        });
        Fixture { rt, client, rec }
    }

    /// Answer with `body`; forget what was sent before.
    fn answer(&self, body: &str) {
        *self.rec.body.lock().unwrap() = body.as_bytes().to_vec();
        self.rec.sent.lock().unwrap().clear();
    }

    fn sent(&self) -> Vec<(url::Url, Option<Vec<u8>>)> {
        self.rec
            .sent
            .lock()
            .unwrap()
            .iter()
            .map(|(u, b)| (url::Url::parse(u).unwrap(), b.clone()))
            .collect()
    }
}

fn args(v: Value) -> Args {
    Args(v.as_object().cloned().unwrap())
}

/// A refusal is a validation error naming `field`, and nothing was sent.
fn refused(f: &Fixture, e: &Error, field: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.kind(), ErrorKind::Validation, "{}", e);
    match e {
        Error::Validation { field: got, .. } => prop_assert_eq!(got.as_str(), field),
        _ => unreachable!(),
    }
    prop_assert!(f.sent().is_empty(), "refused but sent");
    Ok(())
}

/// Text with the characters that break URLs: separators, escapes, dots, controls, non-ASCII.
fn nasty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![
                "/", "\\", "?", "#", "%", "%2e", "%2F", ".", "..", " ", "+", "&", "=", ";", "\r",
                "\n", "\0", "é", "😀", "\u{200b}", "*", ":", "@", "[", "]",
            ])
            .prop_map(str::to_owned),
            "[a-zA-Z0-9]{1,4}",
            any::<char>().prop_map(String::from),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(|f| json!(f)),
        nasty().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(nasty(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// An id is one path segment: the server decodes exactly the id, under the endpoint's path.
    #[test]
    fn an_id_is_one_segment(id in nasty()) {
        let f = fixture();
        f.answer("{}");
        match f.rt.block_on(f.client.call("S19", args(json!({"sha": id})))) {
            Err(e) => refused(f, &e, "sha")?,
            Ok(_) => {
                let sent = f.sent();
                prop_assert_eq!(sent.len(), 1);
                let u = &sent[0].0;
                let rest = u.path().strip_prefix("/csapi/v1.3/images/");
                prop_assert!(rest.is_some(), "{} escapes the endpoint's path", u);
                let rest = rest.unwrap();
                prop_assert!(!rest.contains('/'), "{}", u);
                prop_assert_eq!(percent_decode_str(rest).decode_utf8_lossy(), id.as_str());
                prop_assert_eq!(u.query(), None);
            }
        }
    }

    /// Filter, sort, page size and extra query pairs arrive as given, each once, in order.
    #[test]
    fn a_query_arrives_as_given(
        filter in nasty(),
        sort in nasty(),
        size in 1u32..=1000,
        extra in prop::collection::vec(("[a-z]{1,6}", nasty()), 0..3),
    ) {
        let f = fixture();
        f.answer(r#"{"data": [], "count": 0}"#);
        let opts = RequestOptions { extra_query: extra.clone(), ..RequestOptions::default() };
        let c = f.client.with_options(opts);
        let a = args(json!({"filter": filter, "sort": sort, "page_size": size}));
        let out = f.rt.block_on(async {
            let mut pages = c.paginate::<Value>("S17", a)?.pages();
            futures::StreamExt::next(&mut pages).await.unwrap()
        });
        match out {
            Err(Error::Validation { field, .. }) => {
                prop_assert!(["filter", "sort", "page_size"].contains(&field.as_str()), "{}", field);
                prop_assert!(f.sent().is_empty());
            }
            Err(e) => prop_assert!(false, "{}", e),
            Ok(_) => {
                let sent = f.sent();
                prop_assert_eq!(sent.len(), 1);
                let u = &sent[0].0;
                prop_assert_eq!(u.path(), "/csapi/v1.3/images");
                let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
                let get = |k: &str| pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
                prop_assert_eq!(get("filter"), vec![filter.clone()]);
                prop_assert_eq!(get("sort"), vec![sort.clone()]);
                prop_assert_eq!(get("pageSize"), vec![size.to_string()]);
                prop_assert_eq!(get("pageNumber"), vec!["1".to_owned()]);
                // The extra pairs come after the endpoint's own, in the order given.
                let n = extra.len();
                let tail: Vec<(String, String)> = pairs[pairs.len() - n..].to_vec();
                prop_assert_eq!(tail, extra);
            }
        }
    }

    /// A body is sent as the JSON given (the server parses back the same value) or refused as
    /// `body` before sending.
    #[test]
    fn a_body_arrives_as_given(body in prop_oneof![
        json_value(),
        (nasty(), prop::collection::btree_map("[a-zA-Z]{1,8}", json_value(), 0..4)).prop_map(|(name, rest)| {
            let mut m: serde_json::Map<String, Value> = rest.into_iter().collect();
            m.insert("name".into(), Value::from(name));
            Value::Object(m)
        }),
    ]) {
        let f = fixture();
        f.answer("{}");
        // tags.create: a free-form object body (P25).
        match f.rt.block_on(f.client.call("P25", args(json!({"body": body})))) {
            Err(e) => {
                prop_assert_eq!(e.kind(), ErrorKind::Validation, "{}", e);
                prop_assert!(f.sent().is_empty(), "refused but sent");
            }
            Ok(_) => {
                let sent = f.sent();
                prop_assert_eq!(sent.len(), 1);
                let bytes = sent[0].1.clone().expect("a body");
                let back: Value = serde_json::from_slice(&bytes).expect("the body is JSON");
                prop_assert_eq!(back, body);
            }
        }
    }
}
