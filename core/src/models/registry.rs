//! Registries, repositories and registry connectors (AWS, ACR, GCP).

/// `registryType` wire values seen in the samples (the API has more, e.g. ACR/GCR: keep the
/// field a `String`).
pub mod registry_type {
    /// AWS ECR.
    pub const AWS: &str = "AWS";
    /// Docker Hub.
    pub const DOCKER_HUB: &str = "DockerHub";
    /// Docker V2.
    pub const V2: &str = "V2";
    /// Docker V2 private.
    pub const V2_PRIVATE: &str = "V2_PRIVATE";
}
