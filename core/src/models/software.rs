//! Software installed on images and containers.

use super::{Software, SoftwareList};

impl SoftwareList {
    /// The software entries (empty when `data` is absent or null).
    pub fn items(&self) -> &[Software] {
        self.data.get().map_or(&[], Vec::as_slice)
    }
}
