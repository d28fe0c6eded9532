//! The tools, built from the endpoint table and the response shapes at run time: one tool per
//! endpoint, named `resource_method` (`images_list`, `registries_schedules_bulk_delete`), with an
//! input schema from the path ids, the query parameters (types, enums, bounds) and the body (the
//! table's required fields), a description from the method, path, notes and response model, and
//! the MCP annotations of its HTTP verb.

use qualys_cs::models::{FieldType, fields_of};
use qualys_cs::table::{self, BodyKind, Endpoint, Http, QueryType, ResponseKind, RuleKind};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};
use std::sync::Arc;

/// The arguments the server adds to the table's (never sent to the API).
pub(crate) const CURSOR: &str = "cursor";
pub(crate) const FIELDS: &str = "fields";
pub(crate) const SUMMARY_BY: &str = "summary_by";
pub(crate) const CONFIRM: &str = "confirm";

/// What the server may do, from its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gates {
    pub allow_writes: bool,
    pub allow_deletes: bool,
}

/// Why a tool is not served, or `None` when it is.
pub(crate) fn refused(ep: &Endpoint, gates: Gates) -> Option<&'static str> {
    match ep.http {
        Http::Get => None,
        Http::Delete if !gates.allow_writes || !gates.allow_deletes => {
            Some("--allow-writes --allow-deletes")
        }
        Http::Post | Http::Put if !gates.allow_writes => Some("--allow-writes"),
        _ => None,
    }
}

/// True for the endpoints that are never tools: the gateway's `/auth` takes the password and
/// answers a bearer token, a secret the server must not hand out.
pub(crate) fn excluded(ep: &Endpoint) -> bool {
    ep.resource == "auth"
}

/// The tool name of an endpoint.
pub(crate) fn tool_name(ep: &Endpoint) -> String {
    format!("{}_{}", ep.resource.replace('.', "_"), ep.method)
}

/// True when the tool answers in chunks with a cursor: a paginated list, or a bare array.
pub(crate) fn is_listing(ep: &Endpoint) -> bool {
    ep.pagination.is_some() || ep.response.kind == ResponseKind::BareArray
}

/// True when the answer is JSON that `fields` can select keys of.
pub(crate) fn has_json(ep: &Endpoint) -> bool {
    matches!(
        ep.response.kind,
        ResponseKind::JsonObject | ResponseKind::Page | ResponseKind::BareArray
    )
}

/// The query parameters the paginator sets itself (page number, size, cursor): not arguments.
pub(crate) fn paging_param(ep: &Endpoint, wire: &str) -> bool {
    ep.pagination.as_ref().is_some_and(|pg| {
        wire == pg.size_param
            || pg.page_param.as_deref() == Some(wire)
            || pg.cursor_param.as_deref() == Some(wire)
    })
}

/// The arguments that name what a DELETE removes, in the order they are checked: id lists (query
/// or body), then a single named thing (a tag name), then the filter, then the last path id.
pub(crate) fn delete_target_args(ep: &Endpoint) -> Vec<String> {
    let mut out: Vec<String> = ep
        .query
        .iter()
        .filter(|q| q.ty == QueryType::StringArray)
        .map(|q| q.arg.clone())
        .collect();
    if let Some(b) = &ep.body
        && b.kind == BodyKind::JsonArray
    {
        out.extend(b.arg.clone());
    }
    out.extend(
        ep.query
            .iter()
            .filter(|q| q.ty == QueryType::String && q.arg != "filter")
            .map(|q| q.arg.clone()),
    );
    if ep.query.iter().any(|q| q.arg == "filter") {
        out.push("filter".into());
    }
    if out.is_empty() {
        out.extend(ep.path_params.last().map(|p| p.arg.clone()));
    }
    out
}

fn query_schema(ep: &Endpoint, q: &table::QueryParam) -> Value {
    let mut s = match q.ty {
        QueryType::String => json!({"type": "string"}),
        QueryType::Integer => json!({"type": "integer"}),
        QueryType::Boolean => json!({"type": "boolean"}),
        QueryType::StringArray => json!({"type": "array", "items": {"type": "string"}}),
    };
    let m = s.as_object_mut().expect("an object literal");
    if let Some(lo) = q.min {
        m.insert("minimum".into(), lo.into());
    }
    if let Some(hi) = q.max {
        m.insert("maximum".into(), hi.into());
    }
    if let Some(allowed) = &q.allowed {
        m.insert("enum".into(), Value::Array(allowed.clone()));
    }
    let mut doc = format!("Query parameter {}", q.name);
    if q.arg == "filter" {
        doc.push_str(": a QQL filter, e.g. vulnerabilities.severity:5");
    }
    if let Some(d) = q.default.as_ref().filter(|d| !d.is_null()) {
        doc.push_str(&format!(" (server default {d})"));
    }
    if ep.http == Http::Delete && delete_target_args(ep).contains(&q.arg) {
        doc.push_str("; what is deleted: repeat it in `confirm`");
    }
    m.insert("description".into(), doc.into());
    s
}

