//! Software installed on images and containers.

use super::{Nullable, Vulnerability};
use serde_json::Value;

model! {
    /// A software package (P-swagger `Software`, `Drift_software`): entries of P03/P09 `data`,
    /// container/image `softwares[]`, drift `software[]`, vulnerability `software[]`.
    /// `reason` and `source` appear on drift software.
    pub struct Software {
        pub name: Nullable<String>,
        pub version: Nullable<String>,
        pub fix_version: Nullable<String>,
        pub vulnerabilities: Nullable<Vec<Vulnerability>>,
        pub reason: Nullable<String>,
        pub source: Nullable<String>,
    }
}

model! {
    /// P03 `GET /csapi/v1.3/containers/{containerSha}/software` and P09
    /// `GET /csapi/v1.3/images/{imageSha}/software`: `{count, data: [software],
    /// softwareCountBySeverity}` plus, for images, `driftSoftwareCountBySeverity` and
    /// `driftSoftwareCountByDriftReason` (P-swagger `ContainerSoftware`, `ImageSoftware`; the
    /// count objects are untyped there, so they are `Value`s). Not paginated.
    pub struct SoftwareList {
        pub count: Nullable<i64>,
        pub data: Nullable<Vec<Software>>,
        pub software_count_by_severity: Nullable<Value>,
        pub drift_software_count_by_severity: Nullable<Value>,
        pub drift_software_count_by_drift_reason: Nullable<Value>,
    }
}

impl SoftwareList {
    /// The software entries (empty when `data` is absent or null).
    pub fn items(&self) -> &[Software] {
        self.data.get().map_or(&[], Vec::as_slice)
    }
}
