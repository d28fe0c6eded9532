//! A single call's answer as the bindings convert it (`Output`): any body under any content type
//! never panics; a JSON output is the body's JSON exactly and survives its own text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qualys_cs::{Args, Output};
use qualys_cs_fuzz::{assert_roundtrip, harness};
use serde_json::Value;

const TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some("text/plain"),
    None,
    Some("text/html; charset=utf-8"),
    Some("application/json; charset=iso-8859-1"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let h = harness();
    let headers = TYPES[sel as usize % TYPES.len()]
        .map(|t| vec![("content-type".to_owned(), t.to_owned())])
        .unwrap_or_default();
    h.answer(200, headers, body);
    // An image's details (JSON) and the activation key (documented as text or JSON).
    for (id, args) in [
        ("S19", Args::new().set("sha", "abc")),
        ("P14", Args::new()),
    ] {
        let out = h.rt.block_on(h.client.call(id, args));
        if let Ok(Output::Json(v)) = &out {
            assert_roundtrip(v);
            if let Ok(parsed) = serde_json::from_slice::<Value>(body) {
                assert_eq!(&parsed, v, "a JSON output is the body's JSON");
            }
        }
    }
});
