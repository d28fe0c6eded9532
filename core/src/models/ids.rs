//! Small responses carrying the id of what was created, updated, deleted or started.

use super::{JobStarted, PolicyUpdated};

impl PolicyUpdated {
    /// The policy id, under `"policyUUID "`, `policyUUID` or `uuid` (in that order).
    pub fn id(&self) -> Option<&str> {
        self.policy_uuid_spaced
            .as_deref()
            .or(self.policy_uuid.as_deref())
            .or(self.uuid.as_deref())
    }
}

impl JobStarted {
    /// The job id, under `deletionJobId` or `CancelJobId`.
    pub fn job_id(&self) -> Option<&str> {
        self.deletion_job_id
            .as_deref()
            .or(self.cancel_job_id.as_deref())
    }
}
