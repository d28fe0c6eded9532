//! The stored (mutable) collections: what create, update and delete calls change. Generated
//! images and containers are not stored; only their deletions are (`state::Deleted`).

use serde_json::Value;
use std::collections::HashMap;

pub(crate) struct Registry {
    pub uuid: String,
    pub uri: String,
    pub rtype: String,
    pub credential_type: String,
    pub created: u64,
    pub updated: u64,
    pub last_scanned: Option<u64>,
    pub docker_hub_org: Option<String>,
    pub provider_type: Option<String>,
    pub aws: Value,
    pub username: Option<String>,
    pub repos: Vec<Value>,
    pub schedules: Vec<Value>,
    /// Keys of a loaded record the store has no field for, returned as given.
    pub extra: serde_json::Map<String, Value>,
}

pub(crate) struct Policy {
    /// Every version as stored (index = version - 1).
    pub versions: Vec<Value>,
}

#[derive(Default)]
pub(crate) struct Stored {
    pub sensors: Vec<Value>,
    pub registries: Vec<Registry>,
    pub aws_connectors: Vec<Value>,
    pub acr_connectors: Vec<Value>,
    pub gcp_connectors: Vec<Value>,
    pub policies: Vec<Policy>,
    pub reports: Vec<Value>,
    pub report_schedules: Vec<Value>,
    pub tags: Vec<Value>,
    pub next_tag_id: u64,
    /// Read-only for the API, but records can be loaded.
    pub controls: Vec<Value>,
    pub events: Vec<Value>,
    pub postures: Vec<Value>,
    pub clusters: Vec<Value>,
    pub assignments: HashMap<String, Vec<String>>,
    /// Vulnerability exceptions (handlers/exceptions.rs) and sensor profiles, as created.
    pub exceptions: Vec<Value>,
    pub sensor_profiles: Vec<Value>,
}

/// Loaded images and containers (normalized list items, in load order). Generated ones are not
/// here: the list engines merge these with the generated indices.
#[derive(Default)]
pub(crate) struct Loaded {
    pub images: Vec<Value>,
    pub containers: Vec<Value>,
}
