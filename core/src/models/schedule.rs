//! Registry scan schedules.

use super::Nullable;
use serde_json::{Map, Value};

model! {
    /// A `{repo, tag}` pair of a schedule filter. `repo` may be a pattern (`.*`); `tag` is a
    /// comma-separated list (OnDemand only) and may be `null` or `""`.
    pub struct RepoTag {
        pub repo: Nullable<String>,
        pub tag: Nullable<String>,
    }
}

model! {
    /// A schedule filter `{repoTags, days}`: `days` is 1..=7 or 14 (OnDemand only) or `null`.
    ///
    /// S001's forceScan sample splits the two keys into separate elements
    /// (`[{"repoTags": [...]}, {"days": null}]`); both fields are optional so that decodes too.
    pub struct ScheduleFilter {
        pub repo_tags: Nullable<Vec<RepoTag>>,
        pub days: Nullable<i64>,
    }
}

model! {
    /// A schedule-level error `{errorCode, errorMessage, contextParams}` (P-swagger
    /// `Schedule_errors`) — not an HTTP error.
    pub struct ScheduleError {
        pub error_code: Nullable<String>,
        pub error_message: Nullable<String>,
        pub context_params: Nullable<Map<String, Value>>,
    }
}

model! {
    /// A registry scan schedule: items of S32 `GET /csapi/v1.3/registry/{registryId}/schedule`
    /// (a [`Page`](super::Page); S003 sample, P-swagger `Schedule`). The same keys make up the
    /// S12/S13 request bodies (plus `scheduleScanIntervalInDays`, `forceScan`, `registryType`).
    ///
    /// Times are epoch-ms strings; `schedule` is `"HH:MM"` UTC. `status` is kept as sent (see
    /// [`Schedule::STATUSES`]).
    pub struct Schedule {
        pub schedule_uuid: Nullable<String>,
        pub on_demand: Nullable<bool>,
        pub created: Nullable<String>,
        pub updated: Nullable<String>,
        pub job_start_date: Nullable<String>,
        pub job_completion_date: Nullable<String>,
        pub job_listing_start_date: Nullable<String>,
        pub job_listing_completion_date: Nullable<String>,
        pub job_scanning_start_date: Nullable<String>,
        pub job_scanning_completion_date: Nullable<String>,
        pub name: Nullable<String>,
        pub errors: Nullable<Vec<ScheduleError>>,
        pub schedule: Nullable<String>,
        pub filters: Nullable<Vec<ScheduleFilter>>,
        pub status: Nullable<String>,
        pub schedule_scan_interval_in_days: Nullable<i64>,
        pub force_scan: Nullable<bool>,
        pub registry_type: Nullable<String>,
    }
}

impl Schedule {
    /// Status values seen: `Running`, `Completed` (S003); `Finished`, `Unknown`, `Error`,
    /// `Queued`, `Canceled` (S004).
    pub const STATUSES: &[&str] = &[
        "Running",
        "Completed",
        "Finished",
        "Unknown",
        "Error",
        "Queued",
        "Canceled",
    ];
}
