//! Reports.

use super::Nullable;
use serde_json::Value;

model! {
    /// A report: items of S08 `GET /csapi/v1.3/reports` (a [`Page`](super::Page) without
    /// `groups`; S000 sample, P-swagger `Report`).
    ///
    /// `createdAt`/`expireOn` are ISO-8601 strings. The flags `isScheduled`,
    /// `emailNotification`, `sendAsAttachment`, `fileZipped` are integers 0/1, kept as such.
    /// `filter` is a JSON-encoded string (`{"filter": QQL, "secondFilter": QQL}`), decoded by
    /// [`filter_value`](Self::filter_value). `expireAfter` is documented as a string but sent as
    /// an int, so it is a `Value`. Naming differs from the create body: `name`/`zip` there are
    /// `reportName`/`fileZipped` here.
    pub struct Report {
        pub report_uuid: Nullable<String>,
        pub created_at: Nullable<String>,
        pub report_name: Nullable<String>,
        pub description: Nullable<String>,
        pub file_format: Nullable<String>,
        pub template_name: Nullable<String>,
        pub report_type: Nullable<String>,
        pub status: Nullable<String>,
        pub is_scheduled: Nullable<i64>,
        pub filter: Nullable<String>,
        pub display_columns: Nullable<Vec<String>>,
        pub expire_on: Nullable<String>,
        pub email_notification: Nullable<i64>,
        pub recipient: Nullable<Value>,
        pub email_subject: Nullable<String>,
        pub custom_message: Nullable<String>,
        pub send_as_attachment: Nullable<i64>,
        pub file_zipped: Nullable<i64>,
        pub expire_after: Nullable<Value>,
    }
}

impl Report {
    /// The `filter` string decoded as JSON (`None` if absent or null).
    pub fn filter_value(&self) -> Option<serde_json::Result<Value>> {
        self.filter.as_deref().map(serde_json::from_str)
    }
}

model! {
    /// P22 `DELETE /csapi/v1.3/reports`: `{message, data: [string]}` (P-swagger
    /// `ReportsDeleteSucccess`).
    pub struct ReportsDeleted {
        pub message: Nullable<String>,
        pub data: Nullable<Vec<String>>,
    }
}
