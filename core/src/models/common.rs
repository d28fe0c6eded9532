//! Small objects shared by images, containers and sensors.

use super::Nullable;
use serde_json::Value;

model! {
    /// A host reference: container `host` (S16, S18, P01), image `lastFoundOnHost` (S17, S19,
    /// P05), image `host[]` (S19). `uuid` is `null` in the S002 sample; the whole object may be
    /// `null` (P-docs v1.3 containers sample).
    pub struct Host {
        pub sensor_uuid: Nullable<String>,
        pub hostname: Nullable<String>,
        pub ip_address: Nullable<String>,
        pub uuid: Nullable<String>,
    }
}

model! {
    /// A `{key, value}` label (image/container `label[]`, pod `label[]`; P-swagger).
    pub struct Label {
        pub key: Nullable<String>,
        pub value: Nullable<String>,
    }
}

model! {
    /// Kubernetes context of a container or sensor (`cluster`, P-swagger `Cluster`): S18, S21,
    /// P01, P13. `type` is `"kubernetes"` in P-swagger.
    pub struct Cluster {
        pub r#type: Nullable<String>,
        pub version: Nullable<String>,
        pub k8s: Nullable<K8sInfo>,
    }
}

model! {
    /// `cluster.k8s`: project, pod and node.
    pub struct K8sInfo {
        pub project: Nullable<String>,
        pub pod: Nullable<K8sPod>,
        pub node: Nullable<K8sNode>,
    }
}

model! {
    /// `cluster.k8s.pod`.
    pub struct K8sPod {
        pub name: Nullable<String>,
        pub uuid: Nullable<String>,
        pub namespace: Nullable<String>,
        pub label: Nullable<Vec<Label>>,
        pub controller: Nullable<Vec<PodController>>,
    }
}

model! {
    /// `cluster.k8s.pod.controller[]`.
    pub struct PodController {
        pub name: Nullable<String>,
        pub r#type: Nullable<String>,
        pub uuid: Nullable<String>,
    }
}

model! {
    /// `cluster.k8s.node`.
    pub struct K8sNode {
        pub name: Nullable<String>,
        /// Boolean in P-swagger.
        pub is_master: Nullable<Value>,
    }
}