fn body_schema(ep: &Endpoint, b: &table::BodySpec) -> Value {
    match b.kind {
        BodyKind::JsonArray => json!({
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": if ep.http == Http::Delete {
                "The ids, the request's JSON array body; what is deleted: repeat them in `confirm`"
            } else {
                "The ids, the request's JSON array body"
            },
        }),
        BodyKind::Multipart => json!({
            "type": "string",
            "description": format!(
                "The content of the file sent as the form part `{}` ({})",
                b.file.as_ref().map_or("file", |f| f.field.as_str()),
                b.file.as_ref().map_or("text", |f| f.content_type.as_str()),
            ),
        }),
        BodyKind::JsonObject | BodyKind::Form => {
            let mut props = serde_json::Map::new();
            // The enum rules on top-level keys become the keys' schemas; deeper rules are
            // checked by the client when the call is made.
            for r in &b.validation {
                if r.rule == RuleKind::Enum && !r.field.contains(['.', '[', '$']) {
                    props.insert(r.field.clone(), json!({"enum": r.values}));
                }
            }
            for f in &b.required_fields {
                props.entry(f.clone()).or_insert_with(|| json!({}));
            }
            json!({
                "type": "object",
                "properties": props,
                "required": b.required_fields,
                "description": "The request's JSON body (the API's keys, camelCase)",
            })
        }
    }
}

/// The input schema of an endpoint's tool.
pub(crate) fn input_schema(ep: &Endpoint) -> JsonObject {
    let mut props = serde_json::Map::new();
    let mut required: Vec<String> = Vec::new();
    for p in &ep.path_params {
        let doc = if p.numeric {
            format!(
                "{{{}}} in the path (a number, as text or an integer)",
                p.name
            )
        } else {
            format!("{{{}}} in the path", p.name)
        };
        let ty = if p.numeric {
            json!(["string", "integer"])
        } else {
            json!("string")
        };
        props.insert(
            p.arg.clone(),
            json!({"type": ty, "minLength": 1, "description": doc}),
        );
        required.push(p.arg.clone());
    }
    for q in ep.query.iter().filter(|q| !paging_param(ep, &q.name)) {
        props.insert(q.arg.clone(), query_schema(ep, q));
        if q.required {
            required.push(q.arg.clone());
        }
    }
    if let Some(b) = &ep.body {
        let name = b.arg.clone().unwrap_or_else(|| "body".into());
        props.insert(name.clone(), body_schema(ep, b));
        if b.kind == BodyKind::Multipart || !b.required_fields.is_empty() {
            required.push(name);
        }
    }
    if is_listing(ep) {
        props.insert(
            CURSOR.into(),
            json!({"type": "string", "description":
                "The `cursor` of the previous answer: the next items of that listing (its other \
                 arguments are the first call's). Each cursor is used once."}),
        );
        props.insert(
            SUMMARY_BY.into(),
            json!({"type": "string", "description":
                "A field path (e.g. `repo.repository`, `state`): instead of items, counts by that \
                 field's values over the whole listing, in one call"}),
        );
    }
    if has_json(ep) {
        props.insert(
            FIELDS.into(),
            json!({"type": "array", "items": {"type": "string"}, "description":
                "Keys to keep, as field paths (`sha`, `repo.repository`); default: every key"}),
        );
    }
    if ep.http == Http::Delete {
        props.insert(
            CONFIRM.into(),
            json!({"type": "array", "items": {"type": "string"}, "description": format!(
                "Required: exactly what this call deletes, repeated (the values of {})",
                delete_target_args(ep).iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(" / ")
            )}),
        );
        required.push(CONFIRM.into());
    }
    let mut schema = serde_json::Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        schema.insert("required".into(), json!(required));
    }
    schema.insert("additionalProperties".into(), false.into());
    schema
}

fn type_name(t: &FieldType) -> String {
    match t {
        FieldType::Str => "string".into(),
        FieldType::Time => "timestamp".into(),
        FieldType::Int | FieldType::IntText => "integer".into(),
        FieldType::Float => "number".into(),
        FieldType::Bool => "boolean".into(),
        FieldType::Any => "any".into(),
        FieldType::Object => "object".into(),
        FieldType::List(t) | FieldType::OneOrMany(t) => format!("list of {}", type_name(t)),
        FieldType::Model(m) | FieldType::Custom(m) => (*m).to_owned(),
    }
}

