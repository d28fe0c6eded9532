//! List envelopes: [`Page`] (page-numbered lists) and [`BulkPage`] (cursor lists), and
//! [`OneOrMany`].

use super::Nullable;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One page of a page-numbered list: `{"data": [...], "count": <int>, "groups": {}}`.
///
/// Returned by every `page` endpoint with `pageNumber`/`pageNo` paging: S08 (`Report`), S16
/// (`Container`), S17 (`Image`), S20 (events, `serde_json::Value`), S21 (`Sensor`), S22
/// (`Registry`), S31 (`Repository`), S32 (`Schedule`), P11 (`Control`), P27 (k8s postures,
/// `serde_json::Value`).
///
/// `count` is the total number of matching records, not the page length. `groups` is in every
/// v1.1 sample and missing from the v1.3 reports sample, so it is optional. Other keys are kept in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub data: Nullable<Vec<T>>,
    /// Total number of matching records.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub count: Nullable<i64>,
    /// Group counts (`{}` in every sample).
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub groups: Nullable<Value>,
    /// Fields this model does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            data: Nullable::Absent,
            count: Nullable::Absent,
            groups: Nullable::Absent,
            extra: Map::new(),
        }
    }
}

impl<T> Page<T> {
    /// The items (empty when `data` is absent or null).
    pub fn items(&self) -> &[T] {
        self.data.get().map_or(&[], Vec::as_slice)
    }

    /// The items, by value.
    pub fn into_items(self) -> Vec<T> {
        self.data.into_option().unwrap_or_default()
    }

    /// The total number of matching records, when the server sent it.
    pub fn total(&self) -> Option<i64> {
        self.count.get().copied()
    }
}

/// One page of a cursor ("bulk") list: `{"limit": <int>, "data": [...]}`; the next page's
/// `paginationQuery` comes from the `link` response header, not the body.
///
/// Returned by P01 (`BulkContainer`) and P05 (`BulkImage`).
///
/// Quirk: `data` may be a single object instead of a list (P-qualysdk copes with that), so it is a
/// [`OneOrMany`], which re-encodes in the form it was received. Use [`items`](Self::items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkPage<T> {
    /// The page size asked for.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub limit: Nullable<i64>,
    /// The items: a list, or a single object.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub data: Nullable<OneOrMany<T>>,
    /// Fields this model does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> Default for BulkPage<T> {
    fn default() -> Self {
        BulkPage {
            limit: Nullable::Absent,
            data: Nullable::Absent,
            extra: Map::new(),
        }
    }
}

impl<T> BulkPage<T> {
    /// The items, whether `data` was a list or a single object (empty when absent or null).
    pub fn items(&self) -> &[T] {
        self.data.get().map_or(&[], OneOrMany::as_slice)
    }

    /// The items, by value.
    pub fn into_items(self) -> Vec<T> {
        self.data
            .into_option()
            .map_or_else(Vec::new, OneOrMany::into_vec)
    }
}

/// A JSON value that is either a list of `T` or a single `T`; re-encodes in the form received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A JSON array.
    Many(Vec<T>),
    /// A single JSON value where a list was expected.
    One(T),
}

impl<T> OneOrMany<T> {
    /// The items as a slice (one item for [`OneOrMany::One`]).
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => std::slice::from_ref(t),
        }
    }

    /// The items as a `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => vec![t],
        }
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}
