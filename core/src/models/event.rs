//! Events (S20 `GET /csapi/v1.1/events`).

model! {
    /// An item of S20 `GET /csapi/v1.1/events`. The sources name no field of an event, so the
    /// model names none either: every field is kept in [`extra`](Self::extra), as sent, and the
    /// model exists so that all three languages name the same type for the same endpoint.
    pub struct Event {}
}
