//! The rules that end a list, each on its own: the last page of a page-numbered list, the pages
//! the record cap allows, a cursor that ends the list or cycles, a page the server repeats, the
//! page bound, and the size and prefetch a list is walked with.

use super::*;
use crate::error::ErrorKind;
use reqwest::header::{HeaderMap, HeaderValue};

const PATH: &str = "/csapi/v1.3/images/list";

#[test]
fn a_short_page_is_the_last() {
    assert!(last_page(0, 1));
    assert!(last_page(49, 50));
    assert!(!last_page(50, 50));
    assert!(!last_page(51, 50));
}

#[test]
fn the_page_count_follows_the_total_and_stops_at_the_record_cap() {
    assert_eq!(page_count(0, 50, None), 1, "the first page is always there");
    assert_eq!(page_count(1, 50, None), 1);
    assert_eq!(page_count(50, 50, None), 1);
    assert_eq!(page_count(51, 50, None), 2);
    assert_eq!(page_count(1_000_000, 50, None), 20_000);
    // The images and containers lists serve 10,000 records at most.
    assert_eq!(page_count(25_000, 1000, Some(10_000)), 10);
    assert_eq!(page_count(9_500, 1000, Some(10_000)), 10);
    assert_eq!(
        page_count(25_000, 3000, Some(10_000)),
        3,
        "no page past the cap"
    );
    assert_eq!(page_count(25_000, 20_000, Some(10_000)), 1);
}

#[test]
fn records_left_behind_the_cap_are_reported() {
    assert_eq!(cut_by_cap(25_000, 10, 1000, Some(10_000)), Some(10_000));
    assert_eq!(cut_by_cap(10_000, 10, 1000, Some(10_000)), None);
    assert_eq!(cut_by_cap(9_999, 10, 1000, Some(10_000)), None);
    assert_eq!(
        cut_by_cap(25_000, 10, 1000, None),
        None,
        "no cap, nothing cut"
    );
    assert_eq!(
        cut_by_cap(u64::MAX, u64::MAX, 2, Some(1)),
        None,
        "no overflow"
    );
}

#[test]
fn a_repeated_page_body_stops_the_list_naming_both_pages() {
    let mut g = LoopGuard::default();
    g.page(PATH, b"{\"data\":[1]}").unwrap();
    g.page(PATH, b"{\"data\":[2]}").unwrap();
    let e = g.page(PATH, b"{\"data\":[1]}").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Pagination);
    let text = e.to_string();
    assert!(text.starts_with(PATH), "{text}");
    assert!(text.contains("page 3 repeats page 1"), "{text}");
}

#[test]
fn a_list_stops_after_the_page_bound() {
    let mut g = LoopGuard::default();
    for n in 0..MAX_PAGES {
        g.page(PATH, &n.to_le_bytes()).unwrap();
    }
    let e = g.page(PATH, &MAX_PAGES.to_le_bytes()).unwrap_err();
    assert!(e.to_string().contains("more than 100000 pages"), "{e}");
    assert!(g.page(PATH, &(MAX_PAGES + 1).to_le_bytes()).is_err());
}

#[test]
fn distinct_bodies_hash_apart() {
    assert_ne!(hash_of(b"a"), hash_of(b"b"));
    assert_eq!(hash_of(b"page"), hash_of(b"page"));
}

