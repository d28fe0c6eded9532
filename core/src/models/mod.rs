//! Typed serde models of the csapi responses.
//!
//! Structs are named after the API's objects and use the API's own field names
//! (`rename_all = "camelCase"`, plus an explicit `rename` where the API deviates, e.g.
//! `"policyUUID "`, `"CancelJobId"`, `"VunlSummary"`). Sources: `API.md` §3, §4, §5, §6 and the
//! seeds' samples (the fixtures under `tests/fixtures/`).
//!
//! # Lossless round trip
//!
//! Decoding a response and encoding the model again gives JSON equal to what the server sent
//! (compared as `serde_json::Value`). Three rules make that hold:
//!
//! - **Absent vs `null`.** Every field is a [`Nullable<T>`]: `Absent` (key missing), `Null` (key
//!   with `null`) or `Value(T)`. Fields carry `#[serde(default, skip_serializing_if =
//!   "Nullable::is_absent")]`, so a missing key stays missing and an explicit `null` comes back as
//!   `null`. `Option<T>` cannot do both (with `skip_serializing_if` it drops `null`s, without it
//!   it invents them), and `Option<Option<T>>` needs a helper on every field and reads badly;
//!   `Nullable` reads like an `Option` (`get()`, `as_deref()`, `into_option()`).
//! - **Unknown fields are kept.** Every object has `#[serde(flatten)] pub extra:
//!   serde_json::Map<String, Value>` holding the keys the model does not name, in their original
//!   relative order (`preserve_order`). On output the named fields come first, in declaration
//!   order (the order of the samples), then the unknown ones; object key order is not part of
//!   JSON equality.
//! - **Values as sent.** Epoch-ms timestamps stay `String` (they are JSON strings), integers stay
//!   integers (`i64`), report flags stay 0/1 integers, enum-like values (status, criticality,
//!   policyType, registryType, rule type, …) stay `String` because the API adds values over time.
//!   Where the sources disagree on a field's type (e.g. `customerSeverity` is an int in the seed
//!   and a string in P-swagger) or only ever show `null`, the field is a `serde_json::Value`, so a
//!   response never fails to decode because of it.
//!
//! The structs are declared once, in `spec/shapes.json`, and generated (`generated.rs`, by
//! `codegen/shapes.py`, which also writes the Python and TypeScript types from the same file)
//! through the crate-private `model!` macro, which adds the derives, the `camelCase` renaming, the
//! `Nullable` field attributes and the `extra` map, so that every model follows the rules above
//! without repeating them. The files beside it hold behaviour only: accessors and quirks.
//!
//! # Quirks handled here (API.md §3.6–§3.8)
//!
//! - rule `metaData` is an object or a JSON-encoded string: [`MetaData`], with
//!   [`MetaData::value`] giving the object either way;
//! - policy update answers `{"policyUUID ": …}` (trailing space): [`PolicyUpdated::id`];
//! - schedule cancel answers `CancelJobId` or `deletionJobId`: [`JobStarted::job_id`];
//! - CICD rules carry `order`, K8S rules `sortOrder`: [`PolicyRule::position`];
//! - `tagIds` holds UUID strings or tag objects: [`TagRef`];
//! - `K8sFilters` (capital K) next to `k8sFilters`: [`Policy::k8s_filters`];
//! - compliance `criticality` LOW/MEDIUM/HIGH, old names accepted: [`criticality::normalize`];
//! - a tag rule's trailing space is kept verbatim ([`EntityTagInfo::dynamic_tag_rule`]);
//! - container vulns use the key `"VunlSummary"`: [`ContainerVulnerabilities::summary`];
//! - vuln `details` is a list or `{vulns, driftVulns}`: [`VulnDetails`];
//! - bulk `data` may be a single object: [`BulkPage::items`];
//! - container vuln count may be wrapped in `data`: [`VulnerabilityCount::counts`].
//!
//! # Endpoint → model
//!
//! The table names each endpoint's model (`response.model` in `spec/endpoints.json`); the
//! generated methods (`api.rs`) decode into it, and the Python and Node type declarations use the
//! same name. How the method's return type follows from the response kind:
//!
//! | kind | return type |
//! | --- | --- |
//! | `json_object` | the model, e.g. `Compliance`; untyped `serde_json::Value` when the table names none |
//! | `page` | a pager of the **item** model; the body is [`Page<T>`] for `page_number`/`page_no` paging and [`BulkPage<T>`] for `cursor` paging (P01, P05) |
//! | `bare_array` | `Vec<…>` of the model |
//! | `text`, `empty_or_text`, `json_or_text`, `bytes` | [`Output`](crate::Output): text, JSON of no documented shape, or the report file's bytes |

/// Declares a model struct: adds the derives, `rename_all = "camelCase"`, the
/// `#[serde(default, skip_serializing_if = "Nullable::is_absent")]` attributes on every field
/// (all fields must be [`Nullable`]) and the flattened `extra` map of unknown fields. Used by the
/// generated `generated.rs` only: the models are declared in `spec/shapes.json`.
macro_rules! model {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$smeta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "crate::models::Nullable::is_absent")]
                pub $field: $ty,
            )*
            /// Fields this model does not name, kept as sent (in their original order).
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    };
}

/// A declared field: its key in the API's JSON (verbatim, trailing spaces included) and its
/// declared type, as spec/shapes.json gives them. What the columnar schemas
/// (the `columns` module) are derived from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldShape {
    pub key: &'static str,
    pub ty: FieldType,
}

/// The type of a declared field (spec/shapes.json's type names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// `string`.
    Str,
    /// `timestamp`: epoch milliseconds as text.
    Time,
    /// `integer`.
    Int,
    /// `integer_text`: an integer the API sometimes sends as text (`size`).
    IntText,
    /// `number`.
    Float,
    /// `boolean`.
    Bool,
    /// `any`: JSON of no fixed shape.
    Any,
    /// `object`: a JSON object of no fixed keys.
    Object,
    /// `list<T>`.
    List(&'static FieldType),
    /// `one_or_many<T>`: a list, or a single `T`.
    OneOrMany(&'static FieldType),
    /// Another model, by name.
    Model(&'static str),
    /// A custom type of the spec (`VulnDetails`, `MetaData`, `TagRef`): written by hand in Rust.
    Custom(&'static str),
}

/// Implemented by every model: its fields as declared.
pub trait Described {
    const FIELDS: &'static [FieldShape];
}

mod compliance;
mod control;
// Generated (codegen/shapes.py): its layout is the generator's, checked fresh by `make lint`.
#[rustfmt::skip]
mod generated;
mod ids;
mod nullable;
mod page;
mod policy;
mod registry;
mod report;
mod schedule;
pub mod shape;
mod software;
mod vulnerability;

pub use generated::*;
pub use nullable::Nullable;
pub use page::{BulkPage, OneOrMany, Page};
pub(crate) use page::{DataSeed, ItemSeed};
pub use policy::{MetaData, TagRef};
pub use registry::registry_type;
pub use vulnerability::VulnDetails;
