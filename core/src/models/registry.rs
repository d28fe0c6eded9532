//! Registries, repositories and registry connectors (AWS, ACR, GCP).

use super::Nullable;
use serde_json::{Map, Value};

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

model! {
    /// An item of S22 `GET /csapi/v1.3/registry` (a [`Page`](super::Page); S003 sample, P-swagger
    /// `Registry`).
    ///
    /// `registryType` is kept as sent (`AWS`, `DockerHub`, `V2`, `V2_PRIVATE`, … — see
    /// [`registry_type`]). `scheduleStatusList` maps a
    /// schedule status to a count (`{"Completed": 3}`), in the server's order.
    pub struct Registry {
        pub registry_uuid: Nullable<String>,
        pub registry_uri: Nullable<String>,
        pub registry_type: Nullable<String>,
        pub repo_count: Nullable<i64>,
        pub total_images: Nullable<i64>,
        pub total_scanned_images: Nullable<i64>,
        pub total_vulnerable_images: Nullable<i64>,
        pub last_scanned: Nullable<String>,
        pub schedule_status_list: Nullable<Map<String, Value>>,
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub docker_hub_org: Nullable<String>,
        pub provider_type: Nullable<String>,
        pub aws_account_id: Nullable<String>,
        pub aws_region: Nullable<String>,
    }
}

model! {
    /// The `aws` object of [`RegistryDetails`] (P-swagger `RegistryDetails_aws`).
    pub struct RegistryAws {
        pub account_id: Nullable<String>,
        pub arn: Nullable<String>,
        pub description: Nullable<String>,
        pub name: Nullable<String>,
        pub region: Nullable<String>,
    }
}

model! {
    /// The `credential` object of [`RegistryDetails`]: only `username` is returned.
    pub struct RegistryCredential {
        pub username: Nullable<String>,
    }
}

model! {
    /// S23 `GET /csapi/v1.3/registry/{registryId}` (S003 sample; P-swagger `RegistryDetails`).
    ///
    /// The list fields of [`Registry`] (without `awsAccountId`/`awsRegion`) plus `aws` (null or
    /// an object), `credential{username}` and `connectors` (null or `[{arn, name,
    /// description}]`).
    pub struct RegistryDetails {
        pub registry_uuid: Nullable<String>,
        pub registry_uri: Nullable<String>,
        pub registry_type: Nullable<String>,
        pub repo_count: Nullable<i64>,
        pub total_images: Nullable<i64>,
        pub total_scanned_images: Nullable<i64>,
        pub total_vulnerable_images: Nullable<i64>,
        pub schedule_status_list: Nullable<Map<String, Value>>,
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub last_scanned: Nullable<String>,
        pub docker_hub_org: Nullable<String>,
        pub provider_type: Nullable<String>,
        pub aws: Nullable<RegistryAws>,
        pub credential: Nullable<RegistryCredential>,
        pub connectors: Nullable<Vec<AwsConnector>>,
    }
}

model! {
    /// S24 `GET /csapi/v1.3/registry/aws-base`: `{accountId, externalId}` — `accountId` a
    /// string, `externalId` an integer (S003 sample, P-swagger `AwsAccount`).
    pub struct AwsBase {
        pub account_id: Nullable<String>,
        pub external_id: Nullable<i64>,
    }
}

model! {
    /// An AWS connector `{arn, name, description}`: items of S25
    /// `GET /csapi/v1.3/registry/aws/connectors` and S26
    /// `GET /csapi/v1.3/registry/aws/connectors/{accountId}` (both **bare arrays** in S003,
    /// whatever P-swagger says), and of [`RegistryDetails::connectors`].
    pub struct AwsConnector {
        pub arn: Nullable<String>,
        pub name: Nullable<String>,
        pub description: Nullable<String>,
    }
}

model! {
    /// An Azure (ACR) connector `{name, acrConnectorId, description}`: items of P17
    /// `GET /csapi/v1.3/registry/acr/connectors` (bare array) and P18
    /// `GET /csapi/v1.3/registry/acr/connector/{connectorId}` (P-swagger `AcrConnector`).
    pub struct AcrConnector {
        pub name: Nullable<String>,
        pub acr_connector_id: Nullable<String>,
        pub description: Nullable<String>,
    }
}

model! {
    /// A GCP connector `{name, description, location, gcpConnectorId, gcpProjectId}`: items of
    /// P20 `GET /csapi/v1.3/registry/gcp/connectors` (bare array) and P21
    /// `GET /csapi/v1.3/registry/gcp/connector/{connectorId}` (P-swagger `GcpConnector`).
    pub struct GcpConnector {
        pub name: Nullable<String>,
        pub description: Nullable<String>,
        pub location: Nullable<String>,
        pub gcp_connector_id: Nullable<String>,
        pub gcp_project_id: Nullable<String>,
    }
}

model! {
    /// A repository of a registry: items of S31 `GET /csapi/v1.3/registry/{registryId}/repository`
    /// (a [`Page`](super::Page); S003 sample).
    pub struct Repository {
        pub repo_name: Nullable<String>,
        pub total_images: Nullable<i64>,
        pub total_scanned_images: Nullable<i64>,
        pub total_vulnerable_images: Nullable<i64>,
    }
}
