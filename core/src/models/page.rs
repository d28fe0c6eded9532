//! List envelopes: [`Page`] (page-numbered lists) and [`BulkPage`] (cursor lists), and
//! [`OneOrMany`], with the one rule for a list's `data` ([`DataSeed`]) that the models, the
//! paginator and (through the paginator's item spans) both bindings share.

use super::Nullable;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::marker::PhantomData;

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

/// A JSON value that is either a list of `T` or a single object `T`; re-encodes in the form
/// received. Decoded by [`DataSeed`], the crate's one statement of that rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `null` is the enclosing `Nullable`'s to tell apart; a bare `null` is not a list.
        DataSeed(PhantomData::<T>)
            .deserialize(d)?
            .ok_or_else(|| de::Error::invalid_type(de::Unexpected::Unit, &EXPECTING))
    }
}

const EXPECTING: &str = "a list of items or one object";

/// How [`DataSeed`] decodes the items it finds: `PhantomData<T>` decodes each into `T`; the
/// paginator's span seed only records where each item is in the body, for the bindings.
pub(crate) trait ItemSeed<'de>: Clone {
    type Item;
    /// One element of the array.
    fn element<D: Deserializer<'de>>(self, d: D) -> Result<Self::Item, D::Error>;
    /// The one object given where the array was expected (its entries not read yet).
    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Self::Item, A::Error>;
}

impl<'de, T: Deserialize<'de>> ItemSeed<'de> for PhantomData<T> {
    type Item = T;
    fn element<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
    fn object<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// The rule for a list's `data`, in one place for the models, the paginator and both bindings: a
/// JSON array of items, or (P-qualysdk copes with it on the bulk lists) one object where the array
/// was expected, or `null` (`None`). Anything else is a decode error.
pub(crate) struct DataSeed<S>(pub S);

impl<'de, S: ItemSeed<'de>> DeserializeSeed<'de> for DataSeed<S> {
    type Value = Option<OneOrMany<S::Item>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

struct Element<S>(S);

impl<'de, S: ItemSeed<'de>> DeserializeSeed<'de> for Element<S> {
    type Value = S::Item;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Item, D::Error> {
        self.0.element(d)
    }
}

impl<'de, S: ItemSeed<'de>> Visitor<'de> for DataSeed<S> {
    type Value = Option<OneOrMany<S::Item>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTING)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(x) = seq.next_element_seed(Element(self.0.clone()))? {
            out.push(x);
        }
        Ok(Some(OneOrMany::Many(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(Some(OneOrMany::One(self.0.object(map)?)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_or_many_follows_the_data_rule_and_reencodes_as_received() {
        let many: OneOrMany<Value> = serde_json::from_str("[1, 2]").unwrap();
        assert_eq!(many, OneOrMany::Many(vec![1.into(), 2.into()]));
        let one: OneOrMany<Value> = serde_json::from_str(r#"{"a": 1}"#).unwrap();
        assert_eq!(one.as_slice(), [serde_json::json!({"a": 1})]);
        assert_eq!(serde_json::to_string(&one).unwrap(), r#"{"a":1}"#);
        // A scalar is neither a list nor an object; a bare null is the enclosing field's business.
        assert!(serde_json::from_str::<OneOrMany<Value>>("3").is_err());
        assert!(serde_json::from_str::<OneOrMany<Value>>("null").is_err());
        let page: BulkPage<Value> = serde_json::from_str(r#"{"data": null}"#).unwrap();
        assert!(page.data.is_null() && page.items().is_empty());
        let page: BulkPage<Value> =
            serde_json::from_str(r#"{"limit": 1, "data": {"a": 1}}"#).unwrap();
        assert_eq!(page.items().len(), 1);
    }
}
