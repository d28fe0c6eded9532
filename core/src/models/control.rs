//! Compliance controls (the catalogue).

use super::{Nullable, criticality};
use serde_json::Value;

model! {
    /// A technology a control applies to (P-swagger `ControlTechnology`). `rational` is the
    /// API's spelling.
    pub struct ControlTechnology {
        pub technology_id: Nullable<i64>,
        pub technology_name: Nullable<String>,
        pub rational: Nullable<String>,
        pub remediation: Nullable<String>,
    }
}

model! {
    /// A compliance control: items of P11 `GET /csapi/v1.3/controls` (a [`Page`](super::Page))
    /// and P12 `GET /csapi/v1.3/controls/{controlId}` (P-swagger `PcControl`).
    ///
    /// `criticality` is kept as sent (see [`criticality::normalize`]); `deprecated` is a string
    /// in P-swagger, so it is a `Value`.
    pub struct Control {
        pub id: Nullable<i64>,
        pub statement: Nullable<String>,
        pub criticality: Nullable<String>,
        pub comments: Nullable<String>,
        pub deprecated: Nullable<Value>,
        pub category: Nullable<String>,
        pub sub_category: Nullable<String>,
        pub technologies: Nullable<Vec<ControlTechnology>>,
    }
}

impl Control {
    /// The criticality under its 1.43 name (`LOW`, `MEDIUM`, `HIGH`), old names mapped.
    pub fn criticality_level(&self) -> Option<&'static str> {
        self.criticality.as_deref().and_then(criticality::normalize)
    }
}
