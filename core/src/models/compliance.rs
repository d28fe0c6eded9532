//! Compliance posture of an image or container: criticality (the names are declared in
//! spec/shapes.json, `enums.criticality`) and failed controls.

use super::{Compliance, ComplianceControl, criticality};

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
