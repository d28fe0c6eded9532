//! The endpoint table of the Qualys Container Security API (csapi): every operation as data.
//!
//! `endpoints.json` is embedded in the crate and parsed once, on first use. Everything that is a
//! fact of one endpoint lives here and nowhere else: its path, verb, parameters and their rules,
//! pagination, body, response kind and model, rate-limit family and multipart file. The client
//! (`qualys-cs`), the simulator (`qualys-cs-sim`) and the code generator (`codegen/`, which reads
//! the JSON) all derive from it, so an endpoint is written down exactly once.
//!
//! Endpoint ids are compile-time facts: [`EndpointId`] is generated from the table (by
//! `codegen/generate.py`, checked fresh by `make test`), so a handler or a method that names an id
//! the table lacks does not compile, and a `match` over the ids is checked for completeness.

use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

mod ids;
pub use ids::{EndpointId, UnknownEndpointId};

/// The raw table, as shipped in the crate.
pub const ENDPOINTS_JSON: &str = include_str!("../endpoints.json");

/// The command line's table columns per list model (`tables.json`: key paths of spec/shapes.json
/// with a display format), shipped beside the table so that every reader has the one declaration.
pub const TABLES_JSON: &str = include_str!("../tables.json");

/// The whole table.
#[derive(Debug, Deserialize)]
pub struct Table {
    pub version: u32,
    pub base_path: String,
    pub endpoints: Vec<Endpoint>,
    /// What the table means by "not set" (documentation for its readers).
    #[serde(default)]
    pub validation_semantics: String,
    #[serde(skip)]
    by_name: HashMap<(String, String), usize>,
}

/// One operation of the API.
#[derive(Debug, Deserialize)]
pub struct Endpoint {
    /// API.md id: `S01`..`S43` (seeds), `P01`..`P31` (public sources).
    pub id: EndpointId,
    /// Resource path in the public surface, e.g. `images`, `registries.schedules`.
    pub resource: String,
    /// Method name in the public surface (snake_case), e.g. `list`, `bulk_cancel`.
    pub method: String,
    /// HTTP verb.
    pub http: Http,
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
    /// The family Qualys counts this endpoint's calls under; `null` in the JSON: not limited.
    #[serde(default, deserialize_with = "null_is_unlimited")]
    pub rate_family: RateFamily,
    pub idempotent: bool,
    #[serde(default)]
    pub source: Vec<String>,
    /// How the endpoint is known, following from `source` (codegen/common.py `evidence_of`).
    pub evidence: Evidence,
    #[serde(default)]
    pub notes: String,
    /// Arguments handled by the client itself, never sent (e.g. `path` of a download).
    #[serde(default)]
    pub local_args: Vec<LocalArg>,
}

/// How an endpoint is known: `Documented` when Qualys publishes it (its guide, release notes or
/// OpenAPI file), `Observed` when only clients that call live tenants show it. Observed endpoints
/// may change without notice; their answers are decoded leniently.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Documented,
    Observed,
}

/// An HTTP verb of the API.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum Http {
    Get,
    Post,
    Put,
    Delete,
}

impl Http {
    /// `"GET"`, `"POST"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Http::Get => "GET",
            Http::Post => "POST",
            Http::Put => "PUT",
            Http::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rate-limit family an endpoint's calls are counted under (API.md §5.3): Qualys limits
/// `/csapi/vxx/<family>/**` per family, and the bulk `*/list` endpoints on their own.
///
/// The table names the concrete family (`"images/list"`, not a generic `"list"` that each reader
/// would have to resolve by path), so the client's limiter and the simulator's counters agree by
/// construction.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RateFamily {
    #[serde(rename = "images/list")]
    ImagesList,
    #[serde(rename = "containers/list")]
    ContainersList,
    #[serde(rename = "images")]
    Images,
    #[serde(rename = "containers")]
    Containers,
    #[serde(rename = "registry")]
    Registry,
    #[serde(rename = "sensors")]
    Sensors,
    /// Not rate limited (`null` in the table).
    #[default]
    Unlimited,
}

fn null_is_unlimited<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RateFamily, D::Error> {
    Ok(Option::<RateFamily>::deserialize(d)?.unwrap_or_default())
}

impl RateFamily {
    /// Every limited family.
    pub const LIMITED: [RateFamily; 6] = [
        RateFamily::ImagesList,
        RateFamily::ContainersList,
        RateFamily::Images,
        RateFamily::Containers,
        RateFamily::Registry,
        RateFamily::Sensors,
    ];

