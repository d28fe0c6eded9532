//! Each rule kind on its own, at its boundaries: what passes, what is refused, and the field,
//! rule name and message the refusal carries.

use super::*;
use serde_json::json;

fn rule(v: Value) -> Rule {
    serde_json::from_value(v).expect("a rule")
}

fn ok(root: Value, r: Value) {
    if let Err(e) = check(&root, &[rule(r.clone())], "body") {
        panic!("{root} under {r}: {e}");
    }
}

/// The refusal's field, rule and message.
fn refused(root: Value, r: Value) -> (String, String, String) {
    match check(&root, &[rule(r.clone())], "body") {
        Err(Error::Validation {
            field,
            rule,
            message,
        }) => (field, rule, message),
        other => panic!("{root} under {r}: {other:?}"),
    }
}

#[test]
fn a_path_reaches_every_value_under_it() {
    let v = json!({"a": {"b": 1}, "l": [{"x": 1}, {"y": 2}, 3], "s": "t"});
    let paths = |p: &str| -> Vec<(String, Option<Value>)> {
        resolve(&v, p)
            .into_iter()
            .map(|(p, x)| (p, x.cloned()))
            .collect()
    };
    assert_eq!(paths("$"), [("$".to_owned(), Some(v.clone()))]);
    assert_eq!(paths("a.b"), [("a.b".to_owned(), Some(json!(1)))]);
    assert_eq!(paths("a.zz"), [("a.zz".to_owned(), None)]);
    assert_eq!(
        paths("l[]"),
        [
            ("l[0]".to_owned(), Some(json!({"x": 1}))),
            ("l[1]".to_owned(), Some(json!({"y": 2}))),
            ("l[2]".to_owned(), Some(json!(3))),
        ]
    );
    // Items that are not objects have no fields; absent ones are absent.
    assert_eq!(
        paths("l[].x"),
        [
            ("l[0].x".to_owned(), Some(json!(1))),
            ("l[1].x".to_owned(), None)
        ]
    );
    assert!(paths("s[]").is_empty(), "not a list");
    assert!(paths("zz.b").is_empty(), "an absent parent leaves nothing");
    assert!(paths("s.b").is_empty(), "a text has no fields");
}

#[test]
fn literals_and_comparisons() {
    assert_eq!(literal("true"), json!(true));
    assert_eq!(literal("false"), json!(false));
    assert_eq!(literal("null"), Value::Null);
    assert_eq!(literal("7"), json!(7.0));
    assert_eq!(literal("AWS"), json!("AWS"));
    assert_eq!(num(&json!(2)), Some(2.0));
    assert_eq!(num(&json!("2")), None);
    // Numbers compare by value whatever their JSON form.
    assert!(compare(&json!(7), "==", &json!(7.0)));
    assert!(!compare(&json!(7), "!=", &json!(7.0)));
    assert!(compare(&json!("a"), "!=", &json!("b")));
    assert!(!compare(&json!("a"), "==", &json!("b")));
    for (l, op, r, want) in [
        (7, ">=", 7, true),
        (6, ">=", 7, false),
        (7, "<=", 7, true),
        (8, "<=", 7, false),
        (8, ">", 7, true),
        (7, ">", 7, false),
        (6, "<", 7, true),
        (7, "<", 7, false),
        (7, "~", 7, false),
    ] {
        assert_eq!(compare(&json!(l), op, &json!(r)), want, "{l} {op} {r}");
    }
    // Order needs two numbers.
    assert!(!compare(&json!("8"), ">", &json!(7)));
    assert!(!compare(&json!(8), ">", &json!("7")));
}

#[test]
fn conditions_bind_and_tighter_than_or() {
    let v = json!({"a": 1, "b": 2, "t": "x"});
    assert!(holds(&v, "a == 1 and b == 2"));
    assert!(!holds(&v, "a == 1 and b == 3"));
    assert!(holds(&v, "a == 9 or b == 2"));
    assert!(!holds(&v, "a == 9 or b == 9"));
    assert!(holds(&v, "a == 9 and b == 9 or t == x"));
    assert!(holds(&v, "a>=1"), "no spaces needed");
    assert!(holds(&v, "zz == null"), "an absent field is null");
    assert!(!holds(&v, "a"), "a clause without an operator never holds");
    assert!(!holds(&v, "true"));
}

