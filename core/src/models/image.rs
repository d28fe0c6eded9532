//! Images: list item, details, bulk item, associations, associated registries.

use super::{
    Container, Host, Label, Nullable, OneOrMany, Software, Vulnerability, VulnerabilityCount,
};
use serde_json::Value;

model! {
    /// An image's `repo[]` entry: `{registry, tag, repository}` (S002 sample; P-swagger `Repo`).
    pub struct ImageRepo {
        pub registry: Nullable<String>,
        pub tag: Nullable<String>,
        pub repository: Nullable<String>,
    }
}

model! {
    /// An image's `repoDigests[]` entry: `{registry, repository, digest}` (P-swagger `RepoDigest`).
    pub struct RepoDigest {
        pub registry: Nullable<String>,
        pub repository: Nullable<String>,
        pub digest: Nullable<String>,
    }
}

model! {
    /// An image layer (P-swagger `Layer`). `size` is a string in P-swagger while image sizes are
    /// integers, so it is kept as a `Value`.
    pub struct Layer {
        pub comment: Nullable<String>,
        pub created: Nullable<String>,
        pub created_by: Nullable<String>,
        pub id: Nullable<String>,
        pub sha: Nullable<String>,
        pub size: Nullable<Value>,
        pub tags: Nullable<Vec<String>>,
    }
}

model! {
    /// An item of the images list: S17 `GET /csapi/v1.3/images` (a [`Page`](super::Page) of
    /// these).
    ///
    /// Keys from the S002 sample, P-swagger `Image` and the P-docs v1.3 list sample. Times are
    /// epoch-ms strings. `vulnerabilities` holds severity counts. `source[]` values seen:
    /// `REGISTRY`, `GENERAL`, `CICD`, `CONTINUOUS_ASSESSMENT`. `registryUuid` may be `null`.
    pub struct Image {
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub last_used_date: Nullable<String>,
        pub author: Nullable<String>,
        pub sha: Nullable<String>,
        pub repo: Nullable<Vec<ImageRepo>>,
        pub repo_digests: Nullable<Vec<RepoDigest>>,
        pub uuid: Nullable<String>,
        /// Bytes (an integer in the samples; P-swagger says string for this list only).
        pub size: Nullable<Value>,
        pub vulnerabilities: Nullable<VulnerabilityCount>,
        /// The 12-hex short image id.
        pub image_id: Nullable<String>,
        pub associated_containers_count: Nullable<i64>,
        pub associated_hosts_count: Nullable<i64>,
        pub last_scanned: Nullable<String>,
        pub last_vm_scan_date: Nullable<String>,
        pub registry_uuid: Nullable<Vec<String>>,
        pub source: Nullable<Vec<String>>,
        pub is_docker_hub_official: Nullable<bool>,
        pub is_instrumented: Nullable<bool>,
        pub instrumented_from: Nullable<String>,
        pub instrumentation_state: Nullable<String>,
        pub scan_type: Nullable<String>,
        pub scan_types: Nullable<Vec<String>>,
        pub scan_error_code: Nullable<String>,
        pub scan_status: Nullable<String>,
        pub last_found_on_host: Nullable<Host>,
    }
}

model! {
    /// One image: S19 `GET /csapi/v1.3/images/{imageSha}` (P-swagger `ImageDetails`; no sample in
    /// the seeds).
    ///
    /// Later additions (P-docs releases 1.37, 1.39) — `isContinuouslyAssessed`, `lastAssessed` —
    /// are typed loosely. `vulnerabilities` and `softwares` are lists per P-docs; P-swagger types
    /// them as objects, so a single object is accepted too ([`OneOrMany`]).
    pub struct ImageDetails {
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub author: Nullable<String>,
        pub repo: Nullable<Vec<ImageRepo>>,
        pub repo_digests: Nullable<Vec<RepoDigest>>,
        pub label: Nullable<Vec<Label>>,
        pub uuid: Nullable<String>,
        pub sha: Nullable<String>,
        pub operating_system: Nullable<String>,
        pub customer_uuid: Nullable<String>,
        pub docker_version: Nullable<String>,
        pub size: Nullable<Value>,
        pub layers: Nullable<Vec<Layer>>,
        pub host: Nullable<Vec<Host>>,
        pub architecture: Nullable<String>,
        pub image_id: Nullable<String>,
        pub registry_uuid: Nullable<Vec<String>>,
        pub source: Nullable<Vec<String>>,
        pub total_vuln_count: Nullable<i64>,
        pub users: Nullable<Vec<String>>,
        pub instrumentation_state: Nullable<String>,
        pub instrumented_from: Nullable<String>,
        pub is_docker_hub_official: Nullable<bool>,
        pub is_instrumented: Nullable<bool>,
        pub scan_type: Nullable<String>,
        pub scan_types: Nullable<Vec<String>>,
        pub scan_error_code: Nullable<String>,
        pub scan_status: Nullable<String>,
        pub last_scanned: Nullable<String>,
        pub last_found_on_host: Nullable<Host>,
        pub is_continuously_assessed: Nullable<Value>,
        pub last_assessed: Nullable<Value>,
        pub vulnerabilities: Nullable<OneOrMany<Vulnerability>>,
        pub softwares: Nullable<OneOrMany<Software>>,
    }
}

