//! Small responses carrying the id of what was created, updated, deleted or started.

use super::Nullable;

model! {
    /// S29 `POST /csapi/v1.3/registry`: `{"registryUuid": …}`.
    pub struct RegistryCreated {
        pub registry_uuid: Nullable<String>,
    }
}

model! {
    /// `{"scheduleUuid": …}`: S12 `POST /csapi/v1.3/registry/{registryId}/schedule` (also its
    /// v1.1 twin S33) and S10 `POST /csapi/v1.3/reports/schedule`.
    pub struct ScheduleCreated {
        pub schedule_uuid: Nullable<String>,
    }
}

model! {
    /// S09 `POST /csapi/v1.3/reports`: `{"reportUuid": …}`.
    pub struct ReportCreated {
        pub report_uuid: Nullable<String>,
    }
}

model! {
    /// S06 `POST /csapi/v1.3/centralizedPolicy`: `{"uuid": …}`.
    pub struct PolicyCreated {
        pub uuid: Nullable<String>,
    }
}

model! {
    /// S07 `PUT /csapi/v1.3/centralizedPolicy/{policyId}`.
    ///
    /// Quirk: both S000 samples answer `{"policyUUID ": …}` — **with a trailing space** in the
    /// key. That key, `policyUUID` and `uuid` are all accepted and each re-encodes under its own
    /// spelling; [`id`](Self::id) returns the first one present.
    pub struct PolicyUpdated {
        /// The key as the server spells it, `"policyUUID "`.
        #[serde(rename = "policyUUID ")]
        pub policy_uuid_spaced: Nullable<String>,
        #[serde(rename = "policyUUID")]
        pub policy_uuid: Nullable<String>,
        pub uuid: Nullable<String>,
    }
}

impl PolicyUpdated {
    /// The policy id, under `"policyUUID "`, `policyUUID` or `uuid` (in that order).
    pub fn id(&self) -> Option<&str> {
        self.policy_uuid_spaced
            .as_deref()
            .or(self.policy_uuid.as_deref())
            .or(self.uuid.as_deref())
    }
}

model! {
    /// A started background job: S39/S40/S41 (`DELETE` sensors, images, containers), S15
    /// (`DELETE …/schedule/bulk`) and S14 (`POST …/schedule/cancel`).
    ///
    /// Quirk (S004): the cancel call answers `{"CancelJobId": …}` (capital C) in two samples and
    /// `{"deletionJobId": …}` in the "cancel all" sample. Both keys are kept as sent;
    /// [`job_id`](Self::job_id) returns whichever is present.
    pub struct JobStarted {
        pub deletion_job_id: Nullable<String>,
        #[serde(rename = "CancelJobId")]
        pub cancel_job_id: Nullable<String>,
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

model! {
    /// S36 `DELETE /csapi/v1.3/registry`: `{"deletedRegistryUuids": [...]}`.
    pub struct DeletedRegistries {
        pub deleted_registry_uuids: Nullable<Vec<String>>,
    }
}

model! {
    /// S38 `DELETE /csapi/v1.3/registry/{registryId}/schedule`: `{"deletedScheduleUuids": [...]}`.
    pub struct DeletedSchedules {
        pub deleted_schedule_uuids: Nullable<Vec<String>>,
    }
}

model! {
    /// `{"message": …}`: S11 `PUT /csapi/v1.3/reports/schedule/{reportingScheduleID}` ("Details
    /// updated successfully for reportScheduleId …").
    pub struct Message {
        pub message: Nullable<String>,
    }
}
