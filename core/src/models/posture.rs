//! Kubernetes postures (P27 `GET /csapi/v1.3/k8s_postures/list`).

model! {
    /// An item of P27 `GET /csapi/v1.3/k8s_postures/list`. The public sources give the path but
    /// not the shape, so no field is named: every field is kept in [`extra`](Self::extra), as sent.
    pub struct K8sPosture {}
}
