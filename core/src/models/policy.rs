//! Centralized (CICD / Kubernetes admission controller) policies (API.md §3.6).

use super::Nullable;
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

model! {
    /// A policy rule: entries of `centralizedPolicyRules` and `exclusionPolicyRules`.
    ///
    /// `type` (e.g. `IMAGESCAN_VULN_RESTRICTED_CIDS`), `action` (`FAIL`; `DENY`/`ALLOW` in P-docs)
    /// and `kind` (`IMAGE_SECURITY` | `EXCLUSION`) are kept as sent. Quirks: CICD rules carry
    /// `order`, K8S GET rules `sortOrder`, exclusion rules both ([`position`](Self::position));
    /// `metaData` is an object or a JSON-encoded string ([`MetaData`]).
    pub struct PolicyRule {
        pub name: Nullable<String>,
        pub r#type: Nullable<String>,
        pub action: Nullable<String>,
        pub is_enabled: Nullable<bool>,
        pub stop_processing: Nullable<bool>,
        /// CICD form of the rule position.
        pub order: Nullable<i64>,
        /// K8S form of the rule position.
        pub sort_order: Nullable<i64>,
        pub kind: Nullable<String>,
        pub meta_data: Nullable<MetaData>,
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

model! {
    /// `k8sFilters[].cluster`: `{clusterUid, clusterName}`.
    pub struct K8sCluster {
        pub cluster_uid: Nullable<String>,
        pub cluster_name: Nullable<String>,
    }
}

model! {
    /// `k8sFilters[].namespace`: `{namespaceUuid, namespaceValue, clusterUid}`.
    pub struct K8sNamespace {
        pub namespace_uuid: Nullable<String>,
        pub namespace_value: Nullable<String>,
        pub cluster_uid: Nullable<String>,
    }
}

model! {
    /// A Kubernetes scope filter of a K8S policy: `{cluster, namespace, deployment}`, each may be
    /// `null` (S000). `deployment` has only been seen as `null`, so it is a `Value`.
    pub struct K8sFilter {
        pub cluster: Nullable<K8sCluster>,
        pub namespace: Nullable<K8sNamespace>,
        pub deployment: Nullable<Value>,
    }
}

model! {
    /// A tag object as `tagIds` holds it in P-docs GET samples: `{uuid, id, name,
    /// backgroundColor, foregroundColor, icon, criticalityScore, tagType}`. `id` and
    /// `criticalityScore` have no sample value, so they are `Value`s.
    pub struct PolicyTag {
        pub uuid: Nullable<String>,
        pub id: Nullable<Value>,
        pub name: Nullable<String>,
        pub background_color: Nullable<String>,
        pub foreground_color: Nullable<String>,
        pub icon: Nullable<String>,
        pub criticality_score: Nullable<Value>,
        pub tag_type: Nullable<String>,
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

model! {
    /// A centralized policy: S05 `GET /csapi/v1.3/centralizedPolicy/{policyId}` and P24
    /// `GET /csapi/v1.3/centralizedPolicy/defaultPolicy/{policyType}`; also the body of S06/S07.
    ///
    /// `policyType` is `CICD` or `K8S_ADMISSION_CONTROLLER` (older P-docs: `IMAGESCAN`),
    /// `policyMode` e.g. `ACTIVE`, `policyBehavior` (K8S only) e.g. `BLOCK`; all kept as sent.
    /// Quirks: `tagIds` holds UUID strings or tag objects ([`TagRef`]); the P-docs default-policy
    /// sample spells the filters key `K8sFilters` (capital K), kept in its own field so it
    /// re-encodes as sent — [`k8s_filter_list`](Self::k8s_filter_list) reads either; rule quirks
    /// are on [`PolicyRule`].
    pub struct Policy {
        pub uuid: Nullable<String>,
        pub policy_name: Nullable<String>,
        pub policy_type: Nullable<String>,
        pub policy_mode: Nullable<String>,
        pub policy_behavior: Nullable<String>,
        pub description: Nullable<String>,
        pub created_by: Nullable<String>,
        pub created: Nullable<String>,
        pub updated_by: Nullable<String>,
        pub updated: Nullable<String>,
        pub centralized_policy_rules: Nullable<Vec<PolicyRule>>,
        pub exclusion_policy_rules: Nullable<Vec<PolicyRule>>,
        pub version: Nullable<i64>,
        pub is_default: Nullable<bool>,
        pub asset_type: Nullable<String>,
        pub tag_ids: Nullable<Vec<TagRef>>,
        pub excluded_tag_ids: Nullable<Vec<TagRef>>,
        pub k8s_filters: Nullable<Vec<K8sFilter>>,
        /// The `K8sFilters` spelling (P-docs default-policy sample).
        #[serde(rename = "K8sFilters")]
        pub k8s_filters_capital: Nullable<Vec<K8sFilter>>,
        pub excluded_k8s_filters: Nullable<Vec<K8sFilter>>,
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