model! {
    /// An item of the images bulk list: P05 `GET /csapi/v1.3/images/list` (a
    /// [`BulkPage`](super::BulkPage) of these; P-swagger `BulkImageDetails`).
    ///
    /// Like [`ImageDetails`], except that `vulnerabilities` entries carry only `qid`, `result`
    /// and `software`, and only the most recent host is given, as `lastFoundOnHost` (P-docs).
    pub struct BulkImage {
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub author: Nullable<String>,
        pub repo: Nullable<Vec<ImageRepo>>,
        pub repo_digests: Nullable<Vec<RepoDigest>>,
        pub label: Nullable<Vec<Label>>,
        pub uuid: Nullable<String>,
        pub sha: Nullable<String>,
        pub operating_system: Nullable<String>,
        pub customer_uuid: Nullable<String>,
        pub image_id: Nullable<String>,
        pub docker_version: Nullable<String>,
        pub size: Nullable<Value>,
        pub layers: Nullable<Vec<Layer>>,
        pub architecture: Nullable<String>,
        pub last_scanned: Nullable<String>,
        pub registry_uuid: Nullable<Vec<String>>,
        pub source: Nullable<Vec<String>>,
        pub users: Nullable<Vec<String>>,
        pub last_found_on_host: Nullable<Host>,
        pub is_docker_hub_official: Nullable<bool>,
        pub is_instrumented: Nullable<bool>,
        pub instrumented_from: Nullable<String>,
        pub instrumentation_state: Nullable<String>,
        pub scan_type: Nullable<String>,
        pub scan_types: Nullable<Vec<String>>,
        pub softwares: Nullable<OneOrMany<Software>>,
        pub vulnerabilities: Nullable<OneOrMany<Vulnerability>>,
    }
}

model! {
    /// A host running an image, in [`Associations::hosts`] (P-swagger `ImageAssociation_hosts`).
    pub struct AssociatedHost {
        pub hostname: Nullable<String>,
        pub ip_address: Nullable<String>,
        pub sensor_uuid: Nullable<String>,
        pub uuid: Nullable<String>,
        pub created_container_count: Nullable<i64>,
        pub created_container_count_for_associated_image: Nullable<i64>,
        pub paused_container_count: Nullable<i64>,
        pub paused_container_count_for_associated_image: Nullable<i64>,
        pub running_container_count: Nullable<i64>,
        pub running_container_count_for_associated_image: Nullable<i64>,
        pub stopped_container_count: Nullable<i64>,
        pub stopped_container_count_for_associated_image: Nullable<i64>,
    }
}

model! {
    /// P06 `GET /csapi/v1.3/images/{imageSha}/association`: `{containers[], driftContainers[],
    /// hosts[]}` (P-swagger `ImageAssociation`); which lists are filled depends on `type`.
    pub struct Associations {
        pub containers: Nullable<Vec<Container>>,
        pub drift_containers: Nullable<Vec<Container>>,
        pub hosts: Nullable<Vec<AssociatedHost>>,
    }
}

model! {
    /// An item of P07 `GET /csapi/v1.3/images/{imageSha}/associatedRegistries` (a bare array):
    /// `{registry, registryUuid, repo, tag}` (P-swagger `ImageRegistries_inner`).
    pub struct AssociatedRegistry {
        pub registry: Nullable<String>,
        pub registry_uuid: Nullable<String>,
        pub repo: Nullable<String>,
        pub tag: Nullable<String>,
    }
}
