//! Compliance posture of an image or container, and the criticality names.

use super::Nullable;
use serde_json::Value;

/// Control criticality names.
///
/// Since CS 1.43 (S000) the API uses `LOW`, `MEDIUM`, `HIGH`; older responses use `MINIMAL`
/// (now `LOW`), `MEDIUM` and `SERIOUS` (now `MEDIUM`), `CRITICAL` and `URGENT` (now `HIGH`).
/// Models keep the name as sent; [`normalize`](criticality::normalize) maps either generation to
/// the new one.
pub mod criticality {
    /// New name for `MINIMAL`.
    pub const LOW: &str = "LOW";
    /// Also the new name for `SERIOUS`.
    pub const MEDIUM: &str = "MEDIUM";
    /// New name for `CRITICAL` and `URGENT`.
    pub const HIGH: &str = "HIGH";

    /// The 1.43 name of a criticality, old or new (case-insensitive); `None` for an unknown name.
    ///
    /// `MINIMAL`/`LOW` → `LOW`; `MEDIUM`/`SERIOUS` → `MEDIUM`; `HIGH`/`CRITICAL`/`URGENT` → `HIGH`.
    pub fn normalize(name: &str) -> Option<&'static str> {
        let name = name.trim();
        let is = |s: &str| name.eq_ignore_ascii_case(s);
        if is("LOW") || is("MINIMAL") {
            Some(LOW)
        } else if is("MEDIUM") || is("SERIOUS") {
            Some(MEDIUM)
        } else if is("HIGH") || is("CRITICAL") || is("URGENT") {
            Some(HIGH)
        } else {
            None
        }
    }
}

model! {
    /// A `{key, value}` datapoint of a control evaluation (P-swagger `Datapoints`; `[]` in every
    /// sample, so `value` is kept as a `Value`).
    pub struct Datapoint {
        pub key: Nullable<String>,
        pub value: Nullable<Value>,
    }
}

model! {
    /// A control evaluated on an image or container: entries of [`Compliance::controls`] (S000
    /// sample; P-swagger `ControlDetails`).
    ///
    /// `criticality` is kept as sent; [`criticality_level`](Self::criticality_level) maps old
    /// names to LOW/MEDIUM/HIGH. `posture` is `PASS` or `FAIL`. `statement` and `findings` are
    /// newer than P-swagger.
    pub struct ComplianceControl {
        pub control_id: Nullable<i64>,
        pub policy_uuid: Nullable<String>,
        pub technology_id: Nullable<i64>,
        pub criticality: Nullable<String>,
        pub posture: Nullable<String>,
        pub last_evaluated: Nullable<String>,
        pub datapoints: Nullable<Vec<Datapoint>>,
        pub statement: Nullable<String>,
        pub findings: Nullable<Vec<String>>,
    }
}

impl ComplianceControl {
    /// The criticality under its 1.43 name (`LOW`, `MEDIUM`, `HIGH`), old names mapped; `None` if
    /// absent, null or unknown.
    pub fn criticality_level(&self) -> Option<&'static str> {
        self.criticality.as_deref().and_then(criticality::normalize)
    }

    /// `posture == "PASS"`.
    pub fn passed(&self) -> bool {
        self.posture.as_deref() == Some("PASS")
    }
}

model! {
    /// Compliance posture: S01 `GET /csapi/v1.3/images/{imageSha}/compliance` and P02
    /// `GET /csapi/v1.3/containers/{containerSha}/compliance` (same shape; P-swagger
    /// `PolicyComplianceDetails`). Times are epoch-ms strings.
    pub struct Compliance {
        pub uuid: Nullable<String>,
        pub sha: Nullable<String>,
        pub customer_uuid: Nullable<String>,
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub controls: Nullable<Vec<ComplianceControl>>,
        pub last_compliance_scanned: Nullable<String>,
    }
}

impl Compliance {
    /// The controls (empty when absent or null).
    pub fn controls(&self) -> &[ComplianceControl] {
        self.controls.get().map_or(&[], Vec::as_slice)
    }

    /// The controls whose posture is `FAIL`.
    pub fn failed(&self) -> impl Iterator<Item = &ComplianceControl> {
        self.controls()
            .iter()
            .filter(|c| c.posture.as_deref() == Some("FAIL"))
    }
}
