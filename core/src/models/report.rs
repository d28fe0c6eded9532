//! Reports.

use super::Report;
use serde_json::Value;

impl Report {
    /// The `filter` string decoded as JSON (`None` if absent or null).
    pub fn filter_value(&self) -> Option<serde_json::Result<Value>> {
        self.filter.as_deref().map(serde_json::from_str)
    }
}
