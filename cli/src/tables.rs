//! The tables for people: per list model, the columns of spec/tables.json (key paths of the
//! model's declared fields, each with a display format), and the formats themselves (short
//! digests, `repository:tag`, severity counts, sizes in SI units, relative times).

use qualys_cs::models::{FieldType, fields_of};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// How a table cell shows its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellFormat {
    Text,
    Sha12,
    RepoTag,
    Bytes,
    Time,
    Counts,
}

/// One declared column: a key path of the model, its title and format.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableColumn {
    pub key: String,
    pub title: String,
    pub format: CellFormat,
}

#[derive(Deserialize)]
struct Tables {
    tables: BTreeMap<String, Vec<TableColumn>>,
}

static TABLES: LazyLock<BTreeMap<String, Vec<TableColumn>>> = LazyLock::new(|| {
    serde_json::from_str::<Tables>(qualys_cs::table::TABLES_JSON)
        .expect("spec/tables.json is checked by the tests")
        .tables
});

/// The declared table columns of a model, if spec/tables.json names it.
pub fn columns_of(model: &str) -> Option<&'static [TableColumn]> {
    TABLES.get(model).map(Vec::as_slice)
}

/// Every model spec/tables.json names, with its columns (for the tests).
#[cfg(test)]
pub fn all() -> &'static BTreeMap<String, Vec<TableColumn>> {
    &TABLES
}

/// The declared type of a key path (`host.hostname`) of `model`, walking nested models (and lists
/// of them), or `None` when the model does not declare it.
pub fn declared_type(model: &str, path: &str) -> Option<FieldType> {
    let mut fields = fields_of(model)?;
    let mut segments = path.split('.').peekable();
    while let Some(seg) = segments.next() {
        let f = fields.iter().find(|f| f.key == seg)?;
        if segments.peek().is_none() {
            return Some(f.ty);
        }
        let inner = match f.ty {
            FieldType::List(t) | FieldType::OneOrMany(t) => *t,
            t => t,
        };
        fields = match inner {
            FieldType::Model(name) => fields_of(name)?,
            _ => return None,
        };
    }
    None
}

/// The value at a key path of `item` (objects only: `host.hostname`).
pub fn lookup<'a>(item: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = item;
    for seg in path.split('.') {
        cur = cur.as_object()?.get(seg)?;
    }
    Some(cur)
}

/// A cell's text: strings as they are, `null` empty, lists of strings joined by `, `, anything
/// else nested as compact JSON.
pub fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(v) => v.to_string(),
    }
}

/// An integer sent as a number or as text.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value in `format`, `now_ms` being the time relative times count from.
pub fn format(v: Option<&Value>, format: CellFormat, now_ms: i64) -> String {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return String::new();
    };
    match format {
        CellFormat::Text => text(Some(v)),
        CellFormat::Sha12 => match v.as_str() {
            Some(s) => {
                let s = s.strip_prefix("sha256:").unwrap_or(s);
                s.chars().take(12).collect()
            }
            None => text(Some(v)),
        },
        CellFormat::RepoTag => repo_tag(v),
        CellFormat::Bytes => integer(v).map_or_else(|| text(Some(v)), bytes),
        CellFormat::Time => {
            let ms = integer(v).or_else(|| v.as_str().and_then(qualys_cs::columns::parse_iso));
            ms.map_or_else(|| text(Some(v)), |ms| time(ms, now_ms))
        }
        CellFormat::Counts => counts(v),
    }
}

/// `repository:tag` of the first entry of a list of ImageRepo, `+N` for the others.
fn repo_tag(v: &Value) -> String {
    let Some(list) = v.as_array() else {
        return text(Some(v));
    };
    let Some(first) = list.first() else {
        return String::new();
    };
    let part = |k: &str| first.get(k).and_then(Value::as_str).unwrap_or("");
    let mut s = match (part("repository"), part("tag")) {
        ("", "") => String::new(),
        (r, "") => r.to_owned(),
        (r, t) => format!("{r}:{t}"),
    };
    if list.len() > 1 {
        s.push_str(&format!(" +{}", list.len() - 1));
    }
    s
}

