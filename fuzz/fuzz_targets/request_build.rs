//! Path and query building: any id and filter either are refused before anything is sent (a
//! validation error) or are sent so that the server reads back exactly what was given: the id
//! as one path segment under the endpoint's path (no escaping it with `/`, `\`, dot segments or
//! `?`), the filter as one query value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;
use qualys_cs::{Args, ErrorKind};
use qualys_cs_fuzz::harness;

const PREFIX: &str = "/csapi/v1.3/images/";

fuzz_target!(|data: &[u8]| {
    let (id, filter) = match data.iter().position(|b| *b == 0xff) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let (id, filter) = (String::from_utf8_lossy(id), String::from_utf8_lossy(filter));
    let h = harness();

    h.answer(200, vec![], b"{}");
    let out = h.rt.block_on(h.client.call("S19", Args::new().set("sha", id.as_ref())));
    let sent = h.sent();
    match out {
        Err(e) if e.kind() == ErrorKind::Validation => assert!(sent.is_empty(), "refused but sent"),
        Err(e) => panic!("an id is refused as a validation error or sent: {e}"),
        Ok(_) => {
            assert_eq!(sent.len(), 1);
            let u = url::Url::parse(&sent[0]).expect("a URL");
            let rest = u
                .path()
                .strip_prefix(PREFIX)
                .unwrap_or_else(|| panic!("{} escapes {PREFIX}", u.path()));
            assert!(!rest.contains('/'), "one segment: {rest}");
            assert_eq!(percent_decode_str(rest).decode_utf8_lossy(), id, "{u}");
            assert_eq!(u.query(), None);
        }
    }

    h.answer(200, vec![], br#"{"data": [], "count": 0}"#);
    let args = Args::new().set("filter", filter.as_ref()).set("page_size", 5);
    let out = h.rt.block_on(async {
        let mut pages = h.client.paginate::<serde_json::Value>("S17", args)?.pages();
        futures::StreamExt::next(&mut pages).await.expect("a first page")
    });
    let sent = h.sent();
    match out {
        Err(e) if e.kind() == ErrorKind::Validation => assert!(sent.is_empty(), "refused but sent"),
        Err(e) => panic!("a filter is refused as a validation error or sent: {e}"),
        Ok(_) => {
            assert_eq!(sent.len(), 1);
            let u = url::Url::parse(&sent[0]).expect("a URL");
            assert_eq!(u.path(), "/csapi/v1.3/images");
            let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
            let filters: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| k == "filter")
                .map(|(_, v)| v.as_str())
                .collect();
            assert_eq!(filters, [filter.as_ref()], "{u}");
            assert!(pairs.contains(&("pageSize".into(), "5".into())), "{u}");
        }
    }
});