#[test]
fn formats_at_their_boundaries() {
    for good in ["00:00", "23:59", "09:05"] {
        assert!(check_format("HH:MM", good), "{good}");
    }
    for bad in [
        "24:00", "12:60", "1a:00", "12:0a", "12-30", "123:0", "12:300", "", "a2:00",
    ] {
        assert!(!check_format("HH:MM", bad), "{bad}");
    }
    let ts = "2026-03-20T11:41:00Z";
    assert!(check_format("iso8601_utc", ts));
    assert!(check_format("iso8601_utc", "2026-03-20T11:41:00.5Z"));
    // Each separator and each digit group in turn.
    for (i, c) in [
        (4, '/'),
        (7, '/'),
        (10, ' '),
        (13, '.'),
        (16, '.'),
        (19, 'z'),
        (0, 'x'),
        (5, 'x'),
        (8, 'x'),
        (11, 'x'),
        (14, 'x'),
        (17, 'x'),
    ] {
        let mut b = ts.as_bytes().to_vec();
        b[i] = c as u8;
        let s = String::from_utf8(b).unwrap();
        assert!(!check_format("iso8601_utc", &s), "{s}");
    }
    for bad in [
        "2026-03-20T11:41:00",
        "2026-03-20T11:41:00.5",
        "2026-03-20T11:41:00,5Z",
        "2026-03-20T11:41:00.5xZ",
        "2026-03-20T11:41Z",
    ] {
        assert!(!check_format("iso8601_utc", bad), "{bad}");
    }
    assert!(check_format("base64", ""));
    assert!(!check_format("base64", "a"));
    assert!(
        check_format("some_new_format", "anything"),
        "unknown: not checked"
    );
}

#[test]
fn a_long_value_is_cut_in_messages_at_a_character() {
    let sixty = "x".repeat(58); // 60 with its quotes
    assert_eq!(show(&json!(sixty)), format!("\"{sixty}\""));
    let long = "y".repeat(59);
    assert_eq!(show(&json!(long)), format!("\"{}…", "y".repeat(59)));
    // Two-byte characters: byte 60 falls inside one, the cut is before it.
    let accents = "é".repeat(40);
    assert_eq!(show(&json!(accents)), format!("\"{}…", "é".repeat(29)));
}

#[test]
fn every_rule_kind_has_its_name() {
    for (kind, name) in [
        ("range", "range"),
        ("only_if", "only_if"),
        ("enum", "enum"),
        ("at_least_one_of", "at_least_one_of"),
        ("exactly_one_of", "exactly_one_of"),
        ("required_fields", "required_fields"),
        ("max_length", "max_length"),
        ("min_items", "min_items"),
        ("format", "format"),
        ("keys_in", "keys_in"),
    ] {
        let r = rule(json!({"field": "$", "rule": kind}));
        assert_eq!(rule_name(r.rule), name);
    }
}

#[test]
fn a_range_includes_its_ends() {
    let r = json!({"field": "n", "rule": "range", "min": 1, "max": 365});
    for n in [json!(1), json!(365), json!(7.5)] {
        ok(json!({"n": n}), r.clone());
    }
    ok(json!({}), r.clone());
    ok(json!({"n": null}), r.clone());
    for n in [json!(0), json!(366), json!(0.999), json!("7"), json!(true)] {
        let (f, name, m) = refused(json!({"n": n}), r.clone());
        assert_eq!((f.as_str(), name.as_str()), ("n", "range"));
        assert!(m.contains("from 1 to 365"), "{m}");
    }
    // An open end is unbounded.
    ok(
        json!({"n": -1e300}),
        json!({"field": "n", "rule": "range", "max": 5}),
    );
    ok(
        json!({"n": 1e300}),
        json!({"field": "n", "rule": "range", "min": 5}),
    );
}

