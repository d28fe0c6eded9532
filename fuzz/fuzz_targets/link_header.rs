//! The `link` header parser of cursor lists: any bytes as one or more header values never panic
//! and never give an empty cursor; a well-formed `<url>;rel=next` gives its cursor back exactly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qualys_cs::paginate::next_cursor;
use reqwest::header::{HeaderMap, HeaderValue, LINK};

fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    for part in data.split(|b| *b == b'\n') {
        if let Ok(v) = HeaderValue::from_bytes(part) {
            headers.append(LINK, v);
        }
    }
    if let Some(c) = next_cursor(&headers, "paginationQuery") {
        assert!(!c.is_empty(), "an empty cursor would restart the list");
    }

    let Ok(cursor) = std::str::from_utf8(data) else {
        return;
    };
    if cursor.is_empty() {
        return;
    }
    // The documented form: another host, the cursor form-encoded among other parameters.
    let mut u = url::Url::parse("http://qualysapi.qualys.com/csapi/v1.3/images/list?limit=5")
        .expect("a URL");
    u.query_pairs_mut().append_pair("paginationQuery", cursor);
    let mut h = HeaderMap::new();
    h.insert(
        LINK,
        HeaderValue::from_str(&format!("<{u}>;rel=next")).expect("an encoded URL is a header"),
    );
    assert_eq!(
        next_cursor(&h, "paginationQuery").as_deref(),
        Some(cursor),
        "{u}"
    );
});
