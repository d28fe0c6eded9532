//! The client options' one reader (`OptionLayer::read`) in every entry point's spelling: any
//! JSON object is read into checked values or refused as a validation error naming a key the
//! caller gave (in the caller's spelling), and never echoes a secret option's value. A layer read
//! sets a client builder and the client builds, or is refused as a validation or configuration
//! error; nothing panics.
//!
//! The first byte picks the spelling (Python, Node, flags, config file, environment); the rest is
//! JSON: an object is read as given, and a list of `[index, value]` pairs names the option of that
//! index in the spelling, so that values meet known names.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qualys_cs::ErrorKind;
use qualys_cs::client::settings::{
    CLIENT_OPTIONS, ClientOption, Kind, OptionLayer, OptionValue, Spelling, respell,
};
use qualys_cs_fuzz::harness;
use serde_json::{Map, Value};

const SPELLINGS: [Spelling; 5] = [
    Spelling::Python,
    Spelling::Node,
    Spelling::Flag,
    Spelling::Config,
    Spelling::Env,
];

fn options_of(v: Value, spelling: Spelling) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        Value::Array(pairs) => Some(
            pairs
                .into_iter()
                .filter_map(|p| {
                    let [i, v] = <[Value; 2]>::try_from(p.as_array()?.clone()).ok()?;
                    let i = i.as_u64()? as usize;
                    let o = CLIENT_OPTIONS.get(i % CLIENT_OPTIONS.len())?;
                    Some((o.spelled(spelling), v))
                })
                .collect(),
        ),
        _ => None,
    }
}

/// What a value read for `o` must be.
fn check_value(o: &ClientOption, v: &OptionValue) {
    match (o.kind, v) {
        (Kind::Str, OptionValue::Text(_)) | (Kind::Secret, OptionValue::Secret(_)) => {}
        (Kind::Enum(values), OptionValue::Text(t)) => assert!(
            values.iter().any(|x| x.eq_ignore_ascii_case(t.trim())),
            "{}: {t:?}",
            o.name
        ),
        (Kind::Duration, OptionValue::Duration(_)) => {}
        (Kind::Count, OptionValue::Count(n)) => assert!(*n <= o.max, "{}: {n}", o.name),
        (Kind::Bool, OptionValue::Bool(_)) => {}
        (kind, v) => panic!("{}: {kind:?} read as {v:?}", o.name),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let spelling = SPELLINGS[*pick as usize % SPELLINGS.len()];
    let Ok(v) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    let Some(map) = options_of(v, spelling) else {
        return;
    };
    let layer = match OptionLayer::read(&map, spelling) {
        Ok(l) => l,
        Err(e) => {
            let qualys_cs::Error::Validation { field, message, .. } = &e else {
                panic!("not a validation error: {e:?}");
            };
            assert!(map.contains_key(field), "{field:?} is not a key given: {e}");
            if let Some(o) = ClientOption::find(field, spelling)
                && o.kind == Kind::Secret
            {
                let shown = map[field].to_string();
                assert!(
                    shown.len() < 4 || !message.contains(&shown),
                    "a secret's value in the message: {message}"
                );
            }
            return;
        }
    };
    for (key, value) in &map {
        let o = ClientOption::find(key, spelling).expect("read only known names");
        match layer.get(o.name) {
            None => assert!(
                value.is_null() || matches!(o.kind, Kind::Callback | Kind::DurationPair),
                "{key}: {value} was not read"
            ),
            Some(v) => check_value(o, v),
        }
    }
    // A client from it, as every entry point builds one (in the runtime the bindings have).
    let built = match layer.apply(qualys_cs::Client::builder()) {
        Ok(b) => {
            let _guard = harness().rt.enter();
            b.build().map(drop)
        }
        Err(e) => Err(respell(e, spelling)),
    };
    if let Err(e) = built {
        assert!(
            matches!(e.kind(), ErrorKind::Validation | ErrorKind::Config),
            "{e:?}"
        );
    }
});
