//! [`Nullable`]: a field that is absent, `null`, or a value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ops::Deref;

/// A JSON field in one of three states: key absent, key present with `null`, key present with a
/// value.
///
/// `Option<T>` folds the first two together, so a model using it cannot re-encode a response
/// exactly: `{"registryUuid": null}` would come back either as `{}` or, without
/// `skip_serializing_if`, absent fields would come back as `null`. `Nullable` keeps the
/// difference, and every model field uses it with
/// `#[serde(default, skip_serializing_if = "Nullable::is_absent")]` (added by the `model!`
/// macro), so decoding then re-encoding gives back the same JSON.
///
/// Reading is as easy as with `Option`: [`get`](Self::get) (`Option<&T>`, `None` for both absent
/// and null), [`as_deref`](Self::as_deref) (`Option<&str>` for a `Nullable<String>`),
/// [`into_option`](Self::into_option); [`is_null`](Self::is_null) / [`is_absent`](Self::is_absent)
/// tell the two empty states apart when that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// The key is not in the object.
    #[default]
    Absent,
    /// The key is present with the value `null`.
    Null,
    /// The key is present with a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// The key is not in the object (used by `skip_serializing_if`).
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// The key is present with `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The key is present with a non-null value.
    pub fn is_value(&self) -> bool {
        matches!(self, Nullable::Value(_))
    }

    /// The value, if there is one (absent and `null` both give `None`).
    pub fn get(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, mutably, if there is one.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if there is one (absent and `null` both give `None`).
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// `Nullable<&T>`, keeping the state.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(v),
        }
    }

    /// Maps the value, keeping absent and `null` as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(f(v)),
        }
    }

    /// The dereferenced value, e.g. `Option<&str>` for a `Nullable<String>`.
    pub fn as_deref(&self) -> Option<&T::Target>
    where
        T: Deref,
    {
        self.get().map(Deref::deref)
    }

    /// `None` → absent, `Some(v)` → value (for building bodies: an unset field is not sent).
    pub fn from_option(value: Option<T>) -> Self {
        value.map_or(Nullable::Absent, Nullable::Value)
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // `Absent` is skipped by `skip_serializing_if` inside a model; on its own it can only
            // be written as `null`.
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
            Nullable::Value(v) => v.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    /// Called only when the key is present (a missing key takes `Default`, i.e. `Absent`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        })
    }
}