fn inner_model(t: &FieldType) -> Option<&'static str> {
    match t {
        FieldType::Model(m) => Some(m),
        FieldType::List(t) | FieldType::OneOrMany(t) => inner_model(t),
        _ => None,
    }
}

/// The keys of a model, one level of nested models spelled out (the paths `fields` and
/// `summary_by` take).
pub(crate) fn describe_model(model: &str) -> Option<String> {
    let fields = fields_of(model)?;
    let parts: Vec<String> = fields
        .iter()
        .map(|f| {
            let mut s = format!("{} ({})", f.key.trim(), type_name(&f.ty));
            if let Some(sub) = inner_model(&f.ty).and_then(fields_of) {
                let keys: Vec<&str> = sub.iter().map(|k| k.key.trim()).collect();
                s.push_str(&format!(" {{{}}}", keys.join(", ")));
            }
            s
        })
        .collect();
    Some(parts.join(", "))
}

fn description(ep: &Endpoint, budget: usize) -> String {
    let mut d = format!("{} {} ({}.{}).", ep.http, ep.path, ep.resource, ep.method);
    if !ep.notes.is_empty() {
        d.push_str(&format!(" Notes: {}.", ep.notes.trim_end_matches('.')));
    }
    match ep.http {
        Http::Delete => d.push_str(&format!(
            " DELETES what {} name(s); `confirm` must repeat exactly those values.",
            delete_target_args(ep)
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(" / ")
        )),
        Http::Post | Http::Put => d.push_str(" Changes data."),
        Http::Get => {}
    }
    let model = ep.response.model.as_deref();
    if is_listing(ep) {
        d.push_str(&format!(
            " Answers {{\"count\": total, \"returned\": n, \"items\": [...], \"cursor\": next or \
             null}}: at most {budget} bytes of items a call; pass `cursor` for the next ones. \
             `summary_by` counts by a field over the whole listing instead."
        ));
    }
    match model.and_then(|m| describe_model(m).map(|k| (m, k))) {
        Some((m, keys)) if is_listing(ep) => d.push_str(&format!(" Items are {m}: {keys}.")),
        Some((m, keys)) => d.push_str(&format!(" Returns {m}: {keys}.")),
        None => d.push_str(match ep.response.kind {
            ResponseKind::Text | ResponseKind::EmptyOrText => " Returns a text message.",
            ResponseKind::Bytes => " Returns the file's text (CSV), within the byte budget.",
            _ => " Returns JSON.",
        }),
    }
    d
}

fn annotations(ep: &Endpoint) -> ToolAnnotations {
    let title = format!(
        "{} {}",
        ep.resource.replace('.', " "),
        ep.method.replace('_', " ")
    );
    let a = ToolAnnotations::with_title(title);
    match ep.http {
        Http::Get => a.read_only(true).destructive(false).idempotent(true),
        // A create adds; it does not overwrite or remove.
        Http::Post => a
            .read_only(false)
            .destructive(false)
            .idempotent(ep.idempotent),
        // An update replaces what was there; a delete removes it.
        Http::Put | Http::Delete => a
            .read_only(false)
            .destructive(true)
            .idempotent(ep.idempotent),
    }
}

/// The tool of one endpoint.
pub(crate) fn tool(ep: &'static Endpoint, budget: usize) -> Tool {
    Tool::new(
        tool_name(ep),
        description(ep, budget),
        Arc::new(input_schema(ep)),
    )
    .with_annotations(annotations(ep))
}

/// The tools served under `gates`, in table order.
pub(crate) fn tools(gates: Gates, budget: usize) -> Vec<Tool> {
    table::endpoints()
        .iter()
        .filter(|ep| !excluded(ep) && refused(ep, gates).is_none())
        .map(|ep| tool(ep, budget))
        .collect()
}