#[test]
fn a_cursor_list_follows_new_cursors_and_ends_or_stops_on_old_ones() {
    let mut g = LoopGuard::default();
    let follow = |n: Next| match n {
        Next::Follow(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(follow(g.after(PATH, None, Some("A".into()))), "A");
    // The same cursor again (the last page linking to itself) ends the list.
    assert!(matches!(
        g.after(PATH, Some("A"), Some("A".into())),
        Next::End
    ));
    assert!(matches!(g.after(PATH, Some("A"), None), Next::End));
    assert!(matches!(g.after(PATH, None, None), Next::End));
    assert_eq!(follow(g.after(PATH, Some("A"), Some("B".into()))), "B");
    // A, B, A: a cycle, an error once the page is delivered.
    match g.after(PATH, Some("B"), Some("A".into())) {
        Next::Cycle(e) => {
            assert_eq!(e.kind(), ErrorKind::Pagination);
            assert!(e.to_string().contains("already used"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

fn link(values: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for v in values {
        h.append("link", HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn the_next_cursor_comes_from_a_next_link_only() {
    let next = |v: &[&str]| next_cursor(&link(v), "paginationQuery");
    // No `rel` at all: the one link there is, is the next page.
    assert_eq!(next(&["</x?paginationQuery=abc>"]).as_deref(), Some("abc"));
    assert_eq!(next(&["</x?paginationQuery=abc>; rel=\"prev\""]), None);
    assert_eq!(
        next(&["</x?paginationQuery=p>; rel=prev, </x?paginationQuery=n>; rel=next"]).as_deref(),
        Some("n")
    );
    assert_eq!(
        next(&["<http://x/?paginationQuery=p>; rel=\"prev\", <http://x/?paginationQuery=n>; rel=\"next\""]).as_deref(),
        Some("n")
    );
    // The quirk of URLs closed by `<`, in a list.
    assert_eq!(
        next(&["</x?paginationQuery=p<; rel=prev,</x?paginationQuery=n<;rel=next"]).as_deref(),
        Some("n")
    );
    // A comma inside a URL, or after a URL left open, is the cursor's.
    assert_eq!(
        next(&["</x?paginationQuery=a,b>;rel=next"]).as_deref(),
        Some("a,b")
    );
    assert_eq!(
        next(&["</x?paginationQuery=a, <;rel=next"]).as_deref(),
        Some("a,")
    );
    assert_eq!(
        next(&["</x?paginationQuery=a>,junk, </x?paginationQuery=b>"]).as_deref(),
        Some("a")
    );
    assert_eq!(link_values("<a>, <b>,<c>"), ["<a>", " <b>", "<c>"]);
    assert_eq!(link_values("<a>,b,<c>"), ["<a>,b", "<c>"]);
    assert_eq!(link_values("a,<b>"), ["a,<b>"]);
    assert_eq!(link_values("<a,<b>"), ["<a,<b>"]);
    // The first value without one does not hide the next.
    assert_eq!(
        next(&["null", "</x?limit=2&paginationQuery=second>;rel=next"]).as_deref(),
        Some("second")
    );
    // The cursor's own parameter, not the first one; an empty one is none.
    assert_eq!(next(&["</x?limit=2&paginationQuery=>;rel=next"]), None);
    assert_eq!(next(&["</x?limit=2>;rel=next"]), None);
    assert_eq!(next(&["", "  "]), None);
    assert_eq!(next(&["<>;rel=next"]), None);
}

fn client() -> Client {
    Client::builder()
        .base_url("https://csapi.test")
        .token("tok-0000")
        .build()
        .unwrap()
}

fn pager(id: &str, args: Args, prefetch: Option<usize>) -> Result<Pager<Value>> {
    client().paginate_with(crate::table::lookup(id)?, args, None, prefetch)
}

#[test]
fn the_page_size_is_the_callers_or_the_largest_the_list_serves() {
    let p = pager("S17", Args::new(), None).unwrap();
    assert_eq!(p.page_size(), 1000);
    assert_eq!(p.endpoint().path, "/csapi/v1.3/images");
    let p = pager("S17", Args::new().set("page_size", 20), None).unwrap();
    assert_eq!(p.page_size(), 20);
    // Taken out of the query: each page adds its own.
    assert!(!p.ctx.prepared.query.iter().any(|(k, _)| k == "pageSize"));
    // No largest size stated: the table's default, else 50.
    assert_eq!(pager("S08", Args::new(), None).unwrap().page_size(), 50);
    assert_eq!(pager("S20", Args::new(), None).unwrap().page_size(), 50);
    assert_eq!(pager("P05", Args::new(), None).unwrap().page_size(), 250);
}

#[test]
fn the_prefetch_scales_down_for_large_pages() {
    let depth = |id: &str, size: Option<(&str, u64)>, given: Option<usize>| {
        let args = match size {
            Some((name, s)) => Args::new().set(name, s),
            None => Args::new(),
        };
        pager(id, args, given).unwrap().ctx.prefetch
    };
    // Page numbers: about 4,000 items buffered, within the client's 16.
    assert_eq!(depth("S17", None, None), 4);
    assert_eq!(depth("S17", Some(("page_size", 500)), None), 8);
    assert_eq!(depth("S17", Some(("page_size", 10)), None), 16);
    assert_eq!(
        depth("S08", Some(("page_size", 3000)), None),
        2,
        "two pages at least"
    );
    // Cursors: about 1,000.
    assert_eq!(depth("P05", None, None), 4);
    assert_eq!(depth("P05", Some(("limit", 100)), None), 10);
    // A depth given is taken as given, but never 0.
    assert_eq!(depth("S17", None, Some(40)), 40);
    assert_eq!(depth("S17", None, Some(0)), 1);
}

#[test]
fn only_a_paginated_list_has_a_pager() {
    let e = pager("S19", Args::new().set("sha", "abc"), None)
        .err()
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.to_string().contains("not a paginated list"), "{e}");
}

#[test]
fn a_list_without_a_largest_size_pages_at_the_tables_default() {
    // The table's defaults are all 50 today, the fallback's value too: an entry with another
    // default tells them apart.
    let mut table: Value = serde_json::from_str(crate::table::ENDPOINTS_JSON).unwrap();
    let entry = table["endpoints"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["id"] == "S08")
        .unwrap();
    for q in entry["query"].as_array_mut().unwrap() {
        if q["name"] == "pageSize" {
            q["default"] = serde_json::json!(25);
        }
    }
    let ep: Endpoint = serde_json::from_value(entry.clone()).unwrap();
    assert_eq!(default_size(&ep, ep.pagination.as_ref().unwrap()), Some(25));
    let s20 = crate::table::lookup("S20").unwrap();
    assert_eq!(default_size(s20, s20.pagination.as_ref().unwrap()), None);
}
