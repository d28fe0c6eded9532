//! List pages as the bindings read them: the items located as spans in the body (`ItemSpan`,
//! joined by `Page::items_json` into the one JSON text Python and Node parse) must agree with the
//! items decoded as JSON values, for any body: same items, same total, same other keys, or both
//! an error of the same kind (but for a number beyond f64, which only the values refuse). Spans
//! stay inside the body, in order.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qualys_cs::Args;
use qualys_cs::paginate::ItemSpan;
use qualys_cs_fuzz::{assert_roundtrip, harness};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let h = harness();
    // A page-numbered list (`data` + `count`) or a cursor list (`data` + `limit`).
    let (id, size) = if sel % 2 == 0 {
        ("S17", "page_size")
    } else {
        ("P05", "limit")
    };
    let args = || Args::new().set(size, 5);
    h.answer(
        200,
        vec![("content-type".into(), "application/json".into())],
        body,
    );
    let spans = h.rt.block_on(async {
        let mut pages = h.client.paginate::<ItemSpan>(id, args()).unwrap().pages();
        futures::StreamExt::next(&mut pages).await
    });
    let values = h.rt.block_on(async {
        let mut pages = h.client.paginate::<Value>(id, args()).unwrap().pages();
        futures::StreamExt::next(&mut pages).await
    });
    match (spans, values) {
        (Some(Ok(s)), Some(Ok(v))) => {
            let mut last = 0;
            for sp in &s.items {
                assert!(sp.start >= last && sp.start <= sp.end && sp.end <= s.body.len());
                last = sp.end;
            }
            let joined: Vec<Value> =
                serde_json::from_slice(&s.items_json()).expect("items_json is a JSON array");
            assert_eq!(joined, v.items, "spans and values disagree on the items");
            assert_eq!(s.total, v.total);
            assert_eq!(s.extra, v.extra);
            v.items.iter().for_each(assert_roundtrip);
        }
        (Some(Err(a)), Some(Err(b))) => assert_eq!(a.kind(), b.kind(), "{a} / {b}"),
        // A number beyond f64 (`1e400`) is no `Value` (serde_json refuses it), while the bindings'
        // parsers read it as infinity (tests/python/test_convert.py, tests/node/simulator.test.js):
        // the spans locate its item all the same.
        (Some(Ok(_)), Some(Err(e))) if e.to_string().contains("number out of range") => {}
        (a, b) => panic!(
            "spans and values disagree: {:?} / {:?}",
            a.map(|r| r.map(|p| p.items.len())),
            b.map(|r| r.map(|p| p.items.len()))
        ),
    }
});