/// The endpoint of a tool name (served or not).
pub(crate) fn endpoint_of(name: &str) -> Option<&'static Endpoint> {
    table::endpoints()
        .iter()
        .find(|ep| !excluded(ep) && tool_name(ep) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ_ONLY: Gates = Gates {
        allow_writes: false,
        allow_deletes: false,
    };
    const ALL: Gates = Gates {
        allow_writes: true,
        allow_deletes: true,
    };

    #[test]
    fn read_only_serves_one_tool_per_get_endpoint_and_the_flags_add_the_rest() {
        let gets = table::endpoints()
            .iter()
            .filter(|e| e.http == Http::Get && !excluded(e))
            .count();
        assert_eq!(tools(READ_ONLY, 1000).len(), gets);
        let writes = Gates {
            allow_writes: true,
            allow_deletes: false,
        };
        let no_delete = tools(writes, 1000);
        assert!(no_delete.iter().any(|t| t.name == "images_instrument"));
        assert!(!no_delete.iter().any(|t| t.name == "images_delete"));
        let all = tools(ALL, 1000);
        let auth = table::endpoints()
            .iter()
            .filter(|e| e.resource == "auth")
            .count();
        assert!(auth >= 1);
        assert_eq!(
            all.len(),
            table::endpoints().len() - auth,
            "all but the gateway's /auth calls"
        );
        let mut names: Vec<_> = all.iter().map(|t| t.name.to_string()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "tool names are unique");
    }

    #[test]
    fn annotations_follow_the_verb() {
        let get = |n: &str| {
            tools(ALL, 1000)
                .into_iter()
                .find(|t| t.name == n)
                .and_then(|t| t.annotations)
                .unwrap()
        };
        let list = get("images_list");
        assert_eq!(list.read_only_hint, Some(true));
        assert_eq!(list.destructive_hint, Some(false));
        let del = get("images_delete");
        assert_eq!(del.read_only_hint, Some(false));
        assert_eq!(del.destructive_hint, Some(true));
        assert_eq!(get("policies_create").destructive_hint, Some(false));
        assert_eq!(get("policies_create").idempotent_hint, Some(false));
        assert_eq!(get("policies_update").destructive_hint, Some(true));
    }

    #[test]
    fn schemas_carry_the_table_types_bounds_enums_and_required_fields() {
        let ep = table::by_name("images", "list").unwrap();
        let s = Value::Object(input_schema(ep));
        assert_eq!(s["properties"]["filter"]["type"], "string");
        assert!(
            s["properties"].get("page_size").is_none(),
            "the paginator sets it"
        );
        assert_eq!(s["properties"]["cursor"]["type"], "string");
        assert_eq!(s["additionalProperties"], false);
        let ep = table::by_name("images", "vulnerabilities").unwrap();
        let s = Value::Object(input_schema(ep));
        assert_eq!(s["required"], json!(["sha"]));
        let ep = table::by_name("policies", "create").unwrap();
        let s = Value::Object(input_schema(ep));
        assert_eq!(
            s["properties"]["body"]["required"],
            json!(["policyName", "policyType"])
        );
        assert_eq!(
            s["properties"]["body"]["properties"]["policyType"]["enum"],
            json!(["CICD", "K8S_ADMISSION_CONTROLLER"])
        );
        let ep = table::by_name("images", "delete").unwrap();
        let s = Value::Object(input_schema(ep));
        assert_eq!(s["properties"]["image_ids"]["type"], "array");
        assert!(
            s["required"]
                .as_array()
                .unwrap()
                .contains(&json!("confirm"))
        );
        // Bounds: every integer query parameter with min/max keeps them.
        for ep in table::endpoints() {
            for q in ep.query.iter().filter(|q| !paging_param(ep, &q.name)) {
                let s = Value::Object(input_schema(ep));
                if let Some(lo) = q.min {
                    assert_eq!(s["properties"][&q.arg]["minimum"], json!(lo), "{}", ep.id);
                }
            }
        }
    }

    #[test]
    fn delete_targets_are_the_ids_then_the_filter_then_the_path_id() {
        let t = |r: &str, m: &str| delete_target_args(table::by_name(r, m).unwrap());
        assert_eq!(t("images", "delete"), ["image_ids", "filter"]);
        assert_eq!(t("registries", "delete_many"), ["registry_ids"]);
        assert_eq!(t("registries", "delete"), ["registry_id"]);
        assert_eq!(t("registries.schedules", "delete"), ["schedule_id"]);
        assert_eq!(t("tags", "delete"), ["tag_name"]);
        assert_eq!(t("reports", "delete"), ["report_uuids"]);
    }

    #[test]
    fn descriptions_name_the_path_the_model_keys_and_the_budget() {
        let ep = table::by_name("images", "list").unwrap();
        let d = description(ep, 4096);
        assert!(d.starts_with("GET /csapi/v1.3/images"), "{d}");
        assert!(d.contains("4096 bytes"), "{d}");
        assert!(d.contains("repo (list of ImageRepo)"), "{d}");
        assert!(d.contains("repository"), "{d}");
        let ep = table::by_name("images", "delete").unwrap();
        assert!(description(ep, 1).contains("DELETES"));
    }
}