    /// The family's name as the table (and the limiter's keys) spell it; `None` when unlimited.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            RateFamily::ImagesList => "images/list",
            RateFamily::ContainersList => "containers/list",
            RateFamily::Images => "images",
            RateFamily::Containers => "containers",
            RateFamily::Registry => "registry",
            RateFamily::Sensors => "sensors",
            RateFamily::Unlimited => return None,
        })
    }

    /// The family of a named family (`"images/list"`, ...); `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<RateFamily> {
        RateFamily::LIMITED
            .into_iter()
            .find(|f| f.name() == Some(name))
    }
}

#[derive(Debug, Deserialize)]
pub struct PathParam {
    /// Name in the path template.
    pub name: String,
    /// Caller-facing argument name (snake_case).
    pub arg: String,
    /// The API's id is a number (a control id): a non-negative integer is accepted besides its
    /// text. Every other id is a string only.
    #[serde(default)]
    pub numeric: bool,
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
    /// For a multipart body: the one file part it carries.
    #[serde(default)]
    pub file: Option<FileField>,
}

/// The file part of a multipart body (e.g. the GCP connector's service-account JSON).
#[derive(Debug, Clone, Deserialize)]
pub struct FileField {
    /// The form field's name.
    pub field: String,
    /// The file name sent with the part.
    pub file_name: String,
    /// The part's content type.
    pub content_type: String,
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
    /// The model a success decodes into, by name (the item's model for lists and bare arrays);
    /// `None`: untyped JSON, text or bytes as `kind` says. Every binding has a type of this name.
    #[serde(default)]
    pub model: Option<String>,
    /// Keys under which the response carries the id of what was written, in order of preference.
    #[serde(default)]
    pub id_keys: Vec<String>,
    #[serde(default)]
    pub fixture: Vec<String>,
    /// The `Accept` header the call sends, when the kind's default does not fit (e.g. a download
    /// whose 200 is `application/octet-stream`). Read it through [`ResponseSpec::accept_header`].
    #[serde(default)]
    pub accept: Option<String>,
}

impl ResponseSpec {
    /// The `Accept` header a call of this endpoint sends: the table's `accept`, else one that fits
    /// the response kind. Error bodies are JSON on every endpoint, so JSON is always acceptable.
    pub fn accept_header(&self) -> &str {
        if let Some(a) = self.accept.as_deref() {
            return a;
        }
        match self.kind {
            ResponseKind::JsonObject | ResponseKind::Page | ResponseKind::BareArray => {
                "application/json"
            }
            ResponseKind::Text | ResponseKind::EmptyOrText | ResponseKind::JsonOrText => {
                "application/json, text/plain"
            }
            ResponseKind::Bytes => "application/octet-stream, application/json",
        }
    }
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
        // `EndpointId` is generated from this table in table order, so an id is its entry's index.
        assert_eq!(
            e.id as usize, i,
            "endpoints.json and EndpointId disagree on order"
        );
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

/// The endpoint of a (compile-time) id.
pub fn endpoint(id: EndpointId) -> &'static Endpoint {
    &TABLE.endpoints[id as usize]
}

/// The endpoint with this API.md id (`"S17"`, `"P05"`, ...), e.g. one named by a binding at run
/// time; `None` for an id the table lacks.
pub fn by_id(id: &str) -> Option<&'static Endpoint> {
    id.parse::<EndpointId>().ok().map(endpoint)
}

/// The endpoint behind a public method, e.g. `("registries.schedules", "bulk_cancel")`.
pub fn by_name(resource: &str, method: &str) -> Option<&'static Endpoint> {
    TABLE
        .by_name
        .get(&(resource.to_owned(), method.to_owned()))
        .map(|&i| &TABLE.endpoints[i])
}

/// The endpoint whose path template a concrete path fits (`/csapi/v1.3/images/abc/vuln` fits
/// `/csapi/v1.3/images/{imageSha}/vuln`), e.g. for a raw request, so that it is rate limited as
/// the table says. Where several fit, the one with the most literal segments wins
/// (`/images/list` is the bulk list, not the image `list`). The verb is not needed: the endpoints
/// that share a path share their family.
pub fn match_path(path: &str) -> Option<&'static Endpoint> {
    let segs: Vec<&str> = path.split('/').collect();
    endpoints()
        .iter()
        .filter_map(|e| {
            let tpl: Vec<&str> = e.path.split('/').collect();
            if tpl.len() != segs.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in tpl.iter().zip(&segs) {
                if t.starts_with('{') && t.ends_with('}') {
                    if s.is_empty() {
                        return None;
                    }
                } else if t == s {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, e))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, e)| e)
}

