//! Tags.

use super::Nullable;
use serde_json::Value;

model! {
    /// A dynamic rule of a tag for one entity type: entries of [`Tag::entity_tag_info`].
    ///
    /// `entityType` is lower case here (`image`, `container`) though requests use upper case.
    /// Quirk: a rule may end with a space (`"image.source:GENERAL "`, S000); it is kept verbatim.
    pub struct EntityTagInfo {
        pub entity_type: Nullable<String>,
        pub dynamic_tag_rule: Nullable<String>,
    }
}

model! {
    /// A tag: S03 `PUT /csapi/v1.3/tag/update` and P25 `POST /csapi/v1.3/tag/create` (S000 and
    /// P-docs samples). `tagId` is an integer; colours, icon and `criticalityScore` are `null` in
    /// every sample (`criticalityScore` is therefore a `Value`).
    pub struct Tag {
        pub tag_id: Nullable<i64>,
        pub name: Nullable<String>,
        pub background_color: Nullable<String>,
        pub foreground_color: Nullable<String>,
        pub icon: Nullable<String>,
        pub criticality_score: Nullable<Value>,
        pub entity_tag_info: Nullable<Vec<EntityTagInfo>>,
    }
}

model! {
    /// S02 `POST /csapi/v1.3/tag/assign`: `{"entityUUID": …}` (S000); P-docs also returns
    /// `cascadingKafkaJobUuid`.
    pub struct TagAssigned {
        #[serde(rename = "entityUUID")]
        pub entity_uuid: Nullable<String>,
        pub cascading_kafka_job_uuid: Nullable<String>,
    }
}
