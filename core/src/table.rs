//! The endpoint table: every csapi operation as data.
//!
//! `endpoints.json` (a copy of the project's machine-readable endpoint table) is embedded in the
//! crate and parsed once, on first use. The client methods, the paginator settings, request
//! validation, the rate-limit families and the simulator's routes are all derived from it, so an
//! endpoint is written down exactly once.

use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The raw table, as shipped in the crate.
pub const ENDPOINTS_JSON: &str = include_str!("../endpoints.json");

/// The whole table.
#[derive(Debug, Deserialize)]
pub struct Table {
    pub version: u32,
    pub base_path: String,
    pub endpoints: Vec<Endpoint>,
    #[serde(skip)]
    by_id: HashMap<String, usize>,
    #[serde(skip)]
    by_name: HashMap<(String, String), usize>,
}

/// One operation of the API.
#[derive(Debug, Deserialize)]
pub struct Endpoint {
    /// API.md id: `S01`..`S43` (seeds), `P01`..`P31` (public sources).
    pub id: String,
    /// Resource path in the public surface, e.g. `images`, `registries.schedules`.
    pub resource: String,
    /// Method name in the public surface (snake_case), e.g. `list`, `bulk_cancel`.
    pub method: String,
    /// HTTP verb.
    pub http: String,
    /// Full wire path, with `{name}` placeholders for path parameters.
    pub path: String,
    /// `v1.3`, `v1.1`; none for the gateway's `/auth`.
    pub version: Option<String>,
    pub path_params: Vec<PathParam>,
    pub query: Vec<QueryParam>,
    pub query_validation: Vec<Rule>,
    pub pagination: Option<Pagination>,
    pub body: Option<BodySpec>,
    pub response: ResponseSpec,
    pub rate_family: String,
    pub idempotent: bool,
    #[serde(default)]
    pub source: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// Arguments handled by the client itself, never sent (e.g. `path` of a download).
    #[serde(default)]
    pub local_args: Vec<LocalArg>,
}

#[derive(Debug, Deserialize)]
pub struct PathParam {
    /// Name in the path template.
    pub name: String,
    /// Caller-facing argument name (snake_case).
    pub arg: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum QueryType {
    #[serde(rename = "string")]
    String,
    #[serde(rename = "integer")]
    Integer,
    #[serde(rename = "boolean")]
    Boolean,
    #[serde(rename = "string[]")]
    StringArray,
}

#[derive(Debug, Deserialize)]
pub struct QueryParam {
    /// Wire name.
    pub name: String,
    /// Caller-facing argument name (snake_case).
    pub arg: String,
    #[serde(rename = "type")]
    pub ty: QueryType,
    #[serde(default)]
    pub repeated: bool,
    #[serde(default)]
    pub required: bool,
    /// The server's default; documentation only (the client sends nothing it was not given).
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default, rename = "enum")]
    pub allowed: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PageStyle {
    /// `pageNumber` + `pageSize`, 1-based (v1.3).
    PageNumber,
    /// `pageNo` + `pageSize`, 1-based (v1.1 events).
    PageNo,
    /// `limit` + `paginationQuery` from the `link` header (`*/list` bulk APIs).
    Cursor,
}

#[derive(Debug, Deserialize)]
pub struct Pagination {
    pub style: PageStyle,
    pub page_param: Option<String>,
    pub size_param: String,
    pub base: Option<u32>,
    pub max_page_size: Option<u32>,
    /// Server-side cap on reachable records (10,000 on the images/containers lists).
    pub max_records: Option<u64>,
    pub cursor_param: Option<String>,
    pub next_from: Option<String>,
    pub items_key: String,
    pub total_key: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    JsonObject,
    JsonArray,
    Multipart,
    Form,
}

#[derive(Debug, Deserialize)]
pub struct BodySpec {
    pub kind: BodyKind,
    /// Caller-facing argument holding the body (`body`, `registry_ids`, ...).
    pub arg: Option<String>,
    #[serde(default)]
    pub required_fields: Vec<String>,
    #[serde(default)]
    pub validation: Vec<Rule>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    JsonObject,
    Page,
    BareArray,
    Text,
    Bytes,
    EmptyOrText,
    JsonOrText,
}

#[derive(Debug, Deserialize)]
pub struct ResponseSpec {
    pub kind: ResponseKind,
    /// Keys under which the response carries the id of what was written, in order of preference.
    #[serde(default)]
    pub id_keys: Vec<String>,
    #[serde(default)]
    pub fixture: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct LocalArg {
    pub arg: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
}

/// A validation rule, as stated by the sources (see `validation_semantics` in the table).
#[derive(Debug, Deserialize, Clone)]
pub struct Rule {
    /// `$` (the whole body or query), `a.b`, `a[]`, `a[].b`.
    pub field: String,
    pub rule: RuleKind,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub values: Vec<Value>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Range,
    OnlyIf,
    Enum,
    AtLeastOneOf,
    ExactlyOneOf,
    RequiredFields,
    MaxLength,
    MinItems,
    Format,
    KeysIn,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut t: Table = serde_json::from_str(ENDPOINTS_JSON)
        .expect("embedded endpoints.json is valid (checked by tests)");
    for (i, e) in t.endpoints.iter().enumerate() {
        t.by_id.insert(e.id.clone(), i);
        t.by_name.insert((e.resource.clone(), e.method.clone()), i);
    }
    t
});

/// The parsed table (parsed on first use).
pub fn table() -> &'static Table {
    &TABLE
}

/// Every endpoint, in table order.
pub fn endpoints() -> &'static [Endpoint] {
    &TABLE.endpoints
}

/// The endpoint with this API.md id (`"S17"`, `"P05"`, ...).
pub fn by_id(id: &str) -> Option<&'static Endpoint> {
    TABLE.by_id.get(id).map(|&i| &TABLE.endpoints[i])
}

/// The endpoint behind a public method, e.g. `("registries.schedules", "bulk_cancel")`.
pub fn by_name(resource: &str, method: &str) -> Option<&'static Endpoint> {
    TABLE
        .by_name
        .get(&(resource.to_owned(), method.to_owned()))
        .map(|&i| &TABLE.endpoints[i])
}

impl Endpoint {
    /// The HTTP verb as a `reqwest::Method`.
    pub fn http_method(&self) -> reqwest::Method {
        reqwest::Method::from_bytes(self.http.as_bytes())
            .expect("table verbs are GET/POST/PUT/DELETE")
    }

    /// The query parameter with this caller-facing name.
    pub fn query_param(&self, arg: &str) -> Option<&QueryParam> {
        self.query.iter().find(|q| q.arg == arg)
    }

    /// True when the method auto-paginates.
    pub fn is_paginated(&self) -> bool {
        self.pagination.is_some()
    }

    /// `resource.method`, as the public surface names it.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.resource, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses_and_indexes_every_entry() {
        let t = table();
        assert_eq!(t.endpoints.len(), 72);
        for e in endpoints() {
            assert!(std::ptr::eq(by_id(&e.id).unwrap(), e));
            assert!(
                std::ptr::eq(by_name(&e.resource, &e.method).unwrap(), e),
                "{} is not unique",
                e.qualified_name()
            );
            for p in &e.path_params {
                assert!(
                    e.path.contains(&format!("{{{}}}", p.name)),
                    "{}: {} not in path",
                    e.id,
                    p.name
                );
            }
        }
    }
}
