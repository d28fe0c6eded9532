//! Containers: list item, details, bulk item.

use super::{Cluster, Host, Label, Nullable, Software, Vulnerability, VulnerabilityCount};
use serde_json::Value;

model! {
    /// An item of the containers list: S16 `GET /csapi/v1.3/containers` (a
    /// [`Page`](super::Page) of these); also the entries of [`Associations`](super::Associations).
    ///
    /// Keys from the S002 sample, P-swagger `Container` and the P-docs v1.3 sample. `state` is
    /// `CREATED|RUNNING|STOPPED|PAUSED|DELETED`. `host` may be `null`; `vulnerabilities` holds
    /// severity counts, which may be `null`. `compliance` (P-swagger
    /// `ContainerWithComplianceDetails`) is kept as a `Value`.
    pub struct Container {
        pub image_id: Nullable<String>,
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub sha: Nullable<String>,
        pub uuid: Nullable<String>,
        pub name: Nullable<String>,
        pub host: Nullable<Host>,
        pub state: Nullable<String>,
        pub image_uuid: Nullable<String>,
        /// The 12-hex short container id.
        pub container_id: Nullable<String>,
        pub state_changed: Nullable<String>,
        pub last_scanned: Nullable<String>,
        pub last_vm_scan_date: Nullable<String>,
        pub is_root: Nullable<bool>,
        pub is_instrumented: Nullable<bool>,
        pub vulnerabilities: Nullable<VulnerabilityCount>,
        pub compliance: Nullable<Value>,
        pub last_compliance_scanned: Nullable<String>,
    }
}

model! {
    /// A container's `portMapping[]` entry (P-swagger `PortMapping`).
    pub struct PortMapping {
        pub host_ip: Nullable<String>,
        pub host_port: Nullable<i64>,
        pub port: Nullable<i64>,
        pub protocol: Nullable<String>,
    }
}

model! {
    /// A container's `services[]` entry (P-swagger `ContainerDetails_services`).
    pub struct ContainerService {
        pub description: Nullable<String>,
        pub name: Nullable<String>,
        pub status: Nullable<String>,
    }
}

model! {
    /// A container's `drift` object (P-swagger `Drift`): why the container drifted from its
    /// image.
    pub struct Drift {
        pub category: Nullable<Vec<String>>,
        pub reason: Nullable<Vec<String>>,
        pub software: Nullable<Vec<Software>>,
        pub vulnerability: Nullable<Vec<Vulnerability>>,
    }
}

model! {
    /// One container: S18 `GET /csapi/v1.3/containers/{containerSha}` (P-swagger
    /// `ContainerDetails`; no sample in the seeds).
    ///
    /// `arguments` and `environment` are strings in `ContainerDetails` but objects in
    /// `BulkContainerDetails`, so they are `Value`s.
    pub struct ContainerDetails {
        pub arguments: Nullable<Vec<Value>>,
        pub command: Nullable<String>,
        pub container_id: Nullable<String>,
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub customer_uuid: Nullable<String>,
        pub drift: Nullable<Drift>,
        pub environment: Nullable<Vec<Value>>,
        pub host: Nullable<Host>,
        pub hostname: Nullable<String>,
        pub image_id: Nullable<String>,
        pub image_sha: Nullable<String>,
        pub image_uuid: Nullable<String>,
        pub ipv4: Nullable<String>,
        pub ipv6: Nullable<String>,
        pub is_drift: Nullable<bool>,
        pub is_instrumented: Nullable<bool>,
        pub is_root: Nullable<bool>,
        pub label: Nullable<Vec<Label>>,
        pub label_scanned: Nullable<String>,
        pub mac_address: Nullable<String>,
        pub name: Nullable<String>,
        pub operating_system: Nullable<String>,
        pub path: Nullable<String>,
        pub port_mapping: Nullable<Vec<PortMapping>>,
        pub privileged: Nullable<bool>,
        pub sensor_uuid: Nullable<String>,
        pub services: Nullable<Vec<ContainerService>>,
        pub sha: Nullable<String>,
        pub softwares: Nullable<Vec<Software>>,
        pub source: Nullable<String>,
        pub state: Nullable<String>,
        pub state_changed: Nullable<String>,
        pub last_scanned: Nullable<String>,
        pub users: Nullable<Vec<String>>,
        pub uuid: Nullable<String>,
        pub vulnerabilities: Nullable<Vec<Vulnerability>>,
        pub cluster: Nullable<Cluster>,
    }
}

model! {
    /// An item of the containers bulk list: P01 `GET /csapi/v1.3/containers/list` (a
    /// [`BulkPage`](super::BulkPage) of these; P-swagger `BulkContainerDetails`).
    ///
    /// Like [`ContainerDetails`], except that `vulnerabilities` entries carry only `qid`,
    /// `result` and `software` (P-docs), and `drift` is a list in P-swagger here (an object in
    /// `ContainerDetails`), so it is a `Value`.
    pub struct BulkContainer {
        pub image_id: Nullable<String>,
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub label: Nullable<Vec<Label>>,
        pub uuid: Nullable<String>,
        pub sha: Nullable<String>,
        pub privileged: Nullable<bool>,
        pub path: Nullable<String>,
        pub image_sha: Nullable<String>,
        pub mac_address: Nullable<String>,
        pub customer_uuid: Nullable<String>,
        pub ipv4: Nullable<String>,
        pub ipv6: Nullable<String>,
        pub name: Nullable<String>,
        pub host: Nullable<Host>,
        pub state: Nullable<String>,
        pub image_uuid: Nullable<String>,
        pub container_id: Nullable<String>,
        pub state_changed: Nullable<String>,
        pub services: Nullable<Vec<ContainerService>>,
        pub port_mapping: Nullable<Vec<PortMapping>>,
        pub users: Nullable<Vec<String>>,
        pub operating_system: Nullable<String>,
        pub last_scanned: Nullable<String>,
        pub source: Nullable<String>,
        pub is_instrumented: Nullable<bool>,
        pub is_root: Nullable<bool>,
        pub is_drift: Nullable<bool>,
        pub environment: Nullable<Vec<Value>>,
        pub arguments: Nullable<Vec<Value>>,
        pub command: Nullable<String>,
        pub drift: Nullable<Value>,
        pub vulnerabilities: Nullable<Vec<Vulnerability>>,
        pub softwares: Nullable<Vec<Software>>,
        pub cluster: Nullable<Cluster>,
    }
}
