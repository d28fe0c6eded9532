//! The Qualys error body.

use super::Nullable;

model! {
    /// An error response body `{errorCode, message, timestamp}` (API.md §5.1; S003 validate
    /// sample, P-swagger `ResponseError`).
    ///
    /// `errorCode` is `CMS-<n>` or `"<status> <REASON>"` (e.g. `"403 FORBIDDEN"`); `timestamp`
    /// is epoch ms as a **number**. Every field is optional: gateway errors may send other shapes,
    /// which land in `extra`.
    pub struct ErrorBody {
        pub error_code: Nullable<String>,
        pub message: Nullable<String>,
        pub timestamp: Nullable<i64>,
    }
}
