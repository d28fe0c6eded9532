//! Sensors and the activation key.

use super::{Cluster, Nullable};
use serde_json::Value;

model! {
    /// A sensor: items of S21 `GET /csapi/v1.3/sensors` (a [`Page`](super::Page)) and P13
    /// `GET /csapi/v1.3/sensors/{sensorId}` (P-swagger `Sensor`; no sample in the seeds).
    ///
    /// `label` is one `{key, value}` object in P-swagger but a list on images/containers, and
    /// `privileged` a string in P-swagger but a boolean on containers, so both are `Value`s.
    /// Only sensors in status `UNKNOWN` can be deleted (S39).
    pub struct Sensor {
        pub activation_uuid: Nullable<String>,
        pub binary_version: Nullable<String>,
        pub configuration_profile: Nullable<String>,
        pub container_ipv4: Nullable<String>,
        pub container_ipv6: Nullable<String>,
        pub container_mac_address: Nullable<String>,
        pub created: Nullable<String>,
        pub customer_uuid: Nullable<String>,
        pub docker_version: Nullable<String>,
        pub host_uuid: Nullable<String>,
        pub hostname: Nullable<String>,
        pub image_id: Nullable<String>,
        pub image_sha: Nullable<String>,
        pub ipv4: Nullable<String>,
        pub ipv6: Nullable<String>,
        pub label: Nullable<Value>,
        pub last_checked_in: Nullable<String>,
        pub mac_address: Nullable<String>,
        pub name: Nullable<String>,
        pub os: Nullable<String>,
        pub platform: Nullable<String>,
        pub privileged: Nullable<Value>,
        pub registry: Nullable<String>,
        pub sensor_id: Nullable<String>,
        pub sensor_type: Nullable<String>,
        pub sensor_version: Nullable<String>,
        pub sha: Nullable<String>,
        pub status: Nullable<String>,
        pub uuid: Nullable<String>,
        pub vuln_sig_version: Nullable<String>,
        pub cluster: Nullable<Cluster>,
    }
}

model! {
    /// P14 `GET /csapi/v1.3/activationkey`: `{customerId, activationId, platformUrl}` (P-swagger
    /// `Activation`).
    pub struct ActivationKey {
        pub customer_id: Nullable<String>,
        pub activation_id: Nullable<String>,
        pub platform_url: Nullable<String>,
    }
}