/// A size in bytes in SI units, as `docker images` shows them: `441 MB`, `4.4 GB`, `512 B`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v.abs() >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else if v.abs() < 9.95 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// A time relative to `now_ms` within 30 days (`5m ago`, `3d ago`, `in 2h`), else its ISO date:
/// how recent something is matters most for recent things.
pub fn time(ms: i64, now_ms: i64) -> String {
    const DAY: i64 = 86_400_000;
    let diff = now_ms - ms;
    if diff.abs() >= 30 * DAY {
        return qualys_cs::columns::iso_ms(ms)[..10].to_owned();
    }
    let a = diff.abs() / 1000;
    let span = match a {
        0..60 => format!("{a}s"),
        60..3600 => format!("{}m", a / 60),
        3600..86_400 => format!("{}h", a / 3600),
        _ => format!("{}d", a / 86_400),
    };
    if diff >= 0 {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

/// VulnerabilityCount's severity 5, 4 and 3 counts, `2/0/14` (also read from its `data`).
fn counts(v: &Value) -> String {
    let of = |o: &Value, s: u8| o.get(format!("severity{s}Count")).and_then(integer);
    let src = match v.get("data") {
        Some(d) if of(v, 5).is_none() && d.is_object() => d,
        _ => v,
    };
    if !src.is_object() {
        return text(Some(v));
    }
    [5, 4, 3]
        .iter()
        .map(|s| of(src, *s).map_or_else(|| "-".to_owned(), |n| n.to_string()))
        .collect::<Vec<_>>()
        .join("/")
}

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The models and their fields as spec/shapes.json declares them.
    fn shapes() -> BTreeMap<String, Vec<(String, String)>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/shapes.json");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        doc["models"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, m)| {
                let fields = m["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        (
                            f["key"].as_str().unwrap().to_owned(),
                            f["type"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                (name.clone(), fields)
            })
            .collect()
    }

    #[test]
    fn every_column_names_keys_its_model_declares() {
        let shapes = shapes();
        assert!(!all().is_empty());
        for (model, columns) in all() {
            assert!(!columns.is_empty(), "{model}: no columns");
            for c in columns {
                // Walk the path through spec/shapes.json itself: each segment a declared key,
                // each inner segment's field a model (or a list of one).
                let mut fields = shapes
                    .get(model)
                    .unwrap_or_else(|| panic!("{model} is not a model of spec/shapes.json"));
                let segments: Vec<&str> = c.key.split('.').collect();
                for (i, seg) in segments.iter().enumerate() {
                    let (_, ty) = fields
                        .iter()
                        .find(|(k, _)| k == seg)
                        .unwrap_or_else(|| panic!("{model}: `{}` names no declared key", c.key));
                    if i + 1 < segments.len() {
                        let inner = ty
                            .strip_prefix("list<")
                            .and_then(|t| t.strip_suffix('>'))
                            .unwrap_or(ty);
                        fields = shapes
                            .get(inner)
                            .unwrap_or_else(|| panic!("{model}: `{}`: {ty} has no keys", c.key));
                    }
                }
                assert!(declared_type(model, &c.key).is_some(), "{model}.{}", c.key);
                // A format reads the type it is for.
                let ty = declared_type(model, &c.key).unwrap();
                let fits = match c.format {
                    CellFormat::Time => ty == FieldType::Time,
                    CellFormat::Bytes => matches!(ty, FieldType::Int | FieldType::IntText),
                    CellFormat::Counts => ty == FieldType::Model("VulnerabilityCount"),
                    CellFormat::RepoTag => ty == FieldType::List(&FieldType::Model("ImageRepo")),
                    CellFormat::Sha12 => ty == FieldType::Str,
                    CellFormat::Text => true,
                };
                assert!(fits, "{model}.{}: {:?} on {ty:?}", c.key, c.format);
            }
        }
        // Each paged list's model has a table.
        for ep in qualys_cs::table::endpoints() {
            if ep.pagination.is_some() {
                let model = ep.response.model.as_deref().unwrap();
                assert!(
                    columns_of(model).is_some(),
                    "{}: {model} has no table",
                    ep.id
                );
            }
        }
    }

    #[test]
    fn formats() {
        let now = 1_700_000_000_000;
        let f = |v: Value, fmt| format(Some(&v), fmt, now);
        assert_eq!(
            f(json!("sha256:5feff05d0648a65feac79"), CellFormat::Sha12),
            "5feff05d0648"
        );
        assert_eq!(
            f(json!("5feff05d0648a65f"), CellFormat::Sha12),
            "5feff05d0648"
        );
        let repos = json!([{"registry": "r", "repository": "acme/app", "tag": "1.2"},
                           {"repository": "acme/app", "tag": "latest"}]);
        assert_eq!(f(repos, CellFormat::RepoTag), "acme/app:1.2 +1");
        assert_eq!(f(json!([]), CellFormat::RepoTag), "");
        assert_eq!(f(json!(681_551_047), CellFormat::Bytes), "682 MB");
        assert_eq!(f(json!("441000000"), CellFormat::Bytes), "441 MB");
        assert_eq!(f(json!(4_400_000_000i64), CellFormat::Bytes), "4.4 GB");
        assert_eq!(f(json!(512), CellFormat::Bytes), "512 B");
        let counts = json!({"severity5Count": 2, "severity4Count": 0, "severity3Count": 14});
        assert_eq!(f(counts, CellFormat::Counts), "2/0/14");
        let nested =
            json!({"data": {"severity5Count": 1, "severity4Count": 2, "severity3Count": 3}});
        assert_eq!(f(nested, CellFormat::Counts), "1/2/3");
        let day = 86_400_000;
        assert_eq!(
            f(json!((now - 3 * day).to_string()), CellFormat::Time),
            "3d ago"
        );
        assert_eq!(f(json!(now - 90_000), CellFormat::Time), "1m ago");
        assert_eq!(f(json!(now - 5 * 3_600_000), CellFormat::Time), "5h ago");
        assert_eq!(f(json!(now + 2 * 3_600_000), CellFormat::Time), "in 2h");
        assert_eq!(f(json!("1700000000000"), CellFormat::Time), "0s ago");
        assert_eq!(f(json!(now - 40 * day), CellFormat::Time), "2023-10-05");
        assert_eq!(
            f(json!("2023-01-02T03:04:05Z"), CellFormat::Time),
            "2023-01-02"
        );
        assert_eq!(f(json!("soon"), CellFormat::Time), "soon");
        assert_eq!(format(None, CellFormat::Time, now), "");
        assert_eq!(f(Value::Null, CellFormat::Bytes), "");
        assert_eq!(f(json!(["a", "b"]), CellFormat::Text), "a, b");
        assert_eq!(f(json!({"k": 1}), CellFormat::Text), "{\"k\":1}");
    }

    #[test]
    fn declared_types_walk_nested_models() {
        assert_eq!(declared_type("Image", "created"), Some(FieldType::Time));
        assert_eq!(
            declared_type("Container", "host.hostname"),
            Some(FieldType::Str)
        );
        assert_eq!(declared_type("Image", "repo.tag"), Some(FieldType::Str));
        assert_eq!(declared_type("Image", "nope"), None);
        assert_eq!(declared_type("Image", "sha.x"), None);
        assert_eq!(declared_type("Nope", "sha"), None);
    }
}
