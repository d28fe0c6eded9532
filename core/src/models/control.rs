//! Compliance controls (the catalogue).

use super::{Control, criticality};

impl Control {
    /// The criticality under its 1.43 name (`LOW`, `MEDIUM`, `HIGH`), old names mapped.
    pub fn criticality_level(&self) -> Option<&'static str> {
        self.criticality.as_deref().and_then(criticality::normalize)
    }
}
