//! The checks a call's arguments meet before anything is sent, through `Client::dry_run` (the
//! path every call takes, without the network).
//!
//! Filter mode (first byte even): any text as the QQL `filter` of an endpoint that takes one is
//! either refused as a validation error, only when a request line cannot carry it (longer than
//! `MAX_QUERY_VALUE_LEN`) or it is blank, or goes out as exactly one `filter` query value equal
//! to it. No filter the API could read is refused: the client does not judge QQL itself.
//!
//! Arguments mode (first byte odd): any JSON object as the arguments of any endpoint (bodies
//! under their rules: paths, conditions, formats, messages quoting the value) is refused as a
//! validation error or described; nothing panics, and no other kind of error comes out.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qualys_cs::table::{BodyKind, Endpoint, endpoints};
use qualys_cs::{Args, ErrorKind, MAX_QUERY_VALUE_LEN};
use qualys_cs_fuzz::harness;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Every endpoint the client calls through its table (the `/auth` form is its own).
fn callable() -> &'static [&'static Endpoint] {
    static E: OnceLock<Vec<&'static Endpoint>> = OnceLock::new();
    E.get_or_init(|| {
        endpoints()
            .iter()
            .filter(|e| !matches!(e.body.as_ref().map(|b| b.kind), Some(BodyKind::Form)))
            .collect()
    })
}

/// The path parameters of `ep`, each a plain id.
fn ids(ep: &Endpoint) -> Map<String, Value> {
    ep.path_params
        .iter()
        .map(|p| (p.arg.clone(), Value::String("id-1".into())))
        .collect()
}

/// The endpoints taking a `filter` that accept it alone (with their ids): a harmless filter
/// goes through, so a refusal below is the filter's.
fn filtered() -> &'static [&'static Endpoint] {
    static E: OnceLock<Vec<&'static Endpoint>> = OnceLock::new();
    E.get_or_init(|| {
        let c = &harness().client;
        callable()
            .iter()
            .copied()
            .filter(|e| e.query.iter().any(|q| q.arg == "filter"))
            .filter(|e| {
                let mut a = ids(e);
                a.insert("filter".into(), "name:x".into());
                c.dry_run(e, Args(a)).is_ok()
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let [mode, pick, rest @ ..] = data else {
        return;
    };
    let client = &harness().client;
    if mode % 2 == 0 {
        let eps = filtered();
        assert!(eps.len() > 10, "the filtered lists: {}", eps.len());
        let ep = eps[*pick as usize % eps.len()];
        let filter = String::from_utf8_lossy(rest).into_owned();
        let mut args = ids(ep);
        args.insert("filter".into(), Value::String(filter.clone()));
        match client.dry_run(ep, Args(args)) {
            Ok(d) => {
                let u = url::Url::parse(&d.url).expect("a URL");
                let sent: Vec<String> = u
                    .query_pairs()
                    .filter(|(k, _)| k == "filter")
                    .map(|(_, v)| v.into_owned())
                    .collect();
                assert!(filter.len() <= MAX_QUERY_VALUE_LEN, "sent but too long");
                assert_eq!(sent, [filter], "{}: {}", ep.id, d.url);
            }
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Validation, "{}: {e}", ep.id);
                assert!(
                    filter.len() > MAX_QUERY_VALUE_LEN || filter.trim().is_empty(),
                    "{}: a filter refused: {filter:?}: {e}",
                    ep.id
                );
            }
        }
    } else {
        let Ok(Value::Object(given)) = serde_json::from_slice::<Value>(rest) else {
            return;
        };
        let eps = callable();
        let ep = eps[*pick as usize % eps.len()];
        let mut args = ids(ep);
        args.extend(given);
        match client.dry_run(ep, Args(args)) {
            Ok(d) => {
                url::Url::parse(&d.url).expect("a URL");
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::Validation, "{}: {e}", ep.id),
        }
    }
});