#[test]
fn an_enum_takes_its_values_only() {
    let r = json!({"field": "t", "rule": "enum", "values": ["IMAGE", "CONTAINER", 3]});
    ok(json!({"t": "IMAGE"}), r.clone());
    ok(json!({"t": 3.0}), r.clone());
    ok(json!({"t": null}), r.clone());
    ok(json!({}), r.clone());
    let (f, name, m) = refused(json!({"t": "POD"}), r.clone());
    assert_eq!((f.as_str(), name.as_str()), ("t", "enum"));
    assert_eq!(m, r#"must be one of "IMAGE", "CONTAINER", 3, got "POD""#);
}

#[test]
fn a_rule_with_a_condition_applies_only_when_it_holds() {
    let r = json!({"field": "n", "rule": "range", "max": 5, "when": "on == true"});
    ok(json!({"on": false, "n": 9}), r.clone());
    let (f, ..) = refused(json!({"on": true, "n": 9}), r);
    assert_eq!(f, "n");
}

#[test]
fn only_if_restricts_a_field_or_one_of_its_values() {
    // Any value of `schedule` only when not on demand.
    let r = json!({"field": "schedule", "rule": "only_if", "when": "onDemand == false"});
    ok(json!({"onDemand": false, "schedule": "19:30"}), r.clone());
    ok(json!({"onDemand": true}), r.clone());
    ok(json!({"onDemand": true, "schedule": null}), r.clone());
    let (f, name, m) = refused(json!({"onDemand": true, "schedule": "19:30"}), r);
    assert_eq!((f.as_str(), name.as_str()), ("schedule", "only_if"));
    assert_eq!(m, r#"may be set only when onDemand == false (got "19:30")"#);
    // One value only under the condition; others always.
    let r = json!({"field": "forceScan", "rule": "only_if", "value": true, "when": "n == 1"});
    ok(json!({"n": 3, "forceScan": false}), r.clone());
    ok(json!({"n": 1, "forceScan": true}), r.clone());
    let (_, _, m) = refused(json!({"n": 3, "forceScan": true}), r);
    assert_eq!(m, "may be true only when n == 1 (got true)");
    // A format checked where the field is allowed.
    let r = json!({"field": "at", "rule": "only_if", "when": "a == 1", "format": "HH:MM"});
    ok(json!({"a": 1, "at": "10:00"}), r.clone());
    let (f, name, m) = refused(json!({"a": 1, "at": "25:00"}), r.clone());
    assert_eq!((f.as_str(), name.as_str()), ("at", "only_if"));
    assert!(m.contains("format HH:MM"), "{m}");
    ok(json!({"a": 1, "at": 5}), r);
}

#[test]
fn a_format_rule_wants_text_of_that_format() {
    let r = json!({"field": "t", "rule": "format", "format": "iso8601_utc"});
    ok(json!({"t": "2026-03-20T11:41:00Z"}), r.clone());
    ok(json!({"t": null}), r.clone());
    for bad in [json!("2026-03-20"), json!(20260320)] {
        let (f, name, m) = refused(json!({ "t": bad }), r.clone());
        assert_eq!((f.as_str(), name.as_str()), ("t", "format"));
        assert!(
            m.starts_with("must be a string with the format iso8601_utc"),
            "{m}"
        );
    }
}

#[test]
fn either_or_rules_count_the_fields_set() {
    let at_least = json!({"field": "$", "rule": "at_least_one_of", "fields": ["a", "b"]});
    ok(json!({"a": 1}), at_least.clone());
    ok(json!({"a": 1, "b": 2}), at_least.clone());
    let (f, name, m) = refused(json!({"a": null, "c": 1}), at_least.clone());
    assert_eq!(
        (f.as_str(), name.as_str(), m.as_str()),
        (
            "body",
            "at_least_one_of",
            "at least one of a, b is required"
        )
    );
    let exactly = json!({"field": "o", "rule": "exactly_one_of", "fields": ["a", "b"]});
    ok(json!({"o": {"b": false}}), exactly.clone());
    ok(json!({}), exactly.clone());
    ok(json!({"o": "not an object"}), exactly.clone());
    let (f, name, m) = refused(json!({"o": {"a": 1, "b": 2}}), exactly.clone());
    assert_eq!(
        (f.as_str(), name.as_str(), m.as_str()),
        (
            "o",
            "exactly_one_of",
            "exactly one of a, b may be given, got 2"
        )
    );
    let (_, _, m) = refused(json!({"o": {}}), exactly);
    assert_eq!(m, "at least one of a, b is required");
}

#[test]
fn required_fields_are_named_by_their_full_path() {
    let r = json!({"field": "tags[]", "rule": "required_fields", "fields": ["name", "id"]});
    ok(json!({"tags": [{"name": "n", "id": 1}]}), r.clone());
    ok(json!({"tags": ["not an object"]}), r.clone());
    let (f, name, m) = refused(json!({"tags": [{"name": "n", "id": 1}, {"name": "m"}]}), r);
    assert_eq!(
        (f.as_str(), name.as_str(), m.as_str()),
        ("tags[1].id", "required_fields", "is required")
    );
    let top = json!({"field": "$", "rule": "required_fields", "fields": ["name"]});
    let (f, ..) = refused(json!({"name": null}), top);
    assert_eq!(f, "name");
}

#[test]
fn a_max_length_counts_characters() {
    let r = json!({"field": "s", "rule": "max_length", "max": 3});
    ok(json!({"s": "abc"}), r.clone());
    ok(json!({"s": "éèê"}), r.clone());
    ok(json!({"s": 12345}), r.clone());
    let (f, name, m) = refused(json!({"s": "abcd"}), r);
    assert_eq!(
        (f.as_str(), name.as_str(), m.as_str()),
        ("s", "max_length", "must be at most 3 characters, got 4")
    );
}

#[test]
fn a_list_needs_its_least_items() {
    let r = json!({"field": "ids", "rule": "min_items", "min": 2});
    ok(json!({"ids": [1, 2]}), r.clone());
    ok(json!({"ids": null}), r.clone());
    let (f, name, m) = refused(json!({"ids": [1]}), r.clone());
    assert_eq!(
        (f.as_str(), name.as_str(), m.as_str()),
        ("ids", "min_items", "needs at least 2 item(s), got 1")
    );
    let (_, _, m) = refused(json!({"ids": "1,2"}), r);
    assert_eq!(m, r#"must be a list, got "1,2""#);
    ok(
        json!({"ids": []}),
        json!({"field": "ids", "rule": "min_items"}),
    );
}

#[test]
fn keys_in_names_the_key_not_allowed() {
    let r = json!({"field": "m", "rule": "keys_in", "values": ["image", "container"]});
    ok(json!({"m": {"image": "x", "container": "y"}}), r.clone());
    ok(json!({"m": "not an object"}), r.clone());
    let (f, name, m) = refused(json!({"m": {"image": "x", "pod": "y"}}), r);
    assert_eq!(
        (f.as_str(), name.as_str(), m.as_str()),
        (
            "m.pod",
            "keys_in",
            r#"is not an allowed key; expected one of "image", "container""#
        )
    );
}

#[test]
fn the_first_rule_broken_is_the_one_reported() {
    let rules = [
        rule(json!({"field": "a", "rule": "enum", "values": [1]})),
        rule(json!({"field": "b", "rule": "enum", "values": [1]})),
    ];
    match check(&json!({"a": 1, "b": 2}), &rules, "query") {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "b"),
        other => panic!("{other:?}"),
    }
    let at_least = [rule(
        json!({"field": "$", "rule": "at_least_one_of", "fields": ["x"]}),
    )];
    match check(&json!({}), &at_least, "query") {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "query"),
        other => panic!("{other:?}"),
    }
}