impl Endpoint {
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
        assert_eq!(t.endpoints.len(), 91);
        assert_eq!(EndpointId::ALL.len(), t.endpoints.len());
        for e in endpoints() {
            assert!(std::ptr::eq(by_id(e.id.as_str()).unwrap(), e));
            assert!(std::ptr::eq(endpoint(e.id), e));
            assert_eq!(e.id.as_str().parse::<EndpointId>(), Ok(e.id));
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

    /// The rule codegen/common.py `evidence_of` states: documented when Qualys publishes the call
    /// (a seed, its OpenAPI file, a page of its guide), observed otherwise.
    #[test]
    fn evidence_follows_the_sources() {
        for e in endpoints() {
            let published = e.source.iter().any(|s| {
                s.starts_with("S00") || s.starts_with("P-swagger") || s.starts_with("P-docs")
            });
            let want = if published {
                Evidence::Documented
            } else {
                Evidence::Observed
            };
            assert_eq!(e.evidence, want, "{}: {:?}", e.id, e.source);
        }
        assert_eq!(
            by_name("vulnerabilities", "list").unwrap().evidence,
            Evidence::Observed
        );
        assert_eq!(
            by_name("exceptions", "create").unwrap().evidence,
            Evidence::Documented
        );
    }

    #[test]
    fn unknown_ids_are_refused() {
        assert!(by_id("S99").is_none());
        assert!(by_id("s17").is_none());
        assert!("".parse::<EndpointId>().is_err());
    }

    #[test]
    fn every_limited_family_is_named_by_an_endpoint_and_bulk_lists_count_apart() {
        for fam in RateFamily::LIMITED {
            assert_eq!(RateFamily::from_name(fam.name().unwrap()), Some(fam));
            assert!(endpoints().iter().any(|e| e.rate_family == fam), "{fam:?}");
        }
        let fam = |r: &str, m: &str| by_name(r, m).unwrap().rate_family;
        assert_eq!(fam("images", "bulk_list"), RateFamily::ImagesList);
        assert_eq!(fam("containers", "bulk_list"), RateFamily::ContainersList);
        assert_eq!(fam("images", "list"), RateFamily::Images);
        assert_eq!(fam("auth", "token"), RateFamily::Unlimited);
    }

    #[test]
    fn concrete_paths_find_their_endpoint_and_family() {
        let fam = |p: &str| match_path(p).map(|e| e.rate_family);
        assert_eq!(fam("/csapi/v1.3/images/list"), Some(RateFamily::ImagesList));
        assert_eq!(fam("/csapi/v1.3/images/abc/vuln"), Some(RateFamily::Images));
        assert_eq!(fam("/csapi/v1.3/images/abc"), Some(RateFamily::Images));
        assert_eq!(
            fam("/csapi/v1.3/containers/list"),
            Some(RateFamily::ContainersList)
        );
        assert_eq!(
            fam("/csapi/v1.3/registry/x/schedule"),
            Some(RateFamily::Registry)
        );
        assert_eq!(fam("/csapi/v1.1/events"), Some(RateFamily::Unlimited));
        assert_eq!(fam("/csapi/v1.3/images//vuln"), None);
        assert_eq!(fam("/csapi/v9/nothing"), None);
        // Every template, filled in, finds an endpoint of its own family.
        for e in endpoints() {
            let filled: String = e
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(fam(&filled), Some(e.rate_family), "{}", e.path);
        }
    }

    #[test]
    fn models_are_named_only_where_a_body_is_decoded() {
        for e in endpoints() {
            if e.response.model.is_some() {
                assert!(
                    matches!(
                        e.response.kind,
                        ResponseKind::JsonObject | ResponseKind::Page | ResponseKind::BareArray
                    ),
                    "{}: a model on a {:?} response",
                    e.id,
                    e.response.kind
                );
            }
            if let Some(b) = &e.body {
                assert_eq!(b.file.is_some(), b.kind == BodyKind::Multipart, "{}", e.id);
            }
        }
    }
}
