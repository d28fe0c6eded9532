//! Registry scan schedules.

use super::Schedule;

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
