//! Kubernetes clusters (P32 `GET /csapi/v1.3/k8sClusters`, P33 `GET .../k8sClusters/{clusterUid}`).

use super::Nullable;

model! {
    /// A Kubernetes cluster: items of P32 and the answer of P33. Unverified in shape: Qualys' own
    /// CLI calls both paths, nothing published shows an answer. Only the two keys a policy's
    /// `k8sFilters[].cluster` uses for a cluster (S000) are named; every other field is kept in
    /// [`extra`](Self::extra), as sent.
    pub struct KubernetesCluster {
        pub cluster_uid: Nullable<String>,
        pub cluster_name: Nullable<String>,
    }
}
