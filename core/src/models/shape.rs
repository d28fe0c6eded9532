//! A response as its declared shape (spec/shapes.json), for the bindings and the untyped outputs.
//!
//! The Python and TypeScript types are generated from the same declarations as the Rust models,
//! but they cannot carry Rust's "either form" enums without making every user narrow a union. So
//! where the API sends one of two forms, core hands the bindings the declared one:
//!
//! - a `one_or_many<T>` field holding a single object becomes a one-element list;
//! - `VulnList` (an image vuln response's `details`): `{vulns, driftVulns}` becomes the list of
//!   `vulns`, and `driftVulns` moves beside `details` (nothing the server sent is lost);
//! - `VulnSplit` (a container vuln response's `details`): a plain list becomes `{vulns: [...]}`.
//!
//! The typed Rust models keep the form received ([`OneOrMany`](super::OneOrMany),
//! [`VulnDetails`](super::VulnDetails)), so a decoded response still re-encodes unchanged.

use super::{FieldShape, FieldType, fields_of};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Whether values of `model` can hold a field this module rewrites (directly or in a nested
/// model): the others are handed on untouched, without parsing.
pub fn needs_normalizing(model: &str) -> bool {
    static NEEDS: OnceLock<HashMap<&'static str, bool>> = OnceLock::new();
    let table = NEEDS.get_or_init(|| {
        let mut out = HashMap::new();
        for name in super::generated::MODEL_NAMES {
            let mut seen = Vec::new();
            out.insert(*name, model_needs(name, &mut seen));
        }
        out
    });
    table.get(model).copied().unwrap_or(false)
}

fn model_needs(model: &str, seen: &mut Vec<String>) -> bool {
    // A model that contains itself (`VulnerabilityCount.data`) is looked at once.
    if seen.iter().any(|s| s == model) {
        return false;
    }
    seen.push(model.to_string());
    fields_of(model).is_some_and(|fields| fields.iter().any(|f| type_needs(&f.ty, seen)))
}

fn type_needs(ty: &FieldType, seen: &mut Vec<String>) -> bool {
    match ty {
        FieldType::OneOrMany(_) => true,
        FieldType::Custom(name) => matches!(*name, "VulnList" | "VulnSplit"),
        FieldType::List(inner) => type_needs(inner, seen),
        FieldType::Model(name) => model_needs(name, seen),
        _ => false,
    }
}

/// Rewrite `value` (a response of `model`) into its declared shape; `true` when it changed.
pub fn normalize(model: &str, value: &mut Value) -> bool {
    match (fields_of(model), value) {
        (Some(fields), Value::Object(obj)) if needs_normalizing(model) => object(fields, obj),
        _ => false,
    }
}

fn object(fields: &[FieldShape], obj: &mut Map<String, Value>) -> bool {
    let mut changed = false;
    let mut moved: Option<Value> = None;
    for f in fields {
        let Some(v) = obj.get_mut(f.key) else {
            continue;
        };
        changed |= match f.ty {
            FieldType::Custom("VulnList") => vuln_list(v, &mut moved),
            FieldType::Custom("VulnSplit") => vuln_split(v),
            ty => field(&ty, v),
        };
    }
    if let Some(drift) = moved
        && !obj.contains_key("driftVulns")
    {
        obj.insert("driftVulns".into(), drift);
    }
    changed
}

fn field(ty: &FieldType, v: &mut Value) -> bool {
    match (ty, v) {
        (FieldType::OneOrMany(inner), v @ Value::Object(_)) => {
            let one = v.take();
            *v = Value::Array(vec![one]);
            field(&FieldType::List(inner), v);
            true
        }
        (FieldType::List(inner) | FieldType::OneOrMany(inner), Value::Array(items)) => {
            let mut changed = false;
            for item in items {
                changed |= field(inner, item);
            }
            changed
        }
        (FieldType::Model(name), v @ Value::Object(_)) => normalize(name, v),
        _ => false,
    }
}

/// `{vulns, driftVulns}` -> the list of `vulns`; `driftVulns` is handed back to go beside it.
fn vuln_list(v: &mut Value, moved: &mut Option<Value>) -> bool {
    let Value::Object(split) = v else {
        return false;
    };
    let vulns = match split.remove("vulns") {
        Some(Value::Null) | None => Value::Array(Vec::new()),
        Some(list) => list,
    };
    *moved = split.remove("driftVulns");
    *v = vulns;
    true
}

/// A plain list -> `{vulns: [...]}`.
fn vuln_split(v: &mut Value) -> bool {
    if !v.is_array() {
        return false;
    }
    let list = v.take();
    let mut obj = Map::new();
    obj.insert("vulns".into(), list);
    *v = Value::Object(obj);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_vulns_split_form_becomes_a_list_and_keeps_drift() {
        let mut v = json!({"details": {"vulns": [{"qid": 1}], "driftVulns": [{"qid": 2}]}, "vulnSummary": {}});
        assert!(normalize("ImageVulnerabilities", &mut v));
        assert_eq!(
            v,
            json!({"details": [{"qid": 1}], "vulnSummary": {}, "driftVulns": [{"qid": 2}]})
        );
        // The declared form is left as it is.
        let mut list = json!({"details": [{"qid": 1}]});
        assert!(!normalize("ImageVulnerabilities", &mut list));
        assert_eq!(list, json!({"details": [{"qid": 1}]}));
    }

    #[test]
    fn container_vulns_list_form_becomes_split() {
        let mut v = json!({"details": [{"qid": 1}], "VunlSummary": {}});
        assert!(normalize("ContainerVulnerabilities", &mut v));
        assert_eq!(
            v,
            json!({"details": {"vulns": [{"qid": 1}]}, "VunlSummary": {}})
        );
        let mut split = json!({"details": {"vulns": [], "driftVulns": []}});
        assert!(!normalize("ContainerVulnerabilities", &mut split));
    }

    #[test]
    fn one_object_where_a_list_is_declared_becomes_a_list() {
        let mut v =
            json!({"sha": "s", "softwares": {"name": "openssl"}, "vulnerabilities": [{"qid": 1}]});
        assert!(normalize("ImageDetails", &mut v));
        assert_eq!(v["softwares"], json!([{"name": "openssl"}]));
        assert_eq!(v["vulnerabilities"], json!([{"qid": 1}]));
    }

    #[test]
    fn models_without_such_fields_are_not_touched() {
        assert!(needs_normalizing("ImageDetails"));
        assert!(needs_normalizing("ContainerVulnerabilities"));
        assert!(!needs_normalizing("Image"));
        assert!(!needs_normalizing("VulnerabilityCount"));
        assert!(!needs_normalizing("NoSuchModel"));
        let mut v = json!({"severity5Count": {"odd": 1}});
        assert!(!normalize("VulnerabilityCount", &mut v));
    }
}
