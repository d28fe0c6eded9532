//! Centralized (CICD / Kubernetes admission controller) policies (API.md §3.6).

use super::{K8sFilter, Policy, PolicyRule, PolicyTag};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A rule's `metaData`, in the form the server sent it.
///
/// Quirk (S000): `metaData` is a JSON **object** in the CICD GET response and in every request,
/// but a JSON-**encoded string** (`"{\"values\":[10826,19388,19511]}"`) in the K8S GET response
/// and in all P-docs GET samples. Both decode; the original form is kept so that a response
/// re-encodes unchanged. [`value`](Self::value) gives the decoded JSON either way;
/// [`to_object_form`](Self::to_object_form) gives the object form, which is what requests send.
///
/// Known shapes by rule type: `IMAGESCAN_VULN_RESTRICTED_CIDS` and `EX_IMAGESCAN_VULN_CIDS`:
/// `{"values": [controlId, ...]}`; `IMAGESCAN_VULN_CONTROL_CRITICALITYCOUNT`: `{"value":
/// LOW|MEDIUM|HIGH, "operator", "threshold"}`; `IMAGESCAN_VULN_SEVERITYCOUNT`: `{"operator",
/// "severityLevel", "threshold"}`.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaData {
    /// A JSON string holding encoded JSON (K8S GET responses).
    Encoded(String),
    /// Any other JSON value: an object in CICD GET responses and in requests.
    Json(Value),
}

impl MetaData {
    /// The metadata as JSON, decoding the string form if needed.
    pub fn value(&self) -> serde_json::Result<Value> {
        match self {
            MetaData::Encoded(s) => serde_json::from_str(s),
            MetaData::Json(v) => Ok(v.clone()),
        }
    }

    /// Whether the server sent the JSON-encoded string form.
    pub fn is_encoded(&self) -> bool {
        matches!(self, MetaData::Encoded(_))
    }

    /// The same metadata in object form (as requests send it).
    pub fn to_object_form(&self) -> serde_json::Result<MetaData> {
        self.value().map(MetaData::Json)
    }
}

impl Default for MetaData {
    fn default() -> Self {
        MetaData::Json(Value::Object(serde_json::Map::new()))
    }
}

impl From<Value> for MetaData {
    /// A JSON string becomes [`MetaData::Encoded`], anything else [`MetaData::Json`].
    fn from(v: Value) -> Self {
        match v {
            Value::String(s) => MetaData::Encoded(s),
            other => MetaData::Json(other),
        }
    }
}

impl Serialize for MetaData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MetaData::Encoded(s) => serializer.serialize_str(s),
            MetaData::Json(v) => v.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for MetaData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(MetaData::from)
    }
}

impl PolicyRule {
    /// The rule position: `order`, else `sortOrder`.
    pub fn position(&self) -> Option<i64> {
        self.order.get().or(self.sort_order.get()).copied()
    }

    /// The decoded `metaData` (`None` if absent or null; `Some(Err)` if a string form is not
    /// valid JSON).
    pub fn meta_data_value(&self) -> Option<serde_json::Result<Value>> {
        self.meta_data.get().map(MetaData::value)
    }
}

/// An entry of `tagIds` / `excludedTagIds`: a UUID string (S000) or a tag object (P-docs GET
/// samples). Re-encodes in the form received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TagRef {
    /// A tag UUID.
    Uuid(String),
    /// A tag object (boxed: it is much larger than a UUID).
    Tag(Box<PolicyTag>),
}

impl TagRef {
    /// The tag UUID, whichever form.
    pub fn uuid(&self) -> Option<&str> {
        match self {
            TagRef::Uuid(s) => Some(s),
            TagRef::Tag(t) => t.uuid.as_deref(),
        }
    }
}

impl Policy {
    /// `policyType` of CICD policies.
    pub const TYPE_CICD: &str = "CICD";
    /// `policyType` of Kubernetes admission-controller policies.
    pub const TYPE_K8S_ADMISSION_CONTROLLER: &str = "K8S_ADMISSION_CONTROLLER";

    /// The Kubernetes filters, under `k8sFilters` or `K8sFilters` (empty if neither has a list).
    pub fn k8s_filter_list(&self) -> &[K8sFilter] {
        self.k8s_filters
            .get()
            .or(self.k8s_filters_capital.get())
            .map_or(&[], Vec::as_slice)
    }

    /// The UUIDs in `tagIds`, whether it holds strings or tag objects.
    pub fn tag_uuids(&self) -> Vec<&str> {
        self.tag_ids
            .get()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(TagRef::uuid)
            .collect()
    }

    /// All rules: `centralizedPolicyRules` then `exclusionPolicyRules`.
    pub fn rules(&self) -> impl Iterator<Item = &PolicyRule> {
        let main = self
            .centralized_policy_rules
            .get()
            .map_or(&[][..], Vec::as_slice);
        let excl = self
            .exclusion_policy_rules
            .get()
            .map_or(&[][..], Vec::as_slice);
        main.iter().chain(excl)
    }
}
